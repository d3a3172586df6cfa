// The SDK gzips each batch itself, at level 1, synchronously and once per
// batch (its retries reuse the bytes), and hands grpc-js the compressed
// message.
//
// Why: grpc-js gzips every message with zlib.gzip at zlib's default level 6,
// asynchronously, through a new zlib stream per message. For batches of a
// few tens of kilobytes the stream's setup and the hand-offs to the thread
// pool cost several times the compression itself, on the main thread too,
// and that was most of the SDK's CPU per delivered event (README, "Numbers").
// grpc-js has no option for the level nor for a message already compressed,
// so its compression filter's sendMessage is wrapped, once per process: a
// message that carries the SDK's gzip bytes (under a Symbol.for key, so
// that the ESM and CommonJS builds agree) is framed as compressed without
// compressing it again. Any other message — other grpc-js clients of the
// process, or ours when the server does not accept gzip — takes grpc-js's
// own path unchanged. If grpc-js's internals are not what this expects,
// nothing is wrapped and grpc-js compresses as it always did.
//
// The same holds for the answer: a Go gRPC server (the collector) gzips its
// response when the request was gzipped, and grpc-js would inflate those few
// bytes through a new async zlib stream per call as well. On the SDK's calls
// (marked when their request passes through) a gzipped response is inflated
// synchronously; grpc-js's limits and error statuses are kept.
import { createRequire } from "node:module";
import { gunzipSync, gzipSync } from "node:zlib";
import { moduleURL } from "./here.js";

const GZIPPED = Symbol.for("@aires-dev/sdk.gzipped");
const WRAPPED = Symbol.for("@aires-dev/sdk.wrapped");
/** On a compression filter (one per call): the call is the SDK's; its response is gzipped. */
const OURS = Symbol.for("@aires-dev/sdk.call");
const RESPONSE_GZIP = Symbol.for("@aires-dev/sdk.response-gzip");
/** grpc-js's WriteFlags.NoCompress. */
const NO_COMPRESS = 2;
/** gRPC status codes of grpc-js's own decompression errors. */
const RESOURCE_EXHAUSTED = 8, INTERNAL = 13;

interface FilterMessage { message: Buffer & { [GZIPPED]?: Buffer }; flags?: number }
interface CompressionFilter {
  currentCompressionAlgorithm?: unknown;
  maxSendMessageLength?: unknown;
  maxReceiveMessageLength?: unknown;
  [OURS]?: boolean;
  [RESPONSE_GZIP]?: boolean;
}
interface MetadataLike { get(key: string): unknown[] }
type SendMessage = (this: CompressionFilter, m: Promise<FilterMessage> | FilterMessage) => Promise<FilterMessage>;
type ReceiveMetadata = (this: CompressionFilter, md: MetadataLike) => unknown;
type ReceiveMessage = (this: CompressionFilter, m: Promise<Buffer> | Buffer) => Promise<Buffer>;

let installed: boolean | undefined;

/** Messages that took the SDK's paths (for the tests: the wrap is in use). */
export const ownGzipCounts = { requests: 0, responses: 0 };

/**
 * Wraps grpc-js's compression filter (once); true when the SDK's own gzip is
 * in use. grpcClient is the Client class the transport uses: the wrap is only
 * worth something on that copy of grpc-js.
 */
export function installGzip(grpcClient: unknown): boolean {
  if (installed === undefined) installed = install(grpcClient);
  return installed;
}

function install(grpcClient: unknown): boolean {
  try {
    const req = createRequire(moduleURL);
    if ((req("@grpc/grpc-js") as { Client?: unknown }).Client !== grpcClient) return false;
    const filter = req("@grpc/grpc-js/build/src/compression-filter.js") as { CompressionFilter?: { prototype: Record<PropertyKey, unknown> } };
    const proto = filter.CompressionFilter?.prototype;
    if (!proto || typeof proto.sendMessage !== "function" || typeof proto.receiveMetadata !== "function" ||
      typeof proto.receiveMessage !== "function") return false;
    if (proto[WRAPPED] === true) return true;
    const original = proto.sendMessage as SendMessage;
    const wrapped: SendMessage = async function (message) {
      const m = await message;
      const gz = m?.message?.[GZIPPED];
      if (gz !== undefined) this[OURS] = true;
      const max = this.maxSendMessageLength;
      if (gz === undefined || this.currentCompressionAlgorithm !== "gzip" || ((m.flags ?? 0) & NO_COMPRESS) !== 0 ||
        (typeof max === "number" && max !== -1 && m.message.length > max)) {
        return original.call(this, m);
      }
      ownGzipCounts.requests++;
      // The gRPC length-prefixed message: compressed flag, length, bytes.
      const out = Buffer.allocUnsafe(gz.length + 5);
      out[0] = 1;
      out.writeUInt32BE(gz.length, 1);
      gz.copy(out, 5);
      return { message: out, flags: m.flags };
    };
    const originalMetadata = proto.receiveMetadata as ReceiveMetadata;
    const receiveMetadata: ReceiveMetadata = function (md) {
      // Read before grpc-js removes the header.
      if (this[OURS] === true) this[RESPONSE_GZIP] = md?.get?.("grpc-encoding")?.[0] === "gzip";
      return originalMetadata.call(this, md);
    };
    const originalReceive = proto.receiveMessage as ReceiveMessage;
    const receiveMessage: ReceiveMessage = async function (message) {
      const data = await message;
      if (this[RESPONSE_GZIP] !== true || data?.[0] !== 1) return originalReceive.call(this, data);
      const max = this.maxReceiveMessageLength;
      const limit = typeof max === "number" && max > 0 ? max : undefined;
      ownGzipCounts.responses++;
      try {
        return gunzipSync(data.subarray(5), limit === undefined ? {} : { maxOutputLength: limit });
      } catch (err) {
        // grpc-js's own errors for these two cases.
        throw (err as { code?: string }).code === "ERR_BUFFER_TOO_LARGE"
          ? { code: RESOURCE_EXHAUSTED, details: `Received message that decompresses to a size larger than ${limit}` }
          : { code: INTERNAL, details: "Failed to decompress gzip-encoded message" };
      }
    };
    proto.sendMessage = wrapped;
    proto.receiveMetadata = receiveMetadata;
    proto.receiveMessage = receiveMessage;
    Object.defineProperty(proto, WRAPPED, { value: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * Attaches the gzip of batch to it, for the wrapped filter (once: a retry
 * passes the same Buffer).
 */
export function attachGzip(batch: Buffer): Buffer {
  const b = batch as Buffer & { [GZIPPED]?: Buffer };
  if (b[GZIPPED] === undefined) Object.defineProperty(b, GZIPPED, { value: gzipSync(batch, { level: 1 }) });
  return batch;
}
