using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Spotable.Common.Tests.Kubernetes;

/// <summary>Throwaway CAs and leaf certificates (ECDSA P-256), valid for a day around the real clock (TLS checks real time).</summary>
internal static class TestCertificates
{
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    public static X509Certificate2 CreateAuthority(string name)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = TimeProvider.System.GetUtcNow();
        return request.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));
    }

    /// <summary>A server certificate for the given names and addresses, issued by <paramref name="authority"/>, with its private key.</summary>
    public static X509Certificate2 IssueServer(X509Certificate2 authority, string[] dnsNames, IPAddress[] addresses)
    {
        var names = new SubjectAlternativeNameBuilder();
        foreach (var dns in dnsNames)
        {
            names.AddDnsName(dns);
        }

        foreach (var address in addresses)
        {
            names.AddIpAddress(address);
        }

        return Issue(authority, "kube-apiserver", ServerAuth, names.Build()).Certificate;
    }

    /// <summary>A client certificate (CN = user, O = group) and its PKCS#8 key, both PEM.</summary>
    public static (string CertificatePem, string KeyPem) IssueClient(X509Certificate2 authority, string user)
    {
        var (certificate, keyPem) = Issue(authority, user, ClientAuth, sanExtension: null);
        using (certificate)
        {
            return (certificate.ExportCertificatePem(), keyPem);
        }
    }

    private static (X509Certificate2 Certificate, string KeyPem) Issue(X509Certificate2 authority, string commonName, string usage, X509Extension? sanExtension)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}, O=spotable", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], critical: false));
        if (sanExtension is not null)
        {
            request.CertificateExtensions.Add(sanExtension);
        }

        var now = TimeProvider.System.GetUtcNow();
        using var issued = request.Create(authority, now.AddHours(-1), now.AddHours(1), RandomNumberGenerator.GetBytes(8));
        return (issued.CopyWithPrivateKey(key), key.ExportPkcs8PrivateKeyPem());
    }
}
