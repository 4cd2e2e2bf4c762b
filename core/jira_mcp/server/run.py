"""Running the assembled server: stdio or streamable HTTP, with signal-driven draining."""

from __future__ import annotations

import asyncio
import signal
import sys
from typing import Literal

import anyio

from jira_mcp import __version__
from jira_mcp.observability.logging import get_logger
from jira_mcp.server.assembly import App

__all__ = ["run_http", "run_stdio", "startup_line"]

log = get_logger("jira_mcp.server")


def startup_line(app: App, transport: Literal["stdio", "http"], address: str | None = None) -> None:
    log.info(
        "jira-mcp started", version=__version__, transport=transport, address=address,
        plugins=[info.name for info in app.host.loaded], failed_plugins=[info.name for info in app.host.failed],
        tools=len(app.tools), jira=app.settings.jira_base_url, deployment=app.settings.deployment,
        read_only=app.settings.read_only_mode, sandbox=bool(app.sandbox_url),
    )
    if app.sandbox_url:
        sys.stderr.write(
            f"jira-mcp: serving SANDBOX data from the built-in Jira sandbox at {app.sandbox_url} — "
            "not a real Jira. Set JIRA_HOST and credentials to use your Jira.\n"
        )
        sys.stderr.flush()


async def run_stdio(app: App) -> None:
    """Serve MCP over stdin/stdout; on SIGTERM/SIGINT let in-flight calls finish, then exit."""
    from jira_mcp.server.http import _drain

    stop = anyio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    startup_line(app, "stdio")
    try:
        async with anyio.create_task_group() as group:
            if app.services.events.notifiers:
                group.start_soon(app.services.events.run)

            async def watch() -> None:
                await stop.wait()
                await _drain(app)
                group.cancel_scope.cancel()

            group.start_soon(watch)
            await app.server.run_stdio_async()
            group.cancel_scope.cancel()
    finally:
        await app.services.events.drain(timeout=5)
        await app.services.aclose()


def run_http(app: App, host: str, port: int, *, stateless: bool = False) -> None:
    import uvicorn

    from jira_mcp.server.http import build_http_app, check_http_security

    check_http_security(app, host)
    asgi = build_http_app(app, host=host, port=port, stateless=stateless)
    config = uvicorn.Config(
        asgi, host=host, port=port, log_config=None, access_log=False, lifespan="on",
        timeout_graceful_shutdown=max(1, int(app.settings.shutdown_grace_seconds)),
        server_header=False, proxy_headers=False,
    )
    server = uvicorn.Server(config)
    startup_line(app, "http", f"http://{host}:{port}/mcp")
    server.run()
