"""Board, sprint and epic tools."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from jira_mcp.errors import JiraMcpError, JiraValidationError
from jira_mcp.jira.fields import ROW_FIELDS, FieldCatalog, IssueRow, issue_row
from jira_mcp.jira.pagination import Page, paginate_offset, search_jql
from jira_mcp.registries import ToolRegistry
from jira_mcp.toolkit import IssueKey, PageToken, ToolOutput, check_issue_key
from pydantic import BaseModel, Field

from jira_mcp_boards.common import AGILE, BoardAccess, BoardId, SprintId, parse_jira_time

Limit = Annotated[int, Field(ge=1, le=100)]
Jql = Annotated[str | None, Field(description="JQL filter")]
FieldsParam = Annotated[list[str] | None, Field(description="Extra fields (names or ids)")]
IssueKeys = Annotated[list[str], Field(min_length=1, max_length=50)]
DateParam = Annotated[str | None, Field(description="ISO date(-time)")]


class BoardRow(BaseModel):
    id: int
    name: str
    type: str
    project: str | None = None


class BoardList(ToolOutput):
    boards: list[BoardRow]
    next_page_token: str | None = None

    def to_markdown(self) -> str:
        lines = [f"- {b.id} {b.name} ({b.type}{', ' + b.project if b.project else ''})" for b in self.boards]
        if self.next_page_token:
            lines.append(f"more: page_token={self.next_page_token}")
        return "\n".join(lines) or "no boards match"


class Column(BaseModel):
    name: str
    statuses: list[str]


class BoardDetail(ToolOutput):
    id: int
    name: str
    type: str
    project: str | None = None
    sprints: bool
    estimation_field: str | None = None
    filter_jql: str | None = None
    columns: list[Column]

    def to_markdown(self) -> str:
        lines = [
            f"## Board {self.id}: {self.name} ({self.type}, project {self.project})",
            f"sprints: {'yes' if self.sprints else 'no'} · estimation: {self.estimation_field or 'issue count'}",
            f"filter: {self.filter_jql or '-'}",
            "columns:",
        ]
        lines += [f"- {c.name}: {', '.join(c.statuses)}" for c in self.columns]
        return "\n".join(lines)


class IssuePage(ToolOutput):
    title: str
    issues: list[IssueRow]
    total: int | None = None
    next_page_token: str | None = None

    def to_markdown(self) -> str:
        head = f"{self.title}: {len(self.issues)}" + (f" of {self.total}" if self.total is not None else "")
        lines = [head, *(row.line() for row in self.issues)]
        if self.next_page_token:
            lines.append(f"more: page_token={self.next_page_token}")
        return "\n".join(lines)


class Sprint(ToolOutput):
    id: int
    name: str
    state: str
    goal: str | None = None
    start: str | None = None
    end: str | None = None
    completed: str | None = None
    board_id: int | None = None

    def line(self) -> str:
        dates = " → ".join(d for d in (self.start, self.completed or self.end) if d)
        return (
            f"- {self.id} {self.name} [{self.state}]"
            + (f" {dates}" if dates else "")
            + (f" — {self.goal}" if self.goal else "")
        )

    def to_markdown(self) -> str:
        return self.line()[2:]


class SprintList(ToolOutput):
    sprints: list[Sprint]
    next_page_token: str | None = None

    def to_markdown(self) -> str:
        lines = [s.line() for s in self.sprints] or ["no sprints"]
        if self.next_page_token:
            lines.append(f"more: page_token={self.next_page_token}")
        return "\n".join(lines)


class Epic(BaseModel):
    key: str
    name: str
    done: bool
    issues_done: int
    issues_total: int
    points_done: float
    points_total: float


class EpicList(ToolOutput):
    epics: list[Epic]

    def to_markdown(self) -> str:
        return (
            "\n".join(
                f"- {e.key} {e.name}{' [done]' if e.done else ''}: {e.issues_done}/{e.issues_total} issues, "
                f"{e.points_done:g}/{e.points_total:g} pts"
                for e in self.epics
            )
            or "no epics"
        )


class EpicIssues(ToolOutput):
    epic: Epic
    issues: list[IssueRow]
    next_page_token: str | None = None

    def to_markdown(self) -> str:
        e = self.epic
        lines = [
            f"{e.key} {e.name}: {e.issues_done}/{e.issues_total} done, {e.points_done:g}/{e.points_total:g} pts",
            *(row.line() for row in self.issues),
        ]
        if self.next_page_token:
            lines.append(f"more: page_token={self.next_page_token}")
        return "\n".join(lines)


class Moved(ToolOutput):
    message: str
    issue_keys: list[str]

    def to_markdown(self) -> str:
        return self.message


def sprint_model(data: dict[str, Any]) -> Sprint:
    return Sprint(
        id=int(data["id"]),
        name=str(data.get("name")),
        state=str(data.get("state")),
        goal=data.get("goal") or None,
        start=(data.get("startDate") or "")[:10] or None,
        end=(data.get("endDate") or "")[:10] or None,
        completed=(data.get("completeDate") or "")[:10] or None,
        board_id=data.get("originBoardId"),
    )


async def progress(access: BoardAccess, epics: list[dict[str, Any]], points_field: str | None) -> list[Epic]:
    """Done/total issues and points per epic, from one search over all their children."""
    if not epics:
        return []
    keys = [e["key"] for e in epics]
    fields = ["status", *([points_field] if points_field else [])]
    page = await search_jql(
        access.jira,
        access.services.policy.constrain_jql(f"parent in ({', '.join(keys)})"),
        fields=[*fields, "parent"],
        limit=1000,
    )
    stats = {k: [0, 0, 0.0, 0.0] for k in keys}
    for issue in page.items:
        f = issue.get("fields") or {}
        parent = (f.get("parent") or {}).get("key")
        if parent not in stats:
            continue
        done = ((f.get("status") or {}).get("statusCategory") or {}).get("key") == "done"
        points = f.get(points_field) if points_field else None
        points = float(points) if isinstance(points, (int, float)) else 0.0
        row = stats[parent]
        row[1] += 1
        row[3] += points
        if done:
            row[0] += 1
            row[2] += points
    return [
        Epic(
            key=e["key"],
            name=e.get("name") or e.get("summary") or e["key"],
            done=bool(e.get("done")),
            issues_done=int(stats[e["key"]][0]),
            issues_total=int(stats[e["key"]][1]),
            points_done=stats[e["key"]][2],
            points_total=stats[e["key"]][3],
        )
        for e in epics
    ]


def register(registry: ToolRegistry, access: BoardAccess) -> None:
    events = registry.services.events

    async def issue_page(
        template: str,
        not_found: tuple[str, str],
        board_id: int | None,
        fields: list[str] | None,
        limit: int,
        page_token: str | None,
        jql: str | None = None,
        **path: Any,
    ) -> tuple[list[IssueRow], Page]:
        """Fetch an agile issue listing with the row fields (and board estimation field) and render rows."""
        catalog = await FieldCatalog.load(access.jira)
        points = await access.points_field(board_id)
        extra = [catalog.resolve(name) for name in fields or []]
        wanted = list(dict.fromkeys([*ROW_FIELDS, *([points] if points else []), *extra]))
        page = await paginate_offset(
            access.jira,
            template,
            items_key="issues",
            limit=limit,
            page_token=page_token,
            cache=False,
            params={"jql": access.constrain(jql), "fields": wanted},
            not_found=not_found,
            **path,
        )
        return [issue_row(i, catalog, extra, points) for i in page.items], page

    async def list_boards(
        name: str | None = None,
        project_key: str | None = None,
        type: Literal["scrum", "kanban"] | None = None,
        limit: Limit = 50,
        page_token: PageToken = None,
    ) -> BoardList:
        """List boards, filtered by name, project or type."""
        params = {"name": name, "projectKeyOrId": project_key.upper() if project_key else None, "type": type}
        page = await paginate_offset(access.jira, f"{AGILE}/board", limit=limit, page_token=page_token, params=params)
        policy = access.services.policy
        boards = [
            BoardRow(id=b["id"], name=b["name"], type=b["type"], project=(b.get("location") or {}).get("projectKey"))
            for b in page.items
        ]
        boards = [b for b in boards if b.project is None or policy.allows(b.project)]
        return BoardList(boards=boards, next_page_token=page.next_page_token)

    async def get_board(board_id: BoardId) -> BoardDetail:
        """Board configuration: columns and statuses, estimation field, filter JQL, sprint support."""
        board = await access.board(board_id)
        config = await access.configuration(board_id)
        statuses = await access.statuses()
        jql = None
        filter_id = (config.get("filter") or {}).get("id")
        if filter_id:
            try:
                jql = (await access.jira.get(access.jira.api("/filter/{id}"), id=filter_id)).get("jql")
            except JiraMcpError:
                jql = None  # the filter may be private to its owner; the board is still usable
        field = (config.get("estimation") or {}).get("field") or {}
        columns = [
            Column(
                name=c["name"],
                statuses=[statuses.get(str(s["id"]), {}).get("name", str(s["id"])) for s in c.get("statuses") or []],
            )
            for c in (config.get("columnConfig") or {}).get("columns") or []
        ]
        return BoardDetail(
            id=board_id,
            name=board["name"],
            type=board["type"],
            project=(board.get("location") or {}).get("projectKey"),
            sprints=board["type"] == "scrum",
            estimation_field=field.get("displayName"),
            filter_jql=jql,
            columns=columns,
        )

    async def board_issues(
        kind: str, board_id: int, jql: str | None, fields: list[str] | None, limit: int, page_token: str | None
    ) -> IssuePage:
        board = await access.board(board_id)
        found, page = await issue_page(
            f"{AGILE}/board/{{id}}/{kind}",
            ("BOARD_NOT_FOUND", f"board {board_id}"),
            board_id,
            fields,
            limit,
            page_token,
            jql,
            id=board_id,
        )
        title = f"{'Backlog' if kind == 'backlog' else 'Issues'} of board {board_id} ({board['name']})"
        return IssuePage(title=title, issues=found, total=page.total, next_page_token=page.next_page_token)

    async def get_board_issues(
        board_id: BoardId, jql: Jql = None, fields: FieldsParam = None, limit: Limit = 20, page_token: PageToken = None
    ) -> IssuePage:
        """Issues on a board (its filter), optionally refined by JQL."""
        return await board_issues("issue", board_id, jql, fields, limit, page_token)

    async def get_backlog(
        board_id: BoardId, jql: Jql = None, fields: FieldsParam = None, limit: Limit = 20, page_token: PageToken = None
    ) -> IssuePage:
        """A board's backlog (issues in no open sprint), optionally refined by JQL."""
        return await board_issues("backlog", board_id, jql, fields, limit, page_token)

    async def list_sprints(
        board_id: BoardId,
        state: Annotated[list[Literal["future", "active", "closed"]] | None, Field(description="Default: all")] = None,
        limit: Limit = 50,
        page_token: PageToken = None,
    ) -> SprintList:
        """Sprints of a scrum board, oldest first."""
        await access.require_scrum(board_id)
        page = await paginate_offset(
            access.jira,
            f"{AGILE}/board/{{id}}/sprint",
            id=board_id,
            limit=limit,
            page_token=page_token,
            params={"state": state},
            not_found=("BOARD_NOT_FOUND", f"board {board_id}"),
        )
        return SprintList(sprints=[sprint_model(s) for s in page.items], next_page_token=page.next_page_token)

    async def get_sprint(sprint_id: SprintId) -> Sprint:
        """One sprint: state, dates, goal."""
        return sprint_model(await access.sprint(sprint_id))

    async def get_sprint_issues(
        sprint_id: SprintId,
        jql: Jql = None,
        fields: FieldsParam = None,
        limit: Limit = 50,
        page_token: PageToken = None,
    ) -> IssuePage:
        """Issues in a sprint, optionally refined by JQL."""
        sprint = await access.sprint(sprint_id)
        board_id = sprint.get("originBoardId")
        found, page = await issue_page(
            f"{AGILE}/sprint/{{id}}/issue",
            ("SPRINT_NOT_FOUND", f"sprint {sprint_id}"),
            board_id,
            fields,
            limit,
            page_token,
            jql,
            id=sprint_id,
        )
        return IssuePage(
            title=f"Sprint {sprint_id} ({sprint.get('name')}, {sprint.get('state')})",
            issues=found,
            total=page.total,
            next_page_token=page.next_page_token,
        )

    async def create_sprint(
        board_id: BoardId,
        name: Annotated[str, Field(min_length=1, max_length=30)],
        goal: str | None = None,
        start_date: DateParam = None,
        end_date: DateParam = None,
    ) -> Sprint:
        """Create a future sprint on a scrum board."""
        await access.require_scrum(board_id)
        body: dict[str, Any] = {"name": name, "originBoardId": board_id}
        if goal:
            body["goal"] = goal
        start, end = _dates(start_date, end_date)
        body.update({k: v for k, v in (("startDate", start), ("endDate", end)) if v})
        created = await access.jira.post(f"{AGILE}/sprint", json=body, invalidate=[f"{AGILE}/board/{board_id}/sprint"])
        sprint = sprint_model(created)
        events.emit(
            "sprint.created",
            f"sprint {sprint.name} created on board {board_id}",
            sprint_id=sprint.id,
            board_id=board_id,
            name=sprint.name,
        )
        return sprint

    async def update_sprint(
        sprint_id: SprintId,
        name: str | None = None,
        goal: str | None = None,
        start_date: DateParam = None,
        end_date: DateParam = None,
        state: Annotated[
            Literal["active", "closed"] | None,
            Field(description="active starts a future sprint; closed completes an active one"),
        ] = None,
    ) -> Sprint:
        """Rename, re-goal, re-date, start or close a sprint (Jira's sprint rules are checked first)."""
        current = await access.sprint(sprint_id)
        body: dict[str, Any] = {}
        if name is not None:
            body["name"] = name
        if goal is not None:
            body["goal"] = goal
        start, end = _dates(start_date, end_date)
        if current["state"] == "closed" and (state not in (None, "closed") or start or end):
            raise JiraValidationError(f"sprint {sprint_id} is closed; closed sprints cannot be reopened or re-dated")
        if state == "active":
            if current["state"] != "future":
                raise JiraValidationError(
                    f"only a future sprint can be started; sprint {sprint_id} is {current['state']}"
                )
            start = start or current.get("startDate") or _iso(datetime.now(UTC))
            end = end or current.get("endDate")
            if not end:
                raise JiraValidationError("starting a sprint needs an end_date (Jira requires start and end dates)")
        if state == "closed" and current["state"] != "active":
            raise JiraValidationError(f"only an active sprint can be closed; sprint {sprint_id} is {current['state']}")
        body.update({k: v for k, v in (("startDate", start), ("endDate", end)) if v})
        if state:
            body["state"] = state
        if not body:
            raise JiraValidationError("nothing to change: pass name, goal, dates or state")
        board_id = current.get("originBoardId")
        updated = await access.jira.post(
            f"{AGILE}/sprint/{{id}}",
            id=sprint_id,
            json=body,
            not_found=("SPRINT_NOT_FOUND", f"sprint {sprint_id}"),
            invalidate=[f"{AGILE}/board/{board_id}/sprint"],
        )
        sprint = sprint_model(updated)
        kind = {"active": "sprint.started", "closed": "sprint.closed"}.get(state or "", "sprint.updated")
        events.emit(
            kind,
            f"sprint {sprint.name} {kind.split('.')[1]}",
            sprint_id=sprint_id,
            board_id=board_id,
            name=sprint.name,
            state=sprint.state,
        )
        return sprint

    async def move_issues_to_sprint(sprint_id: SprintId, issue_keys: IssueKeys) -> Moved:
        """Move issues into a future or active sprint."""
        keys = [check_issue_key(k) for k in issue_keys]
        sprint = await access.sprint(sprint_id)
        if sprint["state"] == "closed":
            raise JiraValidationError(
                f"sprint {sprint_id} is closed; issues can only move into future or active sprints"
            )
        await access.jira.post(
            f"{AGILE}/sprint/{{id}}/issue",
            id=sprint_id,
            json={"issues": keys},
            not_found=("SPRINT_NOT_FOUND", f"sprint {sprint_id}"),
            invalidate=[access.jira.api(f"/issue/{k}") for k in keys],
        )
        events.emit(
            "sprint.issues_moved",
            f"{len(keys)} issue(s) moved to {sprint.get('name')}",
            sprint_id=sprint_id,
            issue_keys=keys,
        )
        return Moved(message=f"moved {', '.join(keys)} to sprint {sprint_id} ({sprint.get('name')})", issue_keys=keys)

    async def move_issues_to_backlog(issue_keys: IssueKeys) -> Moved:
        """Move issues out of their sprint into the backlog."""
        keys = [check_issue_key(k) for k in issue_keys]
        await access.jira.post(
            f"{AGILE}/backlog/issue", json={"issues": keys}, invalidate=[access.jira.api(f"/issue/{k}") for k in keys]
        )
        events.emit(
            "sprint.issues_moved", f"{len(keys)} issue(s) moved to the backlog", sprint_id=None, issue_keys=keys
        )
        return Moved(message=f"moved {', '.join(keys)} to the backlog", issue_keys=keys)

    async def list_epics(
        board_id: BoardId, done: Annotated[bool | None, Field(description="Only done/open")] = None, limit: Limit = 50
    ) -> EpicList:
        """Epics of a board with progress (done/total issues and points)."""
        await access.board(board_id)
        page = await paginate_offset(
            access.jira,
            f"{AGILE}/board/{{id}}/epic",
            id=board_id,
            limit=limit,
            cache=False,
            params={"done": done},
            not_found=("BOARD_NOT_FOUND", f"board {board_id}"),
        )
        return EpicList(epics=await progress(access, page.items, await access.points_field(board_id)))

    async def get_epic_issues(
        epic_key: IssueKey, fields: FieldsParam = None, limit: Limit = 50, page_token: PageToken = None
    ) -> EpicIssues:
        """An epic's child issues with its progress."""
        key = check_issue_key(epic_key)
        epic = await access.jira.get(f"{AGILE}/epic/{{key}}", key=key, not_found=("ISSUE_NOT_FOUND", f"epic {key}"))
        points = await access.points_field(None)
        [summary] = await progress(access, [epic], points)
        found, page = await issue_page(
            f"{AGILE}/epic/{{key}}/issue", ("ISSUE_NOT_FOUND", f"epic {key}"), None, fields, limit, page_token, key=key
        )
        return EpicIssues(epic=summary, issues=found, next_page_token=page.next_page_token)

    for fn in (
        list_boards,
        get_board,
        get_board_issues,
        get_backlog,
        list_sprints,
        get_sprint,
        get_sprint_issues,
        list_epics,
        get_epic_issues,
    ):
        registry.add(fn, toolset="boards", read_only=True)
    registry.add(create_sprint, toolset="boards", read_only=False)
    registry.add(update_sprint, toolset="boards", read_only=False)
    registry.add(move_issues_to_sprint, toolset="boards", read_only=False, idempotent=True)
    registry.add(move_issues_to_backlog, toolset="boards", read_only=False, idempotent=True)


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _dates(start: str | None, end: str | None) -> tuple[str | None, str | None]:
    parsed: list[datetime | None] = []
    for label, text in (("start_date", start), ("end_date", end)):
        if text is None:
            parsed.append(None)
            continue
        value = parse_jira_time(text) or parse_jira_time(text + "T00:00:00")
        if value is None:
            raise JiraValidationError(f"{label} {text!r} is not an ISO date or date-time (2026-12-01T09:00)")
        parsed.append(value)
    if parsed[0] and parsed[1] and parsed[1] <= parsed[0]:
        raise JiraValidationError("end_date must be after start_date")
    if parsed[0] and parsed[1] and parsed[1] - parsed[0] > timedelta(days=366):
        raise JiraValidationError("a sprint longer than a year is surely a typo; check the dates")
    return tuple(_iso(v) if v else None for v in parsed)  # type: ignore[return-value]
