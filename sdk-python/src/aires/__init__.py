"""Aires Python SDK: application events to an Aires collector over gRPC.

    import aires
    aires.init(service="checkout", environment="prod", endpoint="localhost:4320")
    aires.info("order placed", {"order.id": "A-17", "items": 3})
    aires.shutdown()

The module-level functions use the client made by init() and do nothing
before it; aires.Client is the same API without globals.
"""

from __future__ import annotations

import atexit
import threading
from typing import TYPE_CHECKING, Any, Mapping, Optional

from ._asgi import ASGIMiddleware
from ._client import Client, Config, Stats
from ._event import HTTP, ErrorInfo, Severity, severity_of
from ._logging import Handler
from ._wire import (MAX_ATTRIBUTES, MAX_ERROR_BYTES, MAX_KEY_BYTES, MAX_LIST_ITEMS, MAX_MESSAGE_BYTES,
                    MAX_NESTING, MAX_STACK_BYTES, MAX_TAGS, MAX_VALUE_BYTES)
from ._wsgi import WSGIMiddleware

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._options import EventOptions

__version__ = "0.1.0"

__all__ = [
    "init", "trace", "debug", "info", "warn", "warning", "error", "fatal", "log", "flush", "shutdown",
    "stats", "get_client", "set_client", "Client", "Config", "Stats", "Severity", "HTTP", "ErrorInfo",
    "Handler", "WSGIMiddleware", "ASGIMiddleware", "MAX_ATTRIBUTES", "MAX_ERROR_BYTES", "MAX_KEY_BYTES",
    "MAX_LIST_ITEMS", "MAX_MESSAGE_BYTES", "MAX_NESTING", "MAX_STACK_BYTES", "MAX_TAGS", "MAX_VALUE_BYTES",
]

_default: Optional[Client] = None
_lock = threading.Lock()
_atexit_registered = False


def init(config: Optional[Config] = None, **settings: Any) -> Client:
    """Creates the default client (settings are aires.Config's fields) and
    registers an atexit hook that shuts it down, delivering what is queued
    within shutdown_timeout. A previous default client is shut down. Raises
    ValueError/TypeError for an unusable configuration only: an unreachable
    collector shows up later as failed events, never here."""
    global _default, _atexit_registered
    c = Client(config, **settings)
    with _lock:
        old, _default = _default, c
        if not _atexit_registered:
            atexit.register(_shutdown_at_exit)
            _atexit_registered = True
    if old is not None:
        threading.Thread(target=old.shutdown, name="aires-old-client", daemon=True).start()
    return c


def get_client() -> Optional[Client]:
    """The default client (None before init)."""
    return _default


def set_client(c: Optional[Client]) -> None:
    """Makes c the default client (for tests and frameworks)."""
    global _default
    _default = c


def _shutdown_at_exit() -> None:
    c = _default
    if c is not None:
        c.shutdown()


def log(severity: int, message: str, attrs: Optional[Mapping[str, Any]] = None, /,
        **options: Unpack[EventOptions]) -> None:
    c = _default
    if c is not None:
        c._emit(severity_of(severity), message, attrs, options)


def trace(message: str, attrs: Optional[Mapping[str, Any]] = None, /, **options: Unpack[EventOptions]) -> None:
    c = _default
    if c is not None:
        c._emit(1, message, attrs, options)


def debug(message: str, attrs: Optional[Mapping[str, Any]] = None, /, **options: Unpack[EventOptions]) -> None:
    c = _default
    if c is not None:
        c._emit(2, message, attrs, options)


def info(message: str, attrs: Optional[Mapping[str, Any]] = None, /, **options: Unpack[EventOptions]) -> None:
    """Logs message at info severity with attributes (str, int, float, bool,
    lists, nested dicts...) and options (README: Options). Never blocks or
    raises; a full queue drops the event and counts it."""
    c = _default
    if c is not None:
        c._emit(3, message, attrs, options)


def warn(message: str, attrs: Optional[Mapping[str, Any]] = None, /, **options: Unpack[EventOptions]) -> None:
    c = _default
    if c is not None:
        c._emit(4, message, attrs, options)


warning = warn


def error(message: str, attrs: Optional[Mapping[str, Any]] = None, /, **options: Unpack[EventOptions]) -> None:
    c = _default
    if c is not None:
        c._emit(5, message, attrs, options)


def fatal(message: str, attrs: Optional[Mapping[str, Any]] = None, /, **options: Unpack[EventOptions]) -> None:
    """Logs at fatal severity and flushes for at most fatal_flush_timeout;
    does not exit the process."""
    c = _default
    if c is not None:
        c._emit(6, message, attrs, options)
        c.flush(c.config.fatal_flush_timeout)


def flush(timeout: Optional[float] = None) -> bool:
    """Delivers what the default client has queued (see Client.flush)."""
    c = _default
    return c.flush(timeout) if c is not None else True


def shutdown(timeout: Optional[float] = None) -> bool:
    """Shuts the default client down (see Client.shutdown)."""
    c = _default
    return c.shutdown(timeout) if c is not None else True


def stats() -> Stats:
    """The default client's counters (zeros before init)."""
    c = _default
    return c.stats() if c is not None else Stats(0, 0, 0, 0)
