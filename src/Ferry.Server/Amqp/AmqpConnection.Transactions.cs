using System.Buffers.Binary;
using Ferry.Broker;

namespace Ferry.Server.Amqp;

internal sealed partial class AmqpConnection
{
    private static long s_lastTransactionId;

    // Its own lock, not SyncRoot: enlisting calls into the broker, and the connection lock must stay a leaf.
    private readonly Lock _transactionsSync = new();
    private readonly Dictionary<ulong, (BrokerTransaction Transaction, CoordinatorLink Owner)> _transactions = [];

    /// <summary>
    /// Declares a transaction owned by <paramref name="owner"/> and returns its txn-id: 8 bytes, unique in the process.
    /// Transactions belong to the connection (AMQP 1.0 §4.2): any session of it may enlist work with the id.
    /// </summary>
    public byte[] DeclareTransaction(CoordinatorLink owner)
    {
        var id = (ulong)Interlocked.Increment(ref s_lastTransactionId);
        lock (_transactionsSync)
            _transactions[id] = (Broker.CreateTransaction(), owner);
        var txnId = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(txnId, id);
        return txnId;
    }

    /// <summary>The declared, not yet discharged transaction with this txn-id.</summary>
    public bool TryGetTransaction(ReadOnlySpan<byte> txnId, out BrokerTransaction transaction)
    {
        transaction = null!;
        if (txnId.Length != 8)
            return false;
        lock (_transactionsSync)
        {
            if (!_transactions.TryGetValue(BinaryPrimitives.ReadUInt64BigEndian(txnId), out var entry))
                return false;
            transaction = entry.Transaction;
            return true;
        }
    }

    /// <summary>Takes the transaction out of the connection (discharge): later work naming it finds an unknown id.</summary>
    public bool TryRemoveTransaction(ReadOnlySpan<byte> txnId, out BrokerTransaction transaction)
    {
        transaction = null!;
        if (txnId.Length != 8)
            return false;
        lock (_transactionsSync)
        {
            if (!_transactions.Remove(BinaryPrimitives.ReadUInt64BigEndian(txnId), out var entry))
                return false;
            transaction = entry.Transaction;
            return true;
        }
    }

    /// <summary>The coordinator link went away (detach, session end, connection loss): its open transactions roll back.</summary>
    public void RollbackTransactionsOf(CoordinatorLink owner)
    {
        List<ulong>? orphans = null;
        lock (_transactionsSync)
        {
            foreach (var (id, entry) in _transactions)
            {
                if (entry.Owner == owner)
                    (orphans ??= []).Add(id);
            }
            if (orphans is null)
                return;
            foreach (var id in orphans)
            {
                _transactions.Remove(id, out var entry);
                entry.Transaction.Rollback();
            }
        }
    }
}
