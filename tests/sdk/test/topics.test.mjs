// Topics, subscriptions and rules through the official SDK: fan-out, SQL and correlation filters, rule actions,
// the rule manager (createRule / listRules / deleteRule), subscription dead-letter queues and topic scheduling.

import assert from "node:assert/strict";
import { useFerry } from "../harness.mjs";
import { expectServiceBusError, peekAll, receiveExactly, assertNothingToReceive, uid } from "../helpers.mjs";

const sub = (name, rules = [], properties = {}) => ({
  Name: name,
  Properties: { DeadLetteringOnMessageExpiration: false, DefaultMessageTimeToLive: "PT1H", LockDuration: "PT1M", MaxDeliveryCount: 3,
    ForwardDeadLetteredMessagesTo: "", ForwardTo: "", RequiresSession: false, ...properties },
  Rules: rules,
});

const ferry = useFerry({
  name: "topics",
  topics: [
    { Name: "orders", Properties: { DefaultMessageTimeToLive: "PT1H", DuplicateDetectionHistoryTimeWindow: "PT20S", RequiresDuplicateDetection: false },
      Subscriptions: [
        sub("all"),
        sub("eu-large", [{ Name: "eu-large", Properties: { FilterType: "Sql", SqlFilter: { SqlExpression: "region = 'eu' AND amount > 100" },
          Action: { SqlExpression: "SET routed = 'eu-large'" } } }]),
        sub("refunds", [{ Name: "refunds", Properties: { FilterType: "Correlation", CorrelationFilter: { Label: "refund" } } }]),
      ] },
    { Name: "rules-topic", Properties: {}, Subscriptions: [sub("managed")] },
    { Name: "sched-topic", Properties: {}, Subscriptions: [sub("a"), sub("b")] },
    { Name: "action-topic", Properties: {}, Subscriptions: [sub("acted", [
      { Name: "plain", Properties: { FilterType: "Sql", SqlFilter: { SqlExpression: "1=1" } } },
      { Name: "rewrite", Properties: { FilterType: "Sql", SqlFilter: { SqlExpression: "1=1" }, Action: { SqlExpression:
        "REMOVE secret; SET sys.Label = 'relabelled'; SET sys.To = 'new-to'; SET sys.CorrelationId = 'c-2'; SET sys.ContentType = 'application/json'" } } },
    ])] },
  ],
});

ferry.test("a message sent to a topic reaches every subscription whose rules match, with the rule action applied", async ({ client }) => {
  const sb = client();
  await sb.createSender("orders").sendMessages([
    { body: "small-eu", applicationProperties: { region: "eu", amount: 5 } },
    { body: "large-eu", applicationProperties: { region: "eu", amount: 500 } },
    { body: "large-us", applicationProperties: { region: "us", amount: 500 } },
    { body: "refund", subject: "refund" },
  ]);
  const all = await receiveExactly(sb.createReceiver("orders", "all"), 4);
  assert.deepEqual(all.map((m) => m.body), ["small-eu", "large-eu", "large-us", "refund"]);
  const [large] = await receiveExactly(sb.createReceiver("orders", "eu-large"), 1);
  assert.equal(large.body, "large-eu");
  assert.equal(large.applicationProperties.routed, "eu-large", "the SQL rule action set the property");
  assert.equal(large.sequenceNumber.toNumber(), all[1].sequenceNumber.toNumber(), "the topic's sequence number");
  const [refund] = await receiveExactly(sb.createReceiver("orders", "refunds"), 1);
  assert.equal(refund.body, "refund");
  await assertNothingToReceive(sb.createReceiver("orders", "refunds"), 300);
});

ferry.test("a rule without an action and one with an action both matching give two copies; the action's copy has its REMOVE, SET sys.X and RuleName", async ({ client }) => {
  const sb = client();
  await sb.createSender("action-topic").sendMessages({
    body: "original", messageId: "m-1", subject: "label", to: "to", correlationId: "c-1", contentType: "text/plain",
    applicationProperties: { secret: "s3", keep: 7 },
  });
  const [plain, rewritten] = await receiveExactly(sb.createReceiver("action-topic", "acted"), 2);
  assert.equal(plain.subject, "label");
  assert.equal(plain.applicationProperties.secret, "s3");
  assert.equal(plain.applicationProperties.RuleName, undefined);
  assert.equal(rewritten.body, "original");
  assert.equal(rewritten.messageId, "m-1");
  assert.equal(rewritten.subject, "relabelled");
  assert.equal(rewritten.to, "new-to");
  assert.equal(rewritten.correlationId, "c-2");
  assert.equal(rewritten.contentType, "application/json");
  assert.equal("secret" in rewritten.applicationProperties, false, "REMOVE took the property away");
  assert.equal(rewritten.applicationProperties.keep, 7);
  assert.equal(rewritten.applicationProperties.RuleName, "rewrite");
  assert.ok(rewritten.sequenceNumber.toNumber() > plain.sequenceNumber.toNumber(), "the second copy has a number of its own");
});

ferry.test("the rule manager creates, lists and deletes SQL and correlation rules, and routing follows them", async ({ client }) => {
  const sb = client();
  const rules = sb.createRuleManager("rules-topic", "managed");
  const initial = await rules.getRules();
  assert.deepEqual(initial.map((r) => r.name), ["$Default"]);
  await rules.deleteRule("$Default");
  await rules.createRule("vip", { sqlExpression: "tier = 'vip'" }, { sqlExpression: "SET flagged = true" });
  await rules.createRule("by-subject", { subject: "audit", applicationProperties: { source: "api" } });

  const listed = await rules.getRules();
  assert.deepEqual(listed.map((r) => r.name).sort(), ["by-subject", "vip"]);
  const vip = listed.find((r) => r.name === "vip");
  assert.equal(vip.filter.sqlExpression, "tier = 'vip'");
  assert.equal(vip.action.sqlExpression, "SET flagged = true");
  const bySubject = listed.find((r) => r.name === "by-subject");
  assert.equal(bySubject.filter.subject, "audit");
  assert.deepEqual(bySubject.filter.applicationProperties, { source: "api" });
  let paged = 0;
  for await (const page of rules.listRules().byPage({ maxPageSize: 1 })) paged += page.length;
  assert.equal(paged, 2, "listRules pages with skip/top");

  await sb.createSender("rules-topic").sendMessages([
    { body: "vip", applicationProperties: { tier: "vip" } },
    { body: "plain", applicationProperties: { tier: "basic" } },
    { body: "audit", subject: "audit", applicationProperties: { source: "api" } },
  ]);
  const got = await receiveExactly(sb.createReceiver("rules-topic", "managed"), 2);
  assert.deepEqual(got.map((m) => m.body), ["vip", "audit"]);
  assert.equal(got[0].applicationProperties.flagged, true);

  await expectServiceBusError(rules.createRule("vip", { sqlExpression: "1=1" }), "MessagingEntityAlreadyExists", { withinMs: 5000 });
  await assert.rejects(rules.createRule("broken", { sqlExpression: "tier = " }), /position/);
  await rules.deleteRule("vip");
  assert.deepEqual((await rules.getRules()).map((r) => r.name), ["by-subject"]);
});

ferry.test("a subscription's dead-letter queue receives its dead-lettered messages", async ({ client }) => {
  const sb = client();
  await sb.createSender("orders").sendMessages({ body: "poison", messageId: uid("dl"), applicationProperties: { region: "us", amount: 1 } });
  const receiver = sb.createReceiver("orders", "all");
  const [m] = await receiveExactly(receiver, 1);
  await receiver.deadLetterMessage(m, { deadLetterReason: "Poison", deadLetterErrorDescription: "bad order" });
  const [dead] = await receiveExactly(sb.createReceiver("orders", "all", { subQueueType: "deadLetter" }), 1);
  assert.equal(dead.body, "poison");
  assert.equal(dead.deadLetterReason, "Poison");
});

ferry.test("scheduleMessages on a topic reaches its subscriptions at the time, and cancel removes it from all", async ({ client }) => {
  const sb = client();
  const sender = sb.createSender("sched-topic");
  const at = new Date(Date.now() + 60_000);
  const [keep] = await sender.scheduleMessages({ body: "keep" }, at);
  const [drop] = await sender.scheduleMessages({ body: "drop" }, at);
  await sender.cancelScheduledMessages(drop);
  for (const name of ["a", "b"]) {
    const peeked = await peekAll(sb.createReceiver("sched-topic", name));
    assert.deepEqual(peeked.map((p) => [p.body, p.state, p.sequenceNumber.toNumber()]), [["keep", "scheduled", keep.toNumber()]]);
  }
});

ferry.test("sending to a missing topic and receiving from a missing subscription fail with MessagingEntityNotFound", async ({ client }) => {
  const sb = client();
  await expectServiceBusError(sb.createSender("no-such-topic").sendMessages({ body: "x" }), "MessagingEntityNotFound", { withinMs: 5000 });
  await expectServiceBusError(sb.createReceiver("orders", "no-such-sub").receiveMessages(1, { maxWaitTimeInMs: 1000 }),
    "MessagingEntityNotFound", { withinMs: 5000 });
});
