"""The sandbox's state: Jira-shaped projects, users, fields, issues, boards and sprints, in memory."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from jira_mcp.jira.adf import adf_to_text, markdown_to_adf
from jira_mcp.sandbox.seed import PROJECTS, USERS, SeedIssue, build_seed

__all__ = ["FIELDS", "STATUSES", "SandboxStore", "jira_time", "parse_time"]

STATUSES = {
    "To Do": {
        "id": "10000",
        "name": "To Do",
        "statusCategory": {"id": 2, "key": "new", "name": "To Do", "colorName": "blue-gray"},
    },
    "In Progress": {
        "id": "3",
        "name": "In Progress",
        "statusCategory": {"id": 4, "key": "indeterminate", "name": "In Progress", "colorName": "yellow"},
    },
    "In Review": {
        "id": "10001",
        "name": "In Review",
        "statusCategory": {"id": 4, "key": "indeterminate", "name": "In Progress", "colorName": "yellow"},
    },
    "Done": {
        "id": "10002",
        "name": "Done",
        "statusCategory": {"id": 3, "key": "done", "name": "Done", "colorName": "green"},
    },
}
TRANSITIONS = [
    ("11", "To Do", "To Do"),
    ("21", "Start Progress", "In Progress"),
    ("31", "Review", "In Review"),
    ("41", "Done", "Done"),
]
ISSUE_TYPES = {
    "Epic": {"id": "10000", "name": "Epic", "subtask": False, "hierarchyLevel": 1},
    "Story": {"id": "10001", "name": "Story", "subtask": False, "hierarchyLevel": 0},
    "Task": {"id": "10002", "name": "Task", "subtask": False, "hierarchyLevel": 0},
    "Bug": {"id": "10003", "name": "Bug", "subtask": False, "hierarchyLevel": 0},
    "Sub-task": {"id": "10004", "name": "Sub-task", "subtask": True, "hierarchyLevel": -1},
}
PRIORITIES = {
    name: {"id": str(i + 1), "name": name} for i, name in enumerate(["Highest", "High", "Medium", "Low", "Lowest"])
}
RESOLUTIONS = {
    "Done": {"id": "10000", "name": "Done"},
    "Won't Do": {"id": "10001", "name": "Won't Do"},
    "Duplicate": {"id": "10002", "name": "Duplicate"},
}
LINK_TYPES = [
    {"id": "10000", "name": "Blocks", "inward": "is blocked by", "outward": "blocks"},
    {"id": "10001", "name": "Cloners", "inward": "is cloned by", "outward": "clones"},
    {"id": "10002", "name": "Duplicate", "inward": "is duplicated by", "outward": "duplicates"},
    {"id": "10003", "name": "Relates", "inward": "relates to", "outward": "relates to"},
]


def _f(
    fid: str, name: str, type_: str, custom: bool = False, items: str | None = None, custom_type: str | None = None
) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": type_}
    if items:
        schema["items"] = items
    if custom:
        schema["custom"] = custom_type or "com.atlassian.jira.plugin.system.customfieldtypes:float"
        schema["customId"] = int(fid.split("_")[1])
    else:
        schema["system"] = fid
    return {
        "id": fid,
        "key": fid,
        "name": name,
        "custom": custom,
        "orderable": True,
        "navigable": True,
        "searchable": True,
        "clauseNames": [name.lower()],
        "schema": schema,
    }


FIELDS = [
    _f("summary", "Summary", "string"),
    _f("description", "Description", "string"),
    _f("issuetype", "Issue Type", "issuetype"),
    _f("project", "Project", "project"),
    _f("status", "Status", "status"),
    _f("priority", "Priority", "priority"),
    _f("assignee", "Assignee", "user"),
    _f("reporter", "Reporter", "user"),
    _f("creator", "Creator", "user"),
    _f("labels", "Labels", "array", items="string"),
    _f("components", "Components", "array", items="component"),
    _f("fixVersions", "Fix versions", "array", items="version"),
    _f("created", "Created", "datetime"),
    _f("updated", "Updated", "datetime"),
    _f("resolutiondate", "Resolved", "datetime"),
    _f("resolution", "Resolution", "resolution"),
    _f("duedate", "Due date", "date"),
    _f("parent", "Parent", "issuelink"),
    _f("subtasks", "Sub-tasks", "array", items="issuelinks"),
    _f("issuelinks", "Linked Issues", "array", items="issuelinks"),
    _f("comment", "Comment", "comments-page"),
    _f("worklog", "Log Work", "array", items="worklog"),
    _f("timetracking", "Time tracking", "timetracking"),
    _f("customfield_10016", "Story point estimate", "number", custom=True),
    _f(
        "customfield_10020",
        "Sprint",
        "array",
        custom=True,
        items="json",
        custom_type="com.pyxis.greenhopper.jira:gh-sprint",
    ),
    _f("customfield_10014", "Epic Link", "any", custom=True, custom_type="com.pyxis.greenhopper.jira:gh-epic-link"),
    _f(
        "customfield_10001",
        "Team",
        "option",
        custom=True,
        custom_type="com.atlassian.jira.plugin.system.customfieldtypes:select",
    ),
]
TEAM_OPTIONS = [
    {"id": "20000", "value": "Platform"},
    {"id": "20001", "value": "Growth"},
    {"id": "20002", "value": "SRE"},
]


def jira_time(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}+0000"


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    for fmt in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%d"):
        try:
            value = datetime.strptime(text.replace("Z", "+0000") if fmt.endswith("%z") else text, fmt)
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


@dataclass
class Issue:
    id: str
    key: str
    fields: dict[str, Any]
    comments: list[dict[str, Any]] = field(default_factory=list)
    worklogs: list[dict[str, Any]] = field(default_factory=list)
    changelog: list[dict[str, Any]] = field(default_factory=list)
    sprint_ids: list[int] = field(default_factory=list)


class SandboxStore:
    """All sandbox state. ``now`` anchors the seed's relative dates."""

    def __init__(self, base_url: str = "http://127.0.0.1", now: datetime | None = None) -> None:
        self.base_url = base_url
        self.now = now or datetime.now(UTC).replace(microsecond=0)
        self.users: dict[str, dict[str, Any]] = {
            aid: {
                "accountId": aid,
                "displayName": name,
                "emailAddress": email,
                "active": True,
                "accountType": "atlassian",
                "timeZone": "UTC",
                "name": aid.removeprefix("acc-"),
            }
            for aid, name, email in USERS
        }
        self.projects = {p["key"]: self._project(p) for p in PROJECTS}
        self.issues: dict[str, Issue] = {}
        self.ids = itertools.count(10001)
        self.comment_ids = itertools.count(30001)
        self.worklog_ids = itertools.count(40001)
        self.link_ids = itertools.count(50001)
        self.changelog_ids = itertools.count(60001)
        self.links: dict[str, dict[str, Any]] = {}
        self.counters = {key: 0 for key in self.projects}
        self.boards: dict[int, dict[str, Any]] = {
            1: {
                "id": 1,
                "name": "ENG Scrum",
                "type": "scrum",
                "project": "ENG",
                "filter_id": "10100",
                "jql": "project = ENG ORDER BY Rank ASC",
            },
            2: {
                "id": 2,
                "name": "OPS Kanban",
                "type": "kanban",
                "project": "OPS",
                "filter_id": "10101",
                "jql": "project = OPS ORDER BY Rank ASC",
            },
        }
        self.sprints: dict[int, dict[str, Any]] = {}
        self.sprint_seq = itertools.count(7)
        self._seed()

    # Construction -----------------------------------------------------------------------
    def _project(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": p["id"],
            "key": p["key"],
            "name": p["name"],
            "projectTypeKey": "software",
            "simplified": False,
            "style": "classic",
            "lead": self.users[p["lead"]],
            "issueTypes": list(ISSUE_TYPES.values()),
            "components": [
                {"id": str(11000 + i + int(p["id"]) * 10), "name": n} for i, n in enumerate(p["components"])
            ],
            "versions": [
                {
                    "id": str(12000 + i + int(p["id"]) * 10),
                    "name": n,
                    "released": r,
                    "archived": False,
                    "projectId": int(p["id"]),
                }
                for i, (n, r) in enumerate(p["versions"])
            ],
            "description": f"{p['name']} project",
        }

    def _seed(self) -> None:
        sprints, seeds = build_seed(self.now)
        for s in sprints:
            self.sprints[s.id] = {
                "id": s.id,
                "state": s.state,
                "name": s.name,
                "originBoardId": s.board_id,
                "goal": s.goal,
                **({"startDate": jira_time(s.start)} if s.start else {}),
                **({"endDate": jira_time(s.end)} if s.end else {}),
                **({"completeDate": jira_time(s.complete)} if s.complete else {}),
                "createdDate": jira_time((s.start or self.now) - (self.now - self.now.replace(hour=0))),
            }
        keys: list[str] = []
        for seed in seeds:
            keys.append(self._seed_issue(seed, keys, seeds))

    def _seed_issue(self, seed: SeedIssue, keys: list[str], seeds: list[SeedIssue]) -> str:
        assert seed.created is not None
        parent_key = None
        if seed.parent is not None:
            parent_key = keys[int(seed.parent)]
        elif seed.epic_index is not None:
            epics = [k for k, s in zip(keys, seeds, strict=False) if s.type == "Epic" and s.project == seed.project]
            parent_key = epics[seed.epic_index] if seed.epic_index < len(epics) else None
        issue = self._new_issue(
            seed.project,
            seed.type,
            seed.summary,
            markdown_to_adf(seed.description),
            reporter=seed.reporter,
            created=seed.created,
        )
        f = issue.fields
        f["priority"] = PRIORITIES[seed.priority]
        f["assignee"] = self.users.get(seed.assignee) if seed.assignee else None
        f["labels"] = list(seed.labels)
        f["components"] = [c for c in self.projects[seed.project]["components"] if c["name"] in seed.components]
        f["customfield_10016"] = seed.points
        if seed.project == "ENG":
            f["customfield_10001"] = TEAM_OPTIONS[0]
        elif seed.project == "OPS":
            f["customfield_10001"] = TEAM_OPTIONS[2]
        if parent_key:
            self._set_parent(issue, parent_key)
        last = seed.created
        for when, sprint_id, added in sorted(seed.sprint_events):
            before = self._sprint_string(issue.sprint_ids)
            before_ids = ", ".join(str(i) for i in issue.sprint_ids)
            if added and sprint_id not in issue.sprint_ids:
                issue.sprint_ids.append(sprint_id)
            elif not added and sprint_id in issue.sprint_ids:
                issue.sprint_ids.remove(sprint_id)
            self._log(
                issue,
                "acc-alice",
                when,
                [
                    self._item(
                        "Sprint",
                        "custom",
                        "customfield_10020",
                        before_ids,
                        before,
                        ", ".join(str(i) for i in issue.sprint_ids),
                        self._sprint_string(issue.sprint_ids),
                    )
                ],
            )
            last = max(last, when)
        for when, old, new in seed.status_history:
            self._log(
                issue,
                seed.assignee or "acc-alice",
                when,
                [self._item("status", "jira", "status", STATUSES[old]["id"], old, STATUSES[new]["id"], new)],
            )
            last = max(last, when)
        f["status"] = STATUSES[seed.status]
        if seed.status == "Done":
            f["resolution"] = RESOLUTIONS["Done"]
            f["resolutiondate"] = jira_time(seed.resolved or last)
            last = max(last, seed.resolved or last)
        for author, text, when in seed.comments:
            self.add_comment(issue, author, markdown_to_adf(text), when=when)
            last = max(last, when)
        f["updated"] = jira_time(min(last, self.now))
        return issue.key

    def _new_issue(
        self, project: str, type_: str, summary: str, description: Any, *, reporter: str, created: datetime
    ) -> Issue:
        self.counters[project] += 1
        key = f"{project}-{self.counters[project]}"
        issue_id = str(next(self.ids))
        p = self.projects[project]
        fields = {
            "summary": summary,
            "description": description,
            "issuetype": ISSUE_TYPES[type_],
            "project": {"id": p["id"], "key": p["key"], "name": p["name"], "projectTypeKey": "software"},
            "status": STATUSES["To Do"],
            "priority": PRIORITIES["Medium"],
            "assignee": None,
            "reporter": self.users[reporter],
            "creator": self.users[reporter],
            "labels": [],
            "components": [],
            "fixVersions": [],
            "created": jira_time(created),
            "updated": jira_time(created),
            "resolutiondate": None,
            "resolution": None,
            "duedate": None,
            "customfield_10016": None,
            "customfield_10014": None,
            "customfield_10001": None,
        }
        issue = Issue(id=issue_id, key=key, fields=fields)
        self.issues[key] = issue
        return issue

    # Helpers ------------------------------------------------------------------------------
    def _sprint_string(self, ids: list[int]) -> str:
        return ", ".join(self.sprints[i]["name"] for i in ids if i in self.sprints)

    @staticmethod
    def _item(
        field_name: str, field_type: str, field_id: str, from_: Any, from_string: Any, to: Any, to_string: Any
    ) -> dict[str, Any]:
        return {
            "field": field_name,
            "fieldtype": field_type,
            "fieldId": field_id,
            "from": from_ or None,
            "fromString": from_string or None,
            "to": to or None,
            "toString": to_string or None,
        }

    def _log(self, issue: Issue, author: str, when: datetime, items: list[dict[str, Any]]) -> None:
        issue.changelog.append(
            {
                "id": str(next(self.changelog_ids)),
                "author": self.users.get(author),
                "created": jira_time(when),
                "items": items,
            }
        )

    def _set_parent(self, issue: Issue, parent_key: str) -> None:
        parent = self.issues[parent_key]
        issue.fields["parent"] = {
            "id": parent.id,
            "key": parent.key,
            "fields": {
                "summary": parent.fields["summary"],
                "status": parent.fields["status"],
                "priority": parent.fields["priority"],
                "issuetype": parent.fields["issuetype"],
            },
        }
        if parent.fields["issuetype"]["name"] == "Epic":
            issue.fields["customfield_10014"] = parent.key

    def touch(self, issue: Issue) -> None:
        issue.fields["updated"] = jira_time(datetime.now(UTC))

    def find(self, key_or_id: str) -> Issue | None:
        issue = self.issues.get(key_or_id.upper())
        if issue is None:
            issue = next((i for i in self.issues.values() if i.id == key_or_id), None)
        return issue

    def user_by_any(self, value: str | None) -> dict[str, Any] | None:
        if not value:
            return None
        lowered = value.lower()
        for user in self.users.values():
            if lowered in (
                user["accountId"].lower(),
                user["emailAddress"].lower(),
                user["name"].lower(),
                user["displayName"].lower(),
            ):
                return user
        return None

    def sprint_objects(self, issue: Issue) -> list[dict[str, Any]] | None:
        if not issue.sprint_ids:
            return None
        return [
            {
                k: v
                for k, v in self.sprints[i].items()
                if k in ("id", "name", "state", "boardId", "goal", "startDate", "endDate", "completeDate")
            }
            | {"boardId": self.sprints[i]["originBoardId"]}
            for i in issue.sprint_ids
        ]

    def subtasks(self, issue: Issue) -> list[dict[str, Any]]:
        out = []
        for other in self.issues.values():
            parent = other.fields.get("parent")
            if parent and parent["key"] == issue.key and other.fields["issuetype"]["subtask"]:
                out.append(
                    {
                        "id": other.id,
                        "key": other.key,
                        "fields": {
                            "summary": other.fields["summary"],
                            "status": other.fields["status"],
                            "priority": other.fields["priority"],
                            "issuetype": other.fields["issuetype"],
                        },
                    }
                )
        return out

    def issue_links(self, issue: Issue) -> list[dict[str, Any]]:
        out = []
        for link in self.links.values():
            if link["inward"] == issue.key:
                other, direction = link["outward"], "outwardIssue"
            elif link["outward"] == issue.key:
                other, direction = link["inward"], "inwardIssue"
            else:
                continue
            target = self.issues[other]
            out.append(
                {
                    "id": link["id"],
                    "type": link["type"],
                    direction: {
                        "id": target.id,
                        "key": target.key,
                        "fields": {
                            "summary": target.fields["summary"],
                            "status": target.fields["status"],
                            "priority": target.fields["priority"],
                            "issuetype": target.fields["issuetype"],
                        },
                    },
                }
            )
        return out

    def add_comment(
        self,
        issue: Issue,
        author: str,
        body: Any,
        *,
        when: datetime | None = None,
        visibility: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        stamp = jira_time(when or datetime.now(UTC))
        comment = {
            "id": str(next(self.comment_ids)),
            "author": self.users[author],
            "body": body,
            "updateAuthor": self.users[author],
            "created": stamp,
            "updated": stamp,
            "jsdPublic": True,
        }
        if visibility:
            comment["visibility"] = visibility
        issue.comments.append(comment)
        return comment

    def text_of(self, issue: Issue, field_name: str) -> list[str]:
        f = issue.fields
        if field_name == "summary":
            return [f["summary"]]
        if field_name == "description":
            return [adf_to_text(f["description"])]
        if field_name == "comment":
            return [adf_to_text(c["body"]) for c in issue.comments]
        return [f["summary"], adf_to_text(f["description"]), *(adf_to_text(c["body"]) for c in issue.comments)]
