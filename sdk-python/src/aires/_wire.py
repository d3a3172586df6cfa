"""Protobuf wire encoding of aires.v1.EventBatch, written by hand.

Like the Go SDK (sdk/encode.go), the worker writes the wire format directly
instead of building generated messages: measured on this project's machines,
filling aires_pb2 messages cost about 5x more CPU per event than this code,
and it keeps the SDK's sending path independent of the protobuf runtime's
version. The tests decode this output with the generated code (aires.v1) to
keep the two in agreement.

Limits and truncation are the Go SDK's (sdk/config.go): values are cut on a
UTF-8 boundary, never rejected; strings that cannot be encoded (lone
surrogates) have each run of bad characters replaced by U+FFFD.
"""

from __future__ import annotations

import codecs
import datetime as _dt
import itertools
import math
import struct
from typing import Any, Callable, Dict, List, Optional, Tuple

MAX_MESSAGE_BYTES = 32 << 10
MAX_VALUE_BYTES = 8 << 10
MAX_KEY_BYTES = 256
MAX_ATTRIBUTES = 128
MAX_LIST_ITEMS = 256
MAX_TAGS = 64
MAX_STACK_BYTES = 16 << 10
MAX_ERROR_BYTES = 8 << 10
MAX_NESTING = 8

_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1
_U64 = (1 << 64) - 1


def _replace_run(err: UnicodeError) -> Tuple[bytes, int]:
    # One U+FFFD per run of unencodable characters, as Go's
    # strings.ToValidUTF8 does for a run of invalid bytes. (Bytes: the UTF-8
    # encoder takes only ASCII replacement strings.)
    return b"\xef\xbf\xbd", err.end  # type: ignore[attr-defined]


codecs.register_error("aires.replace", _replace_run)

_pack_double = struct.Struct("<d").pack
_pack_fixed64 = struct.Struct("<Q").pack

# Varints of 0..127 are one byte; most lengths here are.
_SMALL = [bytes((i,)) for i in range(128)]


def varint(n: int) -> bytes:
    """The protobuf varint of n (0 <= n < 2**64)."""
    if n < 128:
        return _SMALL[n]
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def utf8(s: str, limit: int) -> bytes:
    """s as valid UTF-8, cut to at most limit bytes on a character boundary."""
    try:
        b = s.encode()
    except UnicodeEncodeError:
        b = s.encode("utf-8", "aires.replace")
    if len(b) > limit:
        n = limit
        while n > 0 and (b[n] & 0xC0) == 0x80:
            n -= 1
        b = b[:n]
    return b


def field_bytes(tag: bytes, payload: bytes) -> bytes:
    """A length-delimited field: tag byte(s), length, payload."""
    return tag + varint(len(payload)) + payload


def field_str(tag: bytes, s: Any, limit: int) -> bytes:
    """A string field, omitted (b"") when empty, as proto3 does."""
    if not s:
        return b""
    if type(s) is not str:
        s = safe_str(s)
    b = utf8(s, limit)
    return tag + varint(len(b)) + b


def safe_str(v: Any) -> str:
    """str(v) that never raises (a broken __str__ must not lose the event)."""
    try:
        return str(v)
    except Exception as e:  # noqa: BLE001 - anything a user's __str__ raises
        return "(error in __str__: %s)" % type(e).__name__


# Tags: field number << 3 | wire type.
T_BATCH_RESOURCE = b"\x0a"
T_BATCH_EVENTS = b"\x12"
T_RES_SERVICE, T_RES_ENV, T_RES_RELEASE, T_RES_HOST, T_RES_ATTRS = b"\x0a", b"\x12", b"\x1a", b"\x22", b"\x2a"
T_EV_ID, T_EV_TS, T_EV_SEV, T_EV_MSG = b"\x0a\x10", b"\x11", b"\x18", b"\x22"
T_EV_SERVICE, T_EV_ENV, T_EV_RELEASE = b"\x2a", b"\x32", b"\x3a"
T_EV_TRACE, T_EV_SPAN, T_EV_SESSION, T_EV_USER = b"\x42", b"\x4a", b"\x52", b"\x5a"
T_EV_ATTRS, T_EV_TAGS, T_EV_HTTP, T_EV_ERROR = b"\x62", b"\x6a", b"\x72", b"\x7a"
T_KV_KEY, T_KV_VALUE = b"\x0a", b"\x12"
T_ANY_STR, T_ANY_INT, T_ANY_DOUBLE, T_ANY_BOOL, T_ANY_ARRAY, T_ANY_KVLIST = (
    b"\x0a", b"\x10", b"\x19", b"\x20", b"\x2a", b"\x32")
T_LIST_VALUES = b"\x0a"
T_HTTP = [b"", b"\x0a", b"\x12", b"\x1a", b"\x22", b"\x28", b"\x31", b"\x38", b"\x40", b"\x4a", b"\x52"]
T_ERR_TYPE, T_ERR_MSG, T_ERR_STACK = b"\x0a", b"\x12", b"\x1a"

_EMPTY_STRING_VALUE = T_ANY_STR + b"\x00"


# Encoded "KeyValue.key" fields of the keys seen recently: attribute keys
# repeat from event to event. Bounded, cleared when full.
_key_cache: Dict[str, bytes] = {}
_KEY_CACHE_MAX = 4096


def _key_field(key: Any) -> bytes:
    """The encoded KeyValue.key of key, b"" for an empty key (skipped)."""
    kb = _key_cache.get(key)
    if kb is None:
        b = utf8(key if type(key) is str else safe_str(key), MAX_KEY_BYTES)
        kb = T_KV_KEY + varint(len(b)) + b if b else b""
        if len(_key_cache) >= _KEY_CACHE_MAX:
            _key_cache.clear()
        _key_cache[key] = kb
    return kb


def any_value(v: Any, depth: int) -> bytes:
    """The content of an AnyValue for a Python value (see README: attribute types)."""
    t = type(v)
    if t is str:
        b = utf8(v, MAX_VALUE_BYTES)
        return T_ANY_STR + varint(len(b)) + b
    if t is int:
        if _INT64_MIN <= v <= _INT64_MAX:
            return T_ANY_INT + varint(v & _U64)
        return field_bytes(T_ANY_STR, utf8(str(v), MAX_VALUE_BYTES))
    if t is float:
        return T_ANY_DOUBLE + _pack_double(v)
    if t is bool:
        return T_ANY_BOOL + (b"\x01" if v else b"\x00")
    return _any_value_slow(v, depth)


def _any_value_slow(v: Any, depth: int) -> bytes:
    if v is None:
        return _EMPTY_STRING_VALUE
    if isinstance(v, bool):
        return T_ANY_BOOL + (b"\x01" if v else b"\x00")
    if isinstance(v, int):
        return any_value(int(v), depth)
    if isinstance(v, float):
        return T_ANY_DOUBLE + _pack_double(float(v))
    if isinstance(v, str):
        return any_value(str(v), depth)
    if isinstance(v, (bytes, bytearray, memoryview)):
        return any_value(bytes(v).decode("utf-8", "replace"), depth)
    if isinstance(v, _dt.timedelta):
        # As the Go SDK's Duration: milliseconds, a double.
        return T_ANY_DOUBLE + _pack_double(v / _dt.timedelta(milliseconds=1))
    if isinstance(v, _dt.datetime):
        return any_value(rfc3339(v), depth)
    if isinstance(v, dict):
        if depth >= MAX_NESTING:
            return any_value("(nesting too deep)", depth)
        return field_bytes(T_ANY_KVLIST, kv_list(v, T_LIST_VALUES, depth + 1))
    if isinstance(v, (list, tuple)):
        parts = []
        for i, item in enumerate(v):
            if i >= MAX_LIST_ITEMS:
                break
            if isinstance(item, (dict, list, tuple)):
                item = safe_str(item)
            parts.append(field_bytes(T_LIST_VALUES, any_value(item, depth)))
        return field_bytes(T_ANY_ARRAY, b"".join(parts))
    return any_value(safe_str(v), depth)


def kv_list(attrs: Any, tag: bytes, depth: int) -> bytes:
    """Repeated KeyValue fields (tag) for a mapping, in its order; at most
    MAX_ATTRIBUTES entries are considered, and empty keys are skipped.

    The worker's hottest loop: scalar values are encoded inline (no call
    per value) and the encoded keys come from a cache."""
    out: List[bytes] = []
    append = out.append
    cache = _key_cache
    small = _SMALL
    items = attrs.items()
    if len(attrs) > MAX_ATTRIBUTES:
        items = itertools.islice(items, MAX_ATTRIBUTES)
    for k, v in items:
        kf = cache.get(k)
        if kf is None:
            kf = _key_field(k)
        if not kf:
            continue
        t = type(v)
        if t is str and len(v) < 128:
            try:
                b = v.encode()
            except UnicodeEncodeError:
                val = any_value(v, depth)
            else:
                val = T_ANY_STR + small[len(b)] + b if len(b) < 128 else T_ANY_STR + varint(len(b)) + b
        elif t is int and 0 <= v < 128:
            val = T_ANY_INT + small[v]
        elif t is float:
            val = T_ANY_DOUBLE + _pack_double(v)
        else:
            val = any_value(v, depth)
        n = len(val)
        kv = kf + (T_KV_VALUE + small[n] if n < 128 else T_KV_VALUE + varint(n)) + val
        n = len(kv)
        append(tag + small[n] if n < 128 else tag + varint(n))
        append(kv)
    return b"".join(out)


def rfc3339(t: _dt.datetime) -> str:
    """RFC 3339 with the fraction's trailing zeros dropped, as Go's
    time.RFC3339Nano (naive datetimes are taken as UTC)."""
    if t.tzinfo is None:
        t = t.replace(tzinfo=_dt.timezone.utc)
    s = t.strftime("%Y-%m-%dT%H:%M:%S")
    if t.microsecond:
        s += ("." + "%06d" % t.microsecond).rstrip("0")
    off = t.utcoffset()
    if not off:
        return s + "Z"
    mins = int(off.total_seconds()) // 60
    sign = "+" if mins >= 0 else "-"
    mins = abs(mins)
    return s + "%s%02d:%02d" % (sign, mins // 60, mins % 60)


def http_info(h: Any) -> bytes:
    """The content of HttpInfo from an aires.HTTP."""
    p = [
        field_str(T_HTTP[1], h.method, MAX_VALUE_BYTES),
        field_str(T_HTTP[2], h.route, MAX_VALUE_BYTES),
        field_str(T_HTTP[3], h.path, MAX_VALUE_BYTES),
        field_str(T_HTTP[4], h.url, MAX_VALUE_BYTES),
    ]
    sc = h.status_code
    if sc and 0 < sc <= 0xFFFFFFFF:
        p.append(T_HTTP[5] + varint(int(sc)))
    d = h.duration_ms
    if d and not math.isnan(d):
        p.append(T_HTTP[6] + _pack_double(float(d)))
    if h.request_size:
        p.append(T_HTTP[7] + varint(int(h.request_size) & _U64))
    if h.response_size:
        p.append(T_HTTP[8] + varint(int(h.response_size) & _U64))
    p.append(field_str(T_HTTP[9], h.user_agent, MAX_VALUE_BYTES))
    p.append(field_str(T_HTTP[10], h.client_address, MAX_VALUE_BYTES))
    return b"".join(p)


def error_info(typ: str, msg: str, stack: str) -> bytes:
    return (field_str(T_ERR_TYPE, typ, MAX_VALUE_BYTES)
            + field_str(T_ERR_MSG, msg, MAX_ERROR_BYTES)
            + field_str(T_ERR_STACK, stack, MAX_STACK_BYTES))


def resource(service: str, environment: str, release: str, host: str,
             attributes: Optional[Dict[str, Any]]) -> bytes:
    """The content of aires.v1.Resource (encoded once per client)."""
    b = (field_str(T_RES_SERVICE, service, MAX_VALUE_BYTES)
         + field_str(T_RES_ENV, environment, MAX_VALUE_BYTES)
         + field_str(T_RES_RELEASE, release, MAX_VALUE_BYTES)
         + field_str(T_RES_HOST, host, MAX_VALUE_BYTES))
    if attributes:
        b += kv_list(attributes, T_RES_ATTRS, 0)
    return b


Encoder = Callable[[Any], bytes]
