using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Ferry.CrashTests;

/// <summary>
/// One run of the real <c>ferry</c> executable: started on a data directory with free ports, ready once <c>/health</c>
/// answers 200, stopped with SIGKILL (<see cref="Kill"/>) or SIGTERM (<see cref="TerminateAsync"/>).
/// </summary>
internal sealed class FerryProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly List<(string Text, TaskCompletionSource Seen)> _outputWaiters = [];

    private FerryProcess(Process process, int amqpPort, int httpPort)
    {
        _process = process;
        AmqpPort = amqpPort;
        HttpPort = httpPort;
    }

    public int AmqpPort { get; }

    public int HttpPort { get; }

    public int Id => _process.Id;

    /// <summary>What the process wrote to stdout and stderr so far, interleaved line by line.</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public string Address => $"amqp://RootManageSharedAccessKey:SAS_KEY_VALUE@127.0.0.1:{AmqpPort}";

    /// <summary>The built host: FERRY_HOST_DLL, else src/Ferry.Host/bin/Release/net10.0/Ferry.Host.dll above this assembly.</summary>
    public static string HostDll
    {
        get
        {
            var overridden = Environment.GetEnvironmentVariable("FERRY_HOST_DLL");
            if (!string.IsNullOrEmpty(overridden))
            {
                return File.Exists(overridden)
                    ? Path.GetFullPath(overridden)
                    : throw new InvalidOperationException($"FERRY_HOST_DLL points at '{overridden}', which does not exist.");
            }
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (!File.Exists(Path.Combine(dir.FullName, "Ferry.slnx")))
                    continue;
                var dll = Path.Combine(dir.FullName, "src", "Ferry.Host", "bin", "Release", "net10.0", "Ferry.Host.dll");
                return File.Exists(dll)
                    ? dll
                    : throw new InvalidOperationException(
                        $"The ferry host is not built: '{dll}' is missing. Run 'dotnet build Ferry.slnx -c Release' first, or set FERRY_HOST_DLL.");
            }
            throw new InvalidOperationException(
                $"Cannot find Ferry.slnx above '{AppContext.BaseDirectory}' to locate the host; set FERRY_HOST_DLL to Ferry.Host.dll.");
        }
    }

    /// <summary>Starts the host without waiting for it (for start-up failures); see <see cref="StartAsync"/>.</summary>
    public static FerryProcess Launch(string dataDirectory, string? configFile, IReadOnlyDictionary<string, string>? environment = null,
        IReadOnlyList<string>? arguments = null)
    {
        var amqpPort = FreePort();
        var httpPort = FreePort();
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])[HostDll, "--data", dataDirectory, "--amqp-port", amqpPort.ToString(), "--http-port", httpPort.ToString()])
            info.ArgumentList.Add(arg);
        if (configFile is not null)
        {
            info.ArgumentList.Add("--config");
            info.ArgumentList.Add(configFile);
        }
        foreach (var arg in arguments ?? [])
            info.ArgumentList.Add(arg);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            info.Environment[name] = value;
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var ferry = new FerryProcess(process, amqpPort, httpPort);
        process.OutputDataReceived += (_, e) => ferry.Append(e.Data);
        process.ErrorDataReceived += (_, e) => ferry.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return ferry;
    }

    /// <summary>Starts the host and returns once <c>/health</c> answers 200.</summary>
    public static async Task<FerryProcess> StartAsync(string dataDirectory, string? configFile, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null, IReadOnlyList<string>? arguments = null)
    {
        var ferry = Launch(dataDirectory, configFile, environment, arguments);
        try
        {
            await ferry.WaitHealthyAsync(timeout);
            return ferry;
        }
        catch
        {
            await ferry.DisposeAsync();
            throw;
        }
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
        {
            _output.AppendLine(line);
            for (var i = _outputWaiters.Count - 1; i >= 0; i--)
            {
                if (!line.Contains(_outputWaiters[i].Text, StringComparison.Ordinal))
                    continue;
                _outputWaiters[i].Seen.TrySetResult();
                _outputWaiters.RemoveAt(i);
            }
        }
    }

    /// <summary>
    /// True once a line of the process's output contains <paramref name="text"/> (at once if one already does); false
    /// after <paramref name="timeout"/>. The output arrives asynchronously, after the host has already answered requests.
    /// </summary>
    public async Task<bool> WaitForOutputAsync(string text, TimeSpan timeout)
    {
        TaskCompletionSource seen;
        lock (_output)
        {
            if (_output.ToString().Contains(text, StringComparison.Ordinal))
                return true;
            seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _outputWaiters.Add((text, seen));
        }
        return await Task.WhenAny(seen.Task, Task.Delay(timeout)) == seen.Task;
    }

    // Polling /health is the one wait on a state here: the process exposes no other readiness signal.
    private async Task WaitHealthyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        while (true)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"ferry exited with code {_process.ExitCode} before it was ready:\n{Output}");
            try
            {
                using var response = await http.GetAsync($"http://127.0.0.1:{HttpPort}/health");
                if (response.StatusCode == HttpStatusCode.OK)
                    return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // A request timed out while the process was busy starting.
            }
            if (deadline.Elapsed > timeout)
                throw new TimeoutException($"ferry was not healthy within {timeout.TotalSeconds:0} s:\n{Output}");
            await poll.WaitForNextTickAsync();
        }
    }

    /// <summary>SIGKILL: the process gets no chance to flush or close anything.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, then waits for the exit; returns the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        if (SendSignal(_process.Id, 15) != 0)
            throw new InvalidOperationException($"kill(SIGTERM) failed with errno {Marshal.GetLastWin32Error()}.");
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"ferry did not exit within {timeout.TotalSeconds:0} s of SIGTERM:\n{Output}");
        }
        // The parameterless wait also waits for the redirected streams to reach their end.
        await _process.WaitForExitAsync();
        return _process.ExitCode;
    }

    /// <summary>Waits for the process to exit on its own; returns the exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"ferry did not exit within {timeout.TotalSeconds:0} s:\n{Output}");
        }
        await _process.WaitForExitAsync();
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: false);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }
        _process.Dispose();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
}
