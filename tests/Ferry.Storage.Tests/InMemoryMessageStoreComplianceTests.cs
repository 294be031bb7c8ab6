namespace Ferry.Storage.Tests;

/// <summary>The in-memory engine; "reopening" hands the same <see cref="InMemoryStoreData"/> to a new store.</summary>
public sealed class InMemoryMessageStoreComplianceTests : MessageStoreCompliance
{
    private readonly Dictionary<string, InMemoryStoreData> _data = [];

    protected override ValueTask<IMessageStore> CreateStoreAsync(string directory)
    {
        if (!_data.TryGetValue(directory, out var data))
            _data[directory] = data = new InMemoryStoreData();
        return ValueTask.FromResult<IMessageStore>(new InMemoryMessageStore(data));
    }
}
