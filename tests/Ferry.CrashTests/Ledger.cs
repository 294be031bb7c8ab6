using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Ferry.CrashTests;

/// <summary>
/// What the clients saw, per message id, and the checks run over it at the end.
/// </summary>
/// <remarks>
/// <para>A send counts as <b>acknowledged</b> only when the broker's accepted disposition arrived. A completion counts as
/// <b>confirmed</b> only when the broker answered the $management update-disposition request with 200, which Ferry does
/// after the removal is durable. A completion by link disposition (AMQPNetLite's <c>Accept</c> always settles on the
/// client side, so no broker reply exists) is only <b>requested</b>: such a message may be gone or may come back after a
/// kill, and the test cannot tell a durable completion from a lost message for it. Every other acknowledged message is
/// fully accounted for.</para>
/// <para>Incarnation = how many times the host had been started before (0 for the first run): it separates what happened
/// before a kill from what happened after it.</para>
/// </remarks>
internal sealed class Ledger
{
    private readonly ConcurrentDictionary<string, Record> _records = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _violations = new();
    private readonly ConcurrentDictionary<int, long> _lastAckedSendStart = new();
    private long _clock;
    private int _unraisedBeforeDurable;

    public sealed class Record
    {
        public required int Link { get; init; }
        public required long N { get; init; }
        public required int SentIn { get; init; }
        public bool Acked { get; set; }
        public List<(long Seq, uint DeliveryCount, int Incarnation, long At)> Deliveries { get; } = [];
        public long SendStart { get; set; }
        public int? LinkAcceptedIn { get; set; }
        public bool CompletionRequested { get; set; }
        public bool Confirmed { get; set; }
        public List<(long Seq, uint DeliveryCount)> Remaining { get; } = [];
    }

    public IEnumerable<string> Violations => _violations;

    public void Violation(string text) => _violations.Enqueue(text);

    /// <summary>A logical clock over client events: it orders a delivery before a send the client started later.</summary>
    private long Tick() => Interlocked.Increment(ref _clock);

    public void Sending(string id, int link, long n, int incarnation) =>
        _records[id] = new Record { Link = link, N = n, SentIn = incarnation, SendStart = Tick() };

    public void Acked(string id)
    {
        var record = _records[id];
        lock (record)
            record.Acked = true;
        _lastAckedSendStart.AddOrUpdate(record.SentIn, record.SendStart, (_, old) => Math.Max(old, record.SendStart));
    }

    /// <summary>A delivery to the load receiver; flags a message that comes back after a confirmed (or same-run) completion.</summary>
    public void Delivered(string id, long seq, uint deliveryCount, int incarnation, bool bodyMatches)
    {
        if (!_records.TryGetValue(id, out var record))
        {
            Violation($"{id}: delivered (seq {seq}) but never sent by this test");
            return;
        }
        if (!bodyMatches)
            Violation($"{id}: delivered with a body that is not its id");
        lock (record)
        {
            if (record.Confirmed)
                Violation($"{id}: RESURRECTED — delivered again (seq {seq}, delivery-count {deliveryCount}, incarnation {incarnation}) after its completion was confirmed");
            else if (record.LinkAcceptedIn == incarnation)
                Violation($"{id}: delivered again in incarnation {incarnation} although it was accepted on the link in that same run (no crash in between)");
            record.Deliveries.Add((seq, deliveryCount, incarnation, Tick()));
        }
    }

    public void LinkAccepted(string id, int incarnation)
    {
        var record = _records[id];
        lock (record)
        {
            record.LinkAcceptedIn = incarnation;
            record.CompletionRequested = true;
        }
    }

    public void CompletionRequested(string id)
    {
        var record = _records[id];
        lock (record)
            record.CompletionRequested = true;
    }

    public void Confirmed(string id)
    {
        var record = _records[id];
        lock (record)
            record.Confirmed = true;
    }

    /// <summary>A message found in the queue after the load stopped and the host restarted (peeked, not locked).</summary>
    public void Remains(string id, long seq, uint deliveryCount)
    {
        if (!_records.TryGetValue(id, out var record))
        {
            Violation($"{id}: in the queue at the end (seq {seq}) but never sent by this test");
            return;
        }
        lock (record)
            record.Remaining.Add((seq, deliveryCount));
    }

    public sealed record Summary(int Sent, int Acked, int Confirmed, int LinkAccepted, int Remaining, int RemainingUnacked, int Redelivered,
        int RedeliveredAfterLock, int UnaccountedLinkAccepted, int UnraisedBeforeDurable);

    /// <summary>Runs the end-of-test checks; violations go to <see cref="Violations"/>.</summary>
    public Summary Verify()
    {
        int acked = 0, confirmed = 0, linkAccepted = 0, remaining = 0, remainingUnacked = 0, redelivered = 0, redeliveredAfterLock = 0, unaccounted = 0;
        var idBySeq = new Dictionary<long, string>();
        var byLink = new SortedDictionary<int, List<(long N, long Seq)>>();
        var maxSeqByIncarnation = new SortedDictionary<int, long>();
        var minSeqByIncarnation = new SortedDictionary<int, long>();
        foreach (var (id, r) in _records)
        {
            if (r.Acked)
                acked++;
            if (r.Confirmed)
                confirmed++;
            if (r.LinkAcceptedIn is not null)
                linkAccepted++;
            remaining += r.Remaining.Count;
            if (r.Remaining.Count > 0 && !r.Acked)
                remainingUnacked++;
            var observations = r.Deliveries.Count + r.Remaining.Count;
            if (observations > 1)
                redelivered++;

            // None lost: an acknowledged message nobody asked to complete is in the queue exactly once; a confirmed one is not.
            if (r.Remaining.Count > 1)
                Violation($"{id}: in the queue {r.Remaining.Count} times at the end (seqs {string.Join(", ", r.Remaining.Select(x => x.Seq))})");
            if (r.Confirmed && r.Remaining.Count > 0)
                Violation($"{id}: RESURRECTED — its completion was confirmed, yet it is in the queue at the end (seq {r.Remaining[0].Seq})");
            if (r.Acked && !r.CompletionRequested && r.Remaining.Count == 0)
                Violation($"{id}: LOST — acknowledged (sent in incarnation {r.SentIn}), never completed, and not in the queue at the end");
            if (r.CompletionRequested && !r.Confirmed && r.Remaining.Count == 0)
                unaccounted++;

            // One sequence number per message, never shared.
            var seqs = r.Deliveries.Select(d => d.Seq).Concat(r.Remaining.Select(x => x.Seq)).Distinct().ToList();
            if (seqs.Count > 1)
                Violation($"{id}: seen with several sequence numbers: {string.Join(", ", seqs)}");
            if (seqs.Count == 0)
                continue;
            var seq = seqs[0];
            if (idBySeq.TryGetValue(seq, out var other))
                Violation($"sequence number {seq} REUSED: {other} and {id}");
            idBySeq[seq] = id;
            if (!byLink.TryGetValue(r.Link, out var list))
                byLink[r.Link] = list = [];
            list.Add((r.N, seq));
            maxSeqByIncarnation[r.SentIn] = Math.Max(maxSeqByIncarnation.GetValueOrDefault(r.SentIn, long.MinValue), seq);
            minSeqByIncarnation[r.SentIn] = Math.Min(minSeqByIncarnation.GetValueOrDefault(r.SentIn, long.MaxValue), seq);

            // Each delivery attempt raises the count: a message locked at a kill comes back with a higher one.
            // The broker writes the raised count when it locks a message but does not wait for that write before the transfer
            // (QueueEntity.Lock). The store applies commits in call order, so the raise is known durable only once a send the
            // client started after receiving the message was acknowledged in the same run; before that a kill may undo it.
            var counts = r.Deliveries.Select(d => (d.DeliveryCount, d.Incarnation, What: "delivery",
                    RaiseDurable: _lastAckedSendStart.GetValueOrDefault(d.Incarnation) > d.At))
                .Concat(r.Remaining.Select(x => (x.DeliveryCount, Incarnation: int.MaxValue, What: "final peek", RaiseDurable: false))).ToList();
            for (var i = 1; i < counts.Count; i++)
            {
                if (counts[i].DeliveryCount <= counts[i - 1].DeliveryCount && !counts[i - 1].RaiseDurable)
                {
                    _unraisedBeforeDurable++;
                }
                else if (counts[i].DeliveryCount <= counts[i - 1].DeliveryCount)
                {
                    Violation($"{id}: came back ({counts[i].What}, incarnation {Show(counts[i].Incarnation)}) with delivery-count {counts[i].DeliveryCount}, " +
                        $"not above the {counts[i - 1].DeliveryCount} of its earlier delivery (incarnation {Show(counts[i - 1].Incarnation)})");
                }
                else if (counts[i - 1].What == "delivery")
                {
                    redeliveredAfterLock++;
                }
            }
        }

        // Per link, in the order sent: strictly increasing.
        foreach (var (link, list) in byLink)
        {
            list.Sort((a, b) => a.N.CompareTo(b.N));
            for (var i = 1; i < list.Count; i++)
            {
                if (list[i].Seq <= list[i - 1].Seq)
                    Violation($"link {link}: message {list[i].N} got seq {list[i].Seq}, not above message {list[i - 1].N}'s {list[i - 1].Seq}");
            }
        }

        // Across restarts: what was sent to a later incarnation numbers above everything stored by the earlier ones.
        long maxBefore = long.MinValue;
        foreach (var (incarnation, min) in minSeqByIncarnation)
        {
            if (min <= maxBefore)
                Violation($"incarnation {incarnation}: seq {min} assigned although an earlier run had already assigned {maxBefore}");
            maxBefore = Math.Max(maxBefore, maxSeqByIncarnation[incarnation]);
        }

        return new Summary(_records.Count, acked, confirmed, linkAccepted, remaining, remainingUnacked, redelivered, redeliveredAfterLock, unaccounted,
            _unraisedBeforeDurable);

        static string Show(int incarnation) => incarnation == int.MaxValue ? "final" : incarnation.ToString(CultureInfo.InvariantCulture);
    }

    public string ViolationReport(int max = 40)
    {
        var text = new StringBuilder();
        var all = _violations.ToArray();
        foreach (var v in all.Take(max))
            text.AppendLine(v);
        if (all.Length > max)
            text.AppendLine(CultureInfo.InvariantCulture, $"… and {all.Length - max} more");
        return text.ToString();
    }
}
