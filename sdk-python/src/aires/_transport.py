"""gRPC transport: one unary Ingest call per batch, retries as the Go SDK.

The request is the worker's already-encoded EventBatch (no serializer); the
response and the google.rpc.Status in `grpc-status-details-bin` are decoded
here by hand (a few fields), so sending needs grpcio and nothing else of
protobuf at run time.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

import grpc

INGEST_METHOD = "/aires.v1.IngestService/Ingest"
STATUS_DETAILS_KEY = "grpc-status-details-bin"
RETRY_INFO_TYPE = "type.googleapis.com/google.rpc.RetryInfo"

_RETRYABLE = frozenset((
    grpc.StatusCode.CANCELLED, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.ABORTED,
    grpc.StatusCode.OUT_OF_RANGE, grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DATA_LOSS,
))
REFUSED = frozenset((grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED))


# ---- a minimal protobuf reader ----

def _read_varint(b: bytes, i: int) -> Tuple[int, int]:
    shift = 0
    n = 0
    while True:
        if i >= len(b) or shift > 63:
            raise ValueError("truncated varint")
        c = b[i]
        i += 1
        n |= (c & 0x7F) << shift
        if c < 0x80:
            return n, i
        shift += 7


def fields(b: bytes) -> List[Tuple[int, int, Any]]:
    """(field number, wire type, value) of a message: ints for varint and
    fixed types, bytes for length-delimited fields."""
    out: List[Tuple[int, int, Any]] = []
    i = 0
    while i < len(b):
        key, i = _read_varint(b, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _read_varint(b, i)
        elif wt == 1:
            v = int.from_bytes(b[i:i + 8], "little")
            i += 8
        elif wt == 2:
            n, i = _read_varint(b, i)
            v = b[i:i + n]
            if len(v) != n:
                raise ValueError("truncated field")
            i += n
        elif wt == 5:
            v = int.from_bytes(b[i:i + 4], "little")
            i += 4
        else:
            raise ValueError("unsupported wire type %d" % wt)
        out.append((num, wt, v))
    return out


@dataclass
class IngestResult:
    """aires.v1.IngestResponse."""

    accepted: int = 0
    rejected: int = 0
    rejections: List[Tuple[int, str]] = field(default_factory=list)


def decode_response(b: bytes) -> IngestResult:
    r = IngestResult()
    for num, wt, v in fields(b or b""):
        if num == 1 and wt == 0:
            r.accepted = v
        elif num == 2 and wt == 0:
            r.rejected = v
        elif num == 3 and wt == 2:
            idx, reason = 0, ""
            for n2, wt2, v2 in fields(v):
                if n2 == 1 and wt2 == 0:
                    idx = v2
                elif n2 == 2 and wt2 == 2:
                    reason = v2.decode("utf-8", "replace")
            r.rejections.append((idx, reason))
    return r


def retry_delay(status_details: Optional[bytes]) -> Optional[float]:
    """The RetryInfo delay (seconds) in a serialized google.rpc.Status, or
    None when it has none (or cannot be read)."""
    if not status_details:
        return None
    try:
        for num, wt, anyb in fields(status_details):
            if num != 3 or wt != 2:  # Status.details (repeated Any)
                continue
            type_url, value = "", b""
            for n2, wt2, v2 in fields(anyb):
                if n2 == 1 and wt2 == 2:
                    type_url = v2.decode("utf-8", "replace")
                elif n2 == 2 and wt2 == 2:
                    value = v2
            if type_url != RETRY_INFO_TYPE:
                continue
            for n3, wt3, dur in fields(value):  # RetryInfo.retry_delay
                if n3 != 1 or wt3 != 2:
                    continue
                secs, nanos = 0, 0
                for n4, wt4, v4 in fields(dur):
                    if n4 == 1 and wt4 == 0:
                        secs = v4 - (1 << 64) if v4 >= 1 << 63 else v4
                    elif n4 == 2 and wt4 == 0:
                        nanos = v4 - (1 << 64) if v4 >= 1 << 63 else v4
                return max(0.0, secs + nanos / 1e9)
    except ValueError:
        return None
    return None


def classify(err: grpc.RpcError) -> Tuple[bool, Optional[float]]:
    """(retry?, server delay) by the OTLP rules, as the Go SDK: transient
    codes are retried; RESOURCE_EXHAUSTED only with a RetryInfo; a RetryInfo
    delay replaces the backoff; everything else is permanent."""
    code = _code(err)
    delay = None
    try:
        for k, v in err.trailing_metadata() or ():  # type: ignore[attr-defined]
            if k == STATUS_DETAILS_KEY:
                delay = retry_delay(v)
    except Exception:  # noqa: BLE001 - a call without metadata
        delay = None
    if code in _RETRYABLE:
        return True, delay
    if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
        return delay is not None, delay
    return False, None


def _code(err: Any) -> Optional[grpc.StatusCode]:
    try:
        return err.code()  # type: ignore[no-any-return]
    except Exception:  # noqa: BLE001
        return None


def describe(err: Any) -> str:
    code = _code(err)
    try:
        details = err.details()
    except Exception:  # noqa: BLE001
        details = str(err)
    return "%s: %s" % (code.name if code else "ERROR", details)


def backoff(initial: float, maximum: float, attempt: int) -> float:
    """Exponential with "equal jitter" (half fixed, half random)."""
    d = min(initial * (2 ** min(attempt, 30)), maximum)
    half = d / 2
    return half + random.uniform(0, half)


class Transport:
    """A gRPC channel to the collector and the Ingest call on it."""

    def __init__(self, endpoint: str, credentials: Optional[grpc.ChannelCredentials],
                 metadata: Sequence[Tuple[str, str]], compression: bool,
                 options: Sequence[Tuple[str, Any]] = ()) -> None:
        opts = [("grpc.max_send_message_length", 64 << 20), *options]
        if credentials is None:
            self.channel = grpc.insecure_channel(endpoint, options=opts)
        else:
            self.channel = grpc.secure_channel(endpoint, credentials, options=opts)
        self._call = self.channel.unary_unary(INGEST_METHOD)
        self._metadata = tuple(metadata) or None
        self._compression = grpc.Compression.Gzip if compression else None
        self._lock = threading.Lock()
        self._inflight: Optional[grpc.Future] = None
        self._cancelled = False

    def send(self, body: bytes, timeout: float) -> IngestResult:
        """One attempt; raises grpc.RpcError (or FutureCancelledError)."""
        fut = self._call.future(body, timeout=timeout, metadata=self._metadata,
                                compression=self._compression)
        with self._lock:
            self._inflight = fut
            if self._cancelled:
                fut.cancel()
        try:
            return decode_response(fut.result())
        finally:
            with self._lock:
                self._inflight = None

    def cancel(self) -> None:
        """Cancels the call in flight and every later one (shutdown deadline)."""
        with self._lock:
            self._cancelled = True
            if self._inflight is not None:
                self._inflight.cancel()

    def close(self) -> None:
        self.channel.close()


def credentials(tls: bool, ca_file: str, cert_file: str, key_file: str) -> Optional[grpc.ChannelCredentials]:
    """TLS credentials like the Go SDK's: any file turns TLS on; a missing
    or unreadable file is an error naming the setting."""
    if not (tls or ca_file or cert_file or key_file):
        return None
    if bool(cert_file) != bool(key_file):
        raise ValueError("aires: tls_cert_file and tls_key_file must be set together (the client "
                         "certificate and its key, for a collector that requires mutual TLS)")
    files: Dict[str, Optional[bytes]] = {}
    for name, path in (("tls_ca_file", ca_file), ("tls_cert_file", cert_file), ("tls_key_file", key_file)):
        if not path:
            files[name] = None
            continue
        try:
            with open(path, "rb") as f:
                files[name] = f.read()
        except OSError as e:
            raise ValueError("aires: cannot read %s %r: %s" % (name, path, e)) from e
        if b"-----BEGIN" not in (files[name] or b""):
            raise ValueError("aires: %s %r holds no PEM block" % (name, path))
    return grpc.ssl_channel_credentials(root_certificates=files["tls_ca_file"],
                                        private_key=files["tls_key_file"],
                                        certificate_chain=files["tls_cert_file"])
