"""Configuration and ``jira-mcp validate-config``: every problem named at once, no secret printed."""

from __future__ import annotations

import json

import pytest
from jira_mcp.cli import main
from jira_mcp.config import Settings, check_settings, load_settings, normalize_jira_host

GOOD = {"JIRA_HOST": "acme.atlassian.net", "JIRA_EMAIL": "ops@acme.com", "JIRA_API_TOKEN": "A" * 24}
SECRET = "short"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "JIRA_HOST",
        "JIRA_EMAIL",
        "JIRA_API_TOKEN",
        "JIRA_PERSONAL_TOKEN",
        "JIRA_DEPLOYMENT",
        "NODE_ENV",
        "APP_ENV",
        "SLACK_WEBHOOK_URL",
        "TEAMS_WEBHOOK_URL",
        "JIRA_MCP_PLUGINS",
        "LOG_LEVEL",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("acme.atlassian.net", "https://acme.atlassian.net"),
        ("https://acme.atlassian.net/", "https://acme.atlassian.net"),
        ("https://jira.example.com/jira", "https://jira.example.com/jira"),
        ("http://127.0.0.1:8090", "http://127.0.0.1:8090"),
        ("http://localhost:8090", "http://localhost:8090"),
    ],
)
def test_host_normalisation(raw: str, expected: str) -> None:
    assert normalize_jira_host(raw) == expected


@pytest.mark.parametrize(
    "raw", ["http://jira.example.com", "ftp://x.com", "https://user:pw@x.atlassian.net", "not a host", ""]
)
def test_bad_hosts(raw: str) -> None:
    with pytest.raises(ValueError):
        normalize_jira_host(raw)


def test_runbook_bad_examples_are_all_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JIRA_HOST", "example.com")
    monkeypatch.setenv("JIRA_EMAIL", "nope")
    monkeypatch.setenv("JIRA_API_TOKEN", SECRET)
    monkeypatch.setenv("JIRA_MCP_PLUGINS", "")
    assert main(["validate-config"]) == 1
    out = capsys.readouterr().out
    assert "JIRA_HOST: example.com is not a Jira Cloud site" in out
    assert "JIRA_EMAIL: is not a valid email address" in out
    assert "JIRA_API_TOKEN: is too short" in out
    assert "fix:" in out
    assert "short" not in out.replace("is too short", "")


def test_missing_variables(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("JIRA_MCP_PLUGINS", "")
    assert main(["validate-config", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is False
    assert {p["variable"] for p in report["problems"]} >= {"JIRA_HOST", "JIRA_EMAIL", "JIRA_API_TOKEN"}


def test_good_values_exit_zero(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    for key, value in GOOD.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("JIRA_MCP_PLUGINS", "")
    assert main(["validate-config"]) == 0
    out = capsys.readouterr().out
    assert "configuration is valid" in out
    assert GOOD["JIRA_API_TOKEN"] not in out


def test_type_errors_name_the_variable_without_the_value(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for key, value in GOOD.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("MAX_POOL_SIZE", "lots")
    monkeypatch.setenv("RATE_LIMIT_WINDOW_MS", "-5")
    monkeypatch.setenv("JIRA_MCP_PLUGINS", "")
    assert main(["validate-config", "--json"]) == 1
    problems = {p["variable"]: p for p in json.loads(capsys.readouterr().out)["problems"]}
    assert "MAX_POOL_SIZE" in problems and "RATE_LIMIT_WINDOW_MS" in problems
    assert "lots" not in json.dumps(problems)


def test_data_center_with_personal_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIRA_HOST", "https://jira.example.com")
    monkeypatch.setenv("JIRA_PERSONAL_TOKEN", "P" * 30)
    settings, problems = load_settings()
    assert settings is not None and not problems
    assert settings.deployment == "datacenter"
    assert check_settings(settings) == []


def test_node_env_alias_and_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NODE_ENV", "development")
    monkeypatch.setenv("JIRA_PROJECT_WHITELIST", "eng, ops")
    monkeypatch.setenv("ENABLED_TOOLS", "get_issue,boards")
    monkeypatch.setenv("JIRA_MCP_DISABLE_PLUGINS", "teams")
    settings = Settings()
    assert settings.app_env == "development" and settings.is_development
    assert settings.jira_project_whitelist == ["ENG", "OPS"]
    assert settings.enabled_tools == ["get_issue", "boards"]
    assert settings.jira_mcp_disable_plugins == ["teams"]
    assert settings.jira_mcp_plugins is None


def test_bad_project_key_in_whitelist(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIRA_PROJECT_WHITELIST", "ENG,bad key")
    settings, problems = load_settings()
    assert settings is None
    assert problems[0].variable == "JIRA_PROJECT_WHITELIST"


def test_short_mcp_auth_token_is_a_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in GOOD.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("MCP_AUTH_TOKENS", "abc")
    settings, _ = load_settings()
    assert settings is not None
    assert [p.variable for p in check_settings(settings)] == ["MCP_AUTH_TOKENS"]
