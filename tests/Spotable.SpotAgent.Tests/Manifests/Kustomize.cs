using System.Collections.Concurrent;
using System.Diagnostics;
using Spotable.Testing;
using YamlDotNet.RepresentationModel;

namespace Spotable.SpotAgent.Tests.Manifests;

/// <summary>
/// Renders a kustomization with <c>kubectl kustomize</c> (offline: it reads files only) and parses the multi-document
/// output into <see cref="KubeObject"/>s. Each directory is rendered once per test run.
/// </summary>
internal static class Kustomize
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private static readonly ConcurrentDictionary<string, Lazy<IReadOnlyList<KubeObject>>> s_rendered = new(StringComparer.Ordinal);

    public static string ManifestsRoot { get; } = Path.Combine(RepoPaths.Root, "manifests");

    /// <summary>"base" and "overlays/&lt;name&gt;" for every overlay directory, as an operator would apply them.</summary>
    public static IReadOnlyList<string> Kustomizations()
    {
        var overlays = Directory.GetDirectories(Path.Combine(ManifestsRoot, "overlays"))
            .Select(d => "overlays/" + Path.GetFileName(d))
            .Order(StringComparer.Ordinal);
        return ["base", .. overlays];
    }

    /// <summary>The kustomizations that install the agent: the base and every overlay built on it.</summary>
    public static IReadOnlyList<string> AgentKustomizations() =>
        [.. Kustomizations().Where(k => k == "base" || ReadKustomization(k)["resources"].Strings.Contains("../../base"))];

    /// <summary>The kustomization.yaml of <paramref name="kustomization"/> itself (not rendered).</summary>
    public static YamlValue ReadKustomization(string kustomization)
    {
        var stream = new YamlStream();
        using var reader = new StringReader(File.ReadAllText(Path.Combine(ManifestsRoot, kustomization, "kustomization.yaml")));
        stream.Load(reader);
        return new YamlValue(stream.Documents.Single().RootNode, kustomization + "/kustomization.yaml");
    }

    /// <summary>The rendered objects of <c>manifests/&lt;kustomization&gt;</c>.</summary>
    public static IReadOnlyList<KubeObject> Render(string kustomization) =>
        s_rendered.GetOrAdd(kustomization, k => new Lazy<IReadOnlyList<KubeObject>>(() => RenderDirectory(Path.Combine(ManifestsRoot, k)))).Value;

    /// <summary>Runs <c>kubectl kustomize &lt;directory&gt;</c>; a non-zero exit throws with kubectl's stderr.</summary>
    public static IReadOnlyList<KubeObject> RenderDirectory(string directory)
    {
        var start = new ProcessStartInfo("kubectl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("kustomize");
        start.ArgumentList.Add(directory);

        using var process = Process.Start(start) ?? throw new InvalidOperationException("kubectl did not start");
        // Both pipes are read while the process runs: a full stderr pipe would otherwise block it.
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(s_timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl kustomize {directory} did not finish within {s_timeout.TotalSeconds} s");
        }

        process.WaitForExit(); // Flushes the redirected streams.
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"kubectl kustomize {directory} exited {process.ExitCode}: {stderr.Result.Trim()}");
        }

        return Parse(stdout.Result, Path.GetFileName(directory));
    }

    /// <summary>Parses a multi-document YAML stream of objects; every document must be a mapping.</summary>
    public static IReadOnlyList<KubeObject> Parse(string yaml, string source)
    {
        var stream = new YamlStream();
        using var reader = new StringReader(yaml);
        stream.Load(reader);
        return [.. stream.Documents.Select((document, i) => document.RootNode is YamlMappingNode mapping
            ? new KubeObject(new YamlValue(mapping, $"{source}#{i}:{Describe(mapping)}"))
            : throw new InvalidDataException($"{source} document {i} is a {document.RootNode.NodeType}, not an object"))];
    }

    private static string Describe(YamlMappingNode mapping)
    {
        var value = new YamlValue(mapping, string.Empty);
        return $"{value["kind"].String}/{value["metadata"]["name"].String}";
    }
}
