// HTTP middleware: one event per request (method, route, status, duration,
// sizes, client address) for Node's http server and Express.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Client } from "./client.js";
import type { Attributes, EventOptions, Severity } from "./event.js";
import { activeSpan } from "./internal/otel.js";

export interface MiddlewareOptions {
  /** The client to record with; default: the one of init(), looked up per request. */
  client?: Client;
  /** Header holding the client address behind a proxy (first entry), e.g. "x-forwarded-for". */
  clientIPHeader?: string;
  /** Requests for which it returns true are not recorded (health checks). */
  skip?: (req: IncomingMessage) => boolean;
  /** Attributes added to every request's event. */
  attributes?: Attributes;
}

type Req = IncomingMessage & { route?: { path?: unknown }; baseUrl?: string; originalUrl?: string };
type Next = (err?: unknown) => void;

const ERROR = Symbol.for("aires.requestError");

function routeOf(req: Req): string {
  // Express sets req.route once a route matched; baseUrl is the mount point.
  const p = req.route?.path;
  if (typeof p === "string") return (req.baseUrl ?? "") + p;
  return "";
}

function pathOf(req: Req): string {
  const url = req.originalUrl ?? req.url ?? "";
  const q = url.indexOf("?");
  return q >= 0 ? url.slice(0, q) : url;
}

function clientAddress(req: Req, header: string | undefined): string {
  if (header) {
    const v = req.headers[header.toLowerCase()];
    const first = (Array.isArray(v) ? v[0] : v)?.split(",")[0]?.trim();
    if (first) return first;
  }
  return req.socket?.remoteAddress ?? "";
}

/**
 * Records each request when its response ends. Use it as Express middleware
 * (`app.use(aires.middleware())`), or call it at the start of a Node http
 * handler: `createServer((req, res) => { record(req, res); ... })`.
 * Status >= 500 is an error event, >= 400 a warning. Errors passed to Express'
 * next(err) are attached by {@link expressErrorHandler}.
 */
export function middleware(options: MiddlewareOptions = {}): (req: IncomingMessage, res: ServerResponse, next?: Next) => void {
  return (req: Req, res: ServerResponse, next?: Next) => {
    try {
      if (!options.skip?.(req)) track(req, res, options);
    } catch {
      // Recording never breaks a request.
    }
    next?.();
  };
}

// Set by index.ts: a static import of index.js here would be a cycle.
let lookup: (() => Client | undefined) | undefined;

/** Set by index.ts: the default client of init(). */
export function setDefaultLookup(f: () => Client | undefined): void {
  lookup = f;
}

function track(req: Req, res: ServerResponse, options: MiddlewareOptions): void {
  const start = process.hrtime.bigint();
  const span = activeSpan();
  let size = 0;
  const write = res.write;
  const end = res.end;
  const count = (chunk: unknown, encoding?: unknown) => {
    if (typeof chunk === "string") size += Buffer.byteLength(chunk, typeof encoding === "string" ? encoding as BufferEncoding : "utf8");
    else if (chunk instanceof Uint8Array) size += chunk.length;
  };
  res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    count(chunk, rest[0]);
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof res.write;
  res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
    if (typeof chunk !== "function") count(chunk, rest[0]);
    return (end as (...a: unknown[]) => ServerResponse).call(this, chunk, ...rest);
  } as typeof res.end;
  let done = false;
  const record = () => {
    if (done) return;
    done = true;
    try {
      const client = options.client ?? lookup?.();
      if (!client) return;
      const status = res.statusCode || 200;
      const route = routeOf(req);
      const path = pathOf(req);
      const sev: Severity = status >= 500 ? "error" : status >= 400 ? "warn" : "info";
      const reqSize = Number(req.headers["content-length"] ?? 0);
      const opts: EventOptions = {
        http: {
          method: req.method ?? "",
          route,
          path,
          statusCode: status,
          durationMs: Number(process.hrtime.bigint() - start) / 1e6,
          requestSize: Number.isFinite(reqSize) ? reqSize : 0,
          responseSize: size,
          userAgent: (req.headers["user-agent"] as string | undefined) ?? "",
          clientAddress: clientAddress(req, options.clientIPHeader),
        },
      };
      const err = (res as unknown as Record<symbol, unknown>)[ERROR];
      if (err !== undefined) opts.error = err;
      if (span) {
        opts.traceId = span.traceId;
        opts.spanId = span.spanId;
      }
      client.log(sev, `${req.method ?? ""} ${route || path}`, options.attributes, opts);
    } catch {
      // Recording never breaks a request.
    }
  };
  res.once("finish", record);
  res.once("close", record);
}

/**
 * Express error middleware: attaches the error to the request's event (type,
 * message, stack) and passes it on. Register it after your routes:
 * `app.use(aires.expressErrorHandler())`.
 */
export function expressErrorHandler(): (err: unknown, req: IncomingMessage, res: ServerResponse, next: Next) => void {
  return (err, _req, res, next) => {
    try {
      (res as unknown as Record<symbol, unknown>)[ERROR] = err;
    } catch {
      // Never break the error path.
    }
    next(err);
  };
}
