using Microsoft.AspNetCore.Http;

namespace Spotable.Testing.FakeKube;

/// <summary>
/// What the API server's RequestInfoFactory (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go) derives from a
/// request, which is what RBAC authorizes: verb from the HTTP method (GET without a name is list, or watch with
/// <c>watch=true</c>; DELETE without a name is deletecollection), group/version from /api or /apis, and
/// namespace/resource/name/subresource from the rest of the path.
/// </summary>
internal sealed record KubeRequestInfo(
    bool IsResourceRequest,
    string Verb,
    string Group,
    string Version,
    string Resource,
    string? Subresource,
    string? Namespace,
    string? Name,
    string Path)
{
    private static readonly HashSet<string> NamespaceSubresources = new(StringComparer.Ordinal) { "status", "finalize" };

    public ApiCall ToApiCall() => IsResourceRequest
        ? new ApiCall(Verb, Group, Resource, Subresource, Namespace, Name)
        : new ApiCall(Verb, string.Empty, Path, null, null, null);

    public static KubeRequestInfo Resolve(HttpRequest request)
    {
        var path = request.Path.Value ?? "/";
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var nonResource = new KubeRequestInfo(
            false, request.Method.ToLowerInvariant(), string.Empty, string.Empty, string.Empty, null, null, null, path);
        if (parts.Length < 3 || (parts[0] != "api" && parts[0] != "apis"))
        {
            return nonResource;
        }

        var rest = parts.AsSpan(1);
        var group = string.Empty;
        if (parts[0] == "apis")
        {
            if (rest.Length < 3)
            {
                return nonResource;
            }

            group = rest[0];
            rest = rest[1..];
        }

        var version = rest[0];
        rest = rest[1..];

        string verb;
        if (rest[0] is "watch" or "proxy")
        {
            if (rest.Length < 2)
            {
                return nonResource;
            }

            verb = rest[0];
            rest = rest[1..];
        }
        else
        {
            verb = request.Method.ToUpperInvariant() switch
            {
                "POST" => "create",
                "GET" or "HEAD" => "get",
                "PUT" => "update",
                "PATCH" => "patch",
                "DELETE" => "delete",
                _ => string.Empty,
            };
        }

        string? ns = null;
        if (rest[0] == "namespaces" && rest.Length > 1)
        {
            ns = rest[1];
            if (rest.Length > 2 && !NamespaceSubresources.Contains(rest[2]))
            {
                rest = rest[2..];
            }
        }

        var resource = rest[0];
        string? name = rest.Length >= 2 ? rest[1] : null;
        string? subresource = rest.Length >= 3 && verb != "proxy" ? rest[2] : null;

        if (name is null && verb == "get")
        {
            var watch = request.Query["watch"].ToString();
            verb = watch is "true" or "1" ? "watch" : "list";
            name = ExactNameFromFieldSelector(request.Query["fieldSelector"].ToString());
        }

        if (name is null && verb == "delete")
        {
            verb = "deletecollection";
        }

        return new KubeRequestInfo(true, verb, group, version, resource, subresource, ns, name, path);
    }

    /// <summary>A list narrowed to <c>metadata.name=x</c> is authorized against resourceNames [x], as in the API server.</summary>
    private static string? ExactNameFromFieldSelector(string selector)
    {
        if (selector.Length == 0)
        {
            return null;
        }

        foreach (var term in selector.Split(','))
        {
            foreach (var prefix in (string[])["metadata.name==", "metadata.name="])
            {
                if (term.StartsWith(prefix, StringComparison.Ordinal))
                {
                    var name = term[prefix.Length..];
                    return name.Length > 0 && !name.Contains('/', StringComparison.Ordinal) && !name.Contains('%', StringComparison.Ordinal) ? name : null;
                }
            }
        }

        return null;
    }
}
