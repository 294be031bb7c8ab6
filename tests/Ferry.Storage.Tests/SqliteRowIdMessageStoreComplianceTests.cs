namespace Ferry.Storage.Tests;

/// <summary>
/// The SQLite engine with the alternative messages layout (rowid table plus index) that the benchmark compares against
/// the default clustered one; kept passing so that comparison measures a correct engine.
/// </summary>
public sealed class SqliteRowIdMessageStoreComplianceTests : MessageStoreCompliance
{
    protected override ValueTask<IMessageStore> CreateStoreAsync(string directory) =>
        ValueTask.FromResult<IMessageStore>(SqliteMessageStore.Open(new SqliteStoreOptions
        {
            DataDirectory = directory,
            MessagesInRowIdTable = true,
            PageSize = 4096,
        }));

    protected override void PauseWriter(IMessageStore store) => ((SqliteMessageStore)store).PauseWriter();

    protected override void ResumeWriter(IMessageStore store) => ((SqliteMessageStore)store).ResumeWriter();
}
