using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace Ferry.Server.Tls;

/// <summary>
/// The certificate the AMQPS and HTTPS listeners present: the configured one (<see cref="FerryServerOptions.CertificatePath"/>),
/// or the development certificate — persisted as <c>&lt;data&gt;/dev-cert.pfx</c> and reused across starts, or made fresh
/// in memory with <see cref="FerryServerOptions.InMemory"/>. For a development certificate the public part is written
/// as PEM (<see cref="PemPath"/>) so clients can trust it (<c>NODE_EXTRA_CA_CERTS</c>).
/// </summary>
internal sealed class ServerCertificate : IDisposable
{
    public const string DevelopmentPfxFileName = "dev-cert.pfx";
    public const string DevelopmentPemFileName = "dev-cert.pem";

    private readonly bool _deletePemOnDispose;

    private ServerCertificate(X509Certificate2 certificate, bool isDevelopment, string? pemPath, bool deletePemOnDispose)
    {
        Certificate = certificate;
        IsDevelopment = isDevelopment;
        PemPath = pemPath;
        _deletePemOnDispose = deletePemOnDispose;
    }

    public X509Certificate2 Certificate { get; }

    /// <summary>True for the generated self-signed certificate, false for a configured one.</summary>
    public bool IsDevelopment { get; }

    /// <summary>Where the development certificate's public PEM was written; null for a configured certificate.</summary>
    public string? PemPath { get; }

    /// <summary>Loads the configured certificate or gets the development certificate, as described on the type.</summary>
    /// <exception cref="CertificateLoadException">The configured certificate can't be read, or has no private key.</exception>
    /// <exception cref="IOException">The data directory or the PEM path can't be written.</exception>
    public static ServerCertificate Load(FerryServerOptions options, TimeProvider time, ILogger logger)
    {
        if (!string.IsNullOrEmpty(options.CertificatePath))
            return new ServerCertificate(LoadConfigured(options), isDevelopment: false, pemPath: null, deletePemOnDispose: false);

        var now = time.GetUtcNow();
        X509Certificate2 certificate;
        string defaultPem;
        var deletePem = false;
        if (options.InMemory)
        {
            certificate = DevelopmentCertificate.Create(now, options.NamespaceHost);
            defaultPem = Path.Combine(Path.GetTempPath(), $"ferry-dev-cert-{certificate.Thumbprint[..16].ToLowerInvariant()}.pem");
            deletePem = options.DevelopmentCertificatePemPath is null;
        }
        else
        {
            var directory = Path.GetFullPath(options.DataDirectory);
            Directory.CreateDirectory(directory);
            certificate = LoadOrCreatePersisted(Path.Combine(directory, DevelopmentPfxFileName), now, options.NamespaceHost, logger);
            defaultPem = Path.Combine(directory, DevelopmentPemFileName);
        }

        var pemPath = Path.GetFullPath(options.DevelopmentCertificatePemPath ?? defaultPem);
        try
        {
            File.WriteAllText(pemPath, certificate.ExportCertificatePem() + "\n");
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            certificate.Dispose();
            throw new IOException($"The development certificate's PEM could not be written to '{pemPath}': {ex.Message}", ex);
        }
        logger.LogInformation(
            "TLS uses the self-signed development certificate {Thumbprint} (CN=localhost, expires {NotAfter:yyyy-MM-dd}); trust it with NODE_EXTRA_CA_CERTS={PemPath}",
            certificate.Thumbprint, certificate.NotAfter.ToUniversalTime(), pemPath);
        return new ServerCertificate(certificate, isDevelopment: true, pemPath, deletePem);
    }

    private static X509Certificate2 LoadOrCreatePersisted(string pfxPath, DateTimeOffset now, string namespaceHost, ILogger logger)
    {
        if (File.Exists(pfxPath))
        {
            try
            {
                var existing = X509CertificateLoader.LoadPkcs12FromFile(pfxPath, password: null);
                if (DevelopmentCertificate.IsUsable(existing, now, namespaceHost))
                    return existing;
                logger.LogWarning("The development certificate {Path} expires {NotAfter:yyyy-MM-dd} or does not cover '{Host}'; a new one replaces it.",
                    pfxPath, existing.NotAfter.ToUniversalTime(), namespaceHost);
                existing.Dispose();
            }
            catch (CryptographicException ex)
            {
                logger.LogWarning("The development certificate {Path} can't be read ({Reason}); a new one replaces it.", pfxPath, ex.Message);
            }
        }

        var created = DevelopmentCertificate.Create(now, namespaceHost);
        var temporary = pfxPath + ".tmp";
        try
        {
            // Written beside, then moved over: a crash mid-write never leaves a half certificate behind.
            using (var stream = OwnerOnlyFile(temporary))
                stream.Write(created.Export(X509ContentType.Pkcs12));
            File.Move(temporary, pfxPath, overwrite: true);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            created.Dispose();
            throw new IOException($"The development certificate could not be written to '{pfxPath}': {ex.Message}", ex);
        }
        logger.LogInformation("Created the development certificate {Path}.", pfxPath);
        return created;
    }

    private static FileStream OwnerOnlyFile(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        return new FileStream(path, options);
    }

    private static X509Certificate2 LoadConfigured(FerryServerOptions options)
    {
        var path = Path.GetFullPath(options.CertificatePath!);
        if (!File.Exists(path))
            throw new CertificateLoadException($"The certificate '{path}' does not exist.");
        if (!string.IsNullOrEmpty(options.CertificateKeyPath) && !File.Exists(options.CertificateKeyPath))
            throw new CertificateLoadException($"The certificate key '{Path.GetFullPath(options.CertificateKeyPath)}' does not exist.");
        X509Certificate2 loaded;
        try
        {
            var extension = Path.GetExtension(path);
            if (extension.Equals(".pfx", StringComparison.OrdinalIgnoreCase) || extension.Equals(".p12", StringComparison.OrdinalIgnoreCase))
            {
                loaded = X509CertificateLoader.LoadPkcs12FromFile(path, options.CertificatePassword);
            }
            else
            {
                var keyPath = string.IsNullOrEmpty(options.CertificateKeyPath) ? null : Path.GetFullPath(options.CertificateKeyPath);
                using var pem = string.IsNullOrEmpty(options.CertificatePassword)
                    ? X509Certificate2.CreateFromPemFile(path, keyPath)
                    : X509Certificate2.CreateFromEncryptedPemFile(path, options.CertificatePassword, keyPath);
                loaded = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);
            }
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new CertificateLoadException(
                $"The certificate '{path}' could not be loaded: {ex.Message} (a .pfx/.p12 file with --cert-password, or PEM with the key in the same file or in --cert-key).",
                ex);
        }
        if (!loaded.HasPrivateKey)
        {
            loaded.Dispose();
            throw new CertificateLoadException($"The certificate '{path}' has no private key; give a .pfx, or the key with --cert-key.");
        }
        return loaded;
    }

    public void Dispose()
    {
        if (_deletePemOnDispose && PemPath is not null)
        {
            try
            {
                File.Delete(PemPath);
            }
            catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
            {
                // A temp file left behind is harmless.
            }
        }
        Certificate.Dispose();
    }
}
