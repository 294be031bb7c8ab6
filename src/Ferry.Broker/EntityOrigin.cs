namespace Ferry.Broker;

/// <summary>Where an entity's current settings came from.</summary>
public enum EntityOrigin
{
    /// <summary>The config file: re-applied from the file at every start.</summary>
    Config = 0,

    /// <summary>The management API (or the file, then changed through the API): kept over the file at start.</summary>
    Api = 1,
}
