namespace Ferry.Server;

/// <summary>Everything a Ferry server is started with. Bound from the command line, environment and appsettings by the host.</summary>
public sealed class FerryServerOptions
{
    /// <summary>The emulator-format Config.json with entities to create at start; null for none.</summary>
    public string? ConfigFile { get; set; }

    /// <summary>Where the embedded store keeps its files. Default <c>./ferry-data</c>.</summary>
    public string DataDirectory { get; set; } = "ferry-data";

    /// <summary>Keep everything in memory: nothing survives the process. For tests.</summary>
    public bool InMemory { get; set; }

    /// <summary>
    /// NOT DURABLE ON POWER LOSS. When true, the store acknowledges a commit once it is written to the operating system,
    /// before the log is synced to disk (SQLite <c>synchronous=NORMAL</c>; the log is synced at checkpoints). A killed or
    /// crashed Ferry process still loses nothing it acknowledged; an operating-system crash or power cut may lose the
    /// last acknowledged commits, never corrupting the store. For CI and development machines where a sync per commit
    /// is not worth its latency. Default false: every acknowledgement waits for the log's sync. Ignored with
    /// <see cref="InMemory"/>.
    /// </summary>
    public bool RelaxedDurability { get; set; }

    /// <summary>Plain AMQP port; 0 picks a free port. Default 5672.</summary>
    public int AmqpPort { get; set; } = 5672;

    /// <summary>HTTP port (health, management); 0 picks a free port. Default 5300.</summary>
    public int HttpPort { get; set; } = 5300;

    /// <summary>
    /// Address to listen on: <c>localhost</c> (default: loopback only), <c>any</c> (every interface) or an IP address.
    /// </summary>
    public string Bind { get; set; } = "localhost";

    /// <summary>The host name clients use in their connection string; it appears in entity addresses and errors.</summary>
    public string NamespaceHost { get; set; } = "localhost";

    /// <summary>Keys SAS tokens are validated against. Default: RootManageSharedAccessKey / SAS_KEY_VALUE, the emulator's.</summary>
    public IList<SharedAccessKey> Keys { get; } = [];

    /// <summary>
    /// Megabytes of queued messages' bodies kept in memory across every entity (default 64). Beyond it, newly stored messages
    /// keep only their index entry and their bodies are read back from the store when delivered; 0 keeps none in memory.
    /// </summary>
    public int MessageBodyMemoryMegabytes { get; set; } = 64;

    /// <summary>Largest AMQP frame the server accepts and announces. Default 256 KiB.</summary>
    public uint MaxFrameSize { get; set; } = 256 * 1024;

    /// <summary>Idle time-out the server announces; the client must send something at least this often. Default 2 min.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// A bearer token that authorizes the HTTP admin API (<c>Authorization: Bearer &lt;token&gt;</c>), besides SAS tokens
    /// signed with one of <see cref="Keys"/>. Default null: only SAS tokens.
    /// </summary>
    public string? AdminToken { get; set; }

    /// <summary>
    /// Development mode: the HTTP admin API and <c>/metrics</c> answer without authorization. Default null, which means
    /// on exactly when <see cref="Bind"/> is loopback (<c>localhost</c>, 127.0.0.1, ::1), so a laptop run just works
    /// and anything reachable from the network needs a token. Set true or false to decide explicitly.
    /// </summary>
    public bool? DevelopmentMode { get; set; }

    /// <summary>
    /// AMQP over TLS port; 0 picks a free port, -1 turns it off. Default null: 5671 when <see cref="AmqpPort"/> is the
    /// standard 5672, off otherwise (so servers on moved ports never compete for 5671). See docs/tls.md.
    /// </summary>
    public int? AmqpsPort { get; set; }

    /// <summary>
    /// HTTPS port (the Atom management API the SDK administration clients need, and everything HTTP serves); 0 picks a
    /// free port, -1 turns it off. Default null: 5301 when <see cref="HttpPort"/> is the standard 5300, off otherwise.
    /// </summary>
    public int? HttpsPort { get; set; }

    /// <summary>
    /// The TLS certificate: a .pfx/.p12 file, or PEM (certificate, and the key in the same file or in
    /// <see cref="CertificateKeyPath"/>). Default null: the self-signed development certificate (docs/tls.md).
    /// </summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PEM private key of <see cref="CertificatePath"/> when it is not in the same file.</summary>
    public string? CertificateKeyPath { get; set; }

    /// <summary>The password of the .pfx, or of an encrypted PEM key.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>
    /// Where to write the development certificate's public PEM. Default null: <c>&lt;data&gt;/dev-cert.pem</c>, or with
    /// <see cref="InMemory"/> a file in the temp directory (deleted when the server stops). Unused with a configured certificate.
    /// </summary>
    public string? DevelopmentCertificatePemPath { get; set; }

    internal IReadOnlyList<SharedAccessKey> EffectiveKeys =>
        Keys.Count > 0 ? [.. Keys] : [new SharedAccessKey("RootManageSharedAccessKey", "SAS_KEY_VALUE")];
}
