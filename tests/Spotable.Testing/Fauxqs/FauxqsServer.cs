using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Spotable.Testing.Processes;

namespace Spotable.Testing.Fauxqs;

/// <summary>
/// A real SQS stand-in for tests: fauxqs (npm, pinned in tests/tools/package.json) run by
/// <c>node tests/tools/fauxqs-server.mjs</c>, bound to 127.0.0.1. It speaks the SQS JSON 1.0 protocol with real
/// error types and MD5s, accepts any credentials, and hands out queue URLs of the form
/// <c>http://sqs.&lt;region&gt;.localhost:&lt;port&gt;/000000000000/&lt;name&gt;</c>.
/// fauxqs keeps everything in memory: after <see cref="StopAsync"/> and a new <see cref="StartAsync"/> (same port or
/// not) there are no queues or messages; a test that restarts it must create its queues again.
/// </summary>
public sealed class FauxqsServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan TermGrace = TimeSpan.FromSeconds(5);

    private readonly StringBuilder _stderr = new();
    private readonly Lock _gate = new();
    private Process? _process;

    /// <summary>The bound port; kept after <see cref="StopAsync"/> so the server can be restarted on it.</summary>
    public int Port { get; private set; }

    /// <summary><c>http://127.0.0.1:&lt;port&gt;/</c>: pass it as the SQS endpoint.</summary>
    public Uri Endpoint => new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Port}/"));

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The node process id while running.</summary>
    public int? ProcessId => _process?.Id;

    /// <summary>What the server wrote to stderr so far (startup errors, crashes).</summary>
    public string StandardError
    {
        get
        {
            lock (_gate)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Starts a server on a free port (or on <paramref name="port"/>) and waits until it listens.</summary>
    public static async Task<FauxqsServer> StartNewAsync(int port = 0, CancellationToken cancellationToken = default)
    {
        var server = new FauxqsServer();
        try
        {
            await server.StartAsync(port, cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Runs <c>node tests/tools/fauxqs-server.mjs &lt;port&gt;</c> and waits for its <c>{"port":N}</c> line.
    /// Port 0 lets the OS choose; pass <see cref="Port"/> to come back on the same port after <see cref="StopAsync"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">Already running, node or the npm packages missing, or the server failed to start.</exception>
    public async Task StartAsync(int port = 0, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        if (_process is not null)
        {
            throw new InvalidOperationException("fauxqs is already running; StopAsync it first.");
        }

        var root = RepoPaths.Root;
        var tools = Path.Combine(root, "tests", "tools");
        var script = Path.Combine(tools, "fauxqs-server.mjs");
        if (!File.Exists(Path.Combine(tools, "node_modules", "fauxqs", "package.json")))
        {
            throw new InvalidOperationException(
                $"fauxqs is not installed under {tools}/node_modules. Run the README's test command, or first: npm ci --prefix tests/tools");
        }

        var startInfo = new ProcessStartInfo("node")
        {
            WorkingDirectory = root,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(script);
        startInfo.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));

        // The script exits when our end of its stdin closes: a crashed test runner leaves no server behind.
        startInfo.ArgumentList.Add("--exit-on-stdin-close");
        startInfo.Environment["FAUXQS_LOGGER"] = "false";

        var portLine = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line && TryParsePort(line, out var bound))
            {
                portLine.TrySetResult(bound);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_gate)
                {
                    _stderr.AppendLine(e.Data);
                }
            }
        };
        process.Exited += (_, _) => portLine.TrySetException(new InvalidOperationException("fauxqs exited before it listened."));

        lock (_gate)
        {
            _stderr.Clear();
        }

        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            process.Dispose();
            throw new InvalidOperationException("Cannot run 'node' (Node.js 20+ must be on PATH): " + e.Message, e);
        }

        _process = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            Port = await portLine.Task.WaitAsync(StartTimeout, cancellationToken);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or OperationCanceledException)
        {
            // Cleanup must finish even if the caller's token is what ended the wait.
            await StopAsync();
            if (e is OperationCanceledException)
            {
                throw;
            }

            // StopAsync waited for the output readers to drain, so stderr is complete here.
            throw new InvalidOperationException($"fauxqs did not start on port {port}: {e.Message} stderr: {StandardError.Trim()}", e);
        }
    }

    /// <summary>
    /// SIGTERM to the node process by its PID, SIGKILL if it is still there after a few seconds, then waits for it.
    /// Idempotent. Not cancellable: a half-stopped server would hold the port.
    /// </summary>
    public async Task StopAsync()
    {
        var process = _process;
        if (process is null)
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                Posix.Kill(process.Id, Posix.SIGTERM);
                using var grace = new CancellationTokenSource(TermGrace);
                try
                {
                    await process.WaitForExitAsync(grace.Token);
                }
                catch (OperationCanceledException)
                {
                    if (!process.HasExited)
                    {
                        Posix.Kill(process.Id, Posix.SIGKILL);
                    }

                    // CancellationToken.None: after SIGKILL the exit is certain and must be awaited.
                    await process.WaitForExitAsync(CancellationToken.None);
                }
            }
            else
            {
                // Drain the output readers of a process that already exited.
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }
        finally
        {
            _process = null;
            process.Dispose();
        }
    }

    /// <summary>Stops the server and starts it again on the same port. The new server has no queues.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        var port = Port;
        await StopAsync();
        await StartAsync(port, cancellationToken);
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private static bool TryParsePort(string line, out int port)
    {
        port = 0;
        try
        {
            using var document = JsonDocument.Parse(line);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("port", out var value)
                && value.TryGetInt32(out port))
            {
                return port > 0;
            }
        }
        catch (JsonException)
        {
            // Some other line on stdout.
        }

        return false;
    }
}
