"""A logging.Handler that sends records as Aires events."""

from __future__ import annotations

import logging
from typing import Any, Dict, Optional

from ._client import Client

# Attributes every LogRecord has; anything else came from `extra=`.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def severity_of_level(levelno: int) -> int:
    if levelno < logging.DEBUG:
        return 1
    if levelno < logging.INFO:
        return 2
    if levelno < logging.WARNING:
        return 3
    if levelno < logging.ERROR:
        return 4
    if levelno < logging.CRITICAL:
        return 5
    return 6


class Handler(logging.Handler):
    """Sends each record to an Aires client (default: aires.init's client
    at the time of the record).

    message = record.getMessage(); severity from the level (CRITICAL is
    fatal); attributes: `extra=` fields, plus "logger.name" and, with
    include_source, "code.filepath"/"code.lineno"/"code.function";
    exc_info becomes Event.error. The timestamp is taken in emit(), during
    the logging call. Never raises (handleError is not called: the SDK
    counts what it cannot send)."""

    def __init__(self, client: Optional[Client] = None, level: int = logging.NOTSET,
                 include_source: bool = False) -> None:
        super().__init__(level)
        self.client = client
        self.include_source = include_source

    def emit(self, record: logging.LogRecord) -> None:
        try:
            c = self.client
            if c is None:
                from . import get_client
                c = get_client()
                if c is None:
                    return
            attrs: Dict[str, Any] = {"logger.name": record.name}
            for k, v in record.__dict__.items():
                if k not in _STANDARD and not k.startswith("_"):
                    attrs[k] = v
            if self.include_source:
                attrs["code.filepath"] = record.pathname
                attrs["code.lineno"] = record.lineno
                attrs["code.function"] = record.funcName
            options: Dict[str, Any] = {}
            if record.exc_info and record.exc_info[1] is not None:
                options["error"] = record.exc_info[1]
            c._emit(severity_of_level(record.levelno), record.getMessage(), attrs, options)
        except Exception:  # noqa: BLE001 - never raise into the application
            pass
