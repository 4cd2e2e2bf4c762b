"""Serving the sandbox on a real TCP port (uvicorn in a background thread), for tests and ``serve --sandbox``."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

from jira_mcp.sandbox.app import SandboxApp, create_sandbox
from jira_mcp.sandbox.seed import CREDENTIALS

__all__ = ["SandboxServer"]


class SandboxServer:
    """``with SandboxServer() as sandbox: sandbox.url`` — a sandbox on 127.0.0.1 in a background thread."""

    def __init__(self, app: SandboxApp | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        if port == 0:
            with socket.socket() as probe:
                probe.bind((host, 0))
                port = probe.getsockname()[1]
        self.host, self.port = host, port
        self.url = f"http://{host}:{port}"
        self.app = app or create_sandbox(self.url)
        self.app.store.base_url = self.url
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def env(self) -> dict[str, str]:
        """Environment variables that point jira-mcp at this sandbox."""
        return {
            "JIRA_HOST": self.url,
            "JIRA_EMAIL": CREDENTIALS["email"],
            "JIRA_API_TOKEN": CREDENTIALS["api_token"],
            "JIRA_DEPLOYMENT": "cloud",
        }

    def start(self) -> SandboxServer:
        import uvicorn

        config = uvicorn.Config(
            self.app, host=self.host, port=self.port, log_level="warning", lifespan="off", access_log=False
        )
        self._server = uvicorn.Server(config)
        self._server.install_signal_handlers = lambda: None
        self._thread = threading.Thread(target=self._server.run, name="jira-sandbox", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"the sandbox did not start on {self.url}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
