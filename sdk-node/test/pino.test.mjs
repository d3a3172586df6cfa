// pino: as an in-process destination and as a transport in a worker thread.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { Client } from "@aires-dev/sdk";
import { airesDestination } from "@aires-dev/sdk/pino";
import { startServer, attrs, until, spawnFixture } from "./helpers.mjs";

test("pino lines become events: level, msg, time, err and fields", async () => {
  const s = await startServer();
  const c = new Client({ endpoint: s.endpoint, flushOnExit: false });
  const dest = airesDestination({ client: c });
  const log = pino({ level: "trace" }, dest);
  const ts = Date.now();
  log.info({ "order.id": "A-17", items: 3, ratio: 0.5 }, "order placed");
  log.child({ module: "pay" }).error({ err: new RangeError("too much") }, "payment failed");
  log.trace("fine");
  log.fatal("down");
  await c.flush();
  await c.shutdown();
  const [a, b, t, f] = s.events;
  assert.equal(a.message, "order placed");
  assert.equal(a.severity, 3);
  assert.deepEqual(attrs(a), { "order.id": ["stringValue", "A-17"], items: ["intValue", 3n], ratio: ["doubleValue", 0.5] });
  const ms = Number(a.timestampUnixNano / 1_000_000n);
  assert.ok(ms >= ts - 1 && ms <= Date.now(), "pino's time");
  assert.equal(b.severity, 5);
  assert.deepEqual(attrs(b), { module: ["stringValue", "pay"] });
  assert.deepEqual([b.error.type, b.error.message], ["RangeError", "too much"]);
  assert.match(b.error.stack, /pino\.test\.mjs/);
  assert.deepEqual([t.severity, f.severity], [1, 6]);
  await s.close();
});

test("pino.transport runs the SDK in a worker thread and flushes when pino ends", async (t) => {
  // The collector runs in another process: ending a transport blocks this
  // thread (thread-stream waits with Atomics.wait) until the worker is done.
  const srv = await spawnFixture("server.mjs", [0]);
  t.after(() => srv.child.kill("SIGKILL"));
  await until(() => srv.lines.some((l) => l.startsWith("port ")), "the server's port");
  const endpoint = `127.0.0.1:${srv.lines.find((l) => l.startsWith("port ")).slice(5)}`;
  const target = fileURLToPath(new URL("../dist/esm/pino.js", import.meta.url));
  const transport = pino.transport({ target, options: { endpoint, service: "pino-svc" } });
  const log = pino(transport);
  for (let i = 0; i < 50; i++) log.warn({ i }, `line ${i}`);
  await new Promise((resolve) => {
    transport.on("close", resolve);
    transport.end();
  });
  const batches = srv.lines.filter((l) => l.startsWith("batch "));
  assert.equal(batches.reduce((n, l) => n + Number(l.split(" ")[1]), 0), 50, "all 50, delivered before the worker ended");
  assert.equal(batches[0], `batch ${batches[0].split(" ")[1]} line 0`);
});
