// Client-side preconditions of the suite (no broker needed): the pinned SDK, a core-amqp that knows
// UseDevelopmentEmulator, and the connection string the harness builds.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { test } from "node:test";
import { connectionStringFor } from "../harness.mjs";
import { ConnectionConfig, coreAmqpVersion } from "../helpers.mjs";

const require = createRequire(import.meta.url);

test("@azure/service-bus is exactly 7.9.5", () => {
  const pkg = JSON.parse(readFileSync(require.resolve("@azure/service-bus/package.json"), "utf8"));
  assert.equal(pkg.version, "7.9.5");
});

test("@azure/core-amqp is 4.3.0 or newer (UseDevelopmentEmulator support)", () => {
  const [major, minor] = coreAmqpVersion.split(".").map(Number);
  assert.ok(major > 4 || (major === 4 && minor >= 3), `core-amqp ${coreAmqpVersion} is older than 4.3.0`);
});

test("the harness connection string selects plain TCP on the Endpoint port", () => {
  const config = ConnectionConfig.create(connectionStringFor(5679));
  assert.equal(config.useDevelopmentEmulator, true);
  assert.equal(config.host, "localhost");
  assert.equal(config.port, 5679);
  assert.equal(config.sharedAccessKeyName, "RootManageSharedAccessKey");
  assert.equal(config.sharedAccessKey, "SAS_KEY_VALUE");
});
