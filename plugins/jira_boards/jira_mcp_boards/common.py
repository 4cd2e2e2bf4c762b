"""Board access shared by the board tools: cached configuration, estimation field, statuses."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from jira_mcp.errors import JiraValidationError
from jira_mcp.jira.client import JiraClient
from jira_mcp.jira.fields import FieldCatalog
from jira_mcp.services import Services

__all__ = ["AGILE", "BoardAccess", "BoardId", "SprintId", "parse_jira_time"]

AGILE = "/rest/agile/1.0"
BoardId = int
SprintId = int


def parse_jira_time(text: str | None) -> datetime | None:
    if not text:
        return None
    value = text.strip().replace("Z", "+00:00")
    if len(value) >= 5 and value[-5] in "+-" and value[-3] != ":":
        value = value[:-2] + ":" + value[-2:]
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class BoardAccess:
    def __init__(self, services: Services) -> None:
        self.services = services

    @property
    def jira(self) -> JiraClient:
        return self.services.jira

    async def board(self, board_id: int) -> dict[str, Any]:
        board = await self.jira.get(
            f"{AGILE}/board/{{id}}", id=board_id, not_found=("BOARD_NOT_FOUND", f"board {board_id}")
        )
        project = ((board or {}).get("location") or {}).get("projectKey")
        if project and not self.services.policy.allows(project):
            self.services.policy.check_project(project)
        return dict(board)

    async def configuration(self, board_id: int) -> dict[str, Any]:
        return dict(
            await self.jira.get(
                f"{AGILE}/board/{{id}}/configuration", id=board_id, not_found=("BOARD_NOT_FOUND", f"board {board_id}")
            )
        )

    async def require_scrum(self, board_id: int) -> dict[str, Any]:
        board = await self.board(board_id)
        if board.get("type") != "scrum":
            raise JiraValidationError(
                f"board {board_id} ({board.get('name')}) is a {board.get('type')} board; {board.get('type')} boards "
                "have no sprints — use get_board_issues, or a scrum board"
            )
        return board

    async def points_field(self, board_id: int | None) -> str | None:
        """The board's estimation field (discovered from its configuration), else the site's story points."""
        if board_id is not None:
            config = await self.configuration(board_id)
            field = ((config.get("estimation") or {}).get("field") or {}).get("fieldId")
            if field:
                return str(field)
        return (await FieldCatalog.load(self.jira)).story_points

    async def sprint_field(self) -> str | None:
        return (await FieldCatalog.load(self.jira)).sprint

    async def statuses(self) -> dict[str, dict[str, Any]]:
        """Status id → status (with category), cached."""
        data = await self.jira.get(self.jira.api("/status"))
        return {str(s["id"]): s for s in data or []}

    async def sprint(self, sprint_id: int) -> dict[str, Any]:
        sprint = await self.jira.get(
            f"{AGILE}/sprint/{{id}}", id=sprint_id, not_found=("SPRINT_NOT_FOUND", f"sprint {sprint_id}")
        )
        return dict(sprint)

    def constrain(self, jql: str | None) -> str | None:
        policy = self.services.policy
        if not jql:
            return policy.constrain_jql("") or None if policy.restricted else None
        return policy.constrain_jql(jql)
