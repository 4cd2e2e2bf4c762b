"""The Jira client against the sandbox over real HTTP on 127.0.0.1: retries, errors, cache, rate limit."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from jira_mcp.errors import JiraMcpError
from jira_mcp.jira.cache import MemoryCache
from jira_mcp.jira.client import JiraClient, RetryPolicy, parse_retry_after
from jira_mcp.jira.pagination import paginate_offset, search_jql
from jira_mcp.jira.ratelimit import TokenBucket
from jira_mcp.observability.metrics import Metrics
from jira_mcp.sandbox import CREDENTIALS, SandboxServer

pytestmark = pytest.mark.anyio

FAST = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05, min_delay=0.01, budget=5)


@pytest.fixture
def client_factory(sandbox_server: SandboxServer) -> Callable[..., JiraClient]:
    made: list[JiraClient] = []

    def make(url: str | None = None, **kwargs: Any) -> JiraClient:
        options: dict[str, Any] = {
            "email": CREDENTIALS["email"],
            "api_token": CREDENTIALS["api_token"],
            "metrics": Metrics(process=False),
            "retry": FAST,
            "timeout": 2.0,
        }
        options.update(kwargs)
        client = JiraClient(url or sandbox_server.url, **options)
        made.append(client)
        return client

    return make


@pytest.fixture
async def jira(client_factory: Callable[..., JiraClient]) -> AsyncIterator[JiraClient]:
    client = client_factory()
    yield client
    await client.aclose()


def counter(metrics: Metrics, name: str, **labels: str) -> float:
    value = metrics.registry.get_sample_value(name, labels)
    return value or 0.0


async def test_get_issue_over_http(jira: JiraClient) -> None:
    issue = await jira.get(jira.api("/issue/{key}"), key="ENG-1", params={"fields": ["summary", "status"]})
    assert issue["key"] == "ENG-1"
    assert set(issue["fields"]) == {"summary", "status"}


async def test_retries_after_429_honouring_retry_after(jira: JiraClient, sandbox_server: SandboxServer) -> None:
    sandbox_server.app.add_fault(status=429, path="/rest/api/3/myself", times=2, headers={"Retry-After": "0.2"})
    started = time.monotonic()
    me = await jira.get(jira.api("/myself"), cache=False)
    elapsed = time.monotonic() - started
    assert me["accountId"] == "acc-alice"
    assert sandbox_server.app.count("GET", "/rest/api/3/myself") == 3
    assert elapsed >= 0.4  # two waits of Retry-After 0.2 s, not the 0.01 s backoff
    assert counter(jira.metrics, "jira_api_retries_total", reason="429") == 2


async def test_retry_after_zero_is_a_short_delay_not_a_busy_loop(
    jira: JiraClient, sandbox_server: SandboxServer
) -> None:
    sandbox_server.app.add_fault(status=429, path="/rest/api/3/myself", times=3, headers={"Retry-After": "0"})
    await jira.get(jira.api("/myself"), cache=False)
    assert sandbox_server.app.count("GET", "/rest/api/3/myself") == 4


async def test_gives_up_with_rate_limit_exceeded(jira: JiraClient, sandbox_server: SandboxServer) -> None:
    sandbox_server.app.add_fault(status=429, path="/rest/api/3/myself", times=None, headers={"Retry-After": "0"})
    with pytest.raises(JiraMcpError) as info:
        await jira.get(jira.api("/myself"), cache=False)
    assert info.value.code == "RATE_LIMIT_EXCEEDED"
    assert sandbox_server.app.count("GET", "/rest/api/3/myself") == FAST.attempts
    assert counter(jira.metrics, "jira_api_request_errors_total", code="RATE_LIMIT_EXCEEDED") == 1


async def test_retry_after_beyond_budget_fails_at_once(jira: JiraClient, sandbox_server: SandboxServer) -> None:
    sandbox_server.app.add_fault(status=429, path="/rest/api/3/myself", times=None, headers={"Retry-After": "600"})
    started = time.monotonic()
    with pytest.raises(JiraMcpError) as info:
        await jira.get(jira.api("/myself"), cache=False)
    assert info.value.code == "RATE_LIMIT_EXCEEDED"
    assert "retry after 600s" in info.value.message
    assert time.monotonic() - started < 1


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (401, "JIRA_AUTH_FAILED"),
        (403, "JIRA_PERMISSION_DENIED"),
        (410, "JIRA_ENDPOINT_REMOVED"),
        (502, "JIRA_UNAVAILABLE"),
        (503, "JIRA_UNAVAILABLE"),
        (500, "JIRA_UNAVAILABLE"),
        (409, "VALIDATION_ERROR"),
    ],
)
async def test_status_codes_map_to_error_codes(
    jira: JiraClient, sandbox_server: SandboxServer, status: int, code: str
) -> None:
    sandbox_server.app.add_fault(status=status, path="/rest/api/3/serverInfo", times=None)
    with pytest.raises(JiraMcpError) as info:
        await jira.get(jira.api("/serverInfo"), cache=False)
    assert info.value.code == code
    assert CREDENTIALS["api_token"] not in str(info.value)


async def test_5xx_retried_for_reads_but_not_for_writes(jira: JiraClient, sandbox_server: SandboxServer) -> None:
    sandbox_server.app.add_fault(status=503, path="/rest/api/3/serverInfo", times=1)
    assert (await jira.get(jira.api("/serverInfo"), cache=False))["serverTitle"]
    sandbox_server.app.add_fault(status=503, path="/rest/api/3/issue", method="POST", times=1)
    with pytest.raises(JiraMcpError) as info:
        await jira.post(
            jira.api("/issue"),
            json={"fields": {"project": {"key": "ENG"}, "summary": "x", "issuetype": {"name": "Task"}}},
        )
    assert info.value.code == "JIRA_UNAVAILABLE"
    assert sandbox_server.app.count("POST", "/rest/api/3/issue") == 1


async def test_writes_retried_after_429(jira: JiraClient, sandbox_server: SandboxServer) -> None:
    sandbox_server.app.add_fault(
        status=429, path="/rest/api/3/issue", method="POST", times=1, headers={"Retry-After": "0"}
    )
    created = await jira.post(
        jira.api("/issue"), json={"fields": {"project": {"key": "ENG"}, "summary": "x", "issuetype": {"name": "Task"}}}
    )
    assert created["key"].startswith("ENG-")
    assert sandbox_server.app.count("POST", "/rest/api/3/issue") == 2


async def test_real_401_with_wrong_token(client_factory: Callable[..., JiraClient]) -> None:
    client = client_factory(api_token="wrong-token-wrong-token-wrong")
    with pytest.raises(JiraMcpError) as info:
        await client.ping()
    assert info.value.code == "JIRA_AUTH_FAILED"
    assert "wrong-token" not in str(info.value)
    await client.aclose()


async def test_404_code_chosen_by_caller_and_400_carries_field_errors(jira: JiraClient) -> None:
    with pytest.raises(JiraMcpError) as info:
        await jira.get(jira.api("/issue/{key}"), key="ENG-9999", not_found=("ISSUE_NOT_FOUND", "issue ENG-9999"))
    assert info.value.code == "ISSUE_NOT_FOUND"
    assert "ENG-9999" in info.value.message
    with pytest.raises(JiraMcpError) as bad:
        await jira.post(jira.api("/issue"), json={"fields": {"project": {"key": "ENG"}, "issuetype": {"name": "Task"}}})
    assert bad.value.code == "VALIDATION_ERROR"
    assert bad.value.field_errors["summary"] == "You must specify a summary of the issue."  # type: ignore[attr-defined]


async def test_removed_search_endpoint_is_a_clear_error(jira: JiraClient) -> None:
    with pytest.raises(JiraMcpError) as info:
        await jira.post("/rest/api/3/search", json={"jql": "project = ENG"}, read=True)
    assert info.value.code == "JIRA_ENDPOINT_REMOVED"
    assert "upgrade" in info.value.message


async def test_timeout(client_factory: Callable[..., JiraClient], sandbox_server: SandboxServer) -> None:
    client = client_factory(timeout=0.2, retry=RetryPolicy(attempts=2, base_delay=0.01, min_delay=0.01, budget=2))
    sandbox_server.app.add_fault(path="/rest/api/3/serverInfo", delay_ms=600, times=None)
    with pytest.raises(JiraMcpError) as info:
        await client.get(client.api("/serverInfo"), cache=False)
    assert info.value.code == "JIRA_TIMEOUT"
    assert sandbox_server.app.count("GET", "/rest/api/3/serverInfo") == 2
    await client.aclose()


async def test_connection_refused(client_factory: Callable[..., JiraClient]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    client = client_factory(f"http://127.0.0.1:{port}")
    with pytest.raises(JiraMcpError) as info:
        await client.get(client.api("/myself"), cache=False)
    assert info.value.code == "JIRA_CONNECTION_FAILED"
    await client.aclose()


async def test_dns_failure(client_factory: Callable[..., JiraClient]) -> None:
    client = client_factory("https://no-such-host.invalid", retry=RetryPolicy(attempts=1))
    with pytest.raises(JiraMcpError) as info:
        await client.get(client.api("/myself"), cache=False)
    assert info.value.code == "DNS_RESOLUTION_FAILED"
    await client.aclose()


async def test_tls_failure(client_factory: Callable[..., JiraClient], sandbox_server: SandboxServer) -> None:
    client = client_factory(sandbox_server.url.replace("http://", "https://"), retry=RetryPolicy(attempts=1))
    with pytest.raises(JiraMcpError) as info:
        await client.get(client.api("/myself"), cache=False)
    assert info.value.code == "TLS_HANDSHAKE_FAILED"
    await client.aclose()


async def test_malformed_body_is_an_error_not_a_crash(jira: JiraClient, sandbox_server: SandboxServer) -> None:
    sandbox_server.app.add_fault(path="/rest/api/3/serverInfo", malformed=True)
    with pytest.raises(JiraMcpError) as info:
        await jira.get(jira.api("/serverInfo"), cache=False)
    assert info.value.code == "JIRA_BAD_RESPONSE"


async def test_cache_serves_repeated_get_without_upstream_request(
    jira: JiraClient, sandbox_server: SandboxServer
) -> None:
    first = await jira.get(jira.api("/field"))
    second = await jira.get(jira.api("/field"))
    assert first == second
    assert sandbox_server.app.count("GET", "/rest/api/3/field") == 1
    assert counter(jira.metrics, "jira_cache_hits_total") == 1
    assert counter(jira.metrics, "jira_cache_misses_total") == 1


async def test_cache_single_flights_concurrent_gets(jira: JiraClient, sandbox_server: SandboxServer) -> None:
    sandbox_server.app.add_fault(path="/rest/api/3/project/ENG", delay_ms=100, times=None)
    results = await asyncio.gather(*(jira.get(jira.api("/project/{key}"), key="ENG") for _ in range(20)))
    assert all(r["key"] == "ENG" for r in results)
    assert sandbox_server.app.count("GET", "/rest/api/3/project/ENG") == 1


async def test_cache_keyed_by_identity(
    client_factory: Callable[..., JiraClient], sandbox_server: SandboxServer
) -> None:
    shared = MemoryCache()
    alice = client_factory(cache=shared)
    other = client_factory(api_token="x" * 24, cache=shared)
    await alice.get(alice.api("/field"))
    with pytest.raises(JiraMcpError) as info:
        await other.get(other.api("/field"))  # must not be served alice's cached answer
    assert info.value.code == "JIRA_AUTH_FAILED"
    await alice.aclose()
    await other.aclose()


async def test_writes_invalidate_the_issue(jira: JiraClient, sandbox_server: SandboxServer) -> None:
    path = jira.api("/issue/{key}")
    before = await jira.get(path, key="ENG-5", params={"fields": "summary"})
    await jira.put(path, key="ENG-5", json={"fields": {"summary": "Renamed"}})
    after = await jira.get(path, key="ENG-5", params={"fields": "summary"})
    assert before["fields"]["summary"] != "Renamed"
    assert after["fields"]["summary"] == "Renamed"
    assert sandbox_server.app.count("GET", "/rest/api/3/issue/ENG-5") == 2


async def test_cache_ttl_zero_disables(
    client_factory: Callable[..., JiraClient], sandbox_server: SandboxServer
) -> None:
    client = client_factory(cache_ttl=0)
    await client.get(client.api("/field"))
    await client.get(client.api("/field"))
    assert sandbox_server.app.count("GET", "/rest/api/3/field") == 2
    await client.aclose()


async def test_rate_limiter_holds_a_burst_to_the_configured_rate(
    client_factory: Callable[..., JiraClient], sandbox_server: SandboxServer
) -> None:
    # 50 requests per 0.5 s window = 100/s; a burst of 200 needs >= 1.5 s after the first 50.
    client = client_factory(limiter=TokenBucket(50, 0.5, max_wait=10), pool_size=20)
    started = time.monotonic()
    await asyncio.gather(*(client.get(client.api("/serverInfo"), cache=False) for _ in range(200)))
    elapsed = time.monotonic() - started
    assert elapsed >= 1.4
    assert sandbox_server.app.count("GET", "/rest/api/3/serverInfo") == 200
    assert counter(client.metrics, "jira_rate_limit_waits_total") >= 140
    await client.aclose()


async def test_rate_limiter_gives_up_past_max_wait() -> None:
    bucket = TokenBucket(2, 10.0, max_wait=0.5)
    await bucket.acquire()
    await bucket.acquire()
    with pytest.raises(JiraMcpError) as info:
        await bucket.acquire()
    assert info.value.code == "RATE_LIMIT_EXCEEDED"


async def test_metrics_use_endpoint_templates(jira: JiraClient) -> None:
    for key in ("ENG-1", "ENG-2", "ENG-3"):
        await jira.get(jira.api("/issue/{key}"), key=key, cache=False)
    text = __import__("prometheus_client").generate_latest(jira.metrics.registry).decode()
    assert 'endpoint="/rest/api/3/issue/{key}"' in text
    assert "ENG-1" not in text
    assert "jira_pool_max_connections" in text


async def test_jql_pagination_with_next_page_token(jira: JiraClient) -> None:
    first = await search_jql(jira, "project = ENG ORDER BY key", fields=["summary"], limit=7)
    assert len(first.items) == 7 and first.next_page_token
    second = await search_jql(
        jira, "project = ENG ORDER BY key", fields=["summary"], limit=7, page_token=first.next_page_token
    )
    assert not {i["key"] for i in first.items} & {i["key"] for i in second.items}
    everything = await search_jql(jira, "project = ENG", fields=["summary"], limit=1000)
    assert everything.next_page_token is None and len(everything.items) > 40


async def test_offset_pagination_is_bounded(jira: JiraClient) -> None:
    page = await paginate_offset(
        jira, "/rest/agile/1.0/board/{id}/issue", id=1, items_key="issues", limit=5, cache=False
    )
    assert len(page.items) == 5 and page.next_page_token == "o:5" and page.total and page.total > 5
    rest = await paginate_offset(
        jira,
        "/rest/agile/1.0/board/{id}/issue",
        id=1,
        items_key="issues",
        limit=500,
        page_token=page.next_page_token,
        cache=False,
    )
    assert len(rest.items) == page.total - 5 and rest.next_page_token is None


def test_parse_retry_after() -> None:
    assert parse_retry_after("3") == 3
    assert parse_retry_after(None) is None
    assert parse_retry_after("garbage") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
