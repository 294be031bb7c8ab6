// The dashboard in a real browser against a real Ferry: overview, entity page, message browser, dead letters,
// send, purge, export, keyboard, narrow window and dark mode. Screenshots (1280×800) go to docs/images/.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { ServiceBusClient } from "@azure/service-bus";
import { useDashboard, queue, subscription, waitForText } from "../harness.mjs";

const ctx = useDashboard({
  queues: [
    queue("orders"), queue("invoices"), queue("replay-one"), queue("replay-many"), queue("purge-me"), queue("settings-me"),
    queue("payments", { MaxDeliveryCount: 5 }), queue("jobs/scoring"),
  ],
  topics: [{
    Name: "events", Properties: { DefaultMessageTimeToLive: "PT1H" },
    Subscriptions: [subscription("audit"), subscription("billing", [{ Name: "large", Properties: { FilterType: "Sql", SqlFilter: { SqlExpression: "amount > 100" } } }])],
  }],
});

const row = (name) => `#entities tr[data-name="${name}"]`;
const cell = (name, column) => `${row(name)} > :nth-child(${{ active: 4, deadLetter: 5, scheduled: 6 }[column]})`;
const sendTo = (name, message) => ctx.api(`/api/queues/${encodeURIComponent(name)}/messages`, { method: "POST", body: message });

/** Receives `count` messages with the SDK and dead-letters them with a reason and description. */
async function deadLetter(queueName, count, reason = "ValidationFailed", description = "The order has no customer id.") {
  const client = new ServiceBusClient(ctx.connectionString);
  try {
    const receiver = client.createReceiver(queueName);
    let done = 0;
    while (done < count) {
      const messages = await receiver.receiveMessages(count - done, { maxWaitTimeInMs: 5000 });
      assert.ok(messages.length > 0, `no message to dead-letter in ${queueName}`);
      for (const m of messages) await receiver.deadLetterMessage(m, { deadLetterReason: reason, deadLetterErrorDescription: description });
      done += messages.length;
    }
    await receiver.close();
  } finally {
    await client.close();
  }
}

const counts = async (name) => (await ctx.api(`/api/queues/${encodeURIComponent(name)}`)).counts;

test("serves the page and its assets with content types, caching headers and 304s", async () => {
  const page = await fetch(ctx.url("/"));
  assert.equal(page.status, 200);
  assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
  assert.equal(page.headers.get("cache-control"), "no-cache");
  assert.match(page.headers.get("content-security-policy"), /default-src 'none'/);
  assert.match(await page.text(), /<script type="module" src="\/dashboard\/app.js">/);
  const script = await fetch(ctx.url("/dashboard/app.js"), { headers: { "Accept-Encoding": "gzip" } });
  assert.equal(script.headers.get("content-type"), "text/javascript; charset=utf-8");
  assert.equal(script.headers.get("content-encoding"), "gzip");
  const etag = script.headers.get("etag");
  assert.match(etag, /^"[0-9a-f]+"$/);
  const again = await fetch(ctx.url("/dashboard/app.js"), { headers: { "If-None-Match": etag } });
  assert.equal(again.status, 304);
  assert.equal((await fetch(ctx.url("/dashboard/app.css"))).headers.get("content-type"), "text/css; charset=utf-8");
  assert.equal((await fetch(ctx.url("/dashboard/nope.js"))).status, 404);
});

test("overview lists queues, topics and subscriptions; counts change as messages are sent", async () => {
  const { page } = ctx;
  await page.goto(ctx.url("/"));
  await waitForText(page, cell("orders", "active"), "0");
  await page.locator(row("events/Subscriptions/audit")).waitFor();
  assert.equal((await page.locator(`${row("events")} .badge`).textContent()).trim(), "topic");
  assert.equal((await page.locator(`${row("events/Subscriptions/billing")} th`).textContent()).trim(), "events › billing");

  await sendTo("orders", { body: { orderId: 1 } });
  await sendTo("orders", { body: { orderId: 2 } });
  await waitForText(page, cell("orders", "active"), "2");
  await sendTo("orders", { body: { orderId: 3 }, scheduledEnqueueTime: new Date(Date.now() + 3_600_000).toISOString() });
  await waitForText(page, cell("orders", "scheduled"), "1");
  await ctx.api("/api/dashboard/entities/events/messages", { method: "POST", body: { body: { amount: 500 }, applicationProperties: { amount: 500 } } });
  await waitForText(page, cell("events/Subscriptions/billing", "active"), "1");
  await waitForText(page, cell("events/Subscriptions/audit", "active"), "1");
  // The live chart picks up the sends: some sample has a positive incoming rate.
  await page.waitForFunction(() => /In [1-9]|In 0\.[1-9]/.test(document.querySelector(".chart-card .legend")?.textContent ?? ""), null, { timeout: 10_000 })
    .catch(() => {}); // rates are a 2-second difference; the counts above are the assertion
  await ctx.screenshot("overview.png");
});

test("the name filter narrows the list and / focuses it", async () => {
  const { page } = ctx;
  await ctx.open("#/");
  await page.locator(row("invoices")).waitFor();
  await page.locator("body").click({ position: { x: 5, y: 780 } });
  await page.keyboard.press("/");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "filter");
  await page.keyboard.type("invo");
  await page.waitForFunction(() => document.querySelectorAll("#entities tbody tr").length === 1);
  assert.equal(await page.locator("#entities tbody tr").getAttribute("data-name"), "invoices");
  await page.fill("#filter", "");
  await page.waitForFunction(() => document.querySelectorAll("#entities tbody tr").length > 5);
});

test("browse shows a sent message's body, system and application properties", async () => {
  const { page } = ctx;
  const sent = await sendTo("invoices", {
    body: { invoiceId: 42, lines: [{ sku: "A-1", qty: 2 }] }, subject: "invoice.created", correlationId: "req-7",
    applicationProperties: { tenant: "acme", attempt: 1 },
  });
  await ctx.open(`#/e/invoices/messages`);
  await page.getByRole("button", { name: `Show message ${sent.sequenceNumber}` }).click();
  await waitForText(page, "#detail-title", `Message ${sent.sequenceNumber}`);
  const body = await page.locator("pre.body").textContent();
  assert.deepEqual(JSON.parse(body), { invoiceId: 42, lines: [{ sku: "A-1", qty: 2 }] });
  assert.match(body, /\n {2}"invoiceId": 42/, "pretty-printed");
  const app = await page.getByRole("table", { name: "Application properties" }).textContent();
  assert.match(app, /tenant\s*acme/);
  assert.match(app, /attempt\s*1/);
  const system = await page.getByRole("table", { name: "System properties" }).textContent();
  assert.match(system, /subject\s*invoice\.created/);
  assert.match(system, /correlationId\s*req-7/);
  assert.match(system, /contentType\s*application\/json/);
  await ctx.screenshot("messages.png");
  await page.getByRole("radio", { name: "Hex" }).check();
  assert.match(await page.locator("pre.body").textContent(), /^00000000 {2}7b 22 69 6e 76 6f 69 63/);
  await page.getByRole("radio", { name: "Text" }).check();
  assert.equal(await page.locator("pre.body").textContent(), JSON.stringify({ invoiceId: 42, lines: [{ sku: "A-1", qty: 2 }] }));
});

test("the browser pages through messages by sequence number", async () => {
  const { page } = ctx;
  for (let i = 0; i < 12; i++) await sendTo("jobs/scoring", { body: `job ${i}`, contentType: "text/plain" });
  await ctx.open(`#/e/${encodeURIComponent("jobs/scoring")}/messages`);
  await page.selectOption("#page-size", "10");
  await waitForText(page, ".browser p.small", /^Showing 10 messages, sequence numbers 1 to 10\./);
  await page.getByRole("button", { name: "Next →" }).click();
  await waitForText(page, ".browser p.small", /^Showing 2 messages, sequence numbers 11 to 12 \(last page\)\./);
  await page.getByRole("button", { name: "Show message 12" }).click();
  assert.equal(await page.locator("pre.body").textContent(), "job 11");
  await page.getByRole("button", { name: "← Previous" }).click();
  await waitForText(page, ".browser p.small", /sequence numbers 1 to 10\./);
  await page.selectOption("#page-size", "50");
});

test("send a test message from the form: body, properties, session id and scheduled time", async () => {
  const { page } = ctx;
  await ctx.open("#/e/payments/send");
  await page.fill("#send-body", '{"paymentId": 7, "amount": 12.5}');
  await page.fill("#send-subject", "payment.requested");
  await page.fill("#send-message-id", "pay-7");
  await page.getByRole("button", { name: "Add property" }).click();
  await page.getByLabel("Property 1 name").fill("region");
  await page.getByLabel("Property 1 value").fill("eu");
  await page.getByRole("button", { name: "Add property" }).click();
  await page.getByLabel("Property 2 name").fill("priority");
  await page.getByLabel("Property 2 type").selectOption("number");
  await page.getByLabel("Property 2 value").fill("3");
  const at = new Date(Date.now() + 2 * 3_600_000);
  const local = new Date(at.getTime() - at.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
  await page.fill("#send-scheduled", local);
  await ctx.screenshot("send.png");
  await page.getByRole("button", { name: "Send message" }).click();
  await waitForText(page, ".ok-box", /^Sent: sequence number \d+, message id pay-7, scheduled\./);
  const c = await counts("payments");
  assert.equal(c.scheduled, 1);
  const browsed = await ctx.api("/api/queues/payments/messages");
  const m = browsed.messages[0];
  assert.equal(m.state, "Scheduled");
  assert.equal(m.systemProperties.subject, "payment.requested");
  assert.deepEqual(m.applicationProperties, { region: "eu", priority: 3 });
  assert.deepEqual(m.body.json, { paymentId: 7, amount: 12.5 });

  // A body that is not JSON is refused in the page, with the field marked.
  await page.fill("#send-body", "not json");
  await page.getByRole("button", { name: "Send message" }).click();
  await page.locator(".send-form .error").waitFor();
  assert.equal(await page.getAttribute("#send-body", "aria-invalid"), "true");
  // As text/plain it goes.
  await page.fill("#send-content-type", "text/plain");
  await page.fill("#send-scheduled", "");
  await page.fill("#send-message-id", "");
  await page.getByRole("button", { name: "Send message" }).click();
  await page.locator(".ok-box").nth(0).waitFor();
  const after = await ctx.api("/api/queues/payments/messages");
  assert.equal(after.messages.at(-1).body.content, "not json");
});

test("dead letters: problems come first, reason and description shown, replay one moves it back", async () => {
  const { page } = ctx;
  await sendTo("replay-one", { body: { orderId: 99 }, messageId: "order-99" });
  await deadLetter("replay-one", 1);
  await ctx.open("#/");
  await waitForText(page, cell("replay-one", "deadLetter"), "1");
  assert.equal(await page.locator("#entities tbody tr").first().getAttribute("data-name"), "replay-one", "problems first");
  assert.match(await page.locator(`${row("replay-one")} .warn-badge`).textContent(), /dead letters/);
  await ctx.screenshot("overview-problem.png");

  await page.getByRole("link", { name: "replay-one" }).click();
  await waitForText(page, "h1", /^replay-one/);
  await page.locator(".stat.warn").waitFor();
  await ctx.screenshot("entity.png");

  await page.getByRole("link", { name: /^Dead letters/ }).click();
  await page.locator("table.messages tbody tr").first().waitFor();
  const rowText = await page.locator("table.messages tbody tr").first().textContent();
  assert.match(rowText, /ValidationFailed/);
  assert.match(rowText, /The order has no customer id\./);
  const seq = Number(await page.locator("table.messages tbody tr").first().getAttribute("data-seq"));
  await page.getByRole("button", { name: `Show message ${seq}` }).click();
  await page.locator("#detail-title").waitFor();
  await ctx.screenshot("deadletter.png");

  await page.getByRole("button", { name: `Replay message ${seq}` }).click();
  await waitForText(page, ".browser p.small", "The dead-letter queue is empty.");
  await waitForText(page, "#toasts .toast:last-child", /^Replayed 1 message\.$/);
  const c = await counts("replay-one");
  assert.equal(c.deadLetter, 0);
  assert.equal(c.active, 1);
  const back = (await ctx.api("/api/queues/replay-one/messages")).messages[0];
  assert.equal(back.messageId, "order-99");
  assert.equal(back.applicationProperties["x-ferry-replayed-from"], seq);
  assert.equal(back.applicationProperties["x-ferry-deadletter-reason"], "ValidationFailed");
});

test("dead letters: replay a selection, then replay all after confirming", async () => {
  const { page } = ctx;
  for (let i = 0; i < 4; i++) await sendTo("replay-many", { body: { n: i } });
  await deadLetter("replay-many", 4, "Poison");
  await ctx.open("#/e/replay-many/deadletter");
  await page.waitForFunction(() => document.querySelectorAll("table.messages tbody tr").length === 4);
  const seqs = await page.locator("table.messages tbody tr").evaluateAll((rows) => rows.map((r) => Number(r.dataset.seq)));
  await page.getByLabel(`Select message ${seqs[0]}`).check();
  await page.getByLabel(`Select message ${seqs[2]}`).check();
  await page.getByRole("button", { name: "Replay selected (2)" }).click();
  await page.waitForFunction(() => document.querySelectorAll("table.messages tbody tr").length === 2);
  assert.deepEqual(await page.locator("table.messages tbody tr").evaluateAll((rows) => rows.map((r) => Number(r.dataset.seq))), [seqs[1], seqs[3]]);
  assert.equal((await counts("replay-many")).active, 2);

  await page.getByRole("button", { name: "Replay all" }).click();
  const dialog = page.locator("dialog#confirm");
  await dialog.waitFor();
  assert.match(await dialog.textContent(), /Send all 2 dead-lettered messages/);
  await dialog.getByRole("button", { name: "Replay all" }).click();
  await waitForText(page, ".browser p.small", "The dead-letter queue is empty.");
  const c = await counts("replay-many");
  assert.equal(c.deadLetter, 0);
  assert.equal(c.active, 4);
});

test("dead letters export as a JSON file", async () => {
  const { page } = ctx;
  await sendTo("replay-many", { body: { export: true }, messageId: "to-export" });
  await deadLetter("replay-many", 5, "Exported"); // the four replayed ones and this one
  await ctx.open("#/e/replay-many/deadletter");
  await page.waitForFunction(() => document.querySelectorAll("table.messages tbody tr").length === 5);
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export JSON" }).click()]);
  assert.match(download.suggestedFilename(), /^replay-many-deadletter-.*\.json$/);
  const doc = JSON.parse(await readFile(await download.path(), "utf8"));
  assert.equal(doc.entity, "replay-many");
  assert.equal(doc.count, 5);
  assert.equal(doc.messages.length, 5);
  assert.ok(doc.messages.some((m) => m.messageId === "to-export" && m.applicationProperties.DeadLetterReason === "Exported"));
});

test("purge asks for confirmation, Cancel keeps the messages, Purge empties the queue", async () => {
  const { page } = ctx;
  for (let i = 0; i < 5; i++) await sendTo("purge-me", { body: { i } });
  await ctx.open("#/e/purge-me/messages");
  await page.waitForFunction(() => document.querySelectorAll("table.messages tbody tr").length === 5);
  await page.getByRole("button", { name: "Purge messages…" }).click();
  const dialog = page.locator("dialog#confirm");
  await dialog.waitFor();
  assert.match(await dialog.textContent(), /Delete all 5 messages/);
  await ctx.screenshot("purge-confirm.png");
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "hidden" });
  assert.equal((await counts("purge-me")).active, 5);

  await page.getByRole("button", { name: "Purge messages…" }).click();
  await dialog.getByRole("button", { name: "Purge" }).click();
  await waitForText(page, ".browser p.small", "No messages.");
  await waitForText(page, "#toasts .toast:last-child", "Purged 5 messages.");
  assert.equal((await counts("purge-me")).total, 0);
});

test("a subscription's messages are browsable and a topic's page lists its subscriptions and rules", async () => {
  const { page } = ctx;
  await ctx.open("#/e/events");
  await page.getByRole("heading", { name: "Subscriptions" }).waitFor();
  assert.match(await page.locator("section.card", { hasText: "Subscriptions" }).textContent(), /billing\s*large/);
  await ctx.screenshot("topic.png");
  await page.getByRole("link", { name: "billing", exact: true }).click();
  await waitForText(page, "table.rules tbody tr:first-child td code", "amount > 100");
  assert.equal(await page.locator("table.rules tbody tr:first-child th").textContent(), "large");
  await ctx.screenshot("subscription.png");
  await page.getByRole("link", { name: /^Browse messages/ }).click();
  await page.locator("table.messages tbody tr").first().waitFor();
  const seq = await page.locator("table.messages tbody tr").first().getAttribute("data-seq");
  await page.getByRole("button", { name: `Show message ${seq}` }).click();
  assert.deepEqual(JSON.parse(await page.locator("pre.body").textContent()), { amount: 500 });
});

test("settings are edited with the allowed ranges shown and the server's errors reported", async () => {
  const { page } = ctx;
  await ctx.open("#/e/settings-me");
  await page.getByRole("button", { name: "Edit settings" }).click();
  assert.match(await page.locator("#set-LockDuration-allowed").textContent(), /PT5S to PT5M/);
  await page.fill("#set-LockDuration", "PT10M");
  await page.getByRole("button", { name: "Save" }).click();
  await page.locator(".settings-form .error").waitFor();
  assert.match(await page.locator(".settings-form .error").textContent(), /out of range/);
  assert.equal(await page.getAttribute("#set-LockDuration", "aria-invalid"), "true");
  await page.fill("#set-LockDuration", "PT2M");
  await page.fill("#set-MaxDeliveryCount", "7");
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByRole("button", { name: "Edit settings" }).waitFor();
  const q = await ctx.api("/api/queues/settings-me");
  assert.equal(q.properties.LockDuration, "PT2M");
  assert.equal(q.properties.MaxDeliveryCount, 7);
});

test("keyboard only: tab to an entity, open it, reach its messages", async () => {
  const { page } = ctx;
  await ctx.open("#/");
  await page.fill("#filter", "invoices");
  await page.waitForFunction(() => document.querySelectorAll("#entities tbody tr").length === 1);
  await page.focus("#problems-first");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), "invoices");
  await page.keyboard.press("Enter");
  await waitForText(page, "h1", /^invoices/);
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), "H1", "focus moves to the new page's heading");
  await page.keyboard.press("Tab");
  assert.match(await page.evaluate(() => document.activeElement?.textContent), /^Browse messages/);
  await page.keyboard.press("Enter");
  await page.locator("table.messages").waitFor();
  await ctx.open("#/");
  await page.fill("#filter", "");
});

test("works on a narrow window and in dark mode", async () => {
  const { page } = ctx;
  await ctx.open("#/");
  await page.locator(row("orders")).waitFor();
  await page.emulateMedia({ colorScheme: "dark" });
  const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  assert.equal(background, "rgb(15, 19, 25)");
  await ctx.screenshot("overview-dark.png");
  await page.setViewportSize({ width: 390, height: 800 });
  await page.emulateMedia({ colorScheme: "light" });
  await page.locator(row("orders")).waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
  await ctx.screenshot("overview-narrow.png");
  await ctx.open("#/e/invoices/messages");
  await page.locator("table.messages").waitFor();
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth));
  await page.setViewportSize({ width: 1280, height: 800 });
});

test("no script errors in the browser", () => {
  assert.deepEqual(ctx.browserErrors, []);
});
