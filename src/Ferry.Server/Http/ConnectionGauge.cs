using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Ferry.Server.Http;

/// <summary>
/// Open connections per local port, read from Kestrel's own <c>kestrel.active_connections</c> instrument (so the AMQP
/// layer needs no counting hook). Only this server's Kestrel is listened to: its meters carry this app's
/// <see cref="IMeterFactory"/> as their scope, which keeps several in-process servers apart.
/// </summary>
internal sealed class ConnectionGauge : IDisposable
{
    private const string KestrelMeter = "Microsoft.AspNetCore.Server.Kestrel";
    private const string ActiveConnections = "kestrel.active_connections";
    private readonly ConcurrentDictionary<int, long> _open = new();
    private readonly MeterListener _listener = new();

    public ConnectionGauge(IMeterFactory? scope)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == KestrelMeter && instrument.Name == ActiveConnections && scope is not null
                && ReferenceEquals(instrument.Meter.Scope, scope))
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.Start();
    }

    /// <summary>Open connections by the local port they arrived on.</summary>
    public IReadOnlyDictionary<int, long> OpenByPort => _open;

    private void OnMeasurement(Instrument instrument, long delta, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        var port = 0;
        foreach (var tag in tags)
        {
            if (tag.Key == "server.port" && tag.Value is int value)
                port = value;
        }
        _open.AddOrUpdate(port, delta, (_, current) => current + delta);
    }

    public void Dispose() => _listener.Dispose();
}
