"""The one asynchronous Jira client every plugin shares.

A request goes: cache (GETs, single-flight) → rate limiter → concurrency cap → httpx over a pooled
aiohttp transport →
retry/backoff honouring ``Retry-After`` → error mapping to coded exceptions. Endpoints are given as
*templates* (``/rest/api/3/issue/{key}``) with path parameters, so metrics carry bounded labels.
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import hashlib
import random
import socket
import ssl
import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote, urlencode

import httpx

from jira_mcp.errors import (
    DnsResolutionError,
    EndpointRemovedError,
    JiraAuthError,
    JiraBadResponseError,
    JiraConnectionError,
    JiraMcpError,
    JiraPermissionError,
    JiraTimeoutError,
    JiraUnavailableError,
    JiraValidationError,
    NotFoundError,
    RateLimitError,
    TlsHandshakeError,
)
from jira_mcp.jira.cache import CacheBackend, MemoryCache
from jira_mcp.jira.ratelimit import TokenBucket
from jira_mcp.jira.transport import AiohttpTransport
from jira_mcp.observability.logging import get_logger
from jira_mcp.observability.metrics import Metrics

if TYPE_CHECKING:
    from jira_mcp.config import Settings

__all__ = ["JiraClient", "RetryPolicy"]

log = get_logger("jira_mcp.jira")

Deployment = Literal["cloud", "datacenter"]
_RETRY_STATUSES = {429, 502, 503, 504}
_READ_METHODS = {"GET", "HEAD", "OPTIONS"}


class RetryPolicy:
    def __init__(
        self,
        *,
        attempts: int = 4,
        base_delay: float = 0.25,
        max_delay: float = 8.0,
        max_retry_after: float = 30.0,
        budget: float = 60.0,
        min_delay: float = 0.1,
    ) -> None:
        self.attempts = attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_retry_after = max_retry_after
        self.budget = budget
        self.min_delay = min_delay

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter (AWS architecture blog)."""
        return max(self.min_delay, random.uniform(0, min(self.max_delay, self.base_delay * 2 ** (attempt - 1))))


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class _Retry(Exception):
    def __init__(self, reason: str, delay: float | None, final: JiraMcpError) -> None:
        self.reason = reason
        self.delay = delay
        self.final = final


class JiraClient:
    """Shared Jira client. Create with :meth:`from_settings`; close with :meth:`aclose`."""

    def __init__(
        self,
        base_url: str,
        *,
        deployment: Deployment = "cloud",
        email: str | None = None,
        api_token: str | None = None,
        personal_token: str | None = None,
        timeout: float = 30.0,
        pool_size: int = 10,
        metrics: Metrics | None = None,
        cache: CacheBackend | None = None,
        cache_ttl: float = 300.0,
        limiter: TokenBucket | None = None,
        retry: RetryPolicy | None = None,
        verify: bool | str = True,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.deployment: Deployment = deployment
        self.metrics = metrics or Metrics(process=False)
        self.cache: CacheBackend = cache if cache is not None else MemoryCache()
        self.cache_ttl = cache_ttl
        self.limiter = limiter or TokenBucket(100, 60.0)
        self.retry = retry or RetryPolicy()
        self.timeout = timeout
        headers = {"Accept": "application/json", "User-Agent": "jira-mcp"}
        if personal_token:
            headers["Authorization"] = f"Bearer {personal_token}"
        elif api_token is not None:
            raw = f"{email or ''}:{api_token}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(raw).decode()
        # The cache key's identity: a digest of the credentials, never the credentials themselves.
        self.identity = hashlib.sha256(headers.get("Authorization", "anonymous").encode()).hexdigest()[:16]
        self._concurrency = asyncio.Semaphore(pool_size)
        self.metrics.pool_max.set(pool_size)
        self._inflight: dict[tuple[str, str, str], asyncio.Future[Any]] = {}
        # Requests are httpx objects sent straight to a transport: aiohttp's wire by default (see
        # transport.py) unless one is injected. httpx's AsyncClient layer (auth flow, redirects,
        # cookies, event hooks) did nothing for us and cost ~0.15 ms of CPU per request.
        headers["Accept-Encoding"] = "gzip, deflate"
        self._headers = httpx.Headers(headers)
        self._timeouts = {"connect": min(timeout, 10.0), "read": timeout, "write": timeout, "pool": timeout}
        self._transport = transport or AiohttpTransport(pool_size=pool_size, verify=verify)

    @classmethod
    def from_settings(cls, settings: Settings, *, metrics: Metrics | None = None, **overrides: Any) -> JiraClient:
        window = settings.rate_limit_window_ms / 1000
        options: dict[str, Any] = {
            "deployment": settings.deployment,
            "email": settings.jira_email,
            "api_token": settings.jira_api_token.get_secret_value() if settings.jira_api_token else None,
            "personal_token": settings.jira_personal_token.get_secret_value() if settings.jira_personal_token else None,
            "timeout": settings.request_timeout_ms / 1000,
            "pool_size": settings.max_pool_size,
            "metrics": metrics,
            "cache": MemoryCache(settings.cache_max_entries),
            "cache_ttl": settings.cache_ttl_minutes * 60,
            "limiter": TokenBucket(
                settings.rate_limit_max_requests, window, max_wait=settings.rate_limit_max_wait_ms / 1000
            ),
            "verify": settings.jira_ca_bundle or True,
        }
        options.update(overrides)
        return cls(settings.jira_base_url or "https://invalid.invalid", **options)

    # Flavour helpers -------------------------------------------------------------------------
    @property
    def is_cloud(self) -> bool:
        return self.deployment == "cloud"

    @property
    def api_version(self) -> str:
        return "3" if self.is_cloud else "2"

    def api(self, path: str) -> str:
        """``api('/issue/{key}')`` → ``/rest/api/3/issue/{key}`` on Cloud, ``/rest/api/2/...`` on DC."""
        return f"/rest/api/{self.api_version}{path}"

    def browse_url(self, key: str) -> str:
        return f"{self.base_url}/browse/{key}"

    def to_rich_text(self, markdown: str) -> Any:
        """Markdown → the deployment's rich text (ADF on Cloud, wiki markup on Data Center)."""
        from jira_mcp.jira import adf

        return adf.markdown_to_adf(markdown) if self.is_cloud else adf.markdown_to_wiki(markdown)

    def from_rich_text(self, value: Any) -> str:
        from jira_mcp.jira import adf

        if value is None:
            return ""
        if isinstance(value, str):
            return adf.wiki_to_markdown(value)
        return adf.adf_to_markdown(value)

    # Verbs -----------------------------------------------------------------------------------
    async def get(
        self,
        template: str,
        *,
        params: Mapping[str, Any] | None = None,
        not_found: str | tuple[str, str] = "NOT_FOUND",
        cache: bool = True,
        **path: Any,
    ) -> Any:
        return await self.request("GET", template, params=params, not_found=not_found, use_cache=cache, path=path)

    async def post(
        self,
        template: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        not_found: str | tuple[str, str] = "NOT_FOUND",
        read: bool = False,
        invalidate: Iterable[str] = (),
        **path: Any,
    ) -> Any:
        return await self.request(
            "POST",
            template,
            json=json,
            params=params,
            not_found=not_found,
            idempotent=read,
            invalidate=invalidate,
            path=path,
        )

    async def put(
        self,
        template: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        not_found: str | tuple[str, str] = "NOT_FOUND",
        invalidate: Iterable[str] = (),
        **path: Any,
    ) -> Any:
        return await self.request(
            "PUT", template, json=json, params=params, not_found=not_found, invalidate=invalidate, path=path
        )

    async def delete(
        self,
        template: str,
        *,
        params: Mapping[str, Any] | None = None,
        not_found: str | tuple[str, str] = "NOT_FOUND",
        invalidate: Iterable[str] = (),
        **path: Any,
    ) -> Any:
        return await self.request(
            "DELETE", template, params=params, not_found=not_found, invalidate=invalidate, path=path
        )

    async def ping(self, timeout: float = 3.0) -> dict[str, Any]:
        """An authenticated call for readiness: who am I. Never cached."""
        async with asyncio.timeout(timeout):
            result = await self.request("GET", self.api("/myself"), use_cache=False, path={}, attempts=1)
        return result if isinstance(result, dict) else {}

    def invalidate(self, *prefixes: str) -> None:
        for prefix in prefixes:
            dropped = self.cache.invalidate_prefix(prefix)
            if dropped:
                log.debug("cache invalidated", prefix=prefix, entries=dropped)
        self.metrics.cache_entries.set(len(self.cache))

    async def aclose(self) -> None:
        await self._transport.aclose()

    # The request path ------------------------------------------------------------------------
    async def request(
        self,
        method: str,
        template: str,
        *,
        path: Mapping[str, Any],
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        not_found: str | tuple[str, str] = "NOT_FOUND",
        use_cache: bool = False,
        idempotent: bool | None = None,
        invalidate: Iterable[str] = (),
        attempts: int | None = None,
    ) -> Any:
        url = template.format(**{k: quote(str(v), safe="") for k, v in path.items()})
        clean = {k: _param(v) for k, v in (params or {}).items() if v is not None}
        if method == "GET" and use_cache and self.cache_ttl > 0:
            return await self._cached(method, template, url, clean, not_found)
        result = await self._send(
            method,
            template,
            url,
            clean,
            json,
            not_found,
            method in _READ_METHODS if idempotent is None else idempotent,
            attempts,
        )
        if method not in _READ_METHODS and not idempotent:
            self.invalidate(url, *invalidate)
        return result

    async def _cached(
        self, method: str, template: str, url: str, params: dict[str, Any], not_found: str | tuple[str, str]
    ) -> Any:
        key = (self.identity, url, urlencode(sorted(params.items()), doseq=True))
        value = self.cache.get(key)
        if value is not None:
            self.metrics.cache_hits.inc()
            log.debug("cache hit", endpoint=template, path=url)
            return value
        pending = self._inflight.get(key)
        if pending is not None:  # single flight: share the upstream request already under way
            self.metrics.cache_hits.inc()
            log.debug("cache hit (in flight)", endpoint=template, path=url)
            return await asyncio.shield(pending)
        self.metrics.cache_misses.inc()
        log.debug("cache miss", endpoint=template, path=url)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            value = await self._send(method, template, url, params, None, not_found, True, None)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters re-raise it, nobody else must
            raise
        else:
            future.set_result(value)
            if value is not None:
                self.cache.set(key, value, self.cache_ttl)
                self.metrics.cache_entries.set(len(self.cache))
            return value
        finally:
            self._inflight.pop(key, None)

    async def _send(
        self,
        method: str,
        template: str,
        url: str,
        params: dict[str, Any],
        json: Any,
        not_found: str | tuple[str, str],
        idempotent: bool,
        attempts: int | None,
    ) -> Any:
        policy = self.retry
        max_attempts = attempts or policy.attempts
        deadline = time.monotonic() + policy.budget
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._attempt(method, template, url, params, json, not_found, idempotent)
            except _Retry as retry:
                remaining = deadline - time.monotonic()
                delay = retry.delay if retry.delay is not None else policy.backoff(attempt)
                delay = max(policy.min_delay, delay)
                if attempt >= max_attempts or delay > remaining or delay > policy.max_retry_after:
                    self.metrics.jira_request_errors.labels(retry.final.code).inc()
                    log.warning(
                        "jira request failed",
                        method=method,
                        endpoint=template,
                        code=retry.final.code,
                        attempts=attempt,
                        reason=retry.reason,
                    )
                    raise retry.final from None
                self.metrics.jira_retries.labels(retry.reason).inc()
                log.warning(
                    "jira request retry",
                    method=method,
                    endpoint=template,
                    attempt=attempt,
                    reason=retry.reason,
                    delay_s=round(delay, 3),
                )
                await asyncio.sleep(delay)
            except JiraMcpError as exc:
                self.metrics.jira_request_errors.labels(exc.code).inc()
                log.info("jira request error", method=method, endpoint=template, code=exc.code, status=exc.status)
                raise

    async def _attempt(
        self,
        method: str,
        template: str,
        url: str,
        params: dict[str, Any],
        json: Any,
        not_found: str | tuple[str, str],
        idempotent: bool,
    ) -> Any:
        waited = await self.limiter.acquire()
        if waited > 0:
            self.metrics.rate_limit_waits.inc()
            self.metrics.rate_limit_wait_seconds.observe(waited)
        started = time.perf_counter()
        status = "error"
        async with self._concurrency:
            self.metrics.pool_in_flight.inc()
            try:
                try:
                    async with asyncio.timeout(self.timeout):
                        # One absolute URL, parsed once: httpx re-parses a relative URL and its params
                        # several times per request, which showed up as ~0.3 ms per call.
                        target = (
                            httpx.URL(self.base_url + url, params=params) if params else httpx.URL(self.base_url + url)
                        )
                        request = httpx.Request(
                            method, target, headers=self._headers, json=json, extensions={"timeout": self._timeouts}
                        )
                        response = await self._transport.handle_async_request(request)
                        body = await response.aread()
                except (TimeoutError, httpx.TimeoutException) as exc:
                    connect = isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout))
                    error: JiraMcpError = JiraTimeoutError(
                        f"Jira did not answer {method} {template} within {self.timeout:g}s "
                        "(REQUEST_TIMEOUT_MS); Jira may be slow or unreachable, try again or narrow the request"
                    )
                    if idempotent or connect:
                        raise _Retry("timeout", None, error) from exc
                    raise error from exc
                except httpx.TransportError as exc:
                    error = _connection_error(exc, self.base_url)
                    # A connect failure means Jira never saw the request: safe to retry even writes.
                    if idempotent or isinstance(exc, httpx.ConnectError):
                        raise _Retry("connection", None, error) from exc
                    raise error from exc
                status = str(response.status_code)
            finally:
                self.metrics.pool_in_flight.dec()
                self.metrics.jira_request_duration.labels(method, template, status).observe(
                    time.perf_counter() - started
                )
        return self._handle(response, body, method, template, not_found, idempotent)

    def _handle(
        self,
        response: httpx.Response,
        body: bytes,
        method: str,
        template: str,
        not_found: str | tuple[str, str],
        idempotent: bool,
    ) -> Any:
        code = response.status_code
        if 200 <= code < 300:
            if code == 204 or not body.strip():
                return None
            try:
                return response.json() if body else None
            except ValueError as exc:
                raise JiraBadResponseError(
                    f"Jira answered {method} {template} with a body that is not JSON "
                    f"(content-type {response.headers.get('content-type', 'unknown')}); a proxy or login page "
                    "may be in the way — check JIRA_HOST",
                    status=code,
                ) from exc
        messages, field_errors = _jira_messages(body)
        detail = "; ".join(messages + [f"{k}: {v}" for k, v in field_errors.items()])
        suffix = f" Jira says: {detail}" if detail else ""
        if code in _RETRY_STATUSES:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if code == 429:
                final: JiraMcpError = RateLimitError(
                    "Jira is rate limiting this account (HTTP 429)"
                    + (f"; retry after {retry_after:.0f}s" if retry_after is not None else "")
                    + ". Reduce request volume or lower RATE_LIMIT_MAX_REQUESTS.",
                    retry_after=retry_after,
                    status=code,
                )
                # Jira did not process a throttled request, so even writes may be retried.
                raise _Retry("429", retry_after, final)
            final = JiraUnavailableError(
                f"Jira is unavailable (HTTP {code}) for {method} {template}; it is likely a temporary outage "
                "or maintenance, try again shortly.",
                status=code,
            )
            if idempotent:
                raise _Retry(str(code), retry_after, final)
            raise final
        if code == 401:
            raise JiraAuthError(
                "Jira rejected the credentials (HTTP 401). Check JIRA_EMAIL and JIRA_API_TOKEN (Cloud) or "
                "JIRA_PERSONAL_TOKEN (Data Center); the token may be expired or revoked.",
                status=code,
            )
        if code == 403:
            raise JiraPermissionError(
                f"the Jira account lacks permission for {method} {template} (HTTP 403); ask a Jira admin for "
                f"access or use another project.{suffix}",
                status=code,
            )
        if code == 404:
            not_found_code, what = not_found if isinstance(not_found, tuple) else (not_found, "the resource")
            raise NotFoundError(
                f"{what} does not exist or is not visible to this account", code=not_found_code, status=code
            )
        if code == 410:
            raise EndpointRemovedError(
                f"Atlassian removed {template} from Jira Cloud (HTTP 410); this server version uses a retired "
                "API — upgrade jira-mcp.",
                status=code,
            )
        if code in (400, 409, 422):
            raise JiraValidationError(
                "Jira rejected the request", error_messages=messages, field_errors=field_errors, status=code
            )
        if code >= 500:
            raise JiraUnavailableError(f"Jira failed with HTTP {code} on {method} {template}.{suffix}", status=code)
        raise JiraValidationError(
            f"Jira answered HTTP {code}", error_messages=messages, field_errors=field_errors, status=code
        )


def _param(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return value


def _jira_messages(body: bytes) -> tuple[list[str], dict[str, str]]:
    import json

    try:
        data = json.loads(body) if body else None
    except ValueError:
        return [], {}
    if not isinstance(data, dict):
        return [], {}
    messages = [str(m) for m in data.get("errorMessages") or [] if m][:10]
    errors = data.get("errors") or {}
    field_errors = {str(k): str(v) for k, v in errors.items()} if isinstance(errors, dict) else {}
    if not messages and isinstance(data.get("message"), str):
        messages = [data["message"]]
    return messages, field_errors


def _connection_error(exc: httpx.TransportError, base_url: str) -> JiraConnectionError:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    text = " ".join(str(e) for e in chain).lower()
    if (
        any(isinstance(e, socket.gaierror) for e in chain)
        or "name or service not known" in text
        or "nodename nor servname" in text
        or "temporary failure in name resolution" in text
    ):
        return DnsResolutionError(
            f"the Jira host in {base_url} could not be resolved (DNS); check JIRA_HOST and the pod's DNS/egress"
        )
    if any(isinstance(e, ssl.SSLError) for e in chain) or "certificate" in text or "[ssl:" in text:
        return TlsHandshakeError(
            f"the TLS handshake with {base_url} failed; check the certificate chain "
            "(JIRA_CA_BUNDLE for a private CA) and any TLS-intercepting proxy"
        )
    return JiraConnectionError(
        f"could not connect to Jira at {base_url} ({type(exc).__name__}); check "
        "JIRA_HOST, network policy and that Jira is up"
    )
