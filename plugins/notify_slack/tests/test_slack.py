"""The Slack notifier: settings, payload, delivery through the core dispatcher, failures as WEBHOOK_FAILED."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import jira_mcp_slack
import pytest
import respx
from jira_mcp.cli import main
from jira_mcp.errors import WebhookError
from jira_mcp.notify import Event
from jira_mcp.notify.webhook import WebhookNotifier

pytestmark = pytest.mark.anyio
URL = "https://hooks.slack.com/services/T000/B000/abcdefSECRET"


def test_render() -> None:
    payload = jira_mcp_slack.render(Event("issue.created", "ENG-1 created: Login", url="https://x/browse/ENG-1"))
    assert payload["text"] == ":new: ENG-1 created: Login"
    assert payload["blocks"][0]["text"]["text"].endswith("<https://x/browse/ENG-1|open in Jira>")


def test_bad_url_is_a_config_problem(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SLACK_WEBHOOK_URL", "https://example.com/hook/SECRETPART")
    monkeypatch.setenv("JIRA_MCP_PLUGINS", "slack")
    assert main(["validate-config"]) == 1
    out = capsys.readouterr().out
    assert "SLACK_WEBHOOK_URL" in out and "SECRETPART" not in out


async def test_delivers_events_from_write_tools(make_app: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_WEBHOOK_URL", URL)
    monkeypatch.setenv("SLACK_EVENTS", "issue.created,sprint")
    app = make_app([("slack", jira_mcp_slack)])
    bus = app.services.events
    assert [n.name for n in bus.notifiers] == ["slack"]
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post(URL).respond(200, text="ok")
        runner = asyncio.create_task(bus.run())
        await asyncio.sleep(0)
        bus.emit("issue.created", "ENG-9 created: x", key="ENG-9")
        bus.emit("issue.commented", "ignored by SLACK_EVENTS")
        bus.emit("sprint.started", "Sprint 6 started")
        await bus.drain(timeout=5)
        runner.cancel()
    assert next(c.request.read() for c in route.calls).startswith(b'{"text":":new: ENG-9 created: x"')
    assert route.call_count == 2
    assert (
        app.services.metrics.registry.get_sample_value("notifications_total", {"notifier": "slack", "outcome": "sent"})
        == 2
    )


async def test_failures_are_webhook_failed_without_the_url(captured_logs: Callable[[], Any]) -> None:
    notifier = WebhookNotifier("slack", URL, jira_mcp_slack.render)
    with respx.mock() as mock:
        mock.post(URL).respond(404)
        with pytest.raises(WebhookError) as info:
            await notifier.send(Event("issue.created", "x"))
        mock.post(URL).mock(side_effect=httpx.ConnectError("boom"))
        with pytest.raises(WebhookError) as unreachable:
            await notifier.send(Event("issue.created", "x"))
    assert (
        str(info.value)
        == "WEBHOOK_FAILED: slack webhook answered HTTP 404: the webhook was deleted or the URL is wrong"
    )
    assert "unreachable" in str(unreachable.value)
    assert "SECRET" not in str(info.value) + str(unreachable.value)


async def test_dispatcher_retries_then_counts_failure(
    make_app: Callable[..., Any], monkeypatch: pytest.MonkeyPatch, captured_logs: Callable[[], Any]
) -> None:
    monkeypatch.setenv("SLACK_WEBHOOK_URL", URL)
    app = make_app([("slack", jira_mcp_slack)])
    bus = app.services.events
    bus.base_delay = 0.01
    with respx.mock() as mock:
        route = mock.post(URL).respond(500)
        runner = asyncio.create_task(bus.run())
        await asyncio.sleep(0)
        bus.emit("issue.created", "x")
        await bus.drain(timeout=5)
        runner.cancel()
    assert route.call_count == 3
    assert (
        app.services.metrics.registry.get_sample_value(
            "notifications_total", {"notifier": "slack", "outcome": "failed"}
        )
        == 1
    )
    raw = captured_logs.raw.getvalue()
    assert "WEBHOOK_FAILED" in raw and "abcdefSECRET" not in raw


def test_disabled_without_url(make_app: Callable[..., Any]) -> None:
    app = make_app([("slack", jira_mcp_slack)])
    assert app.services.events.notifiers == []
    assert [c.name for c in app.health_checks] == ["jira", "slack"]
