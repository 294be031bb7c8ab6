// Errors the SDK must surface with the right code, fast: missing entities and a wrong key.

import assert from "node:assert/strict";
import { queue, useFerry } from "../harness.mjs";
import { deferred, delay, expectServiceBusError, receiveExactly, uid } from "../helpers.mjs";

const Q = {
  exists: "err-exists",
  afterBadKey: "err-after-bad-key",
};
const MISSING = "err-no-such-queue";

const ferry = useFerry({ name: "errors", queues: Object.values(Q).map((n) => queue(n)) });

// The SDK's own defaults (3 retries, 30 s apart). A not-found error must not be retried, so with these
// it still fails within a few seconds; a retryable answer from the broker would take 90 s or more.
const SDK_DEFAULT_RETRIES = { retryOptions: { maxRetries: 3, retryDelayInMs: 30_000, timeoutInMs: 60_000 } };
const FAST_MS = 5000;

ferry.test("sending to a missing queue fails fast with MessagingEntityNotFound", async ({ client }) => {
  const sender = client(SDK_DEFAULT_RETRIES).createSender(MISSING);
  const err = await expectServiceBusError(
    sender.sendMessages({ body: "x", messageId: uid("nf") }), "MessagingEntityNotFound", { withinMs: FAST_MS });
  assert.match(err.message, new RegExp(MISSING), "the error names the entity");
});

ferry.test("receiving from a missing queue fails fast with MessagingEntityNotFound", async ({ client }) => {
  const receiver = client(SDK_DEFAULT_RETRIES).createReceiver(MISSING);
  await expectServiceBusError(
    receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 }), "MessagingEntityNotFound", { withinMs: FAST_MS });
});

ferry.test("receiving from the DLQ of a missing queue fails fast with MessagingEntityNotFound",
  async ({ client }) => {
    const receiver = client(SDK_DEFAULT_RETRIES).createReceiver(MISSING, { subQueueType: "deadLetter" });
    await expectServiceBusError(
      receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 }), "MessagingEntityNotFound", { withinMs: FAST_MS });
  });

ferry.test("peeking a missing queue fails fast with MessagingEntityNotFound", async ({ client }) => {
  const receiver = client(SDK_DEFAULT_RETRIES).createReceiver(MISSING);
  await expectServiceBusError(receiver.peekMessages(1), "MessagingEntityNotFound", { withinMs: FAST_MS });
});

ferry.test("subscribe on a missing queue reports MessagingEntityNotFound to processError", async ({ client }) => {
  const receiver = client(SDK_DEFAULT_RETRIES).createReceiver(MISSING);
  const firstError = deferred();
  const started = Date.now();
  const subscription = receiver.subscribe({
    async processMessage() { firstError.reject(new Error("no message can arrive from a missing queue")); },
    async processError(args) { firstError.resolve(args); },
  });
  try {
    const args = await firstError.promise;
    assert.equal(args.error.code, "MessagingEntityNotFound", `${args.error.code}: ${args.error.message}`);
    assert.equal(args.errorSource, "receive");
    assert.ok(Date.now() - started < FAST_MS, "reported within a few seconds");
  } finally {
    // After a non-retryable link error the SDK (7.9.5) re-initialises the streaming link in the background; a
    // close() racing that re-initialisation waits out the SDK's own 30 s retry delay. That wait is client-side
    // (the broker has already answered every attach with not-found), so the close is bounded here.
    await Promise.race([subscription.close(), delay(2000)]);
  }
});

ferry.test("a wrong SharedAccessKey fails with UnauthorizedAccess (sender)", async ({ client }) => {
  const sb = client({ retryOptions: { maxRetries: 0 } }, ferry.connectionStringWithKey("not-the-right-key"));
  await expectServiceBusError(
    sb.createSender(Q.exists).sendMessages({ body: "x", messageId: uid("badkey") }),
    "UnauthorizedAccess", { withinMs: FAST_MS });
});

ferry.test("a wrong SharedAccessKey fails with UnauthorizedAccess (receiver)", async ({ client }) => {
  const sb = client({ retryOptions: { maxRetries: 0 } }, ferry.connectionStringWithKey("not-the-right-key"));
  await expectServiceBusError(
    sb.createReceiver(Q.exists).receiveMessages(1, { maxWaitTimeInMs: 2000 }),
    "UnauthorizedAccess", { withinMs: FAST_MS });
});

ferry.test("the right key still works after rejected ones, and nothing was enqueued by them",
  async ({ client }) => {
    const sb = client();
    const id = uid("good");
    await sb.createSender(Q.afterBadKey).sendMessages({ body: "ok", messageId: id });
    const receiver = sb.createReceiver(Q.afterBadKey);
    const [m] = await receiveExactly(receiver, 1);
    assert.equal(m.messageId, id);
    await receiver.completeMessage(m);
    const fromBadKey = await sb.createReceiver(Q.exists).peekMessages(10);
    assert.deepEqual(fromBadKey, [], "the unauthorized send enqueued nothing");
  });
