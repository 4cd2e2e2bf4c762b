"""Jira time-tracking durations: ``1w 2d 3h 30m`` ↔ seconds (Jira's default 8 h day and 5 d week)."""

from __future__ import annotations

import re

__all__ = ["format_duration", "parse_duration"]

_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([wdhm])", re.I)
_UNITS = (("w", 5 * 8 * 3600), ("d", 8 * 3600), ("h", 3600), ("m", 60))


def parse_duration(text: str) -> int | None:
    """Seconds for a duration like ``1h 30m``; None when the text is not a duration."""
    cleaned = text.strip().lower()
    parts = _PART.findall(cleaned)
    if not parts or _PART.sub("", cleaned).strip():
        return None
    factors = dict(_UNITS)
    return int(sum(float(amount) * factors[unit] for amount, unit in parts))


def format_duration(seconds: int) -> str:
    out = []
    for unit, size in _UNITS:
        if seconds >= size:
            out.append(f"{seconds // size}{unit}")
            seconds %= size
    return " ".join(out) or "0m"
