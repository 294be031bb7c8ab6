// ServiceBusAdministrationClient (the Atom/XML management API) against Ferry's HTTPS port, trusting Ferry's
// generated development certificate through NODE_EXTRA_CA_CERTS, exactly as a user would.
//
// Node reads NODE_EXTRA_CA_CERTS once, when it starts, so this file runs in two roles:
//  - outer (as `node --test` starts it): starts Ferry with { tls: true }, then runs this same file in a child `node`
//    whose environment has NODE_EXTRA_CA_CERTS=<Ferry's dev-cert.pem> and the ports, and reports each of the child's
//    tests as a subtest of one test here (Ferry's output is attached when one fails);
//  - inner (FERRY_ADMIN_CHILD=1): the actual tests, against the Ferry the outer started.
// The 7.9.5 admin client always uses https://<Endpoint host:port>, so its connection string names the HTTPS port and
// has no UseDevelopmentEmulator; the ServiceBusClient that sends messages uses the plain AMQP port as usual.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import { ServiceBusAdministrationClient, ServiceBusClient } from "@azure/service-bus";
import { FerryProcess, SAS_KEY, SAS_KEY_NAME, connectionStringFor } from "../harness.mjs";
import { receiveExactly, uid } from "../helpers.mjs";

const CHILD_TIMEOUT_MS = 120_000;

if (process.env.FERRY_ADMIN_CHILD !== "1") {
  const ferry = new FerryProcess({ name: "admin", tls: true });
  before(() => ferry.start(), { timeout: 45_000 });
  after(() => ferry.stop(), { timeout: 20_000 });

  test("ServiceBusAdministrationClient over HTTPS, trusting the dev certificate (child node with NODE_EXTRA_CA_CERTS)",
    { timeout: CHILD_TIMEOUT_MS + 5_000 }, async (t) => {
      const { code, output } = await runChild({
        ...process.env,
        FERRY_ADMIN_CHILD: "1",
        NODE_EXTRA_CA_CERTS: ferry.certPemPath,
        FERRY_ADMIN_AMQP_PORT: String(ferry.amqpPort),
        FERRY_ADMIN_AMQPS_PORT: String(ferry.amqpsPort),
        FERRY_ADMIN_HTTPS_PORT: String(ferry.httpsPort),
      });
      const results = parseTopLevelTap(output);
      for (const result of results) {
        await t.test(result.name, () => {
          if (!result.ok) {
            ferry.failed = true;
            assert.fail(`${result.details}\n${ferry.tail()}`);
          }
        });
      }
      if (code !== 0 || results.length === 0 || results.some((r) => !r.ok)) {
        ferry.failed = true;
        assert.fail(`the child test process exited with code ${code} after ${results.length} test(s)\n` +
          `--- child output ---\n${output}\n--- end of child output ---\n${ferry.tail()}`);
      }
    });
} else {
  defineAdminTests();
}

/** Runs this file in a child node with the given environment; resolves with its exit code and TAP output. */
function runChild(env) {
  // Set by `node --test` for the processes it runs; it would make the child report in the runner's binary protocol.
  delete env.NODE_TEST_CONTEXT;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--test-reporter=tap", fileURLToPath(import.meta.url)],
      { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (d) => { output += d; });
    child.stderr.setEncoding("utf8").on("data", (d) => { output += d; });
    const timer = setTimeout(() => child.kill("SIGKILL"), CHILD_TIMEOUT_MS);
    child.on("error", (err) => { clearTimeout(timer); reject(err); });
    child.on("exit", (code, signal) => { clearTimeout(timer); resolve({ code: code ?? signal, output }); });
  });
}

/** The top-level `ok N - name` / `not ok N - name` results of TAP output, each with the lines that follow it. */
function parseTopLevelTap(output) {
  const results = [];
  const lines = output.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const match = /^(not ok|ok) \d+ - (.*)$/.exec(lines[i]);
    if (!match) continue;
    const details = [];
    for (let j = i + 1; j < lines.length && /^\s/.test(lines[j]); j++) details.push(lines[j]);
    results.push({ ok: match[1] === "ok", name: match[2].replace(/ # .*$/, ""), details: details.join("\n") });
  }
  return results;
}

function defineAdminTests() {
  const amqpPort = Number(process.env.FERRY_ADMIN_AMQP_PORT);
  const amqpsPort = Number(process.env.FERRY_ADMIN_AMQPS_PORT);
  const httpsPort = Number(process.env.FERRY_ADMIN_HTTPS_PORT);
  const adminConnectionString =
    `Endpoint=sb://localhost:${httpsPort};SharedAccessKeyName=${SAS_KEY_NAME};SharedAccessKey=${SAS_KEY}`;
  const admin = new ServiceBusAdministrationClient(adminConnectionString);
  const clients = [];
  const client = (connectionString = connectionStringFor(amqpPort)) => {
    const c = new ServiceBusClient(connectionString, { retryOptions: { maxRetries: 0, timeoutInMs: 10_000 } });
    clients.push(c);
    return c;
  };
  after(async () => { await Promise.all(clients.map((c) => c.close().catch(() => undefined))); });

  const name = (prefix) => uid(prefix).slice(0, 40);

  /** Expects a RestError from the admin client with this code and HTTP status. */
  async function expectRestError(promise, code, statusCode) {
    await assert.rejects(promise, (err) => {
      assert.equal(err.code, code, `code (message: ${err.message})`);
      assert.equal(err.statusCode, statusCode);
      return true;
    });
  }

  test("getNamespaceProperties returns the namespace name, SKU and times", async () => {
    const ns = await admin.getNamespaceProperties();
    assert.equal(ns.name, "localhost");
    assert.equal(ns.messagingSku, "Premium");
    assert.equal(ns.messagingUnits, 1);
    assert.ok(ns.createdAt instanceof Date && !isNaN(ns.createdAt), "createdAt is a date");
    assert.ok(ns.modifiedAt <= new Date());
  });

  test("queues: create, get, exists, update, list, runtime properties, delete", async () => {
    const queueName = name("admin-q");
    const created = await admin.createQueue(queueName, {
      lockDuration: "PT2M", maxDeliveryCount: 5, defaultMessageTimeToLive: "PT1H", deadLetteringOnMessageExpiration: true,
      requiresDuplicateDetection: true, duplicateDetectionHistoryTimeWindow: "PT5M", userMetadata: "made by the admin client",
    });
    assert.equal(created.name, queueName);
    assert.equal(created.lockDuration, "PT2M");
    assert.equal(created.maxDeliveryCount, 5);
    assert.equal(created.status, "Active");
    assert.equal(created.availabilityStatus, "Available");

    const got = await admin.getQueue(queueName);
    assert.equal(got.defaultMessageTimeToLive, "PT1H");
    assert.equal(got.deadLetteringOnMessageExpiration, true);
    assert.equal(got.requiresDuplicateDetection, true);
    assert.equal(got.duplicateDetectionHistoryTimeWindow, "PT5M");
    assert.equal(got.userMetadata, "made by the admin client");
    assert.equal(got.requiresSession, false);
    assert.equal(got.maxSizeInMegabytes, 1024);

    assert.equal(await admin.queueExists(queueName), true);
    assert.equal(await admin.queueExists(name("missing")), false);

    got.maxDeliveryCount = 9;
    got.lockDuration = "PT30S";
    const updated = await admin.updateQueue(got);
    assert.equal(updated.maxDeliveryCount, 9);
    assert.equal(updated.lockDuration, "PT30S");
    assert.equal((await admin.getQueue(queueName)).maxDeliveryCount, 9);

    const listed = [];
    for await (const q of admin.listQueues()) listed.push(q.name);
    assert.ok(listed.includes(queueName), `listQueues includes ${queueName}: ${listed}`);

    const runtime = await admin.getQueueRuntimeProperties(queueName);
    assert.equal(runtime.name, queueName);
    assert.equal(runtime.activeMessageCount, 0);
    assert.equal(runtime.totalMessageCount, 0);
    assert.ok(runtime.createdAt instanceof Date && !isNaN(runtime.createdAt));

    let runtimeListed = false;
    for await (const q of admin.listQueuesRuntimeProperties()) if (q.name === queueName) runtimeListed = true;
    assert.ok(runtimeListed, "listQueuesRuntimeProperties includes the queue");

    await admin.deleteQueue(queueName);
    assert.equal(await admin.queueExists(queueName), false);
  });

  test("listQueues pages with maxPageSize through the next links", async () => {
    const prefix = name("page");
    for (let i = 0; i < 5; i++) await admin.createQueue(`${prefix}-${i}`);
    const pages = [];
    for await (const page of admin.listQueues().byPage({ maxPageSize: 2 })) pages.push(page.map((q) => q.name));
    assert.ok(pages.every((p) => p.length <= 2), `pages of at most 2: ${JSON.stringify(pages)}`);
    const all = pages.flat();
    assert.equal(new Set(all).size, all.length, "no queue listed twice");
    for (let i = 0; i < 5; i++) assert.ok(all.includes(`${prefix}-${i}`));
  });

  test("getQueueRuntimeProperties after sends over AMQP: active, scheduled and dead-letter counts", async () => {
    const queueName = name("admin-counts");
    await admin.createQueue(queueName);
    const sb = client();
    const sender = sb.createSender(queueName);
    await sender.sendMessages([{ body: "one" }, { body: "two" }, { body: "three" }, { body: "four" }]);
    await sender.scheduleMessages({ body: "later" }, new Date(Date.now() + 3_600_000));

    let runtime = await admin.getQueueRuntimeProperties(queueName);
    assert.equal(runtime.activeMessageCount, 4);
    assert.equal(runtime.scheduledMessageCount, 1);
    assert.equal(runtime.deadLetterMessageCount, 0);
    assert.equal(runtime.totalMessageCount, 5);
    assert.ok(runtime.sizeInBytes > 0, `sizeInBytes ${runtime.sizeInBytes}`);

    const receiver = sb.createReceiver(queueName);
    const [first] = await receiveExactly(receiver, 1);
    await receiver.deadLetterMessage(first, { deadLetterReason: "test" });
    runtime = await admin.getQueueRuntimeProperties(queueName);
    assert.equal(runtime.activeMessageCount, 3);
    assert.equal(runtime.deadLetterMessageCount, 1);
  });

  test("topics: create, get, exists, update, list, runtime properties, delete", async () => {
    const topicName = name("admin-t");
    const created = await admin.createTopic(topicName, { defaultMessageTimeToLive: "PT1H", maxSizeInMegabytes: 2048 });
    assert.equal(created.name, topicName);
    assert.equal(created.defaultMessageTimeToLive, "PT1H");
    assert.equal(created.maxSizeInMegabytes, 2048);
    assert.equal(created.supportOrdering, true);

    const got = await admin.getTopic(topicName);
    got.requiresDuplicateDetection = true;
    got.duplicateDetectionHistoryTimeWindow = "PT1M";
    const updated = await admin.updateTopic(got);
    assert.equal(updated.requiresDuplicateDetection, true);
    assert.equal(updated.duplicateDetectionHistoryTimeWindow, "PT1M");

    assert.equal(await admin.topicExists(topicName), true);
    assert.equal(await admin.topicExists(name("missing")), false);
    const listed = [];
    for await (const t of admin.listTopics()) listed.push(t.name);
    assert.ok(listed.includes(topicName));

    await admin.createSubscription(topicName, "one");
    const runtime = await admin.getTopicRuntimeProperties(topicName);
    assert.equal(runtime.name, topicName);
    assert.equal(runtime.subscriptionCount, 1);
    assert.equal(runtime.scheduledMessageCount, 0);

    let runtimeListed = false;
    for await (const t of admin.listTopicsRuntimeProperties()) if (t.name === topicName) runtimeListed = true;
    assert.ok(runtimeListed);

    await admin.deleteTopic(topicName);
    assert.equal(await admin.topicExists(topicName), false);
  });

  test("subscriptions: create, get, exists, update, list, runtime properties after a topic send, delete", async () => {
    const topicName = name("admin-subs");
    await admin.createTopic(topicName);
    const created = await admin.createSubscription(topicName, "workers", { lockDuration: "PT45S", maxDeliveryCount: 4 });
    assert.equal(created.topicName, topicName);
    assert.equal(created.subscriptionName, "workers");
    assert.equal(created.lockDuration, "PT45S");
    assert.equal(created.maxDeliveryCount, 4);
    assert.equal(created.status, "Active");
    await admin.createSubscription(topicName, "audit");

    const got = await admin.getSubscription(topicName, "workers");
    got.maxDeliveryCount = 6;
    got.deadLetteringOnMessageExpiration = true;
    const updated = await admin.updateSubscription(got);
    assert.equal(updated.maxDeliveryCount, 6);
    assert.equal(updated.deadLetteringOnMessageExpiration, true);

    assert.equal(await admin.subscriptionExists(topicName, "workers"), true);
    assert.equal(await admin.subscriptionExists(topicName, "nobody"), false);
    const listed = [];
    for await (const s of admin.listSubscriptions(topicName)) listed.push(s.subscriptionName);
    assert.deepEqual(listed, ["audit", "workers"]);

    await client().createSender(topicName).sendMessages([{ body: "a" }, { body: "b" }]);
    const runtime = await admin.getSubscriptionRuntimeProperties(topicName, "workers");
    assert.equal(runtime.activeMessageCount, 2);
    assert.equal(runtime.totalMessageCount, 2);
    let runtimeListed = 0;
    for await (const s of admin.listSubscriptionsRuntimeProperties(topicName)) runtimeListed += s.activeMessageCount;
    assert.equal(runtimeListed, 4, "both subscriptions got both messages");

    await admin.deleteSubscription(topicName, "audit");
    assert.equal(await admin.subscriptionExists(topicName, "audit"), false);
  });

  test("rules: createRule with SQL and correlation filters, getRule, listRules, updateRule, deleteRule; routing follows", async () => {
    const topicName = name("admin-rules");
    await admin.createTopic(topicName);
    await admin.createSubscription(topicName, "routed");

    const sql = await admin.createRule(topicName, "routed", "big-eu",
      { sqlExpression: "amount > @min AND region = @region", sqlParameters: { "@min": 100, "@region": "eu" } },
      { sqlExpression: "SET routed = 'big-eu'" });
    assert.equal(sql.name, "big-eu");
    assert.equal(sql.filter.sqlExpression, "amount > @min AND region = @region");
    assert.deepEqual(sql.filter.sqlParameters, { "@min": 100, "@region": "eu" });
    assert.equal(sql.action.sqlExpression, "SET routed = 'big-eu'");

    const correlation = await admin.createRule(topicName, "routed", "refunds",
      { subject: "refund", correlationId: "c-1", applicationProperties: { source: "api", urgent: true } });
    assert.equal(correlation.filter.subject, "refund");
    assert.equal(correlation.filter.correlationId, "c-1");
    assert.deepEqual(correlation.filter.applicationProperties, { source: "api", urgent: true });

    const got = await admin.getRule(topicName, "routed", "refunds");
    assert.equal(got.filter.subject, "refund");
    assert.equal(await admin.ruleExists(topicName, "routed", "refunds"), true);
    assert.equal(await admin.ruleExists(topicName, "routed", "nope"), false);

    const listed = [];
    for await (const r of admin.listRules(topicName, "routed")) listed.push(r.name);
    assert.deepEqual(listed, ["$Default", "big-eu", "refunds"]);

    await admin.deleteRule(topicName, "routed", "$Default");
    sql.filter = { sqlExpression: "amount > 100 AND region = 'eu'" };
    const updated = await admin.updateRule(topicName, "routed", sql);
    assert.equal(updated.filter.sqlExpression, "amount > 100 AND region = 'eu'");
    assert.equal(updated.action.sqlExpression, "SET routed = 'big-eu'");

    const sb = client();
    await sb.createSender(topicName).sendMessages([
      { body: "small", applicationProperties: { amount: 5, region: "eu" } },
      { body: "big", applicationProperties: { amount: 500, region: "eu" } },
      { body: "refund", subject: "refund", correlationId: "c-1", applicationProperties: { source: "api", urgent: true } },
      { body: "other refund", subject: "refund", correlationId: "c-2" },
    ]);
    const received = await receiveExactly(sb.createReceiver(topicName, "routed", { receiveMode: "receiveAndDelete" }), 2);
    assert.deepEqual(received.map((m) => m.body), ["big", "refund"]);
    assert.equal(received[0].applicationProperties.routed, "big-eu");

    await admin.deleteRule(topicName, "routed", "refunds");
    const remaining = [];
    for await (const r of admin.listRules(topicName, "routed")) remaining.push(r.name);
    assert.deepEqual(remaining, ["big-eu"]);
  });

  test("errors: already exists, not found, bad value, wrong key", async () => {
    const queueName = name("admin-err");
    await admin.createQueue(queueName);
    await expectRestError(admin.createQueue(queueName), "MessageEntityAlreadyExistsError", 409);
    await expectRestError(admin.getQueue(name("missing")), "MessageEntityNotFoundError", 404);
    await expectRestError(admin.deleteTopic(name("missing")), "MessageEntityNotFoundError", 404);
    await expectRestError(admin.getRule(queueName, "s", "r"), "MessageEntityNotFoundError", 404);
    await expectRestError(admin.createQueue(name("bad"), { lockDuration: "PT10M" }), "ServiceError", 400);
    const wrongKey = new ServiceBusAdministrationClient(
      `Endpoint=sb://localhost:${httpsPort};SharedAccessKeyName=${SAS_KEY_NAME};SharedAccessKey=wrong`);
    await expectRestError(wrongKey.getNamespaceProperties(), "UnauthorizedRequestError", 401);
  });

  test("ServiceBusClient over AMQPS (no UseDevelopmentEmulator) trusts the same certificate", async () => {
    const queueName = name("admin-tls");
    await admin.createQueue(queueName);
    const sb = client(`Endpoint=sb://localhost:${amqpsPort};SharedAccessKeyName=${SAS_KEY_NAME};SharedAccessKey=${SAS_KEY}`);
    await sb.createSender(queueName).sendMessages({ body: "over tls" });
    const [message] = await receiveExactly(sb.createReceiver(queueName, { receiveMode: "receiveAndDelete" }), 1);
    assert.equal(message.body, "over tls");
  });
}
