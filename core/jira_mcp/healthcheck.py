"""``jira-mcp health-check``: the runbook's health-check.sh as a command."""

from __future__ import annotations

import httpx

__all__ = ["run_health_check"]


def run_health_check(url: str, *, timeout: float = 5.0, metrics_token: str | None = None) -> int:
    base = url.rstrip("/")
    failures = 0
    with httpx.Client(timeout=timeout) as client:
        for path in ("/health", "/ready", "/metrics"):
            headers = {"Authorization": f"Bearer {metrics_token}"} if path == "/metrics" and metrics_token else {}
            try:
                response = client.get(base + path, headers=headers)
            except httpx.HTTPError as exc:
                print(f"FAIL {path}: {type(exc).__name__} ({base} unreachable?)")
                failures += 1
                continue
            ok = response.status_code == 200
            detail = f"HTTP {response.status_code}"
            if path == "/metrics" and ok:
                ok = any(line.strip() == "up 1.0" or line.strip() == "up 1" for line in response.text.splitlines())
                detail += ", up 1" if ok else ", `up 1` missing"
            elif path == "/ready" and not ok:
                try:
                    checks = response.json().get("checks", {})
                    failing = [f"{k}: {v.get('detail')}" for k, v in checks.items() if not v.get("ok")]
                    detail += " — " + "; ".join(failing) if failing else ""
                except ValueError:
                    pass
            print(f"{'ok  ' if ok else 'FAIL'} {path}: {detail}")
            failures += 0 if ok else 1
    return 0 if failures == 0 else 1
