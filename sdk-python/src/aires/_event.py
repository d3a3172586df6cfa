"""Events: what a logging call captures (on the caller's thread) and how the
worker encodes it.

A queued event is a plain tuple (ts_ns, severity, message, attrs, extra):
building it costs a clock read and a dict copy. Everything rare (ids, tags,
HTTP, error, overrides) lives in an Extra, built only when the call has
options. The UUID v7 is made in the worker from the call's ts_ns (its
time-ordered part) and random bits, off the caller's path.
"""

from __future__ import annotations

import datetime as _dt
import enum
import struct
import sys
import traceback
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from . import _wire as w


class Severity(enum.IntEnum):
    """aires.v1.Severity."""

    TRACE = 1
    DEBUG = 2
    INFO = 3
    WARN = 4
    ERROR = 5
    FATAL = 6


@dataclass
class HTTP:
    """An HTTP request handled or made by the service; each field is the
    aires.v1.HttpInfo field of the same name. Zero fields are left unset."""

    method: str = ""
    route: str = ""  # the matched pattern ("/orders/{id}")
    path: str = ""  # "/orders/42"
    url: str = ""  # the full URL (outgoing requests)
    status_code: int = 0
    duration_ms: float = 0.0
    request_size: int = 0  # bytes
    response_size: int = 0  # bytes
    user_agent: str = ""
    client_address: str = ""  # IP, no port


@dataclass
class ErrorInfo:
    """aires.v1.ErrorInfo given explicitly (for errors that are not Python
    exceptions)."""

    type: str = ""
    message: str = ""
    stack: str = ""


class Extra:
    """The rare parts of an event, resolved during the call."""

    __slots__ = ("trace_id", "span_id", "session_id", "user_id", "tags", "service",
                 "environment", "release", "http", "error", "stack")

    def __init__(self) -> None:
        self.trace_id: Optional[bytes] = None
        self.span_id: Optional[bytes] = None
        self.session_id: Any = None
        self.user_id: Any = None
        self.tags: Optional[List[Any]] = None
        self.service: Any = None
        self.environment: Any = None
        self.release: Any = None
        self.http: Optional[HTTP] = None
        # An exception (formatted by the worker) or an ErrorInfo.
        self.error: Any = None
        # The call's stack when the error carries none (formatted later).
        self.stack: Optional[traceback.StackSummary] = None


OPTION_NAMES = frozenset(
    ("trace_id", "span_id", "session_id", "user_id", "tags", "service", "environment",
     "release", "http", "error", "exc_info", "timestamp", "timestamp_ns"))


def _id_bytes(v: Any, size: int) -> Optional[bytes]:
    """A trace id (16) or span id (8) from hex, bytes or an int (OTel);
    anything malformed gives None (ignored, as in the Go SDK)."""
    if isinstance(v, str):
        if len(v) != 2 * size:
            return None
        try:
            b = bytes.fromhex(v)
        except ValueError:
            return None
    elif isinstance(v, (bytes, bytearray)):
        b = bytes(v)
    elif isinstance(v, int) and not isinstance(v, bool):
        if v <= 0 or v >= 1 << (8 * size):
            return None
        b = v.to_bytes(size, "big")
    else:
        return None
    if len(b) != size or not any(b):
        return None
    return b


def timestamp_ns(t: Any) -> Optional[int]:
    """Unix nanoseconds of a datetime (naive = local time, as
    datetime.timestamp) without going through a float."""
    if not isinstance(t, _dt.datetime):
        return None
    if t.tzinfo is None:
        t = t.astimezone()
    d = t - _EPOCH
    return (d.days * 86400 + d.seconds) * 1_000_000_000 + d.microseconds * 1000


_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)


def build_extra(options: Dict[str, Any], ts: int, skip_frames: int) -> Tuple[Optional[Extra], int, List[str]]:
    """Reads the call's options: (extra, timestamp, unknown option names)."""
    x = Extra()
    unknown: List[str] = []
    for name, v in options.items():
        if v is None:
            continue
        if name == "trace_id":
            x.trace_id = _id_bytes(v, 16)
        elif name == "span_id":
            x.span_id = _id_bytes(v, 8)
        elif name == "session_id":
            x.session_id = v
        elif name == "user_id":
            x.user_id = v
        elif name == "tags":
            x.tags = [v] if isinstance(v, str) else list(v)
        elif name == "service":
            x.service = v
        elif name == "environment":
            x.environment = v
        elif name == "release":
            x.release = v
        elif name == "http":
            x.http = v
        elif name == "error":
            x.error = v
        elif name == "exc_info":
            if isinstance(v, BaseException):
                x.error = v
            elif v is True and x.error is None:
                x.error = sys.exc_info()[1]
        elif name == "timestamp":
            ns = timestamp_ns(v)
            if ns is not None:
                ts = ns
        elif name == "timestamp_ns":
            if isinstance(v, int) and v > 0:
                ts = v
        else:
            unknown.append(name)
    if isinstance(x.error, BaseException) and x.error.__traceback__ is None:
        x.stack = call_stack(skip_frames + 1)
    return x, ts, unknown


def call_stack(skip: int) -> Optional[traceback.StackSummary]:
    """The caller's stack, source lines left for the worker to read."""
    try:
        f = sys._getframe(skip + 1)
    except ValueError:
        return None
    return traceback.StackSummary.extract(traceback.walk_stack(f), limit=32, lookup_lines=False)


def error_type(e: BaseException) -> str:
    """"ValueError" for builtins, "package.module.Class" otherwise."""
    t = type(e)
    mod = getattr(t, "__module__", "") or ""
    if mod in ("builtins", "__main__"):
        return t.__qualname__
    return mod + "." + t.__qualname__


def _error_fields(x: Extra) -> Tuple[str, str, str]:
    e = x.error
    if isinstance(e, ErrorInfo):
        return e.type, e.message, e.stack
    if isinstance(e, BaseException):
        msg = w.safe_str(e)
        if e.__traceback__ is not None:
            stack = "".join(traceback.format_exception(type(e), e, e.__traceback__))
        elif x.stack is not None:
            # Oldest call first, as a traceback prints it.
            frames = traceback.StackSummary.from_list(list(reversed(x.stack)))
            stack = "".join(frames.format())
        else:
            stack = ""
        return error_type(e), msg, stack
    return "", w.safe_str(e), ""


_SEV = [w.T_EV_SEV + w._SMALL[i] for i in range(7)]


def encode_event(ev: Tuple[Any, ...], uid: bytes) -> bytes:
    """The content of one aires.v1.Event (uid: its 16-byte id)."""
    ts, sev, msg, attrs, x = ev
    if type(msg) is str and len(msg) < 128:
        try:
            m = msg.encode()
        except UnicodeEncodeError:
            m = w.utf8(msg, w.MAX_MESSAGE_BYTES)
    else:
        m = w.utf8(msg if type(msg) is str else w.safe_str(msg), w.MAX_MESSAGE_BYTES)
    lm = len(m)
    head = b"".join((w.T_EV_ID, uid, w.T_EV_TS, w._pack_fixed64(ts & w._U64), _SEV[sev],
                     b"" if not lm else (w.T_EV_MSG + w._SMALL[lm]) if lm < 128 else (w.T_EV_MSG + w.varint(lm)),
                     m))
    if x is None:
        return head + w.kv_list(attrs, w.T_EV_ATTRS, 0) if attrs else head
    parts = [head,
             w.field_str(w.T_EV_SERVICE, x.service, w.MAX_VALUE_BYTES),
             w.field_str(w.T_EV_ENV, x.environment, w.MAX_VALUE_BYTES),
             w.field_str(w.T_EV_RELEASE, x.release, w.MAX_VALUE_BYTES)]
    if x.trace_id:
        parts.append(w.field_bytes(w.T_EV_TRACE, x.trace_id))
    if x.span_id:
        parts.append(w.field_bytes(w.T_EV_SPAN, x.span_id))
    parts.append(w.field_str(w.T_EV_SESSION, x.session_id, w.MAX_VALUE_BYTES))
    parts.append(w.field_str(w.T_EV_USER, x.user_id, w.MAX_VALUE_BYTES))
    if attrs:
        parts.append(w.kv_list(attrs, w.T_EV_ATTRS, 0))
    if x.tags:
        for t in x.tags[:w.MAX_TAGS]:
            # Repeated strings: an empty tag is still an element.
            b = w.utf8(t if type(t) is str else w.safe_str(t), w.MAX_VALUE_BYTES)
            parts += (w.T_EV_TAGS, w.varint(len(b)), b)
    if x.http is not None:
        parts.append(w.field_bytes(w.T_EV_HTTP, w.http_info(x.http)))
    if x.error is not None:
        parts.append(w.field_bytes(w.T_EV_ERROR, w.error_info(*_error_fields(x))))
    return b"".join(parts)


# ---- UUID v7 (RFC 9562) ----
#   48 bits unix ms | 4 bits version 7 | 12 bits sub-millisecond fraction
#   (method 3: ids of one process sort by time to ~250 ns) | 2 bits variant
#   | 62 random bits, from one os.urandom call per batch (no syscall per id;
#   fork-safe, unlike a seeded generator copied into a child).
_VARIANT = [bytes(((b & 0x3F) | 0x80,)) for b in range(256)]
_pack_hi = struct.Struct(">Q").pack


def uuid7(ts: int, rnd: bytes, i: int = 0) -> bytes:
    """The id of an event of time ts, from the 8 random bytes rnd[i:i+8]."""
    hi = ((ts // 1_000_000) << 16) | 0x7000 | ((ts % 1_000_000) * 4096 // 1_000_000)
    return _pack_hi(hi & 0xFFFFFFFFFFFFFFFF) + _VARIANT[rnd[i]] + rnd[i + 1:i + 8]


def severity_of(sev: Any) -> int:
    try:
        s = int(sev)
    except (TypeError, ValueError):
        return Severity.INFO
    return s if 1 <= s <= 6 else Severity.INFO


