"""Optional OpenTelemetry pick-up: when opentelemetry-api is importable, an
event logged inside an active span carries its trace and span ids (unless
the call gives its own). Nothing is imported when the package is absent."""

from __future__ import annotations

from typing import Any, Callable, Optional, Tuple

_get_current_span: Optional[Callable[[], Any]] = None
_checked = False


def available() -> bool:
    global _get_current_span, _checked
    if not _checked:
        _checked = True
        try:
            from opentelemetry.trace import get_current_span
        except Exception:  # noqa: BLE001 - absent or broken: no pick-up
            _get_current_span = None
        else:
            _get_current_span = get_current_span
    return _get_current_span is not None


def current_ids() -> Optional[Tuple[bytes, bytes]]:
    """(trace id, span id) of the active span, or None."""
    if _get_current_span is None:
        return None
    try:
        sc = _get_current_span().get_span_context()
        if not sc.is_valid:
            return None
        return sc.trace_id.to_bytes(16, "big"), sc.span_id.to_bytes(8, "big")
    except Exception:  # noqa: BLE001
        return None


def reset() -> None:
    """Forget the import check (tests)."""
    global _get_current_span, _checked
    _get_current_span, _checked = None, False
