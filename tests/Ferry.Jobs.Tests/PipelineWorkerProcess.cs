using System.Diagnostics;
using System.Text;

namespace Ferry.Jobs.Tests;

/// <summary>
/// Ferry.Jobs.TestWorker as a separate process (<c>dotnet Ferry.Jobs.TestWorker.dll …</c>), its stdout read line by
/// line; <see cref="Kill"/> sends SIGKILL.
/// </summary>
internal sealed class PipelineWorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Signal)> _waiters = [];
    private readonly StringBuilder _errors = new();

    private PipelineWorkerProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
                return [.. _lines];
        }
    }

    /// <summary>
    /// The worker as built in its own output directory (with its package dependencies beside it), in the configuration
    /// this test assembly was built in.
    /// </summary>
    private static string WorkerDll
    {
        get
        {
            var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name; // bin/<configuration>/net10.0/
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Ferry.slnx")))
                {
                    var dll = Path.Combine(dir.FullName, "tests", "Ferry.Jobs.TestWorker", "bin", configuration, "net10.0", "Ferry.Jobs.TestWorker.dll");
                    return File.Exists(dll) ? dll : throw new InvalidOperationException($"The test worker is not built: '{dll}' is missing.");
                }
            }
            throw new InvalidOperationException($"Cannot find Ferry.slnx above '{AppContext.BaseDirectory}'.");
        }
    }

    public static async Task<PipelineWorkerProcess> StartAsync(string connectionString, string pipeline, string? crashPoint = null, int count = 0)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(WorkerDll);
        info.ArgumentList.Add(connectionString);
        info.ArgumentList.Add(pipeline);
        if (crashPoint is not null)
        {
            info.ArgumentList.Add(crashPoint);
            info.ArgumentList.Add(count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        var worker = new PipelineWorkerProcess(new Process { StartInfo = info });
        worker._process.OutputDataReceived += (_, e) => worker.OnLine(e.Data);
        worker._process.ErrorDataReceived += (_, e) =>
        {
            lock (worker._errors)
                worker._errors.AppendLine(e.Data);
        };
        worker._process.Start();
        worker._process.BeginOutputReadLine();
        worker._process.BeginErrorReadLine();
        await worker.WaitForLineAsync(l => l == "READY", TimeSpan.FromSeconds(30));
        return worker;
    }

    /// <summary>Waits for a line the process printed (or prints next) that matches.</summary>
    public Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var signal = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lines)
        {
            var seen = _lines.FirstOrDefault(match);
            if (seen is not null)
                return Task.FromResult(seen);
            _waiters.Add((match, signal));
        }
        return WaitAsync(signal.Task, timeout);
    }

    /// <summary>SIGKILL, then waits for the process to be gone.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
            await KillAsync();
        _process.Dispose();
    }

    private async Task<string> WaitAsync(Task<string> line, TimeSpan timeout)
    {
        try
        {
            return await line.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            string errors;
            lock (_errors)
                errors = _errors.ToString();
            throw new TimeoutException($"Worker {_process.Id} printed no matching line in {timeout}. Output:\n{string.Join('\n', Lines)}\nErrors:\n{errors}");
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
            return;
        lock (_lines)
        {
            _lines.Add(line);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(line))
                {
                    _waiters[i].Signal.TrySetResult(line);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }
}
