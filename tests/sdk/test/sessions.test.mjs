// Sessions: acceptSession / acceptNextSession, FIFO per session, session state, session lock renewal,
// and the errors the SDK maps (SessionCannotBeLocked, ServiceTimeout for no session available).

import assert from "node:assert/strict";
import { queue, useFerry } from "../harness.mjs";
import { expectServiceBusError, peekAll, receiveExactly, uid } from "../helpers.mjs";

const Q = {
  named: "sess-named",
  next: "sess-next",
  state: "sess-state",
  locked: "sess-locked",
  empty: "sess-empty",
  renew: "sess-renew",
  plain: "sess-plain",
};

const ferry = useFerry({
  name: "sessions",
  queues: [
    ...[Q.named, Q.next, Q.state, Q.locked, Q.empty].map((n) => queue(n, { RequiresSession: true })),
    queue(Q.renew, { RequiresSession: true, LockDuration: "PT5S" }),
    queue(Q.plain, { RequiresSession: true }),
  ],
});

ferry.test("acceptSession(id) receives only that session's messages, in order, and completes them", async ({ client }) => {
  const sb = client();
  const sender = sb.createSender(Q.named);
  await sender.sendMessages([
    { body: "a1", sessionId: "a" }, { body: "b1", sessionId: "b" }, { body: "a2", sessionId: "a" }, { body: "a3", sessionId: "a" },
  ]);
  const receiver = await sb.acceptSession(Q.named, "a");
  assert.equal(receiver.sessionId, "a");
  assert.ok(receiver.sessionLockedUntilUtc > new Date(), "the session lock lies in the future");
  const messages = await receiveExactly(receiver, 3);
  assert.deepEqual(messages.map((m) => m.body), ["a1", "a2", "a3"]);
  assert.ok(messages.every((m) => m.sessionId === "a"));
  for (const m of messages) await receiver.completeMessage(m);
  await receiver.close();

  const b = await sb.acceptSession(Q.named, "b");
  const [b1] = await receiveExactly(b, 1);
  assert.equal(b1.body, "b1");
  await b.completeMessage(b1);
});

ferry.test("acceptNextSession gets a session that has messages, and a second call gets another", async ({ client }) => {
  const sb = client();
  await sb.createSender(Q.next).sendMessages([{ body: "x", sessionId: "s1" }, { body: "y", sessionId: "s2" }]);
  const first = await sb.acceptNextSession(Q.next);
  const second = await sb.acceptNextSession(Q.next);
  assert.deepEqual([first.sessionId, second.sessionId].sort(), ["s1", "s2"]);
  const [m] = await receiveExactly(first, 1);
  assert.equal(m.sessionId, first.sessionId);
  await first.completeMessage(m);
});

ferry.test("acceptNextSession with no session available fails with ServiceTimeout after the wait", async ({ client }) => {
  const sb = client({ retryOptions: { maxRetries: 0, timeoutInMs: 2000 } });
  const started = Date.now();
  await expectServiceBusError(sb.acceptNextSession(Q.empty), "ServiceTimeout", { withinMs: 10_000 });
  assert.ok(Date.now() - started >= 1500, "the broker waited for a session before giving up");
});

ferry.test("acceptSession on a session locked by another receiver fails with SessionCannotBeLocked", async ({ client }) => {
  const sb = client();
  const holder = await sb.acceptSession(Q.locked, "held");
  await expectServiceBusError(client().acceptSession(Q.locked, "held"), "SessionCannotBeLocked", { withinMs: 5000 });
  await holder.close();
  const again = await client().acceptSession(Q.locked, "held");
  assert.equal(again.sessionId, "held");
});

ferry.test("session state set by one receiver is read back by the next one", async ({ client }) => {
  const sb = client();
  const id = uid("state");
  const receiver = await sb.acceptSession(Q.state, id);
  assert.equal(await receiver.getSessionState(), null, "no state at first");
  await receiver.setSessionState({ step: 2, orders: ["o1"] });
  assert.deepEqual(await receiver.getSessionState(), { step: 2, orders: ["o1"] });
  await receiver.close();
  const next = await client().acceptSession(Q.state, id);
  assert.deepEqual(await next.getSessionState(), { step: 2, orders: ["o1"] });
});

ferry.test("renewSessionLock moves sessionLockedUntilUtc forward (LockDuration PT5S)", async ({ client }) => {
  const sb = client();
  const receiver = await sb.acceptSession(Q.renew, uid("renew"), { maxAutoLockRenewalDurationInMs: 0 });
  const before = receiver.sessionLockedUntilUtc.getTime();
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const after = await receiver.renewSessionLock();
  assert.ok(after.getTime() > before, `renewed lock ${after.toISOString()} is later than ${new Date(before).toISOString()}`);
});

ferry.test("peekMessages on a session receiver shows that session's messages", async ({ client }) => {
  const sb = client();
  await sb.createSender(Q.plain).sendMessages([{ body: "p1", sessionId: "p" }, { body: "q1", sessionId: "q" }]);
  const receiver = await sb.acceptSession(Q.plain, "p");
  const peeked = await peekAll(receiver);
  assert.deepEqual(peeked.map((m) => m.body), ["p1"]);
});

ferry.test("a message without sessionId sent to a session queue is rejected", async ({ client }) => {
  const sb = client();
  await assert.rejects(sb.createSender(Q.plain).sendMessages({ body: "no session" }), (err) => {
    assert.match(err.message, /SessionId/);
    return true;
  });
});
