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
    public void Dockerfile_Publish_SameFolderAsTheTestCommandAndNativeAotByDefault(string project)
    {
        var instructions = Instructions(project);
        var publish = instructions.SkipWhile(l => !l.StartsWith("RUN rid=", StringComparison.Ordinal)).Take(2).ToList();

        Assert.That(publish, Has.Count.EqualTo(2), "the publish RUN");
        Assert.That(publish[1], Does.Contain($"dotnet publish {project} -c Release").And.Contain("-p:PublishAot=$AOT").And.EndsWith($"-o artifacts/publish/{project}"));
        Assert.That(instructions, Does.Contain("ARG AOT=true"), "NativeAOT unless the builder says otherwise");
        Assert.That(File.ReadAllText(Path.Combine(RepoPaths.Root, "tests", "run.sh")), Does.Contain($"-o artifacts/publish/{project} "),
            "the test command runs the same publish into the same folder");
    }

    [TestCase("launcher")]
    [TestCase("spot-agent")]
    public void Dockerfile_FinalImage_CopiesOnlyThePublishedBinaryAndRunsIt(string project)
    {
        var instructions = Instructions(project);
        var final = instructions.SkipWhile(l => !l.StartsWith("FROM mcr.microsoft.com/dotnet/runtime-deps:", StringComparison.Ordinal)).ToList();
        var copies = final.Select(l => Regex.Match(l, @"^COPY\s+(--from=\S+\s+)?(\S+)\s+(\S+)$", RegexOptions.IgnoreCase)).Where(m => m.Success).ToList();
        var entrypoint = final.LastOrDefault(l => l.StartsWith("ENTRYPOINT", StringComparison.OrdinalIgnoreCase));

        Assert.That(final, Is.Not.Empty, "a minimal runtime-deps final stage");
        Assert.That(copies, Has.Count.EqualTo(1), "one COPY: the published binary");
        Assert.Multiple(() =>
        {
            Assert.That(copies[0].Groups[1].Value.Trim(), Is.EqualTo("--from=publish"));
            Assert.That(copies[0].Groups[2].Value, Is.EqualTo($"/src/artifacts/publish/{project}/{project}"));
            Assert.That(entrypoint, Does.Contain($"\"{copies[0].Groups[3].Value}\""), "the entrypoint runs the copied binary");
        });
    }
}
