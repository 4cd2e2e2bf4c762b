"""The plugin host: discovery, isolation of broken plugins, allow/block lists, collisions, the CLI."""

from __future__ import annotations

import inspect
import json
import re
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from jira_mcp import ToolOutput, hookimpl, hookspecs
from jira_mcp.config import Settings
from jira_mcp.errors import PluginError
from jira_mcp.plugins import PluginHost
from jira_mcp.registries import HealthCheckRegistry, NotifierRegistry, SettingsRegistry, ToolRegistry
from jira_mcp.services import Services
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
HOOKS = ["register_settings", "register_tools", "register_notifiers", "register_health_checks"]


class Echo(ToolOutput):
    text: str


def tool_plugin(name: str, tool_name: str = "echo") -> types.SimpleNamespace:
    @hookimpl
    def register_tools(registry: ToolRegistry) -> None:
        async def fn(text: str) -> Echo:
            """Echo."""
            return Echo(text=text)

        registry.add(fn, name=tool_name, toolset=name, read_only=True)

    return types.SimpleNamespace(register_tools=register_tools, __name__=name)


class Broken:
    @staticmethod
    def load() -> Any:
        raise ImportError("No module named 'missing_dependency'")


def settings(**overrides: Any) -> Settings:
    return Settings(jira_host="acme.atlassian.net", jira_email="a@b.co", jira_api_token="x" * 24, **overrides)


def host(modules: list[tuple[str, Any]], **overrides: Any) -> PluginHost:
    return PluginHost(settings(**overrides), modules=modules, use_entry_points=False)


def test_hook_register_tools_attributes_tools_to_plugins() -> None:
    h = host([("alpha", tool_plugin("alpha", "a_tool")), ("beta", tool_plugin("beta", "b_tool"))])
    tools = h.collect_tools(Services(h.settings))
    assert tools["a_tool"].plugin == "alpha" and tools["b_tool"].plugin == "beta"
    assert h.infos["alpha"].tools == ["a_tool"]
    assert h.infos["alpha"].hooks == ["register_tools"]


def test_builtin_core_plugin_is_registered_like_the_others() -> None:
    h = host([])
    assert h.infos["core"].builtin and h.infos["core"].hooks == ["register_health_checks"]


def test_tool_name_collision_names_both_plugins() -> None:
    h = host([("alpha", tool_plugin("alpha")), ("beta", tool_plugin("beta"))])
    with pytest.raises(PluginError) as info:
        h.collect_tools(Services(h.settings))
    assert "'alpha'" in str(info.value) and "'beta'" in str(info.value) and "'echo'" in str(info.value)


def test_plugin_failing_to_load_is_reported_and_others_load() -> None:
    h = PluginHost(settings(), modules=[("good", tool_plugin("good"))], use_entry_points=False)
    h._register("broken", Broken.load)
    assert h.infos["broken"].error and "missing_dependency" in h.infos["broken"].error
    assert "echo" in h.collect_tools(Services(h.settings))


def test_plugin_raising_in_a_hook_is_isolated() -> None:
    @hookimpl
    def register_tools(registry: ToolRegistry) -> None:
        raise RuntimeError("boom")

    h = host([("bad", types.SimpleNamespace(register_tools=register_tools)), ("good", tool_plugin("good"))])
    tools = h.collect_tools(Services(h.settings))
    assert list(tools) == ["echo"]
    assert "boom" in (h.infos["bad"].error or "")


def test_strict_mode_turns_a_broken_plugin_into_a_startup_failure() -> None:
    h = PluginHost(settings(), modules=[], use_entry_points=False, strict=True)
    with pytest.raises(PluginError, match="strict"):
        h._register("broken", Broken.load)


def test_allow_and_block_lists() -> None:
    mods = [
        ("alpha", tool_plugin("alpha", "a")),
        ("beta", tool_plugin("beta", "b")),
        ("gamma", tool_plugin("gamma", "c")),
    ]
    assert sorted(host(mods, jira_mcp_plugins=["alpha", "gamma"]).infos) == ["alpha", "core", "gamma"]
    assert sorted(host(mods, jira_mcp_disable_plugins=["beta"]).infos) == ["alpha", "core", "gamma"]
    assert sorted(host(mods, jira_mcp_plugins=[]).infos) == ["core"]


def test_misspelled_hook_fails_fast() -> None:
    @hookimpl
    def register_tool(registry: ToolRegistry) -> None:  # missing "s"
        pass

    with pytest.raises(Exception, match="register_tool"):
        host([("typo", types.SimpleNamespace(register_tool=register_tool))])


class DemoSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DEMO_")
    retries: int = 3


def test_hook_register_settings_validates_plugin_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    @hookimpl
    def register_settings(registry: SettingsRegistry) -> None:
        registry.add(DemoSettings)

    h = host([("demo", types.SimpleNamespace(register_settings=register_settings))])
    monkeypatch.setenv("DEMO_RETRIES", "many")
    problems = h.validate_plugin_settings()
    assert [p.variable for p in problems] == ["DEMO_RETRIES"]
    monkeypatch.setenv("DEMO_RETRIES", "5")
    services = Services(h.settings)
    assert h.validate_plugin_settings(services) == []
    assert services.plugin_settings(DemoSettings).retries == 5


def test_hook_register_notifiers_and_health_checks() -> None:
    class Sink:
        name = "sink"

        async def send(self, event: Any) -> None:
            pass

    @hookimpl
    def register_notifiers(registry: NotifierRegistry) -> None:
        registry.add(Sink())

    @hookimpl
    def register_health_checks(registry: HealthCheckRegistry) -> None:
        async def check() -> str:
            return "fine"

        registry.add("demo", check, critical=False)

    plugin = types.SimpleNamespace(register_notifiers=register_notifiers, register_health_checks=register_health_checks)
    h = host([("demo", plugin)])
    services = Services(h.settings)
    assert [n.name for n in h.collect_notifiers(services)] == ["sink"]
    checks = h.collect_health_checks(services)
    assert [(c.name, c.critical) for c in checks] == [("jira", True), ("demo", False)]
    assert h.infos["demo"].notifiers == ["sink"] and h.infos["demo"].health_checks == ["demo"]


def test_every_hookspec_is_documented_with_its_exact_signature_and_tested() -> None:
    docs = (ROOT / "docs" / "plugins.md").read_text()
    specs = [
        name for name, value in inspect.getmembers(hookspecs, inspect.isfunction) if hasattr(value, "jira_mcp_spec")
    ]
    assert sorted(specs) == sorted(HOOKS)
    tests = Path(__file__).read_text()
    for name in specs:
        signature = inspect.signature(getattr(hookspecs, name))
        rendered = (
            f"def {name}("
            + ", ".join(f"{p.name}: {p.annotation}" for p in signature.parameters.values())
            + f") -> {signature.return_annotation}"
        )
        assert rendered in docs, f"docs/plugins.md lacks the exact signature of {name}: {rendered}"
        assert (getattr(hookspecs, name).__doc__ or "").strip(), f"{name} has no docstring"
        assert re.search(rf"def test_hook_{name}\w*\(", tests) or re.search(
            rf"def test_hook_\w*{name.removeprefix('register_')}", tests
        ), f"no test for {name}"


def test_plugins_command_lists_installed_plugins() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "jira_mcp.cli", "plugins", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "JIRA_MCP_PLUGINS_UNSET": "1"},
    )
    data = json.loads(result.stdout)
    names = {p["name"]: p for p in data["plugins"]}
    assert "core" in names
    failed = [p for p in data["plugins"] if p["error"]]
    assert result.returncode == (1 if failed else 0)
    try:
        import jira_mcp_issues  # noqa: F401
    except ImportError:
        return
    assert {"issues", "boards", "slack", "teams"} <= set(names)
    assert names["issues"]["distribution"] == "jira-mcp-issues"
    assert "get_issue" in names["issues"]["tools"]
