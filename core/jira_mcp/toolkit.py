"""Building blocks for tool authors: the output base class and compact-text helpers.

A tool returns a :class:`ToolOutput`. The core sends its fields (``None`` omitted) as structured
content and :meth:`ToolOutput.to_markdown` as the text the model reads — compact, no raw Jira JSON.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from jira_mcp.errors import JiraValidationError

__all__ = [
    "ISSUE_KEY",
    "PROJECT_KEY",
    "IssueKey",
    "Limit",
    "PageToken",
    "ProjectKey",
    "ToolOutput",
    "check_issue_key",
    "check_project_key",
    "truncate",
]

ISSUE_KEY = re.compile(r"^[A-Z][A-Z0-9_]{0,9}-[1-9][0-9]{0,9}$")
PROJECT_KEY = re.compile(r"^[A-Z][A-Z0-9_]{0,9}$")

IssueKey = Annotated[str, Field(description="e.g. PROJ-123")]
ProjectKey = Annotated[str, Field(description="e.g. PROJ")]
Limit = Annotated[int, Field(ge=1, le=100)]
PageToken = Annotated[str | None, Field(description="A next_page_token")]


class ToolOutput(BaseModel):
    """Base of every tool result. Subclasses override :meth:`to_markdown`."""

    model_config = ConfigDict(extra="forbid")

    def to_markdown(self) -> str:
        data = self.model_dump(mode="json", exclude_none=True)
        return "\n".join(f"{k}: {v}" for k, v in data.items())


def check_issue_key(value: str) -> str:
    key = value.strip().upper()
    if not ISSUE_KEY.match(key):
        raise JiraValidationError(f"{value!r} is not an issue key; expected PROJECT-123")
    return key


def check_project_key(value: str) -> str:
    key = value.strip().upper()
    if not PROJECT_KEY.match(key):
        raise JiraValidationError(f"{value!r} is not a project key; expected letters/digits like PROJ")
    return key


def truncate(text: str, limit: int, hint: str = "") -> tuple[str, bool]:
    """Cut ``text`` at ``limit`` characters on a line or word boundary, with a clear marker."""
    if len(text) <= limit:
        return text, False
    cut = text.rfind("\n", 0, limit)
    if cut < limit * 0.6:
        cut = text.rfind(" ", 0, limit)
    if cut < limit * 0.6:
        cut = limit
    marker = f"\n…[truncated {len(text) - cut} more chars{'; ' + hint if hint else ''}]"
    return text[:cut].rstrip() + marker, True
