using Ferry.Amqp;

namespace Ferry.Server.Amqp;

/// <summary>A link attached on a session. The client's role names the direction: a client sender is our incoming link.</summary>
internal abstract class AmqpLink
{
    protected AmqpLink(AmqpSession session, Attach attach)
    {
        Session = session;
        Name = attach.Name;
        Handle = attach.Handle;
    }

    public AmqpSession Session { get; }

    public string Name { get; }

    /// <summary>The handle; we use the client's handle number for our end too.</summary>
    public uint Handle { get; }

    public AmqpConnection Connection => Session.Connection;

    /// <summary>What the link is for, as <c>/metrics</c> counts open links.</summary>
    public virtual LinkKind Kind => LinkKind.Control;

    /// <summary>Called once the attach reply was written: grant credit, register the link.</summary>
    public virtual void OnAttached()
    {
    }

    /// <summary>The client sent flow for this link.</summary>
    public abstract void OnFlow(Flow flow);

    /// <summary>The link is going away (detach, end, close, socket drop). Release what it holds; idempotent.</summary>
    public abstract void Close();

    /// <summary>Detaches the link from our side with an error (§2.6.5), e.g. entity deleted or a link-level violation.</summary>
    public void DetachWithError(AmqpSymbol condition, string description)
    {
        Session.DetachFromServer(this, new AmqpError(condition, description));
    }
}
