// Harness for the SDK conformance suite: starts Ferry as a real child process, one per test file.
//
//   const ferry = useFerry({ queues: [queue("send-single"), queue("locks", { LockDuration: "PT5S" })] });
//   ferry.test("sends one message", async ({ client }) => { const sb = client(); ... });
//
// useFerry() registers before/after hooks on the current test file: before() writes an emulator-format
// Config.json, picks two free ports, spawns
//   dotnet <Ferry.Host.dll> --in-memory --amqp-port <p> --http-port <p> --config <file>
// and waits for GET /health to answer 200. after() closes every client and stops the process
// (SIGTERM, then SIGKILL after 5 s). `new FerryProcess({ tls: true })` also passes --amqps-port, --https-port and
// --cert-out <workDir>/dev-cert.pem (four free ports), for tests that need AMQPS or HTTPS (test/admin.test.mjs).
// The broker's stdout/stderr are captured; when a test fails, the tail of that output is printed with the
// failure and the full log is kept on disk.

import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, test as nodeTest } from "node:test";
import { fileURLToPath } from "node:url";
import { ServiceBusClient } from "@azure/service-bus";

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, "..", "..");
export const defaultDllPath = path.join(
  repoRoot, "src", "Ferry.Host", "bin", "Release", "net10.0", "Ferry.Host.dll");

export const NAMESPACE = "sbemulatorns";
export const SAS_KEY_NAME = "RootManageSharedAccessKey";
export const SAS_KEY = "SAS_KEY_VALUE";

const HEALTH_POLL_MS = 50;
const STARTUP_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;
const CLIENT_CLOSE_TIMEOUT_MS = 5_000;
const DEFAULT_TEST_TIMEOUT_MS = 10_000;
const LOG_TAIL_LINES = 80;
const MAX_LOG_CHARS = 8 * 1024 * 1024;

/** Default queue properties, exactly as the Microsoft emulator's Config.json spells them. */
export const defaultQueueProperties = Object.freeze({
  DeadLetteringOnMessageExpiration: false,
  DefaultMessageTimeToLive: "PT1H",
  DuplicateDetectionHistoryTimeWindow: "PT20S",
  ForwardDeadLetteredMessagesTo: "",
  ForwardTo: "",
  LockDuration: "PT1M",
  MaxDeliveryCount: 3,
  RequiresDuplicateDetection: false,
  RequiresSession: false,
});

/** A queue entry for the config file; `properties` override the defaults. */
export function queue(name, properties = {}) {
  return { Name: name, Properties: { ...defaultQueueProperties, ...properties } };
}

/** The emulator-format Config.json document. */
export function buildConfig({ queues = [], topics = [], namespace = NAMESPACE } = {}) {
  const names = new Set();
  for (const q of queues) {
    const key = q.Name.toLowerCase();
    if (names.has(key)) throw new Error(`harness: queue "${q.Name}" is declared twice`);
    names.add(key);
  }
  return {
    UserConfig: {
      Namespaces: [{ Name: namespace, Queues: queues, Topics: topics }],
      Logging: { Type: "File" },
    },
  };
}

export function connectionStringFor(port, key = SAS_KEY) {
  return `Endpoint=sb://localhost:${port};SharedAccessKeyName=${SAS_KEY_NAME};` +
    `SharedAccessKey=${key};UseDevelopmentEmulator=true`;
}

/** Picks `count` distinct free TCP ports by binding port 0 on 127.0.0.1 (all held until all are chosen). */
export async function freePorts(count) {
  const servers = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      server.unref();
      server.listen(0, "127.0.0.1");
      await once(server, "listening");
      servers.push(server);
    }
    return servers.map((s) => s.address().port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(() => resolve()))));
  }
}

/** An error whose printed form is just its message (no harness stack frames). */
function harnessError(message) {
  const err = new Error(message);
  err.stack = `Error: ${message}`;
  return err;
}

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every started broker, so a crashing test process never leaves one behind. */
const liveProcesses = new Set();
process.on("exit", () => {
  for (const child of liveProcesses) {
    try { child.kill("SIGKILL"); } catch { /* already gone */ }
  }
});

/** One Ferry child process. */
export class FerryProcess {
  constructor({ queues = [], topics = [], name = "ferry", extraArgs = [], tls = false } = {}) {
    this.config = buildConfig({ queues, topics });
    this.name = name;
    this.extraArgs = extraArgs;
    this.tls = tls;
    this.amqpsPort = undefined;
    this.httpsPort = undefined;
    this.dll = process.env.FERRY_HOST_DLL || defaultDllPath;
    this.output = "";
    this.child = undefined;
    this.exit = undefined; // { code, signal } once exited
    this.workDir = undefined;
    this.amqpPort = undefined;
    this.httpPort = undefined;
    this.failed = false;
  }

  get connectionString() {
    if (!this.amqpPort) throw harnessError("harness: Ferry has not been started");
    return connectionStringFor(this.amqpPort);
  }

  get healthUrl() {
    return `http://127.0.0.1:${this.httpPort}/health`;
  }

  /** The development certificate's public PEM (with { tls: true }): what NODE_EXTRA_CA_CERTS must point to. */
  get certPemPath() {
    return this.tls && this.workDir ? path.join(this.workDir, "dev-cert.pem") : undefined;
  }

  get logPath() {
    return this.workDir ? path.join(this.workDir, "ferry-output.log") : undefined;
  }

  async start() {
    if (!existsSync(this.dll)) {
      throw harnessError(
        `Ferry.Host.dll not found at ${this.dll}\n` +
        `  Build it first:  dotnet build -c Release ${path.join(repoRoot, "src", "Ferry.Host")}\n` +
        `  or point FERRY_HOST_DLL at an existing build.`);
    }
    this.workDir = await mkdtemp(path.join(os.tmpdir(), `ferry-sdk-${this.name}-`));
    const configPath = path.join(this.workDir, "config.json");
    await writeFile(configPath, JSON.stringify(this.config, null, 2));

    // A port picked free can be taken by someone else before Ferry binds it; retry on that only.
    for (let attempt = 1; ; attempt++) {
      [this.amqpPort, this.httpPort, this.amqpsPort, this.httpsPort] = await freePorts(this.tls ? 4 : 2);
      try {
        await this._spawnAndWait(configPath);
        return;
      } catch (err) {
        const portClash = /address already in use|EADDRINUSE|failed to bind/i.test(this.output);
        if (attempt < 3 && portClash && this.exit) {
          this._log(`\n[harness] port clash on attempt ${attempt}, retrying with new ports\n`);
          continue;
        }
        await this.stop({ keepLogs: true });
        throw err;
      }
    }
  }

  async _spawnAndWait(configPath) {
    const args = [
      this.dll,
      "--in-memory",
      "--amqp-port", String(this.amqpPort),
      "--http-port", String(this.httpPort),
      "--config", configPath,
      ...(this.tls
        ? ["--amqps-port", String(this.amqpsPort), "--https-port", String(this.httpsPort), "--cert-out", this.certPemPath]
        : []),
      ...this.extraArgs,
    ];
    this._log(`[harness] dotnet ${args.join(" ")}\n`);
    this.exit = undefined;
    const child = spawn("dotnet", args, {
      cwd: this.workDir,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, DOTNET_NOLOGO: "1", DOTNET_CLI_TELEMETRY_OPTOUT: "1" },
    });
    this.child = child;
    liveProcesses.add(child);
    child.stdout.setEncoding("utf8").on("data", (d) => this._log(d));
    child.stderr.setEncoding("utf8").on("data", (d) => this._log(d));
    const exited = new Promise((resolve) => {
      child.on("exit", (code, signal) => {
        this.exit = { code, signal };
        liveProcesses.delete(child);
        this._log(`\n[harness] Ferry exited (code ${code}, signal ${signal})\n`);
        resolve();
      });
    });
    this._exited = exited;
    let spawnError;
    child.on("error", (err) => {
      spawnError = err;
      this._log(`\n[harness] spawn error: ${err.message}\n`);
    });

    const started = Date.now();
    for (;;) {
      if (spawnError) {
        throw harnessError(spawnError.code === "ENOENT"
          ? "could not start Ferry: the `dotnet` executable was not found on PATH"
          : `could not start Ferry: ${spawnError.message}`);
      }
      if (this.exit) {
        throw harnessError(
          `Ferry exited during startup (code ${this.exit.code}, signal ${this.exit.signal}).\n` +
          this.tail());
      }
      if (await this._healthy()) return;
      if (Date.now() - started > STARTUP_TIMEOUT_MS) {
        throw harnessError(
          `Ferry did not answer 200 on ${this.healthUrl} within ${STARTUP_TIMEOUT_MS / 1000} s.\n` +
          this.tail());
      }
      await delay(HEALTH_POLL_MS);
    }
  }

  async _healthy() {
    try {
      const res = await fetch(this.healthUrl, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer().catch(() => undefined);
      return res.status === 200;
    } catch {
      return false;
    }
  }

  _log(text) {
    this.output += text;
    if (this.output.length > MAX_LOG_CHARS) {
      this.output = "[... earlier output dropped ...]\n" + this.output.slice(-MAX_LOG_CHARS / 2);
    }
  }

  /** The last lines of Ferry's output, for failure messages. */
  tail(lines = LOG_TAIL_LINES) {
    const all = this.output.trimEnd().split("\n");
    const shown = all.slice(-lines);
    const header = all.length > lines
      ? `--- Ferry output (last ${lines} of ${all.length} lines${this.logPath ? `; full log: ${this.logPath}` : ""}) ---`
      : "--- Ferry output ---";
    return [header, ...shown.map((l) => `ferry| ${l}`), "--- end of Ferry output ---"].join("\n");
  }

  /** True while the process runs. */
  get running() {
    return this.child !== undefined && this.exit === undefined;
  }

  async stop({ keepLogs = false } = {}) {
    const child = this.child;
    if (child && !this.exit) {
      child.kill("SIGTERM");
      const graceful = await Promise.race([
        this._exited.then(() => true),
        delay(STOP_GRACE_MS).then(() => false),
      ]);
      if (!graceful) {
        this._log(`\n[harness] Ferry did not exit within ${STOP_GRACE_MS} ms of SIGTERM; sending SIGKILL\n`);
        child.kill("SIGKILL");
        await this._exited;
      }
    }
    if (!this.workDir) return;
    if (keepLogs || this.failed) {
      await writeFile(this.logPath, this.output).catch(() => undefined);
    } else {
      await rm(this.workDir, { recursive: true, force: true }).catch(() => undefined);
      this.workDir = undefined;
    }
  }
}

async function closeQuietly(client) {
  await Promise.race([client.close().catch(() => undefined), delay(CLIENT_CLOSE_TIMEOUT_MS)]);
}

/**
 * Starts one Ferry for the current test file and returns a handle with:
 *   ferry.connectionString, ferry.amqpPort, ferry.httpPort
 *   ferry.test(name, [options], fn)  - node:test `test` with a default timeout, a per-test client factory,
 *                                      and Ferry's output attached to failures
 *   ferry.newClient(options)         - a ServiceBusClient closed when the file ends
 *
 * `fn` receives { t, client, ferry }: client(options) creates a ServiceBusClient that is closed when the
 * test ends. Default client options: retryOptions { maxRetries: 0, timeoutInMs: 10000 }, so a broker
 * that answers with a retryable error or not at all fails the test quickly instead of after 30 s retries.
 */
export function useFerry(spec) {
  const ferry = new FerryProcess(spec);
  const fileClients = [];

  before(async () => {
    await ferry.start();
  }, { timeout: STARTUP_TIMEOUT_MS + 15_000 });

  after(async () => {
    await Promise.all(fileClients.map(closeQuietly));
    await ferry.stop();
    if (ferry.failed && ferry.logPath) {
      process.stderr.write(`[harness] full Ferry log for ${ferry.name}: ${ferry.logPath}\n`);
    }
  }, { timeout: STOP_GRACE_MS + CLIENT_CLOSE_TIMEOUT_MS + 10_000 });

  const makeClient = (options = {}, connectionString = ferry.connectionString) =>
    new ServiceBusClient(connectionString, {
      ...options,
      retryOptions: { maxRetries: 0, timeoutInMs: 10_000, ...(options.retryOptions ?? {}) },
    });

  return {
    process: ferry,
    get connectionString() { return ferry.connectionString; },
    get amqpPort() { return ferry.amqpPort; },
    get httpPort() { return ferry.httpPort; },
    connectionStringWithKey: (key) => connectionStringFor(ferry.amqpPort, key),

    newClient(options, connectionString) {
      const c = makeClient(options, connectionString);
      fileClients.push(c);
      return c;
    },

    test(name, options, fn) {
      if (typeof options === "function") { fn = options; options = {}; }
      const timeout = options.timeout ?? DEFAULT_TEST_TIMEOUT_MS;
      // node:test's own timeout is a backstop; ours fires first so Ferry's output can be attached.
      return nodeTest(name, { ...options, timeout: timeout + 3_000 }, async (t) => {
        const clients = [];
        const client = (clientOptions, connectionString) => {
          const c = makeClient(clientOptions, connectionString);
          clients.push(c);
          return c;
        };
        let timer;
        try {
          await Promise.race([
            fn({ t, client, ferry }),
            new Promise((_, reject) => {
              timer = setTimeout(
                () => reject(harnessError(`test "${name}" timed out after ${timeout} ms`)), timeout);
            }),
          ]);
        } catch (err) {
          ferry.failed = true;
          const state = ferry.running ? "Ferry is running" :
            ferry.exit ? `Ferry has EXITED (code ${ferry.exit.code}, signal ${ferry.exit.signal})` :
              "Ferry was not started";
          t.diagnostic(`${state}\n${ferry.tail()}`);
          throw err;
        } finally {
          clearTimeout(timer);
          await Promise.all(clients.map(closeQuietly));
        }
      });
    },
  };
}
