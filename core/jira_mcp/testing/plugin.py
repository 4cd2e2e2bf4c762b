"""The pytest plugin shipped for plugin authors (entry point ``pytest11``: ``jira_mcp``).

Fixtures:

* ``sandbox`` — a fresh in-process Jira sandbox (:class:`~jira_mcp.sandbox.SandboxApp`).
* ``sandbox_server`` — the sandbox on a real 127.0.0.1 port (one per session, reset per test).
* ``metrics`` — a fresh metrics registry.
* ``jira_settings`` — a factory of :class:`~jira_mcp.config.Settings` pointing at a sandbox.
* ``make_app`` — builds the assembled server from given plugin modules (no entry points), wired to
  the in-process sandbox (``live=True``: to ``sandbox_server`` over real HTTP).
* ``connect`` — ``async with connect(app) as client`` gives the SDK's ``Client`` on that server.
* ``call_tool`` — ``await call_tool(client, name, **arguments)`` → ``ToolResult`` (text, data, error).
* ``tool_session`` — ``async with tool_session(plugins, **settings) as call: await call("get_issue", ...)``:
  app, client and ``call_tool`` in one step (``call.app`` is the assembled server).
* ``plugin_host`` — a :class:`~jira_mcp.plugins.PluginHost` built from given plugin modules only.
* ``captured_logs`` — JSON log lines the server wrote, parsed.
"""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import httpx
import pytest

from jira_mcp.config import Settings
from jira_mcp.jira.client import JiraClient, RetryPolicy
from jira_mcp.observability.logging import configure_logging
from jira_mcp.observability.metrics import Metrics
from jira_mcp.plugins import PluginHost
from jira_mcp.sandbox import CREDENTIALS, SandboxApp, SandboxServer, create_sandbox
from jira_mcp.server.assembly import App, build_app
from jira_mcp.services import Services

__all__ = ["ToolResult"]

SANDBOX_URL = "http://127.0.0.1:9"  # in-process sandbox: the URL only names it (loopback, never dialled)


@dataclass
class ToolResult:
    text: str
    data: dict[str, Any] | None
    is_error: bool

    @property
    def code(self) -> str | None:
        return self.text.split(":", 1)[0] if self.is_error else None


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def sandbox() -> SandboxApp:
    return create_sandbox(SANDBOX_URL)


@pytest.fixture(scope="session")
def _sandbox_server_session() -> Iterator[SandboxServer]:
    with SandboxServer() as server:
        yield server


@pytest.fixture
def sandbox_server(_sandbox_server_session: SandboxServer) -> SandboxServer:
    _sandbox_server_session.app.reset()
    _sandbox_server_session.app.store.base_url = _sandbox_server_session.url
    return _sandbox_server_session


@pytest.fixture
def metrics() -> Metrics:
    return Metrics(process=False)


@pytest.fixture
def jira_settings() -> Callable[..., Settings]:
    def factory(url: str = SANDBOX_URL, **overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "jira_host": url,
            "jira_email": CREDENTIALS["email"],
            "jira_api_token": CREDENTIALS["api_token"],
            "jira_deployment": "cloud",
            "jira_mcp_plugins": None,
            "jira_project_whitelist": [],
            "read_only_mode": False,
            "enabled_tools": [],
        }
        values.update(overrides)
        return Settings(**values)

    return factory


@pytest.fixture
def make_app(
    sandbox: SandboxApp, request: pytest.FixtureRequest, jira_settings: Callable[..., Settings]
) -> Callable[..., App]:
    created: list[App] = []

    def factory(
        plugins: list[tuple[str, ModuleType | object]] | None = None,
        *,
        live: bool = False,
        entry_points: bool = False,
        **overrides: Any,
    ) -> App:
        if live:
            server: SandboxServer = request.getfixturevalue("sandbox_server")
            settings = jira_settings(server.url, **overrides)
            transport = None
        else:
            settings = jira_settings(SANDBOX_URL, **overrides)
            transport = httpx.ASGITransport(sandbox)
        metrics = Metrics(process=False)
        client = JiraClient.from_settings(
            settings,
            metrics=metrics,
            transport=transport,
            retry=RetryPolicy(base_delay=0.01, max_delay=0.05, min_delay=0.01),
        )
        services = Services(settings, metrics=metrics, jira=client)
        app = build_app(settings, modules=plugins or [], use_entry_points=entry_points, services=services)
        created.append(app)
        return app

    return factory


@pytest.fixture
def connect() -> Callable[..., Any]:
    from mcp import Client

    @asynccontextmanager
    async def factory(app: App, **kwargs: Any) -> AsyncIterator[Any]:
        async with Client(app.server, **kwargs) as client:
            yield client

    return factory


@pytest.fixture
def call_tool() -> Callable[..., Any]:
    async def invoke(client: Any, tool: str, /, **arguments: Any) -> ToolResult:
        result = await client.call_tool(tool, arguments)
        text = "".join(getattr(block, "text", "") for block in result.content)
        return ToolResult(text=text, data=result.structured_content, is_error=bool(result.is_error))

    return invoke


@pytest.fixture
def tool_session(
    make_app: Callable[..., App], connect: Callable[..., Any], call_tool: Callable[..., Any]
) -> Callable[..., Any]:
    @asynccontextmanager
    async def factory(plugins: list[tuple[str, ModuleType | object]], **overrides: Any) -> AsyncIterator[Any]:
        app = make_app(plugins, **overrides)
        async with connect(app) as client:

            async def call(tool: str, /, **arguments: Any) -> ToolResult:
                result: ToolResult = await call_tool(client, tool, **arguments)
                return result

            call.app = app  # type: ignore[attr-defined]
            call.client = client  # type: ignore[attr-defined]
            yield call

    return factory


@pytest.fixture
def plugin_host(jira_settings: Callable[..., Settings]) -> Callable[..., PluginHost]:
    def factory(plugins: list[tuple[str, ModuleType | object]], **overrides: Any) -> PluginHost:
        return PluginHost(jira_settings(SANDBOX_URL, **overrides), modules=plugins, use_entry_points=False)

    return factory


@pytest.fixture
def captured_logs() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    stream = io.StringIO()
    configure_logging("DEBUG", json=True, stream=stream)

    def lines() -> list[dict[str, Any]]:
        out = []
        for line in stream.getvalue().splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                out.append({"event": line})
        return out

    lines.raw = stream  # type: ignore[attr-defined]
    yield lines
    configure_logging("WARNING", json=True)
