using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Ferry.Jobs.Tests;

/// <summary>
/// A real PostgreSQL server for one test class: installs Debian's <c>postgresql</c> package when its binaries are
/// missing, runs initdb into a temporary directory and starts <c>postgres</c> on 127.0.0.1 and a free port (as the
/// unprivileged <c>postgres</c> user when the tests run as root). Never skips: when the server cannot be started,
/// InitializeAsync throws with the reason and every test of the class fails with it.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private const string PackageRoot = "/usr/lib/postgresql";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(5);

    private string _directory = "";
    private string _binaries = "";
    private bool _started;

    /// <summary>A superuser connection string to the <c>postgres</c> database.</summary>
    public string AdminConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _binaries = FindBinaries() ?? await InstallAsync();
        // /tmp rather than TMPDIR: the postgres user must be able to reach the directory, and TMPDIR may sit under /root.
        _directory = Path.Combine(Directory.Exists("/tmp") ? "/tmp" : Path.GetTempPath(), $"ferry-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_directory);
        var data = Path.Combine(_directory, "data");
        var asRoot = Environment.UserName == "root";
        if (asRoot)
            await RunAsync("chown", ["-R", "postgres:postgres", _directory]);

        await RunAsPostgresAsync(asRoot, "initdb", ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions"]);
        var port = FreePort();
        await RunAsPostgresAsync(asRoot, "pg_ctl",
            ["-D", data, "-l", Path.Combine(_directory, "postgres.log"), "-w", "-t", "60",
             "-o", $"-p {port} -h 127.0.0.1 -k {_directory} -F -c max_connections=200", "start"]);
        _started = true;
        AdminConnectionString = $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=false";
    }

    /// <summary>Creates an empty database and returns a connection string to it.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"jobs_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name, Pooling = true }.ToString();
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_started)
            await RunAsPostgresAsync(Environment.UserName == "root", "pg_ctl", ["-D", Path.Combine(_directory, "data"), "-m", "immediate", "-w", "stop"]);
        if (_directory.Length > 0 && Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }

    private static string? FindBinaries()
    {
        if (!Directory.Exists(PackageRoot))
            return null;
        return Directory.GetDirectories(PackageRoot)
            .Select(version => Path.Combine(version, "bin"))
            .Where(bin => File.Exists(Path.Combine(bin, "postgres")) && File.Exists(Path.Combine(bin, "initdb")))
            .OrderByDescending(bin => bin, StringComparer.Ordinal)
            .FirstOrDefault();
    }

    /// <summary>apt-get install postgresql; on failure, apt-get update once and try again.</summary>
    private static async Task<string> InstallAsync()
    {
        if (Environment.UserName != "root")
            throw new InvalidOperationException($"PostgreSQL is not installed under {PackageRoot} and the tests are not running as root to install it: apt-get install -y postgresql");
        var first = await TryRunAsync("apt-get", ["install", "-y", "--no-install-recommends", "postgresql"]);
        if (first.ExitCode != 0)
        {
            await RunAsync("apt-get", ["update"]);
            await RunAsync("apt-get", ["install", "-y", "--no-install-recommends", "postgresql"]);
        }
        return FindBinaries() ?? throw new InvalidOperationException($"apt-get installed postgresql but no server binaries were found under {PackageRoot}.");
    }

    private Task RunAsPostgresAsync(bool asRoot, string tool, IReadOnlyList<string> arguments)
    {
        var path = Path.Combine(_binaries, tool);
        // Run from the server's directory: the postgres user may not be allowed into the test's working directory.
        return asRoot ? RunAsync("runuser", ["-u", "postgres", "--", path, .. arguments], _directory) : RunAsync(path, arguments, _directory);
    }

    private static async Task RunAsync(string file, IReadOnlyList<string> arguments, string? workingDirectory = null)
    {
        var (exitCode, output) = await TryRunAsync(file, arguments, workingDirectory);
        if (exitCode != 0)
            throw new InvalidOperationException($"PostgreSQL could not be started: `{file} {string.Join(' ', arguments)}` exited with {exitCode}:\n{output}");
    }

    private static async Task<(int ExitCode, string Output)> TryRunAsync(string file, IReadOnlyList<string> arguments, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null)
            start.WorkingDirectory = workingDirectory;
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`{file} {string.Join(' ', arguments)}` did not finish within {CommandTimeout}.");
        }
        return (process.ExitCode, $"{await stdout}{await stderr}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
