"""Running the assembled server: stdio or streamable HTTP, with signal-driven draining."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from typing import Any, Literal

import anyio

from jira_mcp import __version__
from jira_mcp.observability.logging import get_logger
from jira_mcp.server.assembly import App

__all__ = ["run_http", "run_stdio", "startup_line"]

log = get_logger("jira_mcp.server")


def startup_line(app: App, transport: Literal["stdio", "http"], address: str | None = None) -> None:
    log.info(
        "jira-mcp started",
        version=__version__,
        transport=transport,
        address=address,
        plugins=[info.name for info in app.host.loaded],
        failed_plugins=[info.name for info in app.host.failed],
        tools=len(app.tools),
        jira=app.settings.jira_base_url,
        deployment=app.settings.deployment,
        read_only=app.settings.read_only_mode,
        sandbox=bool(app.sandbox_url),
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
                # The reply of the last call is written after the tool returns: give it a moment.
                await anyio.sleep(0.2)
                await app.services.events.drain(timeout=5)
                await app.services.aclose()
                log.info("shutdown complete")
                # The stdio reader blocks in a thread on stdin, which cancellation cannot interrupt while the
                # client keeps the pipe open: after draining, leave directly with status 0.
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(0)

            group.start_soon(watch)
            await app.server.run_stdio_async()
            group.cancel_scope.cancel()
    finally:
        await app.services.events.drain(timeout=5)
        await app.services.aclose()


def _draining_server(config: Any, app: App) -> Any:
    """uvicorn's Server with a drain-first SIGTERM: finish in-flight tool calls, then stop, exit 0.

    uvicorn alone closes open SSE responses at once (sse-starlette watches ``should_exit``) and
    re-raises the signal after shutdown, so a call in progress would be cut off and the exit code would
    be -15. Here the first SIGTERM/SIGINT only starts draining (new /mcp requests get 503, /ready turns
    503); ``should_exit`` is set when the calls are done or SHUTDOWN_GRACE_SECONDS ran out. A second
    signal forces the exit.
    """
    import uvicorn

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            original = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in original.items():
                    signal.signal(sig, handler)

        def handle_exit(self, sig: int, frame: Any) -> None:
            if app.draining:
                self.should_exit = True
                self.force_exit = sig == signal.SIGINT
                return
            app.draining = True
            log.info("signal received, draining", signal=signal.Signals(sig).name, in_flight=app.inflight.count)
            loop = self._loop

            def start() -> None:
                self._drain_task = loop.create_task(self._drain_then_exit())  # keep a reference

            loop.call_soon_threadsafe(start)

        async def _drain_then_exit(self) -> None:
            from jira_mcp.server.http import _drain

            await _drain(app)
            self.should_exit = True

        async def startup(self, sockets: Any = None) -> None:
            self._loop = asyncio.get_running_loop()
            await super().startup(sockets=sockets)

    return Server(config)


def run_http(app: App, host: str, port: int, *, stateless: bool = False) -> None:
    import uvicorn

    from jira_mcp.server.http import build_http_app, check_http_security

    check_http_security(app, host)
    asgi = build_http_app(app, host=host, port=port, stateless=stateless)
    config = uvicorn.Config(
        asgi,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=max(1, int(app.settings.shutdown_grace_seconds)),
        server_header=False,
        proxy_headers=False,
    )
    server = _draining_server(config, app)
    startup_line(app, "http", f"http://{host}:{port}/mcp")
    server.run()
