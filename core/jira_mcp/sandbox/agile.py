"""Sandbox routes for Jira Software (agile) 1.0: boards, sprints, epics and backlog."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from jira_mcp.sandbox.app import HttpError, parse_fields
from jira_mcp.sandbox.platform import run_jql
from jira_mcp.sandbox.store import STATUSES, Issue, jira_time, parse_time

if TYPE_CHECKING:
    from jira_mcp.sandbox.app import Ctx, SandboxApp

A = "/rest/agile/1.0"
_COLUMNS = {
    "scrum": [("To Do", ["To Do"]), ("In Progress", ["In Progress"]), ("Review", ["In Review"]), ("Done", ["Done"])],
    "kanban": [("Backlog", ["To Do"]), ("Doing", ["In Progress", "In Review"]), ("Done", ["Done"])],
}


def _paged(ctx: Ctx, items: list[Any], default: int = 50) -> dict[str, Any]:
    start = ctx.int_param("startAt", 0)
    size = ctx.int_param("maxResults", default, 100)
    page = items[start : start + size]
    return {
        "maxResults": size,
        "startAt": start,
        "total": len(items),
        "isLast": start + size >= len(items),
        "values": page,
    }


def register(app: SandboxApp) -> None:
    route = app.route

    def board(ctx: Ctx) -> dict[str, Any]:
        try:
            found = ctx.store.boards.get(int(ctx.params["board_id"]))
        except ValueError:
            found = None
        if found is None:
            raise HttpError(404, ["Board does not exist or you do not have permission to see it."])
        return found

    def sprint(ctx: Ctx) -> dict[str, Any]:
        try:
            found = ctx.store.sprints.get(int(ctx.params["sprint_id"]))
        except ValueError:
            found = None
        if found is None:
            raise HttpError(404, ["Sprint does not exist or you do not have permission to view it."])
        return found

    def board_json(ctx: Ctx, b: dict[str, Any]) -> dict[str, Any]:
        p = ctx.store.projects[b["project"]]
        return {
            "id": b["id"],
            "self": f"{ctx.store.base_url}{A}/board/{b['id']}",
            "name": b["name"],
            "type": b["type"],
            "location": {
                "projectId": int(p["id"]),
                "projectKey": p["key"],
                "projectName": p["name"],
                "displayName": f"{p['name']} ({p['key']})",
                "projectTypeKey": "software",
                "name": f"{p['name']} ({p['key']})",
            },
        }

    def sprint_json(ctx: Ctx, s: dict[str, Any]) -> dict[str, Any]:
        return {
            **{k: v for k, v in s.items() if k != "createdDate"},
            "self": f"{ctx.store.base_url}{A}/sprint/{s['id']}",
        }

    def issues_page(ctx: Ctx, issues: list[Issue]) -> dict[str, Any]:
        jql = ctx.query.get("jql")
        if jql:
            issues = run_jql(ctx.store, ctx.user, jql, extra=issues)
        start = ctx.int_param("startAt", 0)
        size = ctx.int_param("maxResults", 50, 100)
        selection = parse_fields(ctx.query.get("fields"), None)
        page = issues[start : start + size]
        return {
            "expand": "schema,names",
            "startAt": start,
            "maxResults": size,
            "total": len(issues),
            "issues": [app.render_issue(i, ctx, selection) for i in page],
        }

    def board_issues(ctx: Ctx, b: dict[str, Any]) -> list[Issue]:
        return run_jql(ctx.store, ctx.user, b["jql"])

    @route("GET", f"{A}/board")
    async def boards(ctx: Ctx) -> Any:
        name = (ctx.query.get("name") or "").lower()
        project = (ctx.query.get("projectKeyOrId") or "").upper()
        type_ = (ctx.query.get("type") or "").lower()
        found = [
            b
            for b in ctx.store.boards.values()
            if name in b["name"].lower()
            and (not project or project in (b["project"], ctx.store.projects[b["project"]]["id"]))
            and (not type_ or b["type"] in type_.split(","))
        ]
        return _paged(ctx, [board_json(ctx, b) for b in found])

    @route("GET", f"{A}/board/{{board_id}}")
    async def get_board(ctx: Ctx) -> Any:
        return board_json(ctx, board(ctx))

    @route("GET", f"{A}/board/{{board_id}}/configuration")
    async def configuration(ctx: Ctx) -> Any:
        b = board(ctx)
        result: dict[str, Any] = {
            "id": b["id"],
            "name": b["name"],
            "type": b["type"],
            "self": f"{ctx.store.base_url}{A}/board/{b['id']}/configuration",
            "location": {"type": "project", "key": b["project"], "id": ctx.store.projects[b["project"]]["id"]},
            "filter": {"id": b["filter_id"], "self": f"{ctx.store.base_url}/rest/api/3/filter/{b['filter_id']}"},
            "columnConfig": {
                "columns": [
                    {
                        "name": name,
                        "statuses": [
                            {
                                "id": STATUSES[s]["id"],
                                "self": f"{ctx.store.base_url}/rest/api/3/status/{STATUSES[s]['id']}",
                            }
                            for s in statuses
                        ],
                    }
                    for name, statuses in _COLUMNS[b["type"]]
                ],
                "constraintType": "issueCount",
            },
            "ranking": {"rankCustomFieldId": 10019},
        }
        if b["type"] == "scrum":
            result["estimation"] = {
                "type": "field",
                "field": {"fieldId": "customfield_10016", "displayName": "Story point estimate"},
            }
        return result

    @route("GET", f"{A}/board/{{board_id}}/project")
    async def board_projects(ctx: Ctx) -> Any:
        b = board(ctx)
        p = ctx.store.projects[b["project"]]
        return _paged(ctx, [{"id": p["id"], "key": p["key"], "name": p["name"]}])

    @route("GET", f"{A}/board/{{board_id}}/issue")
    async def get_board_issues(ctx: Ctx) -> Any:
        return issues_page(ctx, board_issues(ctx, board(ctx)))

    @route("GET", f"{A}/board/{{board_id}}/backlog")
    async def backlog(ctx: Ctx) -> Any:
        b = board(ctx)
        if b["type"] == "kanban":
            found = [i for i in board_issues(ctx, b) if i.fields["status"]["name"] == "To Do"]
        else:
            open_ids = {sid for sid, s in ctx.store.sprints.items() if s["state"] != "closed"}
            found = [
                i
                for i in board_issues(ctx, b)
                if not set(i.sprint_ids) & open_ids
                and i.fields["status"]["statusCategory"]["key"] != "done"
                and i.fields["issuetype"]["name"] != "Epic"
            ]
        return issues_page(ctx, found)

    @route("GET", f"{A}/board/{{board_id}}/sprint")
    async def board_sprints(ctx: Ctx) -> Any:
        b = board(ctx)
        if b["type"] != "scrum":
            raise HttpError(400, ["The board does not support sprints"])
        states = [s for s in (ctx.query.get("state") or "").split(",") if s]
        found = [
            sprint_json(ctx, s)
            for s in sorted(ctx.store.sprints.values(), key=lambda s: s["id"])
            if s["originBoardId"] == b["id"] and (not states or s["state"] in states)
        ]
        return _paged(ctx, found)

    @route("GET", f"{A}/board/{{board_id}}/epic")
    async def board_epics(ctx: Ctx) -> Any:
        b = board(ctx)
        epics = [
            i
            for i in ctx.store.issues.values()
            if i.fields["project"]["key"] == b["project"] and i.fields["issuetype"]["name"] == "Epic"
        ]
        done = ctx.query.get("done")
        values = [epic_json(ctx, e) for e in epics]
        if done in ("true", "false"):
            values = [v for v in values if v["done"] == (done == "true")]
        return _paged(ctx, values)

    def epic_json(ctx: Ctx, e: Issue) -> dict[str, Any]:
        return {
            "id": int(e.id),
            "key": e.key,
            "self": f"{ctx.store.base_url}{A}/epic/{e.id}",
            "name": e.fields["summary"],
            "summary": e.fields["summary"],
            "color": {"key": "color_4"},
            "done": e.fields["status"]["statusCategory"]["key"] == "done",
        }

    def epic(ctx: Ctx) -> Issue:
        e = ctx.store.find(ctx.params["epic"])
        if e is None or e.fields["issuetype"]["name"] != "Epic":
            raise HttpError(404, ["Issue does not exist or you do not have permission to see it."])
        return e

    def children(ctx: Ctx, e: Issue) -> list[Issue]:
        return [i for i in ctx.store.issues.values() if (i.fields.get("parent") or {}).get("key") == e.key]

    @route("GET", f"{A}/epic/{{epic}}")
    async def get_epic(ctx: Ctx) -> Any:
        return epic_json(ctx, epic(ctx))

    @route("GET", f"{A}/epic/{{epic}}/issue")
    async def epic_issues(ctx: Ctx) -> Any:
        return issues_page(ctx, children(ctx, epic(ctx)))

    @route("GET", f"{A}/board/{{board_id}}/epic/{{epic}}/issue")
    async def board_epic_issues(ctx: Ctx) -> Any:
        board(ctx)
        return issues_page(ctx, children(ctx, epic(ctx)))

    # Sprints ---------------------------------------------------------------------------------
    @route("POST", f"{A}/sprint")
    async def create_sprint(ctx: Ctx) -> Any:
        body = await ctx.json()
        name = body.get("name")
        board_id = body.get("originBoardId")
        errors = {}
        if not isinstance(name, str) or not name.strip():
            errors["name"] = "The sprint name is required."
        elif len(name) > 30:
            errors["name"] = "The sprint name must not be longer than 30 characters."
        b = ctx.store.boards.get(board_id) if isinstance(board_id, int) else None
        if b is None:
            errors["originBoardId"] = "The board does not exist."
        elif b["type"] != "scrum":
            raise HttpError(400, ["The board does not support sprints"])
        _check_dates(body, errors)
        if errors:
            raise HttpError(400, errors=errors)
        sid = next(ctx.store.sprint_seq)
        s = {
            "id": sid,
            "state": "future",
            "name": name.strip(),
            "originBoardId": board_id,
            "goal": body.get("goal") or "",
            "createdDate": jira_time(datetime.now(UTC)),
        }
        for key in ("startDate", "endDate"):
            if body.get(key):
                s[key] = jira_time(parse_time(body[key]))  # type: ignore[arg-type]
        ctx.store.sprints[sid] = s
        from starlette.responses import JSONResponse

        return JSONResponse(sprint_json(ctx, s), 201)

    @route("GET", f"{A}/sprint/{{sprint_id}}")
    async def get_sprint(ctx: Ctx) -> Any:
        return sprint_json(ctx, sprint(ctx))

    @route("POST", f"{A}/sprint/{{sprint_id}}")
    @route("PUT", f"{A}/sprint/{{sprint_id}}")
    async def update_sprint(ctx: Ctx) -> Any:
        s = sprint(ctx)
        body = await ctx.json()
        if not isinstance(body, dict):
            raise HttpError(400, ["The request body must be an object."])
        errors: dict[str, str] = {}
        _check_dates(body, errors)
        if errors:
            raise HttpError(400, errors=errors)
        new_state = body.get("state", s["state"])
        if new_state not in ("future", "active", "closed"):
            raise HttpError(400, errors={"state": f"'{new_state}' is not a sprint state (future, active, closed)."})
        if s["state"] == "closed" and (new_state != "closed" or any(k in body for k in ("startDate", "endDate"))):
            raise HttpError(400, ["A closed sprint cannot be reopened or have its dates changed."])
        if new_state != s["state"]:
            if (s["state"], new_state) == ("future", "active"):
                start = body.get("startDate") or s.get("startDate")
                end = body.get("endDate") or s.get("endDate")
                if not start or not end:
                    raise HttpError(400, ["A sprint needs a start date and an end date before it can be started."])
                active = [
                    o
                    for o in ctx.store.sprints.values()
                    if o["originBoardId"] == s["originBoardId"] and o["state"] == "active"
                ]
                if active:
                    raise HttpError(
                        400,
                        [
                            f"Sprint '{active[0]['name']}' is already active on this board; close it "
                            "before starting another."
                        ],
                    )
            elif (s["state"], new_state) == ("active", "closed"):
                s["completeDate"] = jira_time(datetime.now(UTC))
                _close(ctx, s)
            else:
                raise HttpError(
                    400,
                    [f"A sprint cannot move from {s['state']} to {new_state}; the order is future → active → closed."],
                )
            s["state"] = new_state
        for key in ("name", "goal"):
            if key in body and body[key] is not None:
                s[key] = str(body[key])
        for key in ("startDate", "endDate"):
            if body.get(key):
                s[key] = jira_time(parse_time(body[key]))  # type: ignore[arg-type]
        return sprint_json(ctx, s)

    @route("DELETE", f"{A}/sprint/{{sprint_id}}")
    async def delete_sprint(ctx: Ctx) -> Any:
        s = sprint(ctx)
        if s["state"] != "future":
            raise HttpError(400, ["Only future sprints can be deleted."])
        for issue in ctx.store.issues.values():
            if s["id"] in issue.sprint_ids:
                issue.sprint_ids.remove(s["id"])
        del ctx.store.sprints[s["id"]]
        return None

    @route("GET", f"{A}/sprint/{{sprint_id}}/issue")
    async def sprint_issues(ctx: Ctx) -> Any:
        s = sprint(ctx)
        return issues_page(ctx, [i for i in ctx.store.issues.values() if s["id"] in i.sprint_ids])

    @route("POST", f"{A}/sprint/{{sprint_id}}/issue")
    async def move_to_sprint(ctx: Ctx) -> Any:
        s = sprint(ctx)
        if s["state"] == "closed":
            raise HttpError(400, ["Issues cannot be moved to a closed sprint."])
        issues = await _issues_of(ctx)
        for issue in issues:
            _set_open_sprint(ctx, issue, s["id"])
        return None

    @route("POST", f"{A}/backlog/issue")
    async def move_to_backlog(ctx: Ctx) -> Any:
        for issue in await _issues_of(ctx):
            _set_open_sprint(ctx, issue, None)
        return None


async def _issues_of(ctx: Ctx) -> list[Issue]:
    body = await ctx.json()
    keys = body.get("issues") if isinstance(body, dict) else None
    if not isinstance(keys, list) or not keys:
        raise HttpError(400, errors={"issues": "At least one issue is required."})
    if len(keys) > 50:
        raise HttpError(400, errors={"issues": "At most 50 issues can be moved at once."})
    found = []
    for key in keys:
        issue = ctx.store.find(str(key))
        if issue is None:
            raise HttpError(400, [f"Issue '{key}' does not exist or you do not have permission to see it."])
        found.append(issue)
    return found


def _set_open_sprint(ctx: Ctx, issue: Issue, sprint_id: int | None) -> None:
    store = ctx.store
    before_ids = ", ".join(str(i) for i in issue.sprint_ids)
    before = store._sprint_string(issue.sprint_ids)
    issue.sprint_ids = [i for i in issue.sprint_ids if store.sprints[i]["state"] == "closed"]
    if sprint_id is not None:
        issue.sprint_ids.append(sprint_id)
    after_ids = ", ".join(str(i) for i in issue.sprint_ids)
    if after_ids != before_ids:
        store._log(
            issue,
            ctx.user["accountId"],
            datetime.now(UTC),
            [
                store._item(
                    "Sprint",
                    "custom",
                    "customfield_10020",
                    before_ids,
                    before,
                    after_ids,
                    store._sprint_string(issue.sprint_ids),
                )
            ],
        )
        store.touch(issue)


def _close(ctx: Ctx, s: dict[str, Any]) -> None:
    """Closing keeps the closed sprint on every issue's Sprint field, as Jira does; open work leaves it."""
    for issue in ctx.store.issues.values():
        if s["id"] in issue.sprint_ids:
            issue.sprint_ids = [
                i for i in issue.sprint_ids if i == s["id"] or ctx.store.sprints[i]["state"] == "closed"
            ]


def _check_dates(body: dict[str, Any], errors: dict[str, str]) -> None:
    for key in ("startDate", "endDate"):
        if body.get(key) and parse_time(str(body[key])) is None:
            errors[key] = "Invalid date format; use ISO 8601, e.g. 2026-12-01T09:00:00.000Z."
    start, end = parse_time(str(body.get("startDate") or "")), parse_time(str(body.get("endDate") or ""))
    if start and end and end <= start:
        errors["endDate"] = "The end date must be after the start date."
