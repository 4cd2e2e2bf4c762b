"""jira-mcp-boards: boards, sprints, epics and delivery reports (sprint report, velocity, closed items,
release announcement drafts)."""

from __future__ import annotations

from jira_mcp import hookimpl
from jira_mcp.registries import ToolRegistry

from jira_mcp_boards import boards, reports
from jira_mcp_boards.common import BoardAccess

__version__ = "0.1.0"


@hookimpl
def register_tools(registry: ToolRegistry) -> None:
    access = BoardAccess(registry.services)
    boards.register(registry, access)
    reports.register(registry, access)
