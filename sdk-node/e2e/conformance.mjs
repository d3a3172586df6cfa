// The Node driver of the conformance test (test/e2e/conformance_test.go):
// sends the events of a conformance file (schema in its "description") with
// the built SDK, then shuts down and prints the client's stats as JSON.
//
//   node e2e/conformance.mjs <endpoint> <conformance.json>
import { readFileSync } from "node:fs";
import { Client } from "../dist/esm/index.js";

const [endpoint, file] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(file, "utf8"));

/** "${repeat N}text" stands for text repeated N times. */
function expand(s) {
  const m = /^\$\{repeat (\d+)\}([\s\S]*)$/.exec(s);
  return m ? m[2].repeat(Number(m[1])) : s;
}

/** Attribute values as the SDK takes them; strings and keys expanded. */
function value(v) {
  if (typeof v === "string") return expand(v);
  if (Array.isArray(v)) return v.map(value);
  if (v && typeof v === "object") return object(v);
  return v;
}

function object(o) {
  const out = {};
  for (const [k, v] of Object.entries(o)) out[expand(k)] = value(v);
  return out;
}

const r = spec.resource;
const client = new Client({ endpoint, service: r.service, environment: r.environment, release: r.release, host: r.host, flushOnExit: false });
for (const e of spec.events) {
  const attrs = object(e.attributes ?? {});
  for (let i = 0; i < (e.extra_int_attributes ?? 0); i++) attrs[`extra.${String(i).padStart(3, "0")}`] = i;
  const opts = {};
  if (e.tags) opts.tags = e.tags.map(expand);
  if (e.trace_id) opts.traceId = e.trace_id;
  if (e.span_id) opts.spanId = e.span_id;
  if (e.session_id) opts.sessionId = expand(e.session_id);
  if (e.user_id) opts.userId = expand(e.user_id);
  if (e.service) opts.service = e.service;
  if (e.environment) opts.environment = e.environment;
  if (e.release) opts.release = e.release;
  if (e.http) {
    const h = e.http;
    opts.http = {
      method: expand(h.method ?? ""), route: expand(h.route ?? ""), path: expand(h.path ?? ""), url: expand(h.url ?? ""),
      statusCode: h.status_code, durationMs: h.duration_ms, requestSize: h.request_size, responseSize: h.response_size,
      userAgent: expand(h.user_agent ?? ""), clientAddress: expand(h.client_address ?? ""),
    };
  }
  if (e.error) opts.error = { type: expand(e.error.type ?? ""), message: expand(e.error.message ?? ""), stack: expand(e.error.stack ?? "") };
  client.log(e.severity, expand(e.message), attrs, opts);
}
const complete = await client.shutdown({ timeoutMs: 30000 });
process.stdout.write(JSON.stringify({ complete, ...client.stats() }) + "\n");
