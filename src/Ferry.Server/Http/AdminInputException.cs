namespace Ferry.Server.Http;

/// <summary>Bad input to the admin API: answered with 400 and a problem body naming <see cref="Property"/>.</summary>
internal sealed class AdminInputException : Exception
{
    public AdminInputException() : this("body", "The request is invalid.") { }

    public AdminInputException(string message) : this("body", message) { }

    public AdminInputException(string message, Exception innerException) : base(message, innerException) => Property = "body";

    public AdminInputException(string property, string message, string? allowed = null) : base(message)
    {
        Property = property;
        Allowed = allowed;
    }

    /// <summary>The request property, query parameter or setting that is wrong.</summary>
    public string Property { get; } = "body";

    /// <summary>What would have been accepted, when that can be said briefly.</summary>
    public string? Allowed { get; }
}
