"""The registry objects handed to plugin hooks, and what they collect.

Each registry is scoped to one plugin while that plugin's hook runs, so everything it adds is
attributed to it (``jira-mcp plugins`` lists it; collisions name both plugins).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from pydantic_settings import BaseSettings

from jira_mcp.errors import PluginError

if TYPE_CHECKING:
    from jira_mcp.notify import Event
    from jira_mcp.services import Services

__all__ = [
    "HealthCheck",
    "HealthCheckRegistry",
    "Notifier",
    "NotifierRegistry",
    "SettingsRegistry",
    "ToolRegistry",
    "ToolSpec",
]


@dataclass(frozen=True)
class ToolSpec:
    """A tool as a plugin registered it, before the core wraps it."""

    name: str
    fn: Callable[..., Awaitable[Any]]
    plugin: str
    toolset: str
    read_only: bool
    destructive: bool
    idempotent: bool
    open_world: bool = True
    title: str | None = None
    description: str | None = None


@runtime_checkable
class Notifier(Protocol):
    """A notification channel. ``send`` raises ``WebhookError`` when delivery fails."""

    name: str

    async def send(self, event: Event) -> None: ...


@dataclass(frozen=True)
class HealthCheck:
    name: str
    check: Callable[[], Awaitable[str | None]]
    plugin: str
    critical: bool = True


@dataclass
class _Scoped:
    services: Services
    plugin: str = ""


class SettingsRegistry:
    def __init__(self) -> None:
        self.plugin = ""
        self.classes: list[tuple[str, type[BaseSettings]]] = []

    def add(self, settings_class: type[BaseSettings]) -> None:
        if not (isinstance(settings_class, type) and issubclass(settings_class, BaseSettings)):
            raise PluginError(f"plugin {self.plugin!r} registered settings that are not a BaseSettings class")
        self.classes.append((self.plugin, settings_class))


@dataclass
class ToolRegistry(_Scoped):
    tools: dict[str, ToolSpec] = field(default_factory=dict)

    def add(
        self,
        fn: Callable[..., Awaitable[Any]],
        *,
        toolset: str,
        read_only: bool,
        destructive: bool = False,
        idempotent: bool | None = None,
        open_world: bool = True,
        name: str | None = None,
        title: str | None = None,
        description: str | None = None,
    ) -> None:
        """Add one tool. ``read_only=False`` marks a write tool (hidden in read-only mode)."""
        tool_name = name or fn.__name__
        existing = self.tools.get(tool_name)
        if existing is not None:
            raise PluginError(
                f"tool name collision: {tool_name!r} is registered by plugin {existing.plugin!r} and by "
                f"plugin {self.plugin!r}; disable one of them with JIRA_MCP_DISABLE_PLUGINS"
            )
        self.tools[tool_name] = ToolSpec(
            name=tool_name,
            fn=fn,
            plugin=self.plugin,
            toolset=toolset,
            read_only=read_only,
            destructive=destructive and not read_only,
            idempotent=read_only if idempotent is None else idempotent,
            open_world=open_world,
            title=title,
            description=description,
        )


@dataclass
class NotifierRegistry(_Scoped):
    notifiers: list[tuple[str, Notifier]] = field(default_factory=list)

    def add(self, notifier: Notifier) -> None:
        if not isinstance(notifier, Notifier):
            raise PluginError(f"plugin {self.plugin!r} registered a notifier without name and async send()")
        self.notifiers.append((self.plugin, notifier))


@dataclass
class HealthCheckRegistry(_Scoped):
    checks: list[HealthCheck] = field(default_factory=list)

    def add(self, name: str, check: Callable[[], Awaitable[str | None]], *, critical: bool = True) -> None:
        if any(c.name == name for c in self.checks):
            raise PluginError(f"health check {name!r} is registered twice (plugin {self.plugin!r})")
        self.checks.append(HealthCheck(name=name, check=check, plugin=self.plugin, critical=critical))
