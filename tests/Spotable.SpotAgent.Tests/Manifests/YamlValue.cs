using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Spotable.SpotAgent.Tests.Manifests;

/// <summary>
/// A read-only walk over a YamlDotNet representation-model node. A missing key or index gives a value whose
/// <see cref="Exists"/> is false instead of throwing, so a test can state what it expects and fail on that, with
/// <see cref="Path"/> saying where it looked.
/// </summary>
internal sealed class YamlValue
{
    private readonly YamlNode? _node;

    public YamlValue(YamlNode? node, string path)
    {
        _node = node;
        Path = path;
    }

    public string Path { get; }

    public bool Exists => _node is not null;

    public bool IsMapping => _node is YamlMappingNode;

    public bool IsSequence => _node is YamlSequenceNode;

    /// <summary>The text of a scalar; null for a missing value, a mapping or a sequence.</summary>
    public string? String => (_node as YamlScalarNode)?.Value;

    /// <summary>
    /// A scalar written quoted (or as a block): a string for certain, where a plain <c>false</c> would be a boolean
    /// (which the API server rejects in a <c>map[string]string</c> such as annotations).
    /// </summary>
    public bool IsQuotedString => _node is YamlScalarNode { Style: not ScalarStyle.Plain and not ScalarStyle.Any };

    /// <summary>A plain <c>true</c> or <c>false</c>; null otherwise (including the quoted strings).</summary>
    public bool? Bool => _node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: var v }
        ? v switch { "true" => true, "false" => false, _ => null }
        : null;

    /// <summary>A plain integer; null otherwise.</summary>
    public long? Integer => _node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: { } v }
        && long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : null;

    public YamlValue this[string key]
    {
        get
        {
            var child = _node is YamlMappingNode mapping && mapping.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;
            return new YamlValue(child, $"{Path}.{key}");
        }
    }

    public YamlValue this[int index]
    {
        get
        {
            var child = _node is YamlSequenceNode sequence && index >= 0 && index < sequence.Children.Count ? sequence.Children[index] : null;
            return new YamlValue(child, $"{Path}[{index}]");
        }
    }

    /// <summary>The items of a sequence; empty for anything else.</summary>
    public IReadOnlyList<YamlValue> Items => _node is YamlSequenceNode sequence
        ? [.. sequence.Children.Select((child, i) => new YamlValue(child, $"{Path}[{i}]"))]
        : [];

    /// <summary>The scalar items of a sequence, e.g. a rule's verbs.</summary>
    public IReadOnlyList<string> Strings => [.. Items.Select(i => i.String).OfType<string>()];

    /// <summary>The entries of a mapping, keyed by their scalar keys; empty for anything else.</summary>
    public IReadOnlyDictionary<string, YamlValue> Entries => _node is YamlMappingNode mapping
        ? mapping.Children
            .Where(kv => kv.Key is YamlScalarNode { Value: not null })
            .ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => new YamlValue(kv.Value, $"{Path}.{((YamlScalarNode)kv.Key).Value}"), StringComparer.Ordinal)
        : new Dictionary<string, YamlValue>(StringComparer.Ordinal);

    /// <summary>The item of a sequence of mappings whose <paramref name="key"/> is <paramref name="value"/> (an env var, a port, a volume by name).</summary>
    public YamlValue ItemWhere(string key, string value) =>
        Items.FirstOrDefault(i => i[key].String == value) ?? new YamlValue(null, $"{Path}[{key}={value}]");

    public override string ToString() => Exists ? $"{Path} = {String ?? _node!.NodeType.ToString()}" : $"{Path} (missing)";
}
