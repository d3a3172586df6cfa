"""What the WSGI and ASGI middleware share: one event per request."""

from __future__ import annotations

import traceback
from typing import Any, Callable, Dict, Optional

from ._client import Client
from ._event import HTTP, ErrorInfo, error_type
from ._wire import safe_str


def resolve_client(client: Optional[Client]) -> Optional[Client]:
    if client is not None:
        return client
    from . import get_client
    return get_client()


def severity_of_status(status: int) -> int:
    if status >= 500:
        return 5
    if status >= 400:
        return 4
    return 3


def panic_info(exc: BaseException) -> ErrorInfo:
    """The handler's exception as Event.error (its traceback as the stack)."""
    stack = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return ErrorInfo(error_type(exc), safe_str(exc), stack)


def record(client: Client, h: HTTP, exc: Optional[BaseException], options: Dict[str, Any]) -> None:
    """Sends the request's event: "METHOD route" (the path when no route
    is known); info, warn for 4xx, error for 5xx or an exception."""
    try:
        opts = dict(options)
        opts["http"] = h
        if exc is not None:
            opts["error"] = panic_info(exc)
        client._emit(severity_of_status(h.status_code), h.method + " " + (h.route or h.path), None, opts)
    except Exception:  # noqa: BLE001 - never turn a request into an error
        pass


RouteGetter = Callable[[Any], Optional[str]]


def first_forwarded(value: str) -> str:
    return value.split(",", 1)[0].strip()
