// Conformance driver of the Node SDK: sends the events of conformance.json
// through the public API of the built SDK and prints the client's counters
// as JSON (run by test/e2e/conformance_test.go).
//
//   node node_driver.mjs <sdk-node dir> conformance.json 127.0.0.1:4320
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [sdkDir, file, endpoint] = process.argv.slice(2);
const aires = await import(pathToFileURL(join(sdkDir, "dist", "esm", "index.js")).href);

/** A string, or {"repeat": s, "times": n}. */
const text = (v) => (v !== null && typeof v === "object" ? v.repeat.repeat(v.times) : v);

/** An int: a number, or a decimal string beyond 2^53 (JSON.parse would round it): a bigint. */
const int = (v) => (typeof v === "string" ? BigInt(v) : v);

function value(a) {
  if ("string" in a) return text(a.string);
  if ("int" in a) return int(a.int);
  // JavaScript cannot tell 3.0 from 3: a double is marked as one.
  if ("double" in a) return aires.double(a.double);
  if ("bool" in a) return a.bool;
  if ("strings" in a) return a.strings.map(text);
  if ("ints" in a) return Array.isArray(a.ints) ? a.ints.map(int) : Array.from({ length: a.ints.range }, (_, i) => i);
  if ("doubles" in a) return a.doubles.map((x) => aires.double(x));
  if ("bools" in a) return a.bools;
  if ("group" in a) return attributes(a.group);
  throw new Error(`attribute without a value: ${JSON.stringify(a).slice(0, 100)}`);
}

function attributes(list) {
  const out = {};
  for (const a of list ?? []) out[text(a.key)] = value(a);
  return out;
}

function options(ev) {
  const o = {};
  for (const [name, opt] of [["trace_id", "traceId"], ["span_id", "spanId"], ["session_id", "sessionId"], ["user_id", "userId"],
    ["service", "service"], ["environment", "environment"], ["release", "release"]]) {
    if (name in ev) o[opt] = text(ev[name]);
  }
  if (ev.tags) o.tags = ev.tags.map(text);
  if ("timestamp_ns" in ev) o.timestamp = BigInt(ev.timestamp_ns);
  const h = ev.http;
  if (h) {
    o.http = {
      method: text(h.method), route: text(h.route), path: text(h.path), url: text(h.url),
      statusCode: h.status_code, durationMs: h.duration_ms, requestSize: h.request_size, responseSize: h.response_size,
      userAgent: text(h.user_agent), clientAddress: text(h.client_address),
    };
  }
  const err = ev.error;
  if (err?.native) o.error = new Error(text(err.message));
  else if (err) o.error = { type: text(err.type ?? ""), message: text(err.message ?? ""), stack: text(err.stack ?? "") };
  return o;
}

const spec = JSON.parse(readFileSync(file, "utf8"));
const r = spec.resource;
const client = new aires.Client({
  endpoint, service: r.service, environment: r.environment, release: r.release, host: r.host,
  resourceAttributes: attributes(r.attributes), flushOnExit: false, otel: false,
});
for (const ev of spec.events) {
  const attrs = attributes(ev.attributes);
  for (let i = 0; i < (ev.extra_int_attributes ?? 0); i++) attrs[`n${String(i).padStart(3, "0")}`] = i;
  client.log(ev.severity, text(ev.message), attrs, options(ev));
}
const delivered = await client.shutdown({ timeoutMs: 30000 });
process.stdout.write(JSON.stringify({ delivered_in_time: delivered, ...client.stats() }) + "\n");
