namespace Ferry.Storage;

/// <summary>A message's state, with the values Service Bus puts in <c>x-opt-message-state</c>.</summary>
public enum MessageState
{
    Active = 0,
    Deferred = 1,
    Scheduled = 2,
}
