"""Observability: structured logging with secret redaction, and the Prometheus metrics registry."""

from __future__ import annotations

from jira_mcp.observability.logging import configure_logging, get_logger, redact_text, register_secrets
from jira_mcp.observability.metrics import Metrics

__all__ = ["Metrics", "configure_logging", "get_logger", "redact_text", "register_secrets"]
