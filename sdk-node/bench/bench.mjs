// Benchmarks of issue 14, measured side by side in one run:
//  1. the cost of one info() with 3 attributes next to pino writing the same
//     to a destination that discards (pino's own serialization cost);
//  2. the SDK's whole CPU per event (call + encode) with a transport that
//     discards;
//  3. events/s delivered over gRPC (gzip) to a sink in another process
//     (bench/sink.mjs: grpc-js, answers without decoding), or to
//     AIRES_BENCH_ENDPOINT (e.g. the ocb-built collector).
// `npm run bench` after `npm run build`. Prints JSON at the end.
import pino from "pino";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Client } from "../dist/esm/index.js";

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
results.pino_ns_per_call = await perCall((i) => log.info(attrs(i), "order placed"));
results.sdk_info_ns_per_call = await perCall((i) => sdk.info("order placed", attrs(i)));
results.ratio_sdk_to_pino = results.sdk_info_ns_per_call / results.pino_ns_per_call;
results.pino_cpu_ns_per_event = await cpuPerEvent((i) => log.info(attrs(i), "order placed"), pinoDrained);
results.sdk_cpu_ns_per_event_no_network = await cpuPerEvent((i) => sdk.info("order placed", attrs(i)), sdkDrained);
const st = sdk.stats();
if (st.dropped || st.failed) throw new Error(`the discard transport lost events: ${JSON.stringify(st)}`);
await sdk.shutdown();

// 3. Delivered over gRPC.
let endpoint = process.env.AIRES_BENCH_ENDPOINT;
let child;
if (!endpoint) {
  child = spawn(process.execPath, [fileURLToPath(new URL("./sink.mjs", import.meta.url))], { stdio: ["ignore", "pipe", "inherit"] });
  endpoint = await new Promise((resolve) => child.stdout.on("data", (d) => {
    const m = /port (\d+)/.exec(String(d));
    if (m) resolve(`127.0.0.1:${m[1]}`);
  }));
}
const net = new Client({
  service: "bench", endpoint, flushOnExit: false, disableCompression: process.env.BENCH_NO_GZIP === "1",
  ...(process.env.C ? { maxConcurrentRequests: Number(process.env.C) } : {}),
});
const backlog = () => { const s = net.stats(); return s.enqueued - s.sent - s.failed; };
for (let i = 0; i < 5000; i++) net.info("order placed", attrs(i));
await net.flush();
const s0 = net.stats();
const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
const end = Date.now() + MS * 2;
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
results.delivered_events_per_s = (s1.sent - s0.sent) / secs;
// This process' CPU (main thread and zlib's threads) per delivered event:
// steadier than the rate on a shared machine.
results.delivered_cpu_ns_per_event = ((cpu.user + cpu.system) * 1000) / (s1.sent - s0.sent);
results.delivered_dropped = s1.dropped - s0.dropped;
results.delivered_failed = s1.failed - s0.failed;
results.delivered_to = process.env.AIRES_BENCH_ENDPOINT ? endpoint : "bench/sink.mjs (grpc-js, no decoding) in a child process";
await net.shutdown();
child?.kill();

const f = (x) => (typeof x === "number" ? Number(x.toFixed(x < 10 ? 2 : 0)) : x);
console.log(`pino info() to a discarding destination:  ${f(results.pino_ns_per_call)} ns/call`);
console.log(`aires info(), 3 attributes:                ${f(results.sdk_info_ns_per_call)} ns/call  (${f(results.ratio_sdk_to_pino)}x pino; target <= 1.0x)`);
console.log(`CPU per event, pino (call only):           ${f(results.pino_cpu_ns_per_event)} ns`);
console.log(`CPU per event, aires (call+batch+encode):  ${f(results.sdk_cpu_ns_per_event_no_network)} ns`);
console.log(`delivered over gRPC${process.env.BENCH_NO_GZIP === "1" ? " (no gzip)" : "+gzip"}:                  ${f(results.delivered_events_per_s)} events/s (target >= 200000) to ${results.delivered_to}`);
console.log(`CPU per delivered event (this process):    ${f(results.delivered_cpu_ns_per_event)} ns`);
console.log(JSON.stringify(Object.fromEntries(Object.entries(results).map(([k, v]) => [k, f(v)]))));
