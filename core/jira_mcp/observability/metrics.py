"""Every Prometheus metric of the server, created in one registry owned by the core.

A fresh :class:`Metrics` per server (and per test) keeps registries independent; plugins receive it
through ``services.metrics`` and never create module-level metrics.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

__all__ = ["Metrics"]

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30)


class Metrics:
    """The server's metrics, all in ``self.registry``."""

    def __init__(self, registry: CollectorRegistry | None = None, *, process: bool = True) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        r = self.registry
        if process:
            ProcessCollector(registry=r)
            PlatformCollector(registry=r)
            GCCollector(registry=r)
        self.up = Gauge("up", "1 while the server process is serving.", registry=r)
        self.up.set(1)
        self.http_request_duration = Histogram(
            "http_request_duration_seconds",
            "HTTP requests served, by route template.",
            ["method", "route", "status"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.jira_request_duration = Histogram(
            "jira_api_request_duration_seconds",
            "Requests to Jira, by endpoint template.",
            ["method", "endpoint", "status"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.jira_request_errors = Counter(
            "jira_api_request_errors_total",
            "Failed Jira calls, by error code.",
            ["code"],
            registry=r,
        )
        self.jira_retries = Counter(
            "jira_api_retries_total",
            "Retried Jira requests, by reason.",
            ["reason"],
            registry=r,
        )
        self.rate_limit_waits = Counter(
            "jira_rate_limit_waits_total",
            "Jira calls that waited for the outgoing rate limiter.",
            registry=r,
        )
        self.rate_limit_wait_seconds = Histogram(
            "jira_rate_limit_wait_seconds",
            "Time spent waiting for the outgoing rate limiter.",
            buckets=(0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30),
            registry=r,
        )
        self.cache_hits = Counter("jira_cache_hits_total", "Jira GETs answered from the cache.", registry=r)
        self.cache_misses = Counter("jira_cache_misses_total", "Jira GETs not in the cache.", registry=r)
        self.cache_entries = Gauge("jira_cache_entries", "Entries held by the Jira response cache.", registry=r)
        self.pool_max = Gauge("jira_pool_max_connections", "Size of the Jira connection pool.", registry=r)
        self.pool_in_flight = Gauge(
            "jira_pool_requests_in_flight",
            "Jira requests holding a pool slot right now.",
            registry=r,
        )
        self.tool_calls = Counter(
            "mcp_tool_calls_total",
            "MCP tool calls, by tool and outcome.",
            ["tool", "outcome"],
            registry=r,
        )
        self.tool_duration = Histogram(
            "mcp_tool_duration_seconds",
            "MCP tool call duration, by tool and outcome.",
            ["tool", "outcome"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.notifications = Counter(
            "notifications_total",
            "Notifications delivered, by notifier and outcome.",
            ["notifier", "outcome"],
            registry=r,
        )
        self.notification_queue = Gauge(
            "notifications_queued",
            "Notifications waiting for delivery.",
            registry=r,
        )
        self.plugins_loaded = Gauge("jira_mcp_plugins_loaded", "Plugins loaded.", registry=r)
        self.plugins_failed = Gauge("jira_mcp_plugins_failed", "Plugins that failed to load.", registry=r)
