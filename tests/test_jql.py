"""The sandbox's JQL subset, as table tests over the seed data (through the HTTP API).

Expected counts are worked out from the seed definitions in ``jira_mcp/sandbox/seed.py``.
"""

from __future__ import annotations

import httpx
import pytest
from jira_mcp.sandbox import CREDENTIALS, SandboxApp
from jira_mcp.sandbox.jql import JqlError, parse_jql

pytestmark = pytest.mark.anyio


async def search(sandbox: SandboxApp, jql: str) -> tuple[int, list[str], dict]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(sandbox),
        base_url="http://sandbox",
        auth=(CREDENTIALS["email"], CREDENTIALS["api_token"]),
    ) as client:
        response = await client.post(
            "/rest/api/3/search/jql", json={"jql": jql, "maxResults": 500, "fields": ["summary"]}
        )
    body = response.json()
    return response.status_code, [i["key"] for i in body.get("issues", [])], body


@pytest.mark.parametrize(
    ("jql", "expected"),
    [
        ("project = OPS", 24),
        ("project in (OPS, MKT)", 37),
        ("project = ENG AND issuetype = Epic", 4),
        ("project = ENG AND type = Epic AND status = Done", 1),
        ("project = OPS AND status = Done", 12),
        ("project = OPS AND status != Done", 12),
        ('project = OPS AND statusCategory = "In Progress"', 8),
        ("project = OPS AND NOT status = Done", 12),
        ("sprint = 5", 5),
        ("sprint in openSprints()", 7),
        ("sprint in closedSprints() AND project = ENG", 16),  # the removed issue left its sprint
        ("project = MKT AND labels = launch", 7),
        ("project = ENG AND labels in (ux, backend)", 11),
        ("project = ENG AND labels is EMPTY AND issuetype = Bug", 6),
        ("assignee = currentUser() AND project = OPS", 4),
        ('assignee = "bob@example.com" AND project = OPS', 4),
        ("assignee is EMPTY", 6),
        ("project = ENG AND (priority = High OR priority = Highest) AND issuetype != Epic", 12),
        ('summary ~ "dashboard"', 4),
        ('text ~ "acceptance criteria" AND project = MKT', 13),
        ("resolved >= -7d AND statusCategory = Done", 15),
        ("created >= -490h AND project = MKT", 7),
        ("parent = ENG-3", 9),
        ('"Epic Link" = ENG-1', 8),
        ("component = Monitoring", 12),
        ("project = ENG ORDER BY priority DESC, key ASC", 47),
    ],
)
async def test_jql_table(sandbox: SandboxApp, jql: str, expected: int) -> None:
    status, keys, body = await search(sandbox, jql)
    assert status == 200, body
    assert len(keys) == expected, keys


@pytest.mark.parametrize(
    ("jql", "message"),
    [
        ("foo = bar", "Field 'foo' does not exist"),
        ("project = ", "Expecting either a value, list or function"),
        ("project = ENG AND (status = Done", "Expecting ')'"),
        ("project ~ ENG", "The operator '~' is not supported by the 'project' field."),
        ("status WAS Done", "not supported"),
        ('created > "yesterday"', "Date value 'yesterday'"),
        ("project = ENG status = Done", "Expecting either 'OR' or 'AND'"),
        ("assignee = bogusFunction()", "Unable to find JQL function"),
        ("", "Unbounded JQL queries are not allowed"),
    ],
)
async def test_jql_errors_are_jira_400s(sandbox: SandboxApp, jql: str, message: str) -> None:
    status, _, body = await search(sandbox, jql)
    assert status == 400
    assert message in body["errorMessages"][0]


async def test_order_by(sandbox: SandboxApp) -> None:
    _, keys, _ = await search(sandbox, "project = OPS ORDER BY key DESC")
    assert keys[0] == "OPS-24" and keys[-1] == "OPS-1"


def test_parse_errors_without_http() -> None:
    with pytest.raises(JqlError):
        parse_jql("project in ENG")
    assert parse_jql("ORDER BY created").predicate is None
