namespace Ferry.Storage;

/// <summary>An entity (queue, topic or subscription) as persisted.</summary>
/// <param name="Path">The entity path, lower-cased by the broker: <c>orders</c>, <c>events/subscriptions/audit</c>.</param>
/// <param name="Kind">What the entity is.</param>
/// <param name="Settings">The broker's serialized settings (JSON); opaque to the store.</param>
/// <param name="CreatedAt">When the entity was created.</param>
/// <param name="UpdatedAt">When its settings last changed.</param>
public sealed record StoredEntity(string Path, EntityKind Kind, string Settings, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);
