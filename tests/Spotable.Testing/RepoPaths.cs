using System.Runtime.CompilerServices;

namespace Spotable.Testing;

/// <summary>Finds files of the repository from a test.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    // The test output directory normally sits under the repository, but not with --artifacts-path: then the
    // working directory or this source file's compile-time location leads to agent.sln.
    private static string FindRoot([CallerFilePath] string sourceFile = "")
    {
        var candidates = new[] { AppContext.BaseDirectory, Environment.CurrentDirectory, Path.GetDirectoryName(sourceFile) ?? "" };
        foreach (var start in candidates.Where(c => c.Length > 0))
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "agent.sln")))
                {
                    return directory.FullName;
                }
            }
        }

        throw new InvalidOperationException($"agent.sln not found above {AppContext.BaseDirectory} or {Environment.CurrentDirectory}");
    }
}
