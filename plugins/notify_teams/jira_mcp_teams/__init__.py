"""jira-mcp-teams: posts jira-mcp events to Microsoft Teams through an incoming webhook or a Workflows
(Power Automate) webhook (``TEAMS_WEBHOOK_URL``), as an Adaptive Card."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from jira_mcp import hookimpl
from jira_mcp.notify import Event
from jira_mcp.notify.webhook import (
    WebhookSettings,
    register_webhook_health_check,
    register_webhook_notifier,
)
from jira_mcp.registries import HealthCheckRegistry, NotifierRegistry, SettingsRegistry
from pydantic import SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

__version__ = "0.1.0"

_HOSTS = ("webhook.office.com", "logic.azure.com", "powerautomate.com", "powerplatform.com")


class TeamsSettings(WebhookSettings):
    """TEAMS_WEBHOOK_URL enables the notifier; TEAMS_EVENTS filters event types (default: all)."""

    model_config = SettingsConfigDict(env_prefix="TEAMS_", extra="ignore")

    @field_validator("webhook_url")
    @classmethod
    def _url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        parts = urlsplit(value.get_secret_value())
        if parts.scheme != "https" or not any((parts.hostname or "").endswith(h) for h in _HOSTS):
            raise ValueError(
                "must be an https Teams incoming-webhook or Workflows URL "
                "(*.webhook.office.com, *.logic.azure.com, ...)"
            )
        return value


def render(event: Event) -> dict[str, Any]:
    """An Adaptive Card message, the format both Teams webhooks and Workflows accept."""
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": event.summary, "weight": "Bolder", "wrap": True},
        {
            "type": "TextBlock",
            "text": f"{event.type} · {event.timestamp:%Y-%m-%d %H:%M} UTC",
            "isSubtle": True,
            "spacing": "None",
            "wrap": True,
        },
    ]
    facts = [
        {"title": k, "value": str(v)}
        for k, v in event.data.items()
        if v not in (None, "", []) and k in ("key", "project", "status", "assignee", "name", "state")
    ]
    if facts:
        body.append({"type": "FactSet", "facts": facts})
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "version": "1.4",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "body": body,
    }
    if event.url:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open in Jira", "url": event.url}]
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
        ],
    }


@hookimpl
def register_settings(registry: SettingsRegistry) -> None:
    registry.add(TeamsSettings)


@hookimpl
def register_notifiers(registry: NotifierRegistry) -> None:
    register_webhook_notifier(registry, "teams", TeamsSettings, render)


@hookimpl
def register_health_checks(registry: HealthCheckRegistry) -> None:
    register_webhook_health_check(registry, "teams", TeamsSettings)
