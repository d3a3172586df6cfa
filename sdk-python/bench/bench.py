"""Benchmarks of the Python SDK (run by `make bench-python`):

1. call cost: CPU time on the calling thread of one info() with three
   attributes, next to the standard logging module (a handler that formats
   each record, and a handler that drops it) and structlog (JSON to a null
   stream) when importable, in the same run;
2. throughput: events/s the SDK delivers (acknowledged by the collector)
   to a local aires-collector whose pipeline ends in the debug exporter
   (AIRES_COLLECTOR, or build/aires-collector/aires-collector), or, without
   one, to an in-process Python collector (then said so in the output).

    python3 bench/bench.py [--quick] [--json FILE]
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "src"))

import aires  # noqa: E402

ATTRS = {"order.id": "A-17", "items": 3, "amount": 12.5}


def per_call(fn, n: int, rounds: int = 5) -> float:
    """Best of rounds: nanoseconds of CPU on this thread per call."""
    best = float("inf")
    for _ in range(rounds):
        t0 = time.thread_time_ns()
        for _ in range(n):
            fn()
        best = min(best, (time.thread_time_ns() - t0) / n)
    return best


class FormattingHandler(logging.Handler):
    """What a logging handler does before I/O: format the record (time,
    level, logger, message and the extra fields) into a line."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s "
                                            "order.id=%(order.id)s items=%(items)s amount=%(amount)s"))
        self.last = ""

    def emit(self, record: logging.LogRecord) -> None:
        self.last = self.format(record)


class DroppingHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def aires_per_call(c: aires.Client, call, n: int, rounds: int = 5) -> float:
    """Like per_call, in chunks of one batch with the worker draining the
    queue between chunks (untimed): the steady state of an application,
    whose queue stays short and whose memory is reused."""
    best = float("inf")
    chunk = c.config.batch_size
    for _ in range(rounds):
        spent = 0
        for _ in range(n // chunk):
            t0 = time.thread_time_ns()
            for _ in range(chunk):
                call()
            spent += time.thread_time_ns() - t0
            c.flush(60)
        best = min(best, spent / (n // chunk * chunk))
    return best


def call_costs(n: int, endpoint: str) -> dict:
    out: dict = {}
    c = aires.Client(endpoint=endpoint, service="bench")
    out["aires_info_3_attrs_ns"] = aires_per_call(c, lambda: c.info("order placed", ATTRS), n)
    out["aires_info_no_attrs_ns"] = aires_per_call(c, lambda: c.info("order placed"), n)
    out["aires_info_with_options_ns"] = aires_per_call(
        c, lambda: c.info("order placed", ATTRS, user_id="u-1", tags=["web"]), n)
    c.shutdown(10)
    st = c.stats()
    if st.dropped or st.failed:
        raise SystemExit("call-cost run lost events: %s" % (st,))

    for name, handler in (("logging_format_ns", FormattingHandler()), ("logging_drop_ns", DroppingHandler())):
        log = logging.getLogger("bench." + name)
        log.propagate = False
        log.handlers = [handler]
        log.setLevel(logging.INFO)
        out[name] = per_call(lambda: log.info("order placed", extra=ATTRS), n)
    try:
        import structlog
    except ImportError:
        out["structlog_ns"] = None
    else:
        structlog.configure(
            processors=[structlog.processors.add_log_level, structlog.processors.TimeStamper(fmt="iso"),
                        structlog.processors.JSONRenderer()],
            logger_factory=structlog.PrintLoggerFactory(file=io.StringIO()),
            cache_logger_on_first_use=True)
        slog = structlog.get_logger()
        sink = slog.bind()
        out["structlog_ns"] = per_call(lambda: sink.info("order placed", **{"order_id": "A-17", "items": 3,
                                                                               "amount": 12.5}), n // 4)
    out["ratio_aires_to_logging_format"] = out["aires_info_3_attrs_ns"] / out["logging_format_ns"]
    out["ratio_aires_to_logging_drop"] = out["aires_info_3_attrs_ns"] / out["logging_drop_ns"]
    if out["structlog_ns"]:
        out["ratio_aires_to_structlog"] = out["aires_info_3_attrs_ns"] / out["structlog_ns"]
    return out


COLLECTOR_CONFIG = """
receivers:
  aires:
    protocols:
      grpc:
        endpoint: 127.0.0.1:%d
exporters:
  debug:
    verbosity: basic
service:
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
  pipelines:
    logs:
      receivers: [aires]
      exporters: [debug]
"""


def start_collector():
    """(endpoint, what, stop) of a local collector."""
    binary = os.environ.get("AIRES_COLLECTOR") or os.path.join(HERE, "..", "..", "build", "aires-collector",
                                                              "aires-collector")
    port = free_port()
    if os.path.exists(binary):
        d = tempfile.mkdtemp(prefix="aires-bench-")
        cfg = os.path.join(d, "config.yaml")
        with open(cfg, "w") as f:
            f.write(COLLECTOR_CONFIG % port)
        p = subprocess.Popen([binary, "--config", cfg], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(300):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)

        def stop() -> None:
            p.terminate()
            p.wait(30)
            shutil.rmtree(d, ignore_errors=True)
        return "127.0.0.1:%d" % port, "aires-collector (aires -> debug exporter)", stop
    sys.path.insert(0, os.path.join(HERE, ".."))
    from tests.collector import Collector
    col = Collector(port)
    return col.endpoint, "in-process Python collector (no aires-collector binary found)", col.stop


def throughput(seconds: float, endpoint: str, what: str, compression: bool = True, batch_size: int = 0) -> dict:
    if True:
        c = aires.Client(endpoint=endpoint, service="bench", compression=compression, batch_size=batch_size)
        qmax = c.config.queue_size
        # Warm up the connection.
        c.info("warm-up")
        c.flush(30)
        base = c.stats()
        t0 = time.perf_counter()
        cpu0 = time.process_time()
        end = t0 + seconds
        i = 0
        while time.perf_counter() < end:
            for _ in range(256):
                c.info("order placed", ATTRS)
            i += 256
            # Stay under the queue bound: this measures what the worker
            # delivers, not what it drops.
            st = c.stats()
            while st.enqueued - st.sent - st.failed > qmax // 2:
                time.sleep(0.0005)
                st = c.stats()
        c.flush(120)
        elapsed = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        st = c.stats()
        c.shutdown(10)
        sent = st.sent - base.sent
        return {"collector": what, "events": i, "sent": sent, "dropped": st.dropped - base.dropped,
                "failed": st.failed - base.failed, "seconds": elapsed, "events_per_s": sent / elapsed,
                "process_cpu_us_per_event": cpu / max(sent, 1) * 1e6}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json", default="")
    ap.add_argument("--batch-size", type=int, default=0, help="the client's batch_size (0: its default)")
    a = ap.parse_args()
    n = 20000 if a.quick else 100000
    import google.protobuf
    import grpc
    endpoint, what, stop = start_collector()
    try:
        res = {"python": sys.version.split()[0], "grpcio": grpc.__version__,
               "protobuf": google.protobuf.__version__, "calls": call_costs(n, endpoint),
               "batch_size": a.batch_size or aires.Config().batch_size,
               "throughput": throughput(3 if a.quick else 10, endpoint, what, batch_size=a.batch_size),
               "throughput_no_gzip": throughput(3 if a.quick else 10, endpoint, what, compression=False,
                                                batch_size=a.batch_size)}
    finally:
        stop()
    c, t = res["calls"], res["throughput"]
    print("Python %s, grpcio %s, protobuf %s" % (res["python"], res["grpcio"], res["protobuf"]))
    print("cost on the calling thread (CPU ns per call, best of 5 x %d; aires: a live worker, sends to %s):"
          % (n, what))
    for k in ("aires_info_3_attrs_ns", "aires_info_no_attrs_ns", "aires_info_with_options_ns", "logging_format_ns",
              "logging_drop_ns", "structlog_ns"):
        if c.get(k):
            print("  %-28s %8.0f" % (k[:-3], c[k]))
    print("  aires / logging (formatting handler) = %.2fx  (target <= 1.0x)" % c["ratio_aires_to_logging_format"])
    print("  aires / logging (dropping handler)   = %.2fx" % c["ratio_aires_to_logging_drop"])
    if c.get("ratio_aires_to_structlog"):
        print("  aires / structlog (JSON)             = %.2fx" % c["ratio_aires_to_structlog"])
    print("throughput to %s: %.0f events/s delivered (%d sent, %d dropped, %d failed in %.1f s), "
          "%.1f us process CPU per event  (target >= 100K events/s)"
          % (t["collector"], t["events_per_s"], t["sent"], t["dropped"], t["failed"], t["seconds"],
             t["process_cpu_us_per_event"]))
    u = res["throughput_no_gzip"]
    print("  the same without gzip: %.0f events/s, %.1f us process CPU per event"
          % (u["events_per_s"], u["process_cpu_us_per_event"]))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=2)


if __name__ == "__main__":
    main()
