"""A Jira-compatible sandbox: Cloud REST v3 (and v2) plus Jira Software 1.0, with seeded data and faults.

Run it with ``jira-mcp sandbox`` or embed it with :func:`create_sandbox` / :class:`SandboxServer`.
"""

from __future__ import annotations

from jira_mcp.sandbox.app import Fault, SandboxApp, create_sandbox
from jira_mcp.sandbox.seed import CREDENTIALS
from jira_mcp.sandbox.server import SandboxServer

__all__ = ["CREDENTIALS", "Fault", "SandboxApp", "SandboxServer", "create_sandbox"]
