"""The keyword options of a logging call, for type checkers."""

from __future__ import annotations

import datetime
from typing import Iterable, Optional, TypedDict, Union

from ._event import HTTP, ErrorInfo


class EventOptions(TypedDict, total=False):
    """Options of aires.info(...) and the other logging calls; each sets the
    aires.v1.Event field of the same name (README: Options)."""

    trace_id: Union[str, bytes, int]  # 32 hex characters, 16 bytes or an int
    span_id: Union[str, bytes, int]  # 16 hex characters, 8 bytes or an int
    session_id: str
    user_id: str
    tags: Union[str, Iterable[str]]
    service: str  # overrides Config.service for this event
    environment: str
    release: str
    http: HTTP
    error: Union[BaseException, ErrorInfo]
    exc_info: Union[bool, BaseException]  # True: the exception being handled
    timestamp: datetime.datetime  # instead of the time of the call
    timestamp_ns: int  # Unix nanoseconds, instead of the time of the call


__all__ = ["EventOptions", "Optional"]
