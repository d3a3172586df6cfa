"""An in-process Aires collector for the tests: a real grpcio server
implementing aires.v1.IngestService, decoding every batch with the
generated code (aires.v1.aires_pb2), with scripted failures."""

from __future__ import annotations

import socket
import threading
from concurrent import futures
from typing import Any, List, Optional, Tuple

import grpc
from google.protobuf import any_pb2, descriptor_pb2, descriptor_pool, duration_pb2, message_factory

from aires.v1 import aires_pb2 as pb


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rpc_messages() -> Tuple[Any, Any]:
    """google.rpc.Status and RetryInfo, built from their definitions by the
    protobuf runtime (Debian ships no google.rpc package): an encoder
    independent of the SDK's hand-written decoder."""
    pool = descriptor_pool.DescriptorPool()
    for mod in (any_pb2, duration_pb2):
        pool.AddSerializedFile(mod.DESCRIPTOR.serialized_pb)
    f = descriptor_pb2.FileDescriptorProto(
        name="google/rpc/test_status.proto", package="google.rpc", syntax="proto3",
        dependency=["google/protobuf/any.proto", "google/protobuf/duration.proto"])
    fd = descriptor_pb2.FieldDescriptorProto
    st = f.message_type.add(name="Status")
    st.field.add(name="code", number=1, type=fd.TYPE_INT32, label=fd.LABEL_OPTIONAL)
    st.field.add(name="message", number=2, type=fd.TYPE_STRING, label=fd.LABEL_OPTIONAL)
    st.field.add(name="details", number=3, type=fd.TYPE_MESSAGE, label=fd.LABEL_REPEATED,
                 type_name=".google.protobuf.Any")
    ri = f.message_type.add(name="RetryInfo")
    ri.field.add(name="retry_delay", number=1, type=fd.TYPE_MESSAGE, label=fd.LABEL_OPTIONAL,
                 type_name=".google.protobuf.Duration")
    pool.AddSerializedFile(f.SerializeToString())
    get = getattr(message_factory, "GetMessageClass", None)
    if get is None:
        factory = message_factory.MessageFactory(pool)
        get = factory.GetPrototype
    return (get(pool.FindMessageTypeByName("google.rpc.Status")),
            get(pool.FindMessageTypeByName("google.rpc.RetryInfo")))


Status, RetryInfo = _rpc_messages()


def status_details(code: grpc.StatusCode, message: str, retry_delay: Optional[float]) -> bytes:
    s = Status(code=code.value[0], message=message)
    if retry_delay is not None:
        ri = RetryInfo()
        ri.retry_delay.seconds = int(retry_delay)
        ri.retry_delay.nanos = int(round((retry_delay - int(retry_delay)) * 1e9))
        a = s.details.add()
        a.Pack(ri)
    return bytes(s.SerializeToString())


def _with_size(body: bytes) -> Tuple[int, pb.EventBatch]:
    """The request body's length (as the SDK sent it, after grpc's gzip is
    undone) and the batch decoded by the generated code."""
    return len(body), pb.EventBatch.FromString(body)


class Failure:
    """One scripted answer: an error status, optionally with RetryInfo."""

    def __init__(self, code: grpc.StatusCode, message: str = "scripted", retry_delay: Optional[float] = None):
        self.code, self.message, self.retry_delay = code, message, retry_delay


class Collector:
    """Records every batch; `script` answers the next calls (a Failure, or
    a function of the batch returning an IngestResponse), then OK."""

    def __init__(self, port: int = 0, credentials: Optional[grpc.ServerCredentials] = None) -> None:
        self.port = port or free_port()
        self.credentials = credentials
        self.batches: List[pb.EventBatch] = []
        self.sizes: List[int] = []  # each stored batch's request body, in bytes (uncompressed)
        self.metadata: List[dict] = []
        self.calls = 0
        self.script: List[Any] = []
        self.hold: Optional[threading.Event] = None  # when set, calls wait for it
        self.cond = threading.Condition()
        self.server: Optional[grpc.Server] = None
        self.start()

    @property
    def endpoint(self) -> str:
        return "127.0.0.1:%d" % self.port

    def start(self) -> None:
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        handler = grpc.method_handlers_generic_handler("aires.v1.IngestService", {
            "Ingest": grpc.unary_unary_rpc_method_handler(
                self._ingest, request_deserializer=_with_size,
                response_serializer=pb.IngestResponse.SerializeToString),
        })
        server.add_generic_rpc_handlers((handler,))
        if self.credentials is not None:
            bound = server.add_secure_port(self.endpoint, self.credentials)
        else:
            bound = server.add_insecure_port(self.endpoint)
        if bound != self.port:
            raise RuntimeError("cannot listen on %s" % self.endpoint)
        server.start()
        self.server = server

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop(0).wait()
            self.server = None

    def _ingest(self, request: Tuple[int, pb.EventBatch], context: grpc.ServicerContext) -> pb.IngestResponse:
        size, batch = request
        if self.hold is not None:
            self.hold.wait()
        with self.cond:
            self.calls += 1
            self.metadata.append(dict(context.invocation_metadata()))
            action = self.script.pop(0) if self.script else None
            self.cond.notify_all()  # wait_calls: a call arrived (its answer may be scripted to wait)
        if isinstance(action, Failure):
            if action.retry_delay is not None:
                context.set_trailing_metadata((
                    ("grpc-status-details-bin", status_details(action.code, action.message, action.retry_delay)),))
            with self.cond:
                self.cond.notify_all()
            context.abort(action.code, action.message)
        resp = action(batch) if callable(action) else pb.IngestResponse(accepted=len(batch.events))
        with self.cond:
            self.batches.append(batch)
            self.sizes.append(size)
            self.cond.notify_all()
        return resp

    def events(self) -> List[pb.Event]:
        with self.cond:
            return [e for b in self.batches for e in b.events]

    def wait_events(self, n: int, timeout: float = 30.0) -> List[pb.Event]:
        """Waits until n events arrived (a hang guard, not a timing check)."""
        with self.cond:
            self.cond.wait_for(lambda: sum(len(b.events) for b in self.batches) >= n, timeout)
        return self.events()

    def wait_calls(self, n: int, timeout: float = 30.0) -> int:
        with self.cond:
            self.cond.wait_for(lambda: self.calls >= n, timeout)
            return self.calls
