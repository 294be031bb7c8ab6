// Lock lifetime (time-based by nature; kept to two short tests on PT5S queues):
// automatic lock renewal, and lock expiry with redelivery.

import assert from "node:assert/strict";
import { queue, useFerry } from "../harness.mjs";
import { assertNothingToReceive, expectServiceBusError, num, peekAll, receiveExactly, uid } from "../helpers.mjs";

const Q = {
  autoRenew: "lock-autorenew",
  expiry: "lock-expiry",
};

const ferry = useFerry({
  name: "locks",
  queues: [queue(Q.autoRenew, { LockDuration: "PT5S" }), queue(Q.expiry, { LockDuration: "PT5S" })],
});

ferry.test("automatic lock renewal keeps a message locked past LockDuration (PT5S, held 7 s)",
  { timeout: 15_000 }, async ({ client }) => {
    const sb = client();
    const id = uid("autorenew");
    await sb.createSender(Q.autoRenew).sendMessages({ body: "hold me", messageId: id });

    const receiver = sb.createReceiver(Q.autoRenew, { maxAutoLockRenewalDurationInMs: 30_000 });
    const [m] = await receiveExactly(receiver, 1);
    const firstLockedUntil = m.lockedUntilUtc.getTime();
    const left = firstLockedUntil - Date.now();
    assert.ok(left > 3000 && left <= 6500, `LockDuration PT5S applies (left: ${left} ms)`);

    // Hold it for 7 s. Meanwhile a competing receiver must get nothing: the lock never lapses.
    const competitor = client().createReceiver(Q.autoRenew, { receiveMode: "receiveAndDelete" });
    await assertNothingToReceive(competitor, 7000, "a queue whose only message is held under auto-renewal");

    assert.ok(m.lockedUntilUtc.getTime() > firstLockedUntil, "the SDK renewed the lock");
    assert.ok(m.lockedUntilUtc.getTime() > Date.now(), "the lock is still valid");
    await receiver.completeMessage(m);
    assert.deepEqual(await peekAll(receiver), []);
  });

ferry.test("an unsettled message is redelivered after its lock expires (PT5S) with deliveryCount 1, " +
  "and the expired lock is lost", { timeout: 15_000 }, async ({ client }) => {
  const sb = client();
  const id = uid("expiry");
  await sb.createSender(Q.expiry).sendMessages({ body: "forget me", messageId: id });

  const receiver = sb.createReceiver(Q.expiry, { maxAutoLockRenewalDurationInMs: 0 });
  const [first] = await receiveExactly(receiver, 1);
  assert.equal(first.deliveryCount, 0);
  const lockedUntil = first.lockedUntilUtc.getTime();
  const left = lockedUntil - Date.now();
  assert.ok(left > 3000 && left <= 6500, `LockDuration PT5S applies (left: ${left} ms)`);

  // Do not settle. The receive below returns when the broker redelivers after the lock expires.
  const [second] = await receiveExactly(receiver, 1, { timeoutMs: 10_000 });
  const redeliveredAt = Date.now();
  assert.ok(redeliveredAt >= lockedUntil - 250,
    `not redelivered before the lock expired (${lockedUntil - redeliveredAt} ms early)`);
  assert.equal(second.messageId, id);
  assert.equal(num(second.sequenceNumber), num(first.sequenceNumber));
  assert.equal(second.deliveryCount, 1, "deliveryCount 1 on redelivery");
  assert.notEqual(second.lockToken, first.lockToken);

  await expectServiceBusError(receiver.completeMessage(first), "MessageLockLost", { withinMs: 5000 });
  await expectServiceBusError(receiver.renewMessageLock(first), "MessageLockLost", { withinMs: 5000 });
  await receiver.completeMessage(second);
  assert.deepEqual(await peekAll(receiver), []);
});
