"""Structured logs: JSON lines, secrets redacted wherever they appear."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from jira_mcp.observability.logging import get_logger, redact_text, register_secrets


def test_known_secrets_and_patterns_are_redacted(captured_logs: Callable[[], list[dict[str, Any]]]) -> None:
    register_secrets(["super-secret-token-value-123"])
    log = get_logger("test")
    log.info(
        "calling jira with super-secret-token-value-123",
        headers={"Authorization": "Basic dXNlcjpwYXNz"},
        webhook_url="https://hooks.slack.com/services/T000/B000/XXXX",
        detail="Bearer abcdefghijkl",
    )
    logging.getLogger("uvicorn").warning("url https://acme.webhook.office.com/webhookb2/abc?token=zzz leaked")
    raw = captured_logs.raw.getvalue()  # type: ignore[attr-defined]
    for secret in (
        "super-secret-token-value-123",
        "dXNlcjpwYXNz",
        "hooks.slack.com/services",
        "abcdefghijkl",
        "webhookb2/abc",
    ):
        assert secret not in raw
    lines = captured_logs()
    assert lines[0]["event"].startswith("calling jira with [REDACTED]")
    assert lines[0]["headers"]["Authorization"] == "[REDACTED]"
    assert all(json.dumps(line) for line in lines)


def test_redact_text_keeps_ordinary_text() -> None:
    assert redact_text("issue ENG-1 moved to Done") == "issue ENG-1 moved to Done"
    assert "[REDACTED]" in redact_text("GET /x?api_token=abc123")
