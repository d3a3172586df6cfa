// The gRPC transport: one unary Ingest call per batch over @grpc/grpc-js,
// the request already encoded (encode.ts), gzip on the channel (done by the
// SDK itself when it can, gzip.ts).
import { readFileSync } from "node:fs";
import { fromBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import type { ResolvedConfig, TLSConfig } from "../config.js";
import { attachGzip, installGzip } from "./gzip.js";
import { IngestResponseSchema, type IngestResponse } from "../gen/aires/v1/aires_pb.js";

const INGEST = "/aires.v1.IngestService/Ingest";

export interface Outcome {
  response?: IngestResponse;
  error?: grpc.ServiceError;
}

export interface Transport {
  /** Sends one encoded batch; never rejects. cancel() aborts the call. */
  send(batch: Buffer, deadlineMs: number): { done: Promise<Outcome>; cancel: () => void };
  close(): void;
}

function pem(inline: string | Buffer | undefined, file: string | undefined, what: string): Buffer | undefined {
  if (inline !== undefined) return Buffer.isBuffer(inline) ? inline : Buffer.from(inline);
  if (!file) return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    throw new Error(`aires: cannot read the TLS ${what} file ${JSON.stringify(file)}: ${(err as Error).message}`);
  }
}

function credentials(tls: ResolvedConfig["tls"]): grpc.ChannelCredentials {
  if (!tls) return grpc.credentials.createInsecure();
  const t: TLSConfig = tls === true ? {} : tls;
  const ca = pem(t.ca, t.caFile, "CA");
  const cert = pem(t.cert, t.certFile, "client certificate");
  const key = pem(t.key, t.keyFile, "client key");
  if ((cert === undefined) !== (key === undefined)) {
    throw new Error("aires: tls.cert and tls.key (or certFile and keyFile) go together: set both for mutual TLS, or neither");
  }
  return grpc.credentials.createSsl(ca ?? null, key ?? null, cert ?? null);
}

/**
 * The transport of a client. ownGzip false leaves the compression to grpc-js
 * (level 6, for the benchmark's side-by-side run).
 */
export function grpcTransport(cfg: ResolvedConfig, ownGzip = true): Transport {
  const options: grpc.ChannelOptions = {
    // grpc-js waits 1 s, then up to 120 s, between reconnections: a collector
    // restarted after a longer outage would refuse every retry of a batch for
    // up to two minutes. Reconnect on the SDK's own backoff scale instead.
    "grpc.initial_reconnect_backoff_ms": cfg.initialBackoffMs,
    "grpc.max_reconnect_backoff_ms": cfg.maxBackoffMs,
  };
  if (!cfg.disableCompression) options["grpc.default_compression_algorithm"] = grpc.compressionAlgorithms.gzip;
  const client = new grpc.Client(cfg.endpoint, credentials(cfg.tls), options);
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(cfg.headers)) md.set(k.toLowerCase(), v);
  if (cfg.apiKey) md.set("authorization", `Bearer ${cfg.apiKey}`);
  // Without the wrap (gzip.ts), grpc-js compresses the plain bytes itself.
  const serialize = ownGzip && !cfg.disableCompression && installGzip(grpc.Client) ? attachGzip : (b: Buffer) => b;
  const deserialize = (b: Buffer) => fromBinary(IngestResponseSchema, b);
  return {
    send(batch, deadlineMs) {
      let call: grpc.ClientUnaryCall | undefined;
      const done = new Promise<Outcome>((resolve) => {
        try {
          call = client.makeUnaryRequest(INGEST, serialize, deserialize, batch, md.clone(), { deadline: Date.now() + deadlineMs },
            (error, response) => resolve(error ? { error } : { response }));
        } catch (err) {
          resolve({ error: Object.assign(new Error(String(err)), { code: grpc.status.INTERNAL, details: String(err), metadata: new grpc.Metadata() }) });
        }
      });
      return { done, cancel: () => call?.cancel() };
    },
    close() {
      client.close();
    },
  };
}
