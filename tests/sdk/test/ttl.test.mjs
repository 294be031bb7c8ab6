// Message expiry (time-based by nature; TTLs of 1-2 s).

import assert from "node:assert/strict";
import { queue, useFerry } from "../harness.mjs";
import { assertNothingToReceive, delay, peekAll, receiveExactly, uid } from "../helpers.mjs";

const Q = {
  toDeadLetter: "ttl-deadletter",
  dropped: "ttl-dropped",
  entityDefault: "ttl-entity-default",
};

const ferry = useFerry({
  name: "ttl",
  queues: [
    queue(Q.toDeadLetter, { DeadLetteringOnMessageExpiration: true }),
    queue(Q.dropped, { DeadLetteringOnMessageExpiration: false }),
    queue(Q.entityDefault, { DeadLetteringOnMessageExpiration: true, DefaultMessageTimeToLive: "PT2S" }),
  ],
});

const dlq = (sb, q) => sb.createReceiver(q, { subQueueType: "deadLetter" });

ferry.test("timeToLive 1000 ms on a queue with DeadLetteringOnMessageExpiration: expires into the DLQ " +
  "with TTLExpiredException", async ({ client }) => {
  const sb = client();
  const id = uid("ttl-dl");
  const sentAt = Date.now();
  await sb.createSender(Q.toDeadLetter).sendMessages({
    body: "short-lived", messageId: id, timeToLive: 1000, applicationProperties: { p: 1 },
  });

  // The DLQ receive returns as soon as the broker dead-letters the expired message.
  const dl = dlq(sb, Q.toDeadLetter);
  const [x] = await receiveExactly(dl, 1, { timeoutMs: 7000 });
  assert.ok(Date.now() - sentAt >= 900, "not dead-lettered before it expired");
  assert.equal(x.messageId, id);
  assert.equal(x.body, "short-lived");
  assert.equal(x.deadLetterReason, "TTLExpiredException");
  assert.equal(x.applicationProperties.p, 1, "original properties kept");
  await dl.completeMessage(x);

  const receiver = sb.createReceiver(Q.toDeadLetter);
  assert.deepEqual(await peekAll(receiver), [], "gone from the queue");
  await assertNothingToReceive(receiver, 500);
});

ferry.test("timeToLive 1000 ms on a queue without DeadLetteringOnMessageExpiration: the message is dropped",
  async ({ client }) => {
    const sb = client();
    const id = uid("ttl-drop");
    await sb.createSender(Q.dropped).sendMessages({ body: "short-lived", messageId: id, timeToLive: 1000 });

    const receiver = sb.createReceiver(Q.dropped);
    const [p] = await peekAll(receiver);
    assert.equal(p?.messageId, id);
    assert.equal(p.timeToLive, 1000);
    assert.equal(p.expiresAtUtc.getTime(), p.enqueuedTimeUtc.getTime() + 1000, "expiresAtUtc = enqueued + ttl");

    // Wait out the TTL by the clock (an expired message must not be delivered even if not yet purged).
    await delay(Math.max(0, p.expiresAtUtc.getTime() - Date.now()) + 300);
    await assertNothingToReceive(receiver, 1000, "a queue whose only message expired");
    assert.deepEqual(await peekAll(receiver), [], "gone from peek");
    assert.deepEqual(await peekAll(dlq(sb, Q.dropped)), [], "not dead-lettered");
  });

ferry.test("DefaultMessageTimeToLive (PT2S) applies to a message sent without timeToLive", { timeout: 12_000 },
  async ({ client }) => {
    const sb = client();
    const id = uid("ttl-default");
    const sentAt = Date.now();
    await sb.createSender(Q.entityDefault).sendMessages({ body: "entity default", messageId: id });

    const dl = dlq(sb, Q.entityDefault);
    const [x] = await receiveExactly(dl, 1, { timeoutMs: 8000 });
    assert.ok(Date.now() - sentAt >= 1900, "not expired before DefaultMessageTimeToLive");
    assert.equal(x.messageId, id);
    assert.equal(x.deadLetterReason, "TTLExpiredException");
    await dl.completeMessage(x);
    assert.deepEqual(await peekAll(sb.createReceiver(Q.entityDefault)), []);
  });
