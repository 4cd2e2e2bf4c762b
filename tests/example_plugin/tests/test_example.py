"""The example plugin, tested only with the fixtures of ``jira_mcp.testing``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jira_mcp_example
import pytest

pytestmark = pytest.mark.anyio


async def test_count_issues(
    make_app: Callable[..., Any], connect: Callable[..., Any], call_tool: Callable[..., Any]
) -> None:
    app = make_app([("example", jira_mcp_example)])
    async with connect(app) as client:
        result = await call_tool(client, "count_issues", jql="project = OPS")
    assert not result.is_error
    assert result.data["count"] == 24
    assert result.text == "24 issue(s) match project = OPS"


async def test_bad_jql_is_a_validation_error(
    make_app: Callable[..., Any], connect: Callable[..., Any], call_tool: Callable[..., Any]
) -> None:
    app = make_app([("example", jira_mcp_example)])
    async with connect(app) as client:
        result = await call_tool(client, "count_issues", jql="project = ")
    assert result.is_error and result.code == "VALIDATION_ERROR"


async def test_discovered_through_its_entry_point(make_app: Callable[..., Any]) -> None:
    app = make_app(entry_points=True)
    assert "count_issues" in {tool.name for tool in app.tools}
    assert app.host.infos["example"].distribution == "jira-mcp-example"


def test_registers_one_read_only_tool(plugin_host: Callable[..., Any]) -> None:
    from jira_mcp.services import Services

    host = plugin_host([("example", jira_mcp_example)])
    tools = host.collect_tools(Services(host.settings))
    assert list(tools) == ["count_issues"] and tools["count_issues"].read_only
    assert host.infos["example"].hooks == ["register_tools"]


async def test_session_helper(tool_session: Callable[..., Any]) -> None:
    async with tool_session([("example", jira_mcp_example)], jira_project_whitelist=["MKT"]) as call:
        result = await call("count_issues", jql="order by key")
    assert result.data["count"] == 13 and result.data["jql"].startswith("project in (MKT)")


def test_a_plugin_that_fails_to_import_is_reported_and_the_others_load() -> None:
    """In the third_party session a deliberately broken plugin (tests/broken_plugin) is installed too."""
    import importlib.metadata
    import json
    import subprocess
    import sys

    if "broken" not in {ep.name for ep in importlib.metadata.entry_points(group="jira_mcp")}:
        pytest.skip("tests/broken_plugin is not installed (nox -s third_party installs it)")
    result = subprocess.run(
        [sys.executable, "-m", "jira_mcp.cli", "plugins", "--json"], capture_output=True, text=True, timeout=60
    )
    plugins = {p["name"]: p for p in json.loads(result.stdout)["plugins"]}
    assert result.returncode == 1
    assert "jira_mcp_dependency_that_is_not_installed" in plugins["broken"]["error"]
    assert plugins["example"]["error"] is None and plugins["example"]["tools"] == ["count_issues"]
