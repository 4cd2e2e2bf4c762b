"""The real server over stdio, spawned by the SDK's own client: stdout carries only MCP messages."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest
from jira_mcp.sandbox import SandboxServer
from mcp import Client, StdioServerParameters
from serverproc import base_env

pytestmark = pytest.mark.slow
HAS_ISSUES = __import__("importlib.util").util.find_spec("jira_mcp_issues") is not None


def test_stdio_lists_and_calls_tools(sandbox_server: SandboxServer) -> None:
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "jira_mcp.cli", "serve"], env=base_env(sandbox_server.env)
    )

    async def run() -> tuple[list[str], str | None]:
        async with Client(params) as client:
            names = [t.name for t in (await client.list_tools()).tools]
            text = None
            if "search_issues" in names:
                result = await client.call_tool("search_issues", {"jql": "project = OPS", "limit": 3})
                text = result.content[0].text
            return names, text

    names, text = asyncio.run(run())
    if HAS_ISSUES:
        assert "get_issue" in names
        assert text is not None and text.startswith("3 issue(s)")


def test_stdout_is_reserved_for_mcp(sandbox_server: SandboxServer) -> None:
    """Everything on stdout must be a JSON-RPC message; logs (including the start-up line) go to stderr."""
    request = (
        '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",'
        '"capabilities":{},"clientInfo":{"name":"t","version":"1"}}}\n'
    )
    proc = subprocess.run(
        [sys.executable, "-m", "jira_mcp.cli", "serve"],
        input=request,
        capture_output=True,
        text=True,
        timeout=60,
        env={**base_env(sandbox_server.env), "LOG_LEVEL": "DEBUG"},
    )
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert lines and all(
        line.startswith('{"jsonrpc":"2.0"') or line.startswith('{"id"') or '"jsonrpc"' in line for line in lines
    ), proc.stdout[:500]
    assert "jira-mcp started" in proc.stderr


def test_serve_sandbox_announces_sandbox_data() -> None:
    request = '{"jsonrpc":"2.0","id":1,"method":"ping"}\n'
    env = {k: v for k, v in base_env().items() if not k.startswith("JIRA_")}
    proc = subprocess.run(
        [sys.executable, "-m", "jira_mcp.cli", "serve", "--sandbox"],
        input=request,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert "serving SANDBOX data" in proc.stderr
    assert proc.returncode == 0


def test_serve_without_config_explains(tmp_path: object) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JIRA_", "MCP_"))}
    proc = subprocess.run(
        [sys.executable, "-m", "jira_mcp.cli", "serve"], capture_output=True, text=True, timeout=60, env=env, input=""
    )
    assert proc.returncode == 1
    assert "validate-config" in proc.stderr and "--sandbox" in proc.stderr


def test_serve_sandbox_over_http_answers_real_calls() -> None:
    from serverproc import ServerProcess, free_port

    port = free_port()
    env = {k: v for k, v in base_env().items() if not k.startswith("JIRA_")}
    server = ServerProcess(["serve", "--sandbox", "--transport", "http", "--port", str(port)], env, port)
    try:
        server.wait_ready()

        async def run() -> tuple[int, bool]:
            async with Client(server.url + "/mcp") as client:
                tools = (await client.list_tools()).tools
                if not HAS_ISSUES:
                    return len(tools), True
                result = await client.call_tool("search_issues", {"jql": "project = ENG", "limit": 2})
                return len(tools), not result.is_error

        count, ok = asyncio.run(run())
        assert ok
        if HAS_ISSUES:
            assert count >= 20
    finally:
        code, stderr = server.stop()
    assert code == 0
    assert "serving SANDBOX data" in stderr


def test_sigterm_over_stdio_finishes_the_call_then_exits_zero(sandbox_server: SandboxServer) -> None:
    import json
    import signal
    import time

    if not HAS_ISSUES:
        pytest.skip("needs a plugin with a tool (integration session)")
    sandbox_server.app.add_fault(path="/rest/api/3/issue/ENG-2", delay_ms=1500, times=None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "jira_mcp.cli", "serve"],
        env=base_env(sandbox_server.env),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdin and proc.stdout

    def send(message: dict[str, object]) -> None:
        assert proc.stdin
        proc.stdin.write(json.dumps(message) + "\n")
        proc.stdin.flush()

    send(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "t", "version": "1"},
            },
        }
    )
    assert '"id":1' in proc.stdout.readline()
    send({"jsonrpc": "2.0", "method": "notifications/initialized"})
    send(
        {
            "jsonrpc": "2.0",
            "id": 2,
            "method": "tools/call",
            "params": {"name": "get_issue", "arguments": {"issue_key": "ENG-2"}},
        }
    )
    deadline = time.monotonic() + 20
    while sandbox_server.app.count("GET", "/rest/api/3/issue/ENG-2") == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)  # stdin stays open, as a supervisor's SIGTERM would leave it
    rest = proc.stdout.read()
    assert proc.wait(timeout=30) == 0
    reply = json.loads(rest.strip().splitlines()[-1])
    assert reply["id"] == 2 and reply["result"]["isError"] is False
    assert "## ENG-2:" in reply["result"]["content"][0]["text"]
