"""The Jira side of the core: the shared client, cache, rate limiter, pagination and ADF."""

from __future__ import annotations

from jira_mcp.jira.client import JiraClient, RetryPolicy
from jira_mcp.jira.pagination import Page, paginate_offset, search_jql

__all__ = ["JiraClient", "Page", "RetryPolicy", "paginate_offset", "search_jql"]
