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
import { createRequire } from "node:module";
import { gzipSync } from "node:zlib";
import { moduleURL } from "./here.js";

const GZIPPED = Symbol.for("@aires-dev/sdk.gzipped");
const WRAPPED = Symbol.for("@aires-dev/sdk.wrapped");
/** grpc-js's WriteFlags.NoCompress. */
const NO_COMPRESS = 2;

interface FilterMessage { message: Buffer & { [GZIPPED]?: Buffer }; flags?: number }
interface CompressionFilter {
  currentCompressionAlgorithm?: unknown;
  maxSendMessageLength?: unknown;
}
type SendMessage = (this: CompressionFilter, m: Promise<FilterMessage> | FilterMessage) => Promise<FilterMessage>;

let installed: boolean | undefined;

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
    if (!proto || typeof proto.sendMessage !== "function") return false;
    if (proto[WRAPPED] === true) return true;
    const original = proto.sendMessage as SendMessage;
    const wrapped: SendMessage = async function (message) {
      const m = await message;
      const gz = m?.message?.[GZIPPED];
      const max = this.maxSendMessageLength;
      if (gz === undefined || this.currentCompressionAlgorithm !== "gzip" || ((m.flags ?? 0) & NO_COMPRESS) !== 0 ||
        (typeof max === "number" && max !== -1 && m.message.length > max)) {
        return original.call(this, m);
      }
      // The gRPC length-prefixed message: compressed flag, length, bytes.
      const out = Buffer.allocUnsafe(gz.length + 5);
      out[0] = 1;
      out.writeUInt32BE(gz.length, 1);
      gz.copy(out, 5);
      return { message: out, flags: m.flags };
    };
    proto.sendMessage = wrapped;
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
