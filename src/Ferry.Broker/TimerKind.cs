namespace Ferry.Broker;

/// <summary>What a due time in an entity's timer heap means.</summary>
internal enum TimerKind
{
    /// <summary>A scheduled message becomes active.</summary>
    Activate,

    /// <summary>A lock may have expired (checked against the entry's current lock).</summary>
    LockExpiry,

    /// <summary>A message's time-to-live may have run out.</summary>
    Expire,

    /// <summary>A message abandoned with a retry delay becomes visible.</summary>
    Visible,

    /// <summary>A session lock may have expired (checked against the session's current lock).</summary>
    SessionLockExpiry,

    /// <summary>An accept-next-session reaches its time-out.</summary>
    AcceptorDeadline,
}
