using Amqp;
using Amqp.Framing;
using Amqp.Types;

namespace Ferry.Jobs;

public sealed partial class AmqpServiceBusConnection
{
    private static readonly Symbol SessionFilter = new("com.microsoft:session-filter");
    private static readonly Symbol AttachTimeout = new("com.microsoft:timeout");
    private static readonly Symbol LockedUntilUtc = new("com.microsoft:locked-until-utc");
    private static readonly Symbol TimeoutCondition = new("com.microsoft:timeout");

    /// <summary>
    /// Accepts the next session of a session-enabled queue that has messages and is not locked (reference §4.5: a
    /// peek-lock receiver whose source filter <c>com.microsoft:session-filter</c> is null). The broker holds the attach
    /// up to <paramref name="wait"/>; returns null when no session became free in that time. No credit is issued.
    /// </summary>
    public async Task<SessionReceiver?> AcceptNextSessionAsync(string entityPath, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        var scope = await AuthorizedScopeAsync(entityPath, cancellationToken).ConfigureAwait(false);
        var name = $"{entityPath}-session-{Guid.NewGuid():N}";
        var session = new Session(scope.Connection);
        var accepted = new TaskCompletionSource<(string SessionId, DateTimeOffset? LockedUntil)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var receiver = new ReceiverLink(session, name, new Attach
        {
            Source = new Source { Address = entityPath, FilterSet = new Map { [SessionFilter] = null } },
            Target = new Target { Address = name },
            SndSettleMode = SenderSettleMode.Unsettled,
            RcvSettleMode = ReceiverSettleMode.First,
            Properties = new Fields
            {
                [new Symbol("com.microsoft:receiver-name")] = name,
                [AttachTimeout] = (uint)wait.TotalMilliseconds,
            },
        }, (_, attach) =>
        {
            if (attach.Source is Source { FilterSet: { } filter } && filter.TryGetValue(SessionFilter, out var id) && id is string sessionId)
            {
                DateTimeOffset? lockedUntil = attach.Properties is { } properties && properties.TryGetValue(LockedUntilUtc, out var ticks) && ticks is long t
                    ? new DateTimeOffset(t, TimeSpan.Zero)
                    : null;
                accepted.TrySetResult((sessionId, lockedUntil));
            }
        });
        receiver.Closed += (_, error) => accepted.TrySetException(new AmqpException(error ?? new Error(ErrorCode.DetachForced)
        {
            Description = $"The session receiver on '{entityPath}' closed.",
        }));
        try
        {
            var (sessionId, lockedUntil) = await accepted.Task.WaitAsync(wait + OperationTimeout, cancellationToken).ConfigureAwait(false);
            return new SessionReceiver(receiver, sessionId, lockedUntil);
        }
        // Symbol's == compares references (AMQPNetLite defines no operator), so the condition is compared with Equals.
        catch (AmqpException ex) when (TimeoutCondition.Equals(ex.Error?.Condition))
        {
            await CloseQuietlyAsync(session).ConfigureAwait(false);
            return null;
        }
        catch
        {
            await CloseQuietlyAsync(session).ConfigureAwait(false);
            throw;
        }
    }
}
