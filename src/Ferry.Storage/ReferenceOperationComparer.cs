using System.Runtime.CompilerServices;

namespace Ferry.Storage;

/// <summary>
/// Compares write operations by the message object they carry (identity), so one specific update in a group can be
/// marked, not every equal-looking one.
/// </summary>
internal sealed class ReferenceOperationComparer : IEqualityComparer<WriteOperation>
{
    public static ReferenceOperationComparer Instance { get; } = new();

    public bool Equals(WriteOperation x, WriteOperation y) => x.Kind == y.Kind && ReferenceEquals(x.Message, y.Message);

    public int GetHashCode(WriteOperation obj) => RuntimeHelpers.GetHashCode(obj.Message);
}
