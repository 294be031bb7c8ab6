// Round-tripping: application property types, body types, AmqpAnnotatedMessage, system properties.

import assert from "node:assert/strict";
import { queue, useFerry } from "../harness.mjs";
import { receiveExactly, uid } from "../helpers.mjs";

const Q = {
  appProps: "props-app",
  appDates: "props-app-dates",
  bodies: "props-bodies",
  annotated: "props-annotated",
  system: "props-system",
};

const ferry = useFerry({ name: "properties", queues: Object.values(Q).map((n) => queue(n)) });

const DATE = new Date(1700000000123);

// rhea encodes JS values as: string -> str, positive integer -> uint (ulong >= 2^32),
// negative integer -> int (long below -2^31), fraction -> double, boolean, Date -> timestamp,
// null -> null, Buffer -> binary. The broker must carry each of them through untouched.
// (binary is checked in the skipConvertingDate test: by default the SDK's date conversion walks every
// object-valued property and turns a Buffer into a plain object.)
const APP_PROPS = {
  str: "hello",
  emptyStr: "",
  unicode: "héllo ✓ 日本語 🚀",
  int: 42,
  zero: 0,
  smallUint: 200,
  uint: 3_000_000_000,
  negInt: -7,
  negInt32: -2_000_000_000,
  bigPositive: 2 ** 40,
  bigNegative: -(2 ** 40),
  double: 3.14159,
  negDouble: -0.5,
  yes: true,
  no: false,
  date: DATE,
  nothing: null,
};
const BYTES = Buffer.from([0x00, 0x01, 0x7f, 0x80, 0xff]);

ferry.test("application properties of every type round-trip", async ({ client }) => {
  const sb = client();
  const id = uid("app");
  await sb.createSender(Q.appProps).sendMessages({ body: "x", messageId: id, applicationProperties: APP_PROPS });

  const receiver = sb.createReceiver(Q.appProps);
  const [m] = await receiveExactly(receiver, 1);
  const got = m.applicationProperties;
  for (const [key, sent] of Object.entries(APP_PROPS)) {
    if (key === "date") continue;
    assert.strictEqual(got[key], sent, `${key}`);
  }
  // By default the SDK hands timestamps back as epoch milliseconds.
  assert.strictEqual(got.date, DATE.getTime(), "date (timestamp) as epoch ms");
  assert.deepEqual(Object.keys(got).sort(), Object.keys(APP_PROPS).sort(), "no property lost or added");
  await receiver.completeMessage(m);
});

ferry.test("Date and binary application properties come back as Date and Buffer with skipConvertingDate",
  async ({ client }) => {
    const sb = client();
    await sb.createSender(Q.appDates).sendMessages({
      body: "d", messageId: uid("date"), applicationProperties: { when: DATE, bytes: BYTES, n: 1 },
    });
    const receiver = sb.createReceiver(Q.appDates, { skipConvertingDate: true });
    const [m] = await receiveExactly(receiver, 1);
    assert.ok(m.applicationProperties.when instanceof Date, "a timestamp, not a number");
    assert.equal(m.applicationProperties.when.getTime(), DATE.getTime());
    const bytes = m.applicationProperties.bytes;
    assert.ok(Buffer.isBuffer(bytes) && bytes.equals(BYTES), `binary kept: ${JSON.stringify(bytes)}`);
    assert.equal(m.applicationProperties.n, 1);
    await receiver.completeMessage(m);
  });

// Bodies of a ServiceBusMessage: a Buffer goes out as a raw data section, anything else as JSON in a data
// section. On receive the SDK JSON-decodes data sections, so a Buffer must not be valid JSON to stay raw.
const BODIES = [
  ["string", "plain text"],
  ["empty string", ""],
  ["unicode string", "ünïcödé ✓ 日本語"],
  ["integer", 42],
  ["negative double", -12.375],
  ["boolean", true],
  ["null", null],
  ["object", { a: 1, b: [1, 2, { c: "d" }], e: { f: null, g: false } }],
  ["array", [1, "two", { three: 3 }, [4]]],
  ["Buffer", Buffer.from([0xff, 0x00, 0xfe, 0x10, 0x80])],
];

ferry.test("every ServiceBusMessage body type round-trips", async ({ client }) => {
  const sb = client();
  const sent = BODIES.map(([name, body]) => ({ name, body, messageId: uid(name.replace(/ /g, "-")) }));
  await sb.createSender(Q.bodies).sendMessages(sent.map(({ body, messageId }) => ({ body, messageId })));

  const receiver = sb.createReceiver(Q.bodies);
  const got = await receiveExactly(receiver, sent.length);
  assert.deepEqual(got.map((m) => m.messageId), sent.map((s) => s.messageId));
  for (const [i, m] of got.entries()) {
    const { name, body } = sent[i];
    if (Buffer.isBuffer(body)) {
      assert.ok(Buffer.isBuffer(m.body) && m.body.equals(body), `${name}: ${JSON.stringify(m.body)}`);
    } else {
      assert.deepStrictEqual(m.body, body, name);
    }
    assert.equal(m._rawAmqpMessage.bodyType, "data", `${name} travels as a data section`);
    await receiver.completeMessage(m);
  }
});

ferry.test("AmqpAnnotatedMessage bodies of type value and sequence round-trip, with their sections",
  async ({ client }) => {
    const sb = client();
    const sender = sb.createSender(Q.annotated);
    const cases = [
      { name: "value map", bodyType: "value", body: { k: "v", n: 7, nested: { ok: true } } },
      { name: "value string", bodyType: "value", body: "a string value" },
      { name: "value number", bodyType: "value", body: -123 },
      { name: "value list", bodyType: "value", body: [1, "two", 3.5] },
      { name: "sequence", bodyType: "sequence", body: [1, "two", [3, 4], { five: 5 }] },
      { name: "data", bodyType: "data", body: Buffer.from([0xfa, 0xce]) },
    ];
    for (const c of cases) {
      await sender.sendMessages({
        body: c.body,
        bodyType: c.bodyType,
        properties: { messageId: uid(c.name.replace(/ /g, "-")), subject: c.name, contentType: "test/x" },
        applicationProperties: { case: c.name },
        messageAnnotations: { "x-custom-annotation": c.name },
      });
    }

    const receiver = sb.createReceiver(Q.annotated);
    const got = await receiveExactly(receiver, cases.length);
    for (const [i, m] of got.entries()) {
      const c = cases[i];
      assert.equal(m.applicationProperties.case, c.name);
      assert.equal(m.subject, c.name, `${c.name}: properties section`);
      assert.equal(m.contentType, "test/x");
      assert.equal(m._rawAmqpMessage.bodyType, c.bodyType, `${c.name}: body section type`);
      if (Buffer.isBuffer(c.body)) {
        assert.ok(Buffer.isBuffer(m.body) && m.body.equals(c.body), c.name);
      } else {
        assert.deepStrictEqual(m.body, c.body, c.name);
      }
      assert.equal(m._rawAmqpMessage.messageAnnotations?.["x-custom-annotation"], c.name,
        `${c.name}: the sender's own message annotation is kept`);
      assert.equal(m._rawAmqpMessage.properties.messageId, m.messageId);
      await receiver.completeMessage(m);
    }
  });

ferry.test("system properties round-trip", async ({ client }) => {
  const sb = client();
  const sent = {
    body: { order: 1 },
    messageId: uid("sys"),
    correlationId: "corr-123",
    contentType: "application/json",
    subject: "order.created",
    to: "billing",
    replyTo: "replies-queue",
    replyToSessionId: "reply-session-1",
    timeToLive: 3_600_000,
  };
  await sb.createSender(Q.system).sendMessages(sent);

  const receiver = sb.createReceiver(Q.system);
  const [m] = await receiveExactly(receiver, 1);
  for (const key of ["messageId", "correlationId", "contentType", "subject", "to", "replyTo",
    "replyToSessionId", "timeToLive"]) {
    assert.strictEqual(m[key], sent[key], key);
  }
  assert.deepEqual(m.body, sent.body);
  assert.equal(m.expiresAtUtc.getTime() - m.enqueuedTimeUtc.getTime(), sent.timeToLive,
    "expiresAtUtc = enqueuedTimeUtc + timeToLive");
  assert.equal(m.sessionId, undefined, "no session id appears");
  await receiver.completeMessage(m);
});
