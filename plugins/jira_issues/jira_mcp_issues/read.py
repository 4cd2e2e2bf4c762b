"""Read tools: get_issue, search_issues, get_transitions, get_comments, get_worklogs, get_issue_changelog."""

from __future__ import annotations

from typing import Annotated, Any

from jira_mcp.jira.durations import format_duration
from jira_mcp.jira.fields import ROW_FIELDS, IssueRow, issue_row, short_date, user_name
from jira_mcp.jira.pagination import paginate_offset, search_jql
from jira_mcp.registries import ToolRegistry
from jira_mcp.toolkit import IssueKey, PageToken, ToolOutput, check_issue_key, truncate
from pydantic import BaseModel, Field

from jira_mcp_issues.common import (
    DESCRIPTION_LIMIT,
    CommentLimit,
    CommentOut,
    Fields,
    IssueAccess,
    IssueDetail,
    link_out,
    render_comment,
    sprint_label,
)

_DETAIL_FIELDS = [
    "summary",
    "issuetype",
    "status",
    "priority",
    "assignee",
    "reporter",
    "labels",
    "components",
    "parent",
    "created",
    "updated",
    "resolution",
    "resolutiondate",
    "description",
    "subtasks",
    "issuelinks",
    "comment",
]


class SearchResult(ToolOutput):
    jql: str
    issues: list[IssueRow]
    next_page_token: str | None = None
    total: int | None = None

    def to_markdown(self) -> str:
        head = f"{len(self.issues)} issue(s)" + (f" of {self.total}" if self.total is not None else "")
        lines = [f"{head} for: {self.jql}", *(row.line() for row in self.issues)]
        if self.next_page_token:
            lines.append(f"more: page_token={self.next_page_token}")
        return "\n".join(lines)


class Transition(BaseModel):
    id: str
    name: str
    to: str
    category: str | None = None


class TransitionList(ToolOutput):
    key: str
    status: str | None = None
    transitions: list[Transition]

    def to_markdown(self) -> str:
        lines = [f"{self.key} is {self.status}; transitions:"]
        lines += [f"- {t.id} {t.name} → {t.to}" for t in self.transitions]
        return "\n".join(lines)


class CommentPage(ToolOutput):
    key: str
    comments: list[CommentOut]
    total: int
    next_page_token: str | None = None

    def to_markdown(self) -> str:
        lines = [f"{self.key}: {len(self.comments)} of {self.total} comment(s)"]
        lines += [f"- {c.author} {c.created} (id {c.id}): {c.body}" for c in self.comments]
        if self.next_page_token:
            lines.append(f"more: page_token={self.next_page_token}")
        return "\n".join(lines)


class Worklog(BaseModel):
    id: str
    author: str | None = None
    started: str | None = None
    time_spent: str
    seconds: int
    comment: str | None = None


class WorklogPage(ToolOutput):
    key: str
    worklogs: list[Worklog]
    total: int
    total_time: str
    next_page_token: str | None = None

    def to_markdown(self) -> str:
        lines = [f"{self.key}: {self.total} worklog(s), {self.total_time} logged"]
        lines += [
            f"- {w.started} {w.author}: {w.time_spent}" + (f" — {w.comment}" if w.comment else "") + f" (id {w.id})"
            for w in self.worklogs
        ]
        if self.next_page_token:
            lines.append(f"more: page_token={self.next_page_token}")
        return "\n".join(lines)


class Change(BaseModel):
    at: str
    author: str | None = None
    field: str
    old: str | None = None
    new: str | None = None


class Changelog(ToolOutput):
    key: str
    changes: list[Change]
    next_page_token: str | None = None

    def to_markdown(self) -> str:
        lines = [f"{self.key}: {len(self.changes)} change(s)"]
        lines += [f"- {c.at} {c.author}: {c.field} {c.old or '∅'} → {c.new or '∅'}" for c in self.changes]
        if self.next_page_token:
            lines.append(f"more: page_token={self.next_page_token}")
        return "\n".join(lines)


def register(registry: ToolRegistry, access: IssueAccess) -> None:
    services = registry.services

    async def get_issue(
        issue_key: IssueKey,
        fields: Fields = None,
        comment_limit: CommentLimit = 5,
    ) -> IssueDetail:
        """Get one issue: core fields, description (Markdown), subtasks, links and recent comments."""
        key = check_issue_key(issue_key)
        jira = access.jira
        catalog = await access.catalog()
        extra_ids = [catalog.resolve(name) for name in fields or []]
        wanted = list(
            dict.fromkeys(_DETAIL_FIELDS + [f for f in (catalog.story_points, catalog.sprint) if f] + extra_ids)
        )
        if not comment_limit:
            wanted.remove("comment")
        issue = await access.get_issue(key, wanted)
        f = issue.get("fields") or {}
        description = jira.from_rich_text(f.get("description"))
        # Asking for the description by name means "all of it"; otherwise it is cut with a marker.
        full = "description" in extra_ids
        extra_ids = [field_id for field_id in extra_ids if field_id != "description"]
        description, cut = (
            (description, False)
            if full
            else truncate(description, DESCRIPTION_LIMIT, 'get_issue with fields=["description"] returns all of it')
        )
        comment_block = f.get("comment") or {}
        comments = comment_block.get("comments") or []
        parent = f.get("parent")
        points = f.get(catalog.story_points) if catalog.story_points else None
        extra = {}
        for field_id in extra_ids:
            value = f.get(field_id)
            row = issue_row({"key": key, "fields": {field_id: value}}, catalog, [field_id])
            if row.extra:
                extra.update(row.extra)
        return IssueDetail(
            key=key,
            url=jira.browse_url(key),
            summary=f.get("summary"),
            type=(f.get("issuetype") or {}).get("name"),
            status=(f.get("status") or {}).get("name"),
            status_category=((f.get("status") or {}).get("statusCategory") or {}).get("name"),
            priority=(f.get("priority") or {}).get("name"),
            assignee=user_name(f.get("assignee")),
            reporter=user_name(f.get("reporter")),
            labels=f.get("labels") or None,
            components=[c.get("name") for c in f.get("components") or []] or None,
            parent=f"{parent['key']} {((parent.get('fields') or {}).get('summary') or '')}".strip() if parent else None,
            sprint=sprint_label(f.get(catalog.sprint)) if catalog.sprint else None,
            story_points=float(points) if isinstance(points, (int, float)) else None,
            created=short_date(f.get("created")),
            updated=short_date(f.get("updated")),
            resolution=(f.get("resolution") or {}).get("name"),
            resolved=short_date(f.get("resolutiondate")),
            description=description or None,
            description_truncated=cut or None,
            fields=extra or None,
            subtasks=[issue_row(s) for s in f.get("subtasks") or []] or None,
            links=[x for x in (link_out(link) for link in f.get("issuelinks") or []) if x] or None,
            comments=[render_comment(jira, c) for c in comments[-comment_limit:]] if comment_limit else None,
            comments_total=comment_block.get("total", len(comments)) if comment_limit else None,
        )

    async def search_issues(
        jql: str,
        fields: Fields = None,
        limit: Annotated[int, Field(ge=1, le=100)] = 10,
        page_token: PageToken = None,
    ) -> SearchResult:
        """Search issues with JQL; one compact line per issue, plus next_page_token."""
        query = services.policy.constrain_jql(jql.strip())
        catalog = await access.catalog()
        extra_ids = [catalog.resolve(name) for name in fields or []]
        wanted = list(dict.fromkeys(ROW_FIELDS + [f for f in (catalog.story_points,) if f] + extra_ids))
        page = await search_jql(access.jira, query, fields=wanted, limit=limit, page_token=page_token)
        rows = [issue_row(issue, catalog, extra_ids) for issue in page.items]
        return SearchResult(jql=query, issues=rows, next_page_token=page.next_page_token, total=page.total)

    async def get_transitions(issue_key: IssueKey) -> TransitionList:
        """List the workflow transitions available for an issue now."""
        key = check_issue_key(issue_key)
        jira = access.jira
        issue = await access.get_issue(key, ["status"])
        data = await jira.get(
            jira.api("/issue/{key}/transitions"), key=key, cache=False, not_found=("ISSUE_NOT_FOUND", f"issue {key}")
        )
        return TransitionList(
            key=key,
            status=((issue.get("fields") or {}).get("status") or {}).get("name"),
            transitions=[_transition(t) for t in (data or {}).get("transitions") or []],
        )

    async def get_comments(
        issue_key: IssueKey,
        limit: Annotated[int, Field(ge=1, le=100)] = 20,
        page_token: PageToken = None,
    ) -> CommentPage:
        """Read an issue's comments in full, oldest first, paged."""
        key = check_issue_key(issue_key)
        jira = access.jira
        page = await paginate_offset(
            jira,
            jira.api("/issue/{key}/comment"),
            items_key="comments",
            limit=limit,
            page_token=page_token,
            cache=False,
            not_found=("ISSUE_NOT_FOUND", f"issue {key}"),
            key=key,
        )
        return CommentPage(
            key=key,
            comments=[render_comment(jira, c, limit=4000) for c in page.items],
            total=page.total or len(page.items),
            next_page_token=page.next_page_token,
        )

    async def get_worklogs(
        issue_key: IssueKey,
        limit: Annotated[int, Field(ge=1, le=100)] = 20,
        page_token: PageToken = None,
    ) -> WorklogPage:
        """List time logged on an issue."""
        key = check_issue_key(issue_key)
        jira = access.jira
        page = await paginate_offset(
            jira,
            jira.api("/issue/{key}/worklog"),
            items_key="worklogs",
            limit=limit,
            page_token=page_token,
            cache=False,
            not_found=("ISSUE_NOT_FOUND", f"issue {key}"),
            key=key,
        )
        logs = [
            Worklog(
                id=str(w.get("id")),
                author=user_name(w.get("author")),
                started=short_date(w.get("started")),
                time_spent=w.get("timeSpent") or format_duration(int(w.get("timeSpentSeconds") or 0)),
                seconds=int(w.get("timeSpentSeconds") or 0),
                comment=jira.from_rich_text(w.get("comment")) or None,
            )
            for w in page.items
        ]
        return WorklogPage(
            key=key,
            worklogs=logs,
            total=page.total or len(logs),
            total_time=format_duration(sum(w.seconds for w in logs)),
            next_page_token=page.next_page_token,
        )

    async def get_issue_changelog(
        issue_key: IssueKey,
        fields: Annotated[list[str] | None, Field(description='Only these, e.g. ["status"]')] = None,
        limit: Annotated[int, Field(ge=1, le=100)] = 30,
        page_token: PageToken = None,
    ) -> Changelog:
        """History of an issue: status, assignee, sprint and field changes, oldest first."""
        key = check_issue_key(issue_key)
        jira = access.jira
        wanted = {f.lower() for f in fields or []}
        if jira.is_cloud:
            page = await paginate_offset(
                jira,
                "/rest/api/3/issue/{key}/changelog",
                limit=limit,
                page_token=page_token,
                cache=False,
                not_found=("ISSUE_NOT_FOUND", f"issue {key}"),
                key=key,
            )
            histories, token = page.items, page.next_page_token
        else:
            issue = await access.get_issue(key, ["summary"], expand="changelog")
            histories, token = (issue.get("changelog") or {}).get("histories") or [], None
        changes = []
        for history in histories:
            for item in history.get("items") or []:
                name = str(item.get("field", ""))
                if wanted and name.lower() not in wanted and str(item.get("fieldId", "")).lower() not in wanted:
                    continue
                changes.append(
                    Change(
                        at=f"{history.get('created', '')[:10]} {history.get('created', '')[11:16]}",
                        author=user_name(history.get("author")),
                        field=name,
                        old=item.get("fromString"),
                        new=item.get("toString"),
                    )
                )
        return Changelog(key=key, changes=changes, next_page_token=token)

    for fn in (get_issue, search_issues, get_transitions, get_comments, get_worklogs, get_issue_changelog):
        registry.add(fn, toolset="issues", read_only=True)


def _transition(t: dict[str, Any]) -> Transition:
    to = t.get("to") or {}
    return Transition(
        id=str(t.get("id")),
        name=str(t.get("name")),
        to=str(to.get("name")),
        category=(to.get("statusCategory") or {}).get("name"),
    )
