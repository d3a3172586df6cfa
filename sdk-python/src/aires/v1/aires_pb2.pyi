from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
SEVERITY_DEBUG: Severity
SEVERITY_ERROR: Severity
SEVERITY_FATAL: Severity
SEVERITY_INFO: Severity
SEVERITY_TRACE: Severity
SEVERITY_UNSPECIFIED: Severity
SEVERITY_WARN: Severity

class AnyValue(_message.Message):
    __slots__ = ["array_value", "bool_value", "double_value", "int_value", "kvlist_value", "string_value"]
    ARRAY_VALUE_FIELD_NUMBER: _ClassVar[int]
    BOOL_VALUE_FIELD_NUMBER: _ClassVar[int]
    DOUBLE_VALUE_FIELD_NUMBER: _ClassVar[int]
    INT_VALUE_FIELD_NUMBER: _ClassVar[int]
    KVLIST_VALUE_FIELD_NUMBER: _ClassVar[int]
    STRING_VALUE_FIELD_NUMBER: _ClassVar[int]
    array_value: ArrayValue
    bool_value: bool
    double_value: float
    int_value: int
    kvlist_value: KeyValueList
    string_value: str
    def __init__(self, string_value: _Optional[str] = ..., int_value: _Optional[int] = ..., double_value: _Optional[float] = ..., bool_value: bool = ..., array_value: _Optional[_Union[ArrayValue, _Mapping]] = ..., kvlist_value: _Optional[_Union[KeyValueList, _Mapping]] = ...) -> None: ...

class ArrayValue(_message.Message):
    __slots__ = ["values"]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedCompositeFieldContainer[AnyValue]
    def __init__(self, values: _Optional[_Iterable[_Union[AnyValue, _Mapping]]] = ...) -> None: ...

class ErrorInfo(_message.Message):
    __slots__ = ["message", "stack", "type"]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    STACK_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    message: str
    stack: str
    type: str
    def __init__(self, type: _Optional[str] = ..., message: _Optional[str] = ..., stack: _Optional[str] = ...) -> None: ...

class Event(_message.Message):
    __slots__ = ["attributes", "environment", "error", "http", "id", "message", "release", "service", "session_id", "severity", "span_id", "tags", "timestamp_unix_nano", "trace_id", "user_id"]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    HTTP_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    RELEASE_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    SPAN_ID_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_UNIX_NANO_FIELD_NUMBER: _ClassVar[int]
    TRACE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    attributes: _containers.RepeatedCompositeFieldContainer[KeyValue]
    environment: str
    error: ErrorInfo
    http: HttpInfo
    id: bytes
    message: str
    release: str
    service: str
    session_id: str
    severity: Severity
    span_id: bytes
    tags: _containers.RepeatedScalarFieldContainer[str]
    timestamp_unix_nano: int
    trace_id: bytes
    user_id: str
    def __init__(self, id: _Optional[bytes] = ..., timestamp_unix_nano: _Optional[int] = ..., severity: _Optional[_Union[Severity, str]] = ..., message: _Optional[str] = ..., service: _Optional[str] = ..., environment: _Optional[str] = ..., release: _Optional[str] = ..., trace_id: _Optional[bytes] = ..., span_id: _Optional[bytes] = ..., session_id: _Optional[str] = ..., user_id: _Optional[str] = ..., attributes: _Optional[_Iterable[_Union[KeyValue, _Mapping]]] = ..., tags: _Optional[_Iterable[str]] = ..., http: _Optional[_Union[HttpInfo, _Mapping]] = ..., error: _Optional[_Union[ErrorInfo, _Mapping]] = ...) -> None: ...

class EventBatch(_message.Message):
    __slots__ = ["events", "resource"]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[Event]
    resource: Resource
    def __init__(self, resource: _Optional[_Union[Resource, _Mapping]] = ..., events: _Optional[_Iterable[_Union[Event, _Mapping]]] = ...) -> None: ...

class HttpInfo(_message.Message):
    __slots__ = ["client_address", "duration_ms", "method", "path", "request_size", "response_size", "route", "status_code", "url", "user_agent"]
    CLIENT_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    DURATION_MS_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    REQUEST_SIZE_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_SIZE_FIELD_NUMBER: _ClassVar[int]
    ROUTE_FIELD_NUMBER: _ClassVar[int]
    STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    USER_AGENT_FIELD_NUMBER: _ClassVar[int]
    client_address: str
    duration_ms: float
    method: str
    path: str
    request_size: int
    response_size: int
    route: str
    status_code: int
    url: str
    user_agent: str
    def __init__(self, method: _Optional[str] = ..., route: _Optional[str] = ..., path: _Optional[str] = ..., url: _Optional[str] = ..., status_code: _Optional[int] = ..., duration_ms: _Optional[float] = ..., request_size: _Optional[int] = ..., response_size: _Optional[int] = ..., user_agent: _Optional[str] = ..., client_address: _Optional[str] = ...) -> None: ...

class IngestResponse(_message.Message):
    __slots__ = ["accepted", "rejected", "rejections"]
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    REJECTIONS_FIELD_NUMBER: _ClassVar[int]
    accepted: int
    rejected: int
    rejections: _containers.RepeatedCompositeFieldContainer[Rejection]
    def __init__(self, accepted: _Optional[int] = ..., rejected: _Optional[int] = ..., rejections: _Optional[_Iterable[_Union[Rejection, _Mapping]]] = ...) -> None: ...

class KeyValue(_message.Message):
    __slots__ = ["key", "value"]
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    key: str
    value: AnyValue
    def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[AnyValue, _Mapping]] = ...) -> None: ...

class KeyValueList(_message.Message):
    __slots__ = ["values"]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedCompositeFieldContainer[KeyValue]
    def __init__(self, values: _Optional[_Iterable[_Union[KeyValue, _Mapping]]] = ...) -> None: ...

class Rejection(_message.Message):
    __slots__ = ["index", "reason"]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    index: int
    reason: str
    def __init__(self, index: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class Resource(_message.Message):
    __slots__ = ["attributes", "environment", "host", "release", "service"]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    HOST_FIELD_NUMBER: _ClassVar[int]
    RELEASE_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    attributes: _containers.RepeatedCompositeFieldContainer[KeyValue]
    environment: str
    host: str
    release: str
    service: str
    def __init__(self, service: _Optional[str] = ..., environment: _Optional[str] = ..., release: _Optional[str] = ..., host: _Optional[str] = ..., attributes: _Optional[_Iterable[_Union[KeyValue, _Mapping]]] = ...) -> None: ...

class Severity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
