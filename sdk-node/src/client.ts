import { hostname } from "node:os";
import { resolveConfig, type Config, type ResolvedConfig } from "./config.js";
import {
  applyOptions, idBytes, severityNumber, snapshotObject,
  type Attributes, type EventOptions, type QueuedEvent, type Severity,
} from "./event.js";
import { now } from "./internal/clock.js";
import { encodeBatchUpTo, encodeResource } from "./internal/encode.js";
import { activeSpan } from "./internal/otel.js";
import { backoffMs, classify } from "./internal/retry.js";
import { grpcTransport, type Outcome, type Transport } from "./internal/transport.js";
import { Writer } from "./internal/writer.js";

/** Counters of a client since it was created. */
export interface Stats {
  /** Events accepted into the queue. */
  enqueued: number;
  /** Events the collector stored. */
  sent: number;
  /** Events dropped at the call: queue full, or the client shut down. */
  dropped: number;
  /** Events given up: retries exhausted, permanent error, rejected by the collector, shutdown deadline. */
  failed: number;
}

/** Options of a client beyond Config: a custom transport (tests, other channels). */
export interface ClientInternals {
  transport?: Transport;
}

interface Waiter { target: number; resolve: (complete: boolean) => void; timer?: NodeJS.Timeout }

const noAttrs = undefined;
const FATAL = severityNumber.fatal;

/**
 * Sends events to an Aires collector. Every method returns at once and never
 * throws: events wait in a bounded queue and leave in batches from the event
 * loop, encoded, gzipped and retried off the caller's path.
 */
export class Client {
  readonly config: ResolvedConfig;
  private readonly transport: Transport;
  private readonly resource: Buffer;
  private readonly writer = new Writer();
  private readonly minSev: number;
  private queue: QueuedEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private scheduled = false;
  /** Requests in flight (at most config.maxConcurrentRequests). */
  private inflight = 0;
  private readonly cancels = new Set<() => void>();
  /** Batches taken from the queue, in queue order, until the oldest ones finish. */
  private outstanding: { n: number; done: boolean }[] = [];
  private closed = false;
  private aborted = false;
  private shutdownPromise: Promise<boolean> | undefined;
  private waiters: Waiter[] = [];
  private refusedWarned = false;
  /**
   * Events finished (sent or failed) counted in queue order: a batch that
   * ends before an older one is counted when the older one ends, so flush()
   * never returns while an older event is still on its way.
   */
  private finished = 0;
  /** When the last batch finished (performance.now()); -Infinity before the first. */
  private lastSendEnd = -Infinity;
  private readonly counters: Stats = { enqueued: 0, sent: 0, dropped: 0, failed: 0 };
  private readonly onBeforeExit: () => void;
  private holder: NodeJS.Timeout | undefined;

  constructor(config: Config = {}, internals: ClientInternals = {}) {
    this.config = resolveConfig(config, safeHostname);
    const c = this.config;
    this.minSev = c.minSeverity ? severityNumber[c.minSeverity] ?? 0 : 0;
    this.resource = encodeResource({
      service: c.service, environment: c.environment, release: c.release, host: c.host,
      attrs: c.resourceAttributes ? snapshotObject(c.resourceAttributes, 0) : undefined,
    });
    this.transport = internals.transport ?? grpcTransport(c);
    this.onBeforeExit = () => {
      // The event loop ran out of work: the process is about to exit. Shut
      // down, which delivers what is queued and keeps the loop alive until
      // then, for at most shutdownTimeoutMs (a flush alone would leave
      // retries running past it, and "beforeExit" would come back); then
      // "beforeExit" comes again and the process exits.
      if (this.queue.length > 0 || this.inflight > 0) void this.shutdown();
    };
    if (c.flushOnExit) process.on("beforeExit", this.onBeforeExit);
  }

  trace(message: string, attrs?: Attributes, options?: EventOptions): void { this.log("trace", message, attrs, options); }
  debug(message: string, attrs?: Attributes, options?: EventOptions): void { this.log("debug", message, attrs, options); }
  info(message: string, attrs?: Attributes, options?: EventOptions): void { this.log("info", message, attrs, options); }
  warn(message: string, attrs?: Attributes, options?: EventOptions): void { this.log("warn", message, attrs, options); }
  error(message: string, attrs?: Attributes, options?: EventOptions): void { this.log("error", message, attrs, options); }
  /**
   * Logs at fatal severity and starts sending everything queued at once
   * (bounded by shutdownTimeoutMs), as the Go SDK's Fatal flushes. It never
   * exits the process: the application decides.
   */
  fatal(message: string, attrs?: Attributes, options?: EventOptions): void { this.log("fatal", message, attrs, options); }

  /** Records one event; returns at once, never throws. */
  log(severity: Severity, message: string, attrs?: Attributes, options?: EventOptions): void {
    const t = now();
    try {
      // Own properties only: "toString" is no severity.
      const sev = Object.prototype.hasOwnProperty.call(severityNumber, severity) ? severityNumber[severity] : 0;
      if (sev < this.minSev) return;
      if (this.closed || this.queue.length >= this.config.queueSize) {
        this.counters.dropped++;
        return;
      }
      const ev: QueuedEvent = {
        t, sev, msg: typeof message === "string" ? message : String(message),
        attrs: attrs && typeof attrs === "object" ? snapshotObject(attrs as Record<string, unknown>, 0) : noAttrs,
        trace: undefined, span: undefined, session: undefined, user: undefined, tags: undefined,
        service: undefined, env: undefined, release: undefined, http: undefined, err: undefined,
      };
      if (options && typeof options === "object") applyOptions(ev, options);
      if (ev.trace === undefined && this.config.otel) {
        const sc = activeSpan();
        if (sc) {
          ev.trace = idBytes(sc.traceId, 16);
          if (ev.span === undefined) ev.span = idBytes(sc.spanId, 8);
        }
      }
      this.enqueue(ev);
      if (sev === FATAL) void this.flush({ timeoutMs: this.config.shutdownTimeoutMs });
    } catch {
      this.counters.dropped++;
    }
  }

  /** Counters since the client was created. */
  stats(): Stats {
    return { ...this.counters };
  }

  private enqueue(ev: QueuedEvent): void {
    const q = this.queue;
    q.push(ev);
    this.counters.enqueued++;
    if (q.length >= this.config.batchSize) this.schedule();
    else if (q.length === 1 && this.timer === undefined && this.inflight < this.config.maxConcurrentRequests) this.arm();
  }

  /**
   * Starts the timer of the batch just begun: flushIntervalMs, or
   * idleDelayMs when the application is idle (see idle). Unref'd: it never
   * keeps the process alive.
   */
  private arm(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump(true);
    }, this.idle() ? this.config.idleDelayMs : this.config.flushIntervalMs);
    this.timer.unref();
  }

  /**
   * The application is idle when no batch is in flight and none finished
   * within the last flushIntervalMs (or ever): its event then reaches the
   * collector after idleDelayMs instead of waiting a whole flushIntervalMs.
   * Under load batches fill before either timer matters; at a moderate rate
   * the batches after the first gather a flushIntervalMs of events. The Go
   * SDK's rule (sdk/DESIGN.md, "Batch size and the idle send").
   */
  private idle(): boolean {
    const c = this.config;
    return this.inflight === 0 && c.idleDelayMs > 0 && c.idleDelayMs < c.flushIntervalMs &&
      performance.now() - this.lastSendEnd >= c.flushIntervalMs;
  }

  /** Sends from the event loop, not from the logging call. */
  private schedule(): void {
    if (this.scheduled || this.inflight >= this.config.maxConcurrentRequests) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump(false);
    });
  }

  /** Sends the next batch when one is due: full, timer fired (force), or a flush waits. */
  private pump(force: boolean): void {
    while (this.inflight < this.config.maxConcurrentRequests && this.startBatch(force)) force = false;
  }

  /** Takes one batch from the queue and sends it; false when none is due. */
  private startBatch(force: boolean): boolean {
    const q = this.queue;
    const flushing = this.waiters.length > 0 || this.closed;
    if (q.length === 0 || (!force && !flushing && q.length < this.config.batchSize)) {
      if (q.length > 0 && this.timer === undefined) this.arm();
      return false;
    }
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    // Encoded here, from the event loop: the batch is as many of the oldest
    // events as fit in batchSize and maxBatchBytes.
    let n = Math.min(q.length, this.config.batchSize);
    let bytes: Buffer | undefined;
    let encodeError: unknown;
    try {
      n = encodeBatchUpTo(this.writer, this.resource, q, n, this.config.maxBatchBytes);
      // A copy: the writer is reused while a retry may still need these bytes.
      bytes = Buffer.from(this.writer.bytes());
    } catch (err) {
      encodeError = err;
    }
    this.queue = n === q.length ? [] : q.slice(n);
    this.inflight++;
    const entry = { n, done: false };
    this.outstanding.push(entry);
    void this.send(n, bytes, encodeError).then(() => {
      this.inflight--;
      this.lastSendEnd = performance.now();
      entry.done = true;
      while (this.outstanding.length > 0 && this.outstanding[0]!.done) this.finished += this.outstanding.shift()!.n;
      this.settleWaiters();
      const rest = this.queue.length;
      if (rest >= this.config.batchSize || (rest > 0 && (this.waiters.length > 0 || this.closed))) this.schedule();
      else if (rest > 0 && this.timer === undefined) this.arm();
    });
    return true;
  }

  /** Delivers one batch with retries; resolves when it is sent or given up. Never rejects. */
  private async send(n: number, bytes: Buffer | undefined, encodeError: unknown): Promise<void> {
    if (bytes === undefined) {
      this.counters.failed += n;
      this.note("dropped a batch of events that could not be encoded (a bug, please report)", { events: n, error: String(encodeError) });
      return;
    }
    const c = this.config;
    let out: Outcome = {};
    let attempt = 0;
    for (; ; attempt++) {
      if (this.aborted) {
        this.counters.failed += n;
        this.note("dropped a batch of events: the shutdown deadline passed", { events: n, attempts: attempt });
        return;
      }
      const call = this.transport.send(bytes, c.requestTimeoutMs);
      this.cancels.add(call.cancel);
      out = await call.done;
      this.cancels.delete(call.cancel);
      if (!out.error) break;
      const { retry, delayMs } = classify(out.error.code, out.error.metadata);
      if (!retry || attempt >= c.maxRetries || this.aborted) break;
      const wait = delayMs !== undefined ? Math.min(delayMs, c.maxRetryDelayMs) : backoffMs(c.initialBackoffMs, c.maxBackoffMs, attempt);
      await new Promise<void>((resolve) => {
        const cancel = () => { clearTimeout(t); this.cancels.delete(cancel); resolve(); };
        const t = setTimeout(cancel, wait);
        t.unref();
        this.cancels.add(cancel);
      });
    }
    if (out.error) {
      this.counters.failed += n;
      const code = out.error.code;
      if (code === 16 /* UNAUTHENTICATED */ || code === 7 /* PERMISSION_DENIED */) {
        this.warnRefused(out.error);
        return;
      }
      this.note("dropped a batch of events after a failed send", {
        events: n, attempts: attempt + 1, error: out.error.message, endpoint: c.endpoint,
      });
      return;
    }
    this.refusedWarned = false;
    const resp = out.response;
    const rejections = resp?.rejections ?? [];
    const rejected = Math.min(Math.max(Number(resp?.rejected ?? 0n), rejections.length), n);
    this.counters.sent += n - rejected;
    if (rejected > 0) {
      // Not retried: the protocol says the same event is rejected again.
      this.counters.failed += rejected;
      this.note("the collector rejected events of a batch", { rejected, events: n, first_reason: rejections[0]?.reason ?? "" });
    }
  }

  private warnRefused(err: Error & { code?: number }): void {
    if (this.refusedWarned) return;
    this.refusedWarned = true;
    const c = this.config;
    const hasAuth = !!c.apiKey || Object.keys(c.headers).some((k) => k.toLowerCase() === "authorization");
    const what = err.code === 7
      ? "the collector denied this client permission to send (PERMISSION_DENIED): check apiKey and the collector's authenticator settings"
      : hasAuth
        ? "the collector refused the API key (UNAUTHENTICATED): check apiKey and the collector's bearertokenauth token"
        : "the collector requires an API key and apiKey is empty (UNAUTHENTICATED): set apiKey to a token of the collector's bearertokenauth extension";
    this.note(`${what}; batches are dropped, not retried, until it accepts them (not repeated until a batch is accepted)`,
      { endpoint: c.endpoint, error: err.message });
  }

  private note(message: string, fields: Record<string, unknown>): void {
    try {
      this.config.warn(message, fields);
    } catch {
      // A throwing warn function is the host's bug, not a reason to fail.
    }
  }

  /**
   * While someone waits for a flush or shutdown, a ref'd handle keeps the
   * process alive: the SDK's own timers are unref'd, and grpc-js does not
   * hold the event loop while it waits for a connection, so `await
   * flush()` at the end of a script would otherwise end the process (an
   * unsettled promise) with the collector down.
   */
  private keepAlive(): void {
    if (this.waiters.length > 0 && this.holder === undefined) this.holder = setInterval(() => {}, 1 << 30);
    else if (this.waiters.length === 0 && this.holder !== undefined) {
      clearInterval(this.holder);
      this.holder = undefined;
    }
  }

  private settleWaiters(): void {
    if (this.waiters.length === 0) return;
    const keep: Waiter[] = [];
    for (const w of this.waiters) {
      if (this.finished >= w.target) {
        if (w.timer) clearTimeout(w.timer);
        w.resolve(true);
      } else keep.push(w);
    }
    this.waiters = keep;
    this.keepAlive();
  }

  /**
   * Sends everything queued before the call. Resolves true when all of it has
   * been handled (sent, or failed and counted), false when timeoutMs passed
   * first; the sending goes on. Never rejects.
   */
  flush(options: { timeoutMs?: number } = {}): Promise<boolean> {
    // Events leave the queue in order: everything enqueued so far is done
    // once that many have finished.
    return this.waitFor(this.counters.enqueued, options.timeoutMs);
  }

  private waitFor(target: number, timeoutMs: number | undefined): Promise<boolean> {
    if (this.finished >= target) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const w: Waiter = { target, resolve };
      if (timeoutMs !== undefined && timeoutMs > 0) {
        // Ref'd on purpose: a flush keeps the process alive until it ends.
        w.timer = setTimeout(() => {
          this.waiters = this.waiters.filter((x) => x !== w);
          this.keepAlive();
          resolve(false);
        }, timeoutMs);
      }
      this.waiters.push(w);
      this.keepAlive();
      this.schedule();
    });
  }

  /**
   * Stops accepting events (later calls count as dropped), sends what is
   * queued and closes the connection. After timeoutMs (default
   * shutdownTimeoutMs) it cancels the call in flight, counts what is left as
   * failed and resolves false. Idempotent; never rejects.
   */
  shutdown(options: { timeoutMs?: number } = {}): Promise<boolean> {
    if (this.shutdownPromise) return this.shutdownPromise;
    this.closed = true;
    process.removeListener("beforeExit", this.onBeforeExit);
    const timeoutMs = options.timeoutMs ?? this.config.shutdownTimeoutMs;
    this.shutdownPromise = this.waitFor(this.counters.enqueued, timeoutMs).then((complete) => {
      if (!complete) {
        this.aborted = true;
        for (const cancel of [...this.cancels]) cancel();
        this.counters.failed += this.queue.length;
        this.finished += this.queue.length;
        this.queue = [];
      }
      if (this.timer !== undefined) clearTimeout(this.timer);
      try {
        this.transport.close();
      } catch {
        // Closing never fails the host.
      }
      return complete;
    });
    return this.shutdownPromise;
  }
}

function safeHostname(): string {
  try {
    return hostname();
  } catch {
    return "";
  }
}
