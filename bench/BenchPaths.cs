namespace Spotable.Bench;

internal static class BenchPaths
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "agent.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("agent.sln not found");
    }
}
