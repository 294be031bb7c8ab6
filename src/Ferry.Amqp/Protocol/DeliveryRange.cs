namespace Ferry.Amqp;

/// <summary>
/// The delivery-ids a disposition covers, <see cref="First"/> through <see cref="Last"/> inclusive (AMQP 1.0 §2.7.6),
/// with serial-number wrap-around. A peer can name up to 2^32 ids in one frame: test membership with
/// <see cref="Contains"/> against the deliveries you track rather than enumerating a range you did not create.
/// </summary>
public readonly record struct DeliveryRange(uint First, uint Last)
{
    /// <summary>The range of a disposition; an absent last means first (§2.7.6).</summary>
    public static DeliveryRange From(Disposition disposition)
    {
        ArgumentNullException.ThrowIfNull(disposition);
        return new DeliveryRange(disposition.First, disposition.Last ?? disposition.First);
    }

    /// <summary>Number of ids covered (1 to 2^32).</summary>
    public ulong Count => (ulong)SerialNumber.Distance(First, Last) + 1;

    public bool Contains(uint deliveryId) => SerialNumber.Distance(First, deliveryId) <= SerialNumber.Distance(First, Last);

    /// <summary>Fills a disposition's first and last (last omitted when the range is a single id).</summary>
    public void WriteTo(Disposition disposition)
    {
        ArgumentNullException.ThrowIfNull(disposition);
        disposition.First = First;
        disposition.Last = First == Last ? null : Last;
    }

    /// <summary>
    /// Groups delivery-ids, sorted in serial order, into maximal consecutive ranges, so a batch of settlements with
    /// one outcome goes out as few dispositions. Returns how many ranges were written to <paramref name="ranges"/>,
    /// which must have room for <paramref name="sortedIds"/>.Length.
    /// </summary>
    public static int Coalesce(ReadOnlySpan<uint> sortedIds, Span<DeliveryRange> ranges)
    {
        if (ranges.Length < sortedIds.Length)
        {
            throw new ArgumentException("The output must have room for one range per id.", nameof(ranges));
        }

        int count = 0;
        int i = 0;
        while (i < sortedIds.Length)
        {
            uint first = sortedIds[i];
            uint last = first;
            i++;
            while (i < sortedIds.Length && sortedIds[i] == unchecked(last + 1))
            {
                last = sortedIds[i];
                i++;
            }

            ranges[count++] = new DeliveryRange(first, last);
        }

        return count;
    }
}
