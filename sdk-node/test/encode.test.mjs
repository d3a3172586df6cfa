// The hand-written encoder against the generated decoder (src/gen), on
// random events: every byte the SDK writes must decode to what was logged,
// after the documented limits.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fromBinary } from "@bufbuild/protobuf";
import { Client, limits } from "@aires-dev/sdk";
import { EventBatchSchema } from "../dist/esm/gen/aires/v1/aires_pb.js";

// A seeded PRNG (mulberry32): failures reproduce.
function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pieces = ["a", "Z", "0", " ", "é", "ß", "€", "注", "💳", "🎉", "\ud800", "\udfff", "\n", "\u0000"];

function randomString(r, maxLen) {
  const len = r() < 0.2 ? Math.floor(r() * maxLen) : Math.floor(r() * 40);
  let s = "";
  while (s.length < len) s += pieces[Math.floor(r() * pieces.length)];
  return s;
}

/** What the protocol must carry for a string cut to limit bytes. */
function cut(s, limit) {
  const b = Buffer.from(s.slice(0, limit).toWellFormed(), "utf8");
  if (b.length <= limit) return b.toString("utf8");
  let n = limit;
  while (n > 0 && (b[n] & 0xc0) === 0x80) n--;
  return b.subarray(0, n).toString("utf8");
}

function randomValue(r, depth) {
  const k = Math.floor(r() * (depth < 2 ? 8 : 6));
  switch (k) {
    case 0: return randomString(r, 10000);
    case 1: return Math.floor((r() - 0.5) * 2 ** (1 + Math.floor(r() * 53)));
    case 2: return (r() - 0.5) * 1e6 + 0.25;
    case 3: return r() < 0.5;
    case 4: return BigInt.asIntN(64, BigInt(Math.floor(r() * 2 ** 32)) << 32n | BigInt(Math.floor(r() * 2 ** 32)));
    case 5: return null;
    case 6: return Array.from({ length: Math.floor(r() * 5) }, () => randomValue(r, depth + 1));
    default: {
      const o = {};
      for (let i = Math.floor(r() * 4); i > 0; i--) o[`n${i}`] = randomValue(r, depth + 1);
      return o;
    }
  }
}

/** The AnyValue a JS value must decode to, as [case, value]. */
function expected(v) {
  if (typeof v === "string") return ["stringValue", cut(v, limits.maxValueBytes)];
  if (typeof v === "number") return Number.isInteger(v) ? ["intValue", BigInt(v)] : ["doubleValue", v];
  if (typeof v === "boolean") return ["boolValue", v];
  if (typeof v === "bigint") return ["intValue", v];
  if (v === null) return ["stringValue", ""];
  if (Array.isArray(v)) return ["arrayValue", v.map(expected)];
  return ["kvlistValue", Object.entries(v).map(([k, x]) => [k, expected(x)])];
}

function decoded(av) {
  const { case: c, value } = av.value;
  if (c === "arrayValue") return [c, value.values.map(decoded)];
  if (c === "kvlistValue") return [c, value.values.map((kv) => [kv.key, decoded(kv.value)])];
  return [c, value];
}

test("random events decode to what was logged (500 events, seeded)", async () => {
  const r = rng(20261130);
  const batches = [];
  const transport = {
    send(bytes) {
      batches.push(fromBinary(EventBatchSchema, bytes)); // also checks UTF-8 validity
      return { done: Promise.resolve({ response: { rejected: 0n, rejections: [] } }), cancel() {} };
    },
    close() {},
  };
  const c = new Client({ flushOnExit: false, batchSize: 64, service: randomString(r, 100) }, { transport });
  const logged = [];
  for (let i = 0; i < 500; i++) {
    const attrs = {};
    for (let j = Math.floor(r() * 6); j > 0; j--) attrs[`k${j}${randomString(r, 20)}`] = randomValue(r, 0);
    const msg = randomString(r, 40000);
    const tags = Array.from({ length: Math.floor(r() * 3) }, () => randomString(r, 10000));
    const http = r() < 0.3 ? { method: "GET", path: randomString(r, 300), statusCode: Math.floor(r() * 600), durationMs: r() * 1000, responseSize: Math.floor(r() * 1e9) } : undefined;
    c.info(msg, attrs, { tags, http });
    logged.push({ msg, attrs, tags, http });
  }
  await c.shutdown();
  const events = batches.flatMap((b) => b.events);
  assert.equal(events.length, 500);
  events.forEach((e, i) => {
    const l = logged[i];
    assert.equal(e.message, cut(l.msg, limits.maxMessageBytes), `event ${i} message`);
    assert.deepEqual(e.tags, l.tags.map((t) => cut(t, limits.maxValueBytes)), `event ${i} tags`);
    assert.deepEqual(e.attributes.map((kv) => [kv.key, decoded(kv.value)]),
      Object.entries(l.attrs).map(([k, v]) => [cut(k, limits.maxKeyBytes), expected(v)]), `event ${i} attributes`);
    if (l.http) {
      assert.equal(e.http.path, cut(l.http.path, limits.maxValueBytes));
      assert.equal(e.http.statusCode, l.http.statusCode);
      assert.equal(e.http.durationMs, l.http.durationMs);
      assert.equal(e.http.responseSize, BigInt(l.http.responseSize));
    } else assert.equal(e.http, undefined);
  });
});

test("aires.double sends a whole number as a double; a bare whole number is an integer", async () => {
  const { createRequire } = await import("node:module");
  const cjs = createRequire(import.meta.url)("@aires-dev/sdk");
  const { double, Double } = await import("@aires-dev/sdk");
  const batches = [];
  const transport = {
    send(bytes) {
      batches.push(fromBinary(EventBatchSchema, bytes));
      return { done: Promise.resolve({ response: { rejected: 0n, rejections: [] } }), cancel() {} };
    },
    close() {},
  };
  const c = new Client({ flushOnExit: false, resourceAttributes: { replicas: 3, weight: double(2) } }, { transport });
  c.info("typed", {
    items: 3, whole: double(3), negative: double(-0), fraction: double(0.5), cls: new Double(7),
    // A Double of the CommonJS build, logged through the ESM build (both loaded in one process).
    fromCjs: cjs.double(5),
    list: [double(1), 2, double(2.5)], nested: { d: double(9) },
  });
  await c.shutdown();
  const [b] = batches;
  assert.deepEqual(b.resource.attributes.map((kv) => [kv.key, decoded(kv.value)]),
    [["replicas", ["intValue", 3n]], ["weight", ["doubleValue", 2]]]);
  assert.deepEqual(b.events[0].attributes.map((kv) => [kv.key, decoded(kv.value)]), [
    ["items", ["intValue", 3n]],
    ["whole", ["doubleValue", 3]],
    ["negative", ["doubleValue", -0]],
    ["fraction", ["doubleValue", 0.5]],
    ["cls", ["doubleValue", 7]],
    ["fromCjs", ["doubleValue", 5]],
    ["list", ["arrayValue", [["doubleValue", 1], ["intValue", 2n], ["doubleValue", 2.5]]]],
    ["nested", ["kvlistValue", [["d", ["doubleValue", 9]]]]],
  ]);
  assert.equal(double(3) + 1, 4, "a Double is its number in arithmetic");
  assert.equal(JSON.stringify({ x: double(3) }), '{"x":3}');
});
