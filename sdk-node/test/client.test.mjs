// The client against a real in-process gRPC server: what is sent, how it is
// batched, flushed and limited.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Client, limits } from "@aires-dev/sdk";
import { toBinary } from "@bufbuild/protobuf";
import { EventBatchSchema } from "../dist/esm/gen/aires/v1/aires_pb.js";
import { startServer, attrs, until, warnings, inCallOrder, idHex } from "./helpers.mjs";

async function withServer(fn, handler) {
  const s = await startServer(handler);
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

test("every field reaches the collector as the protocol says", () => withServer(async (s) => {
  const c = new Client({
    endpoint: s.endpoint, service: "svc", environment: "qa", release: "1.2.3", host: "h1",
    resourceAttributes: { "k8s.pod.name": "pod-1" }, flushOnExit: false,
  });
  const ts = new Date("2026-01-02T03:04:05.678Z");
  const before = BigInt(Date.now() - 1) * 1_000_000n; // Date.now() is cut to the millisecond
  c.error("paiement refusé 💳", {
    s: "visa", i: 3, neg: -3, f: 12.75, b: false, big: 9007199254740993n, huge: 2n ** 64n, nul: null, und: undefined,
    list: ["a", "b"], nested: { tier: "gold", deep: { x: 1 } }, when: ts, e: new Error("boom"),
  }, {
    traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", sessionId: "sess", userId: "user",
    tags: ["payments", "", "eu"], service: "other", environment: "prod", release: "9",
    http: { method: "POST", route: "/pay/:id", path: "/pay/7", url: "https://x/pay/7", statusCode: 402, durationMs: 1.5,
      requestSize: 64, responseSize: 128, userAgent: "ua/1", clientAddress: "192.0.2.1" },
    error: { type: "PaymentError", message: "card declined", stack: "pay.js:42" },
  });
  c.warn("explicit time", undefined, { timestamp: ts });
  assert.equal(await c.shutdown(), true);
  const after = BigInt(Date.now()) * 1_000_000n + 1_000_000n;
  assert.deepEqual(c.stats(), { enqueued: 2, sent: 2, dropped: 0, failed: 0 });
  const [b] = s.state.batches;
  assert.equal(s.state.batches.length, 1);
  assert.deepEqual({ ...b.resource, attributes: undefined, $typeName: undefined },
    { service: "svc", environment: "qa", release: "1.2.3", host: "h1", attributes: undefined, $typeName: undefined });
  assert.deepEqual(b.resource.attributes.map((kv) => [kv.key, kv.value.value.value]), [["k8s.pod.name", "pod-1"]]);
  const [e, t] = b.events;
  assert.equal(e.id.length, 16);
  assert.equal(e.id[6] >> 4, 7, "UUID version 7");
  assert.equal(e.id[8] >> 6, 2, "UUID variant");
  assert.ok(e.timestampUnixNano >= before && e.timestampUnixNano <= after, "timestamp taken at the call");
  const idMs = Number(BigInt("0x" + Buffer.from(e.id.subarray(0, 6)).toString("hex")));
  assert.equal(idMs, Number(e.timestampUnixNano / 1_000_000n), "UUID time is the event's");
  assert.equal(e.severity, 5);
  assert.equal(e.message, "paiement refusé 💳");
  assert.equal(e.service, "other");
  assert.equal(e.environment, "prod");
  assert.equal(e.release, "9");
  assert.equal(Buffer.from(e.traceId).toString("hex"), "4bf92f3577b34da6a3ce929d0e0e4736");
  assert.equal(Buffer.from(e.spanId).toString("hex"), "00f067aa0ba902b7");
  assert.equal(e.sessionId, "sess");
  assert.equal(e.userId, "user");
  assert.deepEqual(e.tags, ["payments", "", "eu"]);
  const a = attrs(e);
  assert.deepEqual(a.s, ["stringValue", "visa"]);
  assert.deepEqual(a.i, ["intValue", 3n], "an integral number is an int attribute");
  assert.deepEqual(a.neg, ["intValue", -3n]);
  assert.deepEqual(a.f, ["doubleValue", 12.75]);
  assert.deepEqual(a.b, ["boolValue", false]);
  assert.deepEqual(a.big, ["intValue", 9007199254740993n], "bigint is int64, exactly");
  assert.deepEqual(a.huge, ["stringValue", "18446744073709551616"], "beyond int64: a string, as Go's Uint64");
  assert.deepEqual(a.nul, ["stringValue", ""]);
  assert.equal(a.und, undefined, "undefined is no attribute");
  assert.deepEqual(a.when, ["stringValue", "2026-01-02T03:04:05.678Z"]);
  assert.deepEqual(a.e, ["stringValue", "boom"]);
  assert.deepEqual(a.list[1].values.map((v) => v.value.value), ["a", "b"]);
  const nested = a.nested[1].values;
  assert.deepEqual(nested.map((kv) => kv.key), ["tier", "deep"]);
  assert.equal(nested[1].value.value.value.values[0].value.value.value, 1n);
  assert.deepEqual({ ...e.http, $typeName: undefined }, {
    $typeName: undefined, method: "POST", route: "/pay/:id", path: "/pay/7", url: "https://x/pay/7", statusCode: 402,
    durationMs: 1.5, requestSize: 64n, responseSize: 128n, userAgent: "ua/1", clientAddress: "192.0.2.1",
  });
  assert.deepEqual([e.error.type, e.error.message, e.error.stack], ["PaymentError", "card declined", "pay.js:42"]);
  assert.equal(t.timestampUnixNano, BigInt(ts.getTime()) * 1_000_000n);
  assert.equal(t.severity, 4);
  assert.equal(t.attributes.length, 0);
  assert.equal(t.service, "", "no override: as the batch");
}));

test("an Error in options gives type, message and stack", () => withServer(async (s) => {
  const c = new Client({ endpoint: s.endpoint, flushOnExit: false });
  class PaymentError extends Error { name = "PaymentError"; }
  c.error("failed", {}, { error: new PaymentError("declined") });
  c.error("thrown string", {}, { error: "just a string" });
  await c.shutdown();
  const [e, f] = s.events;
  assert.equal(e.error.type, "PaymentError");
  assert.equal(e.error.message, "declined");
  assert.match(e.error.stack, /client\.test\.mjs/);
  assert.deepEqual([f.error.type, f.error.message], ["string", "just a string"]);
}));

test("batches hold batchSize events; the rest leaves after flushInterval", () => withServer(async (s) => {
  const c = new Client({ endpoint: s.endpoint, batchSize: 10, flushIntervalMs: 50, flushOnExit: false });
  for (let i = 0; i < 25; i++) c.info(`e${i}`, { i });
  await until(() => s.events.length === 25, "25 events");
  const batches = inCallOrder(s.state.batches);
  const events = batches.flatMap((b) => b.events);
  assert.deepEqual(batches.map((b) => b.events.length), [10, 10, 5]);
  assert.deepEqual(events.map((e) => e.message), Array.from({ length: 25 }, (_, i) => `e${i}`), "in call order");
  const ids = events.map(idHex);
  assert.equal(new Set(ids).size, 25, "unique ids");
  assert.deepEqual([...ids].sort(), ids, "ids sort in call order");
  await c.shutdown();
  assert.deepEqual(c.stats(), { enqueued: 25, sent: 25, dropped: 0, failed: 0 });
}));

test("flush sends what is queued before the timer", () => withServer(async (s) => {
  const c = new Client({ endpoint: s.endpoint, flushIntervalMs: 3_600_000, idleDelayMs: -1, flushOnExit: false });
  c.info("one");
  c.info("two");
  assert.equal(await c.flush(), true);
  assert.equal(s.events.length, 2);
  assert.equal(await c.flush(), true, "nothing queued: at once");
  await c.shutdown();
}));

test("defaults are the Go SDK's: 2048 events or 1 MiB per batch, 500 ms, 5 ms at idle", () => {
  const c = new Client({ endpoint: "127.0.0.1:1", flushOnExit: false });
  const { batchSize, maxBatchBytes, flushIntervalMs, idleDelayMs } = c.config;
  assert.deepEqual({ batchSize, maxBatchBytes, flushIntervalMs, idleDelayMs },
    { batchSize: 2048, maxBatchBytes: 1 << 20, flushIntervalMs: 500, idleDelayMs: 5 });
  void c.shutdown(0);
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test("at idle an event leaves after idleDelayMs, not the batch timer", () => withServer(async (s) => {
  // Nothing sent yet: idle. An hour's flushIntervalMs cannot explain its arrival.
  const c = new Client({ endpoint: s.endpoint, flushIntervalMs: 3_600_000, flushOnExit: false });
  c.info("first");
  c.info("same burst");
  await until(() => s.events.length === 2, "the idle batch");
  assert.equal(s.state.batches.length, 1, "a burst leaves in one batch");
  // A batch just finished: not idle, so the next event waits for the timer
  // (an hour) or a flush. Only checked from the safe side: not sent yet.
  c.info("busy");
  await sleep(300);
  assert.equal(s.events.length, 2, "not idle: waits for the batch timer");
  assert.equal(await c.flush(), true);
  assert.deepEqual(s.events.map((e) => e.message), ["first", "same burst", "busy"]);
  await c.shutdown();
}));

test("idleDelayMs < 0: an event at idle waits for the batch timer", () => withServer(async (s) => {
  const c = new Client({ endpoint: s.endpoint, flushIntervalMs: 3_600_000, idleDelayMs: -1, flushOnExit: false });
  c.info("waits");
  await sleep(300);
  assert.equal(s.events.length, 0);
  assert.equal(await c.flush(), true);
  assert.equal(s.events.length, 1);
  await c.shutdown();
}));

test("a batch ends before maxBatchBytes; one larger event travels alone", () => withServer(async (s) => {
  const max = 4096;
  const c = new Client({ endpoint: s.endpoint, maxBatchBytes: max, flushOnExit: false });
  const kb = "x".repeat(1000);
  for (let i = 0; i < 40; i++) c.info(`${i} ${kb}`);
  c.info(`big ${"y".repeat(3 * max)}`);
  c.info("after the big one");
  assert.equal(await c.flush(), true);
  assert.equal(s.events.length, 42, "every event delivered");
  const events = inCallOrder(s.state.batches).flatMap((b) => b.events);
  assert.deepEqual(events.map((e) => e.message.split(" ")[0]),
    [...Array.from({ length: 40 }, (_, i) => String(i)), "big", "after"], "in call order");
  const sizes = s.state.batches.map((b) => ({ n: b.events.length, bytes: toBinary(EventBatchSchema, b).length }));
  assert.ok(sizes.length >= 10, `40 events of 1 KB in batches of at most 4 KB: ${JSON.stringify(sizes)}`);
  for (const { n, bytes } of sizes) assert.ok(bytes <= max || n === 1, `a batch of ${n} events is ${bytes} bytes`);
  assert.ok(sizes.some(({ n, bytes }) => n === 1 && bytes > max), "the large event alone");
  await c.shutdown();
  assert.deepEqual(c.stats(), { enqueued: 42, sent: 42, dropped: 0, failed: 0 });
}));

test("a full queue drops and counts, never blocks or throws", () => withServer(async (s) => {
  let release;
  const gate = new Promise((r) => { release = r; });
  s.state.handler = () => gate.then(() => ({}));
  const c = new Client({ endpoint: s.endpoint, queueSize: 5, batchSize: 2, flushOnExit: false });
  c.info("first");
  c.info("second"); // a full batch: sent, and held by the server
  await until(() => s.state.batches.length === 1, "the first batch to arrive");
  for (let i = 0; i < 20; i++) c.info(`more ${i}`);
  assert.deepEqual(c.stats(), { enqueued: 7, sent: 0, dropped: 15, failed: 0 });
  release();
  assert.equal(await c.shutdown(), true);
  assert.deepEqual(c.stats(), { enqueued: 7, sent: 7, dropped: 15, failed: 0 });
  c.info("after shutdown");
  assert.equal(c.stats().dropped, 16, "calls after shutdown are dropped and counted");
}));

test("limits: values are truncated on a character boundary, extra attributes and tags dropped", () => withServer(async (s) => {
  const c = new Client({ endpoint: s.endpoint, flushOnExit: false });
  const many = {};
  for (let i = 0; i < 200; i++) many[`k${String(i).padStart(3, "0")}`] = i;
  many["x".repeat(300)] = "long key";
  c.info("é".repeat(20000), { v: "€".repeat(5000), ...many, list: Array.from({ length: 300 }, (_, i) => i) }, {
    tags: Array.from({ length: 100 }, (_, i) => `t${i}`),
    error: { type: "T", message: "m".repeat(9000), stack: "s".repeat(20000) },
    http: { userAgent: "u".repeat(9000) },
  });
  c.info("lone \ud800 surrogate", { ["key\udfff"]: "v\ud83d" });
  await c.shutdown();
  const [e, f] = s.events;
  assert.equal(Buffer.byteLength(e.message), limits.maxMessageBytes);
  assert.equal(e.message, "é".repeat(limits.maxMessageBytes / 2));
  const v = e.attributes[0].value.value.value;
  assert.equal(v, "€".repeat(Math.floor(limits.maxValueBytes / 3)), "cut on a character boundary");
  assert.equal(e.attributes.length, limits.maxAttributes);
  assert.equal(e.tags.length, limits.maxTags);
  assert.equal(e.error.message.length, limits.maxErrorBytes);
  assert.equal(e.error.stack.length, limits.maxStackBytes);
  assert.equal(e.http.userAgent.length, limits.maxValueBytes);
  assert.equal(f.message, "lone \ufffd surrogate", "invalid UTF-16 repaired as U+FFFD");
  assert.equal(f.attributes[0].key, "key\ufffd");
}));

test("long keys and lists are cut", () => withServer(async (s) => {
  const c = new Client({ endpoint: s.endpoint, flushOnExit: false });
  c.info("m", { ["k".repeat(300)]: 1, list: Array.from({ length: 300 }, (_, i) => i) });
  await c.shutdown();
  const [e] = s.events;
  assert.equal(e.attributes[0].key, "k".repeat(limits.maxKeyBytes));
  assert.equal(e.attributes[1].value.value.value.values.length, limits.maxListItems);
}));

test("hostile inputs never throw into the caller", () => withServer(async (s) => {
  const w = warnings();
  const c = new Client({ endpoint: s.endpoint, flushOnExit: false, warn: w });
  const cyclic = { a: 1 };
  cyclic.self = cyclic;
  const throwing = { get boom() { throw new Error("getter"); }, ok: 1 };
  const proxy = new Proxy({}, { ownKeys() { throw new Error("proxy"); } });
  c.info("cyclic", cyclic);
  c.info("throwing getter", throwing);
  c.info("proxy", proxy);
  c.info(undefined);
  c.info("bad options", { a: 1 }, { traceId: "zz", spanId: 42, tags: "not an array", timestamp: "soon", http: 7 });
  c.log("nonsense", "unknown severity");
  c.log("toString", "not a severity either");
  c.info("attributes not an object", "abc", "options not an object");
  await c.shutdown();
  assert.equal(c.stats().dropped, 0);
  assert.equal(s.events.length, 8);
  assert.equal(s.events[7].attributes.length, 0);
  assert.deepEqual([s.events[5].severity, s.events[6].severity], [0, 0], "unknown severities are UNSPECIFIED");
  const deep = JSON.stringify(s.events[0].attributes, (_, v) => (typeof v === "bigint" ? String(v) : v));
  assert.match(deep, /nesting too deep/);
  assert.equal(s.events[4].traceId.length, 0, "a malformed trace id is ignored");
}));

test("minSeverity filters before the queue", () => withServer(async (s) => {
  const c = new Client({ endpoint: s.endpoint, minSeverity: "warn", flushOnExit: false });
  c.debug("no");
  c.info("no");
  c.warn("yes");
  c.fatal("yes");
  await c.shutdown();
  assert.deepEqual(s.events.map((e) => e.severity), [4, 6]);
  assert.equal(c.stats().enqueued, 2);
}));

test("the API key and headers travel as metadata", () => withServer(async (s) => {
  const c = new Client({ endpoint: s.endpoint, apiKey: "k-123", headers: { "X-Tenant": "t1" }, flushOnExit: false });
  c.info("hello");
  await c.shutdown();
  const md = s.state.metadata[0];
  assert.deepEqual(md.get("authorization"), ["Bearer k-123"]);
  assert.deepEqual(md.get("x-tenant"), ["t1"]);
}));

// A bare HTTP/2 server sees the gRPC framing: the message's compressed flag
// and its gzip bytes, which grpc-js servers hide. Each request is kept as
// {headers, flag, gz (the compressed bytes), message (the protobuf bytes)};
// responseHeaders go into every response, and response (a Buffer, the
// IngestResponse's bytes) is its message, gzipped when gzipResponse;
// flag is the response frame's compressed flag (default: gzipResponse).
async function rawServer(responseHeaders = {}, { response = Buffer.alloc(0), gzipResponse = false, flag: responseFlag = gzipResponse ? 1 : 0 } = {}) {
  const http2 = await import("node:http2");
  const zlib = await import("node:zlib");
  const server = http2.createServer();
  const requests = [];
  server.on("stream", (stream, headers) => {
    const chunks = [];
    stream.on("data", (c) => chunks.push(c));
    stream.on("end", () => {
      const body = Buffer.concat(chunks);
      const flag = body[0];
      const msg = body.subarray(5, 5 + body.readUInt32BE(1));
      stream.respond({ ":status": 200, "content-type": "application/grpc", ...responseHeaders }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      const out = gzipResponse ? zlib.gzipSync(response) : response;
      const frame = Buffer.alloc(5 + out.length);
      frame[0] = responseFlag;
      frame.writeUInt32BE(out.length, 1);
      out.copy(frame, 5);
      stream.end(frame);
      requests.push({ headers, flag, gz: flag ? msg : undefined, message: flag ? zlib.gunzipSync(msg) : msg });
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { endpoint: `127.0.0.1:${server.address().port}`, requests, close: () => server.close() };
}

async function rawRequest(clientConfig) {
  const { fromBinary } = await import("@bufbuild/protobuf");
  const { EventBatchSchema } = await import("../dist/esm/gen/aires/v1/aires_pb.js");
  const server = await rawServer();
  const c = new Client({ endpoint: server.endpoint, flushOnExit: false, ...clientConfig });
  c.info("over the wire", { n: 1 });
  await until(() => server.requests.length === 1, "the request");
  await c.shutdown();
  server.close();
  const got = server.requests[0];
  return { ...got, batch: fromBinary(EventBatchSchema, got.message) };
}

/** The XFL byte of a gzip header: 4 when zlib compressed at level 1, 0 at its default level 6. */
const gzipXFL = (gz) => gz[8];

test("batches travel gzipped by default, compressed by the SDK at level 1", async () => {
  const got = await rawRequest({});
  assert.equal(got.headers["grpc-encoding"], "gzip");
  assert.equal(got.flag, 1, "the message is compressed");
  assert.equal(gzipXFL(got.gz), 4, "level 1: the SDK's own gzip, not grpc-js's level 6");
  assert.equal(got.batch.events[0].message, "over the wire");
  assert.equal(got.headers[":path"], "/aires.v1.IngestService/Ingest");
});

test("disableCompression sends plain protobuf", async () => {
  const got = await rawRequest({ disableCompression: true });
  assert.equal(got.flag, 0);
  assert.equal(got.headers["grpc-encoding"], undefined);
  assert.equal(got.batch.events[0].message, "over the wire");
});

test("other grpc-js clients of the process keep grpc-js's own gzip", async () => {
  const grpc = await import("@grpc/grpc-js");
  const server = await rawServer();
  // The SDK's wrap of grpc-js is in place once a client exists.
  const c = new Client({ endpoint: server.endpoint, flushOnExit: false });
  const other = new grpc.Client(server.endpoint, grpc.credentials.createInsecure(),
    { "grpc.default_compression_algorithm": grpc.compressionAlgorithms.gzip });
  const payload = Buffer.from("not an aires batch ".repeat(100));
  await new Promise((resolve) => other.makeUnaryRequest("/other.Service/Call", (b) => b, (b) => b, payload, () => resolve()));
  other.close();
  await c.shutdown();
  server.close();
  const [got] = server.requests;
  assert.equal(got.flag, 1);
  assert.equal(gzipXFL(got.gz), 0, "grpc-js's own gzip (zlib's default level)");
  assert.deepEqual(got.message, payload);
});

// A Go gRPC server (the collector) answers a gzipped request with a gzipped
// response.
test("a gzipped response is read on the SDK's calls without grpc-js's async inflate", async () => {
  const { toBinary, create } = await import("@bufbuild/protobuf");
  const { IngestResponseSchema } = await import("../dist/esm/gen/aires/v1/aires_pb.js");
  const { ownGzipCounts } = await import("../dist/esm/internal/gzip.js");
  const response = Buffer.from(toBinary(IngestResponseSchema, create(IngestResponseSchema, {
    accepted: 1n, rejected: 1n, rejections: [{ index: 1, reason: "bad event" }],
  })));
  const server = await rawServer({ "grpc-encoding": "gzip" }, { response, gzipResponse: true });
  const before = { ...ownGzipCounts };
  const warn = warnings();
  const c = new Client({ endpoint: server.endpoint, flushOnExit: false, warn });
  c.info("kept");
  c.info("rejected");
  const flushed = await c.flush();
  await c.shutdown();
  server.close();
  assert.equal(flushed, true);
  assert.deepEqual(c.stats(), { enqueued: 2, sent: 1, dropped: 0, failed: 1 }, "the response's rejection was read");
  assert.equal(warn.list[0]?.fields.first_reason, "bad event");
  assert.deepEqual({ requests: ownGzipCounts.requests - before.requests, responses: ownGzipCounts.responses - before.responses },
    { requests: 1, responses: 1 }, "gzipped and inflated by the SDK, not by grpc-js");
});

test("a corrupt gzipped response fails the batch as grpc-js would (INTERNAL, not retried)", async () => {
  // The frame says compressed; its bytes are not gzip.
  const server = await rawServer({ "grpc-encoding": "gzip" }, { response: Buffer.from("not gzip"), flag: 1 });
  const warn = warnings();
  const c = new Client({ endpoint: server.endpoint, flushOnExit: false, warn });
  c.info("x");
  assert.equal(await c.flush(), true);
  await c.shutdown();
  server.close();
  assert.equal(c.stats().failed, 1);
  assert.equal(server.requests.length, 1, "INTERNAL is permanent: no retry");
  assert.match(warn.list[0]?.fields.error ?? "", /Failed to decompress/);
});

test("a server that does not accept gzip gets plain protobuf", async () => {
  const { fromBinary } = await import("@bufbuild/protobuf");
  const { EventBatchSchema } = await import("../dist/esm/gen/aires/v1/aires_pb.js");
  const server = await rawServer({ "grpc-accept-encoding": "identity" });
  const c = new Client({ endpoint: server.endpoint, flushOnExit: false });
  c.info("first");
  assert.equal(await c.flush(), true);
  c.info("second");
  assert.equal(await c.flush(), true);
  await c.shutdown();
  server.close();
  const [first, second] = server.requests;
  assert.equal(first.flag, 1, "before the server said what it accepts");
  assert.equal(second.flag, 0, "grpc-js falls back to identity, and the SDK's gzip steps aside");
  assert.equal(second.headers["grpc-encoding"], undefined);
  assert.equal(fromBinary(EventBatchSchema, second.message).events[0].message, "second");
});

test("the active OpenTelemetry span gives trace and span ids", () => withServer(async (s) => {
  const api = await import("@opentelemetry/api");
  const { AsyncLocalStorage } = await import("node:async_hooks");
  // A minimal context manager (the SDK's own packages are not needed).
  const als = new AsyncLocalStorage();
  api.context.setGlobalContextManager({
    active: () => als.getStore() ?? api.ROOT_CONTEXT,
    with: (ctx, fn, thisArg, ...args) => als.run(ctx, () => fn.apply(thisArg, args)),
    bind: (_ctx, t) => t, enable() { return this; }, disable() { return this; },
  });
  try {
    const c = new Client({ endpoint: s.endpoint, flushOnExit: false });
    const sc = { traceId: "aa0102030405060708090a0b0c0d0e0f", spanId: "bb01020304050607", traceFlags: 1 };
    api.context.with(api.trace.setSpanContext(api.ROOT_CONTEXT, sc), () => {
      c.info("in a span");
      c.info("explicit ids win", {}, { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7" });
    });
    c.info("outside");
    await c.shutdown();
    const hex = (b) => Buffer.from(b).toString("hex");
    const [a, b, o] = s.events;
    assert.deepEqual([hex(a.traceId), hex(a.spanId)], [sc.traceId, sc.spanId]);
    assert.deepEqual([hex(b.traceId), hex(b.spanId)], ["4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"]);
    assert.equal(o.traceId.length, 0);
  } finally {
    api.context.disable();
  }
}));

test("fatal sends what is queued at once, without waiting for the batch timer", () => withServer(async (s) => {
  const c = new Client({ endpoint: s.endpoint, flushIntervalMs: 3_600_000, idleDelayMs: -1, flushOnExit: false });
  c.info("before");
  c.fatal("going down", { reason: "disk" });
  await until(() => s.events.length === 2, "both events without a flush call");
  assert.deepEqual(s.events.map((e) => e.severity), [3, 6]);
  await c.shutdown();
}));
