from __future__ import annotations

import logging
from typing import Any, Callable, Iterator, List

import pytest

import aires

from .collector import Collector


@pytest.fixture
def collector() -> Iterator[Collector]:
    c = Collector()
    yield c
    c.stop()


@pytest.fixture
def make_client() -> Iterator[Callable[..., aires.Client]]:
    """Clients made here are shut down after the test (1 s each at most)."""
    made: List[aires.Client] = []

    def make(**settings: Any) -> aires.Client:
        settings.setdefault("service", "test-svc")
        settings.setdefault("host", "test-host")
        c = aires.Client(**settings)
        made.append(c)
        return c

    yield make
    for c in made:
        c.shutdown(1.0)


class Warnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: List[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def sdk_warnings() -> Iterator[Warnings]:
    h = Warnings()
    log = logging.getLogger("aires")
    log.addHandler(h)
    yield h
    log.removeHandler(h)
