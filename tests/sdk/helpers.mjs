// Assertion and receive helpers shared by the test files.

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";

// Packages the SDK itself depends on, resolved from the SDK's own location so the versions match.
const sdkRequire = createRequire(import.meta.resolve("@azure/service-bus"));
/** The `long` class the SDK uses for sequence numbers. */
export const Long = sdkRequire("long");
/** rhea's message codec (the one the SDK encodes with), to compute encoded message sizes. */
export const rheaMessage = sdkRequire("rhea-promise").message;
export const coreAmqpVersion = sdkRequire("@azure/core-amqp/package.json").version;
export const { ConnectionConfig } = sdkRequire("@azure/core-amqp");

export const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A message id unique to this run. */
export const uid = (prefix = "m") => `${prefix}-${randomUUID()}`;

/** Converts an SDK Long (or number) to a JS number. */
export const num = (v) => (typeof v === "number" ? v : Long.isLong(v) ? v.toNumber() : Number(v));

/**
 * Receives until exactly `count` messages have arrived (or `timeoutMs` passes), across as many
 * receiveMessages calls as needed. Fails if more than `count` arrive.
 */
export async function receiveExactly(receiver, count, { timeoutMs = 5000 } = {}) {
  const got = [];
  const deadline = Date.now() + timeoutMs;
  while (got.length < count) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    const batch = await receiver.receiveMessages(count - got.length, {
      maxWaitTimeInMs: Math.max(100, remaining),
    });
    got.push(...batch);
  }
  assert.equal(got.length, count,
    `expected ${count} message(s) within ${timeoutMs} ms, got ${got.length}`);
  return got;
}

/** Asserts that a receive waiting `waitMs` gets nothing. */
export async function assertNothingToReceive(receiver, waitMs = 1000, what = "the entity") {
  const msgs = await receiver.receiveMessages(10, { maxWaitTimeInMs: waitMs });
  assert.deepEqual(msgs.map((m) => m.messageId), [],
    `expected ${what} to deliver nothing, got ${msgs.length} message(s)`);
}

/**
 * Peeks everything in the entity from sequence number 1. (Like any peek, it moves the SDK's peek cursor,
 * which is shared by all receivers of one client on the same entity path.)
 */
export async function peekAll(receiver, max = 1000) {
  return receiver.peekMessages(max, { fromSequenceNumber: Long.fromNumber(1) });
}

/**
 * Awaits `promise`, expecting it to reject with a ServiceBusError whose `code` is `code`,
 * within `withinMs` if given. Returns the error.
 */
export async function expectServiceBusError(promise, code, { withinMs } = {}) {
  const started = Date.now();
  let error;
  try {
    await promise;
  } catch (err) {
    error = err;
  }
  const elapsed = Date.now() - started;
  assert.ok(error, `expected the operation to fail with code "${code}", but it succeeded`);
  if (error.code !== code) {
    // AggregateError from the SDK's retry loop: show what each attempt failed with.
    const inner = Array.isArray(error.errors)
      ? ` (attempts: ${error.errors.map((e) => `${e.name}/${e.code}: ${e.message}`).join(" | ")})`
      : "";
    assert.fail(`expected error code "${code}", got ${error.name} code=${JSON.stringify(error.code)}: ` +
      `${error.message}${inner}`);
  }
  if (withinMs !== undefined) {
    assert.ok(elapsed <= withinMs,
      `expected "${code}" within ${withinMs} ms, took ${elapsed} ms (was it retried?)`);
  }
  return error;
}

/** Polls a client-side condition (never broker state) every 20 ms until true or timeout. */
export async function waitUntil(condition, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(20);
  }
}

/** A promise with its resolve function exposed. */
export function deferred() {
  let resolve, reject;
  const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

/** The encoded size in bytes of a ServiceBusMessage with a Buffer body, as the SDK encodes it. */
export function encodedSizeOfBufferMessage(bodyLength, messageId) {
  const message = {
    body: rheaMessage.data_section(Buffer.alloc(bodyLength)),
    message_annotations: {},
    message_id: messageId,
  };
  return rheaMessage.encode(message).length;
}

/** Body length that makes a Buffer-bodied message with `messageId` encode to exactly `targetSize` bytes. */
export function bodyLengthForEncodedSize(targetSize, messageId) {
  // Overhead is constant once the body needs a 4-byte length (vbin32), i.e. above 255 bytes.
  const overhead = encodedSizeOfBufferMessage(1000, messageId) - 1000;
  const length = targetSize - overhead;
  assert.equal(encodedSizeOfBufferMessage(length, messageId), targetSize, "size computation is off");
  return length;
}
