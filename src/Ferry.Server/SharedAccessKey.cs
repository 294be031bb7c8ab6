namespace Ferry.Server;

/// <summary>A shared access key clients sign SAS tokens with (SharedAccessKeyName / SharedAccessKey).</summary>
public sealed record SharedAccessKey(string Name, string Key);
