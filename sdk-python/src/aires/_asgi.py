"""ASGI middleware: one Aires event per HTTP request."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Awaitable, Callable, Dict, List, MutableMapping, Optional

from ._client import Client
from ._event import HTTP
from ._http import RouteGetter, first_forwarded, record, resolve_client

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def scope_route(scope: Scope) -> str:
    """The matched route pattern: scope["aires.route"] when the app sets
    it, else the path format of Starlette/FastAPI's scope["route"]."""
    r = scope.get("aires.route")
    if r:
        return str(r)
    route = scope.get("route")
    if route is not None:
        for attr in ("path_format", "path"):
            v = getattr(route, attr, None)
            if isinstance(v, str) and v:
                return v
    return ""


class ASGIMiddleware:
    """Wraps an ASGI app; each HTTP request (not websocket or lifespan)
    becomes one event: method, route, path, status, duration, request and
    response body sizes, user agent, client address; info, warn for 4xx,
    error for 5xx. An exception from the app becomes an error event (status
    500, Event.error) and is re-raised. Arguments as WSGIMiddleware's
    (route is a function of the scope)."""

    def __init__(self, app: ASGIApp, client: Optional[Client] = None, route: Optional[RouteGetter] = None,
                 client_ip_header: str = "", skip: Optional[Callable[[Scope], bool]] = None,
                 **options: Any) -> None:
        self.app = app
        self.client = client
        self.route = route
        self.ip_header = client_ip_header.lower().encode("latin-1")
        self.skip = skip
        self.options = options

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        c = resolve_client(self.client)
        if scope.get("type") != "http" or c is None or (self.skip is not None and self.skip(scope)):
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        st: List[int] = [0, 0, 0]  # status, response bytes, request bytes

        async def _receive() -> Message:
            msg = await receive()
            if msg.get("type") == "http.request":
                st[2] += len(msg.get("body", b"") or b"")
            return msg

        async def _send(msg: Message) -> None:
            t = msg.get("type")
            if t == "http.response.start":
                st[0] = int(msg.get("status", 0))
            elif t == "http.response.body":
                st[1] += len(msg.get("body", b"") or b"")
            await send(msg)

        exc: Optional[BaseException] = None
        try:
            await self.app(scope, _receive, _send)
        except asyncio.CancelledError:
            # The client went away (as Go's http.ErrAbortHandler): recorded
            # with 499, nginx's "client closed request", and no error.
            st[0] = st[0] or 499
            raise
        except BaseException as e:
            exc = e
            raise
        finally:
            self._record(c, scope, st, start, exc)

    def _record(self, c: Client, scope: Scope, st: List[int], start: float, exc: Optional[BaseException]) -> None:
        try:
            route = self.route(scope) if self.route is not None else None
        except Exception:  # noqa: BLE001
            route = None
        if route is None:
            route = scope_route(scope)
        headers: Dict[bytes, bytes] = {}
        for k, v in scope.get("headers") or ():
            headers.setdefault(bytes(k).lower(), bytes(v))
        addr = ""
        if self.ip_header and headers.get(self.ip_header):
            addr = first_forwarded(headers[self.ip_header].decode("latin-1"))
        if not addr and scope.get("client"):
            addr = str(scope["client"][0])
        status = 500 if exc is not None else (st[0] or 200)
        h = HTTP(method=scope.get("method", ""), route=route, path=scope.get("path", "") or "/",
                 status_code=status, duration_ms=(time.perf_counter() - start) * 1000.0,
                 request_size=st[2], response_size=st[1],
                 user_agent=headers.get(b"user-agent", b"").decode("latin-1"), client_address=addr)
        record(c, h, exc, self.options)
