namespace Ferry.Broker;

/// <summary>A pending accept-next-session, completed when a session with messages becomes free, or at its deadline.</summary>
internal sealed class SessionAcceptor
{
    public required Receiver Receiver { get; init; }

    public required DateTimeOffset Created { get; init; }

    public required DateTimeOffset Deadline { get; init; }

    public TaskCompletionSource<Receiver> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
