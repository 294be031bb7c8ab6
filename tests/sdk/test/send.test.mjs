// Sending: single, array, ServiceBusMessageBatch, across clients, broker-assigned ids, size limits.

import assert from "node:assert/strict";
import { queue, useFerry } from "../harness.mjs";
import {
  bodyLengthForEncodedSize, encodedSizeOfBufferMessage, expectServiceBusError, num, peekAll,
  receiveExactly, uid,
} from "../helpers.mjs";

const MAX_MESSAGE_BYTES = 256 * 1024; // queue default MaxMessageSizeInKilobytes = 256

const Q = {
  single: "send-single",
  array: "send-array",
  batch: "send-batch",
  batchLimit: "send-batch-limit",
  twoClients: "send-two-clients",
  noId: "send-no-id",
  maxSize: "send-max-size",
  overSize: "send-over-size",
};

const ferry = useFerry({ name: "send", queues: Object.values(Q).map((n) => queue(n)) });

ferry.test("sendMessages(single) delivers one message with its body and messageId", async ({ client }) => {
  const sb = client();
  const id = uid("single");
  await sb.createSender(Q.single).sendMessages({ body: { hello: "world", n: 1 }, messageId: id });

  const receiver = sb.createReceiver(Q.single);
  const [m] = await receiveExactly(receiver, 1);
  assert.equal(m.messageId, id);
  assert.deepEqual(m.body, { hello: "world", n: 1 });
  await receiver.completeMessage(m);
  assert.deepEqual(await peekAll(receiver), []);
});

ferry.test("sendMessages(array) delivers every message, in order", async ({ client }) => {
  const sb = client();
  const ids = Array.from({ length: 5 }, (_, i) => uid(`array${i}`));
  await sb.createSender(Q.array).sendMessages(ids.map((id, i) => ({ body: `body-${i}`, messageId: id })));

  const receiver = sb.createReceiver(Q.array);
  const got = await receiveExactly(receiver, 5);
  assert.deepEqual(got.map((m) => m.messageId), ids);
  assert.deepEqual(got.map((m) => m.body), ids.map((_, i) => `body-${i}`));
  const seqs = got.map((m) => num(m.sequenceNumber));
  for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i] > seqs[i - 1], `sequence numbers increase: ${seqs}`);
  for (const m of got) await receiver.completeMessage(m);
});

ferry.test("sendMessages(ServiceBusMessageBatch) from createMessageBatch delivers every message, in order",
  async ({ client }) => {
    const sb = client();
    const sender = sb.createSender(Q.batch);
    const batch = await sender.createMessageBatch();
    const ids = Array.from({ length: 10 }, (_, i) => uid(`batch${i}`));
    for (const [i, id] of ids.entries()) {
      assert.equal(batch.tryAddMessage({ body: { i }, messageId: id, applicationProperties: { i } }), true);
    }
    assert.equal(batch.count, 10);
    await sender.sendMessages(batch);

    const receiver = sb.createReceiver(Q.batch);
    const got = await receiveExactly(receiver, 10);
    assert.deepEqual(got.map((m) => m.messageId), ids);
    assert.deepEqual(got.map((m) => m.body), ids.map((_, i) => ({ i })));
    // Each message of the batch keeps its own application properties (not the envelope's).
    assert.deepEqual(got.map((m) => m.applicationProperties?.i), ids.map((_, i) => i));
    for (const m of got) await receiver.completeMessage(m);
  });

ferry.test("createMessageBatch uses the link's max-message-size of 256 KiB", async ({ client }) => {
  const sb = client();
  const sender = sb.createSender(Q.batchLimit);
  const batch = await sender.createMessageBatch();
  // The SDK takes this from the broker's attach max-message-size; 0 or absent would break batching.
  assert.equal(batch.maxSizeInBytes, MAX_MESSAGE_BYTES);
  assert.equal(batch.tryAddMessage({ body: Buffer.alloc(300 * 1024, 7), messageId: uid("too-big") }), false);
  assert.equal(batch.tryAddMessage({ body: "small", messageId: uid("small") }), true);
  await sender.sendMessages(batch);
  const receiver = sb.createReceiver(Q.batchLimit, { receiveMode: "receiveAndDelete" });
  const [m] = await receiveExactly(receiver, 1);
  assert.equal(m.body, "small");
});

ferry.test("a message sent by one client is received by a second client", async ({ client }) => {
  const producer = client();
  const consumer = client();
  const ids = [uid("c0"), uid("c1"), uid("c2")];
  await producer.createSender(Q.twoClients).sendMessages(ids.map((id) => ({ body: id, messageId: id })));

  const receiver = consumer.createReceiver(Q.twoClients);
  const got = await receiveExactly(receiver, 3);
  assert.deepEqual(got.map((m) => m.messageId), ids);
  assert.deepEqual(got.map((m) => m.body), ids);
  for (const m of got) await receiver.completeMessage(m);
  assert.deepEqual(await peekAll(producer.createReceiver(Q.twoClients)), []);
});

ferry.test("the broker assigns a messageId when the sender sets none", async ({ client }) => {
  const sb = client();
  await sb.createSender(Q.noId).sendMessages([{ body: "a" }, { body: "b" }]);
  await sb.createSender(Q.noId).sendMessages({ body: "c" });

  const receiver = sb.createReceiver(Q.noId);
  const peeked = await peekAll(receiver);
  assert.equal(peeked.length, 3);
  for (const p of peeked) {
    assert.equal(typeof p.messageId, "string", "peeked message has a messageId");
    assert.ok(p.messageId.length > 0);
  }
  assert.equal(new Set(peeked.map((p) => p.messageId)).size, 3, "assigned ids are distinct");

  // Settling in peekLock needs a messageId (the SDK's lock renewer is keyed by it).
  const got = await receiveExactly(receiver, 3);
  assert.deepEqual(got.map((m) => m.messageId), peeked.map((p) => p.messageId), "the id is stable");
  for (const m of got) await receiver.completeMessage(m);
});

ferry.test("a message whose encoded size is just under 256 KiB is accepted and delivered intact",
  async ({ client }) => {
    const sb = client();
    const id = uid("max");
    const length = bodyLengthForEncodedSize(MAX_MESSAGE_BYTES - 16, id);
    const body = Buffer.alloc(length);
    for (let i = 0; i < length; i++) body[i] = (i * 31 + 7) & 0xff;
    body[0] = 0xff; // not valid JSON, so the SDK hands back the raw Buffer

    await sb.createSender(Q.maxSize).sendMessages({ body, messageId: id });
    const receiver = sb.createReceiver(Q.maxSize);
    const [m] = await receiveExactly(receiver, 1);
    assert.equal(m.messageId, id);
    assert.ok(Buffer.isBuffer(m.body));
    assert.equal(m.body.length, length);
    assert.ok(m.body.equals(body), "body bytes are intact");
    await receiver.completeMessage(m);
  });

ferry.test("a message over 256 KiB fails with MessageSizeExceeded, and the sender keeps working",
  async ({ client }) => {
    const sb = client();
    const sender = sb.createSender(Q.overSize);
    const id = uid("over");
    const length = bodyLengthForEncodedSize(MAX_MESSAGE_BYTES + 16, id);
    assert.ok(encodedSizeOfBufferMessage(length, id) > MAX_MESSAGE_BYTES);
    await expectServiceBusError(
      sender.sendMessages({ body: Buffer.alloc(length, 1), messageId: id }),
      "MessageSizeExceeded", { withinMs: 5000 });

    const okId = uid("after-over");
    await sender.sendMessages({ body: "still works", messageId: okId });
    const receiver = sb.createReceiver(Q.overSize);
    const [m] = await receiveExactly(receiver, 1);
    assert.equal(m.messageId, okId, "the oversized message was not enqueued");
    await receiver.completeMessage(m);
    assert.deepEqual(await peekAll(receiver), []);
  });
