"""Plugin discovery and the typed facade over the hooks.

Plugins come from the ``jira_mcp`` entry-point group (sorted by name, so the order is deterministic)
and from built-in modules, which are registered exactly like third-party plugins. A plugin that fails
to import or to register is reported and skipped, unless strict mode asks for a start-up failure.
Server code calls :class:`PluginHost` methods, never ``pm.hook.*``.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pluggy
from pydantic import ValidationError

from jira_mcp import hookspecs
from jira_mcp.config import Problem, settings_problems_from_error
from jira_mcp.errors import PluginError
from jira_mcp.observability.logging import get_logger
from jira_mcp.registries import (
    HealthCheck,
    HealthCheckRegistry,
    Notifier,
    NotifierRegistry,
    SettingsRegistry,
    ToolRegistry,
    ToolSpec,
)

if TYPE_CHECKING:
    from jira_mcp.config import Settings
    from jira_mcp.services import Services

__all__ = ["BUILTIN_PLUGINS", "PluginHost", "PluginInfo"]

ENTRY_POINT_GROUP = "jira_mcp"
BUILTIN_PLUGINS: tuple[tuple[str, str], ...] = (("core", "jira_mcp.builtins"),)
HOOK_NAMES = ("register_settings", "register_tools", "register_notifiers", "register_health_checks")

log = get_logger("jira_mcp.plugins")


@dataclass
class PluginInfo:
    name: str
    distribution: str | None = None
    version: str | None = None
    builtin: bool = False
    hooks: list[str] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    notifiers: list[str] = field(default_factory=list)
    health_checks: list[str] = field(default_factory=list)
    settings: list[str] = field(default_factory=list)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


class PluginHost:
    """Loads plugins and calls their hooks once each, attributing contributions to each plugin."""

    def __init__(
        self,
        settings: Settings,
        *,
        modules: Sequence[tuple[str, ModuleType | object]] | None = None,
        use_entry_points: bool = True,
        strict: bool | None = None,
    ) -> None:
        self.settings = settings
        self.strict = settings.jira_mcp_strict_plugins if strict is None else strict
        self.pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self.pm.add_hookspecs(hookspecs)
        self.infos: dict[str, PluginInfo] = {}
        self._load(modules or (), use_entry_points)

    # Discovery ---------------------------------------------------------------------------
    def _selected(self, name: str) -> bool:
        allow = self.settings.jira_mcp_plugins
        if name in self.settings.jira_mcp_disable_plugins:
            return False
        return allow is None or name in allow

    def _load(self, modules: Iterable[tuple[str, ModuleType | object]], use_entry_points: bool) -> None:
        for name, module_path in BUILTIN_PLUGINS:
            self._register(name, lambda p=module_path: importlib.import_module(p), builtin=True)
        for name, module in modules:
            self._register(name, lambda m=module: m)
        if use_entry_points:
            eps = sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)
            for ep in eps:
                if ep.name in self.infos:
                    continue
                self._register(ep.name, ep.load, entry_point=ep)
        self.pm.check_pending()

    def _register(self, name: str, load: Any, *, builtin: bool = False, entry_point: EntryPoint | None = None) -> None:
        if not builtin and not self._selected(name):
            return
        info = PluginInfo(name=name, builtin=builtin)
        if entry_point is not None and entry_point.dist is not None:
            info.distribution = entry_point.dist.name
            info.version = entry_point.dist.version
        elif builtin:
            from jira_mcp import __version__

            info.distribution, info.version = "jira-mcp", __version__
        self.infos[name] = info
        try:
            plugin = load()
            self.pm.register(plugin, name=name)
        except Exception as exc:
            self._fail(info, f"failed to load: {type(exc).__name__}: {exc}", exc)
            return
        info.hooks = sorted(impl_name for impl_name in HOOK_NAMES if self._impl(impl_name, name) is not None)

    def _fail(self, info: PluginInfo, message: str, exc: BaseException) -> None:
        info.error = message
        log.error("plugin failed", plugin=info.name, error=message, code="PLUGIN_ERROR")
        if self.pm.has_plugin(info.name):
            self.pm.unregister(name=info.name)
        if self.strict:
            raise PluginError(f"plugin {info.name!r} {message} (strict plugin mode is on)") from exc

    def _impl(self, hook_name: str, plugin_name: str) -> Any:
        caller = getattr(self.pm.hook, hook_name)
        for impl in caller.get_hookimpls():
            if impl.plugin_name == plugin_name:
                return impl
        return None

    def _each(self, hook_name: str) -> Iterable[tuple[PluginInfo, Any]]:
        for name in list(self.infos):
            info = self.infos[name]
            if info.error is None:
                impl = self._impl(hook_name, name)
                if impl is not None:
                    yield info, impl.function

    # Facade ------------------------------------------------------------------------------
    @property
    def loaded(self) -> list[PluginInfo]:
        return [info for info in self.infos.values() if info.error is None]

    @property
    def failed(self) -> list[PluginInfo]:
        return [info for info in self.infos.values() if info.error is not None]

    def settings_classes(self) -> list[tuple[str, type[Any]]]:
        registry = SettingsRegistry()
        for info, function in self._each("register_settings"):
            registry.plugin = info.name
            try:
                function(registry=registry)
            except Exception as exc:
                self._fail(info, f"register_settings raised {type(exc).__name__}: {exc}", exc)
        for plugin, cls in registry.classes:
            info = self.infos[plugin]
            if cls.__name__ not in info.settings:
                info.settings.append(cls.__name__)
        return registry.classes

    def validate_plugin_settings(self, services: Services | None = None) -> list[Problem]:
        """Instantiate every plugin's settings from the environment; report problems by variable."""
        problems: list[Problem] = []
        for _plugin, cls in self.settings_classes():
            try:
                instance = cls()
            except ValidationError as exc:
                problems += _named_problems(cls, settings_problems_from_error(exc))
                continue
            check = getattr(instance, "problems", None)
            if callable(check):
                problems += list(check())
            if services is not None:
                services.set_plugin_settings(instance)
        return problems

    def collect_tools(self, services: Services) -> dict[str, ToolSpec]:
        registry = ToolRegistry(services=services)
        for info, function in self._each("register_tools"):
            registry.plugin = info.name
            before = set(registry.tools)
            try:
                function(registry=registry)
            except PluginError:
                raise  # a name collision is always a start-up error
            except Exception as exc:
                for name in set(registry.tools) - before:
                    del registry.tools[name]
                self._fail(info, f"register_tools raised {type(exc).__name__}: {exc}", exc)
                continue
            info.tools = sorted(set(registry.tools) - before)
        return registry.tools

    def collect_notifiers(self, services: Services) -> list[Notifier]:
        registry = NotifierRegistry(services=services)
        for info, function in self._each("register_notifiers"):
            registry.plugin = info.name
            try:
                function(registry=registry)
            except Exception as exc:
                self._fail(info, f"register_notifiers raised {type(exc).__name__}: {exc}", exc)
        for plugin, notifier in registry.notifiers:
            self.infos[plugin].notifiers.append(notifier.name)
        return [n for p, n in registry.notifiers if self.infos[p].error is None]

    def collect_health_checks(self, services: Services) -> list[HealthCheck]:
        registry = HealthCheckRegistry(services=services)
        for info, function in self._each("register_health_checks"):
            registry.plugin = info.name
            try:
                function(registry=registry)
            except Exception as exc:
                self._fail(info, f"register_health_checks raised {type(exc).__name__}: {exc}", exc)
        for check in registry.checks:
            self.infos[check.plugin].health_checks.append(check.name)
        return [c for c in registry.checks if self.infos[c.plugin].error is None]


def _named_problems(cls: type[Any], problems: list[Problem]) -> list[Problem]:
    """Map field names to the environment variable names the settings class reads."""
    prefix = str(getattr(cls, "model_config", {}).get("env_prefix", "") or "").upper()
    fields = getattr(cls, "model_fields", {})
    named = []
    for problem in problems:
        field_name = problem.variable.lower()
        info = fields.get(field_name)
        alias = getattr(info, "validation_alias", None) if info is not None else None
        variable = alias.upper() if isinstance(alias, str) else prefix + problem.variable
        named.append(Problem(variable, problem.message, problem.fix.replace(problem.variable, variable)))
    return named
