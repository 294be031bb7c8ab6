namespace Ferry.Storage;

/// <summary>A message id remembered for duplicate detection until <paramref name="ExpiresAt"/>.</summary>
public sealed record StoredDuplicate(string Entity, string MessageId, DateTimeOffset ExpiresAt);
