"""One error hierarchy for the whole server.

Every failure a user, a model or an operator can act on is a ``JiraMcpError`` carrying a stable
``code`` from the runbook table. Tool calls turn them into ``is_error`` results whose text starts
with the code; logs and metrics carry the same code.

    JiraMcpError (code)
    ├── JiraAuthError                 JIRA_AUTH_FAILED
    ├── JiraPermissionError           JIRA_PERMISSION_DENIED
    ├── NotFoundError                 ISSUE_NOT_FOUND | BOARD_NOT_FOUND | SPRINT_NOT_FOUND | ...
    ├── JiraValidationError           VALIDATION_ERROR (Jira's errorMessages and field errors)
    ├── EndpointRemovedError          JIRA_ENDPOINT_REMOVED (HTTP 410)
    ├── RateLimitError                RATE_LIMIT_EXCEEDED
    ├── JiraTimeoutError              JIRA_TIMEOUT
    ├── JiraConnectionError           JIRA_CONNECTION_FAILED
    │   ├── DnsResolutionError        DNS_RESOLUTION_FAILED
    │   └── TlsHandshakeError         TLS_HANDSHAKE_FAILED
    ├── JiraUnavailableError          JIRA_UNAVAILABLE (5xx after retries)
    ├── JiraBadResponseError          JIRA_BAD_RESPONSE (malformed or non-JSON body)
    ├── AccessDeniedError             READ_ONLY_MODE | PROJECT_NOT_ALLOWED | TOOL_DISABLED
    ├── WebhookError                  WEBHOOK_FAILED
    ├── ConfigError                   CONFIG_INVALID
    └── PluginError                   PLUGIN_ERROR

Messages say what happened and what to do. They never contain credentials.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

__all__ = [
    "AccessDeniedError",
    "ConfigError",
    "DnsResolutionError",
    "EndpointRemovedError",
    "JiraAuthError",
    "JiraBadResponseError",
    "JiraConnectionError",
    "JiraMcpError",
    "JiraPermissionError",
    "JiraTimeoutError",
    "JiraUnavailableError",
    "JiraValidationError",
    "NotFoundError",
    "PluginError",
    "RateLimitError",
    "TlsHandshakeError",
    "WebhookError",
]


class JiraMcpError(Exception):
    """Base of every coded error. ``str(err)`` is ``"CODE: message"``."""

    code: ClassVar[str] = "INTERNAL_ERROR"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code  # type: ignore[misc]  # per-instance code (not-found variants)
        self.status = status

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class JiraAuthError(JiraMcpError):
    code = "JIRA_AUTH_FAILED"


class JiraPermissionError(JiraMcpError):
    code = "JIRA_PERMISSION_DENIED"


class NotFoundError(JiraMcpError):
    """A 404; the caller chooses the code (ISSUE_NOT_FOUND, BOARD_NOT_FOUND, ...)."""

    code = "NOT_FOUND"


class JiraValidationError(JiraMcpError):
    """Bad input, ours or as judged by Jira (400), with Jira's messages and per-field errors."""

    code = "VALIDATION_ERROR"

    def __init__(
        self,
        message: str,
        *,
        error_messages: Sequence[str] = (),
        field_errors: Mapping[str, str] | None = None,
        status: int | None = None,
    ) -> None:
        self.error_messages = list(error_messages)
        self.field_errors = dict(field_errors or {})
        parts = [message, *self.error_messages]
        parts += [f"{name}: {text}" for name, text in self.field_errors.items()]
        super().__init__("; ".join(p for p in parts if p), status=status)


class EndpointRemovedError(JiraMcpError):
    code = "JIRA_ENDPOINT_REMOVED"


class RateLimitError(JiraMcpError):
    code = "RATE_LIMIT_EXCEEDED"

    def __init__(self, message: str, *, retry_after: float | None = None, status: int | None = None) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class JiraTimeoutError(JiraMcpError):
    code = "JIRA_TIMEOUT"


class JiraConnectionError(JiraMcpError):
    code = "JIRA_CONNECTION_FAILED"


class DnsResolutionError(JiraConnectionError):
    code = "DNS_RESOLUTION_FAILED"


class TlsHandshakeError(JiraConnectionError):
    code = "TLS_HANDSHAKE_FAILED"


class JiraUnavailableError(JiraMcpError):
    code = "JIRA_UNAVAILABLE"


class JiraBadResponseError(JiraMcpError):
    code = "JIRA_BAD_RESPONSE"


class AccessDeniedError(JiraMcpError):
    """Refused by this server's own policy (read-only mode, project allowlist, disabled tool)."""

    code = "PROJECT_NOT_ALLOWED"


class WebhookError(JiraMcpError):
    code = "WEBHOOK_FAILED"


class ConfigError(JiraMcpError):
    code = "CONFIG_INVALID"


class PluginError(JiraMcpError):
    code = "PLUGIN_ERROR"
