import type { Severity } from "./event.js";

/** Defaults used for the options left out of {@link Config}: the Go SDK's, but for maxConcurrentRequests. */
export const defaults = {
  endpoint: "localhost:4320",
  queueSize: 8192,
  batchSize: 2048,
  maxBatchBytes: 1 << 20,
  flushIntervalMs: 500,
  idleDelayMs: 5,
  maxRetries: 3,
  initialBackoffMs: 100,
  maxBackoffMs: 5000,
  maxRetryDelayMs: 30000,
  requestTimeoutMs: 10000,
  maxConcurrentRequests: 4,
  shutdownTimeoutMs: 5000,
} as const;

/**
 * Limits applied before sending, the Go SDK's: values are truncated, never
 * rejected; truncated strings end on a UTF-8 character boundary. They keep one
 * runaway call from producing a batch the collector refuses.
 */
export const limits = {
  /** Event.message, bytes of UTF-8. */
  maxMessageBytes: 32 << 10,
  /** Each string attribute value, id, tag and HTTP field. */
  maxValueBytes: 8 << 10,
  /** Each attribute key. */
  maxKeyBytes: 256,
  /** Attributes per event and per nested object (extra ones dropped). */
  maxAttributes: 128,
  /** Items per list attribute. */
  maxListItems: 256,
  /** Tags per event. */
  maxTags: 64,
  /** ErrorInfo.stack. */
  maxStackBytes: 16 << 10,
  /** ErrorInfo.message. */
  maxErrorBytes: 8 << 10,
  /** Nesting of objects inside attributes; deeper ones become a string. */
  maxNesting: 8,
} as const;

/** TLS settings: PEM contents (Buffer or string) or file paths. */
export interface TLSConfig {
  /** CA certificate(s) that signed the collector's certificate (default: Node's roots). */
  ca?: string | Buffer;
  caFile?: string;
  /** Client certificate and key, for a collector that requires mutual TLS. */
  cert?: string | Buffer;
  certFile?: string;
  key?: string | Buffer;
  keyFile?: string;
}

/** Receives the SDK's own warnings (a batch dropped after retries, rejected events). */
export type WarnFn = (message: string, fields: Record<string, unknown>) => void;

/** Configures a {@link Client}; every field is optional. */
export interface Config {
  /** Collector gRPC receiver, "host:port" or a gRPC target. Default "localhost:4320". */
  endpoint?: string;
  /** Service, environment, release and host fill aires.v1.Resource, sent once per batch. */
  service?: string;
  environment?: string;
  release?: string;
  /** Default: os.hostname(). */
  host?: string;
  /** Further attributes of the emitter (for example "k8s.pod.name"). */
  resourceAttributes?: Record<string, unknown>;

  /** true, or TLS settings, enables transport security; default plaintext (fine on loopback). */
  tls?: boolean | TLSConfig;
  /** Sent as "authorization: Bearer <apiKey>" on every request. */
  apiKey?: string;
  /** Sent as gRPC metadata on every request. */
  headers?: Record<string, string>;

  /** Events waiting to be sent; when full, new events are dropped and counted. Default 8192. */
  queueSize?: number;
  /** Most events per request (2048). */
  batchSize?: number;
  /**
   * Most encoded bytes per request (1 MiB, a quarter of the collector's
   * default 4 MiB request limit): a batch ends before the event that would
   * take it past this; one event larger than it travels alone.
   */
  maxBatchBytes?: number;
  /**
   * A batch leaves flushIntervalMs (500) after its first event at the
   * latest; sooner when full.
   */
  flushIntervalMs?: number;
  /**
   * When nothing was sent for a whole flushIntervalMs (or ever) and no batch
   * is in flight, the application is idle: a batch begun then leaves after
   * idleDelayMs (5; enough to gather a burst of calls) instead. Negative:
   * always wait for flushIntervalMs.
   */
  idleDelayMs?: number;
  /** Retries after the first attempt (3; negative: none), exponential backoff with jitter. */
  maxRetries?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Cap on a RetryInfo delay from the collector (30 s). */
  maxRetryDelayMs?: number;
  /** Bound of each attempt (10 s). */
  requestTimeoutMs?: number;
  /**
   * Batches in flight at once (default 4; the Go SDK's MaxConcurrentRequests
   * defaults to 1). One request at a time leaves grpc-js waiting on each
   * round trip; see README "Numbers".
   */
  maxConcurrentRequests?: number;
  /** Send uncompressed (default gzip). */
  disableCompression?: boolean;
  /**
   * Bound of the flush done when the process is about to exit on its own
   * (Node's "beforeExit": the event loop ran out of work) and of shutdown()
   * without a timeout. Default 5 s.
   */
  shutdownTimeoutMs?: number;
  /** Flush pending events on "beforeExit" (default true). */
  flushOnExit?: boolean;
  /** Take trace and span ids from the active OpenTelemetry span when @opentelemetry/api is installed (default true). */
  otel?: boolean;
  /** Events below this severity are not recorded (default "trace": everything). */
  minSeverity?: Severity;
  /** The SDK's own warnings; default: one line on standard error. */
  warn?: WarnFn;
}

/** Config with every default filled in. */
export type ResolvedConfig = Required<Omit<Config, "tls" | "apiKey" | "resourceAttributes" | "minSeverity">> &
  Pick<Config, "tls" | "apiKey" | "resourceAttributes" | "minSeverity">;

function positive(v: number | undefined, def: number): number {
  return typeof v === "number" && Number.isFinite(v) && v > 0 ? v : def;
}

function defaultWarn(message: string, fields: Record<string, unknown>): void {
  try {
    let line = `aires: ${message}`;
    for (const k in fields) line += ` ${k}=${JSON.stringify(fields[k])}`;
    process.stderr.write(line + "\n");
  } catch {
    // The SDK's warnings never break the host.
  }
}

export function resolveConfig(c: Config, hostname: () => string): ResolvedConfig {
  let maxRetries = defaults.maxRetries as number;
  if (typeof c.maxRetries === "number" && c.maxRetries !== 0) maxRetries = c.maxRetries < 0 ? 0 : Math.floor(c.maxRetries);
  return {
    endpoint: c.endpoint || defaults.endpoint,
    service: c.service ?? "",
    environment: c.environment ?? "",
    release: c.release ?? "",
    host: c.host || hostname(),
    resourceAttributes: c.resourceAttributes,
    tls: c.tls,
    apiKey: c.apiKey,
    headers: c.headers ?? {},
    queueSize: Math.floor(positive(c.queueSize, defaults.queueSize)),
    batchSize: Math.floor(positive(c.batchSize, defaults.batchSize)),
    maxBatchBytes: Math.floor(positive(c.maxBatchBytes, defaults.maxBatchBytes)),
    flushIntervalMs: positive(c.flushIntervalMs, defaults.flushIntervalMs),
    idleDelayMs: typeof c.idleDelayMs === "number" && Number.isFinite(c.idleDelayMs) && c.idleDelayMs !== 0 ? c.idleDelayMs : defaults.idleDelayMs,
    maxRetries,
    initialBackoffMs: positive(c.initialBackoffMs, defaults.initialBackoffMs),
    maxBackoffMs: positive(c.maxBackoffMs, defaults.maxBackoffMs),
    maxRetryDelayMs: positive(c.maxRetryDelayMs, defaults.maxRetryDelayMs),
    requestTimeoutMs: positive(c.requestTimeoutMs, defaults.requestTimeoutMs),
    maxConcurrentRequests: Math.floor(positive(c.maxConcurrentRequests, defaults.maxConcurrentRequests)),
    disableCompression: c.disableCompression ?? false,
    shutdownTimeoutMs: positive(c.shutdownTimeoutMs, defaults.shutdownTimeoutMs),
    flushOnExit: c.flushOnExit ?? true,
    otel: c.otel ?? true,
    minSeverity: c.minSeverity,
    warn: c.warn ?? defaultWarn,
  };
}
