"""jira-mcp-slack: posts jira-mcp events (issue created, transitioned, sprint started, ...) to Slack
through an incoming webhook (``SLACK_WEBHOOK_URL``)."""

from __future__ import annotations

from typing import Any

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

_EMOJI = {
    "issue.created": ":new:",
    "issue.transitioned": ":arrow_right:",
    "issue.commented": ":speech_balloon:",
    "issue.deleted": ":wastebasket:",
    "sprint.started": ":rocket:",
    "sprint.closed": ":checkered_flag:",
}


class SlackSettings(WebhookSettings):
    """SLACK_WEBHOOK_URL enables the notifier; SLACK_EVENTS filters event types (default: all)."""

    model_config = SettingsConfigDict(env_prefix="SLACK_", extra="ignore")

    @field_validator("webhook_url")
    @classmethod
    def _url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("https://hooks.slack.com/"):
            raise ValueError("must be a Slack incoming-webhook URL (https://hooks.slack.com/...)")
        return value


def render(event: Event) -> dict[str, Any]:
    """A Slack message: one line of text plus a section block with the link."""
    emoji = _EMOJI.get(event.type, ":memo:")
    text = f"{emoji} {event.summary}"
    link = f" <{event.url}|open in Jira>" if event.url else ""
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text + link}}]}


@hookimpl
def register_settings(registry: SettingsRegistry) -> None:
    registry.add(SlackSettings)


@hookimpl
def register_notifiers(registry: NotifierRegistry) -> None:
    register_webhook_notifier(registry, "slack", SlackSettings, render)


@hookimpl
def register_health_checks(registry: HealthCheckRegistry) -> None:
    register_webhook_health_check(registry, "slack", SlackSettings)
