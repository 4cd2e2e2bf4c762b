"""The core tool wrapper and assembly, in process: policy, errors as codes, annotations, protocol extras."""

from __future__ import annotations

import logging
import types
from collections.abc import Callable
from typing import Annotated, Any

import pytest
from jira_mcp import ToolOutput, hookimpl
from jira_mcp.errors import NotFoundError
from jira_mcp.registries import ToolRegistry
from pydantic import Field

pytestmark = pytest.mark.anyio


class Out(ToolOutput):
    value: str
    note: str | None = None

    def to_markdown(self) -> str:
        return f"value={self.value}"


@hookimpl
def register_tools(registry: ToolRegistry) -> None:
    async def read_thing(issue_key: str, count: Annotated[int, Field(ge=1, le=5)] = 1) -> Out:
        """Read a thing."""
        if issue_key == "ENG-404":
            raise NotFoundError("issue ENG-404 does not exist", code="ISSUE_NOT_FOUND")
        if issue_key == "ENG-500":
            raise RuntimeError("secret internals: token=abc")
        return Out(value=f"{issue_key}x{count}")

    async def write_thing(project_key: str) -> Out:
        """Write a thing."""
        registry.services.events.emit("thing.written", f"wrote {project_key}", project=project_key)
        return Out(value=project_key)

    async def delete_thing(issue_key: str) -> Out:
        """Delete a thing."""
        return Out(value=issue_key)

    registry.add(read_thing, toolset="things", read_only=True)
    registry.add(write_thing, toolset="things", read_only=False)
    registry.add(delete_thing, toolset="danger", read_only=False, destructive=True, idempotent=True)


PLUGIN = [("things", types.SimpleNamespace(register_tools=register_tools))]


async def test_success_has_markdown_text_and_structured_content(
    make_app: Callable[..., Any], connect: Callable[..., Any], call_tool: Callable[..., Any]
) -> None:
    async with connect(make_app(PLUGIN)) as client:
        result = await call_tool(client, "read_thing", issue_key="ENG-1", count=2)
    assert not result.is_error
    assert result.text == "value=ENG-1x2"
    assert result.data == {"value": "ENG-1x2"}  # None fields omitted


async def test_coded_error_becomes_error_result_with_code(
    make_app: Callable[..., Any], connect: Callable[..., Any], call_tool: Callable[..., Any]
) -> None:
    app = make_app(PLUGIN)
    async with connect(app) as client:
        result = await call_tool(client, "read_thing", issue_key="ENG-404")
    assert result.is_error and result.text == "ISSUE_NOT_FOUND: issue ENG-404 does not exist"
    assert (
        app.services.metrics.registry.get_sample_value(
            "mcp_tool_calls_total", {"tool": "read_thing", "outcome": "ISSUE_NOT_FOUND"}
        )
        == 1
    )


async def test_unexpected_exception_hides_details(
    make_app: Callable[..., Any],
    connect: Callable[..., Any],
    call_tool: Callable[..., Any],
    captured_logs: Callable[[], list[dict[str, Any]]],
) -> None:
    async with connect(make_app(PLUGIN)) as client:
        result = await call_tool(client, "read_thing", issue_key="ENG-500")
    assert result.is_error and result.code == "INTERNAL_ERROR"
    assert "secret internals" not in result.text and "Traceback" not in result.text
    correlation = result.text.split("correlation id ")[1].split(")")[0]
    crash = [line for line in captured_logs() if line.get("event") == "tool call crashed"]
    assert crash and crash[0]["correlation_id"] == correlation and "RuntimeError" in crash[0]["exception"]
    assert "token=abc" not in captured_logs.raw.getvalue()  # type: ignore[attr-defined]


async def test_bad_arguments_are_a_validation_error(
    make_app: Callable[..., Any], connect: Callable[..., Any], call_tool: Callable[..., Any]
) -> None:
    async with connect(make_app(PLUGIN)) as client:
        result = await call_tool(client, "read_thing", issue_key="ENG-1", count=99)
        missing = await call_tool(client, "read_thing")
    assert result.code == "VALIDATION_ERROR" and "count" in result.text and "less than or equal to 5" in result.text
    assert missing.code == "VALIDATION_ERROR" and "issue_key" in missing.text


async def test_annotations_on_every_tool(make_app: Callable[..., Any], connect: Callable[..., Any]) -> None:
    async with connect(make_app(PLUGIN)) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    read, write, delete = tools["read_thing"], tools["write_thing"], tools["delete_thing"]
    assert read.annotations.read_only_hint is True and read.annotations.open_world_hint is True
    assert write.annotations.read_only_hint is False and write.annotations.destructive_hint is False
    assert delete.annotations.destructive_hint is True and delete.annotations.idempotent_hint is True
    assert read.output_schema and read.output_schema["properties"]["value"] == {"type": "string"}
    assert "title" not in str(read.input_schema)


async def test_read_only_mode_hides_write_tools(
    make_app: Callable[..., Any], connect: Callable[..., Any], call_tool: Callable[..., Any]
) -> None:
    async with connect(make_app(PLUGIN, read_only_mode=True)) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        result = await call_tool(client, "write_thing", project_key="ENG")
    assert names == {"read_thing"}
    assert result.is_error


async def test_enabled_tools_by_name_or_toolset(make_app: Callable[..., Any]) -> None:
    assert {t.name for t in make_app(PLUGIN, enabled_tools=["read_thing", "danger"]).tools} == {
        "read_thing",
        "delete_thing",
    }


async def test_project_whitelist_refuses_other_projects(
    make_app: Callable[..., Any], connect: Callable[..., Any], call_tool: Callable[..., Any]
) -> None:
    async with connect(make_app(PLUGIN, jira_project_whitelist=["OPS"])) as client:
        refused = await call_tool(client, "read_thing", issue_key="ENG-1")
        allowed = await call_tool(client, "read_thing", issue_key="OPS-1")
        project = await call_tool(client, "write_thing", project_key="ENG")
    assert refused.code == "PROJECT_NOT_ALLOWED" and "JIRA_PROJECT_WHITELIST" in refused.text
    assert not allowed.is_error
    assert project.code == "PROJECT_NOT_ALLOWED"


async def test_events_are_recorded(
    make_app: Callable[..., Any], connect: Callable[..., Any], call_tool: Callable[..., Any]
) -> None:
    app = make_app(PLUGIN)
    async with connect(app) as client:
        await call_tool(client, "write_thing", project_key="ENG")
    assert [e.type for e in app.services.events.recent] == ["thing.written"]


@pytest.mark.filterwarnings("ignore::mcp.MCPDeprecationWarning")
async def test_instructions_set_level_and_completion(make_app: Callable[..., Any], connect: Callable[..., Any]) -> None:
    async with connect(make_app(PLUGIN), mode="legacy") as client:
        assert "JQL" in (client.instructions or "")
        await client.set_logging_level("error")
        assert logging.getLogger().level == logging.ERROR
        await client.set_logging_level("info")


def test_policy_constrains_jql() -> None:
    from jira_mcp.config import Settings
    from jira_mcp.policy import Policy

    policy = Policy(Settings(jira_project_whitelist=["ENG", "OPS"]))
    assert (
        policy.constrain_jql("status = Done ORDER BY updated DESC")
        == "project in (ENG, OPS) AND (status = Done) ORDER BY updated DESC"
    )
    assert policy.constrain_jql('summary ~ "order by me"') == 'project in (ENG, OPS) AND (summary ~ "order by me")'
    assert policy.constrain_jql("") == "project in (ENG, OPS)"
