namespace Ferry.Storage;

/// <summary>The kind of a stored entity.</summary>
public enum EntityKind
{
    Queue = 0,
    Topic = 1,
    Subscription = 2,
}
