"""The shared services the core hands to plugins: settings, Jira client, events, policy, metrics."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic_settings import BaseSettings

from jira_mcp.errors import ConfigError
from jira_mcp.notify import EventBus
from jira_mcp.observability.metrics import Metrics
from jira_mcp.policy import Policy

if TYPE_CHECKING:
    from jira_mcp.config import Settings
    from jira_mcp.jira.client import JiraClient

__all__ = ["Services"]

S = TypeVar("S", bound=BaseSettings)


class Services:
    """One per server. The Jira client is created on first use (so listing plugins needs no Jira)."""

    def __init__(self, settings: Settings, *, metrics: Metrics | None = None, jira: JiraClient | None = None):
        self.settings = settings
        self.metrics = metrics or Metrics()
        self.events = EventBus(self.metrics)
        self.policy = Policy(settings)
        self._plugin_settings: dict[type[BaseSettings], BaseSettings] = {}
        if jira is not None:
            self.__dict__["jira"] = jira

    @cached_property
    def jira(self) -> JiraClient:
        from jira_mcp.jira.client import JiraClient

        return JiraClient.from_settings(self.settings, metrics=self.metrics)

    def set_plugin_settings(self, instance: BaseSettings) -> None:
        self._plugin_settings[type(instance)] = instance

    def plugin_settings(self, cls: type[S]) -> S:
        """The validated settings a plugin declared through ``register_settings``."""
        try:
            value = self._plugin_settings[cls]
        except KeyError:
            raise ConfigError(f"settings {cls.__name__} were not registered or failed validation") from None
        return value  # type: ignore[return-value]

    async def aclose(self) -> None:
        jira: Any = self.__dict__.get("jira")
        if jira is not None:
            await jira.aclose()
