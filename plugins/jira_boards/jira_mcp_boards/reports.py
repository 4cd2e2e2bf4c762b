"""Delivery reports computed server-side: sprint report, velocity, closed items, announcement drafts."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from jira_mcp.jira.fields import user_name
from jira_mcp.jira.pagination import paginate_offset, search_jql
from jira_mcp.registries import ToolRegistry
from jira_mcp.toolkit import ToolOutput
from pydantic import BaseModel, Field

from jira_mcp_boards.common import AGILE, BoardAccess, BoardId, SprintId, parse_jira_time

BoardIds = Annotated[list[int], Field(min_length=1, max_length=10, description="Board ids")]
Days = Annotated[int, Field(ge=1, le=365, description="Look back this many days")]


class ReportIssue(BaseModel):
    key: str
    summary: str
    points: float | None = None
    status: str | None = None


class SprintReport(ToolOutput):
    sprint_id: int
    name: str
    state: str
    start: str | None = None
    end: str | None = None
    committed_points: float
    completed_points: float
    committed_issues: int
    completion_ratio: float | None = None
    completed: list[ReportIssue]
    not_completed: list[ReportIssue]
    added_after_start: list[ReportIssue]
    removed: list[ReportIssue]
    carry_over: list[ReportIssue]

    def to_markdown(self) -> str:
        ratio = f"{self.completion_ratio:.0%}" if self.completion_ratio is not None else "n/a"
        lines = [
            f"## Sprint {self.sprint_id}: {self.name} [{self.state}] {self.start or ''} → {self.end or ''}".rstrip(),
            f"committed {self.committed_points:g} pts ({self.committed_issues} issues) · completed "
            f"{self.completed_points:g} pts ({len(self.completed)} issues) · completion {ratio}",
        ]
        for title, items in (
            ("Completed", self.completed),
            ("Not completed", self.not_completed),
            ("Added after start", self.added_after_start),
            ("Removed", self.removed),
            ("Carry-over", self.carry_over),
        ):
            if items:
                lines.append(
                    f"{title}: "
                    + "; ".join(
                        f"{i.key} {i.summary}" + (f" ({i.points:g})" if i.points is not None else "") for i in items
                    )
                )
        return "\n".join(lines)


class VelocitySprint(BaseModel):
    id: int
    name: str
    committed: float
    completed: float


class Velocity(ToolOutput):
    board_id: int
    sprints: list[VelocitySprint]
    average_completed: float
    average_committed: float
    trend: str

    def to_markdown(self) -> str:
        lines = [f"Velocity of board {self.board_id}, last {len(self.sprints)} closed sprint(s):"]
        lines += [f"- {s.name}: committed {s.committed:g}, completed {s.completed:g}" for s in self.sprints]
        lines.append(
            f"average completed {self.average_completed:g} (committed {self.average_committed:g}), trend {self.trend}"
        )
        return "\n".join(lines)


class ClosedItem(BaseModel):
    key: str
    summary: str
    type: str
    epic: str | None = None
    assignee: str | None = None
    resolved: str | None = None


class ClosedItems(ToolOutput):
    board_ids: list[int]
    days: int
    total: int
    by_type: dict[str, int]
    by_epic: dict[str, list[str]]
    contributors: dict[str, int]
    items: list[ClosedItem]

    def to_markdown(self) -> str:
        lines = [
            f"{self.total} issue(s) resolved in the last {self.days} day(s) on board(s) "
            f"{', '.join(map(str, self.board_ids))}",
            "by type: " + ", ".join(f"{k} {v}" for k, v in self.by_type.items()),
            "contributors: " + ", ".join(f"{k} ({v})" for k, v in self.contributors.items()),
        ]
        by_key = {i.key: i for i in self.items}
        for epic, keys in self.by_epic.items():
            lines.append(f"### {epic}")
            lines += [
                f"- {k} {by_key[k].summary} ({by_key[k].type}, {by_key[k].assignee or 'unassigned'})" for k in keys
            ]
        return "\n".join(lines)


class Announcement(ToolOutput):
    format: str
    markdown: str
    items: int

    def to_markdown(self) -> str:
        return self.markdown


def _sprint_ids(text: Any) -> set[int]:
    out = set()
    for part in str(text or "").replace("[", "").replace("]", "").split(","):
        part = part.strip()
        if part.isdigit():
            out.add(int(part))
    return out


def membership(issue: dict[str, Any], sprint_id: int, sprint_field: str | None) -> list[tuple[datetime, bool]]:
    """Times at which the issue entered (True) or left (False) the sprint, from its changelog."""
    events = []
    histories = ((issue.get("changelog") or {}).get("histories")) or []
    for history in histories:
        when = parse_jira_time(history.get("created"))
        if when is None:
            continue
        for item in history.get("items") or []:
            if item.get("fieldId") != sprint_field and str(item.get("field", "")).lower() != "sprint":
                continue
            before, after = sprint_id in _sprint_ids(item.get("from")), sprint_id in _sprint_ids(item.get("to"))
            if before != after:
                events.append((when, after))
    return sorted(events, key=lambda e: e[0])


def member_at(events: list[tuple[datetime, bool]], when: datetime, initially: bool) -> bool:
    state = initially
    for at, entered in events:
        if at > when:
            break
        state = entered
    return state


def status_at(issue: dict[str, Any], when: datetime) -> str | None:
    """The status name at ``when``, replaying status changes; the current status if none came later."""
    f = issue.get("fields") or {}
    changes = []
    for history in ((issue.get("changelog") or {}).get("histories")) or []:
        at = parse_jira_time(history.get("created"))
        for item in history.get("items") or []:
            if item.get("field") == "status" and at is not None:
                changes.append((at, item.get("fromString"), item.get("toString")))
    changes.sort(key=lambda c: c[0])
    later = [c for c in changes if c[0] > when]
    if later:
        return str(later[0][1])
    return (f.get("status") or {}).get("name")


async def sprint_report(access: BoardAccess, sprint_id: int) -> SprintReport:
    sprint = await access.sprint(sprint_id)
    board_id = sprint.get("originBoardId")
    points_field = await access.points_field(board_id)
    sprint_field = await access.sprint_field()
    statuses = await access.statuses()
    done_names = {s["name"] for s in statuses.values() if (s.get("statusCategory") or {}).get("key") == "done"}
    start = parse_jira_time(sprint.get("startDate"))
    end = parse_jira_time(sprint.get("completeDate")) or datetime.now(UTC)
    fields = ["summary", "status", "issuetype", "created", *([points_field] if points_field else [])]
    current = await search_jql(access.jira, f"sprint = {sprint_id}", fields=fields, limit=1000, expand=["changelog"])
    candidates = {i["key"]: i for i in current.items}
    if start is not None:
        board = await access.board(board_id) if board_id else {}
        project = (board.get("location") or {}).get("projectKey")
        if project:
            # Issues removed from the sprint no longer match `sprint = N`; find them by their history.
            since = start.strftime("%Y-%m-%d %H:%M")
            touched = await search_jql(
                access.jira,
                f'project = {project} AND updated >= "{since}"',
                fields=fields,
                limit=1000,
                expand=["changelog"],
            )
            for issue in touched.items:
                candidates.setdefault(issue["key"], issue)
    report: dict[str, list[ReportIssue]] = defaultdict(list)
    committed_points = completed_points = 0.0
    committed_issues = 0
    for key, issue in sorted(candidates.items(), key=lambda kv: (kv[0].split("-")[0], int(kv[0].split("-")[1]))):
        f = issue.get("fields") or {}
        events = membership(issue, sprint_id, sprint_field)
        now_member = key in {i["key"] for i in current.items}
        if not events and not now_member:
            continue
        initially = (not events[0][1]) if events else now_member
        created = parse_jira_time(f.get("created"))
        at_start = start is not None and member_at(events, start, initially) and (created is None or created <= start)
        at_end = member_at(events, end, initially)
        during = any(start is not None and start < at <= end and entered for at, entered in events)
        points = f.get(points_field) if points_field else None
        points = float(points) if isinstance(points, (int, float)) else None
        row = ReportIssue(
            key=key,
            summary=str(f.get("summary", "")),
            points=points,
            status=status_at(issue, end) if sprint.get("state") == "closed" else (f.get("status") or {}).get("name"),
        )
        if at_start:
            committed_issues += 1
            committed_points += points or 0
        elif during or (start is not None and not at_start and at_end):
            report["added"].append(row)
        if (at_start or during) and not at_end:
            report["removed"].append(row)
            continue
        if not at_end:
            continue
        if row.status in done_names:
            report["completed"].append(row)
            completed_points += points or 0
        else:
            report["not_completed"].append(row)
    carry = report["not_completed"] if sprint.get("state") == "closed" else []
    return SprintReport(
        sprint_id=sprint_id,
        name=str(sprint.get("name")),
        state=str(sprint.get("state")),
        start=(sprint.get("startDate") or "")[:10] or None,
        end=(sprint.get("completeDate") or sprint.get("endDate") or "")[:10] or None,
        committed_points=committed_points,
        completed_points=completed_points,
        committed_issues=committed_issues,
        completion_ratio=round(completed_points / committed_points, 3) if committed_points else None,
        completed=report["completed"],
        not_completed=report["not_completed"],
        added_after_start=report["added"],
        removed=report["removed"],
        carry_over=list(carry),
    )


async def closed_items(access: BoardAccess, board_ids: list[int], days: int) -> ClosedItems:
    items: dict[str, ClosedItem] = {}
    for board_id in board_ids:
        await access.board(board_id)
        page = await paginate_offset(
            access.jira,
            f"{AGILE}/board/{{id}}/issue",
            id=board_id,
            items_key="issues",
            limit=1000,
            cache=False,
            params={
                "jql": access.constrain(f"statusCategory = Done AND resolved >= -{days}d ORDER BY resolved DESC"),
                "fields": ["summary", "issuetype", "assignee", "resolutiondate", "parent"],
            },
            not_found=("BOARD_NOT_FOUND", f"board {board_id}"),
        )
        for issue in page.items:
            f = issue.get("fields") or {}
            if (f.get("issuetype") or {}).get("name") == "Epic":
                continue
            parent = f.get("parent") or {}
            epic = f"{parent['key']} {(parent.get('fields') or {}).get('summary', '')}".strip() if parent else None
            items.setdefault(
                issue["key"],
                ClosedItem(
                    key=issue["key"],
                    summary=str(f.get("summary", "")),
                    type=(f.get("issuetype") or {}).get("name", "?"),
                    epic=epic,
                    assignee=user_name(f.get("assignee")),
                    resolved=(f.get("resolutiondate") or "")[:10] or None,
                ),
            )
    ordered = sorted(items.values(), key=lambda i: (i.resolved or "", i.key), reverse=True)
    by_epic: dict[str, list[str]] = defaultdict(list)
    for item in ordered:
        by_epic[item.epic or "No epic"].append(item.key)
    contributors = Counter(i.assignee or "unassigned" for i in ordered)
    return ClosedItems(
        board_ids=board_ids,
        days=days,
        total=len(ordered),
        by_type=dict(Counter(i.type for i in ordered).most_common()),
        by_epic=dict(sorted(by_epic.items(), key=lambda kv: (kv[0] == "No epic", kv[0]))),
        contributors=dict(contributors.most_common()),
        items=ordered,
    )


def announcement(closed: ClosedItems, fmt: str) -> str:
    today = datetime.now(UTC).date().isoformat()
    themes: dict[str, list[ClosedItem]] = defaultdict(list)
    fixes: list[ClosedItem] = []
    for item in closed.items:
        if item.type == "Bug":
            fixes.append(item)
        else:
            themes[item.epic.split(" ", 1)[1] if item.epic and " " in item.epic else "Improvements"].append(item)
    people = [p for p in closed.contributors if p != "unassigned"]
    credit = ", ".join(people) if people else "the team"
    parts = []
    if fmt in ("announcement", "both"):
        lines = [
            f"# What's new — {today}",
            "",
            f"Over the last {closed.days} days we shipped {closed.total} change(s) across "
            f"{len(themes)} theme(s){' and fixed ' + str(len(fixes)) + ' bug(s)' if fixes else ''}.",
            "",
        ]
        for theme, entries in sorted(themes.items()):
            lines += [f"## {theme}", *(f"- {i.summary} ({i.key})" for i in entries), ""]
        if fixes:
            lines += ["## Bug fixes", *(f"- {i.summary} ({i.key})" for i in fixes), ""]
        lines += ["## Thanks", f"Thanks to {credit}."]
        parts.append("\n".join(lines))
    if fmt in ("blog", "both"):
        top = sorted(themes.items(), key=lambda kv: -len(kv[1]))
        lines = [
            f"# Blog outline: {top[0][0] if top else 'Recent work'} and more ({today})",
            "",
            "## Introduction",
            f"- Why these {closed.total} changes matter to users",
            "",
            "## Highlights",
        ]
        for theme, entries in top:
            lines += [
                f"### {theme}",
                f"- The problem it solves; {len(entries)} change(s):",
                *(f"  - {i.summary} ({i.key})" for i in entries),
            ]
        if fixes:
            lines += ["", "## Under the hood", *(f"- {i.summary} ({i.key})" for i in fixes)]
        lines += ["", "## What's next", "- Upcoming work (link the roadmap)", "", "## Credits", f"- {credit}"]
        parts.append("\n".join(lines))
    return "\n\n---\n\n".join(parts)


def register(registry: ToolRegistry, access: BoardAccess) -> None:
    async def get_sprint_report(sprint_id: SprintId) -> SprintReport:
        """Sprint report: committed vs completed points, added, removed, not completed, carry-over."""
        return await sprint_report(access, sprint_id)

    async def get_velocity(board_id: BoardId, limit: Annotated[int, Field(ge=1, le=12)] = 5) -> Velocity:
        """Committed and completed points of the last N closed sprints, average and trend."""
        await access.require_scrum(board_id)
        page = await paginate_offset(
            access.jira,
            f"{AGILE}/board/{{id}}/sprint",
            id=board_id,
            limit=200,
            params={"state": "closed"},
            not_found=("BOARD_NOT_FOUND", f"board {board_id}"),
        )
        closed = sorted(page.items, key=lambda s: (s.get("completeDate") or "", s["id"]))[-limit:]
        rows = []
        for sprint in closed:
            report = await sprint_report(access, int(sprint["id"]))
            rows.append(
                VelocitySprint(
                    id=report.sprint_id,
                    name=report.name,
                    committed=report.committed_points,
                    completed=report.completed_points,
                )
            )
        done = [r.completed for r in rows]
        average = round(sum(done) / len(done), 1) if done else 0.0
        trend = "n/a"
        if len(done) >= 2:
            half = len(done) // 2
            early, late = sum(done[:half]) / half, sum(done[-half:]) / half
            trend = "up" if late > early * 1.1 else "down" if late < early * 0.9 else "flat"
        return Velocity(
            board_id=board_id,
            sprints=rows,
            average_completed=average,
            average_committed=round(sum(r.committed for r in rows) / len(rows), 1) if rows else 0.0,
            trend=trend,
        )

    async def get_closed_items(board_ids: BoardIds, days: Days = 7) -> ClosedItems:
        """Issues resolved on boards in the last N days, grouped by type and epic, assignees credited."""
        return await closed_items(access, board_ids, days)

    async def scaffold_announcement(
        board_ids: BoardIds, days: Days = 7, format: Literal["announcement", "blog", "both"] = "announcement"
    ) -> Announcement:
        """Draft a release announcement and/or blog outline from recently closed items (Markdown)."""
        closed = await closed_items(access, board_ids, days)
        return Announcement(format=format, markdown=announcement(closed, format), items=closed.total)

    for fn in (get_sprint_report, get_velocity, get_closed_items, scaffold_announcement):
        registry.add(fn, toolset="reports", read_only=True)
