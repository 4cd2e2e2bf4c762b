"""Field metadata (ids ↔ names) and the compact issue shapes that every plugin renders.

The field list comes from ``GET /rest/api/{v}/field`` through the client's cache, so it costs one
request per cache TTL. Well-known custom fields (story points, sprint, epic link, team) are found by
schema type or name, never by a hard-coded id.
"""

from __future__ import annotations

import difflib
import functools
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from jira_mcp.errors import JiraValidationError

if TYPE_CHECKING:
    from jira_mcp.jira.client import JiraClient

__all__ = ["FieldCatalog", "IssueRow", "issue_row", "short_date", "user_name"]

_STORY_POINT_NAMES = ("story points", "story point estimate")
_CATALOGS: dict[int, FieldCatalog] = {}


class FieldCatalog:
    def __init__(self, fields: list[dict[str, Any]]) -> None:
        self.fields = fields
        self.by_id = {f["id"]: f for f in fields}
        self.by_name: dict[str, dict[str, Any]] = {}
        for f in fields:
            self.by_name.setdefault(str(f.get("name", "")).lower(), f)

    @classmethod
    async def load(cls, client: JiraClient) -> FieldCatalog:
        data = await client.get(client.api("/field"))
        fields = data if isinstance(data, list) else []
        # The cache hands back the same list object while the entry lives: index it once per entry.
        cached = _CATALOGS.get(id(fields))
        if cached is not None and cached.fields is fields:
            return cached
        catalog = cls(fields)
        _CATALOGS.clear()
        _CATALOGS[id(fields)] = catalog
        return catalog

    @functools.cached_property
    def _customs(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for f in self.fields:
            kind = str((f.get("schema") or {}).get("custom", "")).rsplit(":", 1)[-1]
            out.setdefault(kind, str(f["id"]))
        return out

    def _custom(self, kind: str) -> str | None:
        return self._customs.get(kind.lstrip(":"))

    @functools.cached_property
    def story_points(self) -> str | None:
        for name in _STORY_POINT_NAMES:
            if name in self.by_name:
                return str(self.by_name[name]["id"])
        return None

    @property
    def sprint(self) -> str | None:
        return self._custom(":gh-sprint")

    @property
    def epic_link(self) -> str | None:
        return self._custom(":gh-epic-link")

    def resolve(self, name_or_id: str) -> str:
        """A field id from an id or a (case-insensitive) name; a clear error with suggestions otherwise."""
        if name_or_id in self.by_id:
            return name_or_id
        found = self.by_name.get(name_or_id.lower())
        if found is not None:
            return str(found["id"])
        suggestions = difflib.get_close_matches(name_or_id.lower(), list(self.by_name), n=3, cutoff=0.5)
        hint = (
            f"; did you mean {', '.join(repr(self.by_name[s]['name']) for s in suggestions)}?"
            if suggestions
            else "; use search_fields to find it"
        )
        raise JiraValidationError(f"unknown field {name_or_id!r}{hint}")

    def name(self, field_id: str) -> str:
        return str(self.by_id.get(field_id, {}).get("name", field_id))

    def search(self, query: str, limit: int) -> list[dict[str, Any]]:
        q = query.lower().strip()
        scored = []
        for f in self.fields:
            name = str(f.get("name", "")).lower()
            if not q:
                score = 0.5
            elif q == name or q == f["id"].lower():
                score = 2.0
            elif q in name or q in f["id"].lower():
                score = 1.0 + len(q) / max(len(name), 1)
            else:
                score = difflib.SequenceMatcher(None, q, name).ratio()
                if score < 0.55:
                    continue
            scored.append((score, f))
        scored.sort(key=lambda pair: (-pair[0], pair[1].get("name", "")))
        return [f for _, f in scored[:limit]]


def short_date(value: str | None) -> str | None:
    return value[:10] if value else None


def user_name(user: Any) -> str | None:
    if isinstance(user, dict):
        return user.get("displayName") or user.get("name") or user.get("accountId")
    return None


class IssueRow(BaseModel):
    """One issue in a list: what a model needs to pick the next step."""

    key: str
    summary: str | None = None
    status: str | None = None
    type: str | None = None
    priority: str | None = None
    assignee: str | None = None
    points: float | None = None
    updated: str | None = None
    resolved: str | None = None
    extra: dict[str, Any] | None = None

    def line(self) -> str:
        head = f"- {self.key}"
        if self.status:
            head += f" [{self.status}]"
        if self.summary is not None:
            head += f" {self.summary}"
        tail = [
            self.type,
            self.priority,
            self.assignee,
            f"{self.points:g} pts" if self.points is not None else None,
            f"res {self.resolved}" if self.resolved else (f"upd {self.updated}" if self.updated else None),
        ]
        if self.extra:
            tail += [f"{k}: {_compact(v)}" for k, v in self.extra.items()]
        rest = " · ".join(str(t) for t in tail if t)
        return f"{head} · {rest}" if rest else head


ROW_FIELDS = ["summary", "status", "issuetype", "priority", "assignee", "updated", "resolutiondate"]


def issue_row(
    issue: dict[str, Any],
    catalog: FieldCatalog | None = None,
    extra_fields: list[str] | None = None,
    points_field: str | None = None,
) -> IssueRow:
    f = issue.get("fields") or {}
    points_id = points_field or (catalog.story_points if catalog else None)
    points = f.get(points_id) if points_id else None
    extra: dict[str, Any] | None = None
    if extra_fields:
        extra = {}
        for field_id in extra_fields:
            value = _compact(f.get(field_id))
            if value not in (None, "", []):
                extra[catalog.name(field_id) if catalog else field_id] = value
        extra = extra or None
    return IssueRow(
        key=str(issue.get("key")),
        summary=f.get("summary"),
        status=(f.get("status") or {}).get("name"),
        type=(f.get("issuetype") or {}).get("name"),
        priority=(f.get("priority") or {}).get("name"),
        assignee=user_name(f.get("assignee")),
        points=float(points) if isinstance(points, (int, float)) else None,
        updated=short_date(f.get("updated")),
        resolved=short_date(f.get("resolutiondate")),
        extra=extra,
    )


def _compact(value: Any) -> Any:
    """Reduce Jira's nested field values to what a person would say."""
    if value is None:
        return None
    if isinstance(value, dict):
        if value.get("type") == "doc":
            from jira_mcp.jira.adf import adf_to_text

            return adf_to_text(value).strip()[:200]
        for key in ("displayName", "name", "value", "key"):
            if key in value:
                return value[key]
        return None
    if isinstance(value, list):
        return [v for v in (_compact(item) for item in value) if v not in (None, "")]
    return value
