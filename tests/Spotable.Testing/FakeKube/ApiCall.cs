namespace Spotable.Testing.FakeKube;

/// <summary>
/// One authenticated request as Kubernetes RBAC sees it (the API server's RequestInfo): verb (get, list, watch,
/// create, update, patch, delete, deletecollection), API group ("" for core), resource, subresource, namespace and name.
/// An eviction is <c>create</c> on <c>pods</c>/<c>eviction</c> in the core group. A request outside /api and /apis
/// is a non-resource URL: <see cref="Resource"/> is then the path (it starts with '/') and the verb is the lowercased
/// HTTP method, as in a ClusterRole's <c>nonResourceURLs</c>.
/// </summary>
public sealed record ApiCall(string Verb, string Group, string Resource, string? Subresource, string? Namespace, string? Name)
{
    public bool IsNonResourceUrl => Resource.StartsWith('/');

    /// <summary><c>pods/eviction</c> or <c>nodes</c>, as written in a ClusterRole's <c>resources</c>.</summary>
    public string RbacResource => Subresource is null ? Resource : $"{Resource}/{Subresource}";
}
