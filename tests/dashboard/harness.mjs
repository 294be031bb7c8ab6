// Harness for the dashboard tests: a real Ferry process and Debian's Chromium driven by playwright-core.
//
//   const ctx = useDashboard({ queues: [queue("orders")], topics: [...] });
//   test("…", async () => { const page = ctx.page; await page.goto(ctx.url("/")); … });
//
// before(): writes an emulator-format Config.json, picks two free ports, spawns
//   dotnet <Ferry.Host.dll> --in-memory --amqp-port <p> --http-port <p> --config <file>
// waits for /health, then launches /usr/bin/chromium headless with a fresh user data dir at 1280×800.
// after(): closes the browser, stops Ferry (SIGTERM, SIGKILL after 5 s). Ferry's output is printed when a test fails.

import { spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, "..", "..");
export const imagesDir = path.join(repoRoot, "docs", "images");
const dll = process.env.FERRY_HOST_DLL || path.join(repoRoot, "src", "Ferry.Host", "bin", "Release", "net10.0", "Ferry.Host.dll");
const browserPath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

export const SAS_KEY_NAME = "RootManageSharedAccessKey";
export const SAS_KEY = "SAS_KEY_VALUE";

export function queue(name, properties = {}) {
  return {
    Name: name,
    Properties: {
      DeadLetteringOnMessageExpiration: false, DefaultMessageTimeToLive: "PT1H", DuplicateDetectionHistoryTimeWindow: "PT20S",
      ForwardDeadLetteredMessagesTo: "", ForwardTo: "", LockDuration: "PT1M", MaxDeliveryCount: 3, RequiresDuplicateDetection: false,
      RequiresSession: false, ...properties,
    },
  };
}

export function subscription(name, rules = []) {
  return {
    Name: name,
    Properties: { DeadLetteringOnMessageExpiration: false, DefaultMessageTimeToLive: "PT1H", LockDuration: "PT1M", MaxDeliveryCount: 3,
      ForwardDeadLetteredMessagesTo: "", ForwardTo: "", RequiresSession: false },
    Rules: rules,
  };
}

async function freePorts(count) {
  const servers = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      server.listen(0, "127.0.0.1");
      await once(server, "listening");
      servers.push(server);
    }
    return servers.map((s) => s.address().port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(() => resolve()))));
  }
}

const live = new Set();
process.on("exit", () => { for (const child of live) try { child.kill("SIGKILL"); } catch { /* gone */ } });

/**
 * queues, topics: Config.json entities. bind: Ferry's --bind address (default loopback, where the API is open).
 * authorization: the Authorization header ctx.api sends.
 */
export function useDashboard({ queues = [], topics = [], name = "dashboard", bind = "127.0.0.1", authorization } = {}) {
  const ctx = {
    output: "", amqpPort: 0, httpPort: 0, child: null, context: null, page: null, workDir: null, browserErrors: [],
    url: (p = "/") => `http://${bind}:${ctx.httpPort}${p}`,
    get connectionString() {
      return `Endpoint=sb://localhost:${ctx.amqpPort};SharedAccessKeyName=${SAS_KEY_NAME};SharedAccessKey=${SAS_KEY};UseDevelopmentEmulator=true`;
    },
    /** Calls the admin API from the test (not through the page). */
    async api(p, { method = "GET", body } = {}) {
      const headers = body === undefined ? {} : { "Content-Type": "application/json" };
      if (authorization) headers.Authorization = authorization;
      const response = await fetch(ctx.url(p), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${p}: ${response.status} ${text}`);
      return text ? JSON.parse(text) : null;
    },
    /** Opens a dashboard route ("#/e/orders"): a full load the first time, then in-page navigation (re-rendered even
     * when the route is the current one). */
    async open(hash) {
      const { page } = ctx;
      if (!page.url().startsWith(ctx.url("/"))) {
        await page.goto(ctx.url("/" + hash));
        return;
      }
      await page.evaluate((h) => {
        if (location.hash === h || (h === "#/" && location.hash === "")) window.dispatchEvent(new HashChangeEvent("hashchange"));
        else location.hash = h;
      }, hash);
    },
    // Screenshots go to docs/images/ only when FERRY_UPDATE_SCREENSHOTS=1 (to refresh the docs); otherwise into the
    // test's work directory, so a test run leaves the checkout unchanged.
    async screenshot(file) {
      const dir = process.env.FERRY_UPDATE_SCREENSHOTS === "1" ? imagesDir : ctx.workDir;
      await mkdir(dir, { recursive: true });
      await ctx.page.evaluate(() => document.getElementById("toasts")?.replaceChildren()); // earlier steps' notices
      await ctx.page.screenshot({ path: path.join(dir, file) });
    },
  };

  before(async () => {
    if (!existsSync(dll)) throw new Error(`Ferry.Host.dll not found at ${dll}: build it first (dotnet build -c Release src/Ferry.Host).`);
    ctx.workDir = await mkdtemp(path.join(os.tmpdir(), `ferry-${name}-`));
    const config = path.join(ctx.workDir, "config.json");
    await writeFile(config, JSON.stringify({
      UserConfig: { Namespaces: [{ Name: "sbemulatorns", Queues: queues, Topics: topics }], Logging: { Type: "File" } },
    }, null, 2));
    for (let attempt = 1; ; attempt++) {
      [ctx.amqpPort, ctx.httpPort] = await freePorts(2);
      try {
        await startFerry(ctx, config, bind);
        break;
      } catch (err) {
        if (attempt < 3 && /address already in use|EADDRINUSE/i.test(ctx.output)) continue;
        throw err;
      }
    }
    ctx.context = await chromium.launchPersistentContext(path.join(ctx.workDir, "profile"), {
      executablePath: browserPath,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
      viewport: { width: 1280, height: 800 },
      colorScheme: "light",
      acceptDownloads: true,
    });
    ctx.context.setDefaultTimeout(10_000);
    ctx.page = ctx.context.pages()[0] ?? await ctx.context.newPage();
    ctx.page.on("pageerror", (err) => ctx.browserErrors.push(String(err)));
    // Console errors count, except the browser's own line for an HTTP error status: tests provoke 400s on purpose.
    ctx.page.on("console", (msg) => {
      if (msg.type() === "error" && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())) ctx.browserErrors.push(msg.text());
    });
  });


  after(async () => {
    await ctx.context?.close().catch(() => {});
    if (ctx.child && ctx.child.exitCode === null) {
      const exited = once(ctx.child, "exit");
      ctx.child.kill("SIGTERM");
      const timer = setTimeout(() => ctx.child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    if (ctx.workDir) await rm(ctx.workDir, { recursive: true, force: true }).catch(() => {});
  });

  return ctx;
}

async function startFerry(ctx, config, bind) {
  ctx.output = "";
  const child = spawn("dotnet", [dll, "--in-memory", "--amqp-port", String(ctx.amqpPort), "--http-port", String(ctx.httpPort), "--config", config, "--bind", bind], {
    cwd: ctx.workDir, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, DOTNET_NOLOGO: "1", DOTNET_CLI_TELEMETRY_OPTOUT: "1" },
  });
  ctx.child = child;
  live.add(child);
  child.on("exit", () => live.delete(child));
  child.stdout.setEncoding("utf8").on("data", (d) => { ctx.output += d; });
  child.stderr.setEncoding("utf8").on("data", (d) => { ctx.output += d; });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Ferry exited with ${child.exitCode}:\n${ctx.output.slice(-4000)}`);
    try {
      const response = await fetch(ctx.url("/health"));
      if (response.ok) return;
    } catch { /* not listening yet */ }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill("SIGKILL");
  throw new Error(`Ferry did not answer /health within 30 s:\n${ctx.output.slice(-4000)}`);
}

/** A Service Bus SAS token for the namespace, as the SDKs make it, signed with the default key. */
export function sasToken(audience = "sb://localhost/", key = SAS_KEY, keyName = SAS_KEY_NAME, seconds = 3600) {
  const sr = encodeURIComponent(audience);
  const se = Math.floor(Date.now() / 1000) + seconds;
  const sig = encodeURIComponent(createHmac("sha256", key).update(`${sr}\n${se}`).digest("base64"));
  return `SharedAccessSignature sr=${sr}&sig=${sig}&se=${se}&skn=${keyName}`;
}

/** The first non-loopback IPv4 address of this machine (Ferry asks for authorization there), or null. */
export function externalAddress() {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return null;
}

/** Waits until the element's trimmed text equals (string) or matches (RegExp) the expected value; no sleeps. */
export async function waitForText(page, selector, expected, timeout = 10_000) {
  const pattern = expected instanceof RegExp ? { source: expected.source, flags: expected.flags } : null;
  try {
    await page.waitForFunction(([sel, text, re]) => {
      const node = document.querySelector(sel);
      if (!node) return false;
      const actual = node.textContent.trim();
      return re ? new RegExp(re.source, re.flags).test(actual) : actual === text;
    }, [selector, pattern ? null : expected, pattern], { timeout });
  } catch (err) {
    const actual = await page.evaluate((sel) => document.querySelector(sel)?.textContent.trim() ?? "(no such element)", selector);
    throw new Error(`${selector}: expected ${expected}, last saw "${actual}" (${err.message.split("\n")[0]})`);
  }
}
