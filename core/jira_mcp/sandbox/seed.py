"""The sandbox's seed organisation: deterministic for a given "now".

Four projects (ENG with a scrum board and a full sprint history, OPS with a kanban board, MKT, SUP),
~100 issues across types, statuses, priorities, assignees, labels and components, epics with
children, rich ADF comments, and resolutions inside the last weeks. The scrum history has scope
change (an issue added after sprint start, one removed) and carry-over, with the expected report
figures worked out by hand in the boards plugin's tests.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

__all__ = ["CREDENTIALS", "SeedIssue", "SeedSprint", "build_seed"]

# Sandbox credentials: accepted by the sandbox only. Not secrets (they open nothing real).
CREDENTIALS = {
    "email": "alice@example.com",
    "api_token": "sandbox-api-token-0123456789abcdef",
    "personal_token": "sandbox-pat-0123456789abcdef0123",
}

USERS = [
    ("acc-alice", "Alice Admin", "alice@example.com"),
    ("acc-bob", "Bob Builder", "bob@example.com"),
    ("acc-carol", "Carol Chen", "carol@example.com"),
    ("acc-dan", "Dan Dev", "dan@example.com"),
    ("acc-erin", "Erin Engineer", "erin@example.com"),
    ("acc-frank", "Frank Fox", "frank@example.com"),
]

PROJECTS: list[dict[str, Any]] = [
    {
        "key": "ENG",
        "id": "10000",
        "name": "Engineering Platform",
        "lead": "acc-alice",
        "components": ["API", "Web", "Infra"],
        "versions": [("1.0", True), ("1.1", False)],
    },
    {
        "key": "OPS",
        "id": "10001",
        "name": "Operations",
        "lead": "acc-bob",
        "components": ["Monitoring", "Deploy"],
        "versions": [],
    },
    {
        "key": "MKT",
        "id": "10002",
        "name": "Marketing",
        "lead": "acc-carol",
        "components": ["Website", "Content"],
        "versions": [],
    },
    {"key": "SUP", "id": "10003", "name": "Customer Support", "lead": "acc-erin", "components": [], "versions": []},
]


@dataclass
class SeedSprint:
    id: int
    name: str
    state: str
    start: datetime | None
    end: datetime | None
    complete: datetime | None
    goal: str = ""
    board_id: int = 1


@dataclass
class SeedIssue:
    project: str
    type: str
    summary: str
    status: str = "To Do"
    priority: str = "Medium"
    assignee: str | None = None
    reporter: str = "acc-alice"
    labels: list[str] = field(default_factory=list)
    components: list[str] = field(default_factory=list)
    points: float | None = None
    created: datetime | None = None
    resolved: datetime | None = None
    parent: str | None = None  # summary-independent: key assigned later, so an index into the list
    epic_index: int | None = None
    # Sprint membership history: list of (time, sprint id, added: bool)
    sprint_events: list[tuple[datetime, int, bool]] = field(default_factory=list)
    description: str = ""
    comments: list[tuple[str, str, datetime]] = field(default_factory=list)  # (author, markdown, when)
    status_history: list[tuple[datetime, str, str]] = field(default_factory=list)  # (when, from, to)


def build_seed(now: datetime) -> tuple[list[SeedSprint], list[SeedIssue]]:
    rng = random.Random(20261204)
    day = timedelta(days=1)
    s = [
        SeedSprint(
            1, "ENG Sprint 1", "closed", now - 63 * day, now - 49 * day, now - 49 * day, "Ship the API skeleton"
        ),
        SeedSprint(2, "ENG Sprint 2", "closed", now - 49 * day, now - 35 * day, now - 35 * day, "Authentication"),
        SeedSprint(3, "ENG Sprint 3", "closed", now - 35 * day, now - 21 * day, now - 21 * day, "Web dashboard"),
        SeedSprint(4, "ENG Sprint 4", "closed", now - 21 * day, now - 7 * day, now - 7 * day, "Hardening"),
        SeedSprint(5, "ENG Sprint 5", "active", now - 7 * day, now + 7 * day, None, "Release 1.1"),
        SeedSprint(6, "ENG Sprint 6", "future", None, None, None, ""),
    ]
    issues: list[SeedIssue] = []
    people = [u[0] for u in USERS]

    epics = [
        ("API platform", ["api"]),
        ("Authentication", ["security"]),
        ("Web dashboard", ["frontend"]),
        ("Release 1.1 hardening", ["reliability"]),
    ]
    for index, (name, labels) in enumerate(epics):
        issues.append(
            SeedIssue(
                "ENG",
                "Epic",
                name,
                status="In Progress" if index else "Done",
                priority="High",
                assignee=people[index],
                labels=labels,
                created=now - (80 - index) * day,
                resolved=now - 40 * day if index == 0 else None,
                description=f"Epic for **{name}**.\n\n- scope agreed with product\n- owner: team",
            )
        )

    def sprint_issue(
        summary: str,
        sprint: SeedSprint,
        points: float,
        *,
        done: bool,
        typ: str = "Story",
        epic: int = 0,
        added_after: float | None = None,
        removed_after: float | None = None,
        carried_to: SeedSprint | None = None,
        done_in: SeedSprint | None = None,
        assignee: str | None = None,
        labels: list[str] | None = None,
    ) -> SeedIssue:
        assert sprint.start is not None and sprint.complete is not None
        created = sprint.start - 3 * day
        issue = SeedIssue(
            "ENG",
            typ,
            summary,
            points=points,
            epic_index=epic,
            created=created,
            assignee=assignee or people[(len(issues) * 7) % len(people)],
            priority=["High", "Medium", "Low", "Medium"][len(issues) % 4],
            labels=labels or [],
            components=[["API", "Web", "Infra"][len(issues) % 3]],
        )
        join = sprint.start - 1 * day if added_after is None else sprint.start + added_after * day
        issue.sprint_events.append((join, sprint.id, True))
        if removed_after is not None:
            issue.sprint_events.append((sprint.start + removed_after * day, sprint.id, False))
        if done:
            when = sprint.start + (3 + len(issues) % 9) * day
            if added_after is not None:
                when = sprint.start + (added_after + 2) * day
            issue.status, issue.resolved = "Done", when
            issue.status_history = [(sprint.start + 1 * day, "To Do", "In Progress"), (when, "In Progress", "Done")]
        if carried_to is not None:
            assert carried_to.start is not None
            issue.sprint_events.append((carried_to.start - 0.5 * day, carried_to.id, True))
            issue.status_history = [(sprint.start + 2 * day, "To Do", "In Progress")]
            issue.status = "In Progress"
            finish = done_in or None
            if finish is not None and finish.start is not None:
                when = finish.start + 4 * day
                issue.status, issue.resolved = "Done", when
                issue.status_history.append((when, "In Progress", "Done"))
        issues.append(issue)
        return issue

    s1, s2, s3, s4, _s5, _s6 = s
    # Sprint 1: 21 committed, all done.
    for summary, pts in (
        ("Define REST resource model", 5),
        ("Health and readiness endpoints", 3),
        ("CI pipeline for the API", 8),
        ("Structured logging", 5),
    ):
        sprint_issue(summary, s1, pts, done=True, epic=0)
    # Sprint 2: 26 committed, 21 done, one 5-pointer carried into sprint 3 (and finished there).
    for summary, pts in (
        ("Login with SSO", 8),
        ("Token refresh", 5),
        ("Password reset e-mail", 3),
        ("Session timeout setting", 5),
    ):
        sprint_issue(summary, s2, pts, done=True, epic=1)
    sprint_issue("Audit log of sign-ins", s2, 5, done=False, epic=1, carried_to=s3, done_in=s3)
    # Sprint 3: committed 24 (incl. the 5-point carry-over), one 3-pointer added on day 3, one 2-pointer
    # removed on day 5; completed 21 (8 + 5 + the carried 5 + the added 3); the 4-pointer carries over.
    for summary, pts in (("Dashboard layout", 8), ("Charts for sprint velocity", 5)):
        sprint_issue(summary, s3, pts, done=True, epic=2)
    sprint_issue("Dark mode", s3, 2, done=False, epic=2, removed_after=5)
    sprint_issue("Export dashboard as CSV", s3, 4, done=False, epic=2, carried_to=s4, done_in=s4)
    sprint_issue("Fix chart tooltip overflow", s3, 3, done=True, typ="Bug", epic=2, added_after=3)
    # Sprint 4: committed 23 (4 carried + 19), all done.
    for summary, pts in (("Rate limit the public API", 8), ("Retry with backoff", 6), ("Chaos test suite", 5)):
        sprint_issue(summary, s4, pts, done=True, epic=3, labels=["reliability"])
    # Sprint 5 (active): a mix, some already done in the last days.
    active = [
        ("Release notes generator", 5, True),
        ("Upgrade HTTP client", 3, True),
        ("Runbook for on-call", 3, False),
        ("Load test 500 rps", 8, False),
        ("Fix memory leak in worker", 5, True),
    ]
    for summary, pts, done in active:
        typ = "Bug" if "Fix" in summary else "Story"
        issue = SeedIssue(
            "ENG",
            typ,
            summary,
            points=pts,
            epic_index=3,
            created=now - 10 * day,
            assignee=people[len(issues) % len(people)],
            components=["API"],
            priority="High" if typ == "Bug" else "Medium",
            labels=["release-1.1"],
        )
        issue.sprint_events.append((now - 7 * day, 5, True))
        if done:
            when = now - (1 + len(issues) % 5) * day
            issue.status, issue.resolved = "Done", when
            issue.status_history = [(now - 6 * day, "To Do", "In Progress"), (when, "In Progress", "Done")]
        elif summary.startswith("Runbook"):
            issue.status = "In Review"
            issue.status_history = [
                (now - 5 * day, "To Do", "In Progress"),
                (now - 1 * day, "In Progress", "In Review"),
            ]
        else:
            issue.status = "In Progress"
            issue.status_history = [(now - 4 * day, "To Do", "In Progress")]
        issues.append(issue)
    # Sprint 6 (future) and backlog.
    for summary, pts in (("Multi-region failover", 13), ("Plugin marketplace", 8)):
        issue = SeedIssue(
            "ENG",
            "Story",
            summary,
            points=pts,
            epic_index=3,
            created=now - 12 * day,
            labels=["roadmap"],
            components=["Infra"],
        )
        issue.sprint_events.append((now - 2 * day, 6, True))
        issues.append(issue)
    backlog_topics = [
        "Improve error messages",
        "Cache warm-up",
        "Accessibility audit",
        "Localisation",
        "Webhook retries",
        "GraphQL gateway",
        "Search relevance",
        "Bulk edit",
        "Archive old data",
        "Usage analytics",
        "Admin settings page",
        "Keyboard shortcuts",
        "Mobile layout",
        "Email digest",
        "Rate limit headers",
        "SLA reports",
    ]
    for index, topic in enumerate(backlog_topics):
        typ = ["Story", "Task", "Bug"][index % 3]
        issues.append(
            SeedIssue(
                "ENG",
                typ,
                topic,
                points=[1, 2, 3, 5, 8][index % 5],
                epic_index=index % 4,
                priority=["Low", "Medium", "High", "Lowest", "Highest"][index % 5],
                assignee=None if index % 4 == 0 else people[index % len(people)],
                created=now - (30 - index) * day,
                labels=[["ux"], ["backend"], []][index % 3],
                components=[["Web"], ["API"], ["Infra"]][index % 3],
            )
        )

    # OPS: kanban flow with recent resolutions.
    ops_topics = [
        "Rotate TLS certificates",
        "Alert on disk usage",
        "Patch base images",
        "Upgrade Postgres",
        "On-call handover doc",
        "Grafana dashboard for API",
        "Backup restore drill",
        "Tune autoscaling",
        "Clean up old DNS records",
        "Move logs to cold storage",
        "Incident review INC-42",
        "Renew domain",
        "Load balancer health checks",
        "Secrets rotation",
        "Kernel update",
        "Cost report",
        "VPN access for contractors",
        "Runbook: Jira token expiry",
        "Pager test",
        "Log sampling",
        "Migrate cron jobs",
        "Blue/green deploy",
        "Synthetic checks",
        "SLO review",
    ]
    for index, topic in enumerate(ops_topics):
        status = ["Done", "Done", "In Progress", "To Do", "Done", "In Review"][index % 6]
        created = now - (40 - index) * day
        resolved = now - (index % 12 + 0.5) * day if status == "Done" else None
        issue = SeedIssue(
            "OPS",
            ["Task", "Bug", "Task"][index % 3],
            topic,
            status=status,
            priority=["Medium", "High", "Highest", "Low"][index % 4],
            assignee=people[(index + 1) % len(people)],
            reporter=people[(index + 2) % len(people)],
            labels=[["infra"], ["security"], ["toil"], []][index % 4],
            components=[["Monitoring"], ["Deploy"]][index % 2],
            created=created,
            resolved=resolved,
        )
        if status != "To Do":
            issue.status_history.append((created + 1 * day, "To Do", "In Progress"))
        if status == "In Review":
            issue.status_history.append((created + 3 * day, "In Progress", "In Review"))
        if status == "Done" and resolved is not None:
            issue.status_history.append((resolved, "In Progress", "Done"))
        issues.append(issue)

    # MKT: no board; a few epics with children.
    mkt_epic_index = len(issues)
    issues.append(
        SeedIssue(
            "MKT",
            "Epic",
            "Launch campaign 1.1",
            status="In Progress",
            priority="High",
            assignee="acc-carol",
            created=now - 30 * day,
            labels=["launch"],
        )
    )
    mkt_topics = [
        "Blog post: what's new in 1.1",
        "Landing page refresh",
        "Customer webinar",
        "Press kit",
        "Social media calendar",
        "Case study with ACME",
        "Newsletter December",
        "Pricing page copy",
        "Demo video",
        "Partner announcement",
        "SEO audit",
        "Event booth design",
    ]
    for index, topic in enumerate(mkt_topics):
        status = ["To Do", "In Progress", "Done"][index % 3]
        created = now - (25 - index) * day
        resolved = now - (index % 6 + 1) * day if status == "Done" else None
        issue = SeedIssue(
            "MKT",
            "Task",
            topic,
            status=status,
            assignee=people[(index + 2) % len(people)],
            reporter="acc-carol",
            labels=["launch"] if index < 6 else [],
            components=[["Website"], ["Content"]][index % 2],
            created=created,
            resolved=resolved,
            priority=["Medium", "Low", "High"][index % 3],
        )
        issue.parent = str(mkt_epic_index)
        if status != "To Do":
            issue.status_history.append((created + 1 * day, "To Do", "In Progress"))
        if resolved is not None:
            issue.status_history.append((resolved, "In Progress", "Done"))
        issues.append(issue)

    # SUP: open support tickets, all assigned, nothing resolved (no board).
    sup_topics = [
        "Cannot log in after password reset",
        "Export times out for large projects",
        "Wrong timezone in reports",
        "Invoice shows old plan",
        "SSO redirect loop",
        "Slow search on mobile",
        "API key rotation question",
        "Webhook not firing",
        "Missing attachments",
        "CSV import fails on UTF-8 BOM",
        "Two-factor codes rejected",
        "Locked out of workspace",
        "Duplicate notifications",
        "Broken link in welcome e-mail",
        "Data residency question",
        "Feature request: dark theme",
    ]
    for index, topic in enumerate(sup_topics):
        issues.append(
            SeedIssue(
                "SUP",
                ["Bug", "Task"][index % 2],
                topic,
                status=["To Do", "In Progress"][index % 2],
                priority=["High", "Medium", "Low"][index % 3],
                assignee=people[(index + 4) % len(people)],
                reporter="acc-erin",
                created=now - (20 - index) * day,
            )
        )
        if index % 2:
            issues[-1].status_history.append((now - (19 - index) * day, "To Do", "In Progress"))

    # Sub-tasks under two ENG stories.
    for parent_index, names in ((4, ["Write OpenAPI schema", "Review with team"]), (9, ["Backend endpoint"])):
        for name in names:
            issues.append(
                SeedIssue(
                    "ENG",
                    "Sub-task",
                    name,
                    status="Done",
                    assignee="acc-dan",
                    created=now - 60 * day,
                    resolved=now - 50 * day,
                    parent=str(parent_index),
                )
            )

    # Descriptions and rich comments.
    for index, issue in enumerate(issues):
        if not issue.description:
            issue.description = (
                f"{issue.summary}.\n\n## Acceptance criteria\n\n- works for **all** users\n- covered by tests\n"
                f"  - unit\n  - integration\n\nSee [the design doc](https://example.com/docs/{index})."
            )
        if issue.created is None:
            issue.created = now - 30 * day
        if index % 3 == 0:
            author = people[(index + 3) % len(people)]
            when = issue.created + 2 * day
            issue.comments.append(
                (
                    author,
                    "Looks good. Steps to reproduce:\n\n1. open the page\n2. click *Save*\n\n"
                    "```python\nprint('hello')\n```",
                    when,
                )
            )
            issue.comments.append(
                (
                    "acc-alice",
                    "[@Bob Builder](mention:acc-bob) can you take a look? Context: `retry=3` is too low.",
                    when + 1 * day,
                )
            )
        if index % 7 == 0:
            issue.comments.append(
                (people[index % len(people)], f"Update {rng.randint(1, 9)}: still on track.", issue.created + 3 * day)
            )
    return s, issues
