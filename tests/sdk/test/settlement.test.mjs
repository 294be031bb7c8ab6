// Settlement: complete, abandon (with propertiesToModify), defer + receiveDeferredMessages, dead-letter,
// settlement through $management, renewMessageLock, MaxDeliveryCount.

import assert from "node:assert/strict";
import { queue, useFerry } from "../harness.mjs";
import {
  GUID_RE, assertNothingToReceive, delay, expectServiceBusError, num, peekAll, receiveExactly, uid,
} from "../helpers.mjs";

const Q = {
  complete: "settle-complete",
  abandon: "settle-abandon",
  defer: "settle-defer",
  deferDeadLetter: "settle-defer-deadletter",
  deadLetter: "settle-deadletter",
  deadLetterNoReason: "settle-deadletter-noreason",
  viaManagement: "settle-via-management",
  renew: "settle-renew",
  maxDelivery: "settle-maxdelivery",
};

const ferry = useFerry({
  name: "settlement",
  queues: [
    ...Object.values(Q).filter((n) => n !== Q.maxDelivery).map((n) => queue(n)),
    queue(Q.maxDelivery, { MaxDeliveryCount: 3 }),
  ],
});

const dlq = (sb, q, options = {}) => sb.createReceiver(q, { subQueueType: "deadLetter", ...options });

ferry.test("completeMessage removes the message", async ({ client }) => {
  const sb = client();
  const id = uid("complete");
  await sb.createSender(Q.complete).sendMessages({ body: "c", messageId: id });
  const receiver = sb.createReceiver(Q.complete);
  const [m] = await receiveExactly(receiver, 1);
  await receiver.completeMessage(m);
  assert.deepEqual(await peekAll(receiver), [], "gone from peek");
  await assertNothingToReceive(receiver, 500);
  assert.deepEqual(await peekAll(dlq(sb, Q.complete)), [], "not dead-lettered");
});

ferry.test("abandonMessage with propertiesToModify redelivers with deliveryCount+1 and the modified property",
  async ({ client }) => {
    const sb = client();
    const id = uid("abandon");
    await sb.createSender(Q.abandon).sendMessages({
      body: { task: 1 }, messageId: id, applicationProperties: { original: "keep", attempt: 0 },
    });
    const receiver = sb.createReceiver(Q.abandon);
    const [first] = await receiveExactly(receiver, 1);
    assert.equal(first.deliveryCount, 0);
    await receiver.abandonMessage(first, { attempt: 1, retryReason: "transient" });

    const [second] = await receiveExactly(receiver, 1);
    assert.equal(second.messageId, id);
    assert.equal(num(second.sequenceNumber), num(first.sequenceNumber), "same message (sequence number)");
    assert.equal(second.deliveryCount, 1, "deliveryCount went up by one");
    assert.deepEqual(second.body, { task: 1 });
    assert.equal(second.applicationProperties.attempt, 1, "modified property applied");
    assert.equal(second.applicationProperties.retryReason, "transient", "added property applied");
    assert.equal(second.applicationProperties.original, "keep", "other properties kept");
    assert.notEqual(second.lockToken, first.lockToken, "a new lock");

    // Abandon without properties: delivered again, count up again, properties unchanged.
    await receiver.abandonMessage(second);
    const [third] = await receiveExactly(receiver, 1);
    assert.equal(third.deliveryCount, 2);
    assert.equal(third.applicationProperties.attempt, 1);
    await receiver.completeMessage(third);
    assert.deepEqual(await peekAll(receiver), []);
  });

ferry.test("deferMessage + receiveDeferredMessages + completing the deferred message", async ({ client }) => {
  const sb = client();
  const id = uid("defer");
  await sb.createSender(Q.defer).sendMessages({
    body: "deferred body", messageId: id, applicationProperties: { kept: true },
  });
  const receiver = sb.createReceiver(Q.defer);
  const [m] = await receiveExactly(receiver, 1);
  const seq = m.sequenceNumber;
  await receiver.deferMessage(m, { deferredBy: "test" });

  await assertNothingToReceive(receiver, 500, "a queue holding only a deferred message");
  const [peeked] = await peekAll(receiver);
  assert.equal(peeked?.messageId, id, "a deferred message is still peekable");
  assert.equal(peeked.state, "deferred", "peek shows state deferred (x-opt-message-state = 1)");

  const deferredMsgs = await receiver.receiveDeferredMessages(seq);
  assert.equal(deferredMsgs.length, 1);
  const d = deferredMsgs[0];
  assert.equal(d.messageId, id);
  assert.equal(d.body, "deferred body");
  assert.equal(num(d.sequenceNumber), num(seq));
  assert.equal(d.state, "deferred");
  assert.match(d.lockToken, GUID_RE, "the deferred message is locked");
  assert.ok(d.lockedUntilUtc instanceof Date && d.lockedUntilUtc.getTime() > Date.now(), "lockedUntilUtc set");
  assert.equal(d.applicationProperties.kept, true);
  assert.equal(d.applicationProperties.deferredBy, "test", "propertiesToModify of the defer applied");

  await receiver.completeMessage(d); // settles through $management (update-disposition "completed")
  assert.deepEqual(await peekAll(receiver), [], "completed deferred message is gone");
  await expectServiceBusError(receiver.receiveDeferredMessages(seq), "MessageNotFound", { withinMs: 5000 });
});

ferry.test("a deferred message can be dead-lettered through $management", async ({ client }) => {
  const sb = client();
  const id = uid("defer-dl");
  await sb.createSender(Q.deferDeadLetter).sendMessages({ body: "x", messageId: id });
  const receiver = sb.createReceiver(Q.deferDeadLetter);
  const [m] = await receiveExactly(receiver, 1);
  await receiver.deferMessage(m);
  const [d] = await receiver.receiveDeferredMessages(m.sequenceNumber);
  await receiver.deadLetterMessage(d, {
    deadLetterReason: "DeferredGaveUp", deadLetterErrorDescription: "gave up on it",
  });

  const dl = dlq(sb, Q.deferDeadLetter);
  const [x] = await receiveExactly(dl, 1);
  assert.equal(x.messageId, id);
  assert.equal(x.deadLetterReason, "DeferredGaveUp");
  assert.equal(x.deadLetterErrorDescription, "gave up on it");
  await dl.completeMessage(x);
  assert.deepEqual(await peekAll(receiver), []);
});

ferry.test("deadLetterMessage moves the message to the DLQ with reason, description and extra properties",
  async ({ client }) => {
    const sb = client();
    const id = uid("dl");
    await sb.createSender(Q.deadLetter).sendMessages({
      body: { bad: true }, messageId: id, subject: "order", applicationProperties: { tenant: "t1" },
    });
    const receiver = sb.createReceiver(Q.deadLetter);
    const [m] = await receiveExactly(receiver, 1);
    await receiver.deadLetterMessage(m, {
      deadLetterReason: "ValidationFailed",
      deadLetterErrorDescription: "field 'x' is missing",
      inspectedBy: "test",
    });
    assert.deepEqual(await peekAll(receiver), [], "gone from the queue");

    const dl = dlq(sb, Q.deadLetter);
    assert.equal(dl.entityPath, `${Q.deadLetter}/$DeadLetterQueue`);
    const [peeked] = await peekAll(dl);
    assert.equal(peeked?.messageId, id, "peekable in the DLQ");
    assert.equal(peeked.deadLetterReason, "ValidationFailed");

    const [x] = await receiveExactly(dl, 1);
    assert.equal(x.messageId, id);
    assert.deepEqual(x.body, { bad: true });
    assert.equal(x.subject, "order");
    assert.equal(x.deadLetterReason, "ValidationFailed");
    assert.equal(x.deadLetterErrorDescription, "field 'x' is missing");
    assert.equal(x.applicationProperties.DeadLetterReason, "ValidationFailed");
    assert.equal(x.applicationProperties.inspectedBy, "test", "extra properties applied");
    assert.equal(x.applicationProperties.tenant, "t1", "original properties kept");
    await dl.completeMessage(x);
    assert.deepEqual(await peekAll(dl), [], "completed out of the DLQ");
  });

ferry.test("deadLetterMessage without a reason still dead-letters", async ({ client }) => {
  const sb = client();
  const id = uid("dl-noreason");
  await sb.createSender(Q.deadLetterNoReason).sendMessages({ body: 1, messageId: id });
  const receiver = sb.createReceiver(Q.deadLetterNoReason);
  const [m] = await receiveExactly(receiver, 1);
  await receiver.deadLetterMessage(m); // the SDK sends DeadLetterReason/Description as null
  const dl = dlq(sb, Q.deadLetterNoReason, { receiveMode: "receiveAndDelete" });
  const [x] = await receiveExactly(dl, 1);
  assert.equal(x.messageId, id);
  assert.ok(x.deadLetterReason == null, `no reason (got ${JSON.stringify(x.deadLetterReason)})`);
  assert.deepEqual(await peekAll(receiver), []);
});

ferry.test("a message can be settled through $management after its receive link closed", async ({ client }) => {
  const sb = client();
  const ids = [uid("mgmt0"), uid("mgmt1")];
  await sb.createSender(Q.viaManagement).sendMessages(ids.map((id) => ({ body: id, messageId: id })));
  const first = sb.createReceiver(Q.viaManagement);
  const [a, b] = await receiveExactly(first, 2);
  await first.close(); // the link is gone; the locks are not

  // The SDK now settles with update-disposition on $management, sending the lock token (from the
  // delivery tag, .NET GUID byte order) as an AMQP uuid (RFC order).
  const second = sb.createReceiver(Q.viaManagement);
  await second.completeMessage(a);
  await second.abandonMessage(b);
  const [again] = await receiveExactly(second, 1);
  assert.equal(again.messageId, b.messageId, "the abandoned one comes back");
  assert.equal(again.deliveryCount, 1);
  await second.completeMessage(again);
  assert.deepEqual(await peekAll(second), []);
});

ferry.test("renewMessageLock moves lockedUntilUtc forward", async ({ client }) => {
  const sb = client();
  await sb.createSender(Q.renew).sendMessages({ body: "r", messageId: uid("renew") });
  const receiver = sb.createReceiver(Q.renew, { maxAutoLockRenewalDurationInMs: 0 });
  const [m] = await receiveExactly(receiver, 1);
  const before = m.lockedUntilUtc.getTime();

  await delay(300);
  const renewed = await receiver.renewMessageLock(m);
  assert.ok(renewed instanceof Date);
  assert.ok(renewed.getTime() >= before + 200, `lock moved forward: ${before} -> ${renewed.getTime()}`);
  assert.equal(m.lockedUntilUtc.getTime(), renewed.getTime(), "the SDK updated message.lockedUntilUtc");
  const left = renewed.getTime() - Date.now();
  assert.ok(left > 55_000 && left <= 62_000, `renewed for LockDuration PT1M (left: ${left} ms)`);

  await receiver.completeMessage(m);
  assert.deepEqual(await peekAll(receiver), []);
});

ferry.test("after MaxDeliveryCount (3) deliveries the message is dead-lettered with MaxDeliveryCountExceeded",
  async ({ client }) => {
    const sb = client();
    const id = uid("maxdc");
    await sb.createSender(Q.maxDelivery).sendMessages({ body: "poison", messageId: id });
    const receiver = sb.createReceiver(Q.maxDelivery);
    for (let attempt = 0; attempt < 3; attempt++) {
      const [m] = await receiveExactly(receiver, 1);
      assert.equal(m.messageId, id);
      assert.equal(m.deliveryCount, attempt, `delivery ${attempt + 1} has deliveryCount ${attempt}`);
      await receiver.abandonMessage(m);
    }
    const dl = dlq(sb, Q.maxDelivery);
    const [x] = await receiveExactly(dl, 1);
    assert.equal(x.messageId, id);
    assert.equal(x.body, "poison");
    assert.equal(x.deadLetterReason, "MaxDeliveryCountExceeded");
    await dl.completeMessage(x);
    await assertNothingToReceive(receiver, 500, "the source queue");
    assert.deepEqual(await peekAll(receiver), []);
  });
