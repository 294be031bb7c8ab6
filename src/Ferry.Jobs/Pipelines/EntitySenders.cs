using System.Collections.Concurrent;
using Amqp;
using Microsoft.Extensions.Logging;

namespace Ferry.Jobs;

/// <summary>
/// Sender links by entity on the shared connection, for the pipeline's coordinator and tasks. A send is acknowledged
/// (the broker has stored it) when the task completes; a send on a link that closed is tried again on a new one.
/// </summary>
internal sealed class EntitySenders(AmqpServiceBusConnection connection, ILogger<EntitySenders> logger) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<SenderLink>>> _senders = new(StringComparer.OrdinalIgnoreCase);

    public async Task SendAsync(string entity, Message message, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var sender = await GetSenderAsync(entity, cancellationToken).ConfigureAwait(false);
            try
            {
                await sender.SendAsync(message).WaitAsync(connection.OperationTimeout, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (attempt < 3 && sender.IsClosed && !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Sending {MessageId} to {Entity} failed on a closed link; retrying.", message.Properties?.MessageId, entity);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
        foreach (var sender in _senders.Values)
        {
            if (sender.IsValueCreated && sender.Value.IsCompletedSuccessfully)
                await AmqpClose.QuietlyAsync(sender.Value.Result.Session).ConfigureAwait(false);
        }
        _senders.Clear();
    }

    private async Task<SenderLink> GetSenderAsync(string entity, CancellationToken cancellationToken)
    {
        while (true)
        {
            var lazy = _senders.GetOrAdd(entity, e => new Lazy<Task<SenderLink>>(() => connection.CreateSenderAsync(e)));
            try
            {
                var sender = await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
                if (!sender.IsClosed)
                    return sender;
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                _senders.TryRemove(new KeyValuePair<string, Lazy<Task<SenderLink>>>(entity, lazy));
                throw;
            }
            _senders.TryRemove(new KeyValuePair<string, Lazy<Task<SenderLink>>>(entity, lazy));
        }
    }
}
