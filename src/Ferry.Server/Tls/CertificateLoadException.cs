namespace Ferry.Server.Tls;

/// <summary>
/// The configured TLS certificate can't be used: the file is missing or unreadable, the password is wrong, or there is
/// no private key. An <see cref="IOException"/>, so a host that reports start-up I/O failures reports this one too.
/// </summary>
public sealed class CertificateLoadException : IOException
{
    public CertificateLoadException() : this("The TLS certificate could not be loaded.") { }

    public CertificateLoadException(string message) : base(message) { }

    public CertificateLoadException(string message, Exception innerException) : base(message, innerException) { }
}
