using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Spotable.Common.Kubernetes;

/// <summary>
/// Reads the slice of a kubeconfig file (https://kubernetes.io/docs/reference/config-api/kubeconfig.v1/) that
/// <see cref="KubernetesClientConfiguration"/> needs. YamlDotNet's representation model only: no reflection, so it
/// is NativeAOT-safe. JSON kubeconfigs parse too (JSON is YAML).
/// </summary>
internal static class Kubeconfig
{
    private static readonly string[] UnsupportedAuthKeys = ["exec", "auth-provider", "username"];

    public static KubernetesClientConfiguration Load(string path, string? contextName, TimeProvider? timeProvider)
    {
        var fullPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(fullPath) ?? ".";
        var root = Parse(fullPath);

        contextName = NullIfBlank(contextName) ?? Scalar(root, "current-context")
            ?? throw Error(fullPath, "has no current-context; name the context to use");
        var context = Named(root, "contexts", "context", contextName, fullPath);
        var clusterName = Scalar(context, "cluster") ?? throw Error(fullPath, $"context '{contextName}' names no cluster");
        var cluster = Named(root, "clusters", "cluster", clusterName, fullPath);
        var userName = Scalar(context, "user");
        var user = userName is null ? null : Named(root, "users", "user", userName, fullPath);
        var source = $"kubeconfig {fullPath} context {contextName}";

        var serverText = Scalar(cluster, "server") ?? throw Error(fullPath, $"cluster '{clusterName}' has no server");

        // client-go accepts a bare host:port and means https.
        if (!Uri.TryCreate(serverText, UriKind.Absolute, out var server) || (server.Scheme != Uri.UriSchemeHttps && server.Scheme != Uri.UriSchemeHttp))
        {
            if (!Uri.TryCreate("https://" + serverText, UriKind.Absolute, out server))
            {
                throw Error(fullPath, $"cluster '{clusterName}' server '{serverText}' is not a URL");
            }
        }

        var configuration = new KubernetesClientConfiguration
        {
            Server = server,
            InsecureSkipTlsVerify = Boolean(cluster, "insecure-skip-tls-verify", fullPath),
            CertificateAuthorityPem = DataOrFile(cluster, "certificate-authority", directory, fullPath),
            ClientCertificatePem = user is null ? null : DataOrFile(user, "client-certificate", directory, fullPath),
            ClientKeyPem = user is null ? null : DataOrFile(user, "client-key", directory, fullPath),
            TokenProvider = user is null ? null : Token(user, directory, timeProvider),
            Namespace = Scalar(context, "namespace") ?? "default",
            Source = source,
        };

        if (user is not null && configuration.TokenProvider is null && configuration.ClientCertificatePem is null)
        {
            // Cloud kubeconfigs (EKS, GKE, AKS) usually run a plugin to get a token; this client does not run programs.
            var unsupported = UnsupportedAuthKeys.FirstOrDefault(key => user.Children.ContainsKey(new YamlScalarNode(key)));
            if (unsupported is not null)
            {
                throw Error(fullPath, $"user '{userName}' authenticates with '{unsupported}', which this client does not support; give it a token, tokenFile or client certificate");
            }
        }

        return configuration;
    }

    private static YamlMappingNode Parse(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KubernetesConfigurationException($"Cannot read kubeconfig {path}: {e.Message}", e);
        }

        var stream = new YamlStream();
        try
        {
            using var reader = new StringReader(text);
            stream.Load(reader);
        }
        catch (YamlException e)
        {
            throw new KubernetesConfigurationException($"kubeconfig {path} is not valid YAML: {e.Message}", e);
        }

        return stream.Documents.Count > 0 && stream.Documents[0].RootNode is YamlMappingNode root
            ? root
            : throw Error(path, "is empty or not a YAML mapping");
    }

    private static YamlMappingNode Named(YamlMappingNode root, string listKey, string itemKey, string name, string path)
    {
        if (root.Children.TryGetValue(new YamlScalarNode(listKey), out var list) && list is YamlSequenceNode entries)
        {
            foreach (var entry in entries)
            {
                if (entry is YamlMappingNode mapping && Scalar(mapping, "name") == name)
                {
                    return mapping.Children.TryGetValue(new YamlScalarNode(itemKey), out var item) && item is YamlMappingNode body
                        ? body
                        : throw Error(path, $"{itemKey} '{name}' has no '{itemKey}' section");
                }
            }
        }

        throw Error(path, $"has no {itemKey} named '{name}'");
    }

    private static IKubernetesTokenProvider? Token(YamlMappingNode user, string directory, TimeProvider? timeProvider)
    {
        // As in client-go: a literal token wins over a token file.
        if (Scalar(user, "token") is { } token)
        {
            return new StaticKubernetesTokenProvider(token);
        }

        return Scalar(user, "tokenFile") is { } file
            ? new FileKubernetesTokenProvider(Resolve(directory, file), timeProvider)
            : null;
    }

    private static byte[]? DataOrFile(YamlMappingNode section, string key, string directory, string path)
    {
        // As in client-go: inline data wins over a file.
        if (Scalar(section, key + "-data") is { } data)
        {
            try
            {
                return Convert.FromBase64String(data);
            }
            catch (FormatException e)
            {
                throw new KubernetesConfigurationException($"kubeconfig {path}: {key}-data is not base64: {e.Message}", e);
            }
        }

        if (Scalar(section, key) is not { } file)
        {
            return null;
        }

        var resolved = Resolve(directory, file);
        try
        {
            return File.ReadAllBytes(resolved);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KubernetesConfigurationException($"kubeconfig {path}: cannot read {key} {resolved}: {e.Message}", e);
        }
    }

    private static bool Boolean(YamlMappingNode section, string key, string path) => Scalar(section, key)?.ToUpperInvariant() switch
    {
        null or "FALSE" or "NO" or "OFF" => false,
        "TRUE" or "YES" or "ON" => true,
        var other => throw Error(path, $"{key} '{other}' is not true or false"),
    };

    private static string? Scalar(YamlMappingNode mapping, string key)
    {
        if (!mapping.Children.TryGetValue(new YamlScalarNode(key), out var node) || node is not YamlScalarNode scalar)
        {
            return null;
        }

        // A plain "null" or "~" is YAML's null, as an empty value is.
        if (scalar.Style == ScalarStyle.Plain && scalar.Value is "~" or "null" or "Null" or "NULL")
        {
            return null;
        }

        return NullIfBlank(scalar.Value);
    }

    private static string Resolve(string directory, string file) => Path.IsPathRooted(file) ? file : Path.GetFullPath(Path.Combine(directory, file));

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static KubernetesConfigurationException Error(string path, string problem) => new($"kubeconfig {path} {problem}.");
}
