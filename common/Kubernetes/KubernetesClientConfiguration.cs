using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Spotable.Common.Kubernetes;

/// <summary>
/// Where the Kubernetes API server is and how to talk to it: server URL, trust (CA bundle or, for a lab, no
/// verification), credentials (a bearer token provider, a client certificate, or both) and the default namespace.
/// Build one with <see cref="FromEnvironment"/>, <see cref="InCluster"/> or <see cref="FromKubeconfig"/>.
/// </summary>
public sealed class KubernetesClientConfiguration
{
    public const string DefaultServiceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";
    public const string KubeconfigVariable = "KUBECONFIG";
    public const string ServiceHostVariable = "KUBERNETES_SERVICE_HOST";
    public const string ServicePortVariable = "KUBERNETES_SERVICE_PORT";

    /// <summary>The API server, <c>https://host:port</c> (a path prefix is kept; <c>http://</c> only for a local fake).</summary>
    public required Uri Server { get; init; }

    /// <summary>PEM certificate(s) the server's certificate must chain to, instead of the system roots. Null: system roots.</summary>
    public byte[]? CertificateAuthorityPem { get; init; }

    /// <summary>Accept any server certificate. For a throwaway lab cluster only; not allowed together with a CA.</summary>
    public bool InsecureSkipTlsVerify { get; init; }

    public IKubernetesTokenProvider? TokenProvider { get; init; }

    /// <summary>PEM client certificate for mutual TLS; needs <see cref="ClientKeyPem"/>.</summary>
    public byte[]? ClientCertificatePem { get; init; }

    /// <summary>PEM private key (PKCS#8, PKCS#1 or SEC1) of <see cref="ClientCertificatePem"/>.</summary>
    public byte[]? ClientKeyPem { get; init; }

    /// <summary>The namespace this process lives in (the service account's, or the kubeconfig context's); <c>default</c> otherwise.</summary>
    public string Namespace { get; init; } = "default";

    /// <summary>Where this configuration came from, for the start-up log line (never contains a secret).</summary>
    public string Source { get; init; } = "explicit";

    /// <summary>
    /// <c>KUBECONFIG</c> when set (the first file of a list), else the in-cluster service account when
    /// <c>KUBERNETES_SERVICE_HOST</c> is set (that is, inside a pod).
    /// </summary>
    /// <exception cref="KubernetesConfigurationException">Neither is available, or the one chosen is unusable.</exception>
    public static KubernetesClientConfiguration FromEnvironment(
        Func<string, string?> getEnvironmentVariable,
        string serviceAccountDirectory = DefaultServiceAccountDirectory,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(getEnvironmentVariable);
        var kubeconfig = getEnvironmentVariable(KubeconfigVariable);
        if (!string.IsNullOrWhiteSpace(kubeconfig))
        {
            // kubectl merges every file of the list; the first one is what a single-cluster tool needs.
            var first = kubeconfig.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault()
                ?? throw new KubernetesConfigurationException($"{KubeconfigVariable}='{kubeconfig}' names no file.");
            return FromKubeconfig(first, context: null, timeProvider);
        }

        if (!string.IsNullOrWhiteSpace(getEnvironmentVariable(ServiceHostVariable)))
        {
            return InCluster(getEnvironmentVariable, serviceAccountDirectory, timeProvider);
        }

        throw new KubernetesConfigurationException(
            $"No Kubernetes API configured: neither {KubeconfigVariable} nor {ServiceHostVariable} is set (run in a pod with a service account, or point {KubeconfigVariable} at a kubeconfig file).");
    }

    /// <summary>
    /// The pod's service account: <c>https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT</c>, <c>ca.crt</c>, the
    /// namespace, and the token file, which is re-read as kubelet rotates it.
    /// </summary>
    /// <exception cref="KubernetesConfigurationException">The variables are missing or the token file is absent.</exception>
    public static KubernetesClientConfiguration InCluster(
        Func<string, string?> getEnvironmentVariable,
        string serviceAccountDirectory = DefaultServiceAccountDirectory,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(getEnvironmentVariable);
        ArgumentException.ThrowIfNullOrEmpty(serviceAccountDirectory);
        var host = getEnvironmentVariable(ServiceHostVariable)?.Trim();
        var port = getEnvironmentVariable(ServicePortVariable)?.Trim();
        if (string.IsNullOrEmpty(host) || string.IsNullOrEmpty(port))
        {
            throw new KubernetesConfigurationException(
                $"In-cluster Kubernetes configuration needs {ServiceHostVariable} and {ServicePortVariable} (set by kubelet in every pod); {(string.IsNullOrEmpty(host) ? ServiceHostVariable : ServicePortVariable)} is not set.");
        }

        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var portNumber) || portNumber is < 1 or > 65535)
        {
            throw new KubernetesConfigurationException($"{ServicePortVariable}='{port}' is not a port number.");
        }

        // An IPv6 service address (an IPv6 or dual-stack cluster) needs brackets in a URL.
        var hostPart = host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host;
        if (!Uri.TryCreate(string.Create(CultureInfo.InvariantCulture, $"https://{hostPart}:{portNumber}"), UriKind.Absolute, out var server))
        {
            throw new KubernetesConfigurationException($"{ServiceHostVariable}='{host}' is not a host name or address.");
        }

        var tokenPath = Path.Combine(serviceAccountDirectory, "token");
        if (!File.Exists(tokenPath))
        {
            throw new KubernetesConfigurationException($"In-cluster Kubernetes configuration needs the service-account token at {tokenPath} (is automountServiceAccountToken off?).");
        }

        // Without ca.crt client-go goes on with the system roots; so do we (the handshake will say if that is wrong).
        var caPath = Path.Combine(serviceAccountDirectory, "ca.crt");
        var namespacePath = Path.Combine(serviceAccountDirectory, "namespace");
        var podNamespace = File.Exists(namespacePath) ? ReadFile(namespacePath, File.ReadAllText).Trim() : "";
        var configuration = new KubernetesClientConfiguration
        {
            Server = server,
            CertificateAuthorityPem = File.Exists(caPath) ? ReadFile(caPath, File.ReadAllBytes) : null,
            TokenProvider = new FileKubernetesTokenProvider(tokenPath, timeProvider),
            Namespace = podNamespace.Length > 0 ? podNamespace : "default",
            Source = $"in-cluster service account {serviceAccountDirectory}",
        };
        configuration.Validate();
        return configuration;
    }

    /// <summary>
    /// A kubeconfig file's context (<paramref name="context"/>, else its <c>current-context</c>): the cluster's
    /// <c>server</c>, <c>certificate-authority(-data)</c> and <c>insecure-skip-tls-verify</c>; the user's
    /// <c>token</c>, <c>tokenFile</c> (re-read as it changes), <c>client-certificate(-data)</c> and
    /// <c>client-key(-data)</c>; the context's <c>namespace</c>. Relative paths are relative to the file's directory.
    /// Exec and auth-provider plugins are not run.
    /// </summary>
    /// <exception cref="KubernetesConfigurationException">The file is missing or malformed, or the context, cluster or user is not in it.</exception>
    public static KubernetesClientConfiguration FromKubeconfig(string path, string? context = null, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var configuration = Kubeconfig.Load(path, context, timeProvider);
        configuration.Validate();
        return configuration;
    }

    /// <exception cref="KubernetesConfigurationException">A value is unusable; the message names it.</exception>
    public void Validate()
    {
        if (Server is null || !Server.IsAbsoluteUri || (Server.Scheme != Uri.UriSchemeHttps && Server.Scheme != Uri.UriSchemeHttp))
        {
            throw new KubernetesConfigurationException($"Kubernetes server '{Server}' is not an absolute http(s) URL ({Source}).");
        }

        if (InsecureSkipTlsVerify && CertificateAuthorityPem is not null)
        {
            // kubectl refuses the same combination: one of the two settings is a mistake.
            throw new KubernetesConfigurationException($"Kubernetes configuration sets both a certificate authority and insecure-skip-tls-verify ({Source}); choose one.");
        }

        if ((ClientCertificatePem is null) != (ClientKeyPem is null))
        {
            throw new KubernetesConfigurationException($"Kubernetes client certificate and client key must be given together ({Source}).");
        }

        if (LoadCertificateAuthorities() is { } authorities)
        {
            foreach (var certificate in authorities)
            {
                certificate.Dispose();
            }
        }

        LoadClientCertificate()?.Dispose();
    }

    /// <summary>
    /// A handler that checks the server's certificate against <see cref="CertificateAuthorityPem"/> only (a private
    /// cluster CA is not, and must not become, a system-wide root), presents the client certificate, and recycles
    /// pooled connections so a moved endpoint is followed. For <c>http://</c> servers it is a plain handler.
    /// </summary>
    public HttpMessageHandler CreateHttpMessageHandler(ILogger? logger = null) =>
        KubernetesTls.CreateHandler(this, logger ?? NullLogger.Instance);

    internal X509Certificate2Collection? LoadCertificateAuthorities()
    {
        if (CertificateAuthorityPem is null)
        {
            return null;
        }

        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPem(Pem(CertificateAuthorityPem));
        }
        catch (CryptographicException e)
        {
            throw new KubernetesConfigurationException($"Kubernetes certificate authority is not valid PEM ({Source}): {e.Message}", e);
        }

        return authorities.Count > 0
            ? authorities
            : throw new KubernetesConfigurationException($"Kubernetes certificate authority holds no PEM certificate ({Source}).");
    }

    internal X509Certificate2? LoadClientCertificate()
    {
        if (ClientCertificatePem is null || ClientKeyPem is null)
        {
            return null;
        }

        try
        {
            return X509Certificate2.CreateFromPem(Pem(ClientCertificatePem), Pem(ClientKeyPem));
        }
        catch (CryptographicException e)
        {
            throw new KubernetesConfigurationException($"Kubernetes client certificate or key is not valid PEM, or they do not match ({Source}): {e.Message}", e);
        }
    }

    private static string Pem(byte[] bytes) => Encoding.ASCII.GetString(bytes);

    private static T ReadFile<T>(string path, Func<string, T> read)
    {
        try
        {
            return read(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KubernetesConfigurationException($"Cannot read {path}: {e.Message}", e);
        }
    }
}
