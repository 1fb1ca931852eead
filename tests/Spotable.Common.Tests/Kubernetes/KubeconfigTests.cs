using System.Text;
using Spotable.Common.Kubernetes;
using Spotable.Testing;

namespace Spotable.Common.Tests.Kubernetes;

public sealed class KubeconfigTests
{
    private TempDirectory _directory = null!;
    private string _caPem = null!;
    private string _clientCertificatePem = null!;
    private string _clientKeyPem = null!;

    [OneTimeSetUp]
    public void CreateCertificates()
    {
        using var authority = TestCertificates.CreateAuthority("cluster-ca");
        _caPem = authority.ExportCertificatePem();
        (_clientCertificatePem, _clientKeyPem) = TestCertificates.IssueClient(authority, "kubernetes-admin");
    }

    [SetUp]
    public void SetUp() => _directory = new TempDirectory();

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public async Task FromKubeconfig_TokenAndCaData_ReadsCurrentContext()
    {
        var path = _directory.Write("config", $"""
            apiVersion: v1
            kind: Config
            preferences: {"{}"}
            current-context: prod
            clusters:
            - name: prod-cluster
              cluster:
                server: https://api.prod.example:6443
                certificate-authority-data: {Base64(_caPem)}
            contexts:
            - name: prod
              context:
                cluster: prod-cluster
                user: agent
                namespace: spotable-system
            users:
            - name: agent
              user:
                token: sa-token-123
            """);

        var configuration = KubernetesClientConfiguration.FromKubeconfig(path);

        var token = await configuration.TokenProvider!.GetTokenAsync(forceRefresh: false, CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(configuration.Server, Is.EqualTo(new Uri("https://api.prod.example:6443")));
            Assert.That(Encoding.ASCII.GetString(configuration.CertificateAuthorityPem!), Is.EqualTo(_caPem));
            Assert.That(configuration.TokenProvider, Is.TypeOf<StaticKubernetesTokenProvider>());
            Assert.That(token, Is.EqualTo("sa-token-123"));
            Assert.That(configuration.Namespace, Is.EqualTo("spotable-system"));
            Assert.That(configuration.ClientCertificatePem, Is.Null);
            Assert.That(configuration.InsecureSkipTlsVerify, Is.False);
            Assert.That(configuration.Source, Does.Contain("context prod").And.Not.Contain("sa-token-123"));
        });
    }

    [Test]
    public async Task FromKubeconfig_RelativeTokenFile_ResolvedAgainstTheKubeconfigDirectoryAndReread()
    {
        _directory.Write("secrets/token", "from-file");
        var path = _directory.Write("kube/config", Config(user: "tokenFile: ../secrets/token", cluster: "insecure-skip-tls-verify: true"));
        var time = new FakeTimeProvider();

        var configuration = KubernetesClientConfiguration.FromKubeconfig(path, timeProvider: time);

        var tokens = (FileKubernetesTokenProvider)configuration.TokenProvider!;
        var first = await tokens.GetTokenAsync(forceRefresh: false, CancellationToken.None);
        _directory.Write("secrets/token", "rotated");
        time.Advance(TimeSpan.FromMinutes(1));
        var second = await tokens.GetTokenAsync(forceRefresh: false, CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(tokens.Path, Is.EqualTo(Path.Combine(_directory.Path, "secrets", "token")));
            Assert.That(first, Is.EqualTo("from-file"));
            Assert.That(second, Is.EqualTo("rotated"));
            Assert.That(configuration.InsecureSkipTlsVerify, Is.True);
            Assert.That(configuration.Namespace, Is.EqualTo("default"));
        });
    }

    [Test]
    public async Task FromKubeconfig_TokenAndTokenFile_TokenWins()
    {
        var path = _directory.Write("config", Config(user: "token: literal\n    tokenFile: /nonexistent/token"));

        var configuration = KubernetesClientConfiguration.FromKubeconfig(path);

        Assert.That(await configuration.TokenProvider!.GetTokenAsync(false, CancellationToken.None), Is.EqualTo("literal"));
    }

    [Test]
    public void FromKubeconfig_ClientCertificateData_LoadsCertificateWithKey()
    {
        var path = _directory.Write("config", Config(
            user: $"client-certificate-data: {Base64(_clientCertificatePem)}\n    client-key-data: {Base64(_clientKeyPem)}",
            cluster: $"certificate-authority-data: {Base64(_caPem)}"));

        var configuration = KubernetesClientConfiguration.FromKubeconfig(path);

        using var certificate = configuration.LoadClientCertificate();
        Assert.Multiple(() =>
        {
            Assert.That(configuration.TokenProvider, Is.Null);
            Assert.That(certificate!.HasPrivateKey, Is.True);
            Assert.That(certificate.Subject, Does.Contain("CN=kubernetes-admin"));
        });
    }

    [Test]
    public void FromKubeconfig_RelativeCertificateFiles_ReadFromTheKubeconfigDirectory()
    {
        _directory.Write("pki/ca.crt", _caPem);
        _directory.Write("pki/admin.crt", _clientCertificatePem);
        _directory.Write("pki/admin.key", _clientKeyPem);
        var path = _directory.Write("config", Config(
            user: "client-certificate: pki/admin.crt\n    client-key: pki/admin.key",
            cluster: "certificate-authority: pki/ca.crt"));

        var configuration = KubernetesClientConfiguration.FromKubeconfig(path);

        Assert.Multiple(() =>
        {
            Assert.That(Encoding.ASCII.GetString(configuration.CertificateAuthorityPem!), Is.EqualTo(_caPem));
            Assert.That(Encoding.ASCII.GetString(configuration.ClientCertificatePem!), Is.EqualTo(_clientCertificatePem));
            Assert.That(Encoding.ASCII.GetString(configuration.ClientKeyPem!), Is.EqualTo(_clientKeyPem));
        });
    }

    [Test]
    public void FromKubeconfig_MissingCertificateFile_ThrowsNamingTheResolvedPath()
    {
        var path = _directory.Write("config", Config(cluster: "certificate-authority: pki/ca.crt"));

        var error = Assert.Throws<KubernetesConfigurationException>(() => KubernetesClientConfiguration.FromKubeconfig(path));

        Assert.That(error!.Message, Does.Contain(Path.Combine(_directory.Path, "pki", "ca.crt")));
    }

    [Test]
    public async Task FromKubeconfig_ExplicitContext_OverridesCurrentContext()
    {
        var path = _directory.Write("config", """
            current-context: a
            clusters:
            - name: ca
              cluster: {server: "https://a.example"}
            - name: cb
              cluster: {server: "https://b.example:8443/prefix"}
            contexts:
            - {name: a, context: {cluster: ca, user: ua}}
            - {name: b, context: {cluster: cb, user: ub, namespace: games}}
            users:
            - {name: ua, user: {token: token-a}}
            - {name: ub, user: {token: token-b}}
            """);

        var configuration = KubernetesClientConfiguration.FromKubeconfig(path, "b");

        var token = await configuration.TokenProvider!.GetTokenAsync(false, CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(configuration.Server, Is.EqualTo(new Uri("https://b.example:8443/prefix")));
            Assert.That(token, Is.EqualTo("token-b"));
            Assert.That(configuration.Namespace, Is.EqualTo("games"));
        });
    }

    [Test]
    public void FromKubeconfig_NoCurrentContext_ThrowsAskingForOne()
    {
        var path = _directory.Write("config", Config().Replace("current-context: ctx\n", "", StringComparison.Ordinal));

        var error = Assert.Throws<KubernetesConfigurationException>(() => KubernetesClientConfiguration.FromKubeconfig(path));

        Assert.That(error!.Message, Does.Contain("no current-context").And.Contain(path));
    }

    [Test]
    public void FromKubeconfig_UnknownContext_ThrowsNamingIt()
    {
        var path = _directory.Write("config", Config());

        var error = Assert.Throws<KubernetesConfigurationException>(() => KubernetesClientConfiguration.FromKubeconfig(path, "staging"));

        Assert.That(error!.Message, Does.Contain("no context named 'staging'"));
    }

    [Test]
    public void FromKubeconfig_ContextNamesMissingCluster_Throws()
    {
        var path = _directory.Write("config", Config().Replace("cluster: c\n", "cluster: gone\n", StringComparison.Ordinal));

        var error = Assert.Throws<KubernetesConfigurationException>(() => KubernetesClientConfiguration.FromKubeconfig(path));

        Assert.That(error!.Message, Does.Contain("no cluster named 'gone'"));
    }

    [Test]
    public void FromKubeconfig_ExecPluginUser_ThrowsSayingItIsUnsupported()
    {
        var path = _directory.Write("config", Config(user: """
            exec:
              apiVersion: client.authentication.k8s.io/v1beta1
              command: aws
              args: [eks, get-token, --cluster-name, games]
            """.Replace("\n", "\n    ", StringComparison.Ordinal)));

        var error = Assert.Throws<KubernetesConfigurationException>(() => KubernetesClientConfiguration.FromKubeconfig(path));

        Assert.That(error!.Message, Does.Contain("'exec'"));
    }

    [Test]
    public void FromKubeconfig_BadBase64_ThrowsNamingTheField()
    {
        var path = _directory.Write("config", Config(cluster: "certificate-authority-data: not*base64"));

        var error = Assert.Throws<KubernetesConfigurationException>(() => KubernetesClientConfiguration.FromKubeconfig(path));

        Assert.That(error!.Message, Does.Contain("certificate-authority-data"));
    }

    [Test]
    public void FromKubeconfig_ServerWithoutScheme_MeansHttps()
    {
        var path = _directory.Write("config", Config(server: "localhost:6443"));

        var configuration = KubernetesClientConfiguration.FromKubeconfig(path);

        Assert.That(configuration.Server, Is.EqualTo(new Uri("https://localhost:6443")));
    }

    [Test]
    public void FromKubeconfig_JsonFile_Parses()
    {
        var path = _directory.Write("config.json", """
            {"apiVersion":"v1","kind":"Config","current-context":"j",
             "clusters":[{"name":"c","cluster":{"server":"http://127.0.0.1:8080"}}],
             "contexts":[{"name":"j","context":{"cluster":"c","user":"u"}}],
             "users":[{"name":"u","user":{"token":"json-token"}}]}
            """);

        var configuration = KubernetesClientConfiguration.FromKubeconfig(path);

        Assert.That(configuration.Server, Is.EqualTo(new Uri("http://127.0.0.1:8080")));
    }

    [Test]
    public void FromKubeconfig_NotYaml_ThrowsConfigurationError()
    {
        var path = _directory.Write("config", "clusters: [unclosed\n  - {");

        Assert.Throws<KubernetesConfigurationException>(() => KubernetesClientConfiguration.FromKubeconfig(path));
    }

    [Test]
    public void FromKubeconfig_MissingFile_ThrowsConfigurationError()
    {
        Assert.Throws<KubernetesConfigurationException>(() => KubernetesClientConfiguration.FromKubeconfig(Path.Combine(_directory.Path, "absent")));
    }

    private static string Base64(string text) => Convert.ToBase64String(Encoding.ASCII.GetBytes(text));

    private static string Config(string server = "https://127.0.0.1:6443", string cluster = "", string user = "token: t") => $"""
        apiVersion: v1
        kind: Config
        current-context: ctx
        clusters:
        - name: c
          cluster:
            server: {server}
            {cluster}
        contexts:
        - name: ctx
          context:
            cluster: c
            user: u
        users:
        - name: u
          user:
            {user}
        """;
}
