using System.Text.RegularExpressions;
using Spotable.Testing;

namespace Spotable.SpotAgent.Tests.Manifests;

/// <summary>
/// The Dockerfiles cannot be built here (no container engine), so their contract with the build is checked instead:
/// they copy what <c>dotnet publish -o artifacts/publish/&lt;name&gt;</c> (tests/run.sh, CI) produces and run it as a
/// non-root user.
/// </summary>
public class DockerfileTests
{
    private static IReadOnlyList<string> Instructions(string project) =>
        [.. File.ReadAllLines(Path.Combine(RepoPaths.Root, project, "Dockerfile"))
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))];

    [TestCase("launcher")]
    [TestCase("spot-agent")]
    public void Dockerfile_User_NonRoot(string project)
    {
        var users = Instructions(project).Where(l => l.StartsWith("USER ", StringComparison.OrdinalIgnoreCase)).ToList();

        Assert.That(users, Is.Not.Empty, "a USER line");
        // The last USER is the one the container runs as; numeric, so runAsNonRoot can verify it without /etc/passwd.
        var user = users[^1][5..].Trim().Split(':')[0];
        Assert.That(user, Does.Match(@"^\d+$").And.Not.EqualTo("0"));
    }

    [TestCase("launcher")]
    [TestCase("spot-agent")]
    public void Dockerfile_Copy_ThePublishedBinaryIsTheEntrypoint(string project)
    {
        var instructions = Instructions(project);
        var copy = instructions.Select(l => Regex.Match(l, @"^COPY\s+(?!--from)(\S+)\s+(\S+)$", RegexOptions.IgnoreCase)).Where(m => m.Success).ToList();
        var entrypoint = instructions.LastOrDefault(l => l.StartsWith("ENTRYPOINT", StringComparison.OrdinalIgnoreCase));

        Assert.That(copy, Has.Count.EqualTo(1), "one COPY of the published binary");
        Assert.Multiple(() =>
        {
            // The published single file is named after the project's AssemblyName, which is the folder's name.
            Assert.That(copy[0].Groups[1].Value, Is.EqualTo($"artifacts/publish/{project}/{project}"));
            Assert.That(entrypoint, Does.Contain($"\"{copy[0].Groups[2].Value}\""), "the entrypoint runs the copied binary");
            Assert.That(File.ReadAllText(Path.Combine(RepoPaths.Root, "tests", "run.sh")), Does.Contain($"-o artifacts/publish/{project} "),
                "the test command publishes where the Dockerfile copies from");
        });
    }
}
