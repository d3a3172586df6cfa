"""The client against a real in-process gRPC server."""

from __future__ import annotations

import threading

import grpc
import pytest

import aires
from aires import _transport
from aires.v1 import aires_pb2 as pb

from .collector import Collector, Failure, status_details

FAST = dict(initial_backoff=0.01, max_backoff=0.05)


def test_batches_of_batch_size(collector, make_client):
    # No idle send: it would send the first events as soon as they come,
    # in a batch of however many were queued by then.
    c = make_client(endpoint=collector.endpoint, batch_size=10, flush_interval=60, idle_delay=-1)
    for i in range(25):
        c.info("e%d" % i, {"i": i})
    # Two full batches go without waiting for the interval; the rest on flush.
    collector.wait_events(20)
    assert [len(b.events) for b in collector.batches] == [10, 10]
    assert c.flush(10)
    assert [len(b.events) for b in collector.batches] == [10, 10, 5]
    assert [e.message for e in collector.events()] == ["e%d" % i for i in range(25)], "in call order"
    assert c.stats() == aires.Stats(enqueued=25, sent=25, dropped=0, failed=0)


def test_flush_interval_sends_a_partial_batch(collector, make_client):
    # The tick, not the idle send (test_batching.py), delivers it.
    c = make_client(endpoint=collector.endpoint, flush_interval=0.05, idle_delay=-1)
    c.warn("alone")
    evs = collector.wait_events(1)
    assert [e.message for e in evs] == ["alone"]
    assert evs[0].severity == pb.SEVERITY_WARN


def test_resource_metadata_and_api_key(collector, make_client):
    c = make_client(endpoint=collector.endpoint, service="checkout", environment="prod", release="1.0",
                    resource_attributes={"k8s.pod.name": "p-1"}, api_key="s3cret", headers={"X-Tenant": "t1"})
    c.info("x")
    assert c.flush(10)
    r = collector.batches[0].resource
    assert (r.service, r.environment, r.release, r.host) == ("checkout", "prod", "1.0", "test-host")
    assert r.attributes[0].key == "k8s.pod.name"
    md = collector.metadata[0]
    assert md["authorization"] == "Bearer s3cret"
    assert md["x-tenant"] == "t1"


def test_each_call_takes_its_own_id_and_time(collector, make_client):
    c = make_client(endpoint=collector.endpoint)
    for _ in range(100):
        c.info("x")
    assert c.flush(10)
    evs = collector.events()
    assert len({e.id for e in evs}) == 100
    ts = [e.timestamp_unix_nano for e in evs]
    assert ts == sorted(ts)
    assert [e.id[:6] for e in evs] == sorted(e.id[:6] for e in evs)


def test_unavailable_is_retried_then_delivered(collector, make_client):
    collector.script = [Failure(grpc.StatusCode.UNAVAILABLE), Failure(grpc.StatusCode.UNAVAILABLE)]
    c = make_client(endpoint=collector.endpoint, **FAST)
    c.info("x")
    assert c.flush(30)
    assert collector.calls == 3
    assert len(collector.events()) == 1
    assert c.stats().sent == 1


def test_retry_info_delay_is_honoured_and_parsed():
    # The hand-written decoder reads what the protobuf runtime wrote.
    b = status_details(grpc.StatusCode.UNAVAILABLE, "busy", 1.25)
    assert _transport.retry_delay(b) == pytest.approx(1.25)
    assert _transport.retry_delay(status_details(grpc.StatusCode.UNAVAILABLE, "x", None)) is None
    assert _transport.retry_delay(b"\xff\xff") is None, "garbage: no delay, no exception"


def test_unavailable_with_retry_info_waits_the_server_delay(collector, make_client, monkeypatch):
    delays = []
    collector.script = [Failure(grpc.StatusCode.UNAVAILABLE, "overloaded", retry_delay=0.2)]
    orig_classify = _transport.classify

    def spy(err):
        r = orig_classify(err)
        delays.append(r)
        return r

    monkeypatch.setattr(_transport, "classify", spy)
    c = make_client(endpoint=collector.endpoint, initial_backoff=5.0, max_backoff=5.0)
    c.info("x")
    assert c.flush(30)
    assert delays == [(True, pytest.approx(0.2))]
    assert collector.calls == 2 and c.stats().sent == 1


def test_resource_exhausted_is_retried_only_with_retry_info(collector, make_client):
    collector.script = [Failure(grpc.StatusCode.RESOURCE_EXHAUSTED, retry_delay=0.01),
                        Failure(grpc.StatusCode.RESOURCE_EXHAUSTED)]
    c = make_client(endpoint=collector.endpoint, **FAST)
    c.info("a")
    assert c.flush(30)
    assert collector.calls == 2, "retried once (RetryInfo), then permanent (none)"
    assert c.stats() == aires.Stats(1, 0, 0, 1)


@pytest.mark.parametrize("code", [grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.UNAUTHENTICATED,
                                  grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.UNIMPLEMENTED])
def test_permanent_errors_are_not_retried(collector, make_client, sdk_warnings, code):
    collector.script = [Failure(code, retry_delay=0.01)]
    # No idle send (it could send "a" before "b" is logged): one request.
    c = make_client(endpoint=collector.endpoint, idle_delay=-1, **FAST)
    c.info("a")
    c.info("b")
    assert c.flush(30)
    assert collector.calls == 1
    assert c.stats() == aires.Stats(2, 0, 0, 2)
    assert len(sdk_warnings.messages) == 1


def test_refused_credentials_warn_once(collector, make_client, sdk_warnings):
    collector.script = [Failure(grpc.StatusCode.UNAUTHENTICATED)] * 3
    c = make_client(endpoint=collector.endpoint)
    for _ in range(3):
        c.info("a")
        assert c.flush(30)
    assert collector.calls == 3
    assert len(sdk_warnings.messages) == 1
    assert "api_key is empty" in sdk_warnings.messages[0]


def test_retries_give_up_after_max_retries(collector, make_client, sdk_warnings):
    collector.script = [Failure(grpc.StatusCode.UNAVAILABLE)] * 10
    c = make_client(endpoint=collector.endpoint, max_retries=3, **FAST)
    c.info("a")
    assert c.flush(30)
    assert collector.calls == 4, "1 + 3 retries"
    assert c.stats().failed == 1
    assert "after 4 attempt(s)" in sdk_warnings.messages[0]


def test_per_event_rejections_count_failed_and_are_not_retried(collector, make_client, sdk_warnings):
    collector.script = [lambda batch: pb.IngestResponse(
        accepted=2, rejected=1, rejections=[pb.Rejection(index=1, reason="timestamp out of range")])]
    # No idle send (it could send "a" before the others are logged): one request.
    c = make_client(endpoint=collector.endpoint, idle_delay=-1)
    for m in "abc":
        c.info(m)
    assert c.flush(30)
    assert collector.calls == 1
    assert c.stats() == aires.Stats(3, 2, 0, 1)
    assert "timestamp out of range" in sdk_warnings.messages[0]


def test_queue_overflow_drops_and_counts_without_blocking(collector, make_client):
    hold = threading.Event()
    collector.hold = hold  # the collector answers nothing until released
    c = make_client(endpoint=collector.endpoint, queue_size=100, batch_size=10, flush_interval=60)
    for i in range(10):
        c.info("first")  # a full batch: the worker sends it and waits
    for i in range(1000):
        c.info("x%d" % i)
    st = c.stats()
    assert st.dropped >= 1000 - 100
    assert st.enqueued + st.dropped == 1010
    hold.set()
    assert c.flush(30)
    st = c.stats()
    assert st.sent == st.enqueued and st.failed == 0
    assert st.sent + st.dropped == 1010


def test_shutdown_flushes_and_later_calls_are_dropped(collector, make_client):
    c = make_client(endpoint=collector.endpoint, flush_interval=60)
    for i in range(300):
        c.info("e", {"i": i})
    assert c.shutdown(10)
    assert len(collector.events()) == 300
    c.info("late")
    assert c.stats() == aires.Stats(300, 300, 1, 0)
    assert c.shutdown(1), "idempotent"
    assert not c.flush(1)


def test_shutdown_returns_by_its_deadline_when_the_collector_hangs(collector, make_client):
    collector.hold = threading.Event()  # never answers
    c = make_client(endpoint=collector.endpoint, request_timeout=60)
    for _ in range(5):
        c.info("stuck")
    assert c.shutdown(0.5) is False
    c._thread.join(30)  # the cancelled worker ends (a hang guard, not a timing check)
    st = c.stats()
    assert st.failed == 5 and st.sent == 0
    assert c.shutdown(1) is False, "asked again, it still says the deadline was missed"
    assert c.flush(None) is False, "no wait on a finished worker"
    collector.hold.set()


def test_shutdown_with_the_collector_down_counts_failed(make_client):
    from .collector import free_port
    c = make_client(endpoint="127.0.0.1:%d" % free_port(), **FAST)
    for _ in range(3):
        c.info("nobody listens")
    assert c.shutdown(30)
    assert c.stats() == aires.Stats(3, 0, 0, 3)


def test_gzip_on_and_off(collector, make_client):
    for compression in (True, False):
        c = make_client(endpoint=collector.endpoint, compression=compression)
        c.info("zipped" if compression else "plain")
        assert c.flush(10)
    assert sorted(e.message for e in collector.events()) == ["plain", "zipped"]


def test_module_level_api_and_quick_start(collector):
    aires.init(service="checkout", environment="prod", endpoint=collector.endpoint)
    try:
        aires.info("order placed", {"order.id": "A-17", "items": 3})
        aires.error("boom", user_id="u-1")
        assert aires.flush(10)
        assert aires.stats().sent == 2
    finally:
        assert aires.shutdown()
        aires.set_client(None)
    ev = collector.events()[0]
    items = [kv for kv in ev.attributes if kv.key == "items"][0]
    assert items.value.WhichOneof("value") == "int_value" and items.value.int_value == 3
    assert collector.batches[0].resource.service == "checkout"
    assert collector.events()[1].user_id == "u-1"


def test_calls_never_raise(make_client, sdk_warnings):
    from .collector import free_port
    c = make_client(endpoint="127.0.0.1:%d" % free_port())

    class Evil(dict):
        def items(self):
            raise RuntimeError("no")

    c.info("m", Evil(a=1))
    c.info("m", ["not", "a", "mapping"])  # type: ignore[arg-type]
    c.info("m", no_such_option=1)  # type: ignore[call-arg]
    c.log(99, "bad severity")  # type: ignore[arg-type]
    assert "no_such_option" in sdk_warnings.messages[0]
    st = c.stats()
    assert st.enqueued + st.dropped == 4, "every call is accounted for"
    assert st.dropped >= 1, "the list cannot be copied as a mapping: dropped and counted"


def test_invalid_settings_raise_at_construction():
    with pytest.raises(TypeError, match="unknown setting"):
        aires.Client(endpont="x")
    with pytest.raises(ValueError, match="tls_ca_file"):
        aires.Client(tls_ca_file="/nonexistent/ca.pem")
    with pytest.raises(ValueError, match="together"):
        aires.Client(tls_cert_file="/x.pem")


def test_fatal_flushes(collector, make_client):
    c = make_client(endpoint=collector.endpoint, flush_interval=60)
    c.fatal("dying")
    assert [e.severity for e in collector.events()] == [pb.SEVERITY_FATAL]


def test_concurrent_callers_lose_nothing(collector, make_client):
    c = make_client(endpoint=collector.endpoint, queue_size=100000)

    def work(n):
        for i in range(2000):
            c.info("t", {"n": n, "i": i})

    ts = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert c.flush(60)
    assert c.stats() == aires.Stats(8000, 8000, 0, 0)
    assert len(collector.events()) == 8000


def test_a_second_collector_instance_is_reachable():
    # The helper itself: a collector restarted on the same port keeps it.
    col = Collector()
    port = col.port
    col.stop()
    col.start()
    assert col.port == port
    col.stop()


def test_an_unusable_event_does_not_sink_its_batch(collector, make_client, sdk_warnings):
    c = make_client(endpoint=collector.endpoint)
    c.info("good 1")
    c.info("bad", http=aires.HTTP(method="GET", status_code="two hundred"))  # type: ignore[arg-type]
    c.info("good 2")
    assert c.flush(10)
    assert [e.message for e in collector.events()] == ["good 1", "good 2"]
    assert c.stats() == aires.Stats(3, 2, 0, 1)
    assert "could not be encoded" in sdk_warnings.messages[0]
