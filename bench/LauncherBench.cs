using System.Diagnostics;
using System.Globalization;
using Spotable.Testing;

namespace Spotable.Bench;

/// <summary>
/// Start-up time and memory of the launcher, the numbers that matter when one runs beside every game on a node.
/// Compares the framework-dependent build with the published (self-contained, trimmed, ReadyToRun) binary that
/// tests/run.sh produces in artifacts/publish/launcher.
/// </summary>
internal static class LauncherBench
{
    public static async Task RunAsync(int runs)
    {
        var root = RepoPaths.Root;
        var variants = new List<(string Name, string Path)>
        {
            ("published (trimmed, R2R, single file)", Path.Combine(root, "artifacts/publish/launcher/launcher")),
            ("framework-dependent (Release build)", Path.Combine(root, "launcher/bin/Release/net10.0/launcher")),
        };

        var leases = Directory.CreateTempSubdirectory("bench-leases").FullName;
        Console.WriteLine($"launcher start-up and memory, {runs} runs each, {Environment.ProcessorCount} cores");
        Console.WriteLine();
        Console.WriteLine("| variant | size MB | start→exit median ms | p90 ms | RSS MB (game running) | PSS MB |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var (name, path) in variants)
        {
            if (!File.Exists(path))
            {
                Console.WriteLine($"| {name} | missing: {path} (run tests/run.sh or dotnet build -c Release) | | | | |");
                continue;
            }

            var times = new List<double>();
            for (var i = 0; i < runs; i++)
            {
                var watch = Stopwatch.StartNew();
                using var process = Start(path, leases, "true");
                process.WaitForExit();
                times.Add(watch.Elapsed.TotalMilliseconds);
                if (process.ExitCode != 0)
                {
                    throw new InvalidOperationException($"{path} exited {process.ExitCode}");
                }
            }

            times.Sort();
            var (rss, pss) = await MeasureMemoryAsync(path, leases);
            var size = new FileInfo(path).Length / 1048576.0;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {size:F1} | {times[times.Count / 2]:F1} | {times[(int)(times.Count * 0.9)]:F1} | {rss:F1} | {pss:F1} |"));
        }

        Directory.Delete(leases, recursive: true);
    }

    private static Process Start(string path, string leases, params string[] command)
    {
        var info = new ProcessStartInfo(path) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "--port", "game:udp", "--lease-dir", leases, "--ready-timeout", "0", "--log-level", "warn", "--" }.Concat(command))
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        var process = Process.Start(info)!;
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return process;
    }

    private static async Task<(double RssMb, double PssMb)> MeasureMemoryAsync(string path, string leases)
    {
        using var process = Start(path, leases, "sleep", "3");
        await Task.Delay(1500); // Let start-up finish and the readiness loop settle.
        var rss = ReadKb($"/proc/{process.Id}/status", "VmRSS:");
        var pss = ReadKb($"/proc/{process.Id}/smaps_rollup", "Pss:");
        await process.WaitForExitAsync();
        return (rss / 1024.0, pss / 1024.0);
    }

    private static double ReadKb(string file, string key)
    {
        var line = File.ReadLines(file).First(l => l.StartsWith(key, StringComparison.Ordinal));
        return double.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }
}
