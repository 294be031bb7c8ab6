using System.Buffers;
using Ferry.Amqp;

namespace Ferry.Amqp.Tests;

public class ProtocolStateTests
{
    [Fact]
    public void SendingLink_CreditFromFlow_ConsumedByTransfers()
    {
        var link = new SendingLinkCredit(handle: 2, initialDeliveryCount: 0);
        Assert.False(link.HasCredit);
        link.OnFlow(new Flow { Handle = 2, DeliveryCount = 0, LinkCredit = 3 });
        Assert.Equal(3u, link.LinkCredit);
        Assert.True(link.TryConsume());
        Assert.True(link.TryConsume());
        Assert.Equal(2u, link.DeliveryCount);
        Assert.Equal(1u, link.LinkCredit);
        Assert.True(link.TryConsume());
        Assert.False(link.TryConsume());
        Assert.Equal(3u, link.DeliveryCount);
    }

    [Fact]
    public void SendingLink_RestatedFlow_DoesNotDoubleCountInFlightDeliveries()
    {
        // The receiver granted 10 at delivery-count 0; we sent 4 before its next flow, which re-states the same
        // window (delivery-count 0, credit 10): credit left is 10 - 4, not 10.
        var link = new SendingLinkCredit(0);
        link.OnFlow(new Flow { DeliveryCount = 0, LinkCredit = 10 });
        for (int i = 0; i < 4; i++)
        {
            Assert.True(link.TryConsume());
        }

        link.OnFlow(new Flow { DeliveryCount = 0, LinkCredit = 10 });
        Assert.Equal(6u, link.LinkCredit);
        link.OnFlow(new Flow { DeliveryCount = 4, LinkCredit = 10 });
        Assert.Equal(10u, link.LinkCredit);
    }

    [Fact]
    public void SendingLink_StaleFlowBelowDeliveryCount_GivesZeroCredit()
    {
        var link = new SendingLinkCredit(0);
        link.OnFlow(new Flow { DeliveryCount = 0, LinkCredit = 5 });
        for (int i = 0; i < 5; i++)
        {
            link.TryConsume();
        }

        link.OnFlow(new Flow { DeliveryCount = 0, LinkCredit = 2 });
        Assert.Equal(0u, link.LinkCredit);
    }

    [Fact]
    public void SendingLink_AbsentReceiverDeliveryCount_UsesInitialDeliveryCount()
    {
        var link = new SendingLinkCredit(0, initialDeliveryCount: 100);
        link.OnFlow(new Flow { LinkCredit = 5 });
        Assert.Equal(5u, link.LinkCredit);
    }

    [Fact]
    public void SendingLink_DeliveryCountWraps()
    {
        var link = new SendingLinkCredit(0, initialDeliveryCount: uint.MaxValue);
        link.OnFlow(new Flow { DeliveryCount = uint.MaxValue, LinkCredit = 3 });
        Assert.True(link.TryConsume());
        Assert.Equal(0u, link.DeliveryCount);
        Assert.Equal(2u, link.LinkCredit);
    }

    [Fact]
    public void SendingLink_Drain_AdvancesDeliveryCountByRemainingCredit_AndEchoesDrain()
    {
        var link = new SendingLinkCredit(7);
        link.OnFlow(new Flow { DeliveryCount = 0, LinkCredit = 10 });
        link.TryConsume();
        link.OnFlow(new Flow { DeliveryCount = 0, LinkCredit = 10, Drain = true });
        Assert.True(link.Drain);
        Assert.Equal(9u, link.LinkCredit);

        var reply = new Flow();
        Assert.True(link.TryCompleteDrain(reply));
        Assert.Equal(10u, link.DeliveryCount);
        Assert.Equal(0u, link.LinkCredit);
        Assert.Equal(7u, reply.Handle);
        Assert.Equal(10u, reply.DeliveryCount);
        Assert.Equal(0u, reply.LinkCredit);
        Assert.True(reply.Drain);
        Assert.False(link.Drain);
        Assert.False(link.TryCompleteDrain(new Flow()));
    }

    [Fact]
    public void SendingLink_EchoRequest_IsReported()
    {
        var link = new SendingLinkCredit(0);
        Assert.True(link.OnFlow(new Flow { Echo = true }));
        Assert.False(link.OnFlow(new Flow { LinkCredit = 1 }));
    }

    [Fact]
    public void ReceivingLink_TransferWithoutCredit_ThrowsTransferLimitExceeded()
    {
        var link = new ReceivingLinkCredit(1, initialDeliveryCount: 0);
        link.SetCredit(1);
        link.OnDelivery();
        Assert.Equal(1u, link.DeliveryCount);
        var ex = Assert.Throws<AmqpProtocolException>(link.OnDelivery);
        Assert.Equal(AmqpErrorCode.TransferLimitExceeded, ex.Condition);
        Assert.Equal(AmqpErrorCode.TransferLimitExceeded, ex.ToError().Condition.Value);
    }

    [Fact]
    public void ReceivingLink_SenderDrainedFlow_ConsumesCredit()
    {
        var link = new ReceivingLinkCredit(1, initialDeliveryCount: 0);
        link.SetCredit(10);
        link.OnDelivery();
        link.OnFlow(new Flow { DeliveryCount = 10, LinkCredit = 0, Drain = true });
        Assert.Equal(10u, link.DeliveryCount);
        Assert.Equal(0u, link.LinkCredit);
        var flow = new Flow();
        link.WriteLinkState(flow);
        Assert.Equal(10u, flow.DeliveryCount);
    }

    [Fact]
    public void Session_OutgoingWindow_FromBeginAndFlow()
    {
        var session = new SessionWindow(initialOutgoingId: 1, incomingWindow: 100, outgoingWindow: 100);
        session.OnBegin(new Begin { RemoteChannel = 0, NextOutgoingId = 50, IncomingWindow = 2, OutgoingWindow = 10 });
        Assert.Equal(50u, session.NextIncomingId);
        Assert.True(session.CanSend);
        session.OnTransferSent();
        session.OnTransferSent();
        Assert.False(session.CanSend);
        Assert.Equal(3u, session.NextOutgoingId);
        Assert.Throws<InvalidOperationException>(session.OnTransferSent);

        // The peer has received up to id 3 and opens 5 more: window = 3 + 5 - 3.
        session.OnFlow(new Flow { NextIncomingId = 3, IncomingWindow = 5, NextOutgoingId = 50, OutgoingWindow = 10 });
        Assert.Equal(5u, session.RemoteIncomingWindow);
        // A flow that has not yet seen our transfers counts from our initial id: 1 + 5 - 3.
        session.OnFlow(new Flow { IncomingWindow = 5, NextOutgoingId = 50, OutgoingWindow = 10 });
        Assert.Equal(3u, session.RemoteIncomingWindow);
    }

    [Fact]
    public void Session_DeliveryIds_AreSeparateFromTransferIds()
    {
        var session = new SessionWindow(0, 10, 10);
        session.OnBegin(new Begin { NextOutgoingId = 0, IncomingWindow = 10, OutgoingWindow = 10 });
        Assert.Equal(0u, session.AllocateDeliveryId());
        session.OnTransferSent();
        session.OnTransferSent();
        Assert.Equal(1u, session.AllocateDeliveryId());
        Assert.Equal(2u, session.NextOutgoingId);
    }

    [Fact]
    public void Session_IncomingWindow_ExactBoundary()
    {
        var session = new SessionWindow(0, incomingWindow: 4, outgoingWindow: 10);
        Assert.Throws<AmqpProtocolException>(session.OnTransferReceived);
        session.OnBegin(new Begin { NextOutgoingId = 10, IncomingWindow = 10, OutgoingWindow = 10 });
        session.OnTransferReceived();
        session.OnTransferReceived();
        Assert.False(session.ShouldReplenishIncomingWindow);
        session.OnTransferReceived();
        Assert.True(session.ShouldReplenishIncomingWindow);
        session.OnTransferReceived();
        Assert.Equal(0u, session.IncomingWindowRemaining);
        var ex = Assert.Throws<AmqpProtocolException>(session.OnTransferReceived);
        Assert.Equal(AmqpErrorCode.WindowViolation, ex.Condition);
        Assert.Equal(14u, session.NextIncomingId);

        session.ReplenishIncomingWindow();
        var flow = new Flow();
        session.WriteSessionState(flow);
        Assert.Equal(14u, flow.NextIncomingId);
        Assert.Equal(4u, flow.IncomingWindow);
        Assert.Equal(0u, flow.NextOutgoingId);
        Assert.Equal(10u, flow.OutgoingWindow);
    }

    [Fact]
    public void Assembler_SingleFrame_Completes()
    {
        using var assembler = new TransferAssembler(1024);
        var result = assembler.Append(new Transfer { DeliveryId = 5, DeliveryTag = [1], MessageFormat = 0, Settled = true }, new ReadOnlySequence<byte>([1, 2, 3]));
        Assert.Equal(TransferResult.Complete, result);
        Assert.Equal(new byte[] { 1, 2, 3 }, assembler.Message.ToArray());
        Assert.Equal(5u, assembler.DeliveryId);
        Assert.True(assembler.Settled);
    }

    [Fact]
    public void Assembler_MultiFrame_ConcatenatesPayloads()
    {
        using var assembler = new TransferAssembler(1024);
        Assert.Equal(TransferResult.Incomplete, assembler.Append(new Transfer { DeliveryId = 9, DeliveryTag = [7], MessageFormat = ServiceBusBatch.MessageFormat, More = true }, new ReadOnlySequence<byte>([1, 2])));
        Assert.True(assembler.IsInProgress);
        Assert.Equal(TransferResult.Incomplete, assembler.Append(new Transfer { More = true }, Segments.Split([3, 4, 5], 1)));
        Assert.Equal(TransferResult.Complete, assembler.Append(new Transfer { DeliveryId = 9 }, new ReadOnlySequence<byte>([6])));
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6 }, assembler.Message.ToArray());
        Assert.Equal(ServiceBusBatch.MessageFormat, assembler.MessageFormat);
        Assert.Equal(new byte[] { 7 }, assembler.DeliveryTag);
        Assert.False(assembler.IsInProgress);
    }

    [Fact]
    public void Assembler_ExactlyMaxSize_Completes_OneMoreByte_Throws()
    {
        using var assembler = new TransferAssembler(4);
        Assert.Equal(TransferResult.Incomplete, assembler.Append(new Transfer { DeliveryId = 1, More = true }, new ReadOnlySequence<byte>(new byte[2])));
        Assert.Equal(TransferResult.Complete, assembler.Append(new Transfer(), new ReadOnlySequence<byte>(new byte[2])));

        assembler.Append(new Transfer { DeliveryId = 2, More = true }, new ReadOnlySequence<byte>(new byte[4]));
        var ex = Assert.Throws<AmqpProtocolException>(() => assembler.Append(new Transfer(), new ReadOnlySequence<byte>(new byte[1])));
        Assert.Equal(AmqpErrorCode.MessageSizeExceeded, ex.Condition);
        Assert.False(assembler.IsInProgress);
    }

    [Fact]
    public void Assembler_Aborted_DiscardsDelivery()
    {
        using var assembler = new TransferAssembler(100);
        assembler.Append(new Transfer { DeliveryId = 1, More = true }, new ReadOnlySequence<byte>(new byte[10]));
        Assert.Equal(TransferResult.Aborted, assembler.Append(new Transfer { Aborted = true }, ReadOnlySequence<byte>.Empty));
        Assert.False(assembler.IsInProgress);
        Assert.Equal(TransferResult.Complete, assembler.Append(new Transfer { DeliveryId = 2 }, new ReadOnlySequence<byte>([1])));
        Assert.Equal(1, assembler.Message.Length);
    }

    [Fact]
    public void Assembler_ProtocolErrors()
    {
        using var assembler = new TransferAssembler(100);
        Assert.Equal(AmqpErrorCode.NotAllowed, Assert.Throws<AmqpProtocolException>(() => assembler.Append(new Transfer(), ReadOnlySequence<byte>.Empty)).Condition);
        assembler.Append(new Transfer { DeliveryId = 1, More = true }, ReadOnlySequence<byte>.Empty);
        Assert.Equal(AmqpErrorCode.NotAllowed, Assert.Throws<AmqpProtocolException>(() => assembler.Append(new Transfer { DeliveryId = 2 }, ReadOnlySequence<byte>.Empty)).Condition);
    }

    [Fact]
    public void DeliveryRange_ContainsAndCount_WithWrapAround()
    {
        var range = DeliveryRange.From(new Disposition { First = uint.MaxValue - 1, Last = 1 });
        Assert.Equal(4ul, range.Count);
        Assert.True(range.Contains(uint.MaxValue));
        Assert.True(range.Contains(0));
        Assert.True(range.Contains(1));
        Assert.False(range.Contains(2));
        Assert.False(range.Contains(uint.MaxValue - 2));

        var single = DeliveryRange.From(new Disposition { First = 5 });
        Assert.Equal(1ul, single.Count);
        Assert.True(single.Contains(5));
        Assert.False(single.Contains(6));
        Assert.Equal(1ul << 32, new DeliveryRange(3, 2).Count);
    }

    [Fact]
    public void DeliveryRange_Coalesce_GroupsConsecutiveIds()
    {
        uint[] ids = [1, 2, 3, 7, 9, 10, uint.MaxValue];
        var ranges = new DeliveryRange[ids.Length];
        int n = DeliveryRange.Coalesce(ids, ranges);
        Assert.Equal(
            [new DeliveryRange(1, 3), new DeliveryRange(7, 7), new DeliveryRange(9, 10), new DeliveryRange(uint.MaxValue, uint.MaxValue)],
            ranges[..n]);
        var disposition = new Disposition();
        ranges[1].WriteTo(disposition);
        Assert.Equal(7u, disposition.First);
        Assert.Null(disposition.Last);
        ranges[0].WriteTo(disposition);
        Assert.Equal(3u, disposition.Last);
    }

    [Fact]
    public void SerialNumber_ComparesAcrossWrap()
    {
        Assert.True(SerialNumber.IsBefore(uint.MaxValue, 0));
        Assert.False(SerialNumber.IsBefore(0, uint.MaxValue));
        Assert.False(SerialNumber.IsBefore(5, 5));
        Assert.Equal(2u, SerialNumber.Distance(uint.MaxValue, 1));
    }
}
