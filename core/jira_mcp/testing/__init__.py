"""Testing kit for plugin authors: the ``jira_mcp`` pytest plugin (see :mod:`jira_mcp.testing.plugin`)."""

from __future__ import annotations

from jira_mcp.testing.plugin import ToolResult

__all__ = ["ToolResult"]
