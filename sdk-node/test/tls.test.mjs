// TLS and mutual TLS against a real grpc-js server with certificates made for
// this run by fixtures/make-certs.sh (openssl).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import { IngestResponseSchema } from "../dist/esm/gen/aires/v1/aires_pb.js";
import { Client } from "@aires-dev/sdk";
import { ingestDefinition, warnings } from "./helpers.mjs";

const dir = mkdtempSync(join(tmpdir(), "aires-tls-"));
try {
  execFileSync("bash", [fileURLToPath(new URL("./fixtures/make-certs.sh", import.meta.url)), dir], { stdio: "inherit" });
} catch (err) {
  throw new Error(`cannot make the test certificates (is openssl installed? apt-get install -y openssl): ${err.message}`);
}
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
const path = (f) => join(dir, f);
const pem = (f) => readFileSync(path(f));

async function tlsServer(requireClientCert) {
  const server = new grpc.Server();
  const got = [];
  server.addService(ingestDefinition, {
    Ingest(call, cb) {
      got.push(...call.request.events.map((e) => e.message));
      cb(null, create(IngestResponseSchema, { accepted: BigInt(call.request.events.length) }));
    },
  });
  const creds = grpc.ServerCredentials.createSsl(requireClientCert ? pem("ca.pem") : null,
    [{ private_key: pem("server-key.pem"), cert_chain: pem("server.pem") }], requireClientCert);
  const port = await new Promise((res, rej) => server.bindAsync("127.0.0.1:0", creds, (e, p) => (e ? rej(e) : res(p))));
  return { endpoint: `localhost:${port}`, got, close: () => new Promise((r) => server.tryShutdown(r)) };
}

test("TLS with a private CA (file path or PEM contents)", async () => {
  const s = await tlsServer(false);
  for (const tls of [{ caFile: path("ca.pem") }, { ca: pem("ca.pem").toString() }]) {
    const c = new Client({ endpoint: s.endpoint, tls, flushOnExit: false });
    c.info("over tls");
    await c.shutdown();
    assert.equal(c.stats().sent, 1);
  }
  assert.deepEqual(s.got, ["over tls", "over tls"]);
  await s.close();
});

test("a certificate the client does not trust: failed and warned, never thrown", async () => {
  const s = await tlsServer(false);
  const w = warnings();
  const c = new Client({ endpoint: s.endpoint, tls: true, maxRetries: -1, warn: w, flushOnExit: false });
  c.info("not trusted");
  await c.shutdown();
  assert.deepEqual(c.stats(), { enqueued: 1, sent: 0, dropped: 0, failed: 1 });
  assert.equal(w.list.length, 1);
  await s.close();
});

test("mutual TLS: the client certificate is presented, and required", async () => {
  const s = await tlsServer(true);
  const c = new Client({ endpoint: s.endpoint, tls: { caFile: path("ca.pem"), certFile: path("client.pem"), keyFile: path("client-key.pem") }, flushOnExit: false });
  c.info("mutual");
  await c.shutdown();
  assert.equal(c.stats().sent, 1);
  const anon = new Client({ endpoint: s.endpoint, tls: { caFile: path("ca.pem") }, maxRetries: -1, warn: () => {}, flushOnExit: false });
  anon.info("no client certificate");
  await anon.shutdown();
  assert.equal(anon.stats().failed, 1);
  assert.deepEqual(s.got, ["mutual"]);
  await s.close();
});

test("misconfigured TLS fails at construction with a message that says what to fix", () => {
  assert.throws(() => new Client({ tls: { caFile: "/nonexistent/ca.pem" }, flushOnExit: false }), /cannot read the TLS CA file/);
  assert.throws(() => new Client({ tls: { certFile: path("client.pem") }, flushOnExit: false }), /set both for mutual TLS/);
});
