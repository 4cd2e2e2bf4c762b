#!/usr/bin/env python3
"""Maintainer tool: copy the subset of Atlassian's OpenAPI specs that our contract tests use.

Run it by hand when the upstream specs change (it is never run by tests or CI):

    python scripts/extract_openapi_subset.py ../shared/jira-openapi tests/contract/specs

It keeps the listed paths and every component they reference, byte-for-byte otherwise, and records the
source file and its sha256 so the copy can be traced to the upstream file.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

PLATFORM_PATHS = [
    "/rest/api/3/myself",
    "/rest/api/3/serverInfo",
    "/rest/api/3/field",
    "/rest/api/3/status",
    "/rest/api/3/priority",
    "/rest/api/3/resolution",
    "/rest/api/3/filter/{id}",
    "/rest/api/3/search/jql",
    "/rest/api/3/issue",
    "/rest/api/3/issue/bulk",
    "/rest/api/3/issue/{issueIdOrKey}",
    "/rest/api/3/issue/{issueIdOrKey}/transitions",
    "/rest/api/3/issue/{issueIdOrKey}/assignee",
    "/rest/api/3/issue/{issueIdOrKey}/comment",
    "/rest/api/3/issue/{issueIdOrKey}/comment/{id}",
    "/rest/api/3/issue/{issueIdOrKey}/worklog",
    "/rest/api/3/issue/{issueIdOrKey}/changelog",
    "/rest/api/3/issueLink",
    "/rest/api/3/issueLink/{linkId}",
    "/rest/api/3/issueLinkType",
    "/rest/api/3/project/search",
    "/rest/api/3/project/{projectIdOrKey}",
    "/rest/api/3/user/search",
    "/rest/api/3/field/{fieldId}/context",
    "/rest/api/3/field/{fieldId}/context/{contextId}/option",
    "/rest/api/3/project",
    "/rest/api/3/user",
    "/rest/api/3/user/assignable/search",
]
AGILE_PATHS = [
    "/rest/agile/1.0/board",
    "/rest/agile/1.0/board/{boardId}",
    "/rest/agile/1.0/board/{boardId}/configuration",
    "/rest/agile/1.0/board/{boardId}/issue",
    "/rest/agile/1.0/board/{boardId}/backlog",
    "/rest/agile/1.0/board/{boardId}/sprint",
    "/rest/agile/1.0/board/{boardId}/epic",
    "/rest/agile/1.0/epic/{epicIdOrKey}",
    "/rest/agile/1.0/epic/{epicIdOrKey}/issue",
    "/rest/agile/1.0/sprint",
    "/rest/agile/1.0/sprint/{sprintId}",
    "/rest/agile/1.0/sprint/{sprintId}/issue",
    "/rest/agile/1.0/backlog/issue",
    "/rest/agile/1.0/board/{boardId}/project",
    "/rest/agile/1.0/board/{boardId}/epic/{epicId}/issue",
]


def refs(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/"):
            found.add(ref)
        for value in node.values():
            refs(value, found)
    elif isinstance(node, list):
        for value in node:
            refs(value, found)


def subset(spec: dict[str, Any], paths: list[str]) -> dict[str, Any]:
    out = {k: v for k, v in spec.items() if k not in ("paths", "components")}
    out["paths"] = {p: spec["paths"][p] for p in paths if p in spec["paths"]}
    missing = [p for p in paths if p not in spec["paths"]]
    if missing:
        raise SystemExit(f"paths not in the spec: {missing}")
    wanted: set[str] = set()
    refs(out["paths"], wanted)
    done: set[str] = set()
    components: dict[str, dict[str, Any]] = {}
    while wanted - done:
        ref = sorted(wanted - done)[0]
        done.add(ref)
        _, _, kind, name = ref.split("/", 3)
        value = spec["components"][kind][name]
        components.setdefault(kind, {})[name] = value
        refs(value, wanted)
    for kind in ("securitySchemes",):
        if kind in spec.get("components", {}):
            components[kind] = spec["components"][kind]
    out["components"] = components
    return out


def main() -> None:
    source, target = Path(sys.argv[1]), Path(sys.argv[2])
    target.mkdir(parents=True, exist_ok=True)
    provenance = []
    for name, paths, out_name in (
        ("jira-platform-v3.swagger-v3.v3.json", PLATFORM_PATHS, "platform-v3.json"),
        ("jira-software-agile.swagger.v3.json", AGILE_PATHS, "agile.json"),
    ):
        raw = (source / name).read_bytes()
        part = subset(json.loads(raw), paths)
        (target / out_name).write_text(json.dumps(part, indent=1, sort_keys=True) + "\n")
        provenance.append(f"| {out_name} | {name} | {hashlib.sha256(raw).hexdigest()} | {len(part['paths'])} paths |")
    (target / "PROVENANCE.md").write_text(
        "# Where these specs come from\n\nSubsets of Atlassian's published OpenAPI specs for Jira Cloud "
        "(developer.atlassian.com/cloud/jira/platform/swagger-v3.v3.json and .../software/swagger.v3.json), "
        "cut by `scripts/extract_openapi_subset.py` to the paths jira-mcp uses, components included "
        "unchanged.\n\n| file | upstream file | upstream sha256 | content |\n|---|---|---|---|\n"
        + "\n".join(provenance)
        + "\n"
    )


if __name__ == "__main__":
    main()
