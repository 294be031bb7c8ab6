namespace Ferry.Storage.Tests;

/// <summary>The embedded SQLite engine, durable mode, on a real directory.</summary>
public sealed class SqliteMessageStoreComplianceTests : MessageStoreCompliance
{
    protected override ValueTask<IMessageStore> CreateStoreAsync(string directory) =>
        ValueTask.FromResult<IMessageStore>(SqliteMessageStore.Open(directory));

    protected override void PauseWriter(IMessageStore store) => ((SqliteMessageStore)store).PauseWriter();

    protected override void ResumeWriter(IMessageStore store) => ((SqliteMessageStore)store).ResumeWriter();
}
