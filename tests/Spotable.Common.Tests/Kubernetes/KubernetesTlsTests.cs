using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Spotable.Common.Kubernetes;

namespace Spotable.Common.Tests.Kubernetes;

/// <summary>
/// The handler from <see cref="KubernetesClientConfiguration.CreateHttpMessageHandler"/> against a real TLS server: a
/// Kestrel on 127.0.0.1, port 0, with certificates made here. Real time: the handshake checks validity against it.
/// </summary>
public sealed class KubernetesTlsTests
{
    private X509Certificate2 _clusterCa = null!;
    private X509Certificate2 _otherCa = null!;
    private X509Certificate2 _serverCertificate = null!;

    [OneTimeSetUp]
    public void CreateCertificates()
    {
        _clusterCa = TestCertificates.CreateAuthority("cluster-ca");
        _otherCa = TestCertificates.CreateAuthority("someone-else-ca");
        _serverCertificate = TestCertificates.IssueServer(_clusterCa, ["kubernetes.default.svc"], [IPAddress.Loopback]);
    }

    [OneTimeTearDown]
    public void DisposeCertificates()
    {
        _serverCertificate.Dispose();
        _otherCa.Dispose();
        _clusterCa.Dispose();
    }

    [Test]
    public async Task GetNodeAsync_ServerCertificateFromTheConfiguredCa_IsTrusted()
    {
        await using var server = await HttpsServer.StartAsync(_serverCertificate);
        using var client = CreateClient(server.Endpoint, ca: _clusterCa);

        var node = await client.GetNodeAsync("n1", CancellationToken.None);

        Assert.That(node.Metadata.Name, Is.EqualTo("n1 for anonymous"));
    }

    [Test]
    public async Task GetNodeAsync_ServerCertificateFromAnotherCa_IsRejectedWithoutRetrying()
    {
        await using var server = await HttpsServer.StartAsync(_serverCertificate);
        var logger = new CapturingLogger<KubernetesClient>();
        using var client = CreateClient(server.Endpoint, ca: _otherCa, logger: logger);

        var error = Assert.ThrowsAsync<KubernetesConnectionException>(() => client.GetNodeAsync("n1", CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(error!.InnerException?.InnerException, Is.InstanceOf<AuthenticationException>());
            Assert.That(logger.Count(1304), Is.EqualTo(1), logger.All);
            Assert.That(logger.Lines.Single(l => l.EventId == 1304).Message, Does.Contain("does not chain to the configured certificate authority"));
            Assert.That(logger.Count(1301), Is.Zero, "a rejected certificate is not retried");
            Assert.That(server.Requests, Is.Zero);
        });
    }

    [Test]
    public async Task GetNodeAsync_TrustedCaButAnotherHostName_IsRejected()
    {
        using var elsewhere = TestCertificates.IssueServer(_clusterCa, ["other.example"], []);
        await using var server = await HttpsServer.StartAsync(elsewhere);
        var logger = new CapturingLogger<KubernetesClient>();
        using var client = CreateClient(server.Endpoint, ca: _clusterCa, logger: logger);

        Assert.ThrowsAsync<KubernetesConnectionException>(() => client.GetNodeAsync("n1", CancellationToken.None));

        Assert.That(logger.Lines.Single(l => l.EventId == 1304).Message, Does.Contain("RemoteCertificateNameMismatch"));
    }

    [Test]
    public async Task GetNodeAsync_InsecureSkipTlsVerify_AcceptsAnUnknownCa()
    {
        using var unknown = TestCertificates.IssueServer(_otherCa, ["other.example"], []);
        await using var server = await HttpsServer.StartAsync(unknown);
        using var client = new KubernetesClient(
            new KubernetesClientConfiguration { Server = server.Endpoint, InsecureSkipTlsVerify = true },
            new KubernetesClientOptions { MaxRetryAttempts = 0 });

        var node = await client.GetNodeAsync("n1", CancellationToken.None);

        Assert.That(node.Metadata.Name, Is.EqualTo("n1 for anonymous"));
    }

    [Test]
    public async Task GetNodeAsync_ClientCertificate_IsPresentedToTheServer()
    {
        using var clientCa = TestCertificates.CreateAuthority("client-ca");
        var (certificatePem, keyPem) = TestCertificates.IssueClient(clientCa, "system:node:n1");
        await using var server = await HttpsServer.StartAsync(_serverCertificate, requireClientCertificate: true);
        using var client = new KubernetesClient(
            new KubernetesClientConfiguration
            {
                Server = server.Endpoint,
                CertificateAuthorityPem = Encoding.ASCII.GetBytes(_clusterCa.ExportCertificatePem()),
                ClientCertificatePem = Encoding.ASCII.GetBytes(certificatePem),
                ClientKeyPem = Encoding.ASCII.GetBytes(keyPem),
            },
            new KubernetesClientOptions { MaxRetryAttempts = 0 });

        var node = await client.GetNodeAsync("n1", CancellationToken.None);

        Assert.That(node.Metadata.Name, Is.EqualTo("n1 for system:node:n1"));
    }

    private static KubernetesClient CreateClient(Uri endpoint, X509Certificate2 ca, CapturingLogger<KubernetesClient>? logger = null) =>
        new(
            new KubernetesClientConfiguration
            {
                Server = endpoint,
                CertificateAuthorityPem = Encoding.ASCII.GetBytes(ca.ExportCertificatePem()),
                TokenProvider = new StaticKubernetesTokenProvider("t"),
            },
            new KubernetesClientOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(1), RetryMaxDelay = TimeSpan.FromMilliseconds(5) },
            logger: logger);

    /// <summary>Answers every request with a Node named after the path's last segment and the client certificate's CN.</summary>
    private sealed class HttpsServer : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private int _requests;

        private HttpsServer(WebApplication app)
        {
            _app = app;
        }

        public Uri Endpoint { get; private set; } = null!;

        public int Requests => Volatile.Read(ref _requests);

        public static async Task<HttpsServer> StartAsync(X509Certificate2 certificate, bool requireClientCertificate = false)
        {
            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
            builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificate = certificate,
                ClientCertificateMode = requireClientCertificate ? ClientCertificateMode.RequireCertificate : ClientCertificateMode.NoCertificate,

                // Any client certificate will do: the test asserts which one arrived.
                ClientCertificateValidation = (_, _, _) => true,
            })));
            var app = builder.Build();
            var server = new HttpsServer(app);
            app.Run(async context =>
            {
                Interlocked.Increment(ref server._requests);
                var user = context.Connection.ClientCertificate?.GetNameInfo(X509NameType.SimpleName, forIssuer: false) ?? "anonymous";
                var name = context.Request.Path.Value!.Split('/')[^1];
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync($$$"""{"kind":"Node","apiVersion":"v1","metadata":{"name":"{{{name}}} for {{{user}}}"}}""", context.RequestAborted);
            });
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            server.Endpoint = new Uri(address);
            return server;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }
    }
}
