"""The MCP runtime: assembly of the server from plugins, and the stdio and HTTP transports."""

from __future__ import annotations

from jira_mcp.server.assembly import App, build_app

__all__ = ["App", "build_app"]
