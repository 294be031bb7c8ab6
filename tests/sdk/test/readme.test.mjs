// The client snippet in README.md, extracted and run as written against a real Ferry.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { queue, useFerry } from "../harness.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const ferry = useFerry({ name: "readme", queues: [queue("orders")] });

ferry.test("the README's client snippet runs against Ferry and prints the order id and delivery count", async () => {
  const readme = readFileSync(path.join(here, "..", "..", "..", "README.md"), "utf8");
  const snippet = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(snippet, "README.md has a ```js snippet");
  // Written beside the tests so that `import "@azure/service-bus"` resolves from tests/sdk/node_modules.
  const file = path.join(here, "..", "readme-snippet.generated.mjs");
  writeFileSync(file, snippet);
  const { stdout } = await promisify(execFile)(process.execPath, [file], {
    env: { ...process.env, FERRY_CONNECTION_STRING: ferry.connectionString },
    timeout: 20_000,
  });
  assert.equal(stdout.trim(), "42 0");
});
