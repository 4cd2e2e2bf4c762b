"""Real MCP clients against the real server: the official conformance suite (streamable HTTP) and the
MCP Inspector CLI (stdio). Runs in the ``conformance`` nox session, which needs Node.js and npx."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from jira_mcp.sandbox import SandboxServer
from serverproc import ServerProcess, base_env

pytestmark = [
    pytest.mark.conformance,
    pytest.mark.skipif(
        not os.environ.get("JIRA_MCP_CONFORMANCE"), reason="run by `nox -s conformance` (needs node and npm)"
    ),
]

HERE = Path(__file__).parent
TOOLS = HERE.parent.parent / ".tools" / "node"
PACKAGES = ["@modelcontextprotocol/conformance@0.1.13", "@modelcontextprotocol/inspector@0.15.0"]
GENERIC = [
    "server-initialize",
    "logging-set-level",
    "ping",
    "completion-complete",
    "tools-list",
    "server-sse-multiple-streams",
    "resources-list",
    "prompts-list",
    "dns-rebinding-protection",
]


@pytest.fixture(scope="module")
def node_bin() -> Path:
    npm = shutil.which("npm")
    assert npm, "npm is required"
    if not (TOOLS / "node_modules" / ".bin" / "conformance").exists():
        TOOLS.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [npm, "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(TOOLS), *PACKAGES],
            check=True,
            timeout=600,
        )
    return TOOLS / "node_modules" / ".bin"


def test_conformance_suite(node_bin: Path, serve: Callable[..., ServerProcess], tmp_path: Path) -> None:
    server = serve()
    result = subprocess.run(
        [
            str(node_bin / "conformance"),
            "server",
            "--url",
            server.url + "/mcp",
            "--suite",
            "all",
            "--expected-failures",
            str(HERE / "baseline.yml"),
            "-o",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    summary = result.stdout[result.stdout.find("=== SUMMARY ===") :]
    assert result.returncode == 0, summary or result.stderr[-2000:]
    for scenario in GENERIC:
        assert f"✓ {scenario}:" in summary, summary


def test_inspector_lists_tools_over_stdio(node_bin: Path, sandbox_server: SandboxServer) -> None:
    env_args = [arg for key, value in sandbox_server.env.items() for arg in ("-e", f"{key}={value}")]
    result = subprocess.run(
        [
            str(node_bin / "mcp-inspector"),
            "--cli",
            *env_args,
            sys.executable,
            "-m",
            "jira_mcp.cli",
            "serve",
            "--method",
            "tools/list",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=base_env(),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    names = {tool["name"] for tool in json.loads(result.stdout)["tools"]}
    assert {"get_issue", "search_issues", "get_sprint_report"} <= names
