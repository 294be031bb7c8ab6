using Ferry.Amqp;
using Microsoft.Extensions.Logging;

namespace Ferry.Server.Amqp;

/// <summary>The client's sender on <c>$cbs</c> or <c>…/$management</c>: each message is a request, answered on the reply link.</summary>
internal sealed class NodeRequestLink : IncomingLink
{
    private static readonly Accepted AcceptedOutcome = new();
    private readonly NodeKind _kind;
    private readonly string _entityPath;

    public NodeRequestLink(AmqpSession session, Attach attach, NodeKind kind, string entityPath) : base(session, attach, creditWindow: 100)
    {
        _kind = kind;
        _entityPath = entityPath;
    }

    // Requests carry messages (schedule-message) of up to the largest message size.
    protected override long MessageSizeLimit => 101L * 1024 * 1024;

    protected override void OnMessage(uint deliveryId, bool settled, uint messageFormat, ReadOnlyMemory<byte> message, DeliveryState? state)
    {
        // A request sent within a transaction (the SDKs' settlement by lock token) carries transactional-state (§4.4.1):
        // the transfer is answered in kind, and the operation is enlisted (or refused in the response).
        if (state is TransactionalState txn)
        {
            Settle(deliveryId, settled, new TransactionalState { TxnId = txn.TxnId, Outcome = AcceptedOutcome });
            _ = HandleAsync(message, txn.TxnId);
            return;
        }
        Settle(deliveryId, settled, AcceptedOutcome);
        _ = HandleAsync(message, null);
    }

    private async Task HandleAsync(ReadOnlyMemory<byte> message, byte[]? txnId)
    {
        ManagementRequest request;
        try
        {
            request = ManagementRequest.Decode(message.Span);
        }
        catch (AmqpDecodeException ex)
        {
            Connection.Logger.LogDebug(ex, "An undecodable request arrived on {Node}.", _kind);
            return;
        }
        byte[] response;
        try
        {
            response = _kind == NodeKind.Cbs
                ? CbsNode.Handle(Connection, request)
                : await ManagementNode.HandleAsync(Connection, _entityPath, request, txnId).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Connection.Logger.LogError(ex, "A {Node} request failed inside Ferry.", _kind);
            response = request.ErrorResponse(_kind == NodeKind.Cbs, 500, ServiceBusErrors.InternalError, $"The request failed inside Ferry: {ex.Message}");
        }
        var replyLink = request.ReplyTo is null ? null : Connection.FindReplyLink(request.ReplyTo);
        if (replyLink is null)
        {
            Connection.Logger.LogDebug("No reply link '{ReplyTo}' on connection {ConnectionId}; the response is dropped.", request.ReplyTo, Connection.ConnectionId);
            return;
        }
        replyLink.Send(response);
    }
}
