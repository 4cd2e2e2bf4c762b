"""Benchmarks for jira-mcp (``nox -s bench``). Prints figures; asserts nothing (targets are in the issues).

Measured against the built-in sandbox Jira in its own process on 127.0.0.1 (no added latency):

1. Jira client overhead per request (client call minus a bare httpx call to the same endpoint), cache hits.
2. Tool call latency through stdio and streamable HTTP (p50/p95) and server CPU per call.
3. Throughput of concurrent tool calls over HTTP, and peak RSS of the server under that load.
4. Cold start: spawn → first ``tools/list`` answer over stdio.
5. What the model reads: characters of ``get_issue`` and a 50-result search, and of ``tools/list``.

With ``--compare`` it also tries to install mcp-atlassian (the server users would otherwise pick) into its
own virtualenv and measures the same things where it can; a peer that cannot be installed is reported so.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx
import psutil
from jira_mcp.jira.client import JiraClient
from jira_mcp.jira.ratelimit import TokenBucket
from jira_mcp.observability.logging import configure_logging
from jira_mcp.observability.metrics import Metrics
from jira_mcp.sandbox import CREDENTIALS
from mcp import Client, StdioServerParameters

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_http(url: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=0.5)
            return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer")


@contextmanager
def process(args: list[str], env: dict[str, str], ready_url: str | None = None) -> Any:
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if ready_url:
            wait_http(ready_url)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def line(label: str, value: str, note: str = "") -> None:
    print(f"  {label:<46} {value:>14}  {note}")


async def bench_client(jira_url: str) -> None:
    print("\n[1] Jira client overhead (GET /rest/api/3/serverInfo against the sandbox)")
    jira = JiraClient(
        jira_url,
        email=CREDENTIALS["email"],
        api_token=CREDENTIALS["api_token"],
        metrics=Metrics(process=False),
        limiter=TokenBucket(1_000_000, 1.0),  # measure the client, not the default 100/min budget
    )
    async with httpx.AsyncClient(base_url=jira_url, auth=(CREDENTIALS["email"], CREDENTIALS["api_token"])) as raw:
        for _ in range(50):
            await raw.get("/rest/api/3/serverInfo")
            await jira.get("/rest/api/3/serverInfo", cache=False)
        bare, ours = [], []
        for _ in range(400):
            t = time.perf_counter()
            response = await raw.get("/rest/api/3/serverInfo")
            response.json()
            bare.append(time.perf_counter() - t)
            t = time.perf_counter()
            await jira.get("/rest/api/3/serverInfo", cache=False)
            ours.append(time.perf_counter() - t)
        hits = []
        await jira.get("/rest/api/3/field")
        for _ in range(2000):
            t = time.perf_counter()
            await jira.get("/rest/api/3/field")
            hits.append(time.perf_counter() - t)
    await jira.aclose()
    overhead = statistics.median(ours) - statistics.median(bare)
    line("bare httpx request, median", f"{statistics.median(bare) * 1000:.3f} ms")
    line("JiraClient request, median", f"{statistics.median(ours) * 1000:.3f} ms")
    line("client overhead per request, median", f"{overhead * 1000:.3f} ms", "(target < 1 ms)")
    line("cache hit, median", f"{statistics.median(hits) * 1e6:.1f} µs")


@asynccontextmanager
async def http_server(env: dict[str, str]) -> Any:
    port = free_port()
    args = [sys.executable, "-m", "jira_mcp.cli", "serve", "--transport", "http", "--port", str(port)]
    with process(args, env, f"http://127.0.0.1:{port}/health") as proc:
        yield f"http://127.0.0.1:{port}/mcp", psutil.Process(proc.pid)


async def timed_calls(client: Any, count: int, tool: str, arguments: dict[str, Any]) -> list[float]:
    durations = []
    for _ in range(count):
        t = time.perf_counter()
        result = await client.call_tool(tool, arguments)
        durations.append(time.perf_counter() - t)
        assert not result.is_error, result.content
    return durations


async def raw_http_latency(url: str, count: int) -> list[float]:
    """Tool calls over streamable HTTP with a minimal JSON-RPC client (httpx), to see the server's share."""
    headers = {
        "Accept": "application/json, text/event-stream",
        "Content-Type": "application/json",
        "MCP-Protocol-Version": "2025-11-25",
    }
    async with httpx.AsyncClient(headers=headers, timeout=10) as http:
        init = await http.post(
            url,
            json={
                "jsonrpc": "2.0",
                "id": 0,
                "method": "initialize",
                "params": {
                    "protocolVersion": "2025-11-25",
                    "capabilities": {},
                    "clientInfo": {"name": "bench", "version": "1"},
                },
            },
        )
        http.headers["Mcp-Session-Id"] = init.headers["mcp-session-id"]
        await http.post(url, json={"jsonrpc": "2.0", "method": "notifications/initialized"})
        body = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "tools/call",
            "params": {"name": "get_issue", "arguments": {"issue_key": "ENG-6"}},
        }
        for _ in range(30):
            await http.post(url, json=body)
        durations = []
        for _ in range(count):
            t = time.perf_counter()
            response = await http.post(url, json=body)
            durations.append(time.perf_counter() - t)
            assert response.status_code == 200 and '"isError":false' in response.text.replace(" ", "")
        return durations


async def bench_calls(env: dict[str, str], label: str = "jira-mcp") -> dict[str, float]:
    figures: dict[str, float] = {}
    print(f"\n[2] Tool call latency, {label}: get_issue ENG-6 (field metadata warm)")
    params = StdioServerParameters(command=sys.executable, args=["-m", "jira_mcp.cli", "serve"], env=env)
    async with Client(params) as client:
        await timed_calls(client, 30, "get_issue", {"issue_key": "ENG-6"})
        durations = await timed_calls(client, 300, "get_issue", {"issue_key": "ENG-6"})
    line("stdio p50 / p95", f"{pct(durations, 0.5) * 1000:.2f} / {pct(durations, 0.95) * 1000:.2f} ms")
    figures["stdio_p50_ms"] = pct(durations, 0.5) * 1000
    async with http_server(env) as (url, proc):
        async with Client(url, mode="legacy") as client:
            await timed_calls(client, 30, "get_issue", {"issue_key": "ENG-6"})
            cpu0 = sum(proc.cpu_times()[:2])
            durations = await timed_calls(client, 300, "get_issue", {"issue_key": "ENG-6"})
            cpu = (sum(proc.cpu_times()[:2]) - cpu0) / 300
        line(
            "HTTP (2025-11-25 session) p50 / p95",
            f"{pct(durations, 0.5) * 1000:.2f} / {pct(durations, 0.95) * 1000:.2f} ms",
            "(target p50 < 3 ms)",
        )
        line("server CPU per call (HTTP)", f"{cpu * 1000:.2f} ms", "(target < 2 ms)")
        figures["http_p50_ms"] = pct(durations, 0.5) * 1000
        figures["cpu_ms"] = cpu * 1000

        raw = await raw_http_latency(url, 300)
        line(
            "HTTP, raw JSON-RPC client p50 / p95",
            f"{pct(raw, 0.5) * 1000:.2f} / {pct(raw, 0.95) * 1000:.2f} ms",
            "(server-side view: no SDK client in the way)",
        )
        figures["http_raw_p50_ms"] = pct(raw, 0.5) * 1000

        print(f"\n[3] Throughput and memory, {label}: 8 sessions × 100 concurrent-ish calls over HTTP")
        peak = [proc.memory_info().rss]

        async def worker() -> int:
            async with Client(url, mode="legacy") as session:
                for _ in range(100):
                    await session.call_tool("get_issue", {"issue_key": "ENG-7"})
                    peak.append(proc.memory_info().rss)
            return 100

        t = time.perf_counter()
        done = sum(await asyncio.gather(*(worker() for _ in range(8))))
        elapsed = time.perf_counter() - t
        line("throughput", f"{done / elapsed:.0f} calls/s", "(target ≥ 400/s)")
        line("peak RSS under load", f"{max(peak) / 2**20:.1f} MiB", "(target < 90 MiB)")
        figures["throughput"] = done / elapsed
        figures["rss_mib"] = max(peak) / 2**20
    return figures


async def bench_cold_start(env: dict[str, str]) -> None:
    print("\n[4] Cold start: spawn → first tools/list answer over stdio (median of 5)")
    times = []
    for _ in range(5):
        t = time.perf_counter()
        params = StdioServerParameters(command=sys.executable, args=["-m", "jira_mcp.cli", "serve"], env=env)
        async with Client(params, mode="legacy") as client:
            tools = await client.list_tools()
            times.append(time.perf_counter() - t)
    line("cold start", f"{statistics.median(times):.3f} s", f"(target < 0.9 s; {len(tools.tools)} tools)")


async def bench_sizes(env: dict[str, str]) -> None:
    print("\n[5] What the model reads")
    params = StdioServerParameters(command=sys.executable, args=["-m", "jira_mcp.cli", "serve"], env=env)
    async with Client(params, mode="legacy") as client:
        tools = (await client.list_tools()).tools
        definitions = [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools]
        compact = len(json.dumps(definitions, separators=(",", ":")))
        spaced = len(json.dumps(definitions))
        issue = await client.call_tool("get_issue", {"issue_key": "ENG-10"})
        search = await client.call_tool("search_issues", {"jql": "order by key", "limit": 50})
    text_issue = "".join(getattr(b, "text", "") for b in issue.content)
    text_search = "".join(getattr(b, "text", "") for b in search.content)
    line("get_issue text", f"{len(text_issue):,} chars", "(target ≤ 1,800; mcp-atlassian 3,899)")
    line("get_issue structured content (JSON)", f"{len(json.dumps(issue.structured_content)):,} chars")
    line("search_issues, 50 results, text", f"{len(text_search):,} chars", "(target ≤ 15,000; mcp-atlassian 95,248)")
    line(
        f"tools/list, {len(tools)} tools (wire JSON)",
        f"{compact:,} chars",
        "(target ≤ 25,000; mcp-atlassian 69,848 for 63 tools)",
    )
    line("tools/list with json.dumps spacing", f"{spaced:,} chars")


def try_peer(jira_url: str) -> None:
    print("\n[peer] mcp-atlassian")
    venv = Path(tempfile.gettempdir()) / "jira-mcp-bench-peer"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "mcp-atlassian"], capture_output=True, text=True, timeout=600
    )
    if installed.returncode != 0:
        print("  not installable here:", installed.stderr.strip().splitlines()[-1:] or "unknown error")
        return
    binary = venv / "bin" / "mcp-atlassian"
    env = {
        **os.environ,
        "JIRA_URL": jira_url,
        "JIRA_USERNAME": CREDENTIALS["email"],
        "JIRA_API_TOKEN": CREDENTIALS["api_token"],
    }

    async def run() -> None:
        t = time.perf_counter()
        async with Client(StdioServerParameters(command=str(binary), args=[], env=env), mode="legacy") as client:
            tools = (await client.list_tools()).tools
            line("cold start", f"{time.perf_counter() - t:.3f} s")
            jira_tools = [x for x in tools if x.name.startswith("jira_")]
            definitions = [x.model_dump(mode="json", by_alias=True, exclude_none=True) for x in jira_tools]
            line(
                f"tools/list, {len(jira_tools)} Jira tools",
                f"{len(json.dumps(definitions, separators=(',', ':'))):,} chars",
            )
            durations = []
            for _ in range(50):
                t = time.perf_counter()
                result = await client.call_tool("jira_get_issue", {"issue_key": "ENG-6"})
                durations.append(time.perf_counter() - t)
            line("get_issue p50 (stdio)", f"{pct(durations, 0.5) * 1000:.2f} ms", "(error)" if result.is_error else "")
            issue = await client.call_tool("jira_get_issue", {"issue_key": "ENG-10"})
            text = "".join(getattr(b, "text", "") for b in issue.content)
            line("get_issue ENG-10 text", f"{len(text):,} chars", "(error)" if issue.is_error else "")
            search = await client.call_tool("jira_search", {"jql": "order by key", "limit": 50})
            text = "".join(getattr(b, "text", "") for b in search.content)
            line("search, 50 results, text", f"{len(text):,} chars", "(error)" if search.is_error else "")

    try:
        asyncio.run(run())
    except Exception as exc:  # a peer that cannot talk to the sandbox is reported, not fatal
        print(f"  could not be measured against the sandbox: {type(exc).__name__}: {exc}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", action="store_true", help="also try to measure mcp-atlassian")
    args = parser.parse_args()
    configure_logging("WARNING", json=True)
    port = free_port()
    jira_url = f"http://127.0.0.1:{port}"
    base = {k: v for k, v in os.environ.items() if not k.startswith(("JIRA_", "MCP_"))}
    with process(
        [sys.executable, "-m", "jira_mcp.cli", "sandbox", "--port", str(port)],
        base,
        f"{jira_url}/rest/api/3/serverInfo",
    ):
        env = {
            **base,
            "JIRA_HOST": jira_url,
            "JIRA_EMAIL": CREDENTIALS["email"],
            "JIRA_API_TOKEN": CREDENTIALS["api_token"],
            "LOG_LEVEL": "WARNING",
            "RATE_LIMIT_MAX_REQUESTS": "100000",
            "RATE_LIMIT_WINDOW_MS": "1000",
            "JIRA_MCP_DISABLE_PLUGINS": "example",
        }
        print(f"jira-mcp benchmarks — python {sys.version.split()[0]}, {os.cpu_count()} cores, sandbox at {jira_url}")
        asyncio.run(bench_client(jira_url))
        asyncio.run(bench_calls(env))
        asyncio.run(bench_cold_start(env))
        asyncio.run(bench_sizes(env))
        if args.compare:
            try_peer(jira_url)


if __name__ == "__main__":
    main()
