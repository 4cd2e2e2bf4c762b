"""Delivery of a JSON payload to an incoming-webhook URL (Slack, Teams, ...), for notifier plugins.

The URL is a secret: it never appears in errors, logs or metrics.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import httpx
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode

from jira_mcp.errors import WebhookError
from jira_mcp.notify import Event

if TYPE_CHECKING:
    from jira_mcp.registries import HealthCheckRegistry, NotifierRegistry

__all__ = ["WebhookNotifier", "WebhookSettings", "register_webhook_health_check", "register_webhook_notifier"]


class WebhookSettings(BaseSettings):
    """Base of a webhook channel's settings; subclasses set ``env_prefix`` and validate the URL.

    ``<PREFIX>WEBHOOK_URL`` enables the channel, ``<PREFIX>EVENTS`` filters event types (comma-separated,
    prefixes such as ``sprint`` allowed; default all), ``<PREFIX>TIMEOUT_MS`` bounds one delivery.
    """

    webhook_url: SecretStr | None = None
    events: Annotated[list[str], NoDecode] = Field(default_factory=list)
    timeout_ms: int = Field(10_000, ge=100, le=60_000)

    @field_validator("events", mode="before")
    @classmethod
    def _csv(cls, value: Any) -> Any:
        return [v.strip() for v in value.split(",") if v.strip()] if isinstance(value, str) else value


def register_webhook_notifier(
    registry: NotifierRegistry,
    name: str,
    settings_class: type[WebhookSettings],
    render: Callable[[Event], dict[str, Any]],
) -> None:
    """Add a :class:`WebhookNotifier` when the channel's webhook URL is configured."""
    settings = registry.services.plugin_settings(settings_class)
    if settings.webhook_url is None:
        return
    registry.add(
        WebhookNotifier(
            name,
            settings.webhook_url.get_secret_value(),
            render,
            events=settings.events,
            timeout=settings.timeout_ms / 1000,
        )
    )


def register_webhook_health_check(
    registry: HealthCheckRegistry, name: str, settings_class: type[WebhookSettings]
) -> None:
    """A non-critical readiness entry saying whether the channel is configured (no network call)."""
    settings = registry.services.plugin_settings(settings_class)
    prefix = str(settings_class.model_config.get("env_prefix", "")).upper()

    async def check() -> str:
        return "webhook configured" if settings.webhook_url else f"disabled ({prefix}WEBHOOK_URL not set)"

    registry.add(name, check, critical=False)


class WebhookNotifier:
    """A notifier that POSTs ``render(event)`` to a webhook. Filters by event type prefix."""

    def __init__(
        self,
        name: str,
        url: str,
        render: Callable[[Event], dict[str, Any]],
        *,
        events: list[str] | None = None,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.name = name
        self._url = url
        self._render = render
        self._events = [e.strip() for e in events or [] if e.strip()]
        self._timeout = timeout
        self._transport = transport
        self._client: httpx.AsyncClient | None = None

    def wants(self, event: Event) -> bool:
        return not self._events or any(
            event.type == e or event.type.startswith(e.rstrip("*").rstrip(".") + ".") for e in self._events
        )

    async def send(self, event: Event) -> None:
        if not self.wants(event):
            return
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout, transport=self._transport)
        try:
            response = await self._client.post(self._url, json=self._render(event))
        except httpx.TimeoutException as exc:
            raise WebhookError(f"{self.name} webhook timed out after {self._timeout:g}s") from exc
        except httpx.HTTPError as exc:
            raise WebhookError(f"{self.name} webhook unreachable ({type(exc).__name__})") from exc
        if response.status_code >= 300:
            hint = {
                404: "the webhook was deleted or the URL is wrong",
                403: "the webhook is disabled",
                410: "the webhook was removed",
                400: "the payload was rejected",
                429: "the channel is rate limited",
            }.get(response.status_code, "")
            raise WebhookError(
                f"{self.name} webhook answered HTTP {response.status_code}" + (f": {hint}" if hint else ""),
                status=response.status_code,
            )

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
