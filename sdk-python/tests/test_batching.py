"""Batching as the Go SDK's (DESIGN.md, Batching and the idle send): the
defaults, the idle send and the byte cap, against the in-process collector.

Timing checks are bounded from the safe side only: "sent long before
flush_interval" waits with a generous bound against a 30 s interval, and
"not sent yet" is checked where nothing but a flush can send it for 30 s."""

from __future__ import annotations

import threading
import time

import grpc
import pytest

import aires
from aires.v1 import aires_pb2 as pb

from .collector import Failure

# An interval the tests never reach: only the idle send or a flush sends.
LONG = 30.0


def framed_size(ev: pb.Event) -> int:
    """Bytes an event takes in an EventBatch: its tag, length and body."""
    return len(pb.EventBatch(events=[ev]).SerializeToString())


def test_defaults_are_the_go_sdks(collector, make_client):
    cfg = aires.Config()
    assert (cfg.batch_size, cfg.max_batch_bytes, cfg.flush_interval, cfg.idle_delay) == (2048, 1 << 20, 0.5, 0.005)
    c = make_client(endpoint=collector.endpoint, batch_size=0, max_batch_bytes=-1, flush_interval=0)
    assert (c.config.batch_size, c.config.max_batch_bytes, c.config.flush_interval) == (2048, 1 << 20, 0.5)


def test_a_lone_event_at_idle_is_sent_at_once(collector, make_client):
    c = make_client(endpoint=collector.endpoint, flush_interval=LONG)
    t0 = time.monotonic()
    c.warn("alone")
    evs = collector.wait_events(1, timeout=10)
    # Without flush() and 30 s before the tick: the idle send (5 ms here;
    # 10 s is only a bound for a loaded machine).
    assert [e.message for e in evs] == ["alone"]
    assert time.monotonic() - t0 < 10
    assert c.flush(10)
    assert c.stats() == aires.Stats(1, 1, 0, 0)


def test_after_a_send_the_next_event_waits_for_the_tick(collector, make_client):
    c = make_client(endpoint=collector.endpoint, flush_interval=LONG)
    c.info("first")  # at idle (nothing sent yet): sent at once
    assert [e.message for e in collector.wait_events(1, timeout=10)] == ["first"]
    # A send ended less than flush_interval ago: the application is not
    # idle, so this one waits for the tick (30 s away) or a flush.
    c.info("second")
    time.sleep(0.3)
    assert [e.message for e in collector.events()] == ["first"]
    assert c.flush(10)
    assert [e.message for e in collector.events()] == ["first", "second"]
    assert collector.calls == 2


def test_a_batch_in_flight_means_not_idle(collector, make_client):
    release = threading.Event()

    def slow(batch: pb.EventBatch) -> pb.IngestResponse:
        release.wait(10)
        return pb.IngestResponse(accepted=len(batch.events))

    collector.script = [slow]  # answers the first call once released
    c = make_client(endpoint=collector.endpoint, flush_interval=LONG)
    c.info("first")
    assert collector.wait_calls(1, timeout=10) == 1, "the idle send is in flight"
    c.info("second")  # while a request is in flight: not idle
    release.set()
    assert [e.message for e in collector.wait_events(1, timeout=10)] == ["first"]
    time.sleep(0.3)
    assert [e.message for e in collector.events()] == ["first"], "waits for the tick, not the idle send"
    assert c.flush(10)
    assert [e.message for e in collector.events()] == ["first", "second"]


def test_idle_again_after_a_whole_flush_interval_without_a_send(collector, make_client):
    interval = 1.0
    c = make_client(endpoint=collector.endpoint, flush_interval=interval)
    t0 = time.monotonic()
    c.info("first")
    collector.wait_events(1, timeout=10)
    # The worker arms the idle send (a call then wakes it) once a whole
    # interval passed since the send ended, which was after t0.
    deadline = time.monotonic() + 10
    while c._wake_len != 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert c._wake_len == 1, "idle again"
    assert time.monotonic() - t0 >= interval, "not before a whole interval without a send"
    c.info("second")
    assert [e.message for e in collector.wait_events(2, timeout=10)] == ["first", "second"]


@pytest.mark.parametrize("idle_delay", [-1.0, 2 * LONG])
def test_no_idle_send_when_negative_or_not_shorter_than_the_interval(collector, make_client, idle_delay):
    c = make_client(endpoint=collector.endpoint, flush_interval=LONG, idle_delay=idle_delay)
    c.info("waits")
    time.sleep(0.3)
    assert collector.events() == [], "at idle, but the idle send is off: waits for the tick or a flush"
    assert c.flush(10)
    assert [e.message for e in collector.events()] == ["waits"]


def test_max_batch_bytes_bounds_every_request(collector, make_client):
    cap = 4096
    # No idle send, no tick: the 40 events are one taken batch, split by bytes.
    c = make_client(endpoint=collector.endpoint, max_batch_bytes=cap, flush_interval=LONG, idle_delay=-1)
    msgs = ["m%02d " % i + "x" * 1000 for i in range(40)]
    for m in msgs:
        c.info(m, {"i": 1})
    assert c.flush(10)
    assert [e.message for e in collector.events()] == msgs, "all delivered, in order"
    assert c.stats() == aires.Stats(40, 40, 0, 0)
    sizes, batches = collector.sizes, collector.batches
    assert len(sizes) >= 40 * 1000 // cap + 1
    assert max(sizes) <= cap, sizes
    # Packed: each request ended because the next event would pass the cap.
    for size, nxt in zip(sizes, batches[1:]):
        assert size + framed_size(nxt.events[0]) > cap
    # Every request carries the resource.
    assert {b.resource.service for b in batches} == {"test-svc"}


def test_each_request_of_a_split_batch_is_counted_on_its_own(collector, make_client, sdk_warnings):
    cap = 4096
    # The first request: one event rejected by the collector; the second:
    # refused as a whole (permanent, not retried); the rest accepted.
    collector.script = [
        lambda batch: pb.IngestResponse(accepted=len(batch.events) - 1, rejected=1,
                                        rejections=[pb.Rejection(index=0, reason="scripted")]),
        Failure(grpc.StatusCode.INVALID_ARGUMENT, "bad batch"),
    ]
    c = make_client(endpoint=collector.endpoint, max_batch_bytes=cap, flush_interval=LONG, idle_delay=-1)
    for i in range(40):
        c.info("m%02d " % i + "x" * 1000)
    assert c.flush(10)
    stored = len(collector.events())
    lost = 40 - stored  # the refused request's events
    assert collector.calls == len(collector.batches) + 1 and lost > 0
    assert c.stats() == aires.Stats(40, stored - 1, 0, lost + 1)
    assert any("dropped a batch of %d events" % lost in m for m in sdk_warnings.messages), sdk_warnings.messages
    assert any("rejected 1 of %d events" % len(collector.batches[0].events) in m for m in sdk_warnings.messages)


def test_an_event_larger_than_max_batch_bytes_goes_alone(collector, make_client):
    cap = 4096
    c = make_client(endpoint=collector.endpoint, max_batch_bytes=cap, flush_interval=LONG, idle_delay=-1)
    big = "big " + "y" * 10000
    c.info("small 1")
    c.info(big)
    c.info("small 2")
    assert c.flush(10)
    # (Compared by prefix: a failure prints 10 KB less.)
    assert [[e.message[:7] for e in b.events] for b in collector.batches] == [["small 1"], ["big yyy"], ["small 2"]]
    assert collector.batches[1].events[0].message == big
    assert collector.sizes[1] > cap and collector.sizes[0] <= cap and collector.sizes[2] <= cap
    assert c.stats() == aires.Stats(3, 3, 0, 0)


def test_a_burst_larger_than_a_batch_at_idle_is_all_delivered(collector, make_client):
    # The idle send, full-batch wake-ups and the flush together: nothing is
    # lost or sent twice, in call order.
    c = make_client(endpoint=collector.endpoint, batch_size=100, flush_interval=LONG)
    for i in range(1050):
        c.info("e%d" % i)
    assert c.flush(30)
    assert [e.message for e in collector.events()] == ["e%d" % i for i in range(1050)]
    assert max(len(b.events) for b in collector.batches) <= 100
    assert c.stats() == aires.Stats(1050, 1050, 0, 0)
