"""WSGI middleware: one Aires event per request."""

from __future__ import annotations

import time
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional

from ._client import Client
from ._event import HTTP
from ._http import RouteGetter, first_forwarded, record, resolve_client


class WSGIMiddleware:
    """Wraps a WSGI app; each request becomes one event with Event.http:
    method, route, path, status, duration (until the response body is
    closed), request and response sizes, user agent, client address.
    Severity info, warn for 4xx, error for 5xx. An exception raised by the
    app becomes an error event with status 500 and Event.error, then is
    re-raised for the server to handle as without Aires.

    route: a function of the environ giving the matched pattern; otherwise
    environ["aires.route"] when the app sets it; otherwise none (the message
    then names the path). client_ip_header (for example "X-Forwarded-For")
    is read before REMOTE_ADDR: only behind a proxy you trust. skip(environ)
    returning True sends nothing (health checks). options are added to
    every event (tags, a service override...)."""

    def __init__(self, app: Callable[..., Iterable[bytes]], client: Optional[Client] = None,
                 route: Optional[RouteGetter] = None, client_ip_header: str = "",
                 skip: Optional[Callable[[Dict[str, Any]], bool]] = None, **options: Any) -> None:
        self.app = app
        self.client = client
        self.route = route
        self.ip_key = "HTTP_" + client_ip_header.upper().replace("-", "_") if client_ip_header else ""
        self.skip = skip
        self.options = options

    def __call__(self, environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        c = resolve_client(self.client)
        if c is None or (self.skip is not None and self.skip(environ)):
            return self.app(environ, start_response)
        start = time.perf_counter()
        state: List[Any] = [0]  # status

        def _start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            try:
                state[0] = int(status.split(" ", 1)[0])
            except (ValueError, AttributeError):
                pass
            if exc_info is None:
                return start_response(status, headers)
            return start_response(status, headers, exc_info)

        try:
            body = self.app(environ, _start_response)
        except BaseException as e:
            self._record(c, environ, 500, 0, start, e)
            raise
        return _Body(self, c, environ, body, state, start)

    def _record(self, c: Client, environ: Dict[str, Any], status: int, size: int, start: float,
                exc: Optional[BaseException]) -> None:
        try:
            route = self.route(environ) if self.route is not None else None
        except Exception:  # noqa: BLE001
            route = None
        if route is None:
            route = environ.get("aires.route") or ""
        try:
            req_size = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            req_size = 0
        addr = ""
        if self.ip_key and environ.get(self.ip_key):
            addr = first_forwarded(environ[self.ip_key])
        if not addr:
            addr = environ.get("REMOTE_ADDR", "")
        h = HTTP(method=environ.get("REQUEST_METHOD", ""), route=str(route),
                 path=environ.get("PATH_INFO", "") or "/", status_code=status or 200,
                 duration_ms=(time.perf_counter() - start) * 1000.0, request_size=req_size,
                 response_size=size, user_agent=environ.get("HTTP_USER_AGENT", ""), client_address=addr)
        record(c, h, exc, self.options)


class _Body:
    """The app's response iterable, counting bytes; the event is sent when
    the server closes it (PEP 3333), so the duration covers streaming."""

    def __init__(self, m: WSGIMiddleware, c: Client, environ: Dict[str, Any], body: Iterable[bytes],
                 state: List[Any], start: float) -> None:
        self.m, self.c, self.environ, self.body, self.state, self.start = m, c, environ, body, state, start
        self.size = 0
        self.exc: Optional[BaseException] = None
        self.done = False

    def __iter__(self) -> Iterator[bytes]:
        try:
            for chunk in self.body:
                self.size += len(chunk)
                yield chunk
        except GeneratorExit:
            raise
        except BaseException as e:
            self.exc = e
            raise

    def close(self) -> None:
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                close()
        finally:
            if not self.done:
                self.done = True
                status = 500 if self.exc is not None else self.state[0]
                self.m._record(self.c, self.environ, status, self.size, self.start, self.exc)
