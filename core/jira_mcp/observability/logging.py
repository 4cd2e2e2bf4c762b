"""Structured logging (structlog): JSON lines in production, console lines in development.

Logs always go to **stderr**: with the stdio transport, stdout carries only MCP messages. A redaction
processor runs last before rendering, on structlog events and on stdlib records (uvicorn, httpx, the
MCP SDK) alike, so tokens, ``Authorization`` headers and webhook URLs never reach a log line.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, MutableMapping
from typing import Any, TextIO

import structlog

__all__ = ["configure_logging", "get_logger", "redact_text", "register_secrets"]

REDACTED = "[REDACTED]"
_SECRET_KEY = re.compile(r"(token|password|passwd|secret|authorization|api[_-]?key|webhook|cookie)", re.I)
_PATTERNS = [
    re.compile(r"(?i)\b(basic|bearer)\s+[A-Za-z0-9._~+/=-]{6,}"),
    re.compile(r"https://hooks\.slack\.com/[^\s\"'<>]+"),
    re.compile(r"https://[A-Za-z0-9.-]*(webhook\.office\.com|logic\.azure\.com|powerautomate\.com)[^\s\"'<>]*"),
    re.compile(r"(?i)(token|api_token|password|secret)=([^&\s\"']+)"),
]
_known_secrets: set[str] = set()


def register_secrets(values: Iterable[str]) -> None:
    """Remember secret values (tokens, webhook URLs) so that they are masked wherever they appear."""
    _known_secrets.update(v for v in values if v and len(v) >= 6)


def redact_text(text: str) -> str:
    for secret in _known_secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    for pattern in _PATTERNS:
        if pattern.groups == 2:
            text = pattern.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
        else:
            text = pattern.sub(REDACTED, text)
    return text


def _redact_value(key: str, value: Any) -> Any:
    if isinstance(value, str):
        if _SECRET_KEY.search(key) and key not in ("token_count", "tokens_used"):
            return REDACTED
        return redact_text(value)
    if isinstance(value, dict):
        return {k: _redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redact_value(key, v) for v in value]
    return value


def redact_processor(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event_dict):
        if key == "event" and isinstance(event_dict[key], str):
            event_dict[key] = redact_text(event_dict[key])
        else:
            event_dict[key] = _redact_value(key, event_dict[key])
    return event_dict


def configure_logging(level: str = "INFO", *, json: bool = True, stream: TextIO | None = None) -> None:
    """Configure structlog and the stdlib root logger once per process (idempotent)."""
    stream = stream or sys.stderr
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    own: list[Any] = [structlog.stdlib.filter_by_level, *shared]  # drop disabled levels before any work
    renderer: Any = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    structlog.configure(
        processors=[*own, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name, structlog.stdlib.ExtraAdder()],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redact_processor,
            renderer,
        ],
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.set_name("jira_mcp")
    root = logging.getLogger()
    for existing in list(root.handlers):
        if existing.get_name() == "jira_mcp" or isinstance(existing, logging.StreamHandler):
            root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Libraries that log every request at INFO would drown the server's own lines.
    for noisy in ("httpx", "httpcore", "httpx2", "uvicorn.access", "mcp.server.lowlevel.server"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


def get_logger(name: str | None = None) -> Any:
    return structlog.stdlib.get_logger(name)
