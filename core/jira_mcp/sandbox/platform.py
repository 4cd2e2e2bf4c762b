"""Sandbox routes for the Jira platform REST API (v3 with ADF for Cloud, v2 with wiki for Data Center)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from jira_mcp.jira.adf import adf_to_markdown, markdown_to_adf, wiki_to_markdown
from jira_mcp.jira.durations import format_duration, parse_duration
from jira_mcp.sandbox.jql import EvalContext, JqlError, parse_jql
from jira_mcp.sandbox.store import (
    FIELDS,
    ISSUE_TYPES,
    LINK_TYPES,
    PRIORITIES,
    RESOLUTIONS,
    STATUSES,
    TEAM_OPTIONS,
    TRANSITIONS,
    Issue,
    SandboxStore,
    jira_time,
    parse_time,
)

if TYPE_CHECKING:
    from jira_mcp.sandbox.app import Ctx, SandboxApp

from jira_mcp.sandbox.app import HttpError, parse_fields

_DEFAULT_ORDER = [("created", True)]


def _rich(value: Any, version: str) -> Any:
    """Accept ADF (v3) or wiki/plain text (v2) and store ADF."""
    if value is None:
        return None
    if isinstance(value, dict):
        if value.get("type") != "doc":
            raise HttpError(400, errors={"description": "Operation value must be an Atlassian Document."})
        return value
    if isinstance(value, str):
        if version == "3":
            raise HttpError(400, errors={"description": "Operation value must be an Atlassian Document."})
        return markdown_to_adf(wiki_to_markdown(value))
    raise HttpError(400, errors={"description": "Operation value must be a string or document."})


# Search ---------------------------------------------------------------------------------------
def eval_context(store: SandboxStore, user: dict[str, Any]) -> EvalContext:
    def resolve(issue: Issue, name: str) -> list[Any]:
        f = issue.fields
        if name == "project":
            return [f["project"]["key"], f["project"]["id"], f["project"]["name"]]
        if name == "key":
            return [issue.key, issue.id]
        if name in ("status",):
            return [f["status"]["name"], f["status"]["id"]]
        if name == "statusCategory":
            cat = f["status"]["statusCategory"]
            return [cat["name"], cat["key"], str(cat["id"])]
        if name in ("assignee", "reporter"):
            u = f.get(name)
            return [u["accountId"], u["emailAddress"], u["displayName"], u["name"]] if u else []
        if name == "issuetype":
            return [f["issuetype"]["name"], f["issuetype"]["id"]]
        if name == "priority":
            return [f["priority"]["name"], f["priority"]["id"]] if f.get("priority") else []
        if name == "labels":
            return list(f.get("labels") or [])
        if name == "components":
            return [c["name"] for c in f.get("components") or []] + [c["id"] for c in f.get("components") or []]
        if name == "fixVersions":
            return [v["name"] for v in f.get("fixVersions") or []]
        if name == "resolution":
            return [f["resolution"]["name"]] if f.get("resolution") else []
        if name == "sprint":
            return [str(i) for i in issue.sprint_ids] + [store.sprints[i]["name"] for i in issue.sprint_ids]
        if name == "parent":
            return [f["parent"]["key"], f["parent"]["id"]] if f.get("parent") else []
        if name == "storyPoints":
            return [f["customfield_10016"]] if f.get("customfield_10016") is not None else []
        if name == "team":
            return [f["customfield_10001"]["value"]] if f.get("customfield_10001") else []
        return store.text_of(issue, name)

    def resolve_date(issue: Issue, name: str) -> datetime | None:
        key = {"created": "created", "updated": "updated", "resolved": "resolutiondate", "duedate": "duedate"}[name]
        return parse_time(issue.fields.get(key))

    return EvalContext(
        current_user=user["accountId"],
        now=datetime.now(UTC),
        sprint_states={sid: s["state"] for sid, s in store.sprints.items()},
        resolve=resolve,
        resolve_date=resolve_date,
    )


def _sort_key(issue: Issue, name: str) -> Any:
    f = issue.fields
    if name in ("created", "updated", "resolved", "resolutiondate", "duedate"):
        value = f.get("resolutiondate" if name == "resolved" else name)
        return value or ""
    if name == "key":
        project, _, number = issue.key.partition("-")
        return (project, int(number))
    if name == "priority":
        return int(f["priority"]["id"]) if f.get("priority") else 99
    if name in ("status", "issuetype"):
        return f[name]["name"]
    if name in ("assignee", "reporter"):
        return (f.get(name) or {}).get("displayName", "")
    if name == "summary":
        return f["summary"].lower()
    if name == "storyPoints":
        return f.get("customfield_10016") or 0
    return issue.key  # Rank and anything else: creation order


def run_jql(store: SandboxStore, user: dict[str, Any], jql: str, extra: list[Issue] | None = None) -> list[Issue]:
    try:
        query = parse_jql(jql)
        ctx = eval_context(store, user)
        pool = extra if extra is not None else list(store.issues.values())
        found = [i for i in pool if query.matches(i, ctx)]  # type: ignore[arg-type]
    except JqlError as exc:
        raise HttpError(400, [str(exc)]) from None
    order = query.order_by or _DEFAULT_ORDER
    for name, descending in reversed(order):
        if name.lower() == "rank":
            found.sort(key=lambda i: (i.key.split("-")[0], int(i.key.split("-")[1])), reverse=descending)
        else:
            found.sort(key=lambda i, n=name: _sort_key(i, n), reverse=descending)  # type: ignore[misc]
    return found


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")


def _untoken(token: str) -> int:
    try:
        padded = token + "=" * (-len(token) % 4)
        return int(json.loads(base64.urlsafe_b64decode(padded))["o"])
    except (ValueError, KeyError, TypeError):
        raise HttpError(400, ["The provided next page token is invalid or expired."]) from None


def register(app: SandboxApp) -> None:
    route = app.route

    @route("GET", "/rest/api/{v}/myself")
    async def myself(ctx: Ctx) -> Any:
        return {
            **ctx.user,
            "self": f"{ctx.store.base_url}/rest/api/{ctx.version}/user?accountId={ctx.user['accountId']}",
        }

    @route("GET", "/rest/api/{v}/serverInfo")
    async def server_info(ctx: Ctx) -> Any:
        return {
            "baseUrl": ctx.store.base_url,
            "version": "1001.0.0-SNAPSHOT",
            "deploymentType": "Cloud",
            "serverTitle": "Jira sandbox (jira-mcp)",
            "buildNumber": 100000,
        }

    @route("GET", "/rest/api/{v}/field")
    async def fields(ctx: Ctx) -> Any:
        return FIELDS

    @route("GET", "/rest/api/{v}/field/{field_id}/context")
    async def field_contexts(ctx: Ctx) -> Any:
        if ctx.params["field_id"] not in {f["id"] for f in FIELDS if f["custom"]}:
            raise HttpError(404, ["The custom field was not found."])
        return {
            "startAt": 0,
            "maxResults": 50,
            "total": 1,
            "isLast": True,
            "values": [
                {
                    "id": "10100",
                    "name": "Default context",
                    "description": "Default context for the field",
                    "isGlobalContext": True,
                    "isAnyIssueType": True,
                }
            ],
        }

    @route("GET", "/rest/api/{v}/field/{field_id}/context/{context_id}/option")
    async def field_options(ctx: Ctx) -> Any:
        if ctx.params["field_id"] != "customfield_10001":
            raise HttpError(404, ["The custom field was not found."])
        return {
            "startAt": 0,
            "maxResults": 100,
            "total": len(TEAM_OPTIONS),
            "isLast": True,
            "values": [{**o, "disabled": False} for o in TEAM_OPTIONS],
        }

    @route("GET", "/rest/api/{v}/priority")
    async def priorities(ctx: Ctx) -> Any:
        return list(PRIORITIES.values())

    @route("GET", "/rest/api/{v}/status")
    async def statuses(ctx: Ctx) -> Any:
        return list(STATUSES.values())

    @route("GET", "/rest/api/{v}/resolution")
    async def resolutions(ctx: Ctx) -> Any:
        return list(RESOLUTIONS.values())

    @route("GET", "/rest/api/{v}/filter/{filter_id}")
    async def filter_(ctx: Ctx) -> Any:
        for board in ctx.store.boards.values():
            if board["filter_id"] == ctx.params["filter_id"]:
                return {"id": board["filter_id"], "name": f"Filter for {board['name']}", "jql": board["jql"]}
        raise HttpError(
            404,
            [
                "The selected filter is not available to you, perhaps it has been deleted or had "
                "its permissions changed."
            ],
        )

    # Search -----------------------------------------------------------------------------
    @route("POST", "/rest/api/3/search")
    @route("GET", "/rest/api/3/search")
    async def removed_search(ctx: Ctx) -> Any:
        raise HttpError(
            410,
            [
                "The requested API has been removed. Please migrate to the /rest/api/3/search/jql "
                "API. A full migration guideline is available at "
                "https://developer.atlassian.com/changelog/#CHANGE-2046"
            ],
        )

    @route("POST", "/rest/api/3/search/jql")
    @route("GET", "/rest/api/3/search/jql")
    async def search_jql(ctx: Ctx) -> Any:
        if ctx.request.method == "POST":
            body = await ctx.json()
        else:
            body = {
                k: ctx.query.get(k)
                for k in ("jql", "nextPageToken", "maxResults", "fields", "expand")
                if ctx.query.get(k) is not None
            }
        jql = body.get("jql")
        if not isinstance(jql, str) or not jql.strip():
            raise HttpError(
                400, ["Unbounded JQL queries are not allowed here. Please add a search restriction to your query."]
            )
        try:
            size = min(int(body.get("maxResults") or 50), 5000)
        except (TypeError, ValueError):
            raise HttpError(400, ["maxResults must be a number."]) from None
        offset = _untoken(body["nextPageToken"]) if body.get("nextPageToken") else 0
        found = run_jql(ctx.store, ctx.user, jql)
        page = found[offset : offset + size]
        expand = set(str(body.get("expand") or "").split(","))
        selection = parse_fields(body.get("fields"), {"id"})
        result: dict[str, Any] = {"issues": [app.render_issue(i, ctx, selection, expand) for i in page]}
        for issue in result["issues"]:
            issue.pop("names", None)
        if "names" in expand:
            result["names"] = {f["id"]: f["name"] for f in FIELDS if selection is None or f["id"] in selection}
        if offset + size < len(found):
            result["nextPageToken"] = _token(offset + size)
            result["isLast"] = False
        else:
            result["isLast"] = True
        return result

    @route("POST", "/rest/api/2/search")
    @route("GET", "/rest/api/2/search")
    async def search_v2(ctx: Ctx) -> Any:
        if ctx.request.method == "POST":
            body = await ctx.json()
        else:
            body = dict(ctx.query)
        jql = str(body.get("jql") or "")
        start = int(body.get("startAt") or 0)
        size = min(int(body.get("maxResults") or 50), 100)
        found = run_jql(ctx.store, ctx.user, jql)
        expand = (
            set(body.get("expand") or [])
            if isinstance(body.get("expand"), list)
            else set(str(body.get("expand") or "").split(","))
        )
        selection = parse_fields(body.get("fields"), None)
        issues = [app.render_issue(i, ctx, selection, expand - {"names"}) for i in found[start : start + size]]
        result = {"expand": "names,schema", "startAt": start, "maxResults": size, "total": len(found), "issues": issues}
        if "names" in expand:
            result["names"] = {f["id"]: f["name"] for f in FIELDS if selection is None or f["id"] in selection}
        return result

    # Issues -----------------------------------------------------------------------------
    def get(ctx: Ctx, key: str | None = None) -> Issue:
        key = key or ctx.params["key"]
        issue = ctx.store.find(key)
        if issue is None:
            raise HttpError(404, ["Issue does not exist or you do not have permission to see it."])
        return issue

    @route("GET", "/rest/api/{v}/issue/{key}")
    async def get_issue(ctx: Ctx) -> Any:
        issue = get(ctx)
        expand = set(str(ctx.query.get("expand") or "").split(","))
        return app.render_issue(issue, ctx, parse_fields(ctx.query.get("fields"), None), expand)

    @route("POST", "/rest/api/{v}/issue")
    async def create_issue(ctx: Ctx) -> Any:
        body = await ctx.json()
        issue = create_one(ctx, body)
        return _json_status(_created(ctx, issue), 201)

    def _created(ctx: Ctx, issue: Issue) -> dict[str, Any]:
        return {
            "id": issue.id,
            "key": issue.key,
            "self": f"{ctx.store.base_url}/rest/api/{ctx.version}/issue/{issue.id}",
        }

    def create_one(ctx: Ctx, body: Any) -> Issue:
        if not isinstance(body, dict) or not isinstance(body.get("fields"), dict):
            raise HttpError(400, ["The request body must contain 'fields'."])
        fields = body["fields"]
        errors: dict[str, str] = {}
        project = _project(ctx.store, fields.get("project"))
        if project is None:
            errors["project"] = "Specify a valid project ID or key"
        issue_type = _by_name_or_id(ISSUE_TYPES, fields.get("issuetype"))
        if issue_type is None:
            errors["issuetype"] = "Specify an issue type"
        summary = fields.get("summary")
        if not isinstance(summary, str) or not summary.strip():
            errors["summary"] = "You must specify a summary of the issue."
        elif len(summary) > 255:
            errors["summary"] = "Summary must be less than 255 characters."
        if issue_type is not None and issue_type["subtask"] and not fields.get("parent"):
            errors["parent"] = "Given parent issue does not belong to appropriate hierarchy."
        if errors:
            raise HttpError(400, errors=errors)
        assert project is not None and issue_type is not None
        description = _rich(fields.get("description"), ctx.version)
        preview = Issue("0", "PREVIEW-0", {"project": {"key": project["key"]}})
        changes = _apply_fields(
            ctx,
            preview,
            {k: v for k, v in fields.items() if k not in ("project", "issuetype", "summary", "description")},
            validate_only=True,
        )
        del changes
        issue = ctx.store._new_issue(
            project["key"],
            issue_type["name"],
            summary.strip(),
            description,
            reporter=ctx.user["accountId"],
            created=datetime.now(UTC),
        )
        _apply_fields(
            ctx, issue, {k: v for k, v in fields.items() if k not in ("project", "issuetype", "summary", "description")}
        )
        _apply_update(ctx, issue, body.get("update") or {})
        return issue

    @route("POST", "/rest/api/{v}/issue/bulk")
    async def create_bulk(ctx: Ctx) -> Any:
        body = await ctx.json()
        updates = body.get("issueUpdates") if isinstance(body, dict) else None
        if not isinstance(updates, list) or not updates:
            raise HttpError(400, ["issueUpdates must be a non-empty list."])
        if len(updates) > 50:
            raise HttpError(400, ["You can create at most 50 issues in one request."])
        created, failed = [], []
        for index, item in enumerate(updates):
            try:
                created.append(_created(ctx, create_one(ctx, item)))
            except HttpError as exc:
                failed.append({"status": exc.status, "elementErrors": exc.body, "failedElementNumber": index})
        return _json_status({"issues": created, "errors": failed}, 201 if not failed else 400 if not created else 201)

    @route("PUT", "/rest/api/{v}/issue/{key}")
    async def edit_issue(ctx: Ctx) -> Any:
        issue = get(ctx)
        body = await ctx.json()
        if not isinstance(body, dict):
            raise HttpError(400, ["The request body must be an object."])
        fields = dict(body.get("fields") or {})
        items = []
        if "summary" in fields:
            summary = fields.pop("summary")
            if not isinstance(summary, str) or not summary.strip():
                raise HttpError(400, errors={"summary": "You must specify a summary of the issue."})
            items.append(ctx.store._item("summary", "jira", "summary", None, issue.fields["summary"], None, summary))
            issue.fields["summary"] = summary.strip()
        if "description" in fields:
            issue.fields["description"] = _rich(fields.pop("description"), ctx.version)
            items.append(ctx.store._item("description", "jira", "description", None, None, None, "(updated)"))
        for blocked in ("project", "issuetype", "status"):
            if blocked in fields:
                raise HttpError(
                    400,
                    errors={
                        blocked: f"Field '{blocked}' cannot be set. It is not on the appropriate screen, or unknown."
                    },
                )
        items += _apply_fields(ctx, issue, fields)
        items += _apply_update(ctx, issue, body.get("update") or {})
        if items:
            ctx.store._log(issue, ctx.user["accountId"], datetime.now(UTC), items)
        ctx.store.touch(issue)
        return None

    @route("DELETE", "/rest/api/{v}/issue/{key}")
    async def delete_issue(ctx: Ctx) -> Any:
        issue = get(ctx)
        subtasks = ctx.store.subtasks(issue)
        if subtasks and ctx.query.get("deleteSubtasks") != "true":
            raise HttpError(400, ["The issue has subtasks; use deleteSubtasks=true to delete them as well."])
        for sub in subtasks:
            ctx.store.issues.pop(sub["key"], None)
        ctx.store.issues.pop(issue.key, None)
        for link_id in [i for i, link in ctx.store.links.items() if issue.key in (link["inward"], link["outward"])]:
            ctx.store.links.pop(link_id)
        return None

    @route("PUT", "/rest/api/{v}/issue/{key}/assignee")
    async def assign(ctx: Ctx) -> Any:
        issue = get(ctx)
        body = await ctx.json()
        items = _apply_fields(ctx, issue, {"assignee": body})
        ctx.store._log(issue, ctx.user["accountId"], datetime.now(UTC), items)
        ctx.store.touch(issue)
        return None

    # Transitions -----------------------------------------------------------------------------
    def available(issue: Issue) -> list[dict[str, Any]]:
        return [
            {
                "id": tid,
                "name": name,
                "to": STATUSES[to],
                "hasScreen": False,
                "isGlobal": True,
                "isInitial": False,
                "isAvailable": True,
                "isConditional": False,
                "isLooped": False,
            }
            for tid, name, to in TRANSITIONS
            if to != issue.fields["status"]["name"]
        ]

    @route("GET", "/rest/api/{v}/issue/{key}/transitions")
    async def transitions(ctx: Ctx) -> Any:
        return {"expand": "transitions", "transitions": available(get(ctx))}

    @route("POST", "/rest/api/{v}/issue/{key}/transitions")
    async def do_transition(ctx: Ctx) -> Any:
        issue = get(ctx)
        body = await ctx.json()
        tid = str((body.get("transition") or {}).get("id", ""))
        match = next((t for t in available(issue) if t["id"] == tid), None)
        if match is None:
            raise HttpError(400, [f"Transition id '{tid}' is not valid for this issue."])
        old = issue.fields["status"]
        new = match["to"]
        fields = dict(body.get("fields") or {})
        resolution = fields.pop("resolution", None)
        items = [ctx.store._item("status", "jira", "status", old["id"], old["name"], new["id"], new["name"])]
        issue.fields["status"] = new
        if new["statusCategory"]["key"] == "done":
            chosen = _by_name_or_id(RESOLUTIONS, resolution) if resolution else RESOLUTIONS["Done"]
            if chosen is None:
                raise HttpError(400, errors={"resolution": "The resolution is not valid."})
            issue.fields["resolution"] = chosen
            issue.fields["resolutiondate"] = jira_time(datetime.now(UTC))
        else:
            issue.fields["resolution"] = None
            issue.fields["resolutiondate"] = None
        items += _apply_fields(ctx, issue, fields)
        items += _apply_update(ctx, issue, body.get("update") or {})
        ctx.store._log(issue, ctx.user["accountId"], datetime.now(UTC), items)
        ctx.store.touch(issue)
        return None

    # Comments ----------------------------------------------------------------------------------
    @route("GET", "/rest/api/{v}/issue/{key}/comment")
    async def comments(ctx: Ctx) -> Any:
        issue = get(ctx)
        start = ctx.int_param("startAt", 0)
        size = ctx.int_param("maxResults", 50, 5000)
        ordered = list(issue.comments)
        if ctx.query.get("orderBy") in ("-created", "-+created"):
            ordered.reverse()
        page = ordered[start : start + size]
        return {
            "startAt": start,
            "maxResults": size,
            "total": len(ordered),
            "comments": [app.render_comment(c, ctx.version, issue) for c in page],
        }

    @route("POST", "/rest/api/{v}/issue/{key}/comment")
    async def add_comment(ctx: Ctx) -> Any:
        issue = get(ctx)
        body = await ctx.json()
        content = _rich(body.get("body"), ctx.version)
        if content is None or not adf_to_markdown(content).strip():
            raise HttpError(400, errors={"comment": "Comment body can not be empty!"})
        comment = ctx.store.add_comment(issue, ctx.user["accountId"], content, visibility=body.get("visibility"))
        ctx.store.touch(issue)
        return _json_status(app.render_comment(comment, ctx.version, issue), 201)

    @route("PUT", "/rest/api/{v}/issue/{key}/comment/{comment_id}")
    async def edit_comment(ctx: Ctx) -> Any:
        issue = get(ctx)
        comment = next((c for c in issue.comments if c["id"] == ctx.params["comment_id"]), None)
        if comment is None:
            raise HttpError(404, ["Can not find a comment for the id: " + ctx.params["comment_id"] + "."])
        body = await ctx.json()
        content = _rich(body.get("body"), ctx.version)
        if content is None:
            raise HttpError(400, errors={"comment": "Comment body can not be empty!"})
        comment["body"] = content
        comment["updated"] = jira_time(datetime.now(UTC))
        comment["updateAuthor"] = ctx.user
        if "visibility" in body:
            comment["visibility"] = body["visibility"]
        return app.render_comment(comment, ctx.version, issue)

    # Worklogs ----------------------------------------------------------------------------------
    @route("GET", "/rest/api/{v}/issue/{key}/worklog")
    async def worklogs(ctx: Ctx) -> Any:
        issue = get(ctx)
        start = ctx.int_param("startAt", 0)
        size = ctx.int_param("maxResults", 5000, 5000)
        page = issue.worklogs[start : start + size]
        return {
            "startAt": start,
            "maxResults": size,
            "total": len(issue.worklogs),
            "worklogs": [app.render_worklog(w, ctx.version, issue) for w in page],
        }

    @route("POST", "/rest/api/{v}/issue/{key}/worklog")
    async def add_worklog(ctx: Ctx) -> Any:
        issue = get(ctx)
        body = await ctx.json()
        seconds = body.get("timeSpentSeconds")
        if seconds is None and body.get("timeSpent"):
            seconds = parse_duration(str(body["timeSpent"])) or 0
        if not isinstance(seconds, int) or seconds <= 0:
            raise HttpError(400, errors={"timeLogged": "You must indicate the time spent working."})
        started = body.get("started") or jira_time(datetime.now(UTC))
        if parse_time(started) is None:
            raise HttpError(
                400,
                errors={
                    "started": "Invalid date format. Please enter the date in the format "
                    "\"yyyy-MM-dd'T'HH:mm:ss.SSSZ\"."
                },
            )
        worklog = {
            "id": str(next(ctx.store.worklog_ids)),
            "author": ctx.user,
            "updateAuthor": ctx.user,
            "started": started,
            "timeSpentSeconds": seconds,
            "timeSpent": format_duration(seconds),
            "created": jira_time(datetime.now(UTC)),
            "updated": jira_time(datetime.now(UTC)),
            "issueId": issue.id,
        }
        if body.get("comment") is not None:
            worklog["comment"] = _rich(body["comment"], ctx.version)
        issue.worklogs.append(worklog)
        ctx.store.touch(issue)
        return _json_status(app.render_worklog(worklog, ctx.version, issue), 201)

    # Changelog ----------------------------------------------------------------------------------
    @route("GET", "/rest/api/{v}/issue/{key}/changelog")
    async def changelog(ctx: Ctx) -> Any:
        issue = get(ctx)
        start = ctx.int_param("startAt", 0)
        size = ctx.int_param("maxResults", 100, 100)
        page = issue.changelog[start : start + size]
        return {
            "self": f"{ctx.store.base_url}/rest/api/{ctx.version}/issue/{issue.key}/changelog",
            "startAt": start,
            "maxResults": size,
            "total": len(issue.changelog),
            "isLast": start + size >= len(issue.changelog),
            "values": page,
        }

    # Links ------------------------------------------------------------------------------------------
    @route("GET", "/rest/api/{v}/issueLinkType")
    async def link_types(ctx: Ctx) -> Any:
        return {"issueLinkTypes": LINK_TYPES}

    @route("POST", "/rest/api/{v}/issueLink")
    async def link(ctx: Ctx) -> Any:
        body = await ctx.json()
        type_ = _by_name_or_id({t["name"]: t for t in LINK_TYPES}, body.get("type"))
        if type_ is None:
            raise HttpError(
                404, ["No issue link type with name '" + str((body.get("type") or {}).get("name")) + "' found."]
            )
        inward = get(ctx, str((body.get("inwardIssue") or {}).get("key", "")))
        outward = get(ctx, str((body.get("outwardIssue") or {}).get("key", "")))
        if inward.key == outward.key:
            raise HttpError(400, ["You cannot link an issue to itself."])
        link_id = str(next(ctx.store.link_ids))
        ctx.store.links[link_id] = {"id": link_id, "type": type_, "inward": inward.key, "outward": outward.key}
        if body.get("comment"):
            ctx.store.add_comment(inward, ctx.user["accountId"], _rich(body["comment"].get("body"), ctx.version))
        return _json_status(None, 201)

    @route("DELETE", "/rest/api/{v}/issueLink/{link_id}")
    async def unlink(ctx: Ctx) -> Any:
        if ctx.store.links.pop(ctx.params["link_id"], None) is None:
            raise HttpError(404, ["No issue link with id '" + ctx.params["link_id"] + "' exists."])
        return None

    # Projects and users --------------------------------------------------------------------------
    @route("GET", "/rest/api/{v}/project/search")
    async def projects(ctx: Ctx) -> Any:
        query = (ctx.query.get("query") or "").lower()
        start = ctx.int_param("startAt", 0)
        size = ctx.int_param("maxResults", 50, 100)
        found = [p for p in ctx.store.projects.values() if query in p["key"].lower() or query in p["name"].lower()]
        page = found[start : start + size]
        return {
            "startAt": start,
            "maxResults": size,
            "total": len(found),
            "isLast": start + size >= len(found),
            "values": [_project_summary(ctx, p) for p in page],
        }

    @route("GET", "/rest/api/{v}/project")
    async def projects_dc(ctx: Ctx) -> Any:
        return [_project_summary(ctx, p) for p in ctx.store.projects.values()]

    @route("GET", "/rest/api/{v}/project/{key}")
    async def project(ctx: Ctx) -> Any:
        p = _project(ctx.store, {"key": ctx.params["key"]})
        if p is None:
            raise HttpError(404, [f"No project could be found with key '{ctx.params['key']}'."])
        return {**p, "self": f"{ctx.store.base_url}/rest/api/{ctx.version}/project/{p['id']}"}

    @route("GET", "/rest/api/{v}/user/search")
    @route("GET", "/rest/api/{v}/user/assignable/search")
    async def user_search(ctx: Ctx) -> Any:
        query = (ctx.query.get("query") or ctx.query.get("username") or "").lower()
        if not query and not ctx.query.get("accountId") and "assignable" not in ctx.request.url.path:
            raise HttpError(400, ["One of 'query' or 'accountId' query parameters must be provided."])
        size = ctx.int_param("maxResults", 50, 1000)
        account = ctx.query.get("accountId")
        found = [
            u
            for u in ctx.store.users.values()
            if (account and u["accountId"] == account)
            or (
                not account
                and (query in u["displayName"].lower() or query in u["emailAddress"].lower() or query in u["name"])
            )
        ]
        return found[:size]

    @route("GET", "/rest/api/{v}/user")
    async def user(ctx: Ctx) -> Any:
        found = ctx.store.users.get(ctx.query.get("accountId") or "")
        if found is None:
            raise HttpError(404, ["The user with account ID could not be found."])
        return found


def _json_status(body: Any, status: int) -> Any:
    from starlette.responses import JSONResponse, Response

    if body is None:
        return Response(status_code=status)
    return JSONResponse(body, status)


def _project_summary(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": p["id"],
        "key": p["key"],
        "name": p["name"],
        "projectTypeKey": p["projectTypeKey"],
        "simplified": False,
        "style": "classic",
        "self": f"{ctx.store.base_url}/rest/api/{ctx.version}/project/{p['id']}",
    }


def _project(store: SandboxStore, ref: Any) -> dict[str, Any] | None:
    if isinstance(ref, str):
        ref = {"key": ref}
    if not isinstance(ref, dict):
        return None
    key = str(ref.get("key") or "").upper()
    pid = str(ref.get("id") or "")
    return next((p for p in store.projects.values() if p["key"] == key or p["id"] == pid), None)


def _by_name_or_id(table: dict[str, dict[str, Any]], ref: Any) -> dict[str, Any] | None:
    if isinstance(ref, str):
        ref = {"name": ref}
    if not isinstance(ref, dict):
        return None
    name = str(ref.get("name") or "").lower()
    rid = str(ref.get("id") or "")
    return next((v for v in table.values() if v["name"].lower() == name or v.get("id") == rid), None)


def _apply_fields(ctx: Ctx, issue: Issue, fields: dict[str, Any], validate_only: bool = False) -> list[dict[str, Any]]:
    """Set editable fields; raise Jira's 400 with per-field errors for bad values."""
    store = ctx.store
    errors: dict[str, str] = {}
    changes: list[tuple[str, Any, str, str]] = []  # (field id, new value, from text, to text)
    project_key = (issue.fields.get("project") or {}).get("key")
    for name, value in fields.items():
        old = issue.fields.get(name)
        if name == "priority":
            found = _by_name_or_id(PRIORITIES, value)
            if found is None:
                errors[name] = "The priority selected is invalid."
            else:
                changes.append((name, found, (old or {}).get("name", ""), found["name"]))
        elif name == "assignee":
            if (
                value is None
                or value == {}
                or (isinstance(value, dict) and value.get("accountId") in (None, "-1") and "name" not in value)
            ):
                changes.append((name, None, (old or {}).get("displayName", ""), ""))
                continue
            ref = value.get("accountId") or value.get("name") if isinstance(value, dict) else value
            user = store.users.get(str(ref)) or store.user_by_any(str(ref))
            if user is None:
                errors[name] = f"User '{ref}' does not exist."
            else:
                changes.append((name, user, (old or {}).get("displayName", ""), user["displayName"]))
        elif name == "labels":
            if not isinstance(value, list) or not all(isinstance(v, str) and v and " " not in v for v in value):
                errors[name] = "Labels must be a list of strings without spaces."
            else:
                changes.append((name, list(value), " ".join(old or []), " ".join(value)))
        elif name in ("components", "fixVersions"):
            pool = (
                store.projects[project_key]["components" if name == "components" else "versions"] if project_key else []
            )
            picked = []
            for ref in value or []:
                found = _by_name_or_id({c["name"]: c for c in pool}, ref)
                if found is None:
                    errors[name] = (
                        f"Component/version '{(ref or {}).get('name') or (ref or {}).get('id')}' is not valid."
                    )
                else:
                    picked.append({"id": found["id"], "name": found["name"]})
            changes.append(
                (name, picked, ", ".join(c["name"] for c in old or []), ", ".join(c["name"] for c in picked))
            )
        elif name == "parent":
            key = (value or {}).get("key") or (value or {}).get("id") if isinstance(value, dict) else value
            target = store.find(str(key or "")) if key else None
            if key and target is None:
                errors[name] = "Could not find issue by id or key."
            else:
                changes.append(
                    (name, target.key if target else None, (old or {}).get("key", ""), target.key if target else "")
                )
        elif name == "customfield_10014":
            target = store.find(str(value)) if value else None
            if value and (target is None or target.fields["issuetype"]["name"] != "Epic"):
                errors[name] = f"Epic '{value}' does not exist or is not an epic."
            else:
                changes.append(("parent", target.key if target else None, "", target.key if target else ""))
        elif name == "customfield_10016":
            if value is not None and not isinstance(value, (int, float)):
                errors[name] = "Operation value must be a number."
            else:
                changes.append((name, value, str(old or ""), str(value or "")))
        elif name == "customfield_10020":
            sprint_id = value.get("id") if isinstance(value, dict) else value
            if sprint_id is not None and (not isinstance(sprint_id, int) or sprint_id not in store.sprints):
                errors[name] = "Sprint with the given id does not exist."
            else:
                changes.append((name, sprint_id, "", str(sprint_id or "")))
        elif name == "customfield_10001":
            found = None
            if value is not None:
                ref = value if isinstance(value, dict) else {"value": value}
                found = next(
                    (
                        o
                        for o in TEAM_OPTIONS
                        if o["id"] == str(ref.get("id")) or o["value"].lower() == str(ref.get("value", "")).lower()
                    ),
                    None,
                )
                if found is None:
                    errors[name] = f"Option value '{ref.get('value') or ref.get('id')}' is not valid."
                    continue
            changes.append((name, found, (old or {}).get("value", ""), (found or {}).get("value", "")))
        elif name == "duedate":
            if value is not None and parse_time(str(value)) is None:
                errors[name] = "Error parsing date string: " + str(value)
            else:
                changes.append((name, value, str(old or ""), str(value or "")))
        elif name == "environment":
            changes.append((name, value, "", "(updated)"))
        else:
            errors[name] = f"Field '{name}' cannot be set. It is not on the appropriate screen, or unknown."
    if errors:
        raise HttpError(400, errors=errors)
    if validate_only:
        return []
    items = []
    for name, value, before, after in changes:
        if name == "parent":
            if value:
                store._set_parent(issue, value)
            else:
                issue.fields["parent"] = None
                issue.fields["customfield_10014"] = None
        elif name == "customfield_10020":
            before_ids = ", ".join(str(i) for i in issue.sprint_ids)
            before_text = store._sprint_string(issue.sprint_ids)
            issue.sprint_ids = [i for i in issue.sprint_ids if store.sprints[i]["state"] == "closed"]
            if value:
                issue.sprint_ids.append(value)
            items.append(
                store._item(
                    "Sprint",
                    "custom",
                    name,
                    before_ids,
                    before_text,
                    ", ".join(str(i) for i in issue.sprint_ids),
                    store._sprint_string(issue.sprint_ids),
                )
            )
            continue
        else:
            issue.fields[name] = value
        if before != after:
            label = next((f["name"] for f in FIELDS if f["id"] == name), name)
            items.append(
                store._item(
                    label, "custom" if name.startswith("customfield") else "jira", name, None, before, None, after
                )
            )
    return items


def _apply_update(ctx: Ctx, issue: Issue, update: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for name, operations in update.items():
        if not isinstance(operations, list):
            raise HttpError(400, errors={name: "Update operations must be a list."})
        if name == "labels":
            labels = list(issue.fields.get("labels") or [])
            before = " ".join(labels)
            for op in operations:
                if "add" in op and op["add"] not in labels:
                    labels.append(str(op["add"]))
                if "remove" in op and op["remove"] in labels:
                    labels.remove(op["remove"])
                if "set" in op:
                    labels = list(op["set"])
            items += _apply_fields(ctx, issue, {"labels": labels})
            del before
        elif name == "comment":
            for op in operations:
                if "add" in op:
                    ctx.store.add_comment(issue, ctx.user["accountId"], _rich(op["add"].get("body"), ctx.version))
        elif name == "components":
            current = [{"id": c["id"]} for c in issue.fields.get("components") or []]
            for op in operations:
                if "add" in op:
                    current.append(op["add"])
                if "remove" in op:
                    ref = op["remove"]
                    current = [c for c in current if c.get("id") != ref.get("id") and c.get("name") != ref.get("name")]
                if "set" in op:
                    current = list(op["set"])
            items += _apply_fields(ctx, issue, {"components": current})
        else:
            raise HttpError(400, errors={name: f"Field '{name}' cannot be updated this way."})
    return items
