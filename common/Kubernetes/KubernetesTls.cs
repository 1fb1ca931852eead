using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace Spotable.Common.Kubernetes;

/// <summary>The HTTP handler behind <see cref="KubernetesClientConfiguration.CreateHttpMessageHandler"/>.</summary>
internal static class KubernetesTls
{
    public static HttpMessageHandler CreateHandler(KubernetesClientConfiguration configuration, ILogger logger)
    {
        configuration.Validate();
        var handler = new SocketsHttpHandler
        {
            // The per-request timeout governs; recycle pooled connections so an apiserver that moved is followed.
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(5),
        };

        if (configuration.Server.Scheme != Uri.UriSchemeHttps)
        {
            return handler;
        }

        if (configuration.InsecureSkipTlsVerify)
        {
#pragma warning disable CA5359 // The user asked for no verification (insecure-skip-tls-verify), as kubectl allows.
            handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
#pragma warning restore CA5359
        }
        else if (configuration.LoadCertificateAuthorities() is { } authorities)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                Validate(certificate, chain, errors, authorities, configuration.Server, logger);
        }

        if (configuration.LoadClientCertificate() is { } clientCertificate)
        {
            handler.SslOptions.ClientCertificates = [clientCertificate];

            // Always present it: the server's acceptable-issuer list must not make SslStream pick none.
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate;
        }

        return handler;
    }

    /// <summary>
    /// Trust only the configured CA (as Go's <c>RootCAs</c> does for kubectl), and keep the host-name check: a
    /// certificate the CA issued for another name is still rejected.
    /// </summary>
    internal static bool Validate(
        X509Certificate? certificate,
        X509Chain? presentedChain,
        SslPolicyErrors errors,
        X509Certificate2Collection authorities,
        Uri server,
        ILogger logger)
    {
        if (certificate is not X509Certificate2 serverCertificate)
        {
            logger.ServerCertificateRejected(server, "(none)", "the server sent no certificate");
            return false;
        }

        var otherErrors = errors & ~SslPolicyErrors.RemoteCertificateChainErrors;
        if (otherErrors != SslPolicyErrors.None)
        {
            logger.ServerCertificateRejected(server, serverCertificate.Subject, otherErrors.ToString());
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;

        // Intermediates the server sent along.
        if (presentedChain is not null)
        {
            chain.ChainPolicy.ExtraStore.AddRange(presentedChain.ChainPolicy.ExtraStore);
        }

        if (chain.Build(serverCertificate))
        {
            return true;
        }

        var problems = string.Join("; ", chain.ChainStatus.Select(s => $"{s.Status}: {s.StatusInformation.Trim()}"));
        logger.ServerCertificateRejected(server, serverCertificate.Subject, $"does not chain to the configured certificate authority ({problems})");
        return false;
    }
}
