using BenchmarkDotNet.Attributes;
using Ferry.Storage;

namespace Ferry.Benchmarks;

/// <summary>
/// A store commit of a batch of appends (sends) followed by a commit of the matching deletes (completions), per
/// message pair. SQLite is durable here: each commit waits for the group commit's fsync, so its figure is bound by the disk.
/// </summary>
[MemoryDiagnoser]
public class StoreBenchmarks
{
    private IMessageStore _store = null!;
    private string? _directory;
    private long _sequence;
    private readonly byte[] _body = TypicalMessage.Encode();

    [Params("memory", "sqlite")]
    public string Store { get; set; } = "memory";

    [Params(1, 100)]
    public int Batch { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        if (Store == "sqlite")
        {
            _directory = Directory.CreateTempSubdirectory("ferry-bdn-").FullName;
            _store = SqliteMessageStore.Open(_directory);
        }
        else
        {
            _store = new InMemoryMessageStore();
        }
        await _store.RecoverAsync();
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _store.DisposeAsync();
        if (_directory is not null)
            Directory.Delete(_directory, recursive: true);
    }

    /// <summary>One batch of <see cref="Batch"/> inserts, then one batch deleting them. Reported per batch (divide by Batch).</summary>
    [Benchmark]
    public async Task AppendThenSettle()
    {
        var first = _sequence + 1;
        var now = DateTimeOffset.UtcNow;
        var append = new WriteBatch(Batch);
        for (var i = 0; i < Batch; i++)
        {
            var sequence = ++_sequence;
            append.InsertMessage(new StoredMessage
            {
                Entity = "bench",
                SequenceNumber = sequence,
                EnqueuedTime = now,
                MessageId = "0123456789abcdef0123456789abcdef",
                Body = _body,
            });
        }
        await _store.CommitAsync(append);
        var settle = new WriteBatch(Batch);
        for (var i = 0; i < Batch; i++)
            settle.DeleteMessage("bench", first + i);
        await _store.CommitAsync(settle);
    }
}
