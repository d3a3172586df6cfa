// Which failures are retried, and after how long: the OTLP exporter's rules,
// as the Go SDK (sdk/worker.go classify).
import { fromBinary } from "@bufbuild/protobuf";
import { status as grpcStatus, type Metadata } from "@grpc/grpc-js";
import { RetryInfoSchema, StatusSchema } from "../gen/google/rpc/status_pb.js";

const RETRY_INFO_TYPE = "type.googleapis.com/google.rpc.RetryInfo";

/** The delay of a google.rpc.RetryInfo detail in the grpc-status-details-bin trailer, in ms. */
export function retryInfoDelayMs(md: Metadata | undefined): number | undefined {
  const raw = md?.get("grpc-status-details-bin")?.[0];
  if (!(raw instanceof Uint8Array)) return undefined;
  try {
    const st = fromBinary(StatusSchema, raw);
    for (const d of st.details) {
      if (d.typeUrl !== RETRY_INFO_TYPE) continue;
      const ri = fromBinary(RetryInfoSchema, d.value);
      if (!ri.retryDelay) continue;
      const ms = Number(ri.retryDelay.seconds) * 1000 + ri.retryDelay.nanos / 1e6;
      return ms > 0 ? ms : 0;
    }
  } catch {
    // A malformed detail is no RetryInfo.
  }
  return undefined;
}

/**
 * Transient codes are retried; a RetryInfo delay replaces the backoff;
 * RESOURCE_EXHAUSTED is retried only with RetryInfo; everything else
 * (INVALID_ARGUMENT, UNAUTHENTICATED, PERMISSION_DENIED, UNIMPLEMENTED, ...)
 * is permanent.
 */
export function classify(code: number | undefined, md: Metadata | undefined): { retry: boolean; delayMs?: number } {
  const delayMs = retryInfoDelayMs(md);
  switch (code) {
    case grpcStatus.CANCELLED:
    case grpcStatus.DEADLINE_EXCEEDED:
    case grpcStatus.ABORTED:
    case grpcStatus.OUT_OF_RANGE:
    case grpcStatus.UNAVAILABLE:
    case grpcStatus.DATA_LOSS:
      return { retry: true, delayMs };
    case grpcStatus.RESOURCE_EXHAUSTED:
      return { retry: delayMs !== undefined, delayMs };
  }
  return { retry: false };
}

/** Exponential backoff with "equal jitter": half fixed, half random, never zero. */
export function backoffMs(initial: number, max: number, attempt: number): number {
  let d = initial * 2 ** Math.min(attempt, 30);
  if (!(d > 0) || d > max) d = max;
  const half = d / 2;
  return half + Math.random() * half;
}
