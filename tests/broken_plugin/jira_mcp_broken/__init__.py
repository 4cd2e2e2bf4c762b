"""A plugin whose import fails, as a plugin with a missing dependency would."""

from __future__ import annotations

import jira_mcp_dependency_that_is_not_installed  # noqa: F401
