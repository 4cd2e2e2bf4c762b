"""Every issue tool end to end: the SDK client → the assembled server → the sandbox Jira."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import jira_mcp_issues
import pytest
from jira_mcp.sandbox import SandboxApp

pytestmark = pytest.mark.anyio
PLUGIN = [("issues", jira_mcp_issues)]


@pytest.fixture
async def call(tool_session: Callable[..., Any]) -> AsyncIterator[Callable[..., Any]]:
    async with tool_session(PLUGIN) as session:
        yield session


# get_issue ----------------------------------------------------------------------------------------
async def test_get_issue_is_compact_and_complete(call: Callable[..., Any]) -> None:
    result = await call("get_issue", issue_key="ENG-6")
    assert not result.is_error
    text, data = result.text, result.data
    assert text.startswith("## ENG-6: Health and readiness endpoints")
    assert "parent ENG-1 API platform" in text and "sprint ENG Sprint 1 (closed, id 1)" in text
    assert "3 pts" in text and "### Description" in text and "- covered by tests" in text
    assert data["status"] == "Done" and data["story_points"] == 3 and data["url"].endswith("/browse/ENG-6")
    assert "self" not in text and "avatar" not in text and "{" not in text.split("### Description")[0]
    assert len(text) <= 1800


async def test_get_issue_comments_links_subtasks_in_one_request(call: Callable[..., Any], sandbox: SandboxApp) -> None:
    await call("get_issue", issue_key="ENG-1")  # warms the field metadata cache
    before = len(sandbox.requests)
    result = await call("get_issue", issue_key="ENG-10", comment_limit=1)
    assert len(sandbox.requests) - before == 1
    assert "### Subtasks" in result.text and "Backend endpoint" in result.text
    assert result.data["comments_total"] >= 1 and len(result.data["comments"]) == 1
    assert "(older comments: get_comments)" in result.text


async def test_get_issue_extra_fields_by_name(call: Callable[..., Any]) -> None:
    result = await call("get_issue", issue_key="ENG-6", fields=["Team"], comment_limit=0)
    assert result.data["fields"] == {"Team": "Platform"}
    assert "comments" not in result.data
    bad = await call("get_issue", issue_key="ENG-6", fields=["Teem"])
    assert bad.code == "VALIDATION_ERROR" and "did you mean 'Team'" in bad.text


@pytest.mark.parametrize(
    ("key", "code"), [("ENG-999", "ISSUE_NOT_FOUND"), ("eng 5", "VALIDATION_ERROR"), ("ENG-0", "VALIDATION_ERROR")]
)
async def test_get_issue_errors(call: Callable[..., Any], key: str, code: str) -> None:
    assert (await call("get_issue", issue_key=key)).code == code


async def test_long_description_is_truncated_with_marker(call: Callable[..., Any]) -> None:
    long = "word " * 800
    await call("update_issue", issue_key="ENG-7", description=long)
    result = await call("get_issue", issue_key="ENG-7")
    assert "…[truncated" in result.text and result.data["description_truncated"] is True
    assert 'fields=["description"]' in result.text
    full = await call("get_issue", issue_key="ENG-7", fields=["Description"])
    assert "truncated" not in full.text and full.data["description"].count("word") == 800


# search_issues --------------------------------------------------------------------------------------
async def test_search_pages_with_token(call: Callable[..., Any]) -> None:
    first = await call("search_issues", jql="project = OPS ORDER BY key ASC", limit=10)
    assert len(first.data["issues"]) == 10 and first.data["next_page_token"]
    assert first.text.splitlines()[1].startswith("- OPS-1 [Done] Rotate TLS certificates")
    second = await call(
        "search_issues", jql="project = OPS ORDER BY key ASC", limit=20, page_token=first.data["next_page_token"]
    )
    assert len(second.data["issues"]) == 14 and "next_page_token" not in second.data
    assert second.data["issues"][0]["key"] == "OPS-11"


async def test_search_50_results_is_compact(call: Callable[..., Any]) -> None:
    result = await call("search_issues", jql="order by key", limit=50)
    assert len(result.data["issues"]) == 50
    assert len(result.text) <= 15000


async def test_search_invalid_jql_is_validation_error(call: Callable[..., Any]) -> None:
    result = await call("search_issues", jql="project = ENG AND bogus = 1")
    assert result.code == "VALIDATION_ERROR" and "Field 'bogus' does not exist" in result.text


async def test_search_limit_bounds(call: Callable[..., Any]) -> None:
    assert (await call("search_issues", jql="project = ENG", limit=101)).code == "VALIDATION_ERROR"


async def test_search_with_extra_fields(call: Callable[..., Any]) -> None:
    result = await call("search_issues", jql="key = ENG-6", fields=["labels", "Team"])
    assert result.data["issues"][0]["extra"] == {"Team": "Platform"}  # empty labels omitted


# create / update / assign / delete -----------------------------------------------------------------
async def test_create_issue_resolves_names(
    make_app: Callable[..., Any], connect: Callable[..., Any], call_tool: Callable[..., Any], sandbox: SandboxApp
) -> None:
    app = make_app(PLUGIN)
    async with connect(app) as client:
        created = await call_tool(
            client,
            "create_issue",
            project_key="eng",
            summary="Add SSO audit",
            issue_type="Story",
            description="Hello **world**\n\n- one",
            assignee="carol",
            priority="High",
            labels=["security"],
            components=["API"],
            parent_key="ENG-2",
            fields={"Story point estimate": 5, "Team": "Growth"},
        )
        assert not created.is_error, created.text
        key = created.data["key"]
        detail = await call_tool(client, "get_issue", issue_key=key)
    issue = sandbox.store.issues[key]
    assert issue.fields["assignee"]["accountId"] == "acc-carol"
    assert issue.fields["customfield_10016"] == 5 and issue.fields["customfield_10001"]["value"] == "Growth"
    assert issue.fields["description"]["content"][0]["content"][1]["marks"] == [{"type": "strong"}]
    assert "parent ENG-2 Authentication" in detail.text and "**world**" in detail.text
    assert [e.type for e in app.services.events.recent] == ["issue.created"]


async def test_create_issue_validate_only_creates_nothing(call: Callable[..., Any], sandbox: SandboxApp) -> None:
    before = len(sandbox.store.issues)
    result = await call("create_issue", project_key="ENG", summary="Dry run", validate_only=True)
    assert not result.is_error and result.text.startswith("valid:")
    assert len(sandbox.store.issues) == before


@pytest.mark.parametrize(
    ("arguments", "code", "fragment"),
    [
        ({"project_key": "NOPE", "summary": "x"}, "PROJECT_NOT_FOUND", "NOPE"),
        ({"project_key": "ENG", "summary": "x", "issue_type": "Saga"}, "VALIDATION_ERROR", "use one of"),
        ({"project_key": "ENG", "summary": "x", "assignee": "nobody-at-all"}, "VALIDATION_ERROR", "no Jira user"),
        ({"project_key": "ENG", "summary": "x", "fields": {"Colour": "red"}}, "VALIDATION_ERROR", "unknown field"),
        ({"project_key": "ENG", "summary": "x", "priority": "Urgent"}, "VALIDATION_ERROR", "priority"),
        ({"project_key": "ENG", "summary": "x", "labels": ["two words"]}, "VALIDATION_ERROR", "spaces"),
    ],
)
async def test_create_issue_errors(
    call: Callable[..., Any], arguments: dict[str, Any], code: str, fragment: str
) -> None:
    result = await call("create_issue", **arguments)
    assert result.code == code and fragment in result.text


async def test_create_issues_reports_each_item(call: Callable[..., Any]) -> None:
    result = await call(
        "create_issues",
        issues=[
            {"project_key": "OPS", "summary": "first"},
            {"project_key": "OPS", "summary": "bad type", "issue_type": "Saga"},
            {"project_key": "OPS", "summary": "third", "assignee": "nobody-at-all"},
        ],
    )
    assert result.data["created"] == 1 and result.data["failed"] == 2
    items = result.data["items"]
    assert items[0]["key"].startswith("OPS-") and "issuetype" in items[1]["error"]
    assert "no Jira user" in items[2]["error"]


async def test_update_issue_fields_and_labels(call: Callable[..., Any], sandbox: SandboxApp) -> None:
    result = await call(
        "update_issue",
        issue_key="ENG-30",
        summary="Warm the cache",
        add_labels=["perf"],
        priority="Highest",
        fields={"Story point estimate": 8},
    )
    assert not result.is_error and "labels" in result.text
    issue = sandbox.store.issues["ENG-30"]
    assert issue.fields["summary"] == "Warm the cache" and "perf" in issue.fields["labels"]
    assert issue.fields["priority"]["name"] == "Highest" and issue.fields["customfield_10016"] == 8
    removed = await call("update_issue", issue_key="ENG-30", remove_labels=["perf"])
    assert not removed.is_error and "perf" not in issue.fields["labels"]
    assert (await call("update_issue", issue_key="ENG-30")).code == "VALIDATION_ERROR"
    both = await call("update_issue", issue_key="ENG-30", labels=["a"], add_labels=["b"])
    assert both.code == "VALIDATION_ERROR"


async def test_assign_and_unassign(call: Callable[..., Any], sandbox: SandboxApp) -> None:
    assert not (await call("assign_issue", issue_key="OPS-3", assignee="frank@example.com")).is_error
    assert sandbox.store.issues["OPS-3"].fields["assignee"]["accountId"] == "acc-frank"
    assert (await call("assign_issue", issue_key="OPS-3", assignee="me")).text.startswith("OPS-3 assigned to Alice")
    await call("assign_issue", issue_key="OPS-3", assignee="unassigned")
    assert sandbox.store.issues["OPS-3"].fields["assignee"] is None
    ambiguous = await call("assign_issue", issue_key="OPS-3", assignee="example.com")
    assert ambiguous.code == "VALIDATION_ERROR" and "several users" in ambiguous.text


async def test_delete_refuses_subtasks_unless_asked(call: Callable[..., Any], sandbox: SandboxApp) -> None:
    refused = await call("delete_issue", issue_key="ENG-5")
    assert refused.code == "VALIDATION_ERROR" and "delete_subtasks" in refused.text
    assert "ENG-5" in sandbox.store.issues
    done = await call("delete_issue", issue_key="ENG-5", delete_subtasks=True)
    assert not done.is_error and "ENG-5" not in sandbox.store.issues
    assert (await call("delete_issue", issue_key="ENG-5")).code == "ISSUE_NOT_FOUND"


async def test_delete_is_annotated_destructive(call: Any) -> None:
    tools = {t.name: t for t in (await call.client.list_tools()).tools}
    assert tools["delete_issue"].annotations.destructive_hint is True
    assert tools["get_issue"].annotations.read_only_hint is True


# transitions ------------------------------------------------------------------------------------------
async def test_transitions_by_status_name_and_id(call: Callable[..., Any], sandbox: SandboxApp) -> None:
    listed = await call("get_transitions", issue_key="OPS-4")
    assert listed.data["status"] == "To Do" and {t["to"] for t in listed.data["transitions"]} == {
        "In Progress",
        "In Review",
        "Done",
    }
    moved = await call("transition_issue", issue_key="OPS-4", transition="in progress", comment="Starting")
    assert moved.text.startswith("OPS-4 → In Progress")
    done = await call("transition_issue", issue_key="OPS-4", transition="41", resolution="Won't Do")
    assert not done.is_error
    fields = sandbox.store.issues["OPS-4"].fields
    assert fields["status"]["name"] == "Done" and fields["resolution"]["name"] == "Won't Do"
    bad = await call("transition_issue", issue_key="OPS-4", transition="Teleport")
    assert bad.code == "VALIDATION_ERROR" and "available:" in bad.text


# comments, worklogs, links, changelog -------------------------------------------------------------
async def test_comments_add_edit_page(call: Callable[..., Any], sandbox: SandboxApp) -> None:
    added = await call(
        "add_comment",
        issue_key="OPS-2",
        body="Looks **fine**, ping [@Bob](mention:acc-bob)",
        visibility="role:Developers",
    )
    assert not added.is_error
    comment = sandbox.store.issues["OPS-2"].comments[-1]
    assert comment["visibility"] == {"type": "role", "value": "Developers"}
    assert {"type": "mention", "attrs": {"id": "acc-bob", "text": "@Bob"}} in comment["body"]["content"][0]["content"]
    edited = await call("edit_comment", issue_key="OPS-2", comment_id=comment["id"], body="Edited")
    assert not edited.is_error
    page = await call("get_comments", issue_key="OPS-2", limit=1)
    assert page.data["total"] >= 1 and len(page.data["comments"]) == 1
    assert (await call("add_comment", issue_key="OPS-2", body="  ")).code == "VALIDATION_ERROR"
    assert (await call("add_comment", issue_key="OPS-2", body="x", visibility="everyone")).code == "VALIDATION_ERROR"
    assert (await call("edit_comment", issue_key="OPS-2", comment_id="999999", body="x")).code == "COMMENT_NOT_FOUND"


async def test_worklogs(call: Callable[..., Any]) -> None:
    assert not (
        await call("add_worklog", issue_key="OPS-6", time_spent="1h 30m", comment="pairing", started="2026-12-01T09:30")
    ).is_error
    await call("add_worklog", issue_key="OPS-6", time_spent="1d")
    logs = await call("get_worklogs", issue_key="OPS-6")
    assert logs.data["total"] == 2 and logs.data["total_time"] == "1d 1h 30m"
    assert "pairing" in logs.text
    assert (await call("add_worklog", issue_key="OPS-6", time_spent="soon")).code == "VALIDATION_ERROR"
    assert (
        await call("add_worklog", issue_key="OPS-6", time_spent="1h", started="yesterday")
    ).code == "VALIDATION_ERROR"


async def test_links(call: Callable[..., Any]) -> None:
    types = await call("get_link_types")
    assert "Blocks: A blocks B / B is blocked by A" in types.text
    linked = await call("link_issues", issue_key="ENG-30", link_type="blocks", target_issue_key="ENG-31")
    assert linked.text == "ENG-30 blocks ENG-31"
    reverse = await call("link_issues", issue_key="ENG-32", link_type="is blocked by", target_issue_key="ENG-31")
    assert reverse.text == "ENG-32 is blocked by ENG-31"
    detail = await call("get_issue", issue_key="ENG-31")
    relations = {(ln["relation"], ln["key"]) for ln in detail.data["links"]}
    assert relations == {("is blocked by", "ENG-30"), ("blocks", "ENG-32")}
    link_id = detail.data["links"][0]["id"]
    assert not (await call("remove_issue_link", link_id=link_id)).is_error
    assert (await call("remove_issue_link", link_id=link_id)).code == "LINK_NOT_FOUND"
    assert (
        await call("link_issues", issue_key="ENG-30", link_type="Haunts", target_issue_key="ENG-31")
    ).code == "VALIDATION_ERROR"


async def test_changelog_filters_fields(call: Callable[..., Any]) -> None:
    result = await call("get_issue_changelog", issue_key="ENG-13", fields=["status"])
    assert [c["new"] for c in result.data["changes"]] == ["In Progress", "Done"]
    full = await call("get_issue_changelog", issue_key="ENG-13")
    assert any(c["field"] == "Sprint" for c in full.data["changes"])


# projects, users, fields ----------------------------------------------------------------------------
async def test_projects_users_fields(call: Callable[..., Any]) -> None:
    projects = await call("list_projects")
    assert [p["key"] for p in projects.data["projects"]] == ["ENG", "OPS", "MKT", "SUP"]
    project = await call("get_project", project_key="ENG")
    assert project.data["components"] == ["API", "Web", "Infra"] and "Sub-task" in project.data["issue_types"]
    assert (await call("get_project", project_key="NOPE")).code == "PROJECT_NOT_FOUND"
    users = await call("search_users", query="car")
    assert [u["name"] for u in users.data["users"]] == ["Carol Chen"]
    fields = await call("search_fields", query="story pts")
    assert fields.data["fields"][0]["id"] == "customfield_10016"
    team = await call("search_fields", query="team")
    assert team.data["fields"][0]["allowed_values"] == ["Platform", "Growth", "SRE"]


# policy ----------------------------------------------------------------------------------------------
async def test_read_only_mode_hides_every_write_tool(make_app: Callable[..., Any], connect: Callable[..., Any]) -> None:
    async with connect(make_app(PLUGIN, read_only_mode=True)) as client:
        names = {t.name for t in (await client.list_tools()).tools}
    assert names == {
        "get_issue",
        "search_issues",
        "get_transitions",
        "get_comments",
        "get_worklogs",
        "get_issue_changelog",
        "list_projects",
        "get_project",
        "search_users",
        "search_fields",
        "get_link_types",
    }


async def test_whitelist_applies_to_every_tool_and_to_jql(
    make_app: Callable[..., Any], connect: Callable[..., Any], call_tool: Callable[..., Any]
) -> None:
    async with connect(make_app(PLUGIN, jira_project_whitelist=["OPS"])) as client:
        search = await call_tool(client, "search_issues", jql="project = ENG", limit=5)
        assert search.data["issues"] == [] and search.data["jql"] == "project in (OPS) AND (project = ENG)"
        everything = await call_tool(client, "search_issues", jql="order by key", limit=100)
        assert {i["key"].split("-")[0] for i in everything.data["issues"]} == {"OPS"}
        assert (await call_tool(client, "get_issue", issue_key="ENG-1")).code == "PROJECT_NOT_ALLOWED"
        assert (await call_tool(client, "create_issue", project_key="ENG", summary="x")).code == "PROJECT_NOT_ALLOWED"
        link = await call_tool(client, "link_issues", issue_key="OPS-1", link_type="Blocks", target_issue_key="ENG-1")
        assert link.code == "PROJECT_NOT_ALLOWED"
        projects = await call_tool(client, "list_projects")
        assert [p["key"] for p in projects.data["projects"]] == ["OPS"]


async def test_every_write_emits_an_event(
    make_app: Callable[..., Any], connect: Callable[..., Any], call_tool: Callable[..., Any]
) -> None:
    app = make_app(PLUGIN)
    async with connect(app) as client:
        await call_tool(client, "update_issue", issue_key="OPS-1", summary="renamed")
        await call_tool(client, "transition_issue", issue_key="OPS-3", transition="Done")
        await call_tool(client, "add_comment", issue_key="OPS-3", body="done")
        await call_tool(client, "delete_issue", issue_key="OPS-24")
    assert [e.type for e in app.services.events.recent] == [
        "issue.updated",
        "issue.transitioned",
        "issue.commented",
        "issue.deleted",
    ]
    assert app.services.events.recent[1].data["status"] == "Done"


async def test_field_metadata_is_cached(call: Callable[..., Any], sandbox: SandboxApp) -> None:
    for key in ("ENG-6", "ENG-7", "ENG-8"):
        await call("get_issue", issue_key=key)
    assert sandbox.count("GET", "/rest/api/3/field") == 1


async def test_data_center_flavour_uses_v2_wiki_and_offset_paging(
    make_app: Callable[..., Any], connect: Callable[..., Any], call_tool: Callable[..., Any], sandbox: SandboxApp
) -> None:
    from jira_mcp.sandbox import CREDENTIALS

    app = make_app(
        PLUGIN,
        jira_deployment="datacenter",
        jira_personal_token=CREDENTIALS["personal_token"],
        jira_api_token=None,
        jira_email=None,
    )
    async with connect(app) as client:
        issue = await call_tool(client, "get_issue", issue_key="ENG-6")
        assert not issue.is_error, issue.text
        assert "- covered by tests" in issue.text  # wiki markup read back as Markdown
        first = await call_tool(client, "search_issues", jql="project = OPS ORDER BY key", limit=10)
        assert first.data["total"] == 24 and first.data["next_page_token"] == "o:10"
        second = await call_tool(client, "search_issues", jql="project = OPS ORDER BY key", limit=10, page_token="o:10")
        assert second.data["issues"][0]["key"] == "OPS-11"
        created = await call_tool(
            client,
            "create_issue",
            project_key="OPS",
            summary="DC ticket",
            description="Some **bold** text",
            assignee="bob",
        )
        assert not created.is_error, created.text
    assert sandbox.count("GET", "/rest/api/2/issue/ENG-6") == 1
    assert sandbox.count("POST", "/rest/api/3/search/jql") == 0
    new = sandbox.store.issues[created.data["key"]]
    assert new.fields["assignee"]["accountId"] == "acc-bob"
    assert {"type": "strong"} in new.fields["description"]["content"][0]["content"][1]["marks"]
