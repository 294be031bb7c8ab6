using System.Collections.Concurrent;
using Ferry.Jobs;

namespace EmailIntake;

/// <summary>
/// Scores a batch of emails in one "model call". The local scorer stands in for the model and is deterministic:
/// keywords raise the priority. While <see cref="ModelOutage.Active"/>, emails from <see cref="ModelOutage.Sender"/>
/// fail (say the model rejects them); they are retried and then dead-lettered, and replaying them later works.
/// </summary>
public sealed class EmailScorer(ScoreBook book, ModelOutage outage) : IBatchJobHandler<Email>
{
    public Task HandleAsync(JobBatch<Email> batch, CancellationToken cancellationToken)
    {
        // One prompt for the whole batch: this is where the model would be called with batch.Tokens of input.
        book.RecordBatch(batch.Count, batch.Tokens);
        foreach (var item in batch.Items)
        {
            if (outage.Active && item.Payload.From.EndsWith(outage.Sender, StringComparison.OrdinalIgnoreCase))
            {
                item.Fail(new InvalidOperationException($"the model rejected {item.Payload.EmailId}"));   // retried, then dead-lettered
                continue;
            }
            book.RecordScore(item.Payload, Score(item.Payload));   // an item not marked failed is completed
        }
        return Task.CompletedTask;
    }

    /// <summary>0 to 100: a base from the length, plus keyword weights.</summary>
    public static int Score(Email email)
    {
        var text = $"{email.Subject} {email.Body}";
        var score = Math.Min(40, email.Body.Length / 100);
        foreach (var (word, weight) in new[] { ("urgent", 30), ("invoice", 20), ("contract", 20), ("meeting", 10) })
            if (text.Contains(word, StringComparison.OrdinalIgnoreCase))
                score += weight;
        return Math.Min(100, score);
    }
}

/// <summary>The switch the demo uses to make the model fail for one sender. Thread-safe.</summary>
public sealed class ModelOutage
{
    public string Sender { get; init; } = "@flaky.example";

    public volatile bool Active;
}

/// <summary>What was scored, by email and by submission batch, and the size of every model batch. Thread-safe.</summary>
public sealed class ScoreBook
{
    private readonly ConcurrentDictionary<string, int> _scorings = new();
    private readonly ConcurrentDictionary<string, int> _scores = new();
    private readonly ConcurrentDictionary<string, int> _submitted = new();
    private readonly ConcurrentDictionary<string, int> _scoredPerBatch = new();
    private readonly ConcurrentQueue<(int Count, long Tokens)> _batches = new();

    public void RecordSubmitted(string batchId, int count) => _submitted.AddOrUpdate(batchId, count, (_, n) => n + count);

    public void RecordBatch(int count, long tokens) => _batches.Enqueue((count, tokens));

    public void RecordScore(Email email, int score)
    {
        _scores[email.EmailId] = score;
        _scorings.AddOrUpdate(email.EmailId, 1, (_, n) => n + 1);
        _scoredPerBatch.AddOrUpdate(email.BatchId, 1, (_, n) => n + 1);
    }

    /// <summary>How many times each email was scored (exactly once each, when all is well).</summary>
    public IReadOnlyDictionary<string, int> Scorings => _scorings;

    public int Scored => _scorings.Count;

    public IReadOnlyList<(int Count, long Tokens)> Batches => [.. _batches];

    public int? Score(string emailId) => _scores.TryGetValue(emailId, out var score) ? score : null;

    /// <summary>Null for an unknown batch id.</summary>
    public object? Status(string batchId) => _submitted.TryGetValue(batchId, out var submitted)
        ? new { batch_id = batchId, submitted, scored = _scoredPerBatch.GetValueOrDefault(batchId), pending = submitted - _scoredPerBatch.GetValueOrDefault(batchId) }
        : null;
}
