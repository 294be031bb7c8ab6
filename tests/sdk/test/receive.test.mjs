// Receiving: receiveMessages (peekLock, receiveAndDelete, with and without messages), push delivery,
// subscribe() with concurrency and auto-complete, getMessageIterator.

import assert from "node:assert/strict";
import { queue, useFerry } from "../harness.mjs";
import {
  GUID_RE, assertNothingToReceive, deferred, delay, num, peekAll, receiveExactly, uid, waitUntil,
} from "../helpers.mjs";

const Q = {
  peekLock: "recv-peeklock",
  receiveAndDelete: "recv-rad",
  emptyPeekLock: "recv-empty-peeklock",
  emptyReceiveAndDelete: "recv-empty-rad",
  push: "recv-push",
  partial: "recv-partial",
  subscribe: "recv-subscribe",
  autoComplete: "recv-subscribe-autocomplete",
  iterator: "recv-iterator",
};

const ferry = useFerry({ name: "receive", queues: Object.values(Q).map((n) => queue(n)) });

/** The rhea link behind a receiver's receiveMessages (SDK internals, pinned to 7.9.5). */
function batchingLink(receiver) {
  const batching = receiver._batchingReceiver;
  assert.ok(batching, "SDK internals changed: receiver._batchingReceiver is missing");
  return batching.link;
}

ferry.test("receiveMessages in peekLock returns locked messages with broker-set fields", async ({ client }) => {
  const sb = client();
  const ids = [uid("pl0"), uid("pl1"), uid("pl2")];
  const sentAt = Date.now();
  await sb.createSender(Q.peekLock).sendMessages(ids.map((id) => ({ body: id, messageId: id })));

  const receiver = sb.createReceiver(Q.peekLock); // peekLock is the default
  assert.equal(receiver.receiveMode, "peekLock");
  const got = await receiveExactly(receiver, 3);
  const now = Date.now();
  assert.deepEqual(got.map((m) => m.messageId), ids);
  for (const m of got) {
    assert.match(m.lockToken, GUID_RE, "lockToken is a GUID");
    assert.equal(m.deliveryCount, 0, "first delivery has deliveryCount 0");
    assert.equal(m.state, "active");
    assert.ok(num(m.sequenceNumber) >= 1);
    assert.ok(m.enqueuedTimeUtc instanceof Date);
    assert.ok(m.enqueuedTimeUtc.getTime() >= sentAt - 2000 && m.enqueuedTimeUtc.getTime() <= now + 2000,
      `enqueuedTimeUtc ${m.enqueuedTimeUtc.toISOString()} is about now`);
    assert.ok(m.lockedUntilUtc instanceof Date, "lockedUntilUtc is set in peekLock");
    const lockLeft = m.lockedUntilUtc.getTime() - now;
    assert.ok(lockLeft > 55_000 && lockLeft <= 62_000, `lock lasts LockDuration PT1M (left: ${lockLeft} ms)`);
  }
  assert.equal(new Set(got.map((m) => m.lockToken)).size, 3, "lock tokens are distinct");

  // Locked messages are not handed to another receiver.
  await assertNothingToReceive(client().createReceiver(Q.peekLock), 500, "a locked queue");
  for (const m of got) await receiver.completeMessage(m);
  assert.deepEqual(await peekAll(receiver), []);
});

ferry.test("receiveMessages in receiveAndDelete removes messages as they are delivered", async ({ client }) => {
  const sb = client();
  const ids = [uid("rd0"), uid("rd1"), uid("rd2")];
  await sb.createSender(Q.receiveAndDelete).sendMessages(ids.map((id) => ({ body: id, messageId: id })));

  const receiver = sb.createReceiver(Q.receiveAndDelete, { receiveMode: "receiveAndDelete" });
  const got = await receiveExactly(receiver, 3);
  assert.deepEqual(got.map((m) => m.messageId), ids);
  assert.deepEqual(got.map((m) => m.body), ids);
  for (const m of got) {
    assert.equal(m.lockToken, undefined, "no lock token in receiveAndDelete");
    assert.ok(num(m.sequenceNumber) >= 1);
  }
  assert.deepEqual(await peekAll(receiver), [], "nothing left after receiveAndDelete");
  await assertNothingToReceive(client().createReceiver(Q.receiveAndDelete), 500);
});

for (const receiveMode of ["peekLock", "receiveAndDelete"]) {
  const q = receiveMode === "peekLock" ? Q.emptyPeekLock : Q.emptyReceiveAndDelete;
  ferry.test(`receiveMessages (${receiveMode}) with nothing available returns [] after maxWaitTimeInMs, ` +
    "and a later receive still works", async ({ client }) => {
    const sb = client();
    const receiver = sb.createReceiver(q, { receiveMode });

    const started = Date.now();
    const none = await receiver.receiveMessages(5, { maxWaitTimeInMs: 1000 });
    const elapsed = Date.now() - started;
    assert.deepEqual(none, []);
    assert.ok(elapsed >= 900, `waited maxWaitTimeInMs (${elapsed} ms)`);
    assert.ok(elapsed < 2500, `returned promptly after maxWaitTimeInMs (${elapsed} ms)`);
    // The SDK drains leftover credit; if the broker does not echo the drain within 200 ms the SDK closes
    // the link. So an open, unchanged link here means the drain was answered.
    const link = batchingLink(receiver);
    assert.ok(link && link.isOpen(), "receive link still open after the empty receive (drain answered)");

    const id = uid("later");
    await sb.createSender(q).sendMessages({ body: "later", messageId: id });
    const started2 = Date.now();
    const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    assert.ok(m, "a later receive gets the message");
    assert.equal(m.messageId, id);
    assert.ok(Date.now() - started2 < 2000, "and gets it without waiting out maxWaitTimeInMs");
    assert.equal(batchingLink(receiver), link, "the same link was reused (no re-attach)");
    if (receiveMode === "peekLock") await receiver.completeMessage(m);

    // A second empty receive after a successful one also returns.
    assert.deepEqual(await receiver.receiveMessages(1, { maxWaitTimeInMs: 500 }), []);
  });
}

ferry.test("a waiting receiveMessages gets a message sent after it started, without waiting out " +
  "maxWaitTimeInMs", async ({ client }) => {
  const sb = client();
  const receiver = sb.createReceiver(Q.push);
  const id = uid("push");
  const started = Date.now();
  const receiving = receiver.receiveMessages(1, { maxWaitTimeInMs: 8000 });
  await delay(300);
  await sb.createSender(Q.push).sendMessages({ body: "pushed", messageId: id });
  const got = await receiving;
  const elapsed = Date.now() - started;
  assert.equal(got.length, 1);
  assert.equal(got[0].messageId, id);
  assert.ok(elapsed < 3000, `delivered as soon as it was sent (${elapsed} ms), not at the end of the wait`);
  await receiver.completeMessage(got[0]);
});

ferry.test("receiveMessages(10) with 3 available returns the 3 shortly after the first arrives",
  async ({ client }) => {
    const sb = client();
    const ids = [uid("p0"), uid("p1"), uid("p2")];
    await sb.createSender(Q.partial).sendMessages(ids.map((id) => ({ body: id, messageId: id })));
    const receiver = sb.createReceiver(Q.partial);
    const started = Date.now();
    const got = await receiver.receiveMessages(10, { maxWaitTimeInMs: 8000 });
    const elapsed = Date.now() - started;
    assert.deepEqual(got.map((m) => m.messageId), ids);
    // peekLock: the SDK stops ~1 s after the first message and drains the remaining 7 credits.
    assert.ok(elapsed < 4000, `returned after the first-message window (${elapsed} ms)`);
    for (const m of got) await receiver.completeMessage(m);
  });

ferry.test("subscribe with maxConcurrentCalls 4 receives 20 messages exactly once, concurrently",
  async ({ client }) => {
    const sb = client();
    const N = 20;
    const ids = Array.from({ length: N }, (_, i) => uid(`sub${i}`));
    await sb.createSender(Q.subscribe).sendMessages(ids.map((id, i) => ({ body: i, messageId: id })));

    const receiver = sb.createReceiver(Q.subscribe);
    const seen = [];
    const errors = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const done = deferred();
    const subscription = receiver.subscribe({
      async processMessage(m) {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          await delay(50);
          await receiver.completeMessage(m);
          seen.push(m.messageId);
        } finally {
          inFlight--;
        }
        if (seen.length >= N) done.resolve();
      },
      async processError(args) {
        errors.push(`${args.errorSource}: ${args.error.code ?? ""} ${args.error.message}`);
        done.resolve();
      },
    }, { maxConcurrentCalls: 4, autoCompleteMessages: false });

    await done.promise;
    await subscription.close();
    assert.deepEqual(errors, []);
    assert.equal(seen.length, N);
    assert.equal(new Set(seen).size, N, "no message was delivered twice");
    assert.deepEqual([...seen].sort(), [...ids].sort());
    assert.ok(maxInFlight > 1, `messages were processed concurrently (max in flight: ${maxInFlight})`);
    assert.ok(maxInFlight <= 4, `no more than maxConcurrentCalls in flight (${maxInFlight})`);
    assert.deepEqual(await peekAll(receiver), [], "every message was completed");
  });

ferry.test("subscribe auto-completes each message after processMessage returns", async ({ client }) => {
  const sb = client();
  const ids = [uid("ac0"), uid("ac1"), uid("ac2")];
  await sb.createSender(Q.autoComplete).sendMessages(ids.map((id) => ({ body: id, messageId: id })));

  const receiver = sb.createReceiver(Q.autoComplete);
  const got = [];
  const errors = [];
  const done = deferred();
  const subscription = receiver.subscribe({
    async processMessage(m) {
      got.push(m);
      if (got.length >= ids.length) done.resolve();
    },
    async processError(args) {
      errors.push(`${args.errorSource}: ${args.error.code ?? ""} ${args.error.message}`);
      done.resolve();
    },
  }); // autoCompleteMessages defaults to true

  await done.promise;
  // The SDK completes after processMessage resolves; wait for the broker's settlement of each delivery.
  await waitUntil(() => errors.length > 0 || got.every((m) => m.delivery.remote_settled), 5000,
    "the broker to settle the auto-completed deliveries");
  await subscription.close();
  assert.deepEqual(errors, []);
  assert.deepEqual(got.map((m) => m.messageId), ids);
  assert.deepEqual(await peekAll(receiver), [], "auto-complete removed every message");
});

ferry.test("getMessageIterator yields messages one at a time", async ({ client }) => {
  const sb = client();
  const ids = [uid("it0"), uid("it1"), uid("it2")];
  await sb.createSender(Q.iterator).sendMessages(ids.map((id) => ({ body: id, messageId: id })));

  const receiver = sb.createReceiver(Q.iterator);
  const seen = [];
  for await (const m of receiver.getMessageIterator()) {
    seen.push(m.messageId);
    await receiver.completeMessage(m);
    if (seen.length === ids.length) break;
  }
  assert.deepEqual(seen, ids);
  assert.deepEqual(await peekAll(receiver), []);
});
