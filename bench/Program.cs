using System.Globalization;
using Spotable.Bench;

// Benchmarks that print tables (never timed tests). Usage:
//   dotnet run -c Release --project bench -- launcher [runs]   start-up and memory of the launcher
//   dotnet run -c Release --project bench -- agent [N...]      spot-agent notice-to-SIGTERM with N game pods
// Both measure the published binaries that tests/run.sh leaves in artifacts/publish.
var mode = args.Length > 0 ? args[0] : "launcher";
switch (mode)
{
    case "launcher":
        await LauncherBench.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20);
        return 0;
    case "agent":
        await AgentBench.RunAsync(args.Length > 1 ? [.. args.Skip(1).Select(a => int.Parse(a, CultureInfo.InvariantCulture))] : [10, 50, 200]);
        return 0;
    default:
        Console.Error.WriteLine("usage: bench [launcher [runs] | agent [N...]]");
        return 2;
}
