using System.Buffers;
using Ferry.Amqp;

namespace Ferry.Server.Amqp;

internal sealed partial class AmqpConnection
{
    private readonly OutputSignal _outputSignal = new();
    private readonly SemaphoreSlim _outputRoom = new(0, 1);
    private const int OutputBufferSize = 64 * 1024;

    // An output buffer grows to hold whatever one write loop pass takes (several MB with large deliveries). One that grew
    // past MaxRetainedOutputBuffer is kept while large passes go on (growing a fresh one for every 1 MB delivery cost more
    // than the delivery) and dropped once SmallPassesBeforeTrim passes in a row were small, instead of being kept for the
    // connection's lifetime. A connection with no output at all keeps what it has.
    internal const int MaxRetainedOutputBuffer = 1024 * 1024;
    internal const int SmallPassesBeforeTrim = 64;
    private int _smallPasses;

    private ArrayBufferWriter<byte> _pending = new(OutputBufferSize);
    private ArrayBufferWriter<byte> _spare = new(OutputBufferSize);
    private int _signalled;
    private long _lastSentTicks;
    private ITimer? _heartbeat;
    private TimeSpan _heartbeatInterval;
    private bool _sendHeartbeats;
    private bool _waitingForRoom;
    private bool _deliveriesPaused;

    // A run of settled accepted dispositions for consecutive incoming deliveries on one channel, not yet encoded: the next
    // one that continues the run extends it, so a group of sends that become durable together is answered with one frame
    // (first..last, AMQP 1.0 §2.7.6) instead of one per send. Any other output encodes the run first, so frames keep
    // their order. Guarded by _sync; the performative is reused to encode each run.
    private static readonly Accepted AcceptedState = new();
    private readonly Disposition _acceptedRun = new() { Role = Role.Receiver, Settled = true, State = AcceptedState };
    private bool _hasAcceptedRun;
    private ushort _acceptedRunChannel;

    /// <summary>Writes one frame on <paramref name="channel"/>. Callers may hold <see cref="_sync"/> or not.</summary>
    public void WriteFrame(ushort channel, Performative performative, ReadOnlySpan<byte> payload = default)
    {
        lock (_sync)
        {
            if (_closeSent)
                return;
            EncodeAcceptedRun();
            FrameWriter.WriteFrame(_pending, FrameType.Amqp, channel, performative, payload);
        }
        SignalOutput();
    }

    /// <summary>
    /// Settles an incoming delivery as accepted (a disposition with role receiver, settled, state accepted), coalesced with
    /// the one written just before when that settled the previous delivery-id on the same channel.
    /// </summary>
    public void WriteSettledAccepted(ushort channel, uint deliveryId)
    {
        lock (_sync)
        {
            if (_closeSent)
                return;
            if (_hasAcceptedRun && _acceptedRun.Last is { } last && channel == _acceptedRunChannel && deliveryId == unchecked(last + 1))
            {
                _acceptedRun.Last = deliveryId;
            }
            else
            {
                EncodeAcceptedRun();
                _hasAcceptedRun = true;
                _acceptedRunChannel = channel;
                _acceptedRun.First = deliveryId;
                _acceptedRun.Last = deliveryId;
            }
        }
        SignalOutput();
    }

    // Caller holds _sync. A run of one is written without last, as a single disposition always was.
    private void EncodeAcceptedRun()
    {
        if (!_hasAcceptedRun)
            return;
        _hasAcceptedRun = false;
        if (_acceptedRun.Last == _acceptedRun.First)
            _acceptedRun.Last = null;
        FrameWriter.WriteFrame(_pending, FrameType.Amqp, _acceptedRunChannel, _acceptedRun);
    }

    /// <summary>Writes a transfer, split into frames of at most the negotiated size.</summary>
    public void WriteTransfer(ushort channel, Transfer transfer, ReadOnlySpan<byte> payload)
    {
        lock (_sync)
        {
            if (_closeSent)
                return;
            EncodeAcceptedRun();
            FrameWriter.WriteTransfer(_pending, channel, transfer, payload, OutgoingMaxFrameSize);
        }
        SignalOutput();
    }

    /// <summary>Runs <paramref name="write"/> under the connection lock with the pending output buffer.</summary>
    public void WriteLocked<TState>(TState state, Action<IBufferWriter<byte>, TState> write)
    {
        lock (_sync)
        {
            if (_closeSent)
                return;
            EncodeAcceptedRun();
            write(_pending, state);
        }
        SignalOutput();
    }

    internal Lock SyncRoot => _sync;

    /// <summary>
    /// True while output not yet taken by the writer is above the high-water mark: receiver links stop taking
    /// deliveries until the writer catches up, so a peer that stops reading holds at most about that much memory.
    /// </summary>
    public bool IsOutputSaturated
    {
        get
        {
            lock (_sync)
            {
                if (_pending.WrittenCount < OutputHighWaterMark)
                    return false;
                _deliveriesPaused = true;
                return true;
            }
        }
    }

    /// <summary>The pending output buffer, for writers that encode straight into it. Call under <see cref="SyncRoot"/>, then <see cref="SignalOutput"/>.</summary>
    internal bool TryGetOutput(out IBufferWriter<byte> output)
    {
        if (!_closeSent)
            EncodeAcceptedRun();
        output = _pending;
        return !_closeSent;
    }

    internal void SignalOutput()
    {
        // A signal after the connection ended (a delivery, a timer) is harmless: nobody waits anymore.
        if (Interlocked.Exchange(ref _signalled, 1) != 0)
            return;
        _outputSignal.Set();
    }

    private async Task WriteLoopAsync()
    {
        var output = _context.Transport.Output;
        while (true)
        {
            await _outputSignal.WaitAsync().ConfigureAwait(false);
            Volatile.Write(ref _signalled, 0);
            ArrayBufferWriter<byte> batch;
            lock (_sync)
            {
                if (!_closeSent)
                    EncodeAcceptedRun();
                batch = _pending;
                _pending = _spare;
                _spare = batch;
                if (_waitingForRoom)
                {
                    _waitingForRoom = false;
                    _outputRoom.Release();
                }
            }
            if (batch.WrittenCount > 0)
            {
                output.Write(batch.WrittenSpan);
                // Only this loop swaps the buffers, so the one it just wrote is still the spare.
                var emptied = Emptied(batch, ref _smallPasses);
                if (!ReferenceEquals(emptied, batch))
                {
                    lock (_sync)
                        _spare = emptied;
                }
                Volatile.Write(ref _lastSentTicks, _time.GetTimestamp());
                var flush = await output.FlushAsync().ConfigureAwait(false);
                if (flush.IsCompleted || flush.IsCanceled)
                    return;
                ResumeDeliveriesIfPaused();
            }
            if (_closing.IsCancellationRequested)
            {
                lock (_sync)
                {
                    if (_pending.WrittenCount == 0 && !_hasAcceptedRun)
                        return;
                }
            }
        }
    }

    /// <summary>
    /// The buffer of a finished pass, emptied for its next use; a fresh small one instead when it grew past
    /// <see cref="MaxRetainedOutputBuffer"/> and the last <see cref="SmallPassesBeforeTrim"/> passes (this one included,
    /// counted in <paramref name="smallPasses"/>) each wrote no more than a small buffer holds.
    /// </summary>
    internal static ArrayBufferWriter<byte> Emptied(ArrayBufferWriter<byte> buffer, ref int smallPasses)
    {
        smallPasses = buffer.WrittenCount > OutputBufferSize ? 0 : smallPasses + 1;
        if (buffer.Capacity > MaxRetainedOutputBuffer && smallPasses >= SmallPassesBeforeTrim)
            return new ArrayBufferWriter<byte>(OutputBufferSize);
        buffer.ResetWrittenCount();
        return buffer;
    }

    private void ResumeDeliveriesIfPaused()
    {
        AmqpSession[] sessions;
        lock (_sync)
        {
            if (!_deliveriesPaused || _pending.WrittenCount >= OutputHighWaterMark)
                return;
            _deliveriesPaused = false;
            sessions = [.. _sessions.Values];
        }
        foreach (var session in sessions)
            session.ResumeDeliveries();
    }

    /// <summary>Backpressure: the read loop waits while the output not yet taken by the writer is above the mark.</summary>
    private async Task WaitForOutputRoomAsync()
    {
        while (true)
        {
            lock (_sync)
            {
                if (_pending.WrittenCount < OutputHighWaterMark || _closing.IsCancellationRequested)
                    return;
                _waitingForRoom = true;
            }
            await _outputRoom.WaitAsync(_closing.Token).ConfigureAwait(false);
        }
    }

    private async Task FlushAndWaitAsync()
    {
        SignalOutput();
        await Task.Yield();
    }

    private void OnHeartbeatTimer()
    {
        if (_phase != Phase.Running)
            return;
        var now = _time.GetTimestamp();
        // Our own idle time-out: the peer must send something (at least a heartbeat) within it (§2.4.5). Like other
        // brokers, Ferry closes only after twice that, so a peer whose heartbeat was delayed by a busy machine survives.
        if (_time.GetElapsedTime(Volatile.Read(ref _lastReceivedTicks), now) > 2 * _options.IdleTimeout)
        {
            CloseWithError(AmqpErrorCode.ResourceLimitExceeded,
                $"The connection was idle for more than twice the idle time-out of {_options.IdleTimeout.TotalSeconds:0} seconds that Ferry announced.");
            return;
        }
        if (_sendHeartbeats && _time.GetElapsedTime(Volatile.Read(ref _lastSentTicks), now) >= _heartbeatInterval)
        {
            lock (_sync)
            {
                if (!_closeSent)
                {
                    EncodeAcceptedRun();
                    FrameWriter.WriteEmptyFrame(_pending);
                }
            }
            SignalOutput();
        }
    }
}
