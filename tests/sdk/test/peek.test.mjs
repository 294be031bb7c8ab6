// Peeking and sequence numbers.

import assert from "node:assert/strict";
import { queue, useFerry } from "../harness.mjs";
import { Long, num, peekAll, receiveExactly, uid } from "../helpers.mjs";

const Q = {
  seq: "peek-seq",
  cursor: "peek-cursor",
  from: "peek-from",
  empty: "peek-empty",
  noLock: "peek-nolock",
};

const ferry = useFerry({ name: "peek", queues: Object.values(Q).map((n) => queue(n)) });

async function sendNumbered(sb, q, count, prefix) {
  const ids = [];
  const sender = sb.createSender(q);
  for (let i = 0; i < count; i++) {
    const id = uid(`${prefix}${i}`);
    ids.push(id);
    await sender.sendMessages({ body: { i }, messageId: id }); // one at a time, so the order is certain
  }
  return ids;
}

ferry.test("sequence numbers start at 1 in a new queue and increase with each message", async ({ client }) => {
  const sb = client();
  const ids = await sendNumbered(sb, Q.seq, 5, "seq");
  const receiver = sb.createReceiver(Q.seq);

  const peeked = await peekAll(receiver);
  assert.deepEqual(peeked.map((m) => m.messageId), ids);
  const seqs = peeked.map((m) => num(m.sequenceNumber));
  assert.equal(seqs[0], 1, `the first message of a new queue has sequence number 1 (got ${seqs})`);
  for (let i = 1; i < seqs.length; i++) {
    assert.ok(seqs[i] > seqs[i - 1], `sequence numbers increase: ${seqs}`);
  }
  assert.ok(Long.isLong(peeked[0].sequenceNumber), "sequenceNumber is a Long");
  for (let i = 1; i < peeked.length; i++) {
    assert.ok(peeked[i].enqueuedTimeUtc >= peeked[i - 1].enqueuedTimeUtc, "enqueued times do not go back");
  }

  // Delivery reports the same numbers.
  const got = await receiveExactly(receiver, 5);
  assert.deepEqual(got.map((m) => num(m.sequenceNumber)), seqs);
  for (const m of got) await receiver.completeMessage(m);
});

ferry.test("peekMessages continues from where the previous peek on the same receiver stopped",
  async ({ client }) => {
    const sb = client();
    const ids = await sendNumbered(sb, Q.cursor, 5, "cur");
    const receiver = sb.createReceiver(Q.cursor);

    const first = await receiver.peekMessages(2);
    assert.deepEqual(first.map((m) => m.messageId), ids.slice(0, 2));
    const second = await receiver.peekMessages(2);
    assert.deepEqual(second.map((m) => m.messageId), ids.slice(2, 4));
    const rest = await receiver.peekMessages(10);
    assert.deepEqual(rest.map((m) => m.messageId), ids.slice(4));
    assert.deepEqual(await receiver.peekMessages(10), [], "nothing after the last message");
    for (const m of [...first, ...second, ...rest]) {
      assert.equal(m.lockToken, undefined, "peeked messages carry no lock token");
      assert.deepEqual(m.body, { i: ids.indexOf(m.messageId) });
    }
  });

ferry.test("peekMessages with fromSequenceNumber starts at that sequence number", async ({ client }) => {
  const sb = client();
  const ids = await sendNumbered(sb, Q.from, 5, "from");
  const receiver = sb.createReceiver(Q.from);
  const all = await peekAll(receiver);
  assert.equal(all.length, 5);

  const third = all[2].sequenceNumber;
  const fromThird = await receiver.peekMessages(10, { fromSequenceNumber: third });
  assert.deepEqual(fromThird.map((m) => m.messageId), ids.slice(2));
  assert.deepEqual(fromThird.map((m) => num(m.sequenceNumber)), all.slice(2).map((m) => num(m.sequenceNumber)));

  const two = await receiver.peekMessages(2, { fromSequenceNumber: all[1].sequenceNumber });
  assert.deepEqual(two.map((m) => m.messageId), ids.slice(1, 3), "maxMessageCount is honoured");

  const past = await receiver.peekMessages(10, { fromSequenceNumber: all[4].sequenceNumber.add(1) });
  assert.deepEqual(past, [], "peeking past the last sequence number returns []");

  const fromOne = await receiver.peekMessages(1, { fromSequenceNumber: Long.fromNumber(1) });
  assert.deepEqual(fromOne.map((m) => m.messageId), ids.slice(0, 1));
});

ferry.test("peekMessages on an empty queue returns []", async ({ client }) => {
  const receiver = client().createReceiver(Q.empty);
  assert.deepEqual(await receiver.peekMessages(10), []);
  assert.deepEqual(await receiver.peekMessages(10, { fromSequenceNumber: Long.fromNumber(1) }), []);
});

ferry.test("peek neither locks nor consumes nor counts as a delivery; locked messages stay visible",
  async ({ client }) => {
    const sb = client();
    const ids = await sendNumbered(sb, Q.noLock, 2, "nl");
    const receiver = sb.createReceiver(Q.noLock);
    assert.equal((await peekAll(receiver)).length, 2);
    assert.equal((await peekAll(receiver)).length, 2);

    const got = await receiveExactly(receiver, 2);
    assert.deepEqual(got.map((m) => m.messageId), ids);
    assert.deepEqual(got.map((m) => m.deliveryCount), [0, 0], "peeks did not count as deliveries");

    const whileLocked = await peekAll(receiver);
    assert.deepEqual(whileLocked.map((m) => m.messageId), ids, "locked messages are still peekable");

    for (const m of got) await receiver.completeMessage(m);
    assert.deepEqual(await peekAll(receiver), []);
  });
