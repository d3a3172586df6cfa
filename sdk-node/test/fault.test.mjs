// Faults: the collector down at start, killed mid-run (a child process),
// shutdown with nobody listening, and host processes that exit on their own.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Client } from "@aires-dev/sdk";
import { startServer, until, freePort, spawnFixture, warnings } from "./helpers.mjs";

test("collector down at start: events wait and are delivered once it is up", async () => {
  const port = await freePort();
  const w = warnings();
  const c = new Client({ endpoint: `127.0.0.1:${port}`, initialBackoffMs: 50, maxBackoffMs: 200, maxRetries: 50, warn: w, flushOnExit: false });
  c.info("before the collector");
  // The first attempt fails (nothing listens); start the collector after it.
  await new Promise((r) => setTimeout(r, 100));
  const s = await startServer(() => ({}), port);
  await until(() => c.stats().sent === 1, "delivery after the collector started");
  c.info("after");
  await c.shutdown();
  assert.deepEqual(s.events.map((e) => e.message), ["before the collector", "after"]);
  assert.deepEqual(c.stats(), { enqueued: 2, sent: 2, dropped: 0, failed: 0 });
  assert.equal(w.list.length, 0);
  await s.close();
});

test("collector killed mid-run and restarted: the host never sees an error, later events arrive", async (t) => {
  const children = [];
  t.after(() => children.forEach((c) => c.kill("SIGKILL")));
  const first = await spawnFixture("server.mjs", [0]);
  children.push(first.child);
  await until(() => first.lines.some((l) => l.startsWith("port ")), "the server's port");
  const port = Number(first.lines.find((l) => l.startsWith("port ")).slice(5));
  const c = new Client({ endpoint: `127.0.0.1:${port}`, batchSize: 10, flushIntervalMs: 20, initialBackoffMs: 50, maxBackoffMs: 200, maxRetries: 20, warn: () => {}, flushOnExit: false });
  for (let i = 0; i < 30; i++) c.info(`phase1 ${i}`);
  await until(() => c.stats().sent === 30, "phase 1 delivered");
  first.child.kill("SIGKILL");
  await first.exited;
  for (let i = 0; i < 30; i++) c.info(`phase2 ${i}`); // nobody listens: retried, then failed
  await c.flush();
  const second = await spawnFixture("server.mjs", [port]);
  children.push(second.child);
  await until(() => second.lines.some((l) => l.startsWith("port ")), "the restarted server");
  for (let i = 0; i < 30; i++) c.info(`phase3 ${i}`);
  await c.flush();
  await until(() => second.lines.filter((l) => l.startsWith("batch") && l.includes("phase3")).length >= 3, "phase 3 at the new server");
  const st = c.stats();
  assert.equal(st.enqueued, 90);
  assert.equal(st.sent + st.failed, 90, "every event accounted for");
  assert.ok(st.sent >= 60, `phases 1 and 3 delivered (${JSON.stringify(st)})`);
  assert.equal(await c.shutdown(), true);
  second.child.kill("SIGKILL");
  await second.exited;
});

test("shutdown with the collector down returns by its deadline, counting the rest as failed", async () => {
  const port = await freePort();
  const c = new Client({ endpoint: `127.0.0.1:${port}`, initialBackoffMs: 10_000, maxBackoffMs: 10_000, warn: () => {}, flushOnExit: false });
  for (let i = 0; i < 5; i++) c.info(`lost ${i}`);
  assert.equal(await c.shutdown({ timeoutMs: 200 }), false);
  assert.deepEqual(c.stats(), { enqueued: 5, sent: 0, dropped: 0, failed: 5 });
  assert.equal(await c.shutdown(), false, "idempotent");
  assert.equal(await c.flush(), true, "nothing left to wait for");
});

test("a host process that ends on its own flushes its pending events and exits cleanly", async () => {
  const s = await startServer();
  const host = await spawnFixture("host.mjs", [s.endpoint, 1000, "end"]);
  const { code } = await host.exited;
  assert.equal(code, 0);
  assert.equal(s.events.length, 1000);
  assert.deepEqual(JSON.parse(host.lines.at(-1)), { enqueued: 1000, sent: 1000, dropped: 0, failed: 0 });
  await s.close();
});

test("a host process that awaits shutdown delivers everything and exits cleanly", async () => {
  const s = await startServer();
  const host = await spawnFixture("host.mjs", [s.endpoint, 700, "shutdown"]);
  const { code } = await host.exited;
  assert.equal(code, 0);
  assert.ok(host.lines.includes("complete true"));
  assert.equal(s.events.length, 700);
  await s.close();
});

test("a host process exits within the shutdown timeout when the collector is down", async () => {
  const port = await freePort();
  for (const mode of ["end", "shutdown"]) {
    // 100,000 retries 20-50 ms apart would keep a process alive for over an
    // hour: only the shutdown timeout (300 ms) lets it exit before the test
    // runner's bound.
    const host = await spawnFixture("host.mjs", [`127.0.0.1:${port}`, 10, mode, 300, 100000]);
    const { code } = await host.exited; // the hang guard is the test runner's
    assert.equal(code, 0, mode);
    const st = JSON.parse(host.lines.at(-1));
    assert.deepEqual(st, { enqueued: 10, sent: 0, dropped: 0, failed: 10 }, mode);
  }
});
