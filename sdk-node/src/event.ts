import { fromUser } from "./internal/clock.js";
import { limits } from "./config.js";

/** Severity of an event; values match aires.v1.Severity. */
export type Severity = "trace" | "debug" | "info" | "warn" | "error" | "fatal";

export const severityNumber: Record<Severity, number> = {
  trace: 1, debug: 2, info: 3, warn: 4, error: 5, fatal: 6,
};

// Marks Double instances across copies of the package (its ESM and CommonJS
// builds loaded side by side): instanceof would see two different classes.
const doubleBrand = Symbol.for("@aires-dev/sdk.Double");

/**
 * A number sent as a double (a float attribute) even when it is whole.
 * JavaScript has one number type and cannot tell 3.0 from 3, so a whole
 * number is sent as an integer (`items: 3`); wrap it to store a float:
 * `{ ratio: aires.double(3) }`. Fractional numbers need no wrapper.
 */
export class Double {
  readonly value: number;
  constructor(value: number) {
    this.value = Number(value);
  }
  /** Brand read by the SDK (see doubleBrand). */
  get [doubleBrand](): true {
    return true;
  }
  valueOf(): number {
    return this.value;
  }
  toJSON(): number {
    return this.value;
  }
}

/** `aires.double(3)`: the value 3 sent as a double, not as an integer. See {@link Double}. */
export function double(value: number): Double {
  return new Double(value);
}

function isDouble(v: object): v is Double {
  return (v as { [doubleBrand]?: unknown })[doubleBrand] === true;
}

/** Attribute values: scalars, lists and nested objects (stored as dotted keys). */
export type AttributeValue =
  | string | number | bigint | boolean | null | undefined | Date | Error | Double
  | readonly AttributeValue[] | { readonly [key: string]: AttributeValue };

export type Attributes = { readonly [key: string]: AttributeValue };

/** HTTP request handled (or made) by the service: aires.v1.HttpInfo. */
export interface HttpInfo {
  method?: string;
  route?: string;
  path?: string;
  url?: string;
  statusCode?: number;
  durationMs?: number;
  requestSize?: number;
  responseSize?: number;
  userAgent?: string;
  clientAddress?: string;
}

/** An error as its three stored fields; an Error object gives name, message and stack. */
export interface ErrorInfo {
  type?: string;
  message?: string;
  stack?: string;
}

/** Per-event options beside the attributes. */
export interface EventOptions {
  /** W3C trace id: 32 hex digits or 16 bytes. Default: the active OTel span's. */
  traceId?: string | Uint8Array;
  /** Span id: 16 hex digits or 8 bytes. */
  spanId?: string | Uint8Array;
  sessionId?: string;
  userId?: string;
  tags?: readonly string[];
  /** Per-event overrides of the client's resource. */
  service?: string;
  environment?: string;
  release?: string;
  /** Default: the time of the call. Date, epoch milliseconds, or bigint nanoseconds. */
  timestamp?: Date | number | bigint;
  http?: HttpInfo;
  /** An Error (name, message, stack) or the three fields. */
  error?: unknown;
}

/**
 * Attribute value kinds after the snapshot taken at the call. A snapshot
 * never references an object the caller may change later: scalars are
 * immutable, lists and objects are copied.
 */
export const enum Kind { Str = 1, Int, Float, Bool, BigInt, List, Group }

/**
 * One attribute: [key, kind, value]; a flat array so a call allocates one
 * array for all its attributes. Groups and lists hold nested Attr arrays.
 */
export type AttrList = unknown[];

/** What travels through the queue: filled at the call, encoded by the batcher. */
export interface QueuedEvent {
  /** process.hrtime.bigint() at the call (or the user's timestamp) minus the clock anchor. */
  t: bigint;
  sev: number;
  msg: string;
  attrs: AttrList | undefined;
  trace: Uint8Array | undefined;
  span: Uint8Array | undefined;
  session: string | undefined;
  user: string | undefined;
  tags: string[] | undefined;
  service: string | undefined;
  env: string | undefined;
  release: string | undefined;
  http: HttpInfo | undefined;
  err: ErrorInfo | undefined;
}

/** Appends key, kind, value for one attribute to out (nothing for undefined, functions, symbols). */
export function snapshotValue(out: AttrList, key: string, v: unknown, depth: number): void {
  switch (typeof v) {
    case "string":
      out.push(key, Kind.Str, v);
      return;
    case "number":
      // items: 3 is an integer, 1.5 a float; integers beyond int64 stay floats.
      if (Number.isInteger(v) && Math.abs(v) < 9.2e18) out.push(key, Kind.Int, v);
      else out.push(key, Kind.Float, v);
      return;
    case "boolean":
      out.push(key, Kind.Bool, v);
      return;
    case "bigint":
      // Beyond int64 a string, as the Go SDK's Uint64 above MaxInt64.
      if (v >= -(1n << 63n) && v < 1n << 63n) out.push(key, Kind.BigInt, v);
      else out.push(key, Kind.Str, v.toString());
      return;
    case "object":
      break;
    default:
      return;
  }
  if (v === null) {
    out.push(key, Kind.Str, "");
    return;
  }
  if (isDouble(v)) {
    out.push(key, Kind.Float, Number(v.value));
    return;
  }
  if (v instanceof Date) {
    out.push(key, Kind.Str, Number.isNaN(v.getTime()) ? "Invalid Date" : v.toISOString());
    return;
  }
  if (v instanceof Error) {
    out.push(key, Kind.Str, safeString(() => v.message));
    return;
  }
  if (depth >= limits.maxNesting) {
    out.push(key, Kind.Str, "(nesting too deep)");
    return;
  }
  if (Array.isArray(v)) {
    const items: AttrList = [];
    const n = Math.min(v.length, limits.maxListItems);
    for (let i = 0; i < n; i++) snapshotValue(items, "", v[i], depth + 1);
    out.push(key, Kind.List, items);
    return;
  }
  if (v instanceof Uint8Array) {
    out.push(key, Kind.Str, Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("utf8"));
    return;
  }
  out.push(key, Kind.Group, snapshotObject(v as Record<string, unknown>, depth + 1));
}

/** Snapshot of an object's own enumerable attributes, in their order. */
export function snapshotObject(o: Record<string, unknown>, depth: number): AttrList {
  const out: AttrList = [];
  try {
    for (const k in o) {
      if (Object.prototype.hasOwnProperty.call(o, k)) snapshotValue(out, k, o[k], depth);
    }
  } catch {
    // A throwing getter or proxy: keep what was read.
  }
  return out;
}

function safeString(f: () => unknown): string {
  try {
    return String(f());
  } catch {
    return "";
  }
}

/** Decodes a hex id of exactly n bytes; undefined when malformed or all zero (W3C). */
export function idBytes(v: unknown, n: number): Uint8Array | undefined {
  if (v instanceof Uint8Array) return v.length === n && v.some((b) => b !== 0) ? Uint8Array.from(v) : undefined;
  if (typeof v !== "string" || v.length !== 2 * n || !/^[0-9a-fA-F]+$/.test(v)) return undefined;
  const b = Buffer.from(v, "hex");
  return b.some((x) => x !== 0) ? b : undefined;
}

/** Error fields from an Error object, the three fields, or anything thrown. */
export function errorInfo(e: unknown): ErrorInfo | undefined {
  if (e === undefined || e === null) return undefined;
  if (e instanceof Error) {
    return {
      type: safeString(() => e.name || e.constructor?.name || "Error"),
      message: safeString(() => e.message),
      stack: safeString(() => e.stack ?? ""),
    };
  }
  if (typeof e === "object") {
    const o = e as Record<string, unknown>;
    const s = (x: unknown) => (typeof x === "string" ? x : x === undefined || x === null ? "" : safeString(() => x));
    return { type: s(o.type), message: s(o.message), stack: s(o.stack) };
  }
  return { type: typeof e, message: safeString(() => e), stack: "" };
}

/** Copies the options into ev; nothing the caller may change later is kept. */
export function applyOptions(ev: QueuedEvent, o: EventOptions): void {
  if (o.traceId !== undefined) ev.trace = idBytes(o.traceId, 16);
  if (o.spanId !== undefined) ev.span = idBytes(o.spanId, 8);
  if (typeof o.sessionId === "string") ev.session = o.sessionId;
  if (typeof o.userId === "string") ev.user = o.userId;
  if (Array.isArray(o.tags)) ev.tags = o.tags.slice(0, limits.maxTags).map(String);
  if (typeof o.service === "string") ev.service = o.service;
  if (typeof o.environment === "string") ev.env = o.environment;
  if (typeof o.release === "string") ev.release = o.release;
  if (o.timestamp !== undefined) {
    const t = fromUser(o.timestamp);
    if (t !== undefined) ev.t = t;
  }
  if (o.http && typeof o.http === "object") ev.http = { ...o.http };
  if (o.error !== undefined) ev.err = errorInfo(o.error);
}
