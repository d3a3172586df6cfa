// Benchmarks of issue 14, measured side by side in one run:
//  1. the cost of one info() with 3 attributes next to pino writing the same
//     to a destination that discards (pino's own serialization cost);
//  2. the SDK's whole CPU per event (call + encode) with a transport that
//     discards;
//  3. events/s delivered over gRPC to a local aires-collector (the ocb-built
//     binary, aires receiver -> debug exporter) or, without one, to a sink in
//     another process (bench/sink.mjs: grpc-js, answers without decoding), or
//     to AIRES_BENCH_ENDPOINT: with the SDK's gzip (level 1, the default),
//     with grpc-js's gzip (level 6, the SDK before) and without gzip.
// `npm run bench` after `npm run build`. Prints JSON at the end.
import pino from "pino";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "../dist/esm/index.js";
import { resolveConfig } from "../dist/esm/config.js";
import { grpcTransport } from "../dist/esm/internal/transport.js";

const quick = process.env.BENCH_QUICK === "1";
const MS = quick ? 500 : 2000;
const attrs = (i) => ({ "order.id": "A-17", items: i & 7, total: 99.5 });
const sleep = () => new Promise((r) => setImmediate(r));

async function warm(f) {
  for (let j = 0; j < 80; j++) {
    for (let i = 0; i < 256; i++) f(i);
    await sleep();
  }
}

/** ns per call of f(i), calls made in chunks of 256 with the event loop running in between (not timed). */
async function perCall(f) {
  let calls = 0;
  let ns = 0n;
  await warm(f);
  const end = Date.now() + MS;
  while (Date.now() < end) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 256; i++) f(i);
    ns += process.hrtime.bigint() - t0;
    calls += 256;
    await sleep();
  }
  return Number(ns) / calls;
}

/** Whole-thread CPU per event: the same loop, timing the event loop's work too. */
async function cpuPerEvent(f, drained) {
  await warm(f);
  await drained();
  const c0 = process.cpuUsage();
  let calls = 0;
  const end = Date.now() + MS;
  while (Date.now() < end) {
    for (let i = 0; i < 256; i++) f(i);
    calls += 256;
    await sleep();
  }
  await drained();
  const c = process.cpuUsage(c0);
  return ((c.user + c.system) * 1000) / calls;
}

const discard = { send: () => ({ done: Promise.resolve({ response: { rejected: 0n, rejections: [] } }), cancel() {} }), close() {} };
const sdk = new Client({ service: "bench", flushOnExit: false }, { transport: discard });
const sdkDrained = async () => { await sdk.flush(); };
const nullDest = { write() {} };
const log = pino({ base: { pid: 1, hostname: "h" } }, nullDest);
const pinoDrained = async () => {};

const results = {};
const f = (x) => (typeof x === "number" ? Number(x.toFixed(x < 10 ? 2 : 0)) : x);
results.pino_ns_per_call = await perCall((i) => log.info(attrs(i), "order placed"));
results.sdk_info_ns_per_call = await perCall((i) => sdk.info("order placed", attrs(i)));
results.ratio_sdk_to_pino = results.sdk_info_ns_per_call / results.pino_ns_per_call;
results.pino_cpu_ns_per_event = await cpuPerEvent((i) => log.info(attrs(i), "order placed"), pinoDrained);
results.sdk_cpu_ns_per_event_no_network = await cpuPerEvent((i) => sdk.info("order placed", attrs(i)), sdkDrained);
const st = sdk.stats();
if (st.dropped || st.failed) throw new Error(`the discard transport lost events: ${JSON.stringify(st)}`);
await sdk.shutdown();

// 3. Delivered over gRPC, in three ways side by side, interleaved over
// ROUNDS rounds (medians reported): gzip by the SDK (level 1, the default),
// gzip by grpc-js (level 6, what the SDK did before; its transport with the
// SDK's own gzip turned off), and no gzip.
const { endpoint, deliveredTo, stop } = await target();
const modes = {
  sdk_gzip: (cfg) => new Client(cfg),
  grpcjs_gzip: (cfg) => new Client(cfg, { transport: grpcTransport(resolveConfig(cfg, () => "bench"), false) }),
  no_gzip: (cfg) => new Client({ ...cfg, disableCompression: true }),
};
const rounds = quick ? 1 : Number(process.env.ROUNDS ?? 3);
const runs = Object.fromEntries(Object.keys(modes).map((m) => [m, []]));
await deliver(modes.sdk_gzip, MS / 2); // JIT warm-up, not counted
for (let r = 0; r < rounds; r++) for (const m of Object.keys(modes)) runs[m].push(await deliver(modes[m], MS * 2));
stop();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [m, rs] of Object.entries(runs)) {
  results[`delivered_events_per_s_${m}`] = median(rs.map((x) => x.rate));
  results[`delivered_events_per_s_${m}_range`] = `${f(Math.min(...rs.map((x) => x.rate)))}-${f(Math.max(...rs.map((x) => x.rate)))}`;
  // This process' CPU (main thread and zlib's) per delivered event: steadier
  // than the rate on a shared machine.
  results[`delivered_cpu_ns_per_event_${m}`] = median(rs.map((x) => x.cpuNs));
  results[`delivered_lost_${m}`] = rs.reduce((n, x) => n + x.lost, 0);
}
results.delivered_events_per_s = results.delivered_events_per_s_sdk_gzip;
results.delivered_to = deliveredTo;
results.delivered_rounds = rounds;

/** events/s delivered with the client of make(cfg), producing while the backlog has room. */
async function deliver(make, ms) {
  const net = make({ service: "bench", endpoint, flushOnExit: false,
    ...(process.env.C ? { maxConcurrentRequests: Number(process.env.C) } : {}),
    ...(process.env.BATCH ? { batchSize: Number(process.env.BATCH) } : {}) });
  const backlog = () => { const s = net.stats(); return s.enqueued - s.sent - s.failed; };
  for (let i = 0; i < 5000; i++) net.info("order placed", attrs(i));
  await net.flush();
  const s0 = net.stats();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // Produce while the queue has room; otherwise wait a millisecond rather
    // than spin (spinning would steal the CPU that sending needs).
    if (backlog() < 6000) {
      for (let i = 0; i < 256; i++) net.info("order placed", attrs(i));
      await sleep();
    } else await new Promise((r) => setTimeout(r, 1));
  }
  await net.flush();
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const s1 = net.stats();
  await net.shutdown();
  const sent = s1.sent - s0.sent;
  return { rate: sent / secs, cpuNs: ((cpu.user + cpu.system) * 1000) / sent, lost: s1.dropped - s0.dropped + s1.failed - s0.failed };
}

/**
 * Where events go: AIRES_BENCH_ENDPOINT; else the ocb-built aires-collector
 * (AIRES_COLLECTOR or ../build/aires-collector/aires-collector) with its
 * aires receiver feeding the debug exporter, as the Python SDK's benchmark;
 * else bench/sink.mjs.
 */
async function target() {
  if (process.env.AIRES_BENCH_ENDPOINT) return { endpoint: process.env.AIRES_BENCH_ENDPOINT, deliveredTo: process.env.AIRES_BENCH_ENDPOINT, stop() {} };
  const binary = process.env.AIRES_COLLECTOR || fileURLToPath(new URL("../../build/aires-collector/aires-collector", import.meta.url));
  if (existsSync(binary)) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), "aires-bench-"));
    writeFileSync(join(dir, "config.yaml"), collectorConfig(port));
    const col = spawn(binary, ["--config", join(dir, "config.yaml")], { stdio: "ignore" });
    await waitListening(port);
    return { endpoint: `127.0.0.1:${port}`, deliveredTo: "aires-collector (aires receiver -> debug exporter)", stop: () => col.kill() };
  }
  const child = spawn(process.execPath, [fileURLToPath(new URL("./sink.mjs", import.meta.url))], { stdio: ["ignore", "pipe", "inherit"] });
  const ep = await new Promise((resolve) => child.stdout.on("data", (d) => {
    const m = /port (\d+)/.exec(String(d));
    if (m) resolve(`127.0.0.1:${m[1]}`);
  }));
  return { endpoint: ep, deliveredTo: "bench/sink.mjs (grpc-js, no decoding) in a child process", stop: () => child.kill() };
}

/** The collector's configuration; JSON, which is YAML too. */
function collectorConfig(port) {
  return JSON.stringify({
    receivers: { aires: { protocols: { grpc: { endpoint: `127.0.0.1:${port}` } } } },
    exporters: { debug: { verbosity: "basic" } },
    service: {
      telemetry: { metrics: { level: "none" }, logs: { level: "warn" } },
      pipelines: { logs: { receivers: ["aires"], exporters: ["debug"] } },
    },
  }, null, 2);
}

async function freePort() {
  const srv = createServer();
  await new Promise((r) => srv.listen(0, "127.0.0.1", r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

/** Waits for the collector's port (a hang guard, not a timed assertion). */
async function waitListening(port) {
  for (let i = 0; i < 600; i++) {
    const ok = await new Promise((resolve) => {
      const sock = connect(port, "127.0.0.1", () => { sock.destroy(); resolve(true); });
      sock.on("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the aires-collector did not listen on 127.0.0.1:${port}`);
}

const line = (m, what) => console.log(`${what.padEnd(42)} ${f(results[`delivered_events_per_s_${m}`])} events/s (${results[`delivered_events_per_s_${m}_range`]}), ` +
  `${f(results[`delivered_cpu_ns_per_event_${m}`])} ns CPU per event`);
console.log(`pino info() to a discarding destination:  ${f(results.pino_ns_per_call)} ns/call`);
console.log(`aires info(), 3 attributes:                ${f(results.sdk_info_ns_per_call)} ns/call  (${f(results.ratio_sdk_to_pino)}x pino; target <= 1.0x)`);
console.log(`CPU per event, pino (call only):           ${f(results.pino_cpu_ns_per_event)} ns`);
console.log(`CPU per event, aires (call+batch+encode):  ${f(results.sdk_cpu_ns_per_event_no_network)} ns`);
console.log(`delivered to ${results.delivered_to}, median of ${rounds} (target >= 200000 with gzip):`);
line("sdk_gzip", "  gzip by the SDK, level 1 (default):");
line("grpcjs_gzip", "  gzip by grpc-js, level 6 (before):");
line("no_gzip", "  no gzip:");
console.log(JSON.stringify(Object.fromEntries(Object.entries(results).map(([k, v]) => [k, f(v)]))));
