"""A real ``jira-mcp serve`` process on a free port, for the HTTP and stdio tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerProcess:
    def __init__(self, args: list[str], env: dict[str, str], port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        # Logs go to a file, not a pipe: an unread pipe fills up and blocks the server mid-test.
        self.log = tempfile.NamedTemporaryFile("w+", prefix="jira-mcp-", suffix=".log")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jira_mcp.cli", *args],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
            text=True,
        )

    def wait_ready(self, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited {self.proc.returncode}: {self.stderr()}")
            try:
                if httpx.get(self.url + "/health", timeout=0.5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError("server did not become healthy")

    def stderr(self) -> str:
        self.log.flush()
        with open(self.log.name) as handle:
            return handle.read()

    def stop(self) -> tuple[int, str]:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        return self.proc.returncode, self.stderr()


def base_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JIRA_", "MCP_", "SLACK_", "TEAMS_"))}
    env.update({"LOG_LEVEL": "INFO", "APP_ENV": "production", "SHUTDOWN_GRACE_SECONDS": "10"})
    env.update(extra or {})
    return env
