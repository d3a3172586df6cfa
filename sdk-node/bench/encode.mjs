// Encode speed of one 256-event EventBatch with the three candidate
// encoders, in one run (see README "Protobuf code"): the SDK's hand-written
// writer, @bufbuild/protobuf (protoc-gen-es), protobufjs (reflection, which
// compiles its encoders with Function(): the eval OTel JS moved away from;
// pbjs -t static-module emits the same encoder code ahead of time).
import { fileURLToPath } from "node:url";
import { create, toBinary } from "@bufbuild/protobuf";
import protobuf from "protobufjs";
import { EventBatchSchema } from "../dist/esm/gen/aires/v1/aires_pb.js";
import { encodeBatch, encodeResource } from "../dist/esm/internal/encode.js";
import { Writer } from "../dist/esm/internal/writer.js";
import { snapshotObject } from "../dist/esm/event.js";

const N = 256;
const resource = { service: "checkout", environment: "prod", release: "1.4.2", host: "web-1" };
const now = process.hrtime.bigint();
const queued = Array.from({ length: N }, (_, i) => ({
  t: now + BigInt(i), sev: 3, msg: "order placed for customer", attrs: snapshotObject({ "order.id": `A-${i}`, items: 3, total: 99.5 }, 0),
}));
const id = new Uint8Array(16).fill(7);
const ts = BigInt(Date.now()) * 1_000_000n;
const plain = () => ({
  resource,
  events: Array.from({ length: N }, (_, i) => ({
    id, timestampUnixNano: ts, severity: 3, message: "order placed for customer",
    attributes: [
      { key: "order.id", value: { value: { case: "stringValue", value: `A-${i}` } } },
      { key: "items", value: { value: { case: "intValue", value: 3n } } },
      { key: "total", value: { value: { case: "doubleValue", value: 99.5 } } },
    ],
  })),
});
const root = protobuf.loadSync(fileURLToPath(new URL("../../proto/aires/v1/aires.proto", import.meta.url)));
const PBatch = root.lookupType("aires.v1.EventBatch");
const pjsObject = () => ({
  resource,
  events: Array.from({ length: N }, (_, i) => ({
    id, timestampUnixNano: protobuf.util.Long.fromString(ts.toString(), true), severity: 3, message: "order placed for customer",
    attributes: [{ key: "order.id", value: { stringValue: `A-${i}` } }, { key: "items", value: { intValue: 3 } }, { key: "total", value: { doubleValue: 99.5 } }],
  })),
});

const w = new Writer();
const res = encodeResource(resource);
const cases = {
  "hand-written (SDK)": () => encodeBatch(w, res, queued).length,
  "@bufbuild/protobuf create+toBinary": () => toBinary(EventBatchSchema, create(EventBatchSchema, plain())).length,
  "protobufjs create+encode": () => PBatch.encode(PBatch.fromObject(pjsObject())).finish().length,
};

function measure(f) {
  for (let i = 0; i < 50; i++) f(); // warm up
  let n = 0;
  const start = process.hrtime.bigint();
  let el = 0n;
  while (el < 1_000_000_000n) {
    f();
    n++;
    el = process.hrtime.bigint() - start;
  }
  return Number(el) / n / N;
}

console.log(`encode one ${N}-event EventBatch (3 attributes each), ns per event:`);
for (const [name, f] of Object.entries(cases)) console.log(`  ${name.padEnd(40)} ${measure(f).toFixed(0).padStart(6)} ns/event  (${f()} bytes)`);
