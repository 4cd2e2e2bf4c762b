"""The ``jira-mcp`` command line: serve | sandbox | validate-config | plugins | health-check | version."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["main"]

_EPILOG = """examples:
  jira-mcp serve --sandbox                       MCP over stdio on the built-in Jira sandbox
  jira-mcp serve --transport http --port 8080    streamable HTTP on 127.0.0.1:8080 (/mcp, /health, /ready, /metrics)
  jira-mcp validate-config --json                check every setting and plugin setting
  jira-mcp plugins --json                        list plugins, their tools and load errors
  jira-mcp health-check http://127.0.0.1:8080    probe /health, /ready and /metrics

configuration comes from the environment: JIRA_HOST, JIRA_EMAIL, JIRA_API_TOKEN (Cloud) or
JIRA_PERSONAL_TOKEN (Data Center), and more — see docs/configuration.md."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jira-mcp",
        description="A Model Context Protocol server for Jira, with a built-in sandbox.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = sub.add_parser(
        "serve",
        help="run the MCP server (stdio by default)",
        description="Run the MCP server over stdio (default) or streamable HTTP.",
    )
    serve.add_argument("--transport", choices=["stdio", "http"], default="stdio")
    serve.add_argument("--host", default=None, help="HTTP bind address (default MCP_HTTP_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="HTTP port (default MCP_HTTP_PORT or 8080)")
    serve.add_argument(
        "--sandbox", action="store_true", help="serve the built-in Jira sandbox's data (no Jira account needed)"
    )
    serve.add_argument("--strict", action="store_true", help="fail start-up when any plugin fails to load")
    serve.add_argument("--stateless", action="store_true", help="stateless HTTP (no MCP sessions)")
    sandbox = sub.add_parser(
        "sandbox",
        help="run the Jira sandbox alone on 127.0.0.1",
        description="Serve the Jira-compatible sandbox API with seeded data.",
    )
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8090)
    validate = sub.add_parser(
        "validate-config",
        help="check the configuration; exit 1 on any error",
        description="Check every setting (core and plugins) and name every problem at once.",
    )
    validate.add_argument("--json", action="store_true", help="machine-readable output")
    plugins = sub.add_parser(
        "plugins",
        help="list plugins; exit 1 if one failed to load",
        description="List each plugin with its distribution, hooks and contributions.",
    )
    plugins.add_argument("--json", action="store_true", help="machine-readable output")
    health = sub.add_parser(
        "health-check",
        help="probe a running server's /health, /ready and /metrics",
        description="Check /health, /ready and that /metrics contains `up 1`.",
    )
    health.add_argument("url", nargs="?", default="http://127.0.0.1:8080")
    health.add_argument("--timeout", type=float, default=5.0)
    health.add_argument("--metrics-token", default=None, help="bearer token for /metrics (or METRICS_AUTH_TOKEN)")
    sub.add_parser("version", help="print the version")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = args.command
    if command is None:
        _parser().print_help(sys.stderr)
        return 2
    if command == "version":
        from jira_mcp import __version__

        print(f"jira-mcp {__version__}")
        return 0
    if command == "health-check":
        from jira_mcp.healthcheck import run_health_check

        token = args.metrics_token or os.environ.get("METRICS_AUTH_TOKEN")
        return run_health_check(args.url, timeout=args.timeout, metrics_token=token)
    _setup_logging(quiet=command in ("validate-config", "plugins"))
    if command == "validate-config":
        return _validate(args.json)
    if command == "plugins":
        return _plugins(args.json)
    if command == "sandbox":
        return _sandbox(args.host, args.port)
    return _serve(args)


def _setup_logging(quiet: bool = False) -> None:
    from jira_mcp.observability.logging import configure_logging, register_secrets

    level = os.environ.get("LOG_LEVEL", "INFO").upper()
    env = os.environ.get("APP_ENV") or os.environ.get("NODE_ENV") or "production"
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        level = "INFO"
    configure_logging("WARNING" if quiet else level, json=env.lower() not in ("development", "dev", "local"))
    register_secrets(
        v
        for k, v in os.environ.items()
        if k.endswith(("_TOKEN", "_TOKENS", "_WEBHOOK_URL", "_PASSWORD", "_SECRET")) and v
    )


def _validate(as_json: bool) -> int:
    from jira_mcp.config import check_settings, load_settings
    from jira_mcp.plugins import PluginHost

    settings, problems = load_settings()
    if settings is not None:
        problems += check_settings(settings)
        host = PluginHost(settings)
        problems += host.validate_plugin_settings()
        problems += [_plugin_problem(info.name, info.error) for info in host.failed if info.error]
    errors = [p for p in problems if p.severity == "error"]
    if as_json:
        print(json.dumps({"valid": not errors, "problems": [p.as_dict() for p in problems]}, indent=2))
    else:
        for p in problems:
            mark = "✗" if p.severity == "error" else "!"
            print(f"{mark} {p.variable}: {p.message}\n    fix: {p.fix}")
        print("configuration is valid" if not errors else f"{len(errors)} error(s) found")
    return 1 if errors else 0


def _plugin_problem(name: str, error: str) -> Any:
    from jira_mcp.config import Problem

    return Problem(
        "JIRA_MCP_PLUGINS",
        f"plugin {name!r} {error}",
        "fix or uninstall the plugin, or add it to JIRA_MCP_DISABLE_PLUGINS",
        "warning",
    )


def _plugins(as_json: bool) -> int:
    from jira_mcp.config import load_settings
    from jira_mcp.plugins import PluginHost
    from jira_mcp.services import Services

    settings, _problems = load_settings()
    if settings is None:
        from jira_mcp.config import Settings

        settings = Settings.model_construct()
    host = PluginHost(settings, strict=False)
    services = Services(settings)
    host.validate_plugin_settings(services)
    host.collect_tools(services)
    host.collect_notifiers(services)
    host.collect_health_checks(services)
    infos = [info.as_dict() for info in host.infos.values()]
    if as_json:
        print(json.dumps({"plugins": infos}, indent=2))
    else:
        for info in host.infos.values():
            state = f"FAILED: {info.error}" if info.error else "ok"
            print(f"{info.name} ({info.distribution or '?'} {info.version or ''}) — {state}")
            for label, values in (
                ("hooks", info.hooks),
                ("tools", info.tools),
                ("notifiers", info.notifiers),
                ("health checks", info.health_checks),
            ):
                if values:
                    print(f"    {label}: {', '.join(values)}")
    return 1 if host.failed else 0


def _sandbox(host: str, port: int) -> int:
    import uvicorn

    from jira_mcp.sandbox import CREDENTIALS, create_sandbox

    url = f"http://{host}:{port}"
    sys.stderr.write(
        f"Jira sandbox on {url} (seeded demo data, not a real Jira)\n"
        f"  JIRA_HOST={url} JIRA_EMAIL={CREDENTIALS['email']} JIRA_API_TOKEN={CREDENTIALS['api_token']}\n"
    )
    uvicorn.run(create_sandbox(url), host=host, port=port, log_level="warning", access_log=False, lifespan="off")
    return 0


def _serve(args: argparse.Namespace) -> int:
    import anyio

    from jira_mcp.config import check_settings, load_settings
    from jira_mcp.errors import JiraMcpError
    from jira_mcp.observability.logging import get_logger
    from jira_mcp.server.assembly import build_app

    log = get_logger("jira_mcp.cli")
    sandbox = None
    overrides: dict[str, Any] = {}
    if args.sandbox:
        from jira_mcp.sandbox import SandboxServer

        sandbox = SandboxServer().start()
        overrides = {
            "jira_host": sandbox.url,
            "jira_email": sandbox.env["JIRA_EMAIL"],
            "jira_api_token": sandbox.env["JIRA_API_TOKEN"],
            "jira_deployment": "cloud",
            "jira_personal_token": None,
        }
    settings, problems = load_settings(**overrides)
    if settings is not None:
        problems += check_settings(settings)
    errors = [p for p in problems if p.severity == "error"]
    if settings is None or errors:
        for p in errors:
            log.error("invalid configuration", variable=p.variable, problem=p.message, fix=p.fix, code="CONFIG_INVALID")
        sys.stderr.write(
            "jira-mcp: invalid configuration; run `jira-mcp validate-config` for details "
            "(or `jira-mcp serve --sandbox` to try it without a Jira)\n"
        )
        return 1
    from jira_mcp.observability.logging import register_secrets

    register_secrets(settings.secret_values())
    try:
        app = build_app(settings, strict=True if args.strict else None)
    except JiraMcpError as exc:
        log.error("start-up failed", code=exc.code, error=exc.message)
        sys.stderr.write(f"jira-mcp: {exc}\n")
        return 1
    app.sandbox_url = sandbox.url if sandbox else None
    try:
        if args.transport == "stdio":
            from jira_mcp.server.run import run_stdio

            anyio.run(run_stdio, app)
        else:
            from jira_mcp.server.run import run_http

            host = args.host or settings.mcp_http_host
            port = settings.mcp_http_port if args.port is None else args.port
            try:
                run_http(app, host, port, stateless=args.stateless)
            except JiraMcpError as exc:
                log.error("start-up failed", code=exc.code, error=exc.message)
                sys.stderr.write(f"jira-mcp: {exc}\n")
                return 1
    finally:
        if sandbox is not None:
            sandbox.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
