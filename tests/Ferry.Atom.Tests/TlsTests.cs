using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Amqp;
using Ferry.Broker;
using Ferry.Server.Tls;

namespace Ferry.Atom.Tests;

/// <summary>AMQPS and HTTPS with the development certificate or a configured one.</summary>
public sealed class TlsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ferry-tls-tests-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static FerryServerOptions InMemory(int amqps = 0, int https = 0) =>
        new() { InMemory = true, AmqpPort = 0, HttpPort = 0, AmqpsPort = amqps, HttpsPort = https };

    /// <summary>Trusts exactly the server's certificate, as a client given its PEM would.</summary>
    private static bool SameCertificate(X509Certificate? presented, FerryServer server) =>
        presented is not null && presented.GetCertHashString() == server.TlsCertificate!.Thumbprint;

    private static async Task SendAndReceiveOverAmqpsAsync(FerryServer server, string queue)
    {
        var factory = new ConnectionFactory();
        factory.SSL.RemoteCertificateValidationCallback = (_, certificate, _, _) => SameCertificate(certificate, server);
        // SASL PLAIN with the key authorizes the whole connection without CBS.
        var connection = await factory.CreateAsync(new Address($"amqps://{AtomServer.KeyName}:{AtomServer.Key}@localhost:{server.AmqpsPort}"));
        try
        {
            var session = new Session(connection);
            var sender = new SenderLink(session, "tls-sender", queue);
            await sender.SendAsync(new Message("over tls") { Properties = new() { MessageId = "tls-1" } });
            var receiver = new ReceiverLink(session, "tls-receiver", queue);
            var message = await receiver.ReceiveAsync(AtomServer.Timeout);
            Assert.NotNull(message);
            Assert.Equal("over tls", message.Body);
            Assert.Equal("tls-1", message.Properties.MessageId);
            receiver.Accept(message);
        }
        finally
        {
            await connection.CloseAsync();
        }
    }

    [Fact]
    public async Task Amqps_LiteClientTrustingTheDevelopmentCertificate_SendsAndReceives()
    {
        await using var server = await FerryServer.StartAsync(InMemory(https: -1));
        await server.Broker.CreateQueueAsync("tls-queue", new QueueSettings());

        Assert.NotEqual(server.AmqpPort, server.AmqpsPort);
        Assert.Equal(-1, server.HttpsPort);
        await SendAndReceiveOverAmqpsAsync(server, "tls-queue");
    }

    [Fact]
    public async Task Amqps_ClientRejectingTheCertificate_FailsHandshake_AndServerKeepsServing()
    {
        await using var server = await FerryServer.StartAsync(InMemory(https: -1));
        await server.Broker.CreateQueueAsync("still-serving", new QueueSettings());
        var factory = new ConnectionFactory();
        factory.SSL.RemoteCertificateValidationCallback = (_, _, _, _) => false;

        await Assert.ThrowsAsync<AuthenticationException>(() =>
            factory.CreateAsync(new Address($"amqps://{AtomServer.KeyName}:{AtomServer.Key}@localhost:{server.AmqpsPort}")));

        await SendAndReceiveOverAmqpsAsync(server, "still-serving");
    }

    [Fact]
    public async Task Https_AtomApi_AnswersOverTlsWithTheDevelopmentCertificate()
    {
        await using var server = await FerryServer.StartAsync(InMemory(amqps: -1));
        X509Certificate2? presented = null;
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                presented = certificate is null ? null : new X509Certificate2(certificate);
                return SameCertificate(certificate, server);
            },
        };
        using var http = new HttpClient(handler) { BaseAddress = new Uri($"https://localhost:{server.HttpsPort}"), Timeout = AtomServer.Timeout };
        http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", AtomServer.SasToken($"https://localhost:{server.HttpsPort}/", DateTimeOffset.UtcNow.AddHours(1)));

        var entry = await AtomServer.XmlAsync(await http.GetAsync("/$namespaceinfo?api-version=2021-05"), HttpStatusCode.OK);
        using var health = await http.GetAsync("/health");

        Assert.Equal("NamespaceInfo", Xml.Description(entry).Name.LocalName);
        Assert.StartsWith($"https://localhost:{server.HttpsPort}/$namespaceinfo", Xml.Id(entry), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(server.TlsCertificate!.Thumbprint, presented!.Thumbprint);
    }

    [Fact]
    public async Task DevelopmentCertificate_IsSelfSignedForLoopbackWithServerAuthForOneYear()
    {
        var before = DateTimeOffset.UtcNow;
        await using var server = await FerryServer.StartAsync(InMemory(https: -1));
        var certificate = server.TlsCertificate!;

        Assert.True(certificate.HasPrivateKey);
        Assert.Equal("CN=localhost", certificate.Subject);
        Assert.Equal(certificate.Subject, certificate.Issuer);
        Assert.True(certificate.MatchesHostname("localhost"));
        var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["localhost"], names.EnumerateDnsNames());
        Assert.Equal([IPAddress.Loopback, IPAddress.IPv6Loopback], names.EnumerateIPAddresses());
        var usages = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages;
        Assert.Equal("1.3.6.1.5.5.7.3.1", Assert.Single(usages.Cast<Oid>()).Value);
        Assert.Empty(certificate.Extensions.OfType<X509KeyUsageExtension>());
        var lifetime = certificate.NotAfter.ToUniversalTime() - before.UtcDateTime;
        Assert.InRange(lifetime, TimeSpan.FromDays(364.9), TimeSpan.FromDays(365.1));
        using var key = certificate.GetECDsaPrivateKey();
        Assert.Equal(256, key!.KeySize);
    }

    [Fact]
    public async Task DevelopmentCertificate_InMemory_PemInTempDirMatchesAndIsDeletedOnStop()
    {
        var server = await FerryServer.StartAsync(InMemory(https: -1));
        var pem = server.DevelopmentCertificatePemPath!;
        try
        {
            Assert.StartsWith(Path.GetFullPath(Path.GetTempPath()), pem, StringComparison.Ordinal);
            using var fromPem = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(pem));
            Assert.Equal(server.TlsCertificate!.Thumbprint, fromPem.Thumbprint);
            Assert.False(fromPem.HasPrivateKey);
        }
        finally
        {
            await server.DisposeAsync();
        }
        Assert.False(File.Exists(pem));
    }

    [Fact]
    public async Task DevelopmentCertificate_CertOut_WrittenThereAndKeptOnStop()
    {
        var pem = Path.Combine(_directory, "ca.pem");
        var options = InMemory(https: -1);
        options.DevelopmentCertificatePemPath = pem;
        string thumbprint;
        await using (var server = await FerryServer.StartAsync(options))
        {
            Assert.Equal(pem, server.DevelopmentCertificatePemPath);
            thumbprint = server.TlsCertificate!.Thumbprint;
        }
        using var fromPem = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(pem));
        Assert.Equal(thumbprint, fromPem.Thumbprint);
    }

    [Fact]
    public async Task DevelopmentCertificate_Persisted_InDataDirectoryAndReusedAfterRestart()
    {
        var options = new FerryServerOptions { DataDirectory = _directory, AmqpPort = 0, HttpPort = 0, AmqpsPort = 0, HttpsPort = 0 };
        string first;
        await using (var server = await FerryServer.StartAsync(options))
        {
            first = server.TlsCertificate!.Thumbprint;
            Assert.Equal(Path.Combine(_directory, "dev-cert.pem"), server.DevelopmentCertificatePemPath);
            await server.Broker.CreateQueueAsync("persisted-tls", new QueueSettings());
        }
        Assert.True(File.Exists(Path.Combine(_directory, "dev-cert.pfx")));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_directory, "dev-cert.pfx")));

        await using (var server = await FerryServer.StartAsync(options))
        {
            Assert.Equal(first, server.TlsCertificate!.Thumbprint);
            await SendAndReceiveOverAmqpsAsync(server, "persisted-tls");
        }
        using var fromPem = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(Path.Combine(_directory, "dev-cert.pem")));
        Assert.Equal(first, fromPem.Thumbprint);
    }

    [Fact]
    public async Task DevelopmentCertificate_PersistedFileCorrupt_IsReplaced()
    {
        await File.WriteAllTextAsync(Path.Combine(_directory, "dev-cert.pfx"), "not a certificate");
        var options = new FerryServerOptions { DataDirectory = _directory, AmqpPort = 0, HttpPort = 0, AmqpsPort = 0, HttpsPort = -1 };

        await using var server = await FerryServer.StartAsync(options);

        Assert.True(server.TlsCertificate!.HasPrivateKey);
        using var reloaded = X509CertificateLoader.LoadPkcs12FromFile(Path.Combine(_directory, "dev-cert.pfx"), null);
        Assert.Equal(server.TlsCertificate.Thumbprint, reloaded.Thumbprint);
    }

    [Fact]
    public async Task DevelopmentCertificate_PersistedExpiringWithin30Days_IsReplaced()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        using var expiring = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-300), DateTimeOffset.UtcNow.AddDays(29));
        await File.WriteAllBytesAsync(Path.Combine(_directory, "dev-cert.pfx"), expiring.Export(X509ContentType.Pkcs12));
        var options = new FerryServerOptions { DataDirectory = _directory, AmqpPort = 0, HttpPort = 0, AmqpsPort = 0, HttpsPort = -1 };

        await using var server = await FerryServer.StartAsync(options);

        Assert.NotEqual(expiring.Thumbprint, server.TlsCertificate!.Thumbprint);
        Assert.True(server.TlsCertificate.NotAfter.ToUniversalTime() > DateTime.UtcNow.AddDays(360));
    }

    private string WriteConfiguredCertificate(string password, out string thumbprint)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=ferry.test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        thumbprint = certificate.Thumbprint;
        var path = Path.Combine(_directory, "configured.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, password));
        File.WriteAllText(Path.Combine(_directory, "configured.crt"), certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_directory, "configured.key"), key.ExportPkcs8PrivateKeyPem());
        return path;
    }

    [Fact]
    public async Task ConfiguredPfxWithPassword_IsServedAndNoPemIsWritten()
    {
        var options = InMemory(https: -1);
        options.CertificatePath = WriteConfiguredCertificate("s3cret", out var thumbprint);
        options.CertificatePassword = "s3cret";

        await using var server = await FerryServer.StartAsync(options);

        Assert.Equal(thumbprint, server.TlsCertificate!.Thumbprint);
        Assert.Null(server.DevelopmentCertificatePemPath);
        await server.Broker.CreateQueueAsync("configured-tls", new QueueSettings());
        await SendAndReceiveOverAmqpsAsync(server, "configured-tls");
    }

    [Fact]
    public async Task ConfiguredPemWithSeparateKey_IsServed()
    {
        WriteConfiguredCertificate("unused", out var thumbprint);
        var options = InMemory(https: -1);
        options.CertificatePath = Path.Combine(_directory, "configured.crt");
        options.CertificateKeyPath = Path.Combine(_directory, "configured.key");

        await using var server = await FerryServer.StartAsync(options);

        Assert.Equal(thumbprint, server.TlsCertificate!.Thumbprint);
        Assert.True(server.TlsCertificate.HasPrivateKey);
    }

    [Fact]
    public async Task ConfiguredPfx_WrongPassword_StartFailsNamingTheFile()
    {
        var options = InMemory(https: -1);
        options.CertificatePath = WriteConfiguredCertificate("right", out _);
        options.CertificatePassword = "wrong";

        var error = await Assert.ThrowsAsync<CertificateLoadException>(() => FerryServer.StartAsync(options));

        Assert.Contains("configured.pfx", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfiguredCertificate_Missing_StartFailsSayingSo()
    {
        var options = InMemory(https: -1);
        options.CertificatePath = Path.Combine(_directory, "absent.pfx");

        var error = await Assert.ThrowsAsync<CertificateLoadException>(() => FerryServer.StartAsync(options));

        Assert.Equal($"The certificate '{options.CertificatePath}' does not exist.", error.Message);
    }

    [Fact]
    public async Task ConfiguredPemWithoutKey_StartFailsSayingSo()
    {
        WriteConfiguredCertificate("unused", out _);
        var options = InMemory(https: -1);
        options.CertificatePath = Path.Combine(_directory, "configured.crt");

        var error = await Assert.ThrowsAsync<CertificateLoadException>(() => FerryServer.StartAsync(options));

        Assert.Contains("configured.crt", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TlsPorts_LeftUnset_WithMovedPlainPorts_AreOffAndNoCertificateIsMade()
    {
        await using var server = await FerryServer.StartAsync(new FerryServerOptions { InMemory = true, AmqpPort = 0, HttpPort = 0 });

        Assert.Equal(-1, server.AmqpsPort);
        Assert.Equal(-1, server.HttpsPort);
        Assert.Null(server.TlsCertificate);
    }

    [Fact]
    public async Task BoundPorts_AnyInterfaceWithFreePorts_AreTheOnesListening()
    {
        var options = InMemory();
        options.Bind = "any";
        await using var server = await FerryServer.StartAsync(options);
        await server.Broker.CreateQueueAsync("any-bind", new QueueSettings());

        Assert.Equal(4, new[] { server.AmqpPort, server.HttpPort, server.AmqpsPort, server.HttpsPort }.Distinct().Count());
        await SendAndReceiveOverAmqpsAsync(server, "any-bind");
        using var http = new HttpClient { Timeout = AtomServer.Timeout };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{server.HttpPort}/health")).StatusCode);
    }

    [Fact]
    public async Task TlsPort_OutOfRange_StartFails()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => FerryServer.StartAsync(InMemory(amqps: -2)));
    }
}
