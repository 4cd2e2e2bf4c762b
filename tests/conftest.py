"""Fixtures for the core tests (the sandbox and app fixtures come from ``jira_mcp.testing``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from jira_mcp.sandbox import SandboxServer
from serverproc import ServerProcess, base_env, free_port


@pytest.fixture
def serve(sandbox_server: SandboxServer) -> Iterator[Callable[..., ServerProcess]]:
    started: list[ServerProcess] = []

    def start(*extra_args: str, env: dict[str, Any] | None = None, sandbox: bool = True) -> ServerProcess:
        port = free_port()
        values = base_env({**(sandbox_server.env if sandbox else {}), **(env or {})})
        server = ServerProcess(["serve", "--transport", "http", "--port", str(port), *extra_args], values, port)
        started.append(server)
        server.wait_ready()
        return server

    yield start
    for server in started:
        server.stop()
