namespace Ferry.Jobs;

/// <summary>
/// Thrown by a handler for an error that retrying cannot fix (bad input, a missing record): the message goes to the
/// dead-letter queue at once. The dead-letter reason is the inner exception's type when there is one, else this type.
/// </summary>
public class PermanentJobException : Exception
{
    public PermanentJobException()
    {
    }

    public PermanentJobException(string message) : base(message)
    {
    }

    public PermanentJobException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
