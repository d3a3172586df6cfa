// A pino destination and transport: each JSON line pino writes becomes one
// Aires event (level -> severity, msg -> message, time -> timestamp, err ->
// error, the other fields -> attributes).
//
//   In the process:  pino(opts, airesDestination({ client }))
//   As a transport:  pino.transport({ target: "@aires-dev/sdk/pino", options: { service, endpoint } })
//
// A transport runs in a worker thread with its own client, shut down (and so
// flushed) when pino closes the transport.
import { Writable } from "node:stream";
import { Client } from "./client.js";
import type { Config } from "./config.js";
import type { EventOptions, Severity } from "./event.js";

export interface PinoOptions extends Config {
  /** An existing client (in-process use); otherwise one is created from the Config fields. */
  client?: Client;
  /** Fields of every line that are not attributes (default: pid, hostname). */
  ignore?: string[];
}

function severityOf(level: unknown): Severity {
  const n = typeof level === "number" ? level : 30;
  if (n >= 60) return "fatal";
  if (n >= 50) return "error";
  if (n >= 40) return "warn";
  if (n >= 30) return "info";
  if (n >= 20) return "debug";
  return "trace";
}

/** Records one parsed pino line. */
export function recordLine(client: Client, line: Record<string, unknown>, ignore: ReadonlySet<string>): void {
  const attrs: Record<string, unknown> = {};
  const opts: EventOptions = {};
  for (const k in line) {
    if (ignore.has(k)) continue;
    const v = line[k];
    switch (k) {
      case "level": case "msg": break;
      case "time": if (typeof v === "number") opts.timestamp = v; break;
      case "err": opts.error = pinoError(v); break;
      case "trace_id": if (typeof v === "string") opts.traceId = v; else attrs[k] = v; break;
      case "span_id": if (typeof v === "string") opts.spanId = v; else attrs[k] = v; break;
      default: attrs[k] = v;
    }
  }
  client.log(severityOf(line.level), typeof line.msg === "string" ? line.msg : "", attrs as never, opts);
}

/** pino's serialized error ({type, message, stack}) as the SDK's error fields. */
function pinoError(v: unknown): EventOptions["error"] {
  if (!v || typeof v !== "object") return v;
  const e = v as Record<string, unknown>;
  return { type: String(e.type ?? e.name ?? "Error"), message: String(e.message ?? ""), stack: String(e.stack ?? "") };
}

/** A Writable taking pino's newline-delimited JSON. */
export function airesDestination(options: PinoOptions = {}): Writable {
  const own = !options.client;
  const client = options.client ?? new Client(options);
  const ignore = new Set(options.ignore ?? ["pid", "hostname"]);
  let rest = "";
  const handle = (text: string) => {
    const lines = (rest + text).split("\n");
    rest = lines.pop() ?? "";
    for (const l of lines) {
      if (l.length === 0) continue;
      try {
        recordLine(client, JSON.parse(l) as Record<string, unknown>, ignore);
      } catch {
        // Not JSON: keep it as the message of an info event.
        client.info(l);
      }
    }
  };
  return new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _enc, cb) {
      handle(typeof chunk === "string" ? chunk : chunk.toString("utf8"));
      cb();
    },
    final(cb) {
      if (rest) handle("\n");
      if (own) void client.shutdown().then(() => cb());
      else void client.flush({ timeoutMs: client.config.shutdownTimeoutMs }).then(() => cb());
    },
  });
}

/** The transport entry point pino loads in its worker thread. */
export default function transport(options: PinoOptions = {}): Writable {
  return airesDestination(options);
}
