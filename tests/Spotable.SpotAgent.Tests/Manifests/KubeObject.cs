namespace Spotable.SpotAgent.Tests.Manifests;

/// <summary>One rendered Kubernetes object: its identity and the document to walk.</summary>
internal sealed class KubeObject
{
    public KubeObject(YamlValue root)
    {
        Root = root;
    }

    public YamlValue Root { get; }

    public string? ApiVersion => Root["apiVersion"].String;

    public string? Kind => Root["kind"].String;

    public string? Name => Root["metadata"]["name"].String;

    public string? Namespace => Root["metadata"]["namespace"].String;

    public YamlValue this[string key] => Root[key];

    /// <summary>The pod template's spec of a workload (DaemonSet, Deployment, ...).</summary>
    public YamlValue PodSpec => Root["spec"]["template"]["spec"];

    public YamlValue PodMetadata => Root["spec"]["template"]["metadata"];

    public IReadOnlyList<YamlValue> Containers => PodSpec["containers"].Items;

    public IReadOnlyList<YamlValue> InitContainers => PodSpec["initContainers"].Items;

    public override string ToString() => $"{Kind}/{Name}" + (Namespace is null ? string.Empty : $" in {Namespace}");
}
