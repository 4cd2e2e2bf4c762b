"""The plugin API: hook specifications.

Every hook is a *registrar*: the core calls it once at start-up with a registry object, and the
plugin calls ``registry.add(...)`` for each thing it contributes. Hooks never do I/O and never run
async work; the core drives everything after registration. Specs may gain arguments over time; they
never lose or rename one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from jira_mcp.registries import (
        HealthCheckRegistry,
        NotifierRegistry,
        SettingsRegistry,
        ToolRegistry,
    )

__all__ = ["PROJECT_NAME", "hookimpl", "hookspec"]

PROJECT_NAME = "jira_mcp"
hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def register_settings(registry: SettingsRegistry) -> None:
    """Declare the plugin's own settings.

    Called once per plugin host, before any other hook, so that ``validate-config`` and start-up can
    check every plugin's environment variables together with the core's.

    :param registry: call ``registry.add(SettingsClass)`` with a ``pydantic_settings.BaseSettings``
        subclass. Its fields are read from the environment (use ``env_prefix`` or aliases to name the
        variables); secrets should be ``SecretStr``. Validation errors are reported with the variable
        name and never with a secret's value. Retrieve the validated instance at run time with
        ``services.plugin_settings(SettingsClass)``.
    :return: nothing; the return value is ignored.
    """


@hookspec
def register_tools(registry: ToolRegistry) -> None:
    """Add MCP tools.

    Called once per plugin host, after settings are registered. ``registry.services`` gives the
    shared Jira client, event bus, settings and metrics; keep references to it in closures or
    objects that the tool functions use.

    :param registry: call ``registry.add(fn, toolset=..., read_only=..., destructive=...,
        idempotent=...)`` for each tool. ``fn`` is an ``async def`` whose flat, ``Annotated``
        parameters become the input schema and whose return annotation (a ``ToolOutput`` subclass)
        becomes the output schema. The tool name is the function name unless ``name=`` is given.
        Names must be unique across all plugins: a collision is a start-up error naming both.
    :return: nothing; the return value is ignored.
    """


@hookspec
def register_notifiers(registry: NotifierRegistry) -> None:
    """Add notification channels (Slack, Teams, ...).

    Called once per plugin host. A notifier is an object with a ``name`` and an async
    ``send(event)``; the core's dispatcher delivers the events that write tools emit, with retries,
    off the tool call's path.

    :param registry: call ``registry.add(notifier)``; ``registry.services`` is available.
    :return: nothing; the return value is ignored.
    """


@hookspec
def register_health_checks(registry: HealthCheckRegistry) -> None:
    """Add readiness checks.

    Called once per plugin host. The ``/ready`` endpoint runs every check (with a short timeout and a
    short cache) and answers 503 when a *critical* one fails; non-critical failures are reported in
    the body only.

    :param registry: call ``registry.add(name, check, critical=...)`` where ``check`` is an
        ``async def () -> str | None`` that raises (or returns a failure text via ``HealthCheckFailed``)
        when unhealthy and returns an optional detail string when healthy.
    :return: nothing; the return value is ignored.
    """
