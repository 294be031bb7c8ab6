// Scheduled messages: scheduleMessages, scheduledEnqueueTimeUtc on a plain send, cancelScheduledMessages.
// Time-based by nature: a delivery check waits for a schedule 1-2 s ahead, through a receive that returns as soon
// as the broker delivers. What a peek shows while a message is scheduled is checked on messages scheduled an hour ahead
// (then cancelled), so a slow machine cannot turn them active before the peek.

import assert from "node:assert/strict";
import { queue, useFerry } from "../harness.mjs";
import { Long, assertNothingToReceive, num, peekAll, receiveExactly, uid } from "../helpers.mjs";

const Q = {
  schedule: "sched-schedule",
  annotation: "sched-annotation",
  cancel: "sched-cancel",
};

const ferry = useFerry({ name: "schedule", queues: Object.values(Q).map((n) => queue(n)) });

const EARLY_SLACK_MS = 100; // same machine, same clock; allow timer granularity only

ferry.test("scheduleMessages returns sequence numbers; peek shows the messages as scheduled; " +
  "they are delivered at their time", { timeout: 12_000 }, async ({ client }) => {
  const sb = client();
  const sender = sb.createSender(Q.schedule);
  const ids = [uid("s0"), uid("s1")];
  const at = new Date(Date.now() + 2000);
  const seqs = await sender.scheduleMessages(ids.map((id) => ({ body: id, messageId: id })), at);
  const laterIds = [uid("l0"), uid("l1")];
  const later = new Date(Date.now() + 3_600_000);
  const laterSeqs = await sender.scheduleMessages(laterIds.map((id) => ({ body: id, messageId: id })), later);

  assert.equal(seqs.length, 2);
  for (const s of seqs) assert.ok(Long.isLong(s) && num(s) >= 1, `a sequence number: ${s}`);
  assert.ok(num(seqs[1]) > num(seqs[0]), "in request order");

  const receiver = sb.createReceiver(Q.schedule);
  const peeked = await peekAll(receiver);
  assert.deepEqual(peeked.map((m) => m.messageId), [...ids, ...laterIds]);
  assert.deepEqual(peeked.map((m) => num(m.sequenceNumber)), [...seqs, ...laterSeqs].map(num));
  for (const p of peeked.slice(2)) {
    assert.equal(p.state, "scheduled", "x-opt-message-state = 2 while scheduled");
    assert.equal(p.scheduledEnqueueTimeUtc?.getTime(), later.getTime(), "scheduledEnqueueTimeUtc kept");
  }

  const got = await receiveExactly(receiver, 2, { timeoutMs: 7000 });
  const arrived = Date.now();
  assert.ok(arrived >= at.getTime() - EARLY_SLACK_MS, `not delivered early (${at.getTime() - arrived} ms early)`);
  assert.deepEqual(got.map((m) => m.messageId), ids);
  assert.deepEqual(got.map((m) => num(m.sequenceNumber)), seqs.map(num), "keeps its sequence number");
  for (const m of got) {
    assert.equal(m.state, "active");
    assert.equal(m.body, m.messageId);
    assert.ok(m.enqueuedTimeUtc.getTime() >= at.getTime() - EARLY_SLACK_MS,
      "enqueuedTimeUtc is when it became active");
    await receiver.completeMessage(m);
  }
  await sender.cancelScheduledMessages(laterSeqs);
  assert.deepEqual(await peekAll(receiver), []);
});

ferry.test("sendMessages with scheduledEnqueueTimeUtc schedules the message", async ({ client }) => {
  const sb = client();
  const id = uid("annot");
  const at = new Date(Date.now() + 1500);
  const laterId = uid("annot-later");
  const later = new Date(Date.now() + 3_600_000);
  const sender = sb.createSender(Q.annotation);
  await sender.sendMessages({ body: "later", messageId: id, scheduledEnqueueTimeUtc: at });
  await sender.sendMessages({ body: "much later", messageId: laterId, scheduledEnqueueTimeUtc: later });

  const receiver = sb.createReceiver(Q.annotation);
  const peeked = await peekAll(receiver);
  assert.deepEqual(peeked.map((m) => m.messageId), [id, laterId]);
  const p = peeked[1];
  assert.equal(p.state, "scheduled");
  assert.equal(p.scheduledEnqueueTimeUtc?.getTime(), later.getTime());

  const [m] = await receiveExactly(receiver, 1, { timeoutMs: 6000 });
  assert.ok(Date.now() >= at.getTime() - EARLY_SLACK_MS, "not delivered early");
  assert.equal(m.messageId, id);
  assert.equal(m.body, "later");
  await receiver.completeMessage(m);
  await sender.cancelScheduledMessages(p.sequenceNumber);
  assert.deepEqual(await peekAll(receiver), []);
});

ferry.test("cancelScheduledMessages: the cancelled message is gone from the queue; the other stays scheduled",
  async ({ client }) => {
    const sb = client();
    const sender = sb.createSender(Q.cancel);
    const at = new Date(Date.now() + 3_600_000);
    const cancelId = uid("cancel");
    const keepId = uid("keep");
    const [cancelSeq] = await sender.scheduleMessages({ body: "cancel", messageId: cancelId }, at);
    const [keepSeq] = await sender.scheduleMessages({ body: "keep", messageId: keepId }, at);

    await sender.cancelScheduledMessages(cancelSeq);
    const receiver = sb.createReceiver(Q.cancel);
    const peeked = await peekAll(receiver);
    assert.deepEqual(peeked.map((m) => m.messageId), [keepId], "only the kept one is left");
    assert.equal(num(peeked[0].sequenceNumber), num(keepSeq));
    assert.equal(peeked[0].state, "scheduled");

    // Cancelling a number that is no longer scheduled is not an error (as Azure); the kept one goes too.
    await sender.cancelScheduledMessages([cancelSeq, keepSeq]);
    assert.deepEqual(await peekAll(receiver), []);
    await assertNothingToReceive(receiver, 500, "a queue whose scheduled messages were cancelled");
  });
