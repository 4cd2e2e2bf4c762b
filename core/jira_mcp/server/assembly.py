"""Assembly: plugin host + services → one ``MCPServer`` with every tool behind the core wrapper."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.types import Completion, EmptyResult, SetLevelRequestParams

from jira_mcp import __version__
from jira_mcp.config import Problem, Settings
from jira_mcp.errors import PluginError
from jira_mcp.observability.logging import get_logger
from jira_mcp.plugins import PluginHost
from jira_mcp.registries import HealthCheck, ToolSpec
from jira_mcp.server.tools import CoreTool, InFlight, build_tool
from jira_mcp.services import Services

__all__ = ["INSTRUCTIONS", "App", "build_app", "select_tools"]

log = get_logger("jira_mcp.server")

INSTRUCTIONS = (
    "Tools for Jira. Issue keys look like PROJ-123. Prefer search_issues with precise JQL (project, status, "
    "assignee = currentUser(), updated >= -7d) and small limits; follow next_page_token only when needed. "
    "Descriptions and comments are Markdown in and out. Errors start with a code (e.g. ISSUE_NOT_FOUND, "
    "VALIDATION_ERROR): read the message and correct the call instead of retrying unchanged."
)
_LOG_LEVELS = {
    "debug": "DEBUG",
    "info": "INFO",
    "notice": "INFO",
    "warning": "WARNING",
    "error": "ERROR",
    "critical": "CRITICAL",
    "alert": "CRITICAL",
    "emergency": "CRITICAL",
}


@dataclass
class App:
    settings: Settings
    services: Services
    host: PluginHost
    server: MCPServer[Any]
    tools: list[CoreTool]
    health_checks: list[HealthCheck]
    inflight: InFlight
    problems: list[Problem] = field(default_factory=list)
    sandbox_url: str | None = None
    draining: bool = False


def select_tools(specs: dict[str, ToolSpec], settings: Settings) -> list[ToolSpec]:
    """Apply READ_ONLY_MODE (write tools are not listed at all) and ENABLED_TOOLS (names or toolsets)."""
    chosen = []
    enabled = {name.lower() for name in settings.enabled_tools}
    for spec in specs.values():
        if settings.read_only_mode and not spec.read_only:
            continue
        if (
            enabled
            and spec.name.lower() not in enabled
            and spec.toolset.lower() not in enabled
            and spec.plugin.lower() not in enabled
        ):
            continue
        chosen.append(spec)
    return chosen


def build_app(
    settings: Settings,
    *,
    modules: Sequence[tuple[str, ModuleType | object]] | None = None,
    use_entry_points: bool = True,
    services: Services | None = None,
    strict: bool | None = None,
) -> App:
    host = PluginHost(settings, modules=modules, use_entry_points=use_entry_points, strict=strict)
    services = services or Services(settings)
    problems = host.validate_plugin_settings(services)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        text = "; ".join(f"{p.variable}: {p.message}" for p in errors)
        raise PluginError(f"plugin settings are invalid ({text}); run `jira-mcp validate-config`")
    specs = host.collect_tools(services)
    inflight = InFlight()
    tools = [build_tool(spec, services, inflight) for spec in select_tools(specs, settings)]
    notifiers = host.collect_notifiers(services)
    services.events.set_notifiers(notifiers)
    checks = host.collect_health_checks(services)
    services.metrics.plugins_loaded.set(len(host.loaded))
    services.metrics.plugins_failed.set(len(host.failed))
    server: MCPServer[Any] = MCPServer(
        "jira-mcp",
        title="Jira",
        version=__version__,
        instructions=INSTRUCTIONS,
        tools=list(tools),
        log_level=settings.log_level,
    )
    _register_protocol_handlers(server, tools)
    return App(
        settings=settings,
        services=services,
        host=host,
        server=server,
        tools=tools,
        health_checks=checks,
        inflight=inflight,
        problems=problems,
    )


def _register_protocol_handlers(server: MCPServer[Any], tools: list[CoreTool]) -> None:
    """``logging/setLevel`` and ``completion/complete``, which clients and the conformance suite expect."""

    async def set_level(ctx: Any, params: SetLevelRequestParams) -> EmptyResult:
        logging.getLogger().setLevel(_LOG_LEVELS.get(str(params.level), "INFO"))
        log.info("log level changed by client", level=str(params.level))
        return EmptyResult()

    # MCPServer has no public hook for setLevel; the low-level server's public API does.
    server._lowlevel_server.add_request_handler("logging/setLevel", SetLevelRequestParams, set_level)

    @server.completion()  # type: ignore[untyped-decorator,no-untyped-call]  # untyped in the SDK
    async def complete(ref: Any, argument: Any, context: Any) -> Completion | None:
        # No prompts or resource templates yet: an empty, well-formed answer.
        return Completion(values=[], total=0, has_more=False)

    del complete
