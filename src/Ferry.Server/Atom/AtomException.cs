namespace Ferry.Server.Atom;

/// <summary>
/// A management request that fails with an HTTP status and a detail, answered as
/// <c>&lt;Error&gt;&lt;Code&gt;status&lt;/Code&gt;&lt;Detail&gt;detail&lt;/Detail&gt;&lt;/Error&gt;</c>, which the administration
/// clients turn into their named errors (404 MessageEntityNotFoundError, 409 MessageEntityAlreadyExistsError, …).
/// </summary>
internal sealed class AtomException : Exception
{
    public AtomException() : this(400, "The request is invalid.") { }

    public AtomException(string message) : this(400, message) { }

    public AtomException(string message, Exception innerException) : base(message, innerException) => Status = 400;

    public AtomException(int status, string detail) : base(detail) => Status = status;

    public AtomException(int status, string detail, Exception innerException) : base(detail, innerException) => Status = status;

    public int Status { get; }

    public static AtomException BadRequest(string detail) => new(400, detail);

    public static AtomException NotFound(string detail) => new(404, detail);
}
