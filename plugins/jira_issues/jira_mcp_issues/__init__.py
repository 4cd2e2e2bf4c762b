"""jira-mcp-issues: the everyday issue workflow — search, read, create, update, transition, comment,
worklog, link — compact for the model."""

from __future__ import annotations

from jira_mcp import hookimpl
from jira_mcp.registries import ToolRegistry

from jira_mcp_issues import meta, read, write
from jira_mcp_issues.common import IssueAccess

__version__ = "0.1.0"


@hookimpl
def register_tools(registry: ToolRegistry) -> None:
    access = IssueAccess(registry.services)
    read.register(registry, access)
    write.register(registry, access)
    meta.register(registry, access)
