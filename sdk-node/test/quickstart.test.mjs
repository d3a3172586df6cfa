// The quick start, exactly as written, in ESM and in CommonJS; only
// the port is the test collector's (it listens on 127.0.0.1: "localhost"
// must find it).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { startServer } from "./helpers.mjs";

const quickStart = `aires.init({ service: "checkout", environment: "prod", endpoint: "localhost:4320" });
aires.info("order placed", { "order.id": "A-17", items: 3 });   // items stored as an integer
await aires.shutdown();`;

const pkg = fileURLToPath(new URL("..", import.meta.url));

for (const [name, src, ext] of [
  ["ESM", `import * as aires from "@aires-dev/sdk";\n${quickStart}\n`, ".mjs"],
  ["CommonJS", `const aires = require("@aires-dev/sdk");\n(async () => {\n${quickStart}\n})();\n`, ".cjs"],
]) {
  test(`quick start, ${name}`, async () => {
    const s = await startServer();
    const { writeFileSync } = await import("node:fs");
    // Inside the package, so "@aires-dev/sdk" resolves to it by name.
    const file = `${pkg}test/.quickstart${ext}`;
    writeFileSync(file, src.replace("localhost:4320", `localhost:${s.port}`));
    try {
      // Asynchronously: the collector answers from this process' event loop.
      await promisify(execFile)(process.execPath, [file]);
    } finally {
      (await import("node:fs")).rmSync(file);
    }
    const [ev] = s.events;
    assert.equal(s.state.batches[0].resource.service, "checkout");
    assert.equal(s.state.batches[0].resource.environment, "prod");
    assert.equal(ev.message, "order placed");
    assert.deepEqual(ev.attributes.map((kv) => [kv.key, kv.value.value.case, kv.value.value.value]),
      [["order.id", "stringValue", "A-17"], ["items", "intValue", 3n]]);
    await s.close();
  });
}
