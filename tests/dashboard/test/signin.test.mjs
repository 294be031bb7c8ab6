// With authorization on (a server bound to a network address: development mode is off), the dashboard asks for a
// token, keeps it for the tab and sends it on every call; a wrong one is refused with the server's reason.
// Ferry.Host has no AdminToken option yet, so the token is a Service Bus SAS token signed with the default key.

import assert from "node:assert/strict";
import { test } from "node:test";
import { useDashboard, queue, waitForText, sasToken, externalAddress } from "../harness.mjs";

const address = externalAddress();
const token = sasToken();
const ctx = address ? useDashboard({ name: "signin", queues: [queue("secured")], bind: address, authorization: token }) : null;

test("the API is closed without a token; the page itself is public (it holds no data)", { skip: !address && "no network address to bind" }, async () => {
  assert.equal((await fetch(ctx.url("/api/entities"))).status, 401);
  assert.equal((await fetch(ctx.url("/"))).status, 200);
});

test("the dashboard asks for a token, refuses a wrong one and works with a SAS token", { skip: !address && "no network address to bind" }, async () => {
  const { page } = ctx;
  await ctx.api("/api/queues/secured/messages", { method: "POST", body: { body: "hi" } });
  await ctx.open("#/");
  await waitForText(page, "main h1", "Sign in");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "token");
  await ctx.screenshot("signin.png");
  await page.fill("#token", "wrong");
  await page.getByRole("button", { name: "Sign in" }).click();
  await waitForText(page, "main .error", /^No admin token is configured on this server/);
  await page.fill("#token", token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await waitForText(page, '#entities tr[data-name="secured"] > :nth-child(4)', "1");
  assert.equal(await page.isVisible("#signout"), true);
  await page.reload();
  await waitForText(page, '#entities tr[data-name="secured"] > :nth-child(4)', "1"); // kept for the tab
  await page.click("#signout");
  await waitForText(page, "main h1", "Sign in");
});
