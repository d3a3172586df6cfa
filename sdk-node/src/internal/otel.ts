// The active OpenTelemetry span, when @opentelemetry/api is installed. It is
// an optional dependency: loaded once with a guarded require, never imported.
import { createRequire } from "node:module";
import { moduleURL } from "./here.js";

interface SpanContext { traceId: string; spanId: string }
interface OtelAPI {
  trace: { getSpan(ctx: unknown): { spanContext(): SpanContext } | undefined };
  context: { active(): unknown };
}

let api: OtelAPI | null | undefined;

function load(): OtelAPI | null {
  try {
    const m = createRequire(moduleURL)("@opentelemetry/api") as OtelAPI;
    return m && m.trace && m.context ? m : null;
  } catch {
    return null;
  }
}

const INVALID_TRACE = "00000000000000000000000000000000";

/** The ids of the active span, or undefined (no API, no span, invalid ids). */
export function activeSpan(): SpanContext | undefined {
  if (api === undefined) api = load();
  if (api === null) return undefined;
  try {
    const sc = api.trace.getSpan(api.context.active())?.spanContext();
    if (!sc || sc.traceId === INVALID_TRACE || sc.traceId.length !== 32 || sc.spanId.length !== 16) return undefined;
    return sc;
  } catch {
    return undefined;
  }
}
