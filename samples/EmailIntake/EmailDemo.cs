using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Ferry.Jobs;

namespace EmailIntake;

/// <summary>What the demo saw; the sample's test asserts on it.</summary>
public sealed record EmailDemoResult(
    int Submitted,
    IReadOnlyDictionary<string, int> Scorings,
    IReadOnlyList<(int Count, long Tokens)> Batches,
    int DeadLettered,
    int Replayed,
    JsonElement BatchStatus,
    TimeSpan Elapsed)
{
    /// <summary>Every email scored exactly once, no batch over the budget, and the dead-lettered emails replayed and scored.</summary>
    public bool Succeeded =>
        Scorings.Count == Submitted && Scorings.Values.All(n => n == 1)
        && Batches.All(b => b.Tokens <= TokenBudget.InputTokens)
        && DeadLettered > 0 && Replayed == DeadLettered;
}

/// <summary>
/// The scenario, over HTTP: 2,000 emails in two submissions of 1,000 (20 of them from a sender the model rejects while
/// an "outage" lasts), scored in token-budgeted batches; the rejected ones are retried and dead-lettered; the outage
/// ends, the dead letters are replayed, and every email has been scored exactly once.
/// </summary>
public static class EmailDemo
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    public static async Task<EmailDemoResult> RunAsync(TextWriter output, int count = 2000)
    {
        var clock = Stopwatch.StartNew();
        var flaky = count / 100;
        var deadLettered = 0;
        var allDeadLettered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await EmailIntakeApp.StartAsync("http://127.0.0.1:0", outcome =>
        {
            if (outcome.Kind == JobOutcomeKind.DeadLettered && Interlocked.Increment(ref deadLettered) == flaky)
                allDeadLettered.TrySetResult();
        });
        using var http = new HttpClient { BaseAddress = new Uri(app.Url) };
        output.WriteLine($"Ferry embedded; API on {app.Url}; budget {TokenBudget.InputTokens:N0} tokens a batch " +
            $"({TokenBudget.ContextTokens:N0} context - {TokenBudget.ReservedTokens:N0} reserved)");

        app.Outage.Active = true;
        var emails = Enumerable.Range(0, count).Select(i => MakeEmail(i, flaky: i % 100 == 7)).ToArray();
        output.WriteLine($"{count:N0} emails, {emails.Average(e => TokenBudget.Estimate(new Email(e.EmailId, e.From, e.Subject, e.Body))):F0} " +
            $"estimated tokens each on average; {flaky} from {app.Outage.Sender}, which the model rejects for now");
        var batchIds = new List<string>();
        foreach (var chunk in emails.Chunk(1000))   // the API takes any size; 1,000 a request keeps requests small
        {
            using var response = await http.PostAsJsonAsync("/batch/submit", chunk);
            response.EnsureSuccessStatusCode();
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            batchIds.Add(body.GetProperty("batch_id").GetString()!);
            output.WriteLine($"POST /batch/submit ({chunk.Length} emails) -> {(int)response.StatusCode} {body}");
        }
        var submitted = clock.Elapsed;

        await allDeadLettered.Task.WaitAsync(Deadline);
        await WaitAsync(() => app.Book.Scored == count - flaky);
        var firstPass = clock.Elapsed;
        output.WriteLine($"{app.Book.Scored:N0} scored and {deadLettered} dead-lettered after 2 attempts, {firstPass.TotalSeconds:F1} s in");
        var status = await http.GetFromJsonAsync<JsonElement>($"/batch/status/{batchIds[0]}");
        output.WriteLine($"GET /batch/status/{batchIds[0]} -> {status}");
        var queues = await PollAsync(http, "/batch/queue/status", q => DeadLetters(q) == flaky);
        output.WriteLine($"GET /batch/queue/status -> {queues}");

        // The outage is over: move the dead letters back to the queue (seed 003's dead-letter processing).
        app.Outage.Active = false;
        using var replay = await http.PostAsync($"/batch/queues/{EmailIntakeApp.Queue}/dead-letters/replay?max=100", null);
        var replayed = (await replay.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("replayed").GetInt32();
        output.WriteLine($"POST /batch/queues/{EmailIntakeApp.Queue}/dead-letters/replay?max=100 -> {(int)replay.StatusCode}, {replayed} replayed");
        await WaitAsync(() => app.Book.Scored == count);
        status = await http.GetFromJsonAsync<JsonElement>($"/batch/status/{batchIds[0]}");
        output.WriteLine($"GET /batch/status/{batchIds[0]} -> {status}");

        var batches = app.Book.Batches;
        output.WriteLine($"{batches.Count} model batches: sizes {string.Join(", ", batches.Select(b => b.Count))}; " +
            $"largest {batches.Max(b => b.Tokens):N0} tokens (budget {TokenBudget.InputTokens:N0})");
        var result = new EmailDemoResult(count, app.Book.Scorings.ToDictionary(), batches, deadLettered, replayed, status, clock.Elapsed);
        output.WriteLine($"{(result.Succeeded ? "OK" : "UNEXPECTED")}: {result.Scorings.Count:N0} emails scored, each once; submitted in " +
            $"{submitted.TotalSeconds:F1} s, first pass done at {firstPass.TotalSeconds:F1} s " +
            $"({(count - flaky) / firstPass.TotalSeconds:F0} emails/s end to end), all done at {clock.Elapsed.TotalSeconds:F1} s");
        return result;
    }

    /// <summary>A deterministic email: bodies of 1,000 to 3,000 characters (about 270 to 770 tokens, 500 on average).</summary>
    public static EmailSubmission MakeEmail(int i, bool flaky)
    {
        var topics = new[] { "Invoice 4471 overdue", "Meeting on Thursday", "URGENT: contract renewal", "Newsletter", "Question about my order" };
        var length = 1000 + i * 7919 % 2001;
        var line = $"Message {i} line. ";
        var body = string.Concat(Enumerable.Repeat(line, length / line.Length + 1))[..length];
        return new EmailSubmission($"email-{i}", flaky ? $"sender{i}@flaky.example" : $"sender{i}@example.com", topics[i % topics.Length], body);
    }

    private static long DeadLetters(JsonElement queues) =>
        queues.GetProperty("queues").GetProperty(EmailIntakeApp.Queue).GetProperty("dead_letter_messages").GetInt64();

    /// <summary>Waits for a condition the worker makes true, checking every 20 ms until the deadline.</summary>
    private static async Task WaitAsync(Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > Deadline)
                throw new TimeoutException("the emails were not all scored in time");
            await Task.Delay(20);
        }
    }

    private static async Task<JsonElement> PollAsync(HttpClient http, string path, Func<JsonElement, bool> done)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var answer = await http.GetFromJsonAsync<JsonElement>(path);
            if (done(answer) || deadline.Elapsed > Deadline)
                return answer;
            await Task.Delay(50);
        }
    }
}
