"""The Teams notifier: Adaptive Card payload, URL validation, delivery and failures."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import jira_mcp_teams
import pytest
import respx
from jira_mcp.errors import WebhookError
from jira_mcp.notify import Event
from jira_mcp.notify.webhook import WebhookNotifier
from pydantic import ValidationError

pytestmark = pytest.mark.anyio
URL = "https://acme.webhook.office.com/webhookb2/abc@def/IncomingWebhook/SECRET/123"


def test_adaptive_card() -> None:
    event = Event(
        "issue.transitioned",
        "ENG-1 moved to Done",
        url="https://x/browse/ENG-1",
        data={"key": "ENG-1", "status": "Done", "ignored": "x"},
    )
    payload = jira_mcp_teams.render(event)
    card = payload["attachments"][0]["content"]
    assert payload["type"] == "message" and card["type"] == "AdaptiveCard"
    assert card["body"][0]["text"] == "ENG-1 moved to Done"
    assert card["body"][2]["facts"] == [{"title": "key", "value": "ENG-1"}, {"title": "status", "value": "Done"}]
    assert card["actions"][0]["url"] == "https://x/browse/ENG-1"


def test_url_must_be_a_teams_webhook(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEAMS_WEBHOOK_URL", "http://acme.webhook.office.com/x")
    with pytest.raises(ValidationError) as info:
        jira_mcp_teams.TeamsSettings()
    assert "webhook" in str(info.value)
    monkeypatch.setenv("TEAMS_WEBHOOK_URL", URL)
    assert jira_mcp_teams.TeamsSettings().webhook_url is not None


async def test_delivery_and_failure(make_app: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEAMS_WEBHOOK_URL", URL)
    app = make_app([("teams", jira_mcp_teams)])
    bus = app.services.events
    with respx.mock() as mock:
        route = mock.post(URL).respond(202)
        runner = asyncio.create_task(bus.run())
        await asyncio.sleep(0)
        bus.emit("sprint.closed", "ENG Sprint 5 closed", name="ENG Sprint 5", state="closed")
        await bus.drain(timeout=5)
        runner.cancel()
    assert route.call_count == 1
    notifier = WebhookNotifier("teams", URL, jira_mcp_teams.render, timeout=1)
    with respx.mock() as mock:
        mock.post(URL).respond(400)
        with pytest.raises(WebhookError) as info:
            await notifier.send(Event("issue.created", "x"))
    assert info.value.code == "WEBHOOK_FAILED" and "SECRET" not in str(info.value)
