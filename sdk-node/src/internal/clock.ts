// Nanosecond wall-clock timestamps without a system call per event:
// process.hrtime.bigint() (monotonic, nanoseconds) anchored once to Date.now().
// The worker adds the anchor (see encode.ts), so a call pays one hrtime read.

const hr = process.hrtime.bigint;

/**
 * Unix nanoseconds = anchor + hrtime. performance.timeOrigin + now() is the
 * wall clock to the microsecond (Date.now() only to the millisecond). Like
 * any monotonic clock it does not follow steps of the system clock made
 * after the process started.
 */
export const anchorNs: bigint =
  BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n - hr();

/** The monotonic reading stored in an event; add anchorNs for Unix nanoseconds. */
export const now: () => bigint = hr;

/** Converts a user timestamp (Date, epoch milliseconds, or bigint nanoseconds) to the stored form. */
export function fromUser(ts: unknown): bigint | undefined {
  if (typeof ts === "bigint") return ts > 0n ? ts - anchorNs : undefined;
  if (ts instanceof Date) ts = ts.getTime();
  if (typeof ts === "number" && Number.isFinite(ts) && ts > 0) {
    const ms = Math.floor(ts);
    const ns = BigInt(ms) * 1_000_000n + BigInt(Math.round((ts - ms) * 1e6));
    return ns - anchorNs;
  }
  return undefined;
}
