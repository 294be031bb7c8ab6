// Subscription rules in the dashboard: list, add, edit and remove; a bad SQL shows the server parser's error at its
// position. Plus the rule endpoints of /api/dashboard called directly.

import assert from "node:assert/strict";
import { test } from "node:test";
import { useDashboard, subscription, waitForText } from "../harness.mjs";

const ctx = useDashboard({
  name: "rules",
  topics: [{
    Name: "shop", Properties: { DefaultMessageTimeToLive: "PT1H" },
    Subscriptions: [
      subscription("orders", [{ Name: "big", Properties: { FilterType: "Sql", SqlFilter: { SqlExpression: "amount > 100" } } }]),
      subscription("api"),
    ],
  }],
});

const ORDERS = "#/e/" + encodeURIComponent("shop/Subscriptions/orders");
const rulesUrl = (sub, rule) => `/api/dashboard/entities/shop/Subscriptions/${sub}/rules${rule === undefined ? "" : "/" + encodeURIComponent(rule)}`;
const ruleRow = (name) => `table.rules tbody tr[data-rule="${name}"]`;

/** A request whose status the test checks (ctx.api throws on errors). */
async function call(method, path, body) {
  const response = await fetch(ctx.url(path), {
    method, headers: body === undefined ? {} : { "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, type: response.headers.get("content-type"), json: text ? JSON.parse(text) : null };
}

const listed = async (sub) => (await ctx.api(`/api/dashboard/entities/${encodeURIComponent(`shop/Subscriptions/${sub}`)}/rules`)).rules;

async function openOrders() {
  const { page } = ctx;
  await ctx.open(ORDERS);
  await page.locator(ruleRow("big")).waitFor();
}

test("add a SQL rule with an action and see it listed", async () => {
  const { page } = ctx;
  await openOrders();
  await page.getByRole("button", { name: "Add a rule" }).click();
  assert.equal(await page.evaluate(() => document.activeElement.id), "rule-name");
  await page.fill("#rule-name", "eu");
  await page.fill("#rule-sql", "region = 'eu'");
  await page.fill("#rule-action", "SET sys.label = 'eu'");
  await page.getByRole("button", { name: "Add rule", exact: true }).click();
  await waitForText(page, `${ruleRow("eu")} td:nth-of-type(1) code`, "region = 'eu'");
  await waitForText(page, `${ruleRow("eu")} td:nth-of-type(2) code`, "SET sys.label = 'eu'");
  assert.equal(await page.locator("form.rule-form").count(), 0);
  const eu = (await listed("orders")).find((r) => r.name === "eu");
  assert.deepEqual([eu.filter.expression, eu.action], ["region = 'eu'", "SET sys.label = 'eu'"]);
});

test("a bad SQL rule shows the parser's error text with its position, and nothing is added", async () => {
  const { page } = ctx;
  await openOrders();
  const sql = "region = 'eu'\nAND amount >";
  // What the server's parser says about it, asked directly (on the other subscription; nothing is created).
  const expected = await call("POST", rulesUrl("api"), { name: "probe", filter: { sql } });
  assert.equal(expected.status, 400);
  assert.equal(expected.json.line, 2);

  await page.getByRole("button", { name: "Add a rule" }).click();
  await page.fill("#rule-name", "bad");
  await page.fill("#rule-sql", sql);
  await page.getByRole("button", { name: "Add rule", exact: true }).click();
  const error = page.locator("#rule-sql-error .sql-error");
  await error.waitFor();
  assert.match(await error.textContent(), new RegExp(`at position ${expected.json.position} \\(line 2, column ${expected.json.column}\\)`));
  assert.ok((await error.textContent()).includes(expected.json.detail));
  const [line, caret] = (await page.locator("#rule-sql-error pre.sql-caret").textContent()).split("\n");
  assert.equal(line.trimEnd(), "AND amount >");
  assert.equal(caret.indexOf("^"), expected.json.column - 1);
  assert.equal(await page.getAttribute("#rule-sql", "aria-invalid"), "true");
  assert.equal(await page.evaluate(() => document.activeElement.id), "rule-sql");
  await ctx.screenshot("rule-error.png");

  // Typing clears the marker; a bad action is reported under the action.
  await page.fill("#rule-sql", "region = 'eu'");
  assert.equal(await page.locator("#rule-sql-error .sql-error").count(), 0);
  await page.fill("#rule-action", "SET sys.label =");
  await page.getByRole("button", { name: "Add rule", exact: true }).click();
  await waitForText(page, "#rule-action-error .sql-error", /^Invalid SQL .*at position \d+ \(line 1, column \d+\)/);
  assert.equal(await page.locator("#rule-sql-error .sql-error").count(), 0);
  assert.equal((await listed("orders")).some((r) => r.name === "bad"), false);

  // Escape closes the form and gives focus back.
  await page.keyboard.press("Escape");
  await page.locator("form.rule-form").waitFor({ state: "detached" });
  assert.equal(await page.evaluate(() => document.activeElement.textContent), "Add a rule");
});

test("edit a rule; a bad edit keeps the old version", async () => {
  const { page } = ctx;
  await openOrders();
  await page.getByRole("button", { name: "Edit rule big" }).click();
  assert.equal(await page.inputValue("#rule-sql"), "amount > 100");
  await page.fill("#rule-sql", "amount >= 1000");
  await page.getByRole("button", { name: "Save rule" }).click();
  await waitForText(page, `${ruleRow("big")} td code`, "amount >= 1000");
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute("aria-label")), "Edit rule big");

  await page.getByRole("button", { name: "Edit rule big" }).click();
  await page.fill("#rule-sql", "amount >= AND");
  await page.getByRole("button", { name: "Save rule" }).click();
  await waitForText(page, "#rule-sql-error .sql-error", /at position 10 \(line 1, column 11\)/);
  assert.equal((await listed("orders")).find((r) => r.name === "big").filter.expression, "amount >= 1000");
  await page.getByRole("button", { name: "Cancel" }).click();
  await page.locator("form.rule-form").waitFor({ state: "detached" });
});

test("a correlation rule is added with the keyboard", async () => {
  const { page } = ctx;
  await openOrders();
  await page.getByRole("button", { name: "Add a rule" }).focus();
  await page.keyboard.press("Enter");
  await page.keyboard.type("vip");
  await page.keyboard.press("Tab"); // the SQL radio
  await page.keyboard.press("ArrowRight"); // the correlation radio
  assert.equal(await page.isVisible("#rule-sql"), false);
  await page.fill("#rule-c-subject", "order");
  await page.fill("#rule-c-properties", '{"tier": "gold", "priority": 1}');
  await page.focus("#rule-c-subject");
  await page.keyboard.press("Enter");
  await waitForText(page, `${ruleRow("vip")} td code`, /^correlation: subject = order, properties = \{"tier":"gold","priority":1\}$/);
  const vip = (await listed("orders")).find((r) => r.name === "vip");
  assert.deepEqual([vip.filter.type, vip.filter.subject, vip.filter.properties], ["correlation", "order", { tier: "gold", priority: 1 }]);
});

test("remove a rule after confirming; Cancel keeps it", async () => {
  const { page } = ctx;
  await openOrders();
  await page.locator(ruleRow("eu")).waitFor();
  await page.getByRole("button", { name: "Remove rule eu" }).click();
  await page.locator("#confirm[open]").waitFor();
  await page.locator("#confirm-cancel").click();
  await page.locator("#confirm[open]").waitFor({ state: "detached" });
  assert.equal((await listed("orders")).some((r) => r.name === "eu"), true);
  await page.getByRole("button", { name: "Remove rule eu" }).click();
  await page.locator("#confirm-ok").click();
  await page.locator(ruleRow("eu")).waitFor({ state: "detached" });
  assert.equal((await listed("orders")).some((r) => r.name === "eu"), false);
});

test("rule endpoints: 201, 409, 400 with the position, 200, 404, 204", async () => {
  const base = rulesUrl("api");
  let r = await call("POST", base, { name: "cheap", filter: { sql: "price < 10" }, action: { sql: "SET cheap = TRUE" } });
  assert.equal(r.status, 201);
  assert.deepEqual(r.json, { entity: "shop/Subscriptions/api", rule: "cheap" });
  assert.equal((await call("POST", base, { name: "CHEAP", filter: { sql: "1=1" } })).status, 409);

  r = await call("POST", base, { name: "broken", filter: { sql: "price < " } });
  assert.equal(r.status, 400);
  assert.equal(r.type, "application/problem+json");
  assert.equal(r.json.field, "filter");
  assert.deepEqual([r.json.position, r.json.line, r.json.column], [8, 1, 9]);
  assert.match(r.json.detail, /at position 8 \(line 1, column 9\), found end of expression/);
  r = await call("POST", base, { name: "broken", filter: { sql: "1=1" }, action: { sql: "SET" } });
  assert.equal(r.status, 400);
  assert.equal(r.json.field, "action");
  assert.equal(typeof r.json.position, "number");
  r = await call("POST", base, { name: "a/b", filter: { sql: "1=1" } });
  assert.equal(r.status, 400);
  assert.equal(r.json.property, "name");
  assert.equal((await call("POST", base, { name: "x" })).status, 400);

  r = await call("PUT", rulesUrl("api", "cheap"), { filter: { correlation: { contentType: "application/json", properties: { n: 5 } } } });
  assert.equal(r.status, 200);
  let cheap = (await listed("api")).find((x) => x.name === "cheap");
  assert.deepEqual([cheap.filter.type, cheap.filter.contentType, cheap.filter.properties, cheap.action], ["correlation", "application/json", { n: 5 }, null]);
  assert.equal((await call("PUT", rulesUrl("api", "cheap"), { filter: { sql: "(" } })).status, 400);
  assert.equal((await listed("api")).find((x) => x.name === "cheap").filter.type, "correlation");
  assert.equal((await call("PUT", rulesUrl("api", "cheap"), { name: "$Default", filter: { sql: "1=1" } })).status, 409);
  r = await call("PUT", rulesUrl("api", "cheap"), { name: "cheaper", filter: { sql: "price < 5" } });
  assert.equal(r.status, 200);
  assert.deepEqual((await listed("api")).map((x) => x.name).sort(), ["$Default", "cheaper"]);

  assert.equal((await call("PUT", rulesUrl("api", "nope"), { filter: { sql: "1=1" } })).status, 404);
  assert.equal((await call("DELETE", rulesUrl("api", "nope"))).status, 404);
  assert.equal((await call("POST", rulesUrl("missing"), { name: "x", filter: { sql: "1=1" } })).status, 404);
  assert.equal((await call("DELETE", rulesUrl("api", "cheaper"))).status, 204);
  assert.deepEqual((await listed("api")).map((x) => x.name), ["$Default"]);
});

test("subscription settings: edited in the page, checked by the server, and a bad value named", async () => {
  const base = "/api/dashboard/entities/shop/Subscriptions/api";
  const bad = await call("PUT", base, { properties: { LockDuration: "PT1H" } });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.property, "LockDuration");
  await ctx.open("#/e/" + encodeURIComponent("shop/Subscriptions/api"));
  const { page } = ctx;
  await page.getByRole("button", { name: "Edit settings" }).click();
  await page.locator("#set-MaxDeliveryCount").fill("7");
  assert.equal(await page.locator("#set-MaxSizeInMegabytes").count(), 0, "topic-level settings are not offered for a subscription");
  await page.getByRole("button", { name: "Save" }).click();
  await waitForText(page, "#toasts .toast:last-child", "Saved MaxDeliveryCount.");
  const entities = await call("GET", "/api/entities");
  const sub = JSON.stringify(entities.json).includes('"MaxDeliveryCount":7');
  assert.ok(sub, "the subscription's MaxDeliveryCount is 7 on the server");
});

test("no script errors in the browser", () => {
  assert.deepEqual(ctx.browserErrors, []);
});
