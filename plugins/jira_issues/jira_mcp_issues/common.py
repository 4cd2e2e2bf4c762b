"""What the issue tools share: the Jira access helper, parameter types and output models."""

from __future__ import annotations

from typing import Annotated, Any

from jira_mcp.errors import JiraValidationError
from jira_mcp.jira import durations as jira_durations
from jira_mcp.jira.client import JiraClient
from jira_mcp.jira.fields import FieldCatalog, IssueRow, short_date, user_name
from jira_mcp.services import Services
from jira_mcp.toolkit import ToolOutput, check_issue_key, truncate
from pydantic import BaseModel, Field

__all__ = ["Fields", "IssueAccess", "parse_duration"]

Fields = Annotated[list[str] | None, Field(description="Extra fields (names or ids)")]
CommentLimit = Annotated[int, Field(ge=0, le=50, description="Recent comments")]
DESCRIPTION_LIMIT = 1200
COMMENT_LIMIT = 400


def parse_duration(text: str) -> int:
    """``1h 30m`` → 5400 seconds, or a VALIDATION_ERROR that says what a duration looks like."""
    seconds = jira_durations.parse_duration(text)
    if not seconds:
        raise JiraValidationError(f"time {text!r} is not a Jira duration; use e.g. '1h 30m', '2d', '1w 2d'")
    return seconds


class IssueAccess:
    """Per-server helper over the shared client: field catalog, users, issue fetch."""

    def __init__(self, services: Services) -> None:
        self.services = services

    @property
    def jira(self) -> JiraClient:
        return self.services.jira

    async def catalog(self) -> FieldCatalog:
        return await FieldCatalog.load(self.jira)

    def user_ref(self, user: dict[str, Any] | None) -> dict[str, Any] | None:
        if user is None:
            return None
        return {"accountId": user["accountId"]} if self.jira.is_cloud else {"name": user.get("name")}

    async def find_user(self, ref: str) -> dict[str, Any]:
        """A user from an account id, email, user name or display name."""
        value = ref.strip()
        if value.lower() in ("me", "currentuser()", "myself"):
            return dict(await self.jira.get(self.jira.api("/myself")))
        users = await self.jira.get(self.jira.api("/user/search"), params={"query": value, "maxResults": 10})
        users = users or []
        exact = [
            u
            for u in users
            if value.lower()
            in (
                str(u.get("accountId", "")).lower(),
                str(u.get("emailAddress", "")).lower(),
                str(u.get("name", "")).lower(),
                str(u.get("displayName", "")).lower(),
            )
        ]
        candidates = exact or users
        if len(candidates) == 1:
            return dict(candidates[0])
        if not candidates:
            raise JiraValidationError(f"no Jira user matches {ref!r}; try search_users")
        names = ", ".join(f"{u.get('displayName')} ({u.get('accountId') or u.get('name')})" for u in candidates[:5])
        raise JiraValidationError(f"{ref!r} matches several users: {names}; pass the account id")

    async def get_issue(self, key: str, fields: list[str], expand: str | None = None) -> dict[str, Any]:
        key = check_issue_key(key)
        return dict(
            await self.jira.get(
                self.jira.api("/issue/{key}"),
                key=key,
                params={"fields": fields, "expand": expand},
                not_found=("ISSUE_NOT_FOUND", f"issue {key}"),
                cache=False,
            )
        )

    async def field_values(self, catalog: FieldCatalog, fields: dict[str, Any] | None) -> dict[str, Any]:
        """Custom/other field values given by name or id, shaped for Jira where the type is known."""
        out: dict[str, Any] = {}
        for name, value in (fields or {}).items():
            field_id = catalog.resolve(name)
            schema = catalog.by_id.get(field_id, {}).get("schema") or {}
            kind = schema.get("type")
            if kind == "option" and isinstance(value, str):
                value = {"value": value}
            elif kind == "user" and isinstance(value, str):
                value = self.user_ref(await self.find_user(value))
            elif kind == "array" and schema.get("items") == "option" and isinstance(value, list):
                value = [{"value": v} if isinstance(v, str) else v for v in value]
            elif field_id == catalog.sprint and isinstance(value, (str, int)):
                try:
                    value = int(value)
                except ValueError:
                    raise JiraValidationError(f"{name}: give the sprint id (a number)") from None
            out[field_id] = value
        return out


# Output models -----------------------------------------------------------------------------------
class CommentOut(BaseModel):
    id: str
    author: str | None = None
    created: str | None = None
    body: str


class LinkOut(BaseModel):
    id: str
    relation: str
    key: str
    summary: str | None = None
    status: str | None = None


class IssueDetail(ToolOutput):
    key: str
    url: str
    summary: str | None = None
    type: str | None = None
    status: str | None = None
    status_category: str | None = None
    priority: str | None = None
    assignee: str | None = None
    reporter: str | None = None
    labels: list[str] | None = None
    components: list[str] | None = None
    parent: str | None = None
    sprint: str | None = None
    story_points: float | None = None
    created: str | None = None
    updated: str | None = None
    resolution: str | None = None
    resolved: str | None = None
    description: str | None = None
    description_truncated: bool | None = None
    fields: dict[str, Any] | None = None
    subtasks: list[IssueRow] | None = None
    links: list[LinkOut] | None = None
    comments: list[CommentOut] | None = None
    comments_total: int | None = None

    def to_markdown(self) -> str:
        lines = [f"## {self.key}: {self.summary or ''}".rstrip()]
        lines.append(
            " · ".join(
                p
                for p in (
                    self.type,
                    f"{self.status}" if self.status else None,
                    self.priority,
                    f"assignee {self.assignee}" if self.assignee else "unassigned",
                    f"reporter {self.reporter}" if self.reporter else None,
                )
                if p
            )
        )
        meta = [
            f"parent {self.parent}" if self.parent else None,
            f"sprint {self.sprint}" if self.sprint else None,
            f"{self.story_points:g} pts" if self.story_points is not None else None,
            f"labels {', '.join(self.labels)}" if self.labels else None,
            f"components {', '.join(self.components)}" if self.components else None,
        ]
        if any(meta):
            lines.append(" · ".join(m for m in meta if m))
        dates = [
            f"created {self.created}" if self.created else None,
            f"updated {self.updated}" if self.updated else None,
            f"resolved {self.resolved} ({self.resolution})" if self.resolved else None,
        ]
        lines.append(" · ".join(d for d in dates if d) + f" · {self.url}")
        if self.fields:
            lines += [f"{k}: {_inline(v)}" for k, v in self.fields.items()]
        if self.description:
            lines += ["", "### Description", self.description]
        if self.subtasks:
            lines += ["", "### Subtasks", *(row.line() for row in self.subtasks)]
        if self.links:
            lines += [
                "",
                "### Links",
                *(f"- {ln.relation} {ln.key} [{ln.status}] {ln.summary or ''} (link {ln.id})" for ln in self.links),
            ]
        if self.comments is not None and self.comments_total:
            shown = len(self.comments)
            lines += ["", f"### Comments ({shown} of {self.comments_total}, newest last)"]
            lines += [f"- {c.author} {c.created} (id {c.id}): {c.body}" for c in self.comments]
            if shown < self.comments_total:
                lines.append("(older comments: get_comments)")
        return "\n".join(lines)


def _inline(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def render_comment(jira: JiraClient, comment: dict[str, Any], limit: int = COMMENT_LIMIT) -> CommentOut:
    text = jira.from_rich_text(comment.get("body"))
    text, _ = truncate(
        " ".join(text.split()) if "\n" not in text else text.replace("\n\n", "\n"),
        limit,
        "get_comments for the full text",
    )
    created = comment.get("created") or ""
    return CommentOut(
        id=str(comment.get("id")),
        author=user_name(comment.get("author")),
        created=f"{created[:10]} {created[11:16]}".strip() if created else None,
        body=text,
    )


def link_out(link: dict[str, Any]) -> LinkOut | None:
    type_ = link.get("type") or {}
    if "outwardIssue" in link:
        relation, other = type_.get("outward", "relates to"), link["outwardIssue"]
    elif "inwardIssue" in link:
        relation, other = type_.get("inward", "relates to"), link["inwardIssue"]
    else:
        return None
    f = other.get("fields") or {}
    return LinkOut(
        id=str(link.get("id")),
        relation=relation,
        key=other.get("key", "?"),
        summary=f.get("summary"),
        status=(f.get("status") or {}).get("name"),
    )


def sprint_label(value: Any) -> str | None:
    if isinstance(value, list) and value:
        items = [v for v in value if isinstance(v, dict)]
        current = (
            next((v for v in items if v.get("state") == "active"), None)
            or next((v for v in items if v.get("state") == "future"), None)
            or (items[-1] if items else None)
        )
        if current:
            return f"{current.get('name')} ({current.get('state')}, id {current.get('id')})"
    return None


__all__ += [
    "CommentLimit",
    "CommentOut",
    "IssueDetail",
    "LinkOut",
    "link_out",
    "render_comment",
    "short_date",
    "sprint_label",
    "user_name",
]
