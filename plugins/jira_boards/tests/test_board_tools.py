"""Every board tool end to end through the SDK client against the sandbox; report figures checked
against numbers worked out by hand from the seed's sprint history (jira_mcp/sandbox/seed.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import jira_mcp_boards
import pytest
from jira_mcp.sandbox import SandboxApp

pytestmark = pytest.mark.anyio
PLUGIN = [("boards", jira_mcp_boards)]


@pytest.fixture
async def call(tool_session: Callable[..., Any]) -> AsyncIterator[Callable[..., Any]]:
    async with tool_session(PLUGIN) as session:
        yield session


async def test_list_and_get_boards(call: Callable[..., Any]) -> None:
    boards = await call("list_boards")
    assert [(b["id"], b["type"], b["project"]) for b in boards.data["boards"]] == [
        (1, "scrum", "ENG"),
        (2, "kanban", "OPS"),
    ]
    assert [b["id"] for b in (await call("list_boards", type="kanban")).data["boards"]] == [2]
    assert [b["id"] for b in (await call("list_boards", project_key="eng")).data["boards"]] == [1]
    board = await call("get_board", board_id=1)
    assert board.data["estimation_field"] == "Story point estimate" and board.data["sprints"] is True
    assert board.data["filter_jql"] == "project = ENG ORDER BY Rank ASC"
    assert board.data["columns"][2] == {"name": "Review", "statuses": ["In Review"]}
    kanban = await call("get_board", board_id=2)
    assert kanban.data["sprints"] is False and "estimation_field" not in kanban.data
    assert (await call("get_board", board_id=99)).code == "BOARD_NOT_FOUND"


async def test_board_issues_and_backlog(call: Callable[..., Any]) -> None:
    issues = await call("get_board_issues", board_id=2, jql="status = Done", limit=5)
    assert issues.data["total"] == 12 and len(issues.data["issues"]) == 5 and issues.data["next_page_token"]
    assert all(i["status"] == "Done" for i in issues.data["issues"])
    more = await call(
        "get_board_issues", board_id=2, jql="status = Done", limit=50, page_token=issues.data["next_page_token"]
    )
    assert len(more.data["issues"]) == 7
    backlog = await call("get_backlog", board_id=1, limit=50)
    keys = {i["key"] for i in backlog.data["issues"]}
    # 16 backlog topics + "Dark mode" (removed from sprint 3) + "Export..." no: done. Sprint 6 items excluded.
    assert "ENG-16" in keys and "ENG-27" not in keys and len(keys) == 17
    assert (await call("get_backlog", board_id=1, jql="bogus = 1")).code == "VALIDATION_ERROR"


async def test_sprints(call: Callable[..., Any]) -> None:
    sprints = await call("list_sprints", board_id=1)
    assert [(s["id"], s["state"]) for s in sprints.data["sprints"]] == [
        (1, "closed"),
        (2, "closed"),
        (3, "closed"),
        (4, "closed"),
        (5, "active"),
        (6, "future"),
    ]
    active = await call("list_sprints", board_id=1, state=["active", "future"])
    assert [s["id"] for s in active.data["sprints"]] == [5, 6]
    kanban = await call("list_sprints", board_id=2)
    assert kanban.code == "VALIDATION_ERROR" and "kanban" in kanban.text
    sprint = await call("get_sprint", sprint_id=5)
    assert sprint.data["goal"] == "Release 1.1" and sprint.data["state"] == "active"
    assert (await call("get_sprint", sprint_id=999)).code == "SPRINT_NOT_FOUND"
    issues = await call("get_sprint_issues", sprint_id=5)
    assert len(issues.data["issues"]) == 5 and sum(i["points"] for i in issues.data["issues"]) == 24


async def test_sprint_lifecycle_rules(
    make_app: Callable[..., Any], connect: Callable[..., Any], call_tool: Callable[..., Any], sandbox: SandboxApp
) -> None:
    app = make_app(PLUGIN)
    async with connect(app) as client:

        async def call(tool: str, /, **arguments: Any) -> Any:
            return await call_tool(client, tool, **arguments)

        created = await call("create_sprint", board_id=1, name="ENG Sprint 7", goal="Polish")
        assert created.data["state"] == "future"
        new_id = created.data["id"]
        listed = await call("list_sprints", board_id=1, state=["future"])
        assert new_id in [s["id"] for s in listed.data["sprints"]]  # the cached list was invalidated
        assert (await call("create_sprint", board_id=2, name="x")).code == "VALIDATION_ERROR"
        no_end = await call("update_sprint", sprint_id=6, state="active")
        assert no_end.code == "VALIDATION_ERROR" and "end_date" in no_end.text
        busy = await call("update_sprint", sprint_id=6, state="active", end_date="2099-01-01")
        assert busy.code == "VALIDATION_ERROR" and "already active" in busy.text  # Jira's rule, explained
        assert (await call("update_sprint", sprint_id=6, state="closed")).code == "VALIDATION_ERROR"
        closed = await call("update_sprint", sprint_id=5, state="closed")
        assert closed.data["state"] == "closed"
        started = await call("update_sprint", sprint_id=6, state="active", end_date="2099-01-01")
        assert started.data["state"] == "active"
        reopened = await call("update_sprint", sprint_id=5, state="active")
        assert reopened.code == "VALIDATION_ERROR"
        renamed = await call("update_sprint", sprint_id=new_id, name="Sprint Seven", goal="Ship it")
        assert renamed.data["name"] == "Sprint Seven"
        bad_dates = await call("update_sprint", sprint_id=new_id, start_date="2026-12-10", end_date="2026-12-01")
        assert bad_dates.code == "VALIDATION_ERROR"
        moved = await call("move_issues_to_sprint", sprint_id=6, issue_keys=["ENG-29", "ENG-30"])
        assert not moved.is_error and 6 in sandbox.store.issues["ENG-29"].sprint_ids
        assert (await call("move_issues_to_sprint", sprint_id=1, issue_keys=["ENG-29"])).code == "VALIDATION_ERROR"
        back = await call("move_issues_to_backlog", issue_keys=["ENG-29"])
        assert not back.is_error and 6 not in sandbox.store.issues["ENG-29"].sprint_ids
        assert (await call("move_issues_to_sprint", sprint_id=6, issue_keys=["bad"])).code == "VALIDATION_ERROR"
    assert [e.type for e in app.services.events.recent] == [
        "sprint.created",
        "sprint.closed",
        "sprint.started",
        "sprint.updated",
        "sprint.issues_moved",
        "sprint.issues_moved",
    ]


async def test_epics_with_progress(call: Callable[..., Any]) -> None:
    epics = await call("list_epics", board_id=1)
    by_key = {e["key"]: e for e in epics.data["epics"]}
    # ENG-3 "Web dashboard": Dashboard 8 ✓, Charts 5 ✓, Dark mode 2, Export 4 ✓, tooltip bug 3 ✓ and four
    # backlog items (3 + 2 + 1 + 8 points, open) → 4/9 issues, 20/36 points.
    assert by_key["ENG-3"] == {
        "key": "ENG-3",
        "name": "Web dashboard",
        "done": False,
        "issues_done": 4,
        "issues_total": 9,
        "points_done": 20.0,
        "points_total": 36.0,
    }
    assert by_key["ENG-1"]["done"] is True
    assert [e["key"] for e in (await call("list_epics", board_id=1, done=True)).data["epics"]] == ["ENG-1"]
    children = await call("get_epic_issues", epic_key="ENG-3")
    assert len(children.data["issues"]) == 9 and children.data["epic"]["points_done"] == 20
    assert (await call("get_epic_issues", epic_key="ENG-6")).code == "ISSUE_NOT_FOUND"


async def test_sprint_reports_match_hand_computed_figures(call: Callable[..., Any]) -> None:
    # Sprint 2: committed 8+5+3+5+5 = 26; the 5-point "Audit log" is unfinished → completed 21, carried over.
    s2 = (await call("get_sprint_report", sprint_id=2)).data
    assert (s2["committed_points"], s2["completed_points"], s2["committed_issues"]) == (26, 21, 5)
    assert [i["key"] for i in s2["carry_over"]] == ["ENG-13"]
    # Sprint 3: at start Dashboard 8, Charts 5, Dark mode 2, Export 4 and the carried Audit log 5 = 24.
    # The 3-point tooltip bug is added on day 3; Dark mode is removed on day 5. Done at close: Audit log 5,
    # Dashboard 8, Charts 5, tooltip 3 = 21; Export (4) carries over. Completion 21/24 = 0.875.
    s3 = (await call("get_sprint_report", sprint_id=3)).data
    assert (s3["committed_points"], s3["completed_points"], s3["completion_ratio"]) == (24, 21, 0.875)
    assert [i["key"] for i in s3["added_after_start"]] == ["ENG-18"]
    assert [i["key"] for i in s3["removed"]] == ["ENG-16"]
    assert [i["key"] for i in s3["carry_over"]] == ["ENG-17"]
    assert {i["key"] for i in s3["completed"]} == {"ENG-13", "ENG-14", "ENG-15", "ENG-18"}
    # Sprint 5 is active: nothing carries over yet; 5 + 3 + 5 points are done of 24 committed.
    s5 = (await call("get_sprint_report", sprint_id=5)).data
    assert (s5["committed_points"], s5["completed_points"], s5["carry_over"]) == (24, 13, [])
    assert (await call("get_sprint_report", sprint_id=404)).code == "SPRINT_NOT_FOUND"


async def test_velocity(call: Callable[..., Any]) -> None:
    result = await call("get_velocity", board_id=1)
    rows = [(s["name"], s["committed"], s["completed"]) for s in result.data["sprints"]]
    assert rows == [
        ("ENG Sprint 1", 21, 21),
        ("ENG Sprint 2", 26, 21),
        ("ENG Sprint 3", 24, 21),
        ("ENG Sprint 4", 23, 23),
    ]
    assert result.data["average_completed"] == 21.5 and result.data["trend"] == "flat"
    last_two = await call("get_velocity", board_id=1, limit=2)
    assert [s["id"] for s in last_two.data["sprints"]] == [3, 4]
    assert (await call("get_velocity", board_id=2)).code == "VALIDATION_ERROR"


async def test_closed_items_and_announcement(call: Callable[..., Any]) -> None:
    closed = await call("get_closed_items", board_ids=[1, 2])
    # Last 7 days: ENG sprint 5 finished 3 (2 stories, 1 bug); OPS finished 8 (index % 12 < 6.5 and Done).
    assert closed.data["total"] == 11
    assert closed.data["by_type"] == {"Bug": 5, "Task": 4, "Story": 2}
    assert closed.data["by_epic"]["ENG-4 Release 1.1 hardening"] == ["ENG-26", "ENG-22", "ENG-23"]
    assert sum(closed.data["contributors"].values()) == 11
    wide = await call("get_closed_items", board_ids=[2], days=30)
    assert wide.data["total"] == 12
    draft = await call("scaffold_announcement", board_ids=[1, 2], format="both")
    text = draft.text
    assert text.startswith("# What's new") and "## Release 1.1 hardening" in text and "## Bug fixes" in text
    assert "Release notes generator (ENG-22)" in text and "# Blog outline" in text and "## Credits" in text
    again = await call("scaffold_announcement", board_ids=[1, 2], format="both")
    assert again.text == text  # deterministic
    assert (await call("get_closed_items", board_ids=[77])).code == "BOARD_NOT_FOUND"


async def test_board_config_and_sprint_lists_are_cached(call: Callable[..., Any], sandbox: SandboxApp) -> None:
    await call("get_board", board_id=1)
    await call("get_board", board_id=1)
    await call("list_sprints", board_id=1)
    await call("list_sprints", board_id=1)
    assert sandbox.count("GET", "/rest/agile/1.0/board/1/configuration") == 1
    assert sandbox.count("GET", "/rest/agile/1.0/board/1/sprint") == 1


async def test_whitelist_refuses_other_boards(
    make_app: Callable[..., Any], connect: Callable[..., Any], call_tool: Callable[..., Any]
) -> None:
    async with connect(make_app(PLUGIN, jira_project_whitelist=["OPS"])) as client:
        assert (await call_tool(client, "get_board", board_id=1)).code == "PROJECT_NOT_ALLOWED"
        boards = await call_tool(client, "list_boards")
        assert [b["id"] for b in boards.data["boards"]] == [2]
