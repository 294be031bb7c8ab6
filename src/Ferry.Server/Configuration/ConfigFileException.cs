namespace Ferry.Server.Configuration;

/// <summary>A config file is unreadable or holds a bad value. The message names the file, the JSON path, the value and what is allowed.</summary>
public sealed class ConfigFileException : Exception
{
    public ConfigFileException() { }

    public ConfigFileException(string message) : base(message) { }

    public ConfigFileException(string message, Exception innerException) : base(message, innerException) { }

    internal static ConfigFileException At(string file, string path, string problem) => new($"{file}: {path}: {problem}");
}
