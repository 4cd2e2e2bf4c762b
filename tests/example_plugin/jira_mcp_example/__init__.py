"""An example third-party plugin: a real (small) tool, ``count_issues``, built only on the public API."""

from __future__ import annotations

from typing import Annotated

from jira_mcp import ToolOutput, ToolRegistry, hookimpl
from jira_mcp.jira.pagination import search_jql
from pydantic import Field


class Count(ToolOutput):
    jql: str
    count: int
    capped: bool

    def to_markdown(self) -> str:
        return f"{self.count}{'+' if self.capped else ''} issue(s) match {self.jql}"


@hookimpl
def register_tools(registry: ToolRegistry) -> None:
    services = registry.services

    async def count_issues(jql: str, cap: Annotated[int, Field(ge=1, le=5000)] = 1000) -> Count:
        """Count issues matching JQL (up to cap)."""
        query = services.policy.constrain_jql(jql)
        page = await search_jql(services.jira, query, fields=["id"], limit=cap)
        return Count(jql=query, count=len(page.items), capped=page.next_page_token is not None)

    registry.add(count_issues, toolset="example", read_only=True)
