using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Spotable.Testing.Processes;

namespace Spotable.Launcher.Tests.Support;

/// <summary>
/// The real launcher binary run as a process, its stdout and stderr captured line by line. Disposal ends it by its
/// PID (SIGKILL) if it is still running.
/// </summary>
internal sealed class LauncherProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();

    private LauncherProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) { _stdout.Enqueue(e.Data); } };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { _stderr.Enqueue(e.Data); } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static string BinaryPath => Path.Combine(AppContext.BaseDirectory, "launcher");

    public int Pid => _process.Id;

    public IReadOnlyList<string> Stdout => [.. _stdout];

    public IReadOnlyList<string> Stderr => [.. _stderr];

    /// <summary>The launcher's own JSON log lines (stderr lines that parse as JSON objects).</summary>
    public IReadOnlyList<JsonElement> LogEntries => [.. _stderr.Select(TryParse).OfType<JsonElement>()];

    public static LauncherProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(BinaryPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // Tests never reach for the real instance metadata address.
        info.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        foreach (var name in new[] { "SPOTABLE_QUEUE_URL", "LAUNCHER_PORTS", "LAUNCHER_PORT_RANGE", "POD_NAME", "POD_NAMESPACE", "NODE_NAME", "PUBLIC_HOST" })
        {
            info.Environment.Remove(name);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        return new LauncherProcess(Process.Start(info)!);
    }

    public void Signal(int signal) => Assert.That(Posix.Kill(_process.Id, signal), Is.True, $"signal {signal} to launcher {_process.Id}");

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"launcher {_process.Id} still running after {timeout}; stderr:\n{string.Join('\n', Stderr)}");
        }

        _process.WaitForExit(); // Drains the redirected streams.
        return _process.ExitCode;
    }

    /// <summary>Waits until a log entry with the given message prefix appears.</summary>
    public async Task<JsonElement> WaitForLogAsync(Func<JsonElement, bool> match, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (LogEntries.FirstOrDefault(match) is { ValueKind: JsonValueKind.Object } found)
            {
                return found;
            }

            if (_process.HasExited)
            {
                _process.WaitForExit();
                if (LogEntries.FirstOrDefault(match) is { ValueKind: JsonValueKind.Object } late)
                {
                    return late;
                }

                Assert.Fail($"launcher exited ({_process.ExitCode}) before the expected log line; stderr:\n{string.Join('\n', Stderr)}");
            }

            await Task.Delay(50);
        }

        Assert.Fail($"expected log line did not appear within {timeout}; stderr:\n{string.Join('\n', Stderr)}");
        return default;
    }

    /// <summary>The <c>event</c> bodies of the log event sink (the embedded default), in order.</summary>
    public IReadOnlyList<JsonElement> LoggedEvents =>
        [.. LogEntries.Where(e => e.TryGetProperty("eventId", out var id) && id.GetInt32() == 2040).Select(e => e.GetProperty("event"))];

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                Posix.Kill(_process.Id, Posix.SIGKILL);
                _process.WaitForExit(5000);
            }
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static JsonElement? TryParse(string line)
    {
        if (!line.StartsWith('{'))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
