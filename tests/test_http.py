"""The real server process over streamable HTTP: probes, metrics, security, both protocol generations."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from jira_mcp.cli import main as cli_main
from jira_mcp.sandbox import CREDENTIALS, SandboxServer
from mcp import Client
from serverproc import ServerProcess, base_env, free_port

pytestmark = pytest.mark.slow

TOKEN = "t0k3n-for-tests-0123456789abcdef"
HAS_ISSUES = __import__("importlib.util").util.find_spec("jira_mcp_issues") is not None


def test_health_ready_metrics(serve: Callable[..., ServerProcess]) -> None:
    server = serve()
    assert httpx.get(server.url + "/health").json()["status"] == "ok"
    ready = httpx.get(server.url + "/ready")
    assert ready.status_code == 200 and ready.json()["checks"]["jira"]["ok"] is True
    metrics = httpx.get(server.url + "/metrics").text
    lines = metrics.splitlines()
    assert "up 1.0" in lines
    for name in (
        "jira_api_request_duration_seconds",
        "http_request_duration_seconds",
        "process_resident_memory_bytes",
        "mcp_tool_calls_total",
        "jira_cache_hits_total",
        "jira_pool_max_connections",
    ):
        assert name in metrics
    assert 'route="/ready"' in metrics
    assert CREDENTIALS["api_token"] not in metrics


def test_ready_503_when_token_is_wrong(serve: Callable[..., ServerProcess]) -> None:
    server = serve(env={"JIRA_API_TOKEN": "wrong-token-wrong-token-wrong"})
    ready = httpx.get(server.url + "/ready")
    assert ready.status_code == 503
    assert ready.json()["checks"]["jira"]["detail"].startswith("JIRA_AUTH_FAILED")
    assert httpx.get(server.url + "/health").status_code == 200


def test_ready_503_when_jira_unreachable(serve: Callable[..., ServerProcess]) -> None:
    server = serve(env={"JIRA_HOST": f"http://127.0.0.1:{free_port()}"})
    ready = httpx.get(server.url + "/ready", timeout=10)
    assert ready.status_code == 503
    assert ready.json()["checks"]["jira"]["detail"].startswith("JIRA_CONNECTION_FAILED")


def test_foreign_host_and_origin_are_refused(serve: Callable[..., ServerProcess]) -> None:
    server = serve(env={"MCP_ALLOWED_HOSTS": "jira-mcp-server"})
    body = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    evil = httpx.post(server.url + "/mcp", json=body, headers={**headers, "Host": "evil.example"})
    assert evil.status_code == 421
    origin = httpx.post(server.url + "/mcp", json=body, headers={**headers, "Origin": "https://evil.example"})
    assert origin.status_code == 403
    allowed = httpx.post(server.url + "/mcp", json=body, headers={**headers, "Host": "jira-mcp-server"})
    assert allowed.status_code not in (403, 421)
    assert "access-control-allow-origin" not in {k.lower() for k in allowed.headers}


def test_request_body_limit(serve: Callable[..., ServerProcess]) -> None:
    server = serve(env={"MAX_REQUEST_BODY_BYTES": "4096"})
    big = {"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {"pad": "x" * 10_000}}
    response = httpx.post(
        server.url + "/mcp",
        json=big,
        headers={"Accept": "application/json, text/event-stream", "Content-Type": "application/json"},
    )
    assert response.status_code == 413


def test_bearer_auth(serve: Callable[..., ServerProcess]) -> None:
    server = serve(env={"MCP_AUTH_TOKENS": TOKEN, "METRICS_AUTH_TOKEN": TOKEN + "m"})
    refused = httpx.post(server.url + "/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
    assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer")
    wrong = httpx.post(server.url + "/mcp", json={}, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert httpx.get(server.url + "/metrics").status_code == 401
    assert httpx.get(server.url + "/metrics", headers={"Authorization": f"Bearer {TOKEN}m"}).status_code == 200
    assert httpx.get(server.url + "/health").status_code == 200

    async def call() -> int:
        from mcp.client.streamable_http import streamable_http_client

        authed = httpx.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"})
        async with Client(streamable_http_client(server.url + "/mcp", http_client=authed)) as client:
            return len((await client.list_tools()).tools)

    tools = asyncio.run(call())  # with the token the whole MCP exchange goes through
    assert tools >= 20 if HAS_ISSUES else tools == 0


def test_refuses_non_loopback_bind_without_auth(sandbox_server: SandboxServer) -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "jira_mcp.cli",
            "serve",
            "--transport",
            "http",
            "--host",
            "0.0.0.0",
            "--port",
            str(free_port()),
        ],
        env=base_env(sandbox_server.env),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "MCP_AUTH_TOKENS" in result.stderr


@pytest.mark.parametrize("mode", ["legacy", "auto"])
def test_sdk_client_over_http_both_protocols(serve: Callable[..., ServerProcess], mode: str) -> None:
    server = serve()

    async def run() -> tuple[str, list[str], Any]:
        async with Client(server.url + "/mcp", mode=mode) as client:  # type: ignore[arg-type]
            names = [t.name for t in (await client.list_tools()).tools]
            result = None
            if "get_issue" in names:
                result = await client.call_tool("get_issue", {"issue_key": "ENG-1"})
            return client.protocol_version, names, result

    version, names, result = asyncio.run(run())
    assert version == ("2025-11-25" if mode == "legacy" else "2026-07-28")
    if HAS_ISSUES:
        assert "get_issue" in names and not result.is_error
        assert "ENG-1" in result.content[0].text


def test_sigterm_drains_a_slow_tool_call(serve: Callable[..., ServerProcess], sandbox_server: SandboxServer) -> None:
    if not HAS_ISSUES:
        pytest.skip("needs a plugin with a tool (integration session)")
    server = serve()
    sandbox_server.app.add_fault(path="/rest/api/3/issue/ENG-2", delay_ms=1500, times=None)
    outcome: dict[str, Any] = {}

    async def slow_call() -> None:
        async with Client(server.url + "/mcp", mode="legacy") as client:
            outcome["result"] = await client.call_tool("get_issue", {"issue_key": "ENG-2"})

    thread = threading.Thread(target=lambda: asyncio.run(slow_call()))
    thread.start()
    deadline = time.monotonic() + 10
    while sandbox_server.app.count("GET", "/rest/api/3/issue/ENG-2") == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    code, stderr = server.stop()
    thread.join(timeout=30)
    assert code == 0, stderr
    assert not outcome["result"].is_error and "ENG-2" in outcome["result"].content[0].text
    assert "shutdown complete" in stderr


def test_health_check_command(serve: Callable[..., ServerProcess], capsys: pytest.CaptureFixture[str]) -> None:
    server = serve()
    assert cli_main(["health-check", server.url]) == 0
    out = capsys.readouterr().out
    assert "ok   /health" in out and "ok   /ready" in out and "up 1" in out
    server.stop()
    assert cli_main(["health-check", server.url, "--timeout", "1"]) == 1
    assert "FAIL /health" in capsys.readouterr().out


def test_startup_line_and_json_logs(serve: Callable[..., ServerProcess]) -> None:
    import json

    server = serve()
    code, stderr = server.stop()
    assert code == 0
    records = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    started = [r for r in records if r.get("event") == "jira-mcp started"]
    assert started and started[0]["transport"] == "http" and "tools" in started[0]
    assert CREDENTIALS["api_token"] not in stderr
