// Scheduled messages: scheduleMessages, scheduledEnqueueTimeUtc on a plain send, cancelScheduledMessages.
// Time-based by nature: each test waits for a schedule 1-2 s ahead, through a receive that returns as soon
// as the broker delivers.

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

  assert.equal(seqs.length, 2);
  for (const s of seqs) assert.ok(Long.isLong(s) && num(s) >= 1, `a sequence number: ${s}`);
  assert.ok(num(seqs[1]) > num(seqs[0]), "in request order");

  const receiver = sb.createReceiver(Q.schedule);
  const peeked = await peekAll(receiver);
  assert.deepEqual(peeked.map((m) => m.messageId), ids);
  for (const [i, p] of peeked.entries()) {
    assert.equal(p.state, "scheduled", "x-opt-message-state = 2 while scheduled");
    assert.equal(num(p.sequenceNumber), num(seqs[i]));
    assert.equal(p.scheduledEnqueueTimeUtc?.getTime(), at.getTime(), "scheduledEnqueueTimeUtc kept");
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
});

ferry.test("sendMessages with scheduledEnqueueTimeUtc schedules the message", async ({ client }) => {
  const sb = client();
  const id = uid("annot");
  const at = new Date(Date.now() + 1500);
  await sb.createSender(Q.annotation).sendMessages({ body: "later", messageId: id, scheduledEnqueueTimeUtc: at });

  const receiver = sb.createReceiver(Q.annotation);
  const [p] = await peekAll(receiver);
  assert.equal(p?.messageId, id);
  assert.equal(p.state, "scheduled");
  assert.equal(p.scheduledEnqueueTimeUtc?.getTime(), at.getTime());

  const [m] = await receiveExactly(receiver, 1, { timeoutMs: 6000 });
  assert.ok(Date.now() >= at.getTime() - EARLY_SLACK_MS, "not delivered early");
  assert.equal(m.messageId, id);
  assert.equal(m.body, "later");
  await receiver.completeMessage(m);
});

ferry.test("cancelScheduledMessages: the cancelled message never arrives and peek no longer shows it",
  async ({ client }) => {
    const sb = client();
    const sender = sb.createSender(Q.cancel);
    const at = new Date(Date.now() + 1000);
    const cancelId = uid("cancel");
    const keepId = uid("keep");
    const [cancelSeq] = await sender.scheduleMessages({ body: "cancel", messageId: cancelId }, at);
    const [keepSeq] = await sender.scheduleMessages({ body: "keep", messageId: keepId }, at);

    await sender.cancelScheduledMessages(cancelSeq);
    const receiver = sb.createReceiver(Q.cancel);
    const peeked = await peekAll(receiver);
    assert.deepEqual(peeked.map((m) => m.messageId), [keepId], "only the kept one is left");
    assert.equal(num(peeked[0].sequenceNumber), num(keepSeq));

    // Both were due at the same time: once the kept one arrives, the cancelled one would have too.
    const [m] = await receiveExactly(receiver, 1, { timeoutMs: 6000 });
    assert.equal(m.messageId, keepId);
    await receiver.completeMessage(m);
    await assertNothingToReceive(receiver, 1000, "a queue whose other scheduled message was cancelled");
    assert.deepEqual(await peekAll(receiver), []);
  });
