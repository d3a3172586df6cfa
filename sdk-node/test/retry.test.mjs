// Retries and permanent errors against a real in-process gRPC server.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { Client } from "@aires-dev/sdk";
import { startServer, until, warnings } from "./helpers.mjs";

/** A server answering with the given outcomes in turn, then OK. */
async function scripted(outcomes) {
  let calls = 0;
  const s = await startServer(() => outcomes[calls++] ?? {});
  s.calls = () => calls;
  return s;
}

const hour = 3_600_000;

test("UNAVAILABLE with RetryInfo: retried after the server's delay, not the backoff", async () => {
  const s = await scripted([
    { error: { code: grpc.status.UNAVAILABLE, retryDelayMs: 30 } },
    { error: { code: grpc.status.UNAVAILABLE, retryDelayMs: 30 } },
  ]);
  // A backoff of an hour: only the RetryInfo delay lets this test finish.
  const c = new Client({ endpoint: s.endpoint, initialBackoffMs: hour, maxBackoffMs: hour, flushOnExit: false });
  c.info("retried");
  await until(() => c.stats().sent === 1, "the third attempt to succeed");
  assert.equal(s.calls(), 3);
  const ids = s.state.batches.map((b) => Buffer.from(b.events[0].id).toString("hex"));
  assert.equal(new Set(ids).size, 1, "the same event each time");
  assert.deepEqual(c.stats(), { enqueued: 1, sent: 1, dropped: 0, failed: 0 });
  await c.shutdown();
  await s.close();
});

test("a RetryInfo delay is capped by maxRetryDelayMs", async () => {
  const s = await scripted([{ error: { code: grpc.status.UNAVAILABLE, retryDelayMs: hour } }]);
  const c = new Client({ endpoint: s.endpoint, maxRetryDelayMs: 20, flushOnExit: false });
  c.info("capped");
  await until(() => c.stats().sent === 1, "the retry");
  assert.equal(s.calls(), 2);
  await c.shutdown();
  await s.close();
});

test("UNAVAILABLE without RetryInfo: 1 + maxRetries attempts with backoff, then failed with one warning", async () => {
  const e = { error: { code: grpc.status.UNAVAILABLE } };
  const s = await scripted([e, e, e, e, e, e]);
  const w = warnings();
  const c = new Client({ endpoint: s.endpoint, initialBackoffMs: 5, maxBackoffMs: 20, warn: w, flushOnExit: false });
  c.info("a");
  c.info("b");
  await until(() => c.stats().failed === 2, "the batch to fail");
  assert.equal(s.calls(), 4);
  assert.deepEqual(c.stats(), { enqueued: 2, sent: 0, dropped: 0, failed: 2 });
  assert.equal(w.list.length, 1);
  assert.match(w.list[0].message, /dropped a batch/);
  assert.equal(w.list[0].fields.attempts, 4);
  await c.shutdown();
  await s.close();
});

for (const [name, code] of [["INVALID_ARGUMENT", grpc.status.INVALID_ARGUMENT], ["RESOURCE_EXHAUSTED without RetryInfo", grpc.status.RESOURCE_EXHAUSTED], ["UNIMPLEMENTED", grpc.status.UNIMPLEMENTED]]) {
  test(`${name} is permanent: one attempt, counted failed`, async () => {
    const s = await scripted([{ error: { code } }]);
    const w = warnings();
    const c = new Client({ endpoint: s.endpoint, initialBackoffMs: 1, warn: w, flushOnExit: false });
    c.info("refused");
    await c.shutdown();
    assert.equal(s.calls(), 1);
    assert.deepEqual(c.stats(), { enqueued: 1, sent: 0, dropped: 0, failed: 1 });
    assert.equal(w.list.length, 1);
    await s.close();
  });
}

test("RESOURCE_EXHAUSTED with RetryInfo is retried", async () => {
  const s = await scripted([{ error: { code: grpc.status.RESOURCE_EXHAUSTED, retryDelayMs: 10 } }]);
  const c = new Client({ endpoint: s.endpoint, flushOnExit: false });
  c.info("later");
  await c.shutdown();
  assert.equal(s.calls(), 2);
  assert.equal(c.stats().sent, 1);
  await s.close();
});

test("per-event rejections count as failed and are not retried", async () => {
  const s = await scripted([{ rejected: 1n, accepted: 2n, rejections: [{ index: 1, reason: "timestamp too old" }] }]);
  const w = warnings();
  const c = new Client({ endpoint: s.endpoint, warn: w, flushOnExit: false });
  c.info("a");
  c.info("b");
  c.info("c");
  await c.shutdown();
  assert.equal(s.calls(), 1);
  assert.deepEqual(c.stats(), { enqueued: 3, sent: 2, dropped: 0, failed: 1 });
  assert.equal(w.list[0].fields.first_reason, "timestamp too old");
  await s.close();
});

test("refused credentials are warned about once until a batch is accepted", async () => {
  const unauth = { error: { code: grpc.status.UNAUTHENTICATED } };
  const s = await scripted([unauth, unauth, {}, unauth]);
  const w = warnings();
  const c = new Client({ endpoint: s.endpoint, warn: w, flushOnExit: false });
  for (const m of ["1", "2", "3", "4"]) {
    c.info(m);
    await c.flush();
  }
  assert.equal(s.calls(), 4, "each batch tried once");
  assert.deepEqual(c.stats(), { enqueued: 4, sent: 1, dropped: 0, failed: 3 });
  assert.equal(w.list.length, 2, "once, and again after an accepted batch");
  assert.match(w.list[0].message, /requires an API key and apiKey is empty/);
  await c.shutdown();
  await s.close();
});
