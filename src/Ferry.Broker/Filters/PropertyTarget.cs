namespace Ferry.Broker.Filters;

/// <summary>A property an expression names: a system property, or an application property by name.</summary>
internal readonly record struct PropertyTarget(int Position, bool IsSystem, SystemProperty System, string Name)
{
    public string Display => IsSystem ? $"sys.{SystemProperties.GetName(System)}" : Name;
}
