"""The client: a bounded queue filled by logging calls, drained by one
background thread that batches, encodes, sends and retries.

Contracts (the Go SDK's, sdk/DESIGN.md):
- a logging call never blocks and never raises: it reads the clock, copies
  the attributes, appends to a deque; when the queue is full the event is
  dropped and counted;
- one worker thread per client sends a batch when it holds `batch_size`
  events or at its `flush_interval` tick; when the application is idle
  (nothing sent for a whole `flush_interval`, or ever, and no send under
  way) the first event queued goes out `idle_delay` after the call instead,
  with whatever came meanwhile; a request body never exceeds
  `max_batch_bytes`, except one event larger than that, sent alone;
- flush() waits for everything queued before it; shutdown() closes the
  door, delivers what is queued, and returns by its timeout even when the
  collector is down (the rest is counted failed).
"""

from __future__ import annotations

import collections
import dataclasses
import logging
import os
import socket

import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Deque, Dict, List, Mapping, NamedTuple, Optional, Tuple

import grpc

from . import _event, _otel, _transport, _wire

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._options import EventOptions

_log = logging.getLogger("aires")
_time_ns = time.time_ns


@dataclass
class Config:
    """Client settings; the defaults are the Go SDK's (sdk/config.go). The
    worker sends one request at a time: the Go SDK's MaxConcurrentRequests
    at its default of 1.

    Batching (DESIGN.md, Batching and the idle send): a batch goes out at
    batch_size events (2048), at the worker's flush_interval tick (0.5 s),
    or, when the application is idle (the worker is not sending and nothing
    was sent for a whole flush_interval, or ever), idle_delay (5 ms) after
    the first event queued, together with whatever came meanwhile (a
    negative idle_delay, or one not shorter than flush_interval, turns the
    idle send off; 0 sends at once). A batch larger than max_batch_bytes
    (1 MiB, encoded and uncompressed; the receiver refuses requests over
    its max_recv_msg_size_mib, 4 MiB by default) goes as several requests,
    in order, none over it except one holding a single larger event."""

    service: str = ""
    environment: str = ""
    release: str = ""
    host: str = ""  # default: socket.gethostname()
    resource_attributes: Dict[str, Any] = field(default_factory=dict)
    endpoint: str = "localhost:4320"
    # TLS: tls=True with the system roots, or any of the PEM files below.
    tls: bool = False
    tls_ca_file: str = ""
    tls_cert_file: str = ""
    tls_key_file: str = ""
    # Sent as "authorization: Bearer <api_key>" (the collector's bearertokenauth).
    api_key: str = ""
    headers: Dict[str, str] = field(default_factory=dict)
    queue_size: int = 8192
    batch_size: int = 2048
    max_batch_bytes: int = 1 << 20
    flush_interval: float = 0.5  # seconds
    idle_delay: float = 0.005  # seconds; negative: no idle send
    max_retries: int = 3
    initial_backoff: float = 0.1
    max_backoff: float = 5.0
    max_retry_delay: float = 30.0  # cap on the server's RetryInfo delay
    request_timeout: float = 10.0
    compression: bool = True  # gzip
    fatal_flush_timeout: float = 2.0
    shutdown_timeout: float = 5.0  # used by the atexit hook
    # Take trace_id/span_id from the active OpenTelemetry span when
    # opentelemetry-api is importable and the call gives none.
    otel: bool = True
    # The SDK's own warnings; default: logger "aires" (do not attach an
    # aires.Handler to it: warnings about a failing pipeline would feed it).
    logger: Optional[logging.Logger] = None
    channel_options: List[Tuple[str, Any]] = field(default_factory=list)


class Stats(NamedTuple):
    """Counters since the client started. Every event ends in exactly one of
    dropped, sent or failed; enqueued - sent - failed are queued or in flight."""

    enqueued: int
    sent: int
    dropped: int
    failed: int


class Client:
    """Sends events to an Aires collector. Methods are thread-safe, never
    block on the network and never raise (except the constructor, for an
    unusable configuration)."""

    def __init__(self, config: Optional[Config] = None, **settings: Any) -> None:
        # A copy: the caller's Config is neither changed nor shared.
        cfg = dataclasses.replace(config) if config is not None else Config()
        for k, v in settings.items():
            if not hasattr(cfg, k) or k.startswith("_"):
                raise TypeError("aires: unknown setting %r (see aires.Config)" % k)
            setattr(cfg, k, v)
        if not cfg.host:
            cfg.host = socket.gethostname()
        if cfg.queue_size <= 0:
            cfg.queue_size = 8192
        if cfg.batch_size <= 0:
            cfg.batch_size = 2048
        if cfg.max_batch_bytes <= 0:
            cfg.max_batch_bytes = 1 << 20
        if cfg.flush_interval <= 0:
            cfg.flush_interval = 0.5
        if cfg.max_retries < 0:
            cfg.max_retries = 0
        self.config = cfg
        self._logger = cfg.logger or _log
        md = [(k.lower(), v) for k, v in cfg.headers.items()]
        if cfg.api_key:
            md = [(k, v) for k, v in md if k != "authorization"] + [("authorization", "Bearer " + cfg.api_key)]
        creds = _transport.credentials(cfg.tls, cfg.tls_ca_file, cfg.tls_cert_file, cfg.tls_key_file)
        self._md = md
        self._creds = creds
        self._transport = self._new_transport()
        res = _wire.resource(cfg.service, cfg.environment, cfg.release, cfg.host, cfg.resource_attributes)
        self._resource = _wire.T_BATCH_RESOURCE + _wire.varint(len(res)) + res

        self._queue: Deque[Tuple[Any, ...]] = collections.deque()
        self._qmax = cfg.queue_size
        self._batch = cfg.batch_size
        self._max_bytes = cfg.max_batch_bytes
        self._wake = threading.Event()
        # The queue length at which a logging call wakes the worker:
        # batch_size, or 1 while the worker is idle (the idle send, see
        # _run). Set by the worker only; the call's one check reads it
        # without a lock.
        self._wake_len = cfg.batch_size
        # time.monotonic() when the worker's last request ended (None: no
        # request yet): the idle rule's clock.
        self._last_send: Optional[float] = None
        self._flushes: List[threading.Event] = []
        self._closed = False
        self._stopping = False
        self._deadline_passed = False
        self._finished = False  # set by the worker as it exits
        # Guards the worker's take-and-count and the caller-side counters of
        # the rare paths; the hot path only appends to the deque.
        self._lock = threading.Lock()
        self._taken = 0
        self._sent = 0
        self._dropped = 0
        self._failed = 0
        self._refused_warned = False
        self._unknown_warned = False
        self._otel = _otel.current_ids if cfg.otel and _otel.available() else None
        self._thread = self._start_worker()
        if hasattr(os, "register_at_fork"):
            # A weak reference: the hook must not keep a dropped client alive.
            ref = weakref.ref(self)
            os.register_at_fork(after_in_child=lambda: _call_after_fork(ref))

    # ---- logging calls (caller's thread) ----

    def log(self, severity: int, message: str, attrs: Optional[Mapping[str, Any]] = None,
            /, **options: Unpack[EventOptions]) -> None:
        """Logs message at severity (an aires.Severity)."""
        self._emit(_event.severity_of(severity), message, attrs, options)

    def trace(self, message: str, attrs: Optional[Mapping[str, Any]] = None,
              /, **options: Unpack[EventOptions]) -> None:
        self._emit(1, message, attrs, options)

    def debug(self, message: str, attrs: Optional[Mapping[str, Any]] = None,
              /, **options: Unpack[EventOptions]) -> None:
        self._emit(2, message, attrs, options)

    def info(self, message: str, attrs: Optional[Mapping[str, Any]] = None,
             /, **options: Unpack[EventOptions]) -> None:
        self._emit(3, message, attrs, options)

    def warn(self, message: str, attrs: Optional[Mapping[str, Any]] = None,
             /, **options: Unpack[EventOptions]) -> None:
        self._emit(4, message, attrs, options)

    warning = warn

    def error(self, message: str, attrs: Optional[Mapping[str, Any]] = None,
              /, **options: Unpack[EventOptions]) -> None:
        self._emit(5, message, attrs, options)

    def fatal(self, message: str, attrs: Optional[Mapping[str, Any]] = None,
              /, **options: Unpack[EventOptions]) -> None:
        """Logs at fatal severity, then flushes for at most
        fatal_flush_timeout. It does not exit the process."""
        self._emit(6, message, attrs, options)
        self.flush(self.config.fatal_flush_timeout)

    def _emit(self, sev: int, message: Any, attrs: Any, options: Dict[str, Any], ts: int = 0) -> None:
        try:
            q = self._queue
            if self._closed or len(q) >= self._qmax:
                self._count_dropped()
                return
            if not ts:
                ts = _time_ns()
            if attrs:
                # Copied: the caller may change its dict once we return.
                attrs = dict(attrs)
            x = None
            if options:
                x, ts, unknown = _event.build_extra(options, ts, 2)
                if unknown:
                    self._warn_unknown(unknown)
            if self._otel is not None and (x is None or x.trace_id is None):
                ids = self._otel()
                if ids is not None:
                    if x is None:
                        x = _event.Extra()
                    x.trace_id, x.span_id = ids[0], (x.span_id or ids[1])
            q.append((ts, sev, message, attrs, x))
        except Exception:  # noqa: BLE001 - never raise into the application
            # Unusable arguments (attrs that cannot be copied as a mapping):
            # the event is lost, and counted like every other lost event.
            try:
                self._count_dropped()
            except Exception:  # noqa: BLE001
                pass
            return
        # A full batch, or the first event of an idle application: wake the
        # worker (is_set first: set() takes a lock).
        if len(q) >= self._wake_len and not self._wake.is_set():
            self._wake.set()

    def _count_dropped(self) -> None:
        with self._lock:
            self._dropped += 1

    # ---- flush, shutdown, counters ----

    def stats(self) -> Stats:
        with self._lock:
            return Stats(self._taken + len(self._queue), self._sent, self._dropped, self._failed)

    def flush(self, timeout: Optional[float] = None) -> bool:
        """Sends every event queued before the call and waits until each is
        sent or failed, at most timeout seconds (None: no limit). True when
        done in time (check stats() for failures)."""
        done = threading.Event()
        with self._lock:
            if self._finished or not self._thread.is_alive():
                return False
            self._flushes.append(done)
        self._wake.set()
        return done.wait(timeout)

    def shutdown(self, timeout: Optional[float] = None) -> bool:
        """Stops accepting events (later calls count as dropped), sends what
        is queued and closes the connection, within timeout seconds (default
        config.shutdown_timeout). When the time is up, the call in flight
        and its retries are cancelled, what is left counts as failed, and it
        returns False. Idempotent."""
        if timeout is None:
            timeout = self.config.shutdown_timeout
        self._closed = True
        self._stopping = True
        self._wake.set()
        if threading.current_thread() is self._thread:
            return False
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._deadline_passed = True
            self._transport.cancel()
            self._wake.set()
            self._thread.join(1.0)
            return False
        # A second call after a missed deadline says so again.
        return not self._deadline_passed

    # ---- the worker ----

    def _new_transport(self) -> _transport.Transport:
        cfg = self.config
        return _transport.Transport(cfg.endpoint, self._creds, self._md, cfg.compression, cfg.channel_options)

    def _start_worker(self) -> threading.Thread:
        t = threading.Thread(target=self._run, name="aires-worker", daemon=True)
        t.start()
        return t

    def _after_fork(self) -> None:
        # gRPC Python does not survive fork (grpcio's channels and threads
        # stay in the parent; measured: a channel made in the child hangs):
        # an inherited client drops and counts its events, and says so once.
        self._lock = threading.Lock()
        if self._closed:
            return
        self._closed = True
        self._queue.clear()
        self._warn("aires: this client was created before os.fork() and cannot send from the child "
                   "process (pid %d): create the client in the process that logs (for example in "
                   "gunicorn's post_fork hook, or without --preload); its events are dropped" % os.getpid())

    def _run(self) -> None:
        q = self._queue
        cfg = self.config
        interval = cfg.flush_interval
        # As in the Go SDK (worker.go, batchDelay): negative turns the idle
        # send off, and so does a delay no shorter than the interval.
        idle_delay = cfg.idle_delay if cfg.idle_delay < interval else -1.0
        # Armed: the application is idle and self._wake_len is 1, so the
        # next logging call wakes this thread.
        armed = False
        next_send = time.monotonic() + interval
        try:
            while True:
                now = time.monotonic()
                until = next_send
                if idle_delay >= 0 and not armed:
                    # Idle: this thread is not sending (it sends itself) and
                    # nothing was sent for a whole interval, or ever.
                    last = self._last_send
                    if last is not None and now - last < interval:
                        until = min(until, last + interval)  # to arm it then
                    elif q:
                        # Queued while the application was not idle yet, or
                        # an idle send already scheduled: due by idle_delay.
                        next_send = until = min(next_send, now + idle_delay)
                    else:
                        armed = True
                        self._wake_len = 1
                        # A call that appended before it saw the flag did
                        # not wake us: look once more.
                        if q:
                            self._wake.set()
                self._wake.wait(max(0.0, until - now))
                self._wake.clear()
                if armed:
                    # Woken by a call (its event is the first of an idle
                    # application: it goes out after idle_delay with what
                    # comes meanwhile), a flush, shutdown or the tick.
                    # Disarmed from here: later calls wake for full batches.
                    armed = False
                    self._wake_len = self._batch
                    if q:
                        next_send = min(next_send, time.monotonic() + idle_delay)
                stopping = self._stopping
                with self._lock:
                    flushes, self._flushes = self._flushes, []
                now = time.monotonic()
                if stopping or flushes or now >= next_send:
                    self._send_queued(len(q))
                    next_send = time.monotonic() + interval
                else:
                    # Woken by a full batch (or for an idle send not due
                    # yet): send full batches only.
                    while len(q) >= self._batch:
                        self._send(self._take(self._batch))
                for f in flushes:
                    f.set()
                if stopping:
                    break
        except Exception as e:  # noqa: BLE001 - a bug must not go unseen
            self._warn("aires: the worker stopped on an unexpected error (events are dropped from now on): %r" % e)
            self._closed = True
        finally:
            self._finish()

    def _finish(self) -> None:
        with self._lock:
            self._finished = True  # flush() after this returns at once
            left = len(self._queue)
            self._queue.clear()
            self._dropped += left  # raced past the closed check
            flushes, self._flushes = self._flushes, []
        for f in flushes:
            f.set()
        try:
            self._transport.close()
        except Exception:  # noqa: BLE001
            pass

    def _take(self, n: int) -> List[Tuple[Any, ...]]:
        q = self._queue
        with self._lock:
            n = min(n, len(q))
            batch = [q.popleft() for _ in range(n)]
            self._taken += n
        return batch

    def _send_queued(self, n: int) -> None:
        """Sends the n oldest queued events, in batches."""
        while n > 0:
            batch = self._take(min(n, self._batch))
            if not batch:
                return
            n -= len(batch)
            self._send(batch)

    def _send(self, batch: List[Tuple[Any, ...]]) -> None:
        """Sends a taken batch as one request or more (max_batch_bytes), in
        order, each with its retries; every event is counted once."""
        if self._deadline_passed:
            self._count(failed=len(batch))
            return
        requests, bad = self._encode(batch)
        del batch
        if bad:
            # One unusable event (say an HTTP status given as a string)
            # never sinks the others of its batch.
            self._count(failed=bad)
        # Popped in order, so that each body is freed once it is sent.
        requests.reverse()
        while requests:
            if self._deadline_passed:
                self._count(failed=sum(n for _, n in requests))
                return
            body, n = requests.pop()
            self._deliver(body, n)

    def _deliver(self, body: bytes, n: int) -> None:
        """Sends one request of n events (with its retries) and counts them
        sent or failed, with the warnings."""
        try:
            res, attempts = self._export(body)
        except _SendFailed as f:
            self._count(failed=n)
            if f.code in _transport.REFUSED:
                self._warn_refused(f)
            else:
                self._warn("aires: dropped a batch of %d events after %d attempt(s): %s"
                           % (n, f.attempts, f.reason))
            return
        finally:
            self._last_send = time.monotonic()
        self._refused_warned = False
        rejected = min(max(res.rejected, len(res.rejections)), n)
        self._count(sent=n - rejected, failed=rejected)
        if rejected:
            reason = res.rejections[0][1] if res.rejections else ""
            self._warn("aires: the collector rejected %d of %d events of a batch; first reason: %s"
                       % (rejected, n, reason))

    def _encode(self, batch: List[Tuple[Any, ...]]) -> Tuple[List[Tuple[bytes, int]], int]:
        """The EventBatch bodies of the batch's requests, in order, each with
        its number of events, and the number of events that could not be
        encoded (left out, with one warning per batch). No body exceeds
        max_batch_bytes but one holding a single larger event. Each event
        is encoded once: its size is known before it joins a request, and a
        request closes when the next event would take it over the cap."""
        res = self._resource
        cap = self._max_bytes
        uuid7, enc, varint, tag = _event.uuid7, _event.encode_event, _wire.varint, _wire.T_BATCH_EVENTS
        tag_len = len(tag)
        rnd = os.urandom(8 * len(batch))
        requests: List[Tuple[bytes, int]] = []
        parts = [res]
        size = len(res)
        n = bad = 0
        first: Optional[BaseException] = None
        for i, ev in enumerate(batch):
            try:
                b = enc(ev, uuid7(ev[0], rnd, 8 * i))
            except Exception as e:  # noqa: BLE001
                bad += 1
                first = first or e
                continue
            head = varint(len(b))
            m = tag_len + len(head) + len(b)
            if n and size + m > cap:
                requests.append((b"".join(parts), n))
                parts = [res]
                size = len(res)
                n = 0
            parts += (tag, head, b)
            size += m
            n += 1
        if n:
            requests.append((b"".join(parts), n))
        if first is not None:
            self._warn("aires: left out %d event(s) that could not be encoded (check option types, "
                       "e.g. HTTP fields); first error: %r" % (bad, first))
        return requests, bad

    def _export(self, body: bytes) -> Tuple[_transport.IngestResult, int]:
        cfg = self.config
        attempt = 0
        while True:
            if self._deadline_passed:
                raise _SendFailed(None, attempt, "shutdown deadline passed")
            try:
                return self._transport.send(body, cfg.request_timeout), attempt + 1
            except grpc.FutureCancelledError:
                raise _SendFailed(None, attempt + 1, "cancelled: shutdown deadline passed") from None
            except grpc.RpcError as e:
                retry, delay = _transport.classify(e)
                if not retry or attempt >= cfg.max_retries:
                    raise _SendFailed(_transport._code(e), attempt + 1, _transport.describe(e)) from None
                if delay is not None:
                    delay = min(delay, cfg.max_retry_delay)
                else:
                    delay = _transport.backoff(cfg.initial_backoff, cfg.max_backoff, attempt)
                attempt += 1
                # Sleeps on an Event a shutdown deadline can cut short.
                end = time.monotonic() + delay
                while not self._deadline_passed and time.monotonic() < end:
                    self._sleep.wait(end - time.monotonic())

    _sleep = threading.Event()  # never set: an interruptible sleep

    def _count(self, sent: int = 0, failed: int = 0) -> None:
        with self._lock:
            self._sent += sent
            self._failed += failed

    # ---- the SDK's own warnings ----

    def _warn(self, msg: str) -> None:
        try:
            self._logger.warning(msg)
        except Exception:  # noqa: BLE001
            pass

    def _warn_refused(self, f: "_SendFailed") -> None:
        # Once, not once per batch, until a batch is accepted again.
        if self._refused_warned:
            return
        self._refused_warned = True
        cfg = self.config
        if f.code == grpc.StatusCode.PERMISSION_DENIED:
            hint = "check api_key and the collector's authenticator settings"
        elif not cfg.api_key and not any(k.lower() == "authorization" for k in cfg.headers):
            hint = ("the collector requires an API key and api_key is empty: set it to a token of the "
                    "collector's bearertokenauth extension")
        else:
            hint = "the collector refused the API key: check api_key against its bearertokenauth token"
        self._warn("aires: %s (%s, endpoint %s); batches are dropped, not retried, until it accepts them "
                   "(not repeated until a batch is accepted)" % (hint, f.reason, cfg.endpoint))

    def _warn_unknown(self, names: List[str]) -> None:
        if self._unknown_warned:
            return
        self._unknown_warned = True
        self._warn("aires: unknown option(s) %s ignored (known: %s)"
                   % (", ".join(sorted(names)), ", ".join(sorted(_event.OPTION_NAMES))))


def _call_after_fork(ref: "weakref.ref[Client]") -> None:
    c = ref()
    if c is not None:
        c._after_fork()


class _SendFailed(Exception):
    def __init__(self, code: Optional[grpc.StatusCode], attempts: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.attempts = attempts
        self.reason = reason


