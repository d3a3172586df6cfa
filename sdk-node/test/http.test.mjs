// The HTTP middleware with Node's http server and with Express.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import express from "express";
import { Client, middleware, expressErrorHandler } from "@aires-dev/sdk";
import { startServer } from "./helpers.mjs";

async function listen(handler) {
  const server = http.createServer(handler);
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

test("Node http: one event per request with method, path, status, duration and sizes", async () => {
  const s = await startServer();
  const c = new Client({ endpoint: s.endpoint, flushOnExit: false });
  const record = middleware({ client: c, clientIPHeader: "x-forwarded-for", attributes: { component: "api" } });
  const app = await listen((req, res) => {
    record(req, res);
    if (req.url.startsWith("/missing")) {
      res.statusCode = 404;
      res.end("no");
      return;
    }
    res.writeHead(200, { "content-type": "text/plain" });
    res.write("hello ");
    res.end("wörld");
  });
  const ok = await fetch(`${app.url}/orders/7?x=1`, { method: "POST", body: "12345", headers: { "user-agent": "t/1", "x-forwarded-for": "203.0.113.9, 10.0.0.1" } });
  await ok.text();
  await (await fetch(`${app.url}/missing`)).text();
  await app.close();
  await c.shutdown();
  const [a, b] = s.events;
  assert.equal(a.message, "POST /orders/7");
  assert.equal(a.severity, 3);
  assert.equal(a.http.method, "POST");
  assert.equal(a.http.path, "/orders/7");
  assert.equal(a.http.statusCode, 200);
  assert.ok(a.http.durationMs > 0);
  assert.equal(a.http.requestSize, 5n);
  assert.equal(a.http.responseSize, BigInt(Buffer.byteLength("hello wörld")));
  assert.equal(a.http.userAgent, "t/1");
  assert.equal(a.http.clientAddress, "203.0.113.9");
  assert.equal(a.attributes[0].key, "component");
  assert.equal(b.severity, 4, "4xx is a warning");
  assert.equal(b.http.statusCode, 404);
  assert.equal(b.http.clientAddress, "127.0.0.1");
  await s.close();
});

test("Express: the matched route, 5xx as errors with the error passed to next()", async () => {
  const s = await startServer();
  const c = new Client({ endpoint: s.endpoint, flushOnExit: false });
  const app = express();
  app.use(middleware({ client: c, skip: (req) => req.url === "/health" }));
  const orders = express.Router();
  orders.get("/:id", (req, res) => res.json({ id: req.params.id }));
  app.use("/orders", orders);
  app.get("/health", (_req, res) => res.send("ok"));
  app.get("/boom", () => {
    throw new TypeError("kaputt");
  });
  app.use(expressErrorHandler());
  app.use((err, _req, res, _next) => res.status(500).send("error"));
  const srv = await listen(app);
  for (const p of ["/orders/42", "/health", "/boom"]) await (await fetch(srv.url + p)).text();
  await srv.close();
  await c.shutdown();
  assert.equal(s.events.length, 2, "the skipped request is not recorded");
  const [o, boom] = s.events;
  assert.equal(o.message, "GET /orders/:id");
  assert.equal(o.http.route, "/orders/:id");
  assert.equal(o.http.path, "/orders/42");
  assert.equal(boom.severity, 5);
  assert.equal(boom.http.statusCode, 500);
  assert.deepEqual([boom.error.type, boom.error.message], ["TypeError", "kaputt"]);
  assert.match(boom.error.stack, /http\.test\.mjs/);
  await s.close();
});

test("the middleware uses the default client of init() when none is given", async () => {
  const aires = await import("@aires-dev/sdk");
  const s = await startServer();
  aires.init({ endpoint: s.endpoint, flushOnExit: false });
  const record = aires.middleware();
  const app = await listen((req, res) => { record(req, res); res.end(); });
  await (await fetch(app.url + "/x")).text();
  await app.close();
  await aires.shutdown();
  assert.equal(s.events[0].message, "GET /x");
  await s.close();
});
