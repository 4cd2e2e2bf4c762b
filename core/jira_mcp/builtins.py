"""The core's own built-in plugin: the Jira readiness check.

Registered exactly like a third-party plugin, so ``jira-mcp plugins`` lists it and ``/ready`` runs it.
"""

from __future__ import annotations

from jira_mcp.hookspecs import hookimpl
from jira_mcp.registries import HealthCheckRegistry


@hookimpl
def register_health_checks(registry: HealthCheckRegistry) -> None:
    services = registry.services

    async def jira() -> str | None:
        me = await services.jira.ping(timeout=3.0)
        who = me.get("displayName") or me.get("name") or me.get("accountId") or "authenticated"
        return f"{services.jira.base_url} as {who}"

    registry.add("jira", jira, critical=True)
