// A real in-process gRPC server implementing aires.v1.IngestService with
// @grpc/grpc-js, decoding each request with the generated code.
import * as grpc from "@grpc/grpc-js";
import { fromBinary, toBinary, create } from "@bufbuild/protobuf";
import { DurationSchema, AnySchema } from "@bufbuild/protobuf/wkt";
import { EventBatchSchema, IngestResponseSchema } from "../dist/esm/gen/aires/v1/aires_pb.js";
import { StatusSchema, RetryInfoSchema } from "../dist/esm/gen/google/rpc/status_pb.js";

export const ingestDefinition = {
  Ingest: {
    path: "/aires.v1.IngestService/Ingest",
    requestStream: false,
    responseStream: false,
    requestSerialize: (m) => Buffer.from(toBinary(EventBatchSchema, m)),
    requestDeserialize: (b) => fromBinary(EventBatchSchema, b),
    responseSerialize: (m) => Buffer.from(toBinary(IngestResponseSchema, m)),
    responseDeserialize: (b) => fromBinary(IngestResponseSchema, b),
  },
};

/**
 * Starts a server on a free loopback port. handler(batch, call) returns an
 * IngestResponse init, or throws/returns {error: {code, details, retryDelayMs?}}.
 * Every received batch (with its metadata) is kept in `batches`.
 */
export async function startServer(handler = () => ({}), port = 0) {
  const server = new grpc.Server();
  const state = { batches: [], metadata: [], handler };
  server.addService(ingestDefinition, {
    Ingest(call, callback) {
      state.batches.push(call.request);
      state.metadata.push(call.metadata);
      let out;
      try {
        out = state.handler(call.request, call);
      } catch (err) {
        callback({ code: grpc.status.INTERNAL, details: String(err) });
        return;
      }
      Promise.resolve(out).then((r) => {
        if (r && r.error) {
          callback(statusError(r.error));
          return;
        }
        const n = call.request.events.length;
        callback(null, create(IngestResponseSchema, { accepted: BigInt(n - Number(r?.rejected ?? 0)), ...r }));
      });
    },
  });
  port = await new Promise((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return {
    port,
    endpoint: `127.0.0.1:${port}`,
    state,
    // Every event received, in the order the SDK was called (see
    // inCallOrder), not the order the batches arrived in.
    get events() {
      return inCallOrder(state.batches).flatMap((b) => b.events);
    },
    close: () => new Promise((resolve) => server.tryShutdown(() => resolve())),
    kill: () => server.forceShutdown(),
  };
}

// Up to 4 batches are in flight at once, so they may arrive in any order (a
// test's sequential calls included: two events 10 ms apart go in two
// batches). inCallOrder puts batches back in the order their events were
// made: a batch holds consecutive events, and its first id is a UUID v7,
// which sorts in call order. A batch sent again (a retry) sorts beside the
// first copy.
export const idHex = (e) => Buffer.from(e.id).toString("hex");
const firstId = (b) => (b.events.length > 0 ? idHex(b.events[0]) : "");
export const inCallOrder = (batches) => [...batches].sort((a, b) => (firstId(a) < firstId(b) ? -1 : firstId(a) > firstId(b) ? 1 : 0));

/** A gRPC error with an optional google.rpc.RetryInfo detail in grpc-status-details-bin. */
export function statusError({ code, details = "test", retryDelayMs }) {
  const metadata = new grpc.Metadata();
  if (retryDelayMs !== undefined) {
    const ri = create(RetryInfoSchema, {
      retryDelay: create(DurationSchema, { seconds: BigInt(Math.floor(retryDelayMs / 1000)), nanos: (retryDelayMs % 1000) * 1e6 }),
    });
    const st = create(StatusSchema, {
      code, message: details,
      details: [create(AnySchema, { typeUrl: "type.googleapis.com/google.rpc.RetryInfo", value: toBinary(RetryInfoSchema, ri) })],
    });
    metadata.set("grpc-status-details-bin", Buffer.from(toBinary(StatusSchema, st)));
  }
  return { code, details, metadata };
}

/** Polls cond until true; fails after a generous bound (never a timed assertion: only a hang guard). */
export async function until(cond, what, boundMs = 20000) {
  const end = Date.now() + boundMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Attributes of a decoded event as {key: [case, value]}. */
export function attrs(ev) {
  const out = {};
  for (const kv of ev.attributes) out[kv.key] = [kv.value?.value.case, kv.value?.value.value];
  return out;
}

/** A warn function that records the SDK's warnings. */
export function warnings() {
  const list = [];
  const fn = (message, fields) => list.push({ message, fields });
  fn.list = list;
  return fn;
}

/** A loopback port that was free a moment ago. */
export async function freePort() {
  const net = await import("node:net");
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, "127.0.0.1", r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

/** Runs a fixture script in a child process; lines of its stdout arrive in `lines`. */
export async function spawnFixture(script, args) {
  const { spawn } = await import("node:child_process");
  const { fileURLToPath } = await import("node:url");
  const child = spawn(process.execPath, [fileURLToPath(new URL(`./fixtures/${script}`, import.meta.url)), ...args.map(String)],
    { stdio: ["ignore", "pipe", "inherit"] });
  const lines = [];
  let rest = "";
  child.stdout.on("data", (d) => {
    const parts = (rest + d).split("\n");
    rest = parts.pop();
    lines.push(...parts);
  });
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  return { child, lines, exited };
}
