"""Pagination over Jira's two styles, always bounded by a caller-set number of items.

* Cloud search: ``POST /rest/api/3/search/jql`` with ``nextPageToken`` / ``isLast`` (no ``total``).
* Offset style (agile, REST v2, Data Center search): ``startAt`` / ``maxResults`` / ``isLast`` / ``total``.

Page tokens handed to the model are opaque strings: Cloud's own token, or ``o:<startAt>`` for offsets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from jira_mcp.errors import JiraValidationError

if TYPE_CHECKING:
    from jira_mcp.jira.client import JiraClient

__all__ = ["Page", "paginate_offset", "search_jql"]

MAX_PAGE = 100


@dataclass
class Page:
    items: list[dict[str, Any]] = field(default_factory=list)
    next_page_token: str | None = None
    total: int | None = None
    names: dict[str, str] = field(default_factory=dict)


def _offset_from(token: str | None) -> int:
    if not token:
        return 0
    try:
        value = int(token.removeprefix("o:"))
    except ValueError:
        raise JiraValidationError(f"page_token {token!r} is not a token this tool returned") from None
    if value < 0:
        raise JiraValidationError("page_token must not be negative")
    return value


async def search_jql(
    client: JiraClient,
    jql: str,
    *,
    fields: Sequence[str],
    limit: int,
    page_token: str | None = None,
    expand: Sequence[str] = (),
) -> Page:
    """Run a JQL search and collect at most ``limit`` issues, starting at ``page_token``."""
    page = Page()
    if client.is_cloud:
        token = page_token
        while len(page.items) < limit:
            body: dict[str, Any] = {
                "jql": jql,
                "fields": list(fields),
                "maxResults": min(MAX_PAGE, limit - len(page.items)),
            }
            if token:
                body["nextPageToken"] = token
            if expand:
                body["expand"] = ",".join(expand)
            data = await client.post("/rest/api/3/search/jql", json=body, read=True)
            data = data or {}
            page.items += data.get("issues") or []
            page.names.update(data.get("names") or {})
            token = data.get("nextPageToken")
            if data.get("isLast", token is None) or not token:
                token = None
                break
        page.next_page_token = token
        return page
    start = _offset_from(page_token)
    items, next_start, total, names = await _offset_pages(
        client,
        "POST",
        "/rest/api/2/search",
        items_key="issues",
        start=start,
        limit=limit,
        body={"jql": jql, "fields": list(fields), **({"expand": list(expand)} if expand else {})},
    )
    page.items, page.total, page.names = items, total, names
    page.next_page_token = f"o:{next_start}" if next_start is not None else None
    return page


async def paginate_offset(
    client: JiraClient,
    template: str,
    *,
    limit: int,
    page_token: str | None = None,
    items_key: str = "values",
    params: Mapping[str, Any] | None = None,
    not_found: str | tuple[str, str] = "NOT_FOUND",
    cache: bool = True,
    **path: Any,
) -> Page:
    """GET an offset-paged collection; at most ``limit`` items from ``page_token`` on."""
    items, next_start, total, _ = await _offset_pages(
        client,
        "GET",
        template,
        items_key=items_key,
        start=_offset_from(page_token),
        limit=limit,
        params=params,
        not_found=not_found,
        cache=cache,
        path=path,
    )
    return Page(items=items, next_page_token=f"o:{next_start}" if next_start is not None else None, total=total)


async def _offset_pages(
    client: JiraClient,
    method: str,
    template: str,
    *,
    items_key: str,
    start: int,
    limit: int,
    params: Mapping[str, Any] | None = None,
    body: dict[str, Any] | None = None,
    not_found: str | tuple[str, str] = "NOT_FOUND",
    cache: bool = True,
    path: Mapping[str, Any] | None = None,
) -> tuple[list[dict[str, Any]], int | None, int | None, dict[str, str]]:
    items: list[dict[str, Any]] = []
    names: dict[str, str] = {}
    total: int | None = None
    position = start
    while len(items) < limit:
        size = min(MAX_PAGE, limit - len(items))
        if method == "GET":
            query = {**(params or {}), "startAt": position, "maxResults": size}
            data = await client.get(template, params=query, not_found=not_found, cache=cache, **(path or {}))
        else:
            data = await client.post(
                template, json={**(body or {}), "startAt": position, "maxResults": size}, read=True, **(path or {})
            )
        data = data or {}
        batch = data.get(items_key) or []
        items += batch
        names.update(data.get("names") or {})
        total = data.get("total", total)
        position += len(batch)
        is_last = data.get("isLast")
        if is_last is None:
            is_last = total is not None and position >= total
        if is_last or not batch:
            return items, None, total, names
    return items, position, total, names
