"""logging.Handler, WSGI and ASGI middleware, OpenTelemetry pick-up."""

from __future__ import annotations

import asyncio
import io
import logging
import sys
import types
import wsgiref.util
from typing import Any, List

import pytest

import aires
from aires import _otel
from aires.v1 import aires_pb2 as pb


def attrs_of(ev: pb.Event) -> dict:
    out = {}
    for kv in ev.attributes:
        kind = kv.value.WhichOneof("value")
        out[kv.key] = getattr(kv.value, kind)
    return out


# ---- logging.Handler ----

def test_logging_handler(collector, make_client):
    c = make_client(endpoint=collector.endpoint)
    log = logging.getLogger("test.shop")
    log.setLevel(1)
    h = aires.Handler(c, include_source=True)
    log.addHandler(h)
    try:
        log.debug("d")
        log.info("order %s placed", "A-17", extra={"items": 3, "order.total": 9.5})
        log.warning("w")
        try:
            1 / 0
        except ZeroDivisionError:
            log.exception("failed")
        log.critical("c")
        log.log(5, "below debug")
    finally:
        log.removeHandler(h)
    assert c.flush(10)
    evs = collector.events()
    assert [(e.message, e.severity) for e in evs] == [
        ("d", pb.SEVERITY_DEBUG), ("order A-17 placed", pb.SEVERITY_INFO), ("w", pb.SEVERITY_WARN),
        ("failed", pb.SEVERITY_ERROR), ("c", pb.SEVERITY_FATAL), ("below debug", pb.SEVERITY_TRACE)]
    a = attrs_of(evs[1])
    assert a["logger.name"] == "test.shop"
    assert a["items"] == 3 and a["order.total"] == 9.5
    assert a["code.function"] == "test_logging_handler" and a["code.filepath"].endswith("test_integrations.py")
    assert "args" not in a and "msg" not in a, "standard LogRecord fields are not attributes"
    err = evs[3].error
    assert err.type == "ZeroDivisionError" and err.message == "division by zero"
    assert "1 / 0" in err.stack


def test_logging_handler_before_init_does_nothing():
    aires.set_client(None)
    log = logging.getLogger("test.noinit")
    h = aires.Handler()
    log.addHandler(h)
    try:
        log.error("nobody")  # no client: nothing, no exception
    finally:
        log.removeHandler(h)


# ---- WSGI ----

def wsgi_app(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/boom":
        raise KeyError("missing")
    if path.startswith("/orders/"):
        environ["aires.route"] = "/orders/{id}"
        start_response("201 Created", [("Content-Type", "text/plain")])
        return [b"created ", b"order"]
    start_response("404 Not Found", [])
    return [b"nope"]


def call_wsgi(app, path, method="GET", body=b"", headers=None):
    env: dict = {}
    wsgiref.util.setup_testing_defaults(env)
    env.update({"PATH_INFO": path, "REQUEST_METHOD": method, "wsgi.input": io.BytesIO(body),
                "CONTENT_LENGTH": str(len(body)), "REMOTE_ADDR": "198.51.100.7", "HTTP_USER_AGENT": "ua/2"})
    env.update(headers or {})
    status: List[str] = []
    out = app(env, lambda s, h, e=None: status.append(s))
    try:
        data = b"".join(out)
    finally:
        if hasattr(out, "close"):
            out.close()
    return status[0], data


def test_wsgi_middleware(collector, make_client):
    c = make_client(endpoint=collector.endpoint)
    app = aires.WSGIMiddleware(wsgi_app, client=c, client_ip_header="X-Forwarded-For", tags=["web"])
    assert call_wsgi(app, "/orders/42", "POST", b"{}", {"HTTP_X_FORWARDED_FOR": "203.0.113.5, 10.0.0.1"}) == \
        ("201 Created", b"created order")
    assert call_wsgi(app, "/missing")[0] == "404 Not Found"
    with pytest.raises(KeyError):
        call_wsgi(app, "/boom")
    assert c.flush(10)
    ok, missing, boom = collector.events()
    assert (ok.message, ok.severity) == ("POST /orders/{id}", pb.SEVERITY_INFO)
    h = ok.http
    assert (h.method, h.route, h.path, h.status_code, h.request_size, h.response_size, h.user_agent,
            h.client_address) == ("POST", "/orders/{id}", "/orders/42", 201, 2, 13, "ua/2", "203.0.113.5")
    assert h.duration_ms > 0
    assert list(ok.tags) == ["web"]
    assert (missing.message, missing.severity, missing.http.status_code) == ("GET /missing", pb.SEVERITY_WARN, 404)
    assert missing.http.client_address == "198.51.100.7"
    assert (boom.severity, boom.http.status_code, boom.error.type) == (pb.SEVERITY_ERROR, 500, "KeyError")
    assert "wsgi_app" in boom.error.stack


def test_wsgi_skip(collector, make_client):
    c = make_client(endpoint=collector.endpoint)
    app = aires.WSGIMiddleware(wsgi_app, client=c, skip=lambda env: env["PATH_INFO"] == "/missing")
    call_wsgi(app, "/missing")
    assert c.flush(10)
    assert collector.events() == []


# ---- ASGI ----

async def asgi_app(scope, receive, send):
    body = b""
    while True:
        msg = await receive()
        body += msg.get("body", b"")
        if not msg.get("more_body"):
            break
    if scope["path"] == "/boom":
        raise ValueError("bad input")
    scope["route"] = types.SimpleNamespace(path_format="/items/{item_id}", path="/items/{item_id:int}")
    await send({"type": "http.response.start", "status": 503, "headers": []})
    await send({"type": "http.response.body", "body": b"busy", "more_body": True})
    await send({"type": "http.response.body", "body": b"!"})


def call_asgi(app, path, body_parts=(b"",)):
    scope = {"type": "http", "method": "PUT", "path": path, "headers": [(b"user-agent", b"ua/3")],
             "client": ("192.0.2.44", 5555)}
    parts = list(body_parts)
    sent: List[Any] = []

    async def receive():
        b = parts.pop(0)
        return {"type": "http.request", "body": b, "more_body": bool(parts)}

    async def send(msg):
        sent.append(msg)

    asyncio.run(app(scope, receive, send))
    return sent


def test_asgi_middleware(collector, make_client):
    c = make_client(endpoint=collector.endpoint)
    app = aires.ASGIMiddleware(asgi_app, client=c)
    sent = call_asgi(app, "/items/7", (b"abc", b"de"))
    assert sent[0]["status"] == 503
    with pytest.raises(ValueError):
        call_asgi(app, "/boom")
    assert c.flush(10)
    ok, boom = collector.events()
    assert (ok.message, ok.severity) == ("PUT /items/{item_id}", pb.SEVERITY_ERROR)
    h = ok.http
    assert (h.method, h.route, h.path, h.status_code, h.request_size, h.response_size, h.user_agent,
            h.client_address) == ("PUT", "/items/{item_id}", "/items/7", 503, 5, 5, "ua/3", "192.0.2.44")
    assert (boom.message, boom.http.status_code, boom.error.type, boom.error.message) == \
        ("PUT /boom", 500, "ValueError", "bad input")


def test_asgi_passes_lifespan_through(make_client, collector):
    c = make_client(endpoint=collector.endpoint)
    seen = []

    async def app(scope, receive, send):
        seen.append(scope["type"])

    asyncio.run(aires.ASGIMiddleware(app, client=c)({"type": "lifespan"}, None, None))
    assert seen == ["lifespan"]
    assert c.flush(10)
    assert collector.events() == []


# ---- OpenTelemetry ----

class _SpanContext:
    def __init__(self, trace_id, span_id):
        self.trace_id, self.span_id = trace_id, span_id
        self.is_valid = trace_id != 0


@pytest.fixture
def fake_otel(monkeypatch):
    """A stand-in for opentelemetry-api's trace.get_current_span (the real
    package is not installable on these machines); the SDK uses only
    get_current_span().get_span_context().{is_valid,trace_id,span_id}."""
    current = {"ctx": _SpanContext(0, 0)}
    trace_mod = types.ModuleType("opentelemetry.trace")
    trace_mod.get_current_span = lambda: types.SimpleNamespace(get_span_context=lambda: current["ctx"])
    pkg = types.ModuleType("opentelemetry")
    pkg.trace = trace_mod
    monkeypatch.setitem(sys.modules, "opentelemetry", pkg)
    monkeypatch.setitem(sys.modules, "opentelemetry.trace", trace_mod)
    _otel.reset()
    yield current
    _otel.reset()


def test_otel_span_pick_up(collector, make_client, fake_otel):
    c = make_client(endpoint=collector.endpoint)
    c.info("outside")
    fake_otel["ctx"] = _SpanContext(0xAA0102030405060708090A0B0C0D0E0F, 0xBB01020304050607)
    c.info("inside")
    c.info("explicit wins", trace_id="4bf92f3577b34da6a3ce929d0e0e4736", span_id="00f067aa0ba902b7")
    assert c.flush(10)
    outside, inside, explicit = collector.events()
    assert outside.trace_id == b"" and outside.span_id == b""
    assert inside.trace_id.hex() == "aa0102030405060708090a0b0c0d0e0f"
    assert inside.span_id.hex() == "bb01020304050607"
    assert explicit.trace_id.hex() == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert explicit.span_id.hex() == "00f067aa0ba902b7"


def test_otel_off(collector, make_client, fake_otel):
    c = make_client(endpoint=collector.endpoint, otel=False)
    fake_otel["ctx"] = _SpanContext(1, 2)
    c.info("x")
    assert c.flush(10)
    assert collector.events()[0].trace_id == b""


def test_asgi_client_disconnect_is_499_without_error(collector, make_client):
    c = make_client(endpoint=collector.endpoint)

    async def app(scope, receive, send):
        raise asyncio.CancelledError()

    with pytest.raises(asyncio.CancelledError):
        call_asgi(aires.ASGIMiddleware(app, client=c), "/slow")
    assert c.flush(10)
    ev = collector.events()[0]
    assert (ev.http.status_code, ev.severity, ev.error.type) == (499, pb.SEVERITY_WARN, "")
