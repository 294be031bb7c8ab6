using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Ferry.Server.Tls;

/// <summary>
/// The self-signed development certificate Ferry serves TLS with when no certificate is configured: ECDSA P-256,
/// <c>CN=localhost</c>, SAN <c>DNS:localhost</c>, <c>IP:127.0.0.1</c>, <c>IP:::1</c> (plus the namespace host name when it
/// is another name), server-authentication EKU, valid for one year.
/// </summary>
/// <remarks>
/// No key-usage or basic-constraints extension is added on purpose: OpenSSL (Node's TLS) accepts a self-signed
/// certificate given in <c>NODE_EXTRA_CA_CERTS</c> as its own trust anchor only when nothing marks it unfit to sign,
/// and a key usage without keyCertSign does.
/// </remarks>
internal static class DevelopmentCertificate
{
    public const string SubjectName = "CN=localhost";
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(365);

    /// <summary>A persisted certificate this close to expiry is replaced at start.</summary>
    public static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);

    private const string ServerAuthenticationOid = "1.3.6.1.5.5.7.3.1";

    /// <summary>Creates a new certificate with its private key, valid from five minutes ago for <see cref="Lifetime"/>.</summary>
    public static X509Certificate2 Create(DateTimeOffset now, string namespaceHost)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(SubjectName, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        if (IsExtraHostName(namespaceHost))
            names.AddDnsName(namespaceHost);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ServerAuthenticationOid)], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        using var created = request.CreateSelfSigned(now.AddMinutes(-5), now.Add(Lifetime));
        // Round trip through PKCS#12 so the key is a persisted one every platform's TLS stack accepts.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), password: null);
    }

    /// <summary>
    /// True when a persisted certificate can still be used: not expiring within <see cref="RenewBefore"/>, carrying a
    /// private key, and valid for the namespace host name.
    /// </summary>
    public static bool IsUsable(X509Certificate2 certificate, DateTimeOffset now, string namespaceHost) =>
        certificate.HasPrivateKey
        && certificate.NotBefore.ToUniversalTime() <= now.UtcDateTime
        && certificate.NotAfter.ToUniversalTime() > now.UtcDateTime.Add(RenewBefore)
        && (!IsExtraHostName(namespaceHost) || certificate.MatchesHostname(namespaceHost));

    private static bool IsExtraHostName(string host) =>
        !string.IsNullOrEmpty(host)
        && !string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        && !IPAddress.TryParse(host, out _)
        && Uri.CheckHostName(host) == UriHostNameType.Dns;
}
