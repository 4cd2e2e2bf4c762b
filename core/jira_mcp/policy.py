"""Operator policy enforced in the core for every tool: read-only mode and the project allowlist."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from jira_mcp.errors import AccessDeniedError

if TYPE_CHECKING:
    from jira_mcp.config import Settings

__all__ = ["Policy", "project_of"]

_ISSUE_KEY = re.compile(r"^([A-Z][A-Z0-9_]*)-\d+$")


def project_of(issue_key: str) -> str | None:
    match = _ISSUE_KEY.match(issue_key.strip().upper())
    return match.group(1) if match else None


class Policy:
    def __init__(self, settings: Settings) -> None:
        self.read_only = settings.read_only_mode
        self.allowed_projects = frozenset(settings.jira_project_whitelist)

    @property
    def restricted(self) -> bool:
        return bool(self.allowed_projects)

    def allows(self, project_key: str | None) -> bool:
        return not self.allowed_projects or (project_key or "").upper() in self.allowed_projects

    def check_project(self, project_key: str) -> None:
        if not self.allows(project_key):
            raise AccessDeniedError(
                f"project {project_key.upper()} is not in JIRA_PROJECT_WHITELIST "
                f"(allowed: {', '.join(sorted(self.allowed_projects))})"
            )

    def check_issue_keys(self, keys: Iterable[str]) -> None:
        for key in keys:
            project = project_of(key)
            if project is not None:
                self.check_project(project)

    def constrain_jql(self, jql: str) -> str:
        """Restrict a JQL query to the allowed projects (no-op without an allowlist)."""
        if not self.allowed_projects:
            return jql
        allowed = ", ".join(sorted(self.allowed_projects))
        query, order = _split_order_by(jql)
        constrained = f"project in ({allowed})"
        if query.strip():
            constrained += f" AND ({query.strip()})"
        return f"{constrained} {order}".strip()


def _split_order_by(jql: str) -> tuple[str, str]:
    # ORDER BY outside quotes; JQL has no nested ORDER BY.
    in_quote: str | None = None
    upper = jql.upper()
    for index, char in enumerate(jql):
        if in_quote:
            if char == in_quote:
                in_quote = None
        elif char in "\"'":
            in_quote = char
        elif upper.startswith("ORDER BY", index) and (index == 0 or not jql[index - 1].isalnum()):
            return jql[:index], jql[index:]
    return jql, ""
