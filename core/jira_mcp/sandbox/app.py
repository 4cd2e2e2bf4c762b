"""The sandbox ASGI application: routing, authentication, fault injection and issue rendering.

Routes live in :mod:`.platform` (REST v2/v3) and :mod:`.agile` (Jira Software 1.0). Admin routes under
``/_sandbox/`` set faults and reset the data so out-of-process tests can drive it over HTTP.
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from jira_mcp.jira.adf import adf_to_wiki
from jira_mcp.sandbox.seed import CREDENTIALS
from jira_mcp.sandbox.store import FIELDS, Issue, SandboxStore

__all__ = ["Fault", "HttpError", "SandboxApp", "create_sandbox"]


class HttpError(Exception):
    def __init__(self, status: int, messages: list[str] | None = None, errors: dict[str, str] | None = None):
        self.status = status
        self.body = {"errorMessages": messages or [], "errors": errors or {}}


@dataclass
class Fault:
    """One injected fault. Matches by method and path prefix; ``times=None`` means every request."""

    status: int | None = None
    path: str = ""
    method: str | None = None
    times: int | None = 1
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    delay_ms: float = 0
    malformed: bool = False

    def matches(self, method: str, path: str) -> bool:
        return (
            (self.method is None or self.method.upper() == method)
            and path.startswith(self.path)
            and (self.times is None or self.times > 0)
        )


Handler = Callable[["Ctx"], Awaitable[Any]]


@dataclass
class Ctx:
    request: Request
    store: SandboxStore
    params: dict[str, str]
    user: dict[str, Any]
    version: str

    @property
    def query(self) -> Any:
        return self.request.query_params

    async def json(self) -> Any:
        raw = await self.request.body()
        if not raw:
            return {}
        try:
            return json.loads(raw)
        except ValueError:
            raise HttpError(400, ["Unexpected character in request body: the body is not valid JSON."]) from None

    def int_param(self, name: str, default: int, maximum: int | None = None) -> int:
        raw = self.query.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise HttpError(400, [f"The value '{raw}' of parameter '{name}' is not a number."]) from None
        if value < 0:
            raise HttpError(400, [f"'{name}' must not be negative."])
        return min(value, maximum) if maximum else value


class SandboxApp:
    """An ASGI app serving a Jira-compatible API over a :class:`SandboxStore`."""

    def __init__(self, store: SandboxStore | None = None) -> None:
        self.store = store or SandboxStore()
        self.faults: list[Fault] = []
        self.latency_ms = 0.0
        self.requests: list[tuple[str, str]] = []
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        from jira_mcp.sandbox import agile, platform

        platform.register(self)
        agile.register(self)

    # Registration and faults -----------------------------------------------------------------
    def route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        regex = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern.replace("{v}", "{v}")) + "$"
        regex = regex.replace("(?P<v>[^/]+)", "(?P<v>[23])")

        def decorator(fn: Handler) -> Handler:
            self.routes.append((method, re.compile(regex), fn))
            return fn

        return decorator

    def add_fault(self, fault: Fault | None = None, **kwargs: Any) -> Fault:
        fault = fault or Fault(**kwargs)
        self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        self.faults.clear()
        self.latency_ms = 0

    def reset(self) -> None:
        self.store = SandboxStore(self.store.base_url, now=None)
        self.clear_faults()
        self.requests.clear()

    def count(self, method: str, path_prefix: str) -> int:
        return sum(1 for m, p in self.requests if m == method and p.startswith(path_prefix))

    # ASGI ----------------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        response = await self._dispatch(request)
        await response(scope, receive, send)

    async def _dispatch(self, request: Request) -> Response:
        method, path = request.method, request.url.path
        if path.startswith("/_sandbox/"):
            return await self._admin(request, path)
        self.requests.append((method, path))
        if self.latency_ms:
            await asyncio.sleep(self.latency_ms / 1000)
        for fault in self.faults:
            if fault.matches(method, path):
                if fault.times is not None:
                    fault.times -= 1
                if fault.delay_ms:
                    await asyncio.sleep(fault.delay_ms / 1000)
                if fault.malformed:
                    return Response(fault.body or '{"issues": [', 200, media_type="application/json")
                if fault.status is not None:
                    body = (
                        fault.body
                        if fault.body is not None
                        else json.dumps({"errorMessages": [f"Injected fault: HTTP {fault.status}"], "errors": {}})
                    )
                    return Response(body, fault.status, headers=fault.headers, media_type="application/json")
                break
        try:
            user = self._authenticate(request)
            for route_method, regex, handler in self.routes:
                if route_method != method:
                    continue
                match = regex.match(path)
                if match:
                    params = match.groupdict()
                    ctx = Ctx(request, self.store, params, user, params.get("v", "3"))
                    result = await handler(ctx)
                    if isinstance(result, Response):
                        return result
                    if result is None:
                        return Response(status_code=204)
                    return JSONResponse(result)
            if any(regex.match(path) for _, regex, _ in self.routes):
                raise HttpError(405, [f"Method {method} is not allowed for {path}."])
            raise HttpError(404, [f"No resource at {path}."])
        except HttpError as exc:
            return JSONResponse(
                exc.body,
                exc.status,
                headers={"WWW-Authenticate": 'Basic realm="sandbox"'} if exc.status == 401 else None,
            )

    def _authenticate(self, request: Request) -> dict[str, Any]:
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        ok = False
        if scheme.lower() == "basic":
            try:
                email, _, token = base64.b64decode(value).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                email, token = "", ""
            ok = hmac.compare_digest(token, CREDENTIALS["api_token"]) and self.store.user_by_any(email) is not None
            user = self.store.user_by_any(email) if ok else None
        elif scheme.lower() == "bearer":
            ok = hmac.compare_digest(value, CREDENTIALS["personal_token"])
            user = self.store.user_by_any(CREDENTIALS["email"])
        if not ok or user is None:
            raise HttpError(401, ["You are not authenticated. Authentication required to perform this operation."])
        return user

    async def _admin(self, request: Request, path: str) -> Response:
        if path == "/_sandbox/faults" and request.method == "POST":
            data = json.loads(await request.body() or b"{}")
            if "latency_ms" in data:
                self.latency_ms = float(data["latency_ms"])
            for item in data.get("faults", []):
                self.add_fault(Fault(**item))
            return JSONResponse({"faults": len(self.faults), "latency_ms": self.latency_ms})
        if path == "/_sandbox/faults" and request.method == "DELETE":
            self.clear_faults()
            return Response(status_code=204)
        if path == "/_sandbox/reset" and request.method == "POST":
            self.reset()
            return Response(status_code=204)
        if path == "/_sandbox/requests" and request.method == "GET":
            return JSONResponse({"requests": [[m, p] for m, p in self.requests]})
        return JSONResponse({"errorMessages": ["unknown sandbox admin route"]}, 404)

    # Rendering -------------------------------------------------------------------------------
    def render_issue(
        self, issue: Issue, ctx: Ctx, selection: set[str] | None, expand: set[str] | frozenset[str] = frozenset()
    ) -> dict[str, Any]:
        store = ctx.store
        base = store.base_url
        all_fields = dict(issue.fields)
        all_fields["subtasks"] = store.subtasks(issue)
        all_fields["issuelinks"] = store.issue_links(issue)
        all_fields["customfield_10020"] = store.sprint_objects(issue)
        all_fields["comment"] = {
            "comments": [self.render_comment(c, ctx.version, issue) for c in issue.comments],
            "maxResults": len(issue.comments),
            "total": len(issue.comments),
            "startAt": 0,
        }
        spent = sum(w["timeSpentSeconds"] for w in issue.worklogs)
        all_fields["worklog"] = {
            "startAt": 0,
            "maxResults": 20,
            "total": len(issue.worklogs),
            "worklogs": [self.render_worklog(w, ctx.version, issue) for w in issue.worklogs[-20:]],
        }
        all_fields["timetracking"] = {"timeSpentSeconds": spent} if spent else {}
        if ctx.version == "2" and isinstance(all_fields.get("description"), dict):
            all_fields["description"] = adf_to_wiki(all_fields["description"])
        if selection is not None:
            all_fields = {k: v for k, v in all_fields.items() if k in selection}
        result: dict[str, Any] = {
            "expand": "renderedFields,names,schema,transitions,changelog",
            "id": issue.id,
            "self": f"{base}/rest/api/{ctx.version}/issue/{issue.id}",
            "key": issue.key,
            "fields": all_fields,
        }
        if "names" in expand:
            result["names"] = {f["id"]: f["name"] for f in FIELDS if selection is None or f["id"] in selection}
        if "changelog" in expand:
            result["changelog"] = {
                "startAt": 0,
                "maxResults": len(issue.changelog),
                "total": len(issue.changelog),
                "histories": issue.changelog,
            }
        return result

    def render_comment(self, comment: dict[str, Any], version: str, issue: Issue) -> dict[str, Any]:
        out = dict(comment)
        out["self"] = f"{self.store.base_url}/rest/api/{version}/issue/{issue.id}/comment/{comment['id']}"
        if version == "2" and isinstance(out.get("body"), dict):
            out["body"] = adf_to_wiki(out["body"])
        return out

    def render_worklog(self, worklog: dict[str, Any], version: str, issue: Issue) -> dict[str, Any]:
        out = dict(worklog)
        out["self"] = f"{self.store.base_url}/rest/api/{version}/issue/{issue.id}/worklog/{worklog['id']}"
        if version == "2" and isinstance(out.get("comment"), dict):
            out["comment"] = adf_to_wiki(out["comment"])
        return out


def parse_fields(raw: Any, default: set[str] | None) -> set[str] | None:
    """Jira's ``fields`` selection: ``*all``, ``*navigable``, ids, and ``-id`` exclusions."""
    if raw is None or raw == "" or raw == []:
        return default
    items = raw if isinstance(raw, list) else str(raw).split(",")
    names = [str(i).strip() for i in items if str(i).strip()]
    everything = {f["id"] for f in FIELDS}
    chosen: set[str] = set()
    for name in names:
        if name in ("*all", "*navigable"):
            chosen |= everything
        elif not name.startswith("-"):
            chosen.add(name)
    for name in names:
        if name.startswith("-"):
            chosen.discard(name[1:])
    return chosen


def create_sandbox(base_url: str = "http://127.0.0.1", now: datetime | None = None) -> SandboxApp:
    return SandboxApp(SandboxStore(base_url, now=now))
