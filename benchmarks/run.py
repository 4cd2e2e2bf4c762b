"""Benchmarks for jira-mcp (``nox -s bench``). Prints figures; asserts nothing (targets are in the issues).

Both servers — jira-mcp and, with ``--compare``, mcp-atlassian (the server users would otherwise pick,
installed into its own virtualenv) — are measured the same way, each in its own process, against a
zero-latency local Jira: the built-in sandbox's answers replayed from memory (``benchmarks/replay.py``),
so the figures are the MCP servers' own.

1. Jira client overhead per request (JiraClient minus a bare aiohttp request), cache hits — jira-mcp only.
2. Tool call latency (``get_issue``) through stdio (the SDK's client) and streamable HTTP (a minimal
   JSON-RPC client, so the client's own cost stays out), p50/p95, and server CPU per call.
3. Throughput of concurrent tool calls over HTTP (8 sessions) and the server's peak RSS under that load.
4. Cold start: spawn → first ``tools/list`` answer over stdio.
5. What the model reads: characters of ``get_issue``, a 50-result search and ``tools/list``.

The installs should carry compiled bytecode (pip's default; ``UV_COMPILE_BYTECODE=1`` for uv, as the
bench session sets): without it every start recompiles ~700 modules and cold start grows by ~0.3 s.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import psutil
from jira_mcp.jira.client import JiraClient
from jira_mcp.jira.ratelimit import TokenBucket
from jira_mcp.observability.logging import configure_logging
from jira_mcp.observability.metrics import Metrics
from jira_mcp.sandbox import CREDENTIALS
from mcp import Client, StdioServerParameters

ROOT = Path(__file__).resolve().parent.parent
PEER_VENV = Path(tempfile.gettempdir()) / "jira-mcp-bench-peer"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


@contextmanager
def process(args: list[str], env: dict[str, str], port: int | None = None) -> Iterator[psutil.Process]:
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if port:
            wait_port(port)
        yield psutil.Process(proc.pid)
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
    print(f"  {label:<46} {value:>16}  {note}")


@dataclass
class Server:
    label: str
    command: list[str]
    http_args: Callable[[int], list[str]]
    env: dict[str, str]
    get_issue: str
    search: str
    tool_prefix: str = ""
    figures: dict[str, float] = field(default_factory=dict)


# -- [1] the Jira client ------------------------------------------------------------------------------
async def bench_client(jira_url: str) -> None:
    print("\n[1] Jira client overhead (GET /rest/api/3/serverInfo, replayed Jira)")
    jira = JiraClient(
        jira_url,
        email=CREDENTIALS["email"],
        api_token=CREDENTIALS["api_token"],
        metrics=Metrics(process=False),
        limiter=TokenBucket(1_000_000, 1.0),  # measure the client, not the default 100/min budget
    )
    url = f"{jira_url}/rest/api/3/serverInfo"
    basic = base64.b64encode(f"{CREDENTIALS['email']}:{CREDENTIALS['api_token']}".encode()).decode()
    async with (
        aiohttp.ClientSession(headers={"Authorization": f"Basic {basic}"}) as bare_aiohttp,
        httpx.AsyncClient(auth=(CREDENTIALS["email"], CREDENTIALS["api_token"])) as bare_httpx,
    ):
        samples: dict[str, list[float]] = {"aiohttp": [], "httpx": [], "ours": []}
        for round_ in range(450):
            t = time.perf_counter()
            async with bare_aiohttp.get(url) as response:
                await response.json()
            samples["aiohttp"].append(time.perf_counter() - t)
            t = time.perf_counter()
            (await bare_httpx.get(url)).json()
            samples["httpx"].append(time.perf_counter() - t)
            t = time.perf_counter()
            await jira.get("/rest/api/3/serverInfo", cache=False)
            samples["ours"].append(time.perf_counter() - t)
            if round_ == 49:
                samples = {k: [] for k in samples}  # warm-up done
        hits = []
        await jira.get("/rest/api/3/field")
        for _ in range(2000):
            t = time.perf_counter()
            await jira.get("/rest/api/3/field")
            hits.append(time.perf_counter() - t)
    await jira.aclose()
    median = {k: statistics.median(v) * 1000 for k, v in samples.items()}
    line("bare aiohttp request, median", f"{median['aiohttp']:.3f} ms")
    line("bare httpx request, median", f"{median['httpx']:.3f} ms", "(the client's wire before aiohttp)")
    line("JiraClient request, median", f"{median['ours']:.3f} ms")
    line("client overhead per request, median", f"{median['ours'] - median['aiohttp']:.3f} ms", "(target < 1 ms)")
    line("cache hit, median", f"{statistics.median(hits) * 1e6:.1f} µs")


# -- a minimal JSON-RPC client over streamable HTTP ----------------------------------------------------
class RawSession:
    """Initialise once, then post ``tools/call`` requests; accepts JSON or SSE answers."""

    def __init__(self, http: aiohttp.ClientSession, url: str) -> None:
        self.http, self.url = http, url
        self.headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
        self.ids = 0

    async def post(self, message: dict[str, Any]) -> dict[str, Any] | None:
        async with self.http.post(self.url, data=json.dumps(message), headers=self.headers) as response:
            if "mcp-session-id" in response.headers:
                self.headers["Mcp-Session-Id"] = response.headers["mcp-session-id"]
            text = await response.text()
            if response.status >= 400:
                raise RuntimeError(f"HTTP {response.status}: {text[:200]}")
        if not text.strip():
            return None
        if response.content_type == "text/event-stream":
            data = [ln[5:].strip() for ln in text.splitlines() if ln.startswith("data:") and ln[5:].strip()]
            return json.loads(data[-1]) if data else None
        answer: dict[str, Any] = json.loads(text)
        return answer

    async def open(self) -> None:
        init = await self.post(
            {
                "jsonrpc": "2.0",
                "id": 0,
                "method": "initialize",
                "params": {
                    "protocolVersion": "2025-11-25",
                    "capabilities": {},
                    "clientInfo": {"name": "bench", "version": "1"},
                },
            }
        )
        assert init is not None, "no initialize answer"
        self.headers["MCP-Protocol-Version"] = init["result"]["protocolVersion"]
        await self.post({"jsonrpc": "2.0", "method": "notifications/initialized"})

    async def call(self, tool: str, arguments: dict[str, Any]) -> None:
        self.ids += 1
        message = {"jsonrpc": "2.0", "id": self.ids, "method": "tools/call"}
        message["params"] = {"name": tool, "arguments": arguments}
        answer = await self.post(message)
        if answer is None or "error" in answer or answer["result"].get("isError"):
            raise RuntimeError(f"{tool} failed: {str(answer)[:300]}")


class RssSampler:
    def __init__(self, proc: psutil.Process) -> None:
        self.proc, self.peak, self.running = proc, proc.memory_info().rss, True
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.02)

    def stop(self) -> float:
        self.running = False
        self.thread.join()
        return self.peak / 2**20


# -- [2]-[4] the servers ----------------------------------------------------------------------------
async def bench_server(server: Server) -> None:
    figures = server.figures
    arguments = {"issue_key": "ENG-6"}
    print(f"\n[2] Tool call latency, {server.label}: {server.get_issue} ENG-6")
    params = StdioServerParameters(command=server.command[0], args=server.command[1:], env=server.env)
    async with Client(params, mode="legacy") as client:
        for _ in range(30):
            await client.call_tool(server.get_issue, arguments)
        durations = []
        for _ in range(300):
            t = time.perf_counter()
            result = await client.call_tool(server.get_issue, arguments)
            durations.append(time.perf_counter() - t)
            assert not result.is_error, result.content
    figures["stdio_p50"], figures["stdio_p95"] = pct(durations, 0.5) * 1000, pct(durations, 0.95) * 1000
    line("stdio p50 / p95 (SDK client)", f"{figures['stdio_p50']:.2f} / {figures['stdio_p95']:.2f} ms")

    port = free_port()
    with process(server.command + server.http_args(port), server.env, port) as proc:
        url = f"http://127.0.0.1:{port}/mcp"
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
            session = RawSession(http, url)
            await session.open()
            for _ in range(30):
                await session.call(server.get_issue, arguments)
            cpu0 = sum(proc.cpu_times()[:2])
            durations = []
            for _ in range(300):
                t = time.perf_counter()
                await session.call(server.get_issue, arguments)
                durations.append(time.perf_counter() - t)
            figures["cpu"] = (sum(proc.cpu_times()[:2]) - cpu0) / 300 * 1000
            figures["http_p50"], figures["http_p95"] = pct(durations, 0.5) * 1000, pct(durations, 0.95) * 1000
            line(
                "HTTP p50 / p95 (minimal JSON-RPC client)",
                f"{figures['http_p50']:.2f} / {figures['http_p95']:.2f} ms",
                "(target p50 < 3 ms)",
            )
            line("server CPU per call (HTTP)", f"{figures['cpu']:.2f} ms", "(target < 2 ms)")

            print(f"\n[3] Throughput and memory, {server.label}: 8 HTTP sessions calling concurrently")
            sessions = [RawSession(http, url) for _ in range(8)]
            await asyncio.gather(*(s.open() for s in sessions))
            calls = 150

            async def worker(s: RawSession) -> None:
                for i in range(calls):
                    await s.call(server.get_issue, {"issue_key": f"ENG-{1 + i % 20}"})

            await asyncio.gather(*(worker(s) for s in sessions))  # warm: every issue replayed once
            sampler = RssSampler(proc)
            cpu0 = sum(proc.cpu_times()[:2])
            t = time.perf_counter()
            await asyncio.gather(*(worker(s) for s in sessions))
            elapsed = time.perf_counter() - t
            figures["cpu_loaded"] = (sum(proc.cpu_times()[:2]) - cpu0) / (8 * calls) * 1000
            figures["rss"] = sampler.stop()
            figures["throughput"] = 8 * calls / elapsed
        line("throughput", f"{figures['throughput']:.0f} calls/s", "(target ≥ 400/s)")
        line("server CPU per call under load", f"{figures['cpu_loaded']:.2f} ms")
        line("peak RSS under load", f"{figures['rss']:.1f} MiB", "(target < 90 MiB)")

    print(f"\n[4] Cold start, {server.label}: spawn → first tools/list answer over stdio (median of 5)")
    times = []
    for _ in range(5):
        t = time.perf_counter()
        async with Client(params, mode="legacy") as client:
            tools = (await client.list_tools()).tools
            times.append(time.perf_counter() - t)
    figures["cold"] = statistics.median(times)
    line("cold start", f"{figures['cold']:.3f} s", f"(target < 0.9 s; {len(tools)} tools)")

    print(f"\n[5] What the model reads, {server.label}")
    async with Client(params, mode="legacy") as client:
        tools = [t for t in (await client.list_tools()).tools if t.name.startswith(server.tool_prefix)]
        definitions = [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools]
        issue = await client.call_tool(server.get_issue, {"issue_key": "ENG-10"})
        search = await client.call_tool(server.search, {"jql": "order by key", "limit": 50})
    figures["issue_chars"] = len("".join(getattr(b, "text", "") for b in issue.content))
    figures["search_chars"] = len("".join(getattr(b, "text", "") for b in search.content))
    figures["tools_chars"] = len(json.dumps(definitions, separators=(",", ":")))
    figures["tools"] = len(tools)
    line("get_issue ENG-10 text", f"{figures['issue_chars']:,.0f} chars", "(target ≤ 1,800)")
    line("search, 50 results, text", f"{figures['search_chars']:,.0f} chars", "(target ≤ 15,000)")
    line(f"tools/list, {len(tools)} Jira tools (wire JSON)", f"{figures['tools_chars']:,.0f} chars", "(≤ 25,000)")


def peer(env: dict[str, str], jira_url: str) -> Server | None:
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    # pip compiles bytecode on install, as it does for users; uv would not.
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "mcp-atlassian"], capture_output=True, text=True, timeout=900
    )
    if installed.returncode != 0:
        print("\n[peer] mcp-atlassian is not installable here:", installed.stderr.strip().splitlines()[-1:])
        return None
    peer_env = {
        **{k: v for k, v in env.items() if not k.startswith(("JIRA_", "MCP_", "RATE_", "LOG_"))},
        "JIRA_URL": jira_url,
        "JIRA_USERNAME": CREDENTIALS["email"],
        "JIRA_API_TOKEN": CREDENTIALS["api_token"],
        "TOOLSETS": "all",  # its current default, said explicitly
        "ALLOW_GLOBAL_CRED_FALLBACK": "true",  # HTTP calls use the configured account, as ours do
        "FASTMCP_SHOW_SERVER_BANNER": "false",
        "FASTMCP_CHECK_FOR_UPDATES": "off",
        "PYTHONWARNINGS": "ignore::DeprecationWarning",
    }
    return Server(
        label="mcp-atlassian",
        command=[str(PEER_VENV / "bin" / "mcp-atlassian")],
        http_args=lambda port: ["--transport", "streamable-http", "--host", "127.0.0.1", "--port", str(port)],
        env=peer_env,
        get_issue="jira_get_issue",
        search="jira_search",
        tool_prefix="jira_",
    )


def summary(servers: list[Server]) -> None:
    rows = [
        ("get_issue p50, stdio", "stdio_p50", "{:.2f} ms", "< 3 ms"),
        ("get_issue p50, HTTP", "http_p50", "{:.2f} ms", "< 3 ms"),
        ("server CPU per call, HTTP", "cpu", "{:.2f} ms", "< 2 ms"),
        ("throughput, 8 HTTP sessions", "throughput", "{:.0f} calls/s", "≥ 4× peer"),
        ("peak RSS under load", "rss", "{:.1f} MiB", "< 90 MiB"),
        ("cold start to tools/list", "cold", "{:.3f} s", "< 0.9 s"),
        ("get_issue text", "issue_chars", "{:,.0f} chars", ""),
        ("50-result search text", "search_chars", "{:,.0f} chars", ""),
        ("tools/list (Jira tools)", "tools_chars", "{:,.0f} chars", ""),
    ]
    print("\n[summary]")
    print(f"  {'':<30}" + "".join(f"{s.label:>18}" for s in servers) + f"{'target':>14}")
    for label, key, fmt, target in rows:
        cells = "".join(f"{fmt.format(s.figures[key]) if key in s.figures else '—':>18}" for s in servers)
        print(f"  {label:<30}{cells}{target:>14}")
    if len(servers) == 2 and servers[1].figures.get("throughput"):
        ratio = servers[0].figures["throughput"] / servers[1].figures["throughput"]
        print(f"  throughput ratio: {ratio:.1f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", action="store_true", help="also measure mcp-atlassian")
    args = parser.parse_args()
    configure_logging("WARNING", json=True)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("JIRA_", "MCP_"))}
    sandbox_port, replay_port = free_port(), free_port()
    sandbox = [sys.executable, "-m", "jira_mcp.cli", "sandbox", "--port", str(sandbox_port)]
    sandbox_url, jira_url = f"http://127.0.0.1:{sandbox_port}", f"http://127.0.0.1:{replay_port}"
    replay = [sys.executable, str(ROOT / "benchmarks" / "replay.py"), "--upstream", sandbox_url]
    with process(sandbox, base, sandbox_port), process([*replay, "--port", str(replay_port)], base, replay_port):
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
        where = f"python {sys.version.split()[0]}, {os.cpu_count()} cores, Jira replayed at {jira_url}"
        print(f"jira-mcp benchmarks — {where}")
        asyncio.run(bench_client(jira_url))
        ours = Server(
            label="jira-mcp",
            command=[sys.executable, "-m", "jira_mcp.cli", "serve"],
            http_args=lambda port: ["--transport", "http", "--port", str(port)],
            env=env,
            get_issue="get_issue",
            search="search_issues",
        )
        servers = [ours]
        asyncio.run(bench_server(ours))
        if args.compare and (other := peer(env, jira_url)) is not None:
            try:
                asyncio.run(bench_server(other))
            except Exception as exc:  # a peer that cannot be measured is reported, not fatal
                print(f"  mcp-atlassian could not be measured fully: {type(exc).__name__}: {exc}")
            servers.append(other)
        summary(servers)


if __name__ == "__main__":
    main()
