"""The one path every tool call takes: the core tool wrapper.

:class:`CoreTool` subclasses the SDK's ``Tool`` so that argument validation, policy (project
allowlist), log context, timing, metrics and error-to-code mapping happen once, here, for every
plugin. Results become compact Markdown text plus structured content.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from typing import Any, cast

import structlog
from mcp.server.mcpserver.tools import Tool
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import ValidationError

from jira_mcp.errors import JiraMcpError
from jira_mcp.observability.logging import get_logger
from jira_mcp.registries import ToolSpec
from jira_mcp.services import Services
from jira_mcp.toolkit import ToolOutput

__all__ = ["CoreTool", "InFlight", "build_tool", "compact_schema"]

log = get_logger("jira_mcp.tools")

# Arguments that name issues or projects are checked against JIRA_PROJECT_WHITELIST for every tool.
_ISSUE_ARGS = ("issue_key", "epic_key", "parent_key", "target_issue_key", "inward_issue_key", "outward_issue_key")
_ISSUE_LIST_ARGS = ("issue_keys",)
_PROJECT_ARGS = ("project_key",)


class InFlight:
    """Counts tool calls in progress, so shutdown can wait for them."""

    def __init__(self) -> None:
        self.count = 0

    @contextlib.contextmanager
    def track(self) -> Any:
        self.count += 1
        try:
            yield
        finally:
            self.count -= 1


class CoreTool(Tool):
    spec: Any = None
    services: Any = None
    inflight: Any = None

    async def run(self, arguments: dict[str, Any], context: Any, convert_result: bool = False) -> Any:
        spec: ToolSpec = self.spec
        services: Services = self.services
        metrics = services.metrics
        call_id = uuid.uuid4().hex[:12]
        started = time.perf_counter()
        outcome = "ok"
        with (
            structlog.contextvars.bound_contextvars(request_id=call_id, tool=spec.name, plugin=spec.plugin),
            self.inflight.track(),
        ):
            try:
                try:
                    validated = self.fn_metadata.validate_arguments(arguments)
                except ValidationError as exc:
                    raise _ArgumentError(_describe_validation(exc)) from None
                _check_policy(services, validated)
                result = await self.fn_metadata.call_fn(self.fn, True, validated, {})
                text, structured = _render(result)
                log.info("tool call", outcome="ok", duration_ms=round((time.perf_counter() - started) * 1000, 1))
                return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=structured)
            except _ArgumentError as exc:
                outcome = "VALIDATION_ERROR"
                log.info("tool call", outcome=outcome, code=outcome, error=str(exc))
                return _error(f"VALIDATION_ERROR: invalid arguments for {spec.name}: {exc}")
            except JiraMcpError as exc:
                outcome = exc.code
                log.info(
                    "tool call",
                    outcome="error",
                    code=exc.code,
                    error=exc.message,
                    duration_ms=round((time.perf_counter() - started) * 1000, 1),
                )
                return _error(str(exc))
            except Exception:
                outcome = "INTERNAL_ERROR"
                log.exception("tool call crashed", code=outcome, correlation_id=call_id)
                return _error(
                    f"INTERNAL_ERROR: the server failed unexpectedly while running {spec.name} "
                    f"(correlation id {call_id}); the details are in the server log. Retrying may not help."
                )
            finally:
                elapsed = time.perf_counter() - started
                label = "ok" if outcome == "ok" else outcome
                metrics.tool_calls.labels(spec.name, label).inc()
                metrics.tool_duration.labels(spec.name, "ok" if outcome == "ok" else "error").observe(elapsed)


class _ArgumentError(Exception):
    pass


def _error(text: str) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=text)], is_error=True)


def _describe_validation(exc: ValidationError) -> str:
    parts = []
    for item in exc.errors(include_url=False, include_input=False):
        where = ".".join(str(p) for p in item["loc"]) or "arguments"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts[:8])


def _check_policy(services: Services, arguments: dict[str, Any]) -> None:
    policy = services.policy
    if not policy.restricted:
        return
    for name in _ISSUE_ARGS:
        value = arguments.get(name)
        if isinstance(value, str):
            policy.check_issue_keys([value])
    for name in _ISSUE_LIST_ARGS:
        value = arguments.get(name)
        if isinstance(value, list):
            policy.check_issue_keys([str(v) for v in value])
    for name in _PROJECT_ARGS:
        value = arguments.get(name)
        if isinstance(value, str) and value:
            policy.check_project(value)


def _render(result: Any) -> tuple[str, dict[str, Any] | None]:
    if isinstance(result, ToolOutput):
        return result.to_markdown(), result.model_dump(mode="json", exclude_none=True)
    if isinstance(result, str):
        return result, None
    raise TypeError(f"tool returned {type(result).__name__}; tools must return a ToolOutput")


def compact_schema(node: Any, *, output: bool = False) -> Any:
    """Shrink pydantic's JSON schema without changing what it accepts in practice.

    Tool definitions are paid for in model tokens on every request: drop auto-generated titles, fold
    ``anyOf [X, null]`` with a ``null`` default into plain optional ``X`` (omitting a parameter means
    None; outputs never carry nulls, they are dumped with ``exclude_none``), and in output schemas drop
    defaults, descriptions and ``additionalProperties: false``.
    """
    if isinstance(node, list):
        return [compact_schema(item, output=output) for item in node]
    if not isinstance(node, dict):
        return node
    variants = node.get("anyOf")
    if isinstance(variants, list) and len(variants) == 2 and {"type": "null"} in variants:
        other = next(v for v in variants if v != {"type": "null"})
        rest = {k: v for k, v in node.items() if k != "anyOf"}
        if rest.get("default", "unset") is None:
            rest.pop("default")
        node = {**other, **rest}
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "title" or (output and key in ("default", "description")):
            continue
        if key == "additionalProperties" and (value is True or (output and value is False)):
            continue
        if key in ("properties", "$defs"):
            out[key] = {name: compact_schema(sub, output=output) for name, sub in value.items()}
        else:
            out[key] = compact_schema(value, output=output)
    return out


def shallow_output_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Keep the top-level contract of an output schema; nested objects become plain ``object``.

    The model reads the Markdown text, not the schema; clients that consume structured content get
    every top-level field and its type. Full nested schemas tripled the size of tools/list.
    """
    defs = schema.get("$defs", {})

    def shallow(node: Any) -> Any:
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            return {"type": "object"}
        if node.get("type") == "array":
            items = node.get("items")
            if isinstance(items, dict) and ("$ref" in items or items.get("type") == "object"):
                return {"type": "array"}
            return node
        if node.get("type") == "object" or "properties" in node:
            return {"type": "object"}
        return node

    del defs
    out = {k: v for k, v in schema.items() if k not in ("$defs", "properties", "required")}
    out["properties"] = {name: shallow(sub) for name, sub in (schema.get("properties") or {}).items()}
    return out


def build_tool(spec: ToolSpec, services: Services, inflight: InFlight) -> CoreTool:
    description = spec.description or (spec.fn.__doc__ or "").strip()
    # The MCP spec defines destructiveHint and idempotentHint only for tools that are not read-only;
    # leaving them off read-only tools saves ~1,200 characters of tools/list without losing meaning.
    annotations = ToolAnnotations(
        title=spec.title,
        read_only_hint=spec.read_only,
        destructive_hint=None if spec.read_only else spec.destructive,
        idempotent_hint=None if spec.read_only else spec.idempotent,
        open_world_hint=spec.open_world,
    )
    tool = cast(
        CoreTool,
        CoreTool.from_function(
            spec.fn,
            name=spec.name,
            description=" ".join(description.split()),
            annotations=annotations,
            structured_output=True,
        ),
    )
    tool.parameters = compact_schema(tool.parameters)
    if tool.fn_metadata.output_schema is not None:
        tool.fn_metadata.output_schema = shallow_output_schema(
            compact_schema(tool.fn_metadata.output_schema, output=True)
        )
    tool.spec = spec
    tool.services = services
    tool.inflight = inflight
    return tool
