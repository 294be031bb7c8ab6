using System.Net;
using Microsoft.Extensions.Logging;

namespace Ferry.Server.Tests;

/// <summary>One log entry the server wrote, with its structured values.</summary>
internal sealed record LogEntry(LogLevel Level, string Category, string Message, IReadOnlyDictionary<string, object?> Values, Exception? Exception)
{
    /// <summary>The client port of the connection the entry is about, when it names one.</summary>
    public int? RemotePort => Values.TryGetValue("RemoteEndPoint", out var endpoint) && endpoint is IPEndPoint ip ? ip.Port : null;
}

/// <summary>
/// A logger factory that keeps every entry, so a test can await a specific one (a connection ending) instead of
/// sleeping, and can assert that nothing was logged as an error.
/// </summary>
internal sealed class LogCapture : ILoggerFactory
{
    private readonly Lock _sync = new();
    private readonly List<LogEntry> _entries = [];
    private readonly List<(Func<LogEntry, bool> Match, TaskCompletionSource<LogEntry> Done)> _waiters = [];

    public IReadOnlyList<LogEntry> Entries
    {
        get
        {
            lock (_sync)
                return [.. _entries];
        }
    }

    public IReadOnlyList<LogEntry> Errors => [.. Entries.Where(e => e.Level >= LogLevel.Error)];

    /// <summary>Completes with the first entry (already logged or still to come) that matches.</summary>
    public async Task<LogEntry> WaitForAsync(Func<LogEntry, bool> match, TimeSpan timeout)
    {
        var done = new TaskCompletionSource<LogEntry>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_sync)
        {
            foreach (var entry in _entries)
            {
                if (match(entry))
                    return entry;
            }
            _waiters.Add((match, done));
        }
        return await done.Task.WaitAsync(timeout);
    }

    /// <summary>Waits until the server has torn down the connection from client port <paramref name="port"/>.</summary>
    public Task<LogEntry> ConnectionEndedAsync(int port, TimeSpan? timeout = null) =>
        WaitForAsync(e => e.RemotePort == port && e.Message.Contains("ended", StringComparison.Ordinal), timeout ?? TimeSpan.FromSeconds(10));

    private void Add(LogEntry entry)
    {
        List<TaskCompletionSource<LogEntry>>? matched = null;
        lock (_sync)
        {
            _entries.Add(entry);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(entry))
                {
                    (matched ??= []).Add(_waiters[i].Done);
                    _waiters.RemoveAt(i);
                }
            }
        }
        if (matched is not null)
        {
            foreach (var done in matched)
                done.TrySetResult(entry);
        }
    }

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class CapturingLogger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                foreach (var (key, value) in pairs)
                    values[key] = value;
            }
            owner.Add(new LogEntry(logLevel, category, formatter(state, exception), values, exception));
        }
    }
}
