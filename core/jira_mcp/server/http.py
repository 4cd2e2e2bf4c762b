"""The streamable HTTP runtime: ``/mcp`` beside ``/health``, ``/ready`` and ``/metrics``.

Security: allowed Host headers and Origins come from configuration (DNS-rebinding protection stays on
behind a Service or Ingress); optional bearer tokens for ``/mcp`` (required off loopback unless the
operator opts out) and for ``/metrics``; the SDK's body size limit; no CORS headers at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import time
from collections.abc import AsyncIterator
from typing import Any

from mcp.server.transport_security import TransportSecuritySettings
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from jira_mcp.config import is_loopback_host
from jira_mcp.errors import ConfigError, JiraMcpError
from jira_mcp.observability.logging import get_logger
from jira_mcp.server.assembly import App

__all__ = ["Readiness", "build_http_app", "check_http_security"]

log = get_logger("jira_mcp.http")
_ROUTES = {"/mcp": "/mcp", "/health": "/health", "/ready": "/ready", "/metrics": "/metrics"}


class Readiness:
    """Runs every health check concurrently with a timeout; caches the verdict for a few seconds."""

    def __init__(self, app: App, timeout: float = 3.0) -> None:
        self.app = app
        self.timeout = timeout
        self.ttl = app.settings.ready_cache_seconds
        self._cached: tuple[float, bool, dict[str, Any]] | None = None
        self._lock = asyncio.Lock()

    async def check(self) -> tuple[bool, dict[str, Any]]:
        async with self._lock:  # concurrent probes share one round of checks
            now = time.monotonic()
            if self._cached and now - self._cached[0] < self.ttl:
                return self._cached[1], self._cached[2]
            results = await asyncio.gather(*(self._one(c.name, c.check) for c in self.app.health_checks))
            checks = {}
            ready = True
            for check, (ok, detail) in zip(self.app.health_checks, results, strict=True):
                checks[check.name] = {"ok": ok, "critical": check.critical, "detail": detail}
                if not ok and check.critical:
                    ready = False
            for info in self.app.host.failed:
                checks[f"plugin:{info.name}"] = {"ok": False, "critical": False, "detail": info.error}
            self._cached = (time.monotonic(), ready, checks)
            return ready, checks

    async def _one(self, name: str, check: Any) -> tuple[bool, str | None]:
        try:
            async with asyncio.timeout(self.timeout):
                detail = await check()
            return True, detail
        except TimeoutError:
            return False, f"JIRA_TIMEOUT: check {name} took longer than {self.timeout:g}s"
        except JiraMcpError as exc:
            return False, str(exc)
        except Exception as exc:  # a broken check must not break the probe
            log.warning("health check crashed", check=name, error=repr(exc))
            return False, f"check failed: {type(exc).__name__}"


def check_http_security(app: App, host: str) -> None:
    settings = app.settings
    if not is_loopback_host(host) and not settings.mcp_auth_tokens and not settings.mcp_allow_unauthenticated:
        raise ConfigError(
            f"refusing to serve /mcp on {host} without authentication: set MCP_AUTH_TOKENS (recommended) or "
            "MCP_ALLOW_UNAUTHENTICATED=true if a gateway in front of jira-mcp authenticates callers"
        )


def _allowed_hosts(app: App, host: str, port: int) -> TransportSecuritySettings:
    hosts = ["127.0.0.1", "localhost", "[::1]", "127.0.0.1:*", "localhost:*", "[::1]:*"]
    for name in app.settings.mcp_allowed_hosts:
        hosts += [name] if ":" in name else [name, f"{name}:*"]
    origins = ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]
    origins += list(app.settings.mcp_allowed_origins)
    return TransportSecuritySettings(enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins)


class _Guard:
    """ASGI middleware: HTTP metrics for every request, bearer auth for /mcp and /metrics."""

    def __init__(self, inner: ASGIApp, app: App) -> None:
        self.inner = inner
        self.app = app
        self.tokens = [t.get_secret_value().encode() for t in app.settings.mcp_auth_tokens]
        metrics_token = app.settings.metrics_auth_token
        self.metrics_token = metrics_token.get_secret_value().encode() if metrics_token else None
        self.histogram = app.services.metrics.http_request_duration

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.inner(scope, receive, send)
            return
        path = scope.get("path", "")
        route = _ROUTES.get(path.rstrip("/") or path, "other")
        status = {"code": 500}
        started = time.perf_counter()

        async def send_wrapper(message: Any) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            denied = self._deny(scope, route)
            # Draining: refuse new work, but let sessions already open finish what they started.
            if (
                denied is None
                and self.app.draining
                and route == "/mcp"
                and b"mcp-session-id" not in dict(scope.get("headers") or [])
            ):
                denied = JSONResponse(
                    {"error": "shutting_down", "message": "server is draining; retry elsewhere"},
                    503,
                    headers={"Retry-After": "1", "Connection": "close"},
                )
            if denied is not None:
                await denied(scope, receive, send_wrapper)
            else:
                await self.inner(scope, receive, send_wrapper)
        finally:
            self.histogram.labels(scope.get("method", "GET"), route, str(status["code"])).observe(
                time.perf_counter() - started
            )

    def _deny(self, scope: Scope, route: str) -> Response | None:
        expected = (
            self.tokens
            if route == "/mcp"
            else [self.metrics_token]
            if route == "/metrics" and self.metrics_token
            else None
        )
        if not expected:
            return None
        header = dict(scope.get("headers") or []).get(b"authorization", b"")
        scheme, _, token = header.partition(b" ")
        if scheme.lower() == b"bearer" and token and any(hmac.compare_digest(token, t) for t in expected if t):
            return None
        return JSONResponse(
            {"error": "unauthorized", "message": "missing or invalid bearer token"},
            401,
            headers={"WWW-Authenticate": 'Bearer realm="jira-mcp"'},
        )


def build_http_app(app: App, *, host: str = "127.0.0.1", port: int = 8080, stateless: bool = False) -> ASGIApp:
    server = app.server
    readiness = Readiness(app)
    mcp_app = server.streamable_http_app(
        streamable_http_path="/mcp",
        stateless_http=stateless,
        # Plain JSON answers to POST /mcp instead of one SSE stream per call: ~1 ms less server CPU per
        # call; our tools send no mid-call notifications. GET /mcp still opens the SSE channel.
        json_response=app.settings.mcp_json_response,
        transport_security=_allowed_hosts(app, host, port),
        max_request_body_size=app.settings.max_request_body_bytes,
        host=host,
    )

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "plugins": len(app.host.loaded), "tools": len(app.tools)})

    async def ready(request: Request) -> Response:
        if app.draining:
            return JSONResponse({"status": "draining", "checks": {}}, 503)
        ok, checks = await readiness.check()
        body: dict[str, Any] = {"status": "ready" if ok else "not_ready", "checks": checks}
        if app.sandbox_url:
            body["sandbox"] = True
        return JSONResponse(body, 200 if ok else 503)

    async def metrics(request: Request) -> Response:
        return PlainTextResponse(
            generate_latest(app.services.metrics.registry), media_type=CONTENT_TYPE_LATEST.split(";")[0]
        )

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            await stack.enter_async_context(server.session_manager.run())
            dispatcher = None
            if app.services.events.notifiers:
                dispatcher = asyncio.create_task(app.services.events.run(), name="notifications")
            try:
                yield
            finally:
                await _drain(app)
                if dispatcher is not None:
                    await app.services.events.drain(timeout=5)
                    dispatcher.cancel()
                await app.services.aclose()
                log.info("shutdown complete")

    starlette = Starlette(
        routes=[
            Route("/health", health, methods=["GET"]),
            Route("/ready", ready, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
            Mount("/", app=mcp_app),
        ],
        lifespan=lifespan,
    )
    return _Guard(starlette, app)


async def _drain(app: App) -> None:
    """Let in-flight tool calls finish within SHUTDOWN_GRACE_SECONDS."""
    deadline = time.monotonic() + app.settings.shutdown_grace_seconds
    if app.inflight.count:
        log.info("draining tool calls", in_flight=app.inflight.count)
    while app.inflight.count and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    if app.inflight.count:
        log.warning("shutdown grace period over; abandoning tool calls", in_flight=app.inflight.count)
