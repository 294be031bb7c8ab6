namespace Ferry.LoadTest;

/// <summary>One broker's client side of a scenario: entities, receivers and senders.</summary>
internal interface ILoadDriver
{
    /// <summary>What is being driven, for the report.</summary>
    string Description { get; }

    /// <summary>Creates the scenario's entities, under names unique to this run.</summary>
    Task SetupAsync(RunSettings settings);

    /// <summary>Opens the receivers; each received message goes to <paramref name="stats"/> and is completed (acked).</summary>
    Task StartReceiversAsync(RunSettings settings, Stats stats);

    /// <summary>
    /// Runs the senders until <paramref name="stop"/> or until <paramref name="budget"/> is spent, then waits for the
    /// sends still in flight to be accepted.
    /// </summary>
    Task SendAsync(RunSettings settings, SendBudget budget, Stats stats, CancellationToken stop);

    /// <summary>Closes the receivers and deletes the entities.</summary>
    Task TeardownAsync();
}
