using System.Net;
using System.Text;
using Spotable.Common.Kubernetes;
using Spotable.Testing;

namespace Spotable.Common.Tests.Kubernetes;

public sealed class KubernetesClientConfigurationTests
{
    private static readonly string CaPem = CreateCaPem();

    [Test]
    public async Task InCluster_ServiceAccountMounted_UsesServiceAddressCaTokenFileAndNamespace()
    {
        using var serviceAccount = new TempDirectory();
        var tokenPath = serviceAccount.Write("token", "eyJhbGciOi.sa-token\n");
        serviceAccount.Write("ca.crt", CaPem);
        serviceAccount.Write("namespace", "spotable-system");

        var configuration = KubernetesClientConfiguration.InCluster(Env(("KUBERNETES_SERVICE_HOST", "10.96.0.1"), ("KUBERNETES_SERVICE_PORT", "443")), serviceAccount.Path);

        var tokens = configuration.TokenProvider as FileKubernetesTokenProvider;
        var token = tokens is null ? null : await tokens.GetTokenAsync(forceRefresh: false, CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(configuration.Server, Is.EqualTo(new Uri("https://10.96.0.1:443/")));
            Assert.That(configuration.CertificateAuthorityPem, Is.EqualTo(Encoding.ASCII.GetBytes(CaPem)));
            Assert.That(configuration.InsecureSkipTlsVerify, Is.False);
            Assert.That(configuration.Namespace, Is.EqualTo("spotable-system"));
            Assert.That(tokens?.Path, Is.EqualTo(tokenPath), "re-read from the file, not copied once");
            Assert.That(token, Is.EqualTo("eyJhbGciOi.sa-token"));
            Assert.That(configuration.Source, Does.Contain("in-cluster"));
        });
    }

    [Test]
    public void InCluster_Ipv6ServiceHost_PutsTheAddressInBrackets()
    {
        using var serviceAccount = new TempDirectory();
        serviceAccount.Write("token", "t");

        var configuration = KubernetesClientConfiguration.InCluster(Env(("KUBERNETES_SERVICE_HOST", "fd00:10:96::1"), ("KUBERNETES_SERVICE_PORT", "6443")), serviceAccount.Path);

        Assert.Multiple(() =>
        {
            Assert.That(configuration.Server.Host, Is.EqualTo("[fd00:10:96::1]"));
            Assert.That(configuration.Server.Port, Is.EqualTo(6443));
            Assert.That(configuration.Server.Scheme, Is.EqualTo("https"));
        });
    }

    [Test]
    public void InCluster_NoCaNoNamespaceFile_UsesSystemRootsAndDefaultNamespace()
    {
        using var serviceAccount = new TempDirectory();
        serviceAccount.Write("token", "t");

        var configuration = KubernetesClientConfiguration.InCluster(Env(("KUBERNETES_SERVICE_HOST", "10.96.0.1"), ("KUBERNETES_SERVICE_PORT", "443")), serviceAccount.Path);

        Assert.Multiple(() =>
        {
            Assert.That(configuration.CertificateAuthorityPem, Is.Null);
            Assert.That(configuration.Namespace, Is.EqualTo("default"));
        });
    }

    [Test]
    public void InCluster_PortMissing_ThrowsNamingTheVariable()
    {
        using var serviceAccount = new TempDirectory();
        serviceAccount.Write("token", "t");

        var error = Assert.Throws<KubernetesConfigurationException>(() => KubernetesClientConfiguration.InCluster(Env(("KUBERNETES_SERVICE_HOST", "10.96.0.1")), serviceAccount.Path));

        Assert.That(error!.Message, Does.Contain("KUBERNETES_SERVICE_PORT"));
    }

    [Test]
    public void InCluster_PortNotANumber_Throws()
    {
        using var serviceAccount = new TempDirectory();
        serviceAccount.Write("token", "t");

        var error = Assert.Throws<KubernetesConfigurationException>(() => KubernetesClientConfiguration.InCluster(Env(("KUBERNETES_SERVICE_HOST", "10.96.0.1"), ("KUBERNETES_SERVICE_PORT", "https")), serviceAccount.Path));

        Assert.That(error!.Message, Does.Contain("KUBERNETES_SERVICE_PORT='https'"));
    }

    [Test]
    public void InCluster_NoTokenFile_ThrowsNamingThePath()
    {
        using var serviceAccount = new TempDirectory();

        var error = Assert.Throws<KubernetesConfigurationException>(() => KubernetesClientConfiguration.InCluster(Env(("KUBERNETES_SERVICE_HOST", "10.96.0.1"), ("KUBERNETES_SERVICE_PORT", "443")), serviceAccount.Path));

        Assert.That(error!.Message, Does.Contain(Path.Combine(serviceAccount.Path, "token")));
    }

    [Test]
    public async Task InCluster_ClientRequests_CarryTheRotatingServiceAccountToken()
    {
        using var serviceAccount = new TempDirectory();
        var tokenPath = serviceAccount.Write("token", "first");
        var time = new FakeTimeProvider();
        var configuration = KubernetesClientConfiguration.InCluster(Env(("KUBERNETES_SERVICE_HOST", "10.96.0.1"), ("KUBERNETES_SERVICE_PORT", "443")), serviceAccount.Path, time);
        using var handler = new FakeKubeHandler(time);
        handler.ReplyJson(HttpStatusCode.OK, """{"metadata":{"name":"n1"}}""");
        using var http = new HttpClient(handler, disposeHandler: false);
        using var client = new KubernetesClient(configuration, httpClient: http, timeProvider: time);

        await FakeClock.RunAsync(client.GetNodeAsync("n1", CancellationToken.None), time);
        File.WriteAllText(tokenPath, "second");
        time.Advance(TimeSpan.FromMinutes(1));
        await FakeClock.RunAsync(client.GetNodeAsync("n1", CancellationToken.None), time);

        Assert.Multiple(() =>
        {
            Assert.That(handler.Requests.Select(r => r.Authorization), Is.EqualTo(new[] { "Bearer first", "Bearer second" }));
            Assert.That(handler.Requests[0].PathAndQuery, Is.EqualTo("/api/v1/nodes/n1"));
        });
    }

    [Test]
    public void FromEnvironment_KubeconfigList_UsesTheFirstFileOverInCluster()
    {
        using var directory = new TempDirectory();
        var first = directory.Write("first.yaml", Kubeconfig("https://first.example:6443"));
        var second = directory.Write("second.yaml", Kubeconfig("https://second.example:6443"));

        var configuration = KubernetesClientConfiguration.FromEnvironment(Env(
            ("KUBECONFIG", $"{first}{Path.PathSeparator}{second}"),
            ("KUBERNETES_SERVICE_HOST", "10.96.0.1"),
            ("KUBERNETES_SERVICE_PORT", "443")));

        Assert.Multiple(() =>
        {
            Assert.That(configuration.Server, Is.EqualTo(new Uri("https://first.example:6443")));
            Assert.That(configuration.Source, Does.Contain(first));
        });
    }

    [Test]
    public void FromEnvironment_OnlyServiceHost_UsesInCluster()
    {
        using var serviceAccount = new TempDirectory();
        serviceAccount.Write("token", "t");

        var configuration = KubernetesClientConfiguration.FromEnvironment(Env(("KUBERNETES_SERVICE_HOST", "10.96.0.1"), ("KUBERNETES_SERVICE_PORT", "443")), serviceAccount.Path);

        Assert.Multiple(() =>
        {
            Assert.That(configuration.Server, Is.EqualTo(new Uri("https://10.96.0.1:443")));
            Assert.That(configuration.TokenProvider, Is.TypeOf<FileKubernetesTokenProvider>());
        });
    }

    [Test]
    public void FromEnvironment_NothingSet_ThrowsOneClearLine()
    {
        var error = Assert.Throws<KubernetesConfigurationException>(() => KubernetesClientConfiguration.FromEnvironment(Env()));

        Assert.That(error!.Message, Does.Contain("KUBECONFIG").And.Contain("KUBERNETES_SERVICE_HOST").And.Not.Contain("\n"));
    }

    [Test]
    public void Validate_CaAndInsecureSkipTlsVerify_Throws()
    {
        var configuration = new KubernetesClientConfiguration
        {
            Server = new Uri("https://127.0.0.1:6443"),
            CertificateAuthorityPem = Encoding.ASCII.GetBytes(CaPem),
            InsecureSkipTlsVerify = true,
        };

        Assert.Throws<KubernetesConfigurationException>(configuration.Validate);
    }

    [Test]
    public void Validate_ClientCertificateWithoutKey_Throws()
    {
        var configuration = new KubernetesClientConfiguration { Server = new Uri("https://127.0.0.1:6443"), ClientCertificatePem = Encoding.ASCII.GetBytes(CaPem) };

        var error = Assert.Throws<KubernetesConfigurationException>(configuration.Validate);

        Assert.That(error!.Message, Does.Contain("together"));
    }

    [Test]
    public void Validate_CaThatIsNotPem_Throws()
    {
        var configuration = new KubernetesClientConfiguration { Server = new Uri("https://127.0.0.1:6443"), CertificateAuthorityPem = Encoding.ASCII.GetBytes("not a certificate") };

        var error = Assert.Throws<KubernetesConfigurationException>(configuration.Validate);

        Assert.That(error!.Message, Does.Contain("certificate authority"));
    }

    [Test]
    public void Validate_NotHttp_Throws()
    {
        var configuration = new KubernetesClientConfiguration { Server = new Uri("ftp://127.0.0.1/") };

        Assert.Throws<KubernetesConfigurationException>(configuration.Validate);
    }

    [Test]
    public void Validate_ClientCertificateAndMatchingKey_Passes()
    {
        using var authority = TestCertificates.CreateAuthority("client-ca");
        var (certificatePem, keyPem) = TestCertificates.IssueClient(authority, "spot-agent");
        var configuration = new KubernetesClientConfiguration
        {
            Server = new Uri("https://127.0.0.1:6443"),
            ClientCertificatePem = Encoding.ASCII.GetBytes(certificatePem),
            ClientKeyPem = Encoding.ASCII.GetBytes(keyPem),
        };

        Assert.DoesNotThrow(configuration.Validate);
        using var certificate = configuration.LoadClientCertificate();
        Assert.That(certificate!.HasPrivateKey, Is.True);
    }

    internal static Func<string, string?> Env(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);
        return name => map.GetValueOrDefault(name);
    }

    private static string Kubeconfig(string server) => $"""
        apiVersion: v1
        kind: Config
        current-context: ctx
        clusters:
        - name: c
          cluster:
            server: {server}
        contexts:
        - name: ctx
          context:
            cluster: c
            user: u
        users:
        - name: u
          user:
            token: abc
        """;

    private static string CreateCaPem()
    {
        using var authority = TestCertificates.CreateAuthority("cluster-ca");
        return authority.ExportCertificatePem();
    }
}
