using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Ferry.Jobs;

/// <summary>
/// A batch job type (<c>AddBatchJob</c>): its queue, retry policy and how batches are cut — at most
/// <see cref="MaxBatchSize"/> items, at most <see cref="TokenBudget"/> estimated tokens, or what arrived within
/// <see cref="BatchTimeout"/> of the batch's first item, whichever comes first.
/// </summary>
public abstract class BatchJobRegistration : JobRegistration
{
    private protected BatchJobRegistration(Type payloadType, string queue) : base(payloadType, queue)
    {
    }

    /// <summary>Items per batch, at most (default 50, seed 003's batch size).</summary>
    public int MaxBatchSize { get; set; } = 50;

    /// <summary>How long a batch waits, from its first item, for more before it runs partial (default 30 s).</summary>
    public TimeSpan BatchTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The most estimated tokens a batch holds (null: no budget). A single item over the budget runs alone in its own
    /// batch — it is not dead-lettered: the handler sees <c>batch.Tokens &gt; budget</c> and can fail it permanently.
    /// </summary>
    public long? TokenBudget { get; set; }

    internal abstract bool HasEstimator { get; }

    internal abstract long EstimateTokens(object? payload);

    internal abstract BatchItemBox CreateItem(object? payload, JobDelivery delivery, int priority, long tokens);

    internal abstract Task InvokeBatchAsync(IServiceProvider services, IReadOnlyList<BatchItemBox> items, long tokens, CancellationToken cancellationToken);

    internal override Task InvokeAsync(IServiceProvider services, object? payload, JobDelivery delivery, CancellationToken cancellationToken) =>
        throw new NotSupportedException("A batch job type runs through InvokeBatchAsync.");

    internal void ValidateBatch()
    {
        Validate();
        if (MaxBatchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxBatchSize), MaxBatchSize, "MaxBatchSize must be at least 1.");
        if (BatchTimeout < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(BatchTimeout), BatchTimeout, "BatchTimeout must not be negative.");
        if (TokenBudget is < 1)
            throw new ArgumentOutOfRangeException(nameof(TokenBudget), TokenBudget, "TokenBudget must be at least 1.");
        if (TokenBudget is not null && !HasEstimator)
            throw new ArgumentException("A TokenBudget needs a token estimator.", nameof(TokenBudget));
    }

    internal int BatchCredit => Math.Max(MaxBatchSize * Concurrency, Prefetch);
}

internal sealed class BatchJobRegistration<TPayload, THandler>(string queue, Func<TPayload, long>? estimator) : BatchJobRegistration(typeof(TPayload), queue)
    where THandler : class, IBatchJobHandler<TPayload>
{
    internal override bool HasEstimator => estimator is not null;

    internal override object? Deserialize(ReadOnlySpan<byte> body, JsonSerializerOptions options) => JsonSerializer.Deserialize<TPayload>(body, options);

    internal override long EstimateTokens(object? payload) => estimator is null ? 0 : Math.Max(0, estimator((TPayload)payload!));

    internal override BatchItemBox CreateItem(object? payload, JobDelivery delivery, int priority, long tokens) =>
        new Box(new BatchItem<TPayload>(new JobContext<TPayload>((TPayload)payload!, delivery), priority, tokens));

    internal override async Task InvokeBatchAsync(IServiceProvider services, IReadOnlyList<BatchItemBox> items, long tokens,
        CancellationToken cancellationToken)
    {
        var typed = new BatchItem<TPayload>[items.Count];
        for (var i = 0; i < typed.Length; i++)
            typed[i] = ((Box)items[i]).Item;
        var scope = services.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var handler = ActivatorUtilities.GetServiceOrCreateInstance<THandler>(scope.ServiceProvider);
            await handler.HandleAsync(new JobBatch<TPayload>(typed, tokens), cancellationToken).ConfigureAwait(false);
        }
    }

    private sealed class Box(BatchItem<TPayload> item) : BatchItemBox
    {
        public BatchItem<TPayload> Item { get; } = item;

        public override JobDelivery Delivery => Item.Context.Delivery;

        public override int Priority => Item.Priority;

        public override long Tokens => Item.Tokens;

        public override BatchItemStatus Status => Item.Status;

        public override Exception? Error => Item.Error;

        public override void Fail(Exception error) => Item.Fail(error);
    }
}
