"""The hand-written encoder, decoded with the generated code."""

from __future__ import annotations

import datetime as dt
import os
import re
import uuid

import pytest

import aires
from aires import _event, _wire
from aires.v1 import aires_pb2 as pb


def encode(message: str = "m", attrs=None, **options) -> pb.Event:
    x, ts, unknown = _event.build_extra(options, 1_700_000_000_123_456_789, 0) if options else (None, 1_700_000_000_123_456_789, [])
    assert not unknown
    b = _event.encode_event((ts, 3, message, attrs, x), _event.uuid7(ts, os.urandom(8)))
    return pb.Event.FromString(b)


def test_every_field():
    ev = encode(
        "paiement refusé 💳",
        {"card.brand": "visa", "attempt": 3, "amount": 12.75, "retryable": False, "items": ["a", "b"],
         "customer": {"tier": "gold", "since": 2019}, "none": None, "big": 1 << 70},
        trace_id="4bf92f3577b34da6a3ce929d0e0e4736", span_id="00f067aa0ba902b7", session_id="sess",
        user_id="user", tags=["payments", "eu", ""], service="other", environment="prod", release="1.2",
        http=aires.HTTP(method="POST", route="/pay/{id}", path="/pay/7", url="https://pay.example/pay/7",
                        status_code=402, duration_ms=1.5, request_size=64, response_size=128,
                        user_agent="ua/1", client_address="192.0.2.1"),
        error=aires.ErrorInfo("PaymentError", "card declined", "pay.py:42"),
    )
    assert ev.timestamp_unix_nano == 1_700_000_000_123_456_789
    assert ev.severity == pb.SEVERITY_INFO
    assert ev.message == "paiement refusé 💳"
    assert ev.trace_id.hex() == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert ev.span_id.hex() == "00f067aa0ba902b7"
    assert (ev.session_id, ev.user_id) == ("sess", "user")
    assert (ev.service, ev.environment, ev.release) == ("other", "prod", "1.2")
    assert list(ev.tags) == ["payments", "eu", ""]
    a = {kv.key: kv.value for kv in ev.attributes}
    assert [kv.key for kv in ev.attributes] == ["card.brand", "attempt", "amount", "retryable", "items",
                                                "customer", "none", "big"]
    assert a["card.brand"].string_value == "visa"
    assert a["attempt"].WhichOneof("value") == "int_value" and a["attempt"].int_value == 3
    assert a["amount"].double_value == 12.75
    assert a["retryable"].WhichOneof("value") == "bool_value" and a["retryable"].bool_value is False
    assert [v.string_value for v in a["items"].array_value.values] == ["a", "b"]
    cust = a["customer"].kvlist_value.values
    assert [(kv.key, kv.value.WhichOneof("value")) for kv in cust] == [("tier", "string_value"), ("since", "int_value")]
    assert a["none"].WhichOneof("value") == "string_value" and a["none"].string_value == ""
    assert a["big"].string_value == str(1 << 70), "beyond int64: its decimal string, as the Go SDK's Uint64"
    h = ev.http
    assert (h.method, h.route, h.path, h.url, h.status_code, h.duration_ms, h.request_size, h.response_size,
            h.user_agent, h.client_address) == ("POST", "/pay/{id}", "/pay/7", "https://pay.example/pay/7", 402,
                                                1.5, 64, 128, "ua/1", "192.0.2.1")
    assert (ev.error.type, ev.error.message, ev.error.stack) == ("PaymentError", "card declined", "pay.py:42")


@pytest.mark.parametrize("value,kind,expect", [
    (-3, "int_value", -3),
    ((1 << 63) - 1, "int_value", (1 << 63) - 1),
    (-(1 << 63), "int_value", -(1 << 63)),
    (1 << 63, "string_value", str(1 << 63)),
    (0.0, "double_value", 0.0),
    (True, "bool_value", True),
    (b"caf\xc3\xa9", "string_value", "café"),
    (b"\xff", "string_value", "\ufffd"),
    (dt.timedelta(milliseconds=1500), "double_value", 1500.0),
    (dt.datetime(2026, 1, 2, 3, 4, 5, 120000, tzinfo=dt.timezone.utc), "string_value", "2026-01-02T03:04:05.12Z"),
    (object.__new__(type("Thing", (), {"__str__": lambda self: "thing"})), "string_value", "thing"),
])
def test_attribute_types(value, kind, expect):
    kv = encode(attrs={"k": value}).attributes[0]
    assert kv.value.WhichOneof("value") == kind
    assert getattr(kv.value, kind) == expect


def test_broken_str_does_not_lose_the_event():
    class Broken:
        def __str__(self):
            raise RuntimeError("boom")

    kv = encode(attrs={"k": Broken()}).attributes[0]
    assert kv.value.string_value == "(error in __str__: RuntimeError)"


def test_limits_and_truncation():
    big = "é" * 40000  # 2 bytes each
    ev = encode(big, {("k" * 300): "v" * 9000, "e": "€" * 3000, **{"a%d" % i: i for i in range(200)}},
                tags=["t"] * 100, session_id="s" * 9000,
                error=aires.ErrorInfo("T", "m" * 9000, "s" * 20000))
    assert len(ev.message.encode()) == aires.MAX_MESSAGE_BYTES
    assert ev.message == "é" * (aires.MAX_MESSAGE_BYTES // 2), "cut on a character boundary"
    assert len(ev.attributes) == aires.MAX_ATTRIBUTES
    first = ev.attributes[0]
    assert first.key == "k" * aires.MAX_KEY_BYTES
    assert first.value.string_value == "v" * aires.MAX_VALUE_BYTES
    euro = ev.attributes[1].value.string_value
    assert euro == "€" * (aires.MAX_VALUE_BYTES // 3), "3-byte characters: 2730 fit in 8 KiB"
    assert len(ev.tags) == aires.MAX_TAGS
    assert len(ev.session_id) == aires.MAX_VALUE_BYTES
    assert len(ev.error.message) == aires.MAX_ERROR_BYTES
    assert len(ev.error.stack) == aires.MAX_STACK_BYTES


def test_list_and_nesting_limits():
    deep: dict = {}
    d = deep
    for _ in range(12):
        d["n"] = {}
        d = d["n"]
    ev = encode(attrs={"l": list(range(1000)), "deep": deep})
    assert len(ev.attributes[0].value.array_value.values) == aires.MAX_LIST_ITEMS
    v = ev.attributes[1].value
    depth = 0
    while v.WhichOneof("value") == "kvlist_value":
        v = v.kvlist_value.values[0].value
        depth += 1
    assert depth == aires.MAX_NESTING
    assert v.string_value == "(nesting too deep)"


def test_lone_surrogates_are_replaced():
    ev = encode("a\ud800\udc00b\udfffc", {"k\ud800": "v\udc00"})
    assert ev.message == "a\ufffdb\ufffdc", "one U+FFFD per run, as Go's strings.ToValidUTF8"
    assert ev.attributes[0].key == "k\ufffd"
    assert ev.attributes[0].value.string_value == "v\ufffd"


def test_empty_keys_are_skipped_and_non_str_keys_converted():
    ev = encode(attrs={"": 1, 7: "seven"})
    assert [(kv.key, kv.value.string_value) for kv in ev.attributes] == [("7", "seven")]


@pytest.mark.parametrize("tid,sid", [("xyz", "00f067aa0ba902"), ("00" * 16, "00" * 8), (b"\x01" * 15, 0), ("zz" * 16, b"\x01" * 9)])
def test_malformed_ids_are_ignored(tid, sid):
    ev = encode(trace_id=tid, span_id=sid)
    assert ev.trace_id == b"" and ev.span_id == b""


def test_ids_from_bytes_and_ints():
    ev = encode(trace_id=b"\xaa" * 16, span_id=0xBB01020304050607)
    assert ev.trace_id == b"\xaa" * 16
    assert ev.span_id.hex() == "bb01020304050607"


def test_timestamp_options():
    t = dt.datetime(2026, 11, 30, 12, 0, 0, 250001, tzinfo=dt.timezone.utc)
    assert encode(timestamp=t).timestamp_unix_nano == 1_796_040_000_250_001_000
    assert encode(timestamp_ns=42).timestamp_unix_nano == 42


def test_exception_with_traceback():
    try:
        raise ValueError("bad value")
    except ValueError as e:
        ev = encode(error=e)
    assert ev.error.type == "ValueError"
    assert ev.error.message == "bad value"
    assert ev.error.stack.startswith("Traceback (most recent call last):")
    assert "test_exception_with_traceback" in ev.error.stack
    assert ev.error.stack.rstrip().endswith("ValueError: bad value")


class PaymentError(Exception):
    pass


def test_exception_without_traceback_gets_the_call_stack():
    def log_it():
        x, ts, _ = _event.build_extra({"error": PaymentError("declined")}, 1, -1)
        return pb.Event.FromString(_event.encode_event((ts, 5, "m", None, x), _event.uuid7(ts, os.urandom(8))))

    ev = log_it()
    assert ev.error.type == "tests.test_wire.PaymentError"
    assert ev.error.message == "declined"
    assert "log_it" in ev.error.stack and "test_wire.py" in ev.error.stack


def test_uuid7_layout_and_order():
    rnd = os.urandom(8 * 200)
    ids = [uuid.UUID(bytes=_event.uuid7(1_700_000_000_000_000_000 + i * 1000, rnd, 8 * i)) for i in range(1, 200)]
    for u in ids:
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", str(u))
        assert u.version == 7
    assert int.from_bytes(ids[0].bytes[:6], "big") == 1_700_000_000_000
    # 1 us after the millisecond: 4096 * 1000 / 1e6 = 4 in the 12-bit fraction.
    assert ids[0].bytes[6:8] == bytes((0x70, 0x04))
    assert [u.bytes[:8] for u in ids] == sorted(u.bytes[:8] for u in ids), "time-ordered"
    assert len(set(ids)) == len(ids)


def test_resource():
    r = pb.Resource.FromString(_wire.resource("svc", "env", "rel", "host", {"k8s.pod.name": "p-1"}))
    assert (r.service, r.environment, r.release, r.host) == ("svc", "env", "rel", "host")
    assert [(kv.key, kv.value.string_value) for kv in r.attributes] == [("k8s.pod.name", "p-1")]


def test_rfc3339_offsets():
    tz = dt.timezone(dt.timedelta(hours=-5, minutes=-30))
    assert _wire.rfc3339(dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=tz)) == "2026-01-02T03:04:05-05:30"


def test_empty_message_is_omitted_as_proto3_does():
    x, ts, _ = _event.build_extra({}, 5, 0)
    b = _event.encode_event((ts, 3, "", None, None), bytes(16))
    assert b"\x22" not in b[27:], "no message field after id, timestamp and severity"
    assert pb.Event.FromString(b).message == ""
