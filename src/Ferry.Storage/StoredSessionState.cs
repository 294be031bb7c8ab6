namespace Ferry.Storage;

/// <summary>A session's state blob.</summary>
public sealed record StoredSessionState(string Entity, string SessionId, byte[] State);
