using Amqp;

namespace Ferry.Jobs;

/// <summary>A peek-lock receiver holding one session's lock; close its <see cref="Link"/>'s session to release the session.</summary>
public sealed record SessionReceiver(ReceiverLink Link, string SessionId, DateTimeOffset? LockedUntil);
