"""jira-mcp: a plugin-based Model Context Protocol server for Jira.

The public face for plugin authors: the hook marker, the registry types, the errors, the tool output
base class and the services type.
"""

from __future__ import annotations

from jira_mcp.errors import (
    AccessDeniedError,
    JiraMcpError,
    JiraValidationError,
    NotFoundError,
    WebhookError,
)
from jira_mcp.hookspecs import hookimpl
from jira_mcp.notify import Event
from jira_mcp.registries import HealthCheckRegistry, NotifierRegistry, SettingsRegistry, ToolRegistry
from jira_mcp.toolkit import ToolOutput

__version__ = "0.1.0"

__all__ = [
    "AccessDeniedError",
    "Event",
    "HealthCheckRegistry",
    "JiraMcpError",
    "JiraValidationError",
    "NotFoundError",
    "NotifierRegistry",
    "SettingsRegistry",
    "ToolOutput",
    "ToolRegistry",
    "WebhookError",
    "__version__",
    "hookimpl",
]
