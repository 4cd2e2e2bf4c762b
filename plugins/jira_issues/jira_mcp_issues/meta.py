"""Discovery tools: projects, users, fields and link types."""

from __future__ import annotations

from typing import Annotated, Any

from jira_mcp.errors import JiraMcpError
from jira_mcp.jira.pagination import paginate_offset
from jira_mcp.registries import ToolRegistry
from jira_mcp.toolkit import PageToken, ProjectKey, ToolOutput, check_project_key
from pydantic import BaseModel, Field

from jira_mcp_issues.common import IssueAccess


class ProjectRow(BaseModel):
    key: str
    name: str
    type: str | None = None


class ProjectList(ToolOutput):
    projects: list[ProjectRow]
    next_page_token: str | None = None

    def to_markdown(self) -> str:
        lines = [f"- {p.key}: {p.name}" for p in self.projects] or ["no projects"]
        if self.next_page_token:
            lines.append(f"more: page_token={self.next_page_token}")
        return "\n".join(lines)


class ProjectDetail(ToolOutput):
    key: str
    name: str
    lead: str | None = None
    issue_types: list[str]
    components: list[str]
    versions: list[str]
    url: str

    def to_markdown(self) -> str:
        return "\n".join(
            [
                f"## {self.key}: {self.name}" + (f" (lead {self.lead})" if self.lead else ""),
                f"issue types: {', '.join(self.issue_types)}",
                f"components: {', '.join(self.components) or '-'}",
                f"versions: {', '.join(self.versions) or '-'}",
                self.url,
            ]
        )


class UserRow(BaseModel):
    account_id: str | None = None
    name: str | None = None
    email: str | None = None
    active: bool | None = None


class UserList(ToolOutput):
    users: list[UserRow]

    def to_markdown(self) -> str:
        return (
            "\n".join(
                f"- {u.name} <{u.email or '-'}> id {u.account_id}" + ("" if u.active is not False else " (inactive)")
                for u in self.users
            )
            or "no users match"
        )


class FieldRow(BaseModel):
    id: str
    name: str
    type: str | None = None
    custom: bool = False
    allowed_values: list[str] | None = None


class FieldList(ToolOutput):
    fields: list[FieldRow]

    def to_markdown(self) -> str:
        lines = []
        for f in self.fields:
            line = f"- {f.name} ({f.id}, {f.type})"
            if f.allowed_values:
                line += f": {', '.join(f.allowed_values)}"
            lines.append(line)
        return "\n".join(lines) or "no fields match"


class LinkType(BaseModel):
    name: str
    outward: str
    inward: str


class LinkTypeList(ToolOutput):
    link_types: list[LinkType]

    def to_markdown(self) -> str:
        return "\n".join(f"- {t.name}: A {t.outward} B / B {t.inward} A" for t in self.link_types)


def register(registry: ToolRegistry, access: IssueAccess) -> None:
    policy = registry.services.policy

    async def list_projects(
        query: Annotated[str | None, Field(description="Filter by key or name")] = None,
        limit: Annotated[int, Field(ge=1, le=100)] = 50,
        page_token: PageToken = None,
    ) -> ProjectList:
        """List projects visible to this account."""
        jira = access.jira
        if jira.is_cloud:
            page = await paginate_offset(
                jira,
                "/rest/api/3/project/search",
                limit=limit,
                page_token=page_token,
                params={"query": query} if query else None,
            )
            items, token = page.items, page.next_page_token
        else:
            data = await jira.get("/rest/api/2/project") or []
            q = (query or "").lower()
            items = [p for p in data if q in p.get("key", "").lower() or q in p.get("name", "").lower()][:limit]
            token = None
        rows = [
            ProjectRow(key=p["key"], name=p.get("name", ""), type=p.get("projectTypeKey"))
            for p in items
            if policy.allows(p.get("key"))
        ]
        return ProjectList(projects=rows, next_page_token=token)

    async def get_project(project_key: ProjectKey) -> ProjectDetail:
        """A project's issue types, components and versions."""
        key = check_project_key(project_key)
        jira = access.jira
        p = await jira.get(jira.api("/project/{key}"), key=key, not_found=("PROJECT_NOT_FOUND", f"project {key}"))
        return ProjectDetail(
            key=p["key"],
            name=p.get("name", ""),
            lead=(p.get("lead") or {}).get("displayName"),
            issue_types=[t["name"] for t in p.get("issueTypes") or []],
            components=[c["name"] for c in p.get("components") or []],
            versions=[v["name"] + (" (released)" if v.get("released") else "") for v in p.get("versions") or []],
            url=f"{jira.base_url}/browse/{p['key']}",
        )

    async def search_users(
        query: Annotated[str, Field(min_length=1, description="Name or email fragment")],
        limit: Annotated[int, Field(ge=1, le=50)] = 10,
    ) -> UserList:
        """Find users (for assignee, mentions)."""
        jira = access.jira
        params: dict[str, Any] = {"maxResults": limit}
        params["query" if jira.is_cloud else "username"] = query
        users = await jira.get(jira.api("/user/search"), params=params) or []
        return UserList(
            users=[
                UserRow(
                    account_id=u.get("accountId") or u.get("key"),
                    name=u.get("displayName"),
                    email=u.get("emailAddress"),
                    active=u.get("active"),
                )
                for u in users[:limit]
            ]
        )

    async def search_fields(
        query: Annotated[str, Field(description="Fuzzy field name, e.g. 'story pts'")] = "",
        limit: Annotated[int, Field(ge=1, le=50)] = 10,
    ) -> FieldList:
        """Find fields by fuzzy name: id, type, and allowed values of option fields."""
        jira = access.jira
        catalog = await access.catalog()
        rows = []
        for f in catalog.search(query, limit):
            schema = f.get("schema") or {}
            row = FieldRow(
                id=f["id"], name=f.get("name", f["id"]), type=schema.get("type"), custom=bool(f.get("custom"))
            )
            if schema.get("type") == "option" or schema.get("items") == "option":
                row.allowed_values = await _options(jira, f["id"])
            rows.append(row)
        return FieldList(fields=rows)

    async def get_link_types() -> LinkTypeList:
        """Issue link types with their outward/inward wording."""
        jira = access.jira
        data = await jira.get(jira.api("/issueLinkType"))
        return LinkTypeList(
            link_types=[
                LinkType(name=t["name"], outward=t.get("outward", ""), inward=t.get("inward", ""))
                for t in (data or {}).get("issueLinkTypes") or []
            ]
        )

    for fn in (list_projects, get_project, search_users, search_fields, get_link_types):
        registry.add(fn, toolset="issues", read_only=True)


async def _options(jira: Any, field_id: str) -> list[str] | None:
    try:
        contexts = await jira.get(jira.api("/field/{id}/context"), id=field_id)
        values: list[str] = []
        for context in (contexts or {}).get("values") or []:
            options = await jira.get(jira.api("/field/{id}/context/{ctx}/option"), id=field_id, ctx=context["id"])
            values += [o["value"] for o in (options or {}).get("values") or [] if not o.get("disabled")]
        return values or None
    except JiraMcpError:
        return None  # options need admin rights on some sites; the field is still useful without them
