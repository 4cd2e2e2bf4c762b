"""Write tools. Each one emits an event through the core for the notification plugins."""

from __future__ import annotations

from typing import Annotated, Any

from jira_mcp.errors import JiraMcpError, JiraValidationError, NotFoundError
from jira_mcp.registries import ToolRegistry
from jira_mcp.toolkit import IssueKey, ProjectKey, ToolOutput, check_issue_key, check_project_key
from pydantic import BaseModel, Field

from jira_mcp_issues.common import IssueAccess, parse_duration

Markdown = str
Names = list[str] | None
CustomFields = Annotated[dict[str, Any] | None, Field(description="Other fields by name or id")]
UserRef = Annotated[str | None, Field(description="Name, email or account id")]


class Done(ToolOutput):
    """Result of a write: what changed, where."""

    key: str | None = None
    url: str | None = None
    message: str

    def to_markdown(self) -> str:
        return self.message + (f" {self.url}" if self.url else "")


class IssueDraft(BaseModel):
    project_key: str
    issue_type: str = "Task"
    summary: str
    description: str | None = None
    assignee: str | None = None
    priority: str | None = None
    labels: list[str] | None = None
    components: list[str] | None = None
    parent_key: str | None = None
    fields: dict[str, Any] | None = None


class BatchItem(BaseModel):
    index: int
    key: str | None = None
    error: str | None = None


class BatchResult(ToolOutput):
    created: int
    failed: int
    items: list[BatchItem]

    def to_markdown(self) -> str:
        lines = [f"created {self.created}, failed {self.failed}"]
        lines += [f"- #{i.index}: {i.key}" if i.key else f"- #{i.index}: FAILED {i.error}" for i in self.items]
        return "\n".join(lines)


def register(registry: ToolRegistry, access: IssueAccess) -> None:
    services = registry.services
    events = services.events

    async def build_fields(draft: IssueDraft | None = None, **values: Any) -> dict[str, Any]:
        """Jira's ``fields`` object from friendly values (names resolved to ids)."""
        jira = access.jira
        v = draft.model_dump() if draft else values
        catalog = await access.catalog()
        fields: dict[str, Any] = {}
        if v.get("project_key") is not None:
            project = check_project_key(v["project_key"])
            services.policy.check_project(project)
            fields["project"] = {"key": project}
        if v.get("issue_type") is not None:
            fields["issuetype"] = {"name": v["issue_type"]}
        if v.get("summary") is not None:
            if not v["summary"].strip():
                raise JiraValidationError("summary must not be empty")
            fields["summary"] = v["summary"].strip()
        if v.get("description") is not None:
            fields["description"] = jira.to_rich_text(v["description"])
        if v.get("assignee") is not None:
            fields["assignee"] = (
                None
                if v["assignee"].lower() in ("", "none", "unassigned")
                else access.user_ref(await access.find_user(v["assignee"]))
            )
        if v.get("priority") is not None:
            fields["priority"] = {"name": v["priority"]}
        if v.get("labels") is not None:
            bad = [label for label in v["labels"] if not label or " " in label]
            if bad:
                raise JiraValidationError(f"labels cannot contain spaces: {bad}")
            fields["labels"] = list(v["labels"])
        if v.get("components") is not None:
            fields["components"] = [{"name": name} for name in v["components"]]
        if v.get("parent_key") is not None:
            parent = check_issue_key(v["parent_key"])
            services.policy.check_issue_keys([parent])
            fields["parent"] = {"key": parent}
        fields.update(await access.field_values(catalog, v.get("fields")))
        return fields

    async def create_issue(
        project_key: ProjectKey,
        summary: str,
        issue_type: str = "Task",
        description: Markdown | None = None,
        assignee: UserRef = None,
        priority: str | None = None,
        labels: Names = None,
        components: Names = None,
        parent_key: Annotated[str | None, Field(description="Parent or epic key")] = None,
        fields: CustomFields = None,
        validate_only: Annotated[bool, Field(description="Check everything, create nothing")] = False,
    ) -> Done:
        """Create an issue. Names (assignee, priority, fields) are resolved for you."""
        jira = access.jira
        draft = IssueDraft(
            project_key=project_key,
            issue_type=issue_type,
            summary=summary,
            description=description,
            assignee=assignee,
            priority=priority,
            labels=labels,
            components=components,
            parent_key=parent_key,
            fields=fields,
        )
        body = await build_fields(draft)
        project = body["project"]["key"]
        meta = await jira.get(
            jira.api("/project/{key}"), key=project, not_found=("PROJECT_NOT_FOUND", f"project {project}")
        )
        types = {t.get("name", "").lower(): t for t in (meta or {}).get("issueTypes") or []}
        if issue_type.lower() not in types:
            raise JiraValidationError(
                f"issue type {issue_type!r} is not available in {project}; "
                f"use one of: {', '.join(t['name'] for t in types.values())}"
            )
        if validate_only:
            names = ", ".join(sorted(body))
            return Done(message=f"valid: would create a {issue_type} in {project} setting {names}")
        created = await jira.post(
            jira.api("/issue"), json={"fields": body}, not_found=("PROJECT_NOT_FOUND", f"project {project}")
        )
        key = created["key"]
        url = jira.browse_url(key)
        events.emit(
            "issue.created",
            f"{key} created: {summary}",
            url=url,
            key=key,
            project=project,
            issue_type=issue_type,
            summary=summary,
        )
        return Done(key=key, url=url, message=f"created {key}")

    async def create_issues(
        issues: Annotated[list[IssueDraft], Field(min_length=1, max_length=50)],
    ) -> BatchResult:
        """Create up to 50 issues in one bulk request; reports each item's key or error."""
        jira = access.jira
        items: list[BatchItem] = []
        payload: list[dict[str, Any]] = []
        positions: list[int] = []
        for index, draft in enumerate(issues):
            try:
                payload.append({"fields": await build_fields(draft)})
                positions.append(index)
            except Exception as exc:  # per-item: one bad draft must not sink the batch
                items.append(BatchItem(index=index, error=str(exc)))
        if payload:
            try:
                result = await jira.post(jira.api("/issue/bulk"), json={"issueUpdates": payload})
            except JiraMcpError as exc:
                if exc.status != 400:
                    raise
                result = {
                    "issues": [],
                    "errors": [
                        {"failedElementNumber": i, "elementErrors": {"errorMessages": [exc.message]}}
                        for i in range(len(payload))
                    ],
                }
            created = list(result.get("issues") or [])
            failed_numbers = {e.get("failedElementNumber"): e for e in result.get("errors") or []}
            cursor = 0
            for number, index in enumerate(positions):
                if number in failed_numbers:
                    element = failed_numbers[number].get("elementErrors") or {}
                    text = "; ".join(
                        [
                            *element.get("errorMessages", []),
                            *(f"{k}: {v}" for k, v in (element.get("errors") or {}).items()),
                        ]
                    )
                    items.append(BatchItem(index=index, error=f"VALIDATION_ERROR: {text}"))
                elif cursor < len(created):
                    key = created[cursor]["key"]
                    cursor += 1
                    items.append(BatchItem(index=index, key=key))
                    events.emit(
                        "issue.created",
                        f"{key} created: {issues[index].summary}",
                        url=jira.browse_url(key),
                        key=key,
                        project=issues[index].project_key.upper(),
                        issue_type=issues[index].issue_type,
                        summary=issues[index].summary,
                    )
        items.sort(key=lambda i: i.index)
        ok = sum(1 for i in items if i.key)
        return BatchResult(created=ok, failed=len(items) - ok, items=items)

    async def update_issue(
        issue_key: IssueKey,
        summary: str | None = None,
        description: Markdown | None = None,
        assignee: UserRef = None,
        priority: str | None = None,
        labels: Annotated[list[str] | None, Field(description="Replace all labels")] = None,
        add_labels: Names = None,
        remove_labels: Names = None,
        components: Names = None,
        parent_key: str | None = None,
        fields: CustomFields = None,
    ) -> Done:
        """Change fields of an issue; only what you pass changes."""
        key = check_issue_key(issue_key)
        jira = access.jira
        body = await build_fields(
            summary=summary,
            description=description,
            assignee=assignee,
            priority=priority,
            labels=labels,
            components=components,
            parent_key=parent_key,
            fields=fields,
        )
        update: dict[str, Any] = {}
        ops = [{"add": label} for label in add_labels or []] + [{"remove": label} for label in remove_labels or []]
        if ops:
            if labels is not None:
                raise JiraValidationError("use either labels (replace) or add_labels/remove_labels, not both")
            update["labels"] = ops
        if not body and not update:
            raise JiraValidationError("nothing to change: pass at least one field")
        await jira.put(
            jira.api("/issue/{key}"),
            key=key,
            json={"fields": body, "update": update},
            not_found=("ISSUE_NOT_FOUND", f"issue {key}"),
        )
        changed = sorted(set(body) | set(update))
        events.emit(
            "issue.updated", f"{key} updated: {', '.join(changed)}", url=jira.browse_url(key), key=key, fields=changed
        )
        return Done(key=key, url=jira.browse_url(key), message=f"updated {key}: {', '.join(changed)}")

    async def assign_issue(
        issue_key: IssueKey,
        assignee: Annotated[str, Field(description="Name, email, account id, 'me' or 'unassigned'")],
    ) -> Done:
        """Assign an issue (or unassign it)."""
        key = check_issue_key(issue_key)
        jira = access.jira
        if assignee.strip().lower() in ("", "none", "unassigned"):
            body: dict[str, Any] = {"accountId": None} if jira.is_cloud else {"name": None}
            who = "nobody"
        else:
            user = await access.find_user(assignee)
            body = access.user_ref(user) or {}
            who = user.get("displayName") or assignee
        await jira.put(
            jira.api("/issue/{key}/assignee"), key=key, json=body, not_found=("ISSUE_NOT_FOUND", f"issue {key}")
        )
        events.emit(
            "issue.updated",
            f"{key} assigned to {who}",
            url=jira.browse_url(key),
            key=key,
            fields=["assignee"],
            assignee=who,
        )
        return Done(key=key, url=jira.browse_url(key), message=f"{key} assigned to {who}")

    async def delete_issue(
        issue_key: IssueKey,
        delete_subtasks: bool = False,
    ) -> Done:
        """Delete an issue permanently. Refuses issues with subtasks unless delete_subtasks is true."""
        key = check_issue_key(issue_key)
        jira = access.jira
        issue = await access.get_issue(key, ["summary", "subtasks"])
        subtasks = (issue.get("fields") or {}).get("subtasks") or []
        if subtasks and not delete_subtasks:
            raise JiraValidationError(
                f"{key} has {len(subtasks)} subtask(s) ({', '.join(s['key'] for s in subtasks[:5])}); "
                "pass delete_subtasks=true to delete them too"
            )
        await jira.delete(
            jira.api("/issue/{key}"),
            key=key,
            params={"deleteSubtasks": delete_subtasks},
            not_found=("ISSUE_NOT_FOUND", f"issue {key}"),
        )
        summary = (issue.get("fields") or {}).get("summary")
        events.emit(
            "issue.deleted",
            f"{key} deleted: {summary}",
            key=key,
            summary=summary,
            subtasks=[s["key"] for s in subtasks],
        )
        return Done(key=key, message=f"deleted {key}" + (f" and {len(subtasks)} subtask(s)" if subtasks else ""))

    async def transition_issue(
        issue_key: IssueKey,
        transition: Annotated[str, Field(description="Transition id, transition name or target status")],
        resolution: str | None = None,
        comment: Markdown | None = None,
        fields: CustomFields = None,
    ) -> Done:
        """Move an issue through its workflow."""
        key = check_issue_key(issue_key)
        jira = access.jira
        data = await jira.get(
            jira.api("/issue/{key}/transitions"), key=key, cache=False, not_found=("ISSUE_NOT_FOUND", f"issue {key}")
        )
        options = (data or {}).get("transitions") or []
        wanted = transition.strip().lower()
        match = (
            next((t for t in options if str(t.get("id")) == wanted), None)
            or next((t for t in options if str((t.get("to") or {}).get("name", "")).lower() == wanted), None)
            or next((t for t in options if str(t.get("name", "")).lower() == wanted), None)
        )
        if match is None:
            available = ", ".join(f"{t['id']} {t['name']} → {(t.get('to') or {}).get('name')}" for t in options)
            raise JiraValidationError(f"{key} has no transition {transition!r}; available: {available or 'none'}")
        body: dict[str, Any] = {"transition": {"id": str(match["id"])}}
        catalog = await access.catalog()
        extra = await access.field_values(catalog, fields)
        if resolution:
            extra["resolution"] = {"name": resolution}
        if extra:
            body["fields"] = extra
        if comment:
            body["update"] = {"comment": [{"add": {"body": jira.to_rich_text(comment)}}]}
        await jira.post(
            jira.api("/issue/{key}/transitions"), key=key, json=body, not_found=("ISSUE_NOT_FOUND", f"issue {key}")
        )
        target = (match.get("to") or {}).get("name")
        events.emit(
            "issue.transitioned",
            f"{key} moved to {target}",
            url=jira.browse_url(key),
            key=key,
            status=target,
            transition=match.get("name"),
        )
        return Done(key=key, url=jira.browse_url(key), message=f"{key} → {target}")

    async def add_comment(
        issue_key: IssueKey,
        body: Markdown,
        visibility: Annotated[str | None, Field(description="role:NAME or group:NAME")] = None,
    ) -> Done:
        """Add a comment (Markdown; mention with [@Name](mention:ACCOUNT_ID))."""
        key = check_issue_key(issue_key)
        jira = access.jira
        if not body.strip():
            raise JiraValidationError("comment body must not be empty")
        payload: dict[str, Any] = {"body": jira.to_rich_text(body)}
        if visibility:
            kind, _, value = visibility.partition(":")
            if kind not in ("role", "group") or not value:
                raise JiraValidationError("visibility must be role:NAME or group:NAME")
            payload["visibility"] = {"type": kind, "value": value}
        comment = await jira.post(
            jira.api("/issue/{key}/comment"), key=key, json=payload, not_found=("ISSUE_NOT_FOUND", f"issue {key}")
        )
        events.emit(
            "issue.commented",
            f"{key} new comment",
            url=jira.browse_url(key),
            key=key,
            comment_id=str(comment.get("id")),
            excerpt=body[:200],
        )
        return Done(key=key, url=jira.browse_url(key), message=f"comment {comment.get('id')} added to {key}")

    async def edit_comment(issue_key: IssueKey, comment_id: str, body: Markdown) -> Done:
        """Replace the text of a comment."""
        key = check_issue_key(issue_key)
        jira = access.jira
        if not comment_id.isdigit():
            raise JiraValidationError("comment_id must be the numeric id shown by get_comments")
        await jira.put(
            jira.api("/issue/{key}/comment/{id}"),
            key=key,
            id=comment_id,
            json={"body": jira.to_rich_text(body)},
            not_found=("COMMENT_NOT_FOUND", f"comment {comment_id} on {key}"),
        )
        events.emit(
            "issue.commented",
            f"{key} comment {comment_id} edited",
            url=jira.browse_url(key),
            key=key,
            comment_id=comment_id,
            excerpt=body[:200],
        )
        return Done(key=key, message=f"comment {comment_id} on {key} updated")

    async def add_worklog(
        issue_key: IssueKey,
        time_spent: Annotated[str, Field(description="e.g. 1h 30m, 2d")],
        started: Annotated[str | None, Field(description="ISO date-time; default now")] = None,
        comment: str | None = None,
    ) -> Done:
        """Log time on an issue."""
        key = check_issue_key(issue_key)
        jira = access.jira
        seconds = parse_duration(time_spent)
        payload: dict[str, Any] = {"timeSpentSeconds": seconds}
        if started:
            payload["started"] = _jira_datetime(started)
        if comment:
            payload["comment"] = jira.to_rich_text(comment)
        worklog = await jira.post(
            jira.api("/issue/{key}/worklog"), key=key, json=payload, not_found=("ISSUE_NOT_FOUND", f"issue {key}")
        )
        events.emit(
            "issue.updated",
            f"{key} {time_spent} logged",
            url=jira.browse_url(key),
            key=key,
            fields=["worklog"],
            seconds=seconds,
        )
        return Done(key=key, message=f"logged {time_spent.strip()} on {key} (worklog {worklog.get('id')})")

    async def link_issues(
        issue_key: IssueKey,
        link_type: Annotated[str, Field(description="Link type name, e.g. Blocks; see get_link_types")],
        target_issue_key: IssueKey,
        comment: str | None = None,
    ) -> Done:
        """Link two issues: issue_key <outward verb> target_issue_key (e.g. ENG-1 blocks ENG-2)."""
        source, target = check_issue_key(issue_key), check_issue_key(target_issue_key)
        jira = access.jira
        types = await jira.get(jira.api("/issueLinkType"))
        known = {t["name"].lower(): t for t in (types or {}).get("issueLinkTypes") or []}
        wanted = link_type.strip().lower()
        chosen = known.get(wanted) or next(
            (t for t in known.values() if wanted in (t.get("outward", "").lower(), t.get("inward", "").lower())), None
        )
        if chosen is None:
            raise JiraValidationError(
                f"unknown link type {link_type!r}; use one of: {', '.join(t['name'] for t in known.values())}"
            )
        inward, outward = (source, target)
        if wanted == chosen.get("inward", "").lower() and wanted != chosen.get("outward", "").lower():
            inward, outward = target, source  # "is blocked by": the target blocks the source
        payload: dict[str, Any] = {
            "type": {"name": chosen["name"]},
            "inwardIssue": {"key": inward},
            "outwardIssue": {"key": outward},
        }
        if comment:
            payload["comment"] = {"body": jira.to_rich_text(comment)}
        await jira.post(
            jira.api("/issueLink"),
            json=payload,
            not_found=("ISSUE_NOT_FOUND", f"issue {source} or {target}"),
            invalidate=[jira.api(f"/issue/{source}"), jira.api(f"/issue/{target}")],
        )
        verb = chosen["outward"] if (inward, outward) == (source, target) else chosen["inward"]
        events.emit(
            "issue.updated",
            f"{source} {verb} {target}",
            url=jira.browse_url(source),
            key=source,
            fields=["issuelinks"],
            target=target,
        )
        return Done(key=source, message=f"{source} {verb} {target}")

    async def remove_issue_link(link_id: Annotated[str, Field(description="Link id from get_issue")]) -> Done:
        """Remove an issue link by its id."""
        jira = access.jira
        if not link_id.isdigit():
            raise JiraValidationError("link_id must be the numeric id shown by get_issue")
        await jira.delete(jira.api("/issueLink/{id}"), id=link_id, not_found=("LINK_NOT_FOUND", f"link {link_id}"))
        events.emit("issue.updated", f"issue link {link_id} removed", link_id=link_id, fields=["issuelinks"])
        return Done(message=f"link {link_id} removed")

    registry.add(create_issue, toolset="issues", read_only=False)
    registry.add(create_issues, toolset="issues", read_only=False)
    registry.add(update_issue, toolset="issues", read_only=False, idempotent=True)
    registry.add(assign_issue, toolset="issues", read_only=False, idempotent=True)
    registry.add(delete_issue, toolset="issues", read_only=False, destructive=True)
    registry.add(transition_issue, toolset="issues", read_only=False)
    registry.add(add_comment, toolset="issues", read_only=False)
    registry.add(edit_comment, toolset="issues", read_only=False, idempotent=True)
    registry.add(add_worklog, toolset="issues", read_only=False)
    registry.add(link_issues, toolset="issues", read_only=False)
    registry.add(remove_issue_link, toolset="issues", read_only=False, destructive=True, idempotent=True)


def _jira_datetime(text: str) -> str:
    from datetime import UTC, datetime

    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise JiraValidationError(f"started {text!r} is not an ISO date-time like 2026-12-01T09:30") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.000%z")


__all__ = ["NotFoundError", "register"]
