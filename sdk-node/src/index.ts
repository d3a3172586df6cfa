/**
 * Aires SDK for Node.js: structured application events to an Aires collector.
 *
 *   import * as aires from "@aires-dev/sdk";
 *   aires.init({ service: "checkout", environment: "prod", endpoint: "localhost:4320" });
 *   aires.info("order placed", { "order.id": "A-17", items: 3 });
 *   await aires.shutdown();
 */
import { Client, type Stats } from "./client.js";
import type { Config } from "./config.js";
import { setDefaultLookup } from "./http.js";
import type { Attributes, EventOptions, Severity } from "./event.js";

export { Client, type ClientInternals, type Stats } from "./client.js";
export { defaults, limits, type Config, type TLSConfig, type WarnFn } from "./config.js";
export { Double, double, type AttributeValue, type Attributes, type ErrorInfo, type EventOptions, type HttpInfo, type Severity } from "./event.js";
export { middleware, expressErrorHandler, type MiddlewareOptions } from "./http.js";

let current: Client | undefined;
setDefaultLookup(() => current);

/**
 * Creates the default client used by the package-level functions. Calling it
 * again replaces the client; the previous one is shut down in the background.
 * Before init, the package-level functions do nothing.
 */
export function init(config: Config = {}): Client {
  const previous = current;
  current = new Client(config);
  if (previous) void previous.shutdown();
  return current;
}

/** The default client, or undefined before init. */
export function defaultClient(): Client | undefined {
  return current;
}

export function log(severity: Severity, message: string, attrs?: Attributes, options?: EventOptions): void {
  current?.log(severity, message, attrs, options);
}
export function trace(message: string, attrs?: Attributes, options?: EventOptions): void { current?.log("trace", message, attrs, options); }
export function debug(message: string, attrs?: Attributes, options?: EventOptions): void { current?.log("debug", message, attrs, options); }
export function info(message: string, attrs?: Attributes, options?: EventOptions): void { current?.log("info", message, attrs, options); }
export function warn(message: string, attrs?: Attributes, options?: EventOptions): void { current?.log("warn", message, attrs, options); }
export function error(message: string, attrs?: Attributes, options?: EventOptions): void { current?.log("error", message, attrs, options); }
export function fatal(message: string, attrs?: Attributes, options?: EventOptions): void { current?.log("fatal", message, attrs, options); }

/** Sends what the default client has queued; see Client.flush. */
export function flush(options?: { timeoutMs?: number }): Promise<boolean> {
  return current ? current.flush(options) : Promise.resolve(true);
}

/** Shuts the default client down; see Client.shutdown. */
export function shutdown(options?: { timeoutMs?: number }): Promise<boolean> {
  return current ? current.shutdown(options) : Promise.resolve(true);
}

/** Counters of the default client (zeros before init). */
export function stats(): Stats {
  return current ? current.stats() : { enqueued: 0, sent: 0, dropped: 0, failed: 0 };
}
