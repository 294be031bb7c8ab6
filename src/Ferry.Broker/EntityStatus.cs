namespace Ferry.Broker;

/// <summary>An entity's status, as in Service Bus.</summary>
public enum EntityStatus
{
    Active = 0,
    Disabled = 1,
    SendDisabled = 2,
    ReceiveDisabled = 3,
}
