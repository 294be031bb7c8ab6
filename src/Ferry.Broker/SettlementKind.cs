namespace Ferry.Broker;

/// <summary>What a settlement does to a locked message.</summary>
public enum SettlementKind
{
    Complete,
    Abandon,
    Defer,
    DeadLetter,
}
