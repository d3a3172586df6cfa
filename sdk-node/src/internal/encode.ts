// Encodes queued events straight into the wire format of aires.v1.EventBatch.
// The tests decode the output with the generated code (src/gen) to keep the
// two in agreement.
import { limits } from "../config.js";
import { Kind, type AttrList, type QueuedEvent } from "../event.js";
import { anchorNs } from "./clock.js";
import { writeUUIDv7 } from "./uuid.js";
import { Writer, WT_BYTES, WT_FIXED64, WT_VARINT } from "./writer.js";

// Field numbers of aires.proto.
const F_BATCH_RESOURCE = 1, F_BATCH_EVENTS = 2;
const F_RES_SERVICE = 1, F_RES_ENV = 2, F_RES_RELEASE = 3, F_RES_HOST = 4, F_RES_ATTRS = 5;
const F_EV_ID = 1, F_EV_TS = 2, F_EV_SEV = 3, F_EV_MSG = 4, F_EV_SERVICE = 5, F_EV_ENV = 6, F_EV_RELEASE = 7;
const F_EV_TRACE = 8, F_EV_SPAN = 9, F_EV_SESSION = 10, F_EV_USER = 11, F_EV_ATTRS = 12, F_EV_TAGS = 13;
const F_EV_HTTP = 14, F_EV_ERROR = 15;
const F_KV_KEY = 1, F_KV_VALUE = 2;
const F_ANY_STR = 1, F_ANY_INT = 2, F_ANY_DOUBLE = 3, F_ANY_BOOL = 4, F_ANY_ARRAY = 5, F_ANY_KVLIST = 6;
const F_LIST_VALUES = 1;
const F_HTTP_METHOD = 1, F_HTTP_ROUTE = 2, F_HTTP_PATH = 3, F_HTTP_URL = 4, F_HTTP_STATUS = 5;
const F_HTTP_DURATION = 6, F_HTTP_REQ = 7, F_HTTP_RES = 8, F_HTTP_UA = 9, F_HTTP_CLIENT = 10;
const F_ERR_TYPE = 1, F_ERR_MSG = 2, F_ERR_STACK = 3;

const { maxMessageBytes, maxValueBytes, maxKeyBytes, maxAttributes, maxListItems, maxStackBytes, maxErrorBytes } = limits;

/** A string field, left out when empty (the proto3 default). */
function optStr(w: Writer, field: number, s: string | undefined, limit: number): void {
  if (typeof s !== "string" || s === "") return;
  w.tag(field, WT_BYTES);
  w.str(s, limit);
}

/** A non-negative integer field, left out when zero or unusable. */
function optInt(w: Writer, field: number, n: number | undefined): void {
  if (typeof n !== "number" || !(n > 0) || !Number.isFinite(n)) return;
  w.tag(field, WT_VARINT);
  w.uvarint(Math.min(Math.floor(n), Number.MAX_SAFE_INTEGER));
}

/** The resource, encoded once per client. */
export function encodeResource(r: { service: string; environment: string; release: string; host: string; attrs?: AttrList }): Buffer {
  const w = new Writer(1024);
  optStr(w, F_RES_SERVICE, r.service, maxValueBytes);
  optStr(w, F_RES_ENV, r.environment, maxValueBytes);
  optStr(w, F_RES_RELEASE, r.release, maxValueBytes);
  optStr(w, F_RES_HOST, r.host, maxValueBytes);
  if (r.attrs) attributes(w, F_RES_ATTRS, r.attrs, 0);
  return Buffer.from(w.bytes());
}

/** Writes the EventBatch of resource and events into w (reset first). */
export function encodeBatch(w: Writer, resource: Buffer, events: QueuedEvent[]): Buffer {
  encodeBatchUpTo(w, resource, events, events.length, Infinity);
  return w.bytes();
}

/**
 * Encodes an EventBatch of the first events (at most n) into w, stopping
 * before the event that would take the batch past maxBytes: the first event
 * always goes in, so one event larger than maxBytes travels alone. Returns
 * how many events it holds; the bytes are w.bytes().
 */
export function encodeBatchUpTo(w: Writer, resource: Buffer, events: QueuedEvent[], n: number, maxBytes: number): number {
  w.reset();
  if (resource.length > 0) {
    w.tag(F_BATCH_RESOURCE, WT_BYTES);
    w.rawBytes(resource);
  }
  n = Math.min(n, events.length);
  for (let i = 0; i < n; i++) {
    const before = w.pos;
    const st = w.begin(F_BATCH_EVENTS, 2);
    event(w, events[i]!);
    w.end(st, 2);
    if (i > 0 && w.pos > maxBytes) {
      // Written to be measured, then taken back: it opens the next batch
      // (encoded again there, with a new id: this one was never sent).
      w.pos = before;
      return i;
    }
  }
  return n;
}

function event(w: Writer, e: QueuedEvent): void {
  const ns = e.t + anchorNs;
  w.tag(F_EV_ID, WT_BYTES);
  w.uvarint(16);
  w.ensure(16);
  writeUUIDv7(w.buf, w.pos, Number(ns / 1_000_000n), Number(ns % 1_000_000n));
  w.pos += 16;
  w.tag(F_EV_TS, WT_FIXED64);
  w.fixed64(ns);
  w.tag(F_EV_SEV, WT_VARINT);
  w.uvarint(e.sev);
  optStr(w, F_EV_MSG, e.msg, maxMessageBytes);
  optStr(w, F_EV_SERVICE, e.service, maxValueBytes);
  optStr(w, F_EV_ENV, e.env, maxValueBytes);
  optStr(w, F_EV_RELEASE, e.release, maxValueBytes);
  if (e.trace) {
    w.tag(F_EV_TRACE, WT_BYTES);
    w.rawBytes(e.trace);
  }
  if (e.span) {
    w.tag(F_EV_SPAN, WT_BYTES);
    w.rawBytes(e.span);
  }
  optStr(w, F_EV_SESSION, e.session, maxValueBytes);
  optStr(w, F_EV_USER, e.user, maxValueBytes);
  if (e.attrs) attributes(w, F_EV_ATTRS, e.attrs, 0);
  if (e.tags) {
    for (const t of e.tags) {
      // Tags are repeated strings: an empty one is still an element.
      w.tag(F_EV_TAGS, WT_BYTES);
      w.str(t, maxValueBytes);
    }
  }
  const h = e.http;
  if (h) {
    const st = w.begin(F_EV_HTTP);
    optStr(w, F_HTTP_METHOD, h.method, maxValueBytes);
    optStr(w, F_HTTP_ROUTE, h.route, maxValueBytes);
    optStr(w, F_HTTP_PATH, h.path, maxValueBytes);
    optStr(w, F_HTTP_URL, h.url, maxValueBytes);
    if (typeof h.statusCode === "number" && h.statusCode <= 0xffffffff) optInt(w, F_HTTP_STATUS, h.statusCode);
    if (typeof h.durationMs === "number" && h.durationMs !== 0 && Number.isFinite(h.durationMs)) {
      w.tag(F_HTTP_DURATION, WT_FIXED64);
      w.double(h.durationMs);
    }
    optInt(w, F_HTTP_REQ, h.requestSize);
    optInt(w, F_HTTP_RES, h.responseSize);
    optStr(w, F_HTTP_UA, h.userAgent, maxValueBytes);
    optStr(w, F_HTTP_CLIENT, h.clientAddress, maxValueBytes);
    w.end(st);
  }
  const err = e.err;
  if (err) {
    const st = w.begin(F_EV_ERROR, 2);
    optStr(w, F_ERR_TYPE, err.type, maxValueBytes);
    optStr(w, F_ERR_MSG, err.message, maxErrorBytes);
    optStr(w, F_ERR_STACK, err.stack, maxStackBytes);
    w.end(st, 2);
  }
}

/**
 * Writes the first maxAttributes entries of a flat [key, kind, value, ...]
 * list, skipping those with an empty key (they count towards the limit, as
 * in the Go SDK).
 */
function attributes(w: Writer, field: number, a: AttrList, depth: number): void {
  const n = Math.min(a.length, maxAttributes * 3);
  for (let i = 0; i < n; i += 3) {
    const key = a[i] as string;
    if (key === "") continue;
    const st = w.begin(field);
    w.tag(F_KV_KEY, WT_BYTES);
    w.str(key, maxKeyBytes);
    const sv = w.begin(F_KV_VALUE);
    value(w, a[i + 1] as Kind, a[i + 2], depth);
    w.end(sv);
    w.end(st);
  }
}

/** The content of an AnyValue. Oneof members are written even when zero (presence matters). */
function value(w: Writer, kind: Kind, v: unknown, depth: number): void {
  switch (kind) {
    case Kind.Str:
      w.tag(F_ANY_STR, WT_BYTES);
      w.str(v as string, maxValueBytes);
      return;
    case Kind.Int:
      w.tag(F_ANY_INT, WT_VARINT);
      w.int(v as number);
      return;
    case Kind.BigInt:
      w.tag(F_ANY_INT, WT_VARINT);
      w.bigint(v as bigint);
      return;
    case Kind.Float:
      w.tag(F_ANY_DOUBLE, WT_FIXED64);
      w.double(v as number);
      return;
    case Kind.Bool:
      w.tag(F_ANY_BOOL, WT_VARINT);
      w.uvarint(v ? 1 : 0);
      return;
    case Kind.List: {
      const items = v as AttrList;
      const st = w.begin(F_ANY_ARRAY);
      for (let i = 0, n = 0; i < items.length && n < maxListItems; i += 3, n++) {
        const si = w.begin(F_LIST_VALUES);
        value(w, items[i + 1] as Kind, items[i + 2], depth + 1);
        w.end(si);
      }
      w.end(st);
      return;
    }
    case Kind.Group: {
      const st = w.begin(F_ANY_KVLIST);
      attributes(w, F_LIST_VALUES, v as AttrList, depth + 1);
      w.end(st);
      return;
    }
  }
}
