"""Atlassian Document Format (ADF) ↔ Markdown, and wiki markup for Jira Data Center.

Reading: :func:`adf_to_markdown` renders every node type Jira produces (unknown nodes degrade to
their text). Writing: :func:`markdown_to_adf` parses CommonMark (+ tables, strikethrough) with
markdown-it-py and builds ADF; :func:`markdown_to_wiki` renders the same tree as wiki markup.
Mentions are written as ``[@Name](mention:ACCOUNT_ID)`` and read back as ``@Name``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

__all__ = ["adf_to_markdown", "adf_to_text", "adf_to_wiki", "markdown_to_adf", "markdown_to_wiki", "wiki_to_markdown"]

Node = dict[str, Any]
_PANEL_LABELS = {
    "info": "Info",
    "note": "Note",
    "warning": "Warning",
    "error": "Error",
    "success": "Success",
    "tip": "Tip",
    "custom": "Note",
}


# ADF → Markdown ----------------------------------------------------------------------------------
def adf_to_markdown(doc: Any) -> str:
    """Render an ADF document (or any ADF node) as Markdown. Non-ADF input is rendered as text."""
    if doc is None:
        return ""
    if isinstance(doc, str):
        return doc
    if not isinstance(doc, dict):
        return str(doc)
    return _blocks(doc.get("content") or [] if doc.get("type") == "doc" else [doc]).strip()


def adf_to_text(doc: Any) -> str:
    """Plain text of an ADF document (for search and summaries)."""
    if isinstance(doc, dict):
        if doc.get("type") == "text":
            return str(doc.get("text", ""))
        if doc.get("type") == "mention":
            return str((doc.get("attrs") or {}).get("text", ""))
        sep = " " if doc.get("type") in ("paragraph", "heading", "listItem", "tableCell") else ""
        return sep.join(adf_to_text(c) for c in doc.get("content") or []) + (" " if sep else "")
    if isinstance(doc, list):
        return "".join(adf_to_text(c) for c in doc)
    return "" if doc is None else str(doc)


def _blocks(nodes: list[Node], sep: str = "\n\n") -> str:
    return sep.join(part for part in (_block(n) for n in nodes if isinstance(n, dict)) if part != "")


def _block(node: Node) -> str:
    kind = node.get("type")
    attrs = node.get("attrs") or {}
    content = node.get("content") or []
    if kind == "paragraph":
        return _inline(content)
    if kind == "heading":
        level = min(max(int(attrs.get("level", 1)), 1), 6)
        return "#" * level + " " + _inline(content)
    if kind in ("bulletList", "orderedList", "taskList", "decisionList"):
        return _list(node)
    if kind == "codeBlock":
        text = "".join(c.get("text", "") for c in content if isinstance(c, dict))
        fence = "````" if "```" in text else "```"
        return f"{fence}{attrs.get('language') or ''}\n{text}\n{fence}"
    if kind == "blockquote":
        return _quote(_blocks(content))
    if kind == "panel":
        label = _PANEL_LABELS.get(str(attrs.get("panelType", "info")), "Note")
        return _quote(f"**{label}:** " + _blocks(content))
    if kind == "rule":
        return "---"
    if kind == "table":
        return _table(content)
    if kind in ("mediaSingle", "mediaGroup"):
        return "\n".join(_media(c) for c in content if isinstance(c, dict))
    if kind == "media":
        return _media(node)
    if kind in ("expand", "nestedExpand"):
        title = attrs.get("title") or "Details"
        return f"**{title}**\n\n" + _blocks(content)
    if kind in ("blockCard", "embedCard"):
        return f"<{attrs.get('url', '')}>" if attrs.get("url") else ""
    if kind in ("extension", "bodiedExtension"):
        return f"[extension: {attrs.get('extensionKey', 'unknown')}]"
    if kind in ("layoutSection", "layoutColumn", "doc"):
        return _blocks(content)
    return _inline([node]) if kind in _INLINE_TYPES else _blocks(content)


def _quote(text: str) -> str:
    return "\n".join(("> " + line).rstrip() for line in text.split("\n"))


def _list(node: Node, depth: int = 0) -> str:
    kind = node.get("type")
    start = int((node.get("attrs") or {}).get("order", 1) or 1)
    lines = []
    for index, item in enumerate(node.get("content") or []):
        if not isinstance(item, dict):
            continue
        if kind == "orderedList":
            marker = f"{start + index}. "
        elif kind == "taskList":
            marker = "- [x] " if (item.get("attrs") or {}).get("state") == "DONE" else "- [ ] "
        elif kind == "decisionList":
            marker = "- ✓ "
        else:
            marker = "- "
        pad = " " * len(marker)
        parts = []
        for child in item.get("content") or []:
            if not isinstance(child, dict):
                continue
            if child.get("type") in ("bulletList", "orderedList", "taskList"):
                parts.append(_list(child, depth + 1))
            elif child.get("type") in _INLINE_TYPES:
                parts.append(_inline([child]))
            else:
                parts.append(_block(child))
        body = "\n".join(parts) if parts else ""
        first, *rest = body.split("\n") if body else [""]
        lines.append(marker + first)
        lines += [(pad + line) if line else line for line in rest]
    return "\n".join(lines)


def _cell_text(cell: Node) -> str:
    return _blocks(cell.get("content") or [], sep=" ").replace("\n", " ").replace("|", "\\|")


def _table(rows: list[Node]) -> str:
    matrix = [
        [_cell_text(c) for c in (r.get("content") or []) if isinstance(c, dict)] for r in rows if isinstance(r, dict)
    ]
    if not matrix:
        return ""
    width = max(len(r) for r in matrix)
    matrix = [r + [""] * (width - len(r)) for r in matrix]
    lines = ["| " + " | ".join(matrix[0]) + " |", "|" + "---|" * width]
    lines += ["| " + " | ".join(r) + " |" for r in matrix[1:]]
    return "\n".join(lines)


def _media(node: Node) -> str:
    attrs = node.get("attrs") or {}
    if node.get("type") == "caption":
        return _inline(node.get("content") or [])
    name = attrs.get("alt") or attrs.get("fileName") or attrs.get("id") or "file"
    return f"[attachment: {name}]"


_INLINE_TYPES = {
    "text",
    "hardBreak",
    "mention",
    "emoji",
    "inlineCard",
    "date",
    "status",
    "placeholder",
    "mediaInline",
    "inlineExtension",
}


def _inline(nodes: list[Node]) -> str:
    out = []
    for node in nodes:
        if not isinstance(node, dict):
            continue
        kind = node.get("type")
        attrs = node.get("attrs") or {}
        if kind == "text":
            out.append(_marked(str(node.get("text", "")), node.get("marks") or []))
        elif kind == "hardBreak":
            out.append("\n")
        elif kind == "mention":
            text = str(attrs.get("text") or attrs.get("id") or "someone")
            out.append(text if text.startswith("@") else "@" + text)
        elif kind == "emoji":
            out.append(str(attrs.get("text") or attrs.get("shortName") or ""))
        elif kind == "inlineCard":
            url = attrs.get("url") or ""
            out.append(f"<{url}>" if url else "")
        elif kind == "date":
            out.append(_date(attrs.get("timestamp")))
        elif kind == "status":
            out.append(f"[{str(attrs.get('text', '')).upper()}]")
        elif kind == "mediaInline":
            out.append(_media(node))
        elif kind == "inlineExtension":
            out.append(f"[extension: {attrs.get('extensionKey', 'unknown')}]")
        elif kind == "placeholder":
            continue
        else:
            out.append(_inline(node.get("content") or []))
    return "".join(out)


def _date(timestamp: Any) -> str:
    try:
        return datetime.fromtimestamp(int(timestamp) / 1000, UTC).date().isoformat()
    except (TypeError, ValueError, OverflowError):
        return str(timestamp or "")


def _marked(text: str, marks: list[Node]) -> str:
    if not text:
        return ""
    kinds = {m.get("type"): m.get("attrs") or {} for m in marks if isinstance(m, dict)}
    if "code" in kinds:
        tick = "``" if "`" in text else "`"
        text = f"{tick}{text}{tick}"
    else:
        lead = len(text) - len(text.lstrip())
        trail = len(text) - len(text.rstrip())
        core = text.strip()
        if core:
            if "strike" in kinds:
                core = f"~~{core}~~"
            if "em" in kinds:
                core = f"*{core}*"
            if "strong" in kinds:
                core = f"**{core}**"
        text = text[:lead] + core + (text[len(text) - trail :] if trail else "")
    if "link" in kinds:
        href = kinds["link"].get("href", "")
        if href and text == href:
            text = f"<{href}>"
        elif href:
            text = f"[{text}]({href})"
    return text


# Markdown → ADF ----------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _parser() -> Any:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def markdown_to_adf(markdown: str) -> Node:
    """Parse Markdown into an ADF ``doc`` (version 1)."""
    tokens = _parser().parse(markdown or "")
    root: Node = {"type": "doc", "version": 1, "content": []}
    stack: list[Node] = [root]
    openers: dict[str, Callable[[Any], Node]] = {
        "paragraph_open": lambda t: {"type": "paragraph", "content": []},
        "heading_open": lambda t: {"type": "heading", "attrs": {"level": int(t.tag[1])}, "content": []},
        "bullet_list_open": lambda t: {"type": "bulletList", "content": []},
        "ordered_list_open": lambda t: _ordered(t),
        "list_item_open": lambda t: {"type": "listItem", "content": []},
        "blockquote_open": lambda t: {"type": "blockquote", "content": []},
        "table_open": lambda t: {
            "type": "table",
            "attrs": {"isNumberColumnEnabled": False, "layout": "default"},
            "content": [],
        },
        "tr_open": lambda t: {"type": "tableRow", "content": []},
        "th_open": lambda t: {"type": "tableHeader", "attrs": {}, "content": []},
        "td_open": lambda t: {"type": "tableCell", "attrs": {}, "content": []},
    }
    for token in tokens:
        kind = token.type
        if kind in openers:
            node = openers[kind](token)
            stack[-1]["content"].append(node)
            stack.append(node)
        elif kind.endswith("_close") and kind not in ("thead_close", "tbody_close"):
            node = stack.pop()
            if (
                node["type"] in ("tableHeader", "tableCell")
                and node["content"]
                and node["content"][0].get("type") != "paragraph"
            ):
                node["content"] = [{"type": "paragraph", "content": node["content"]}]
            if node["type"] in ("tableHeader", "tableCell") and not node["content"]:
                node["content"] = [{"type": "paragraph", "content": []}]
        elif kind == "inline":
            stack[-1]["content"].extend(_inline_nodes(token.children or []))
        elif kind in ("fence", "code_block"):
            text = token.content[:-1] if token.content.endswith("\n") else token.content
            block: Node = {
                "type": "codeBlock",
                "attrs": {},
                "content": [{"type": "text", "text": text}] if text else [],
            }
            language = (token.info or "").strip().split(" ")[0]
            if language:
                block["attrs"]["language"] = language
            stack[-1]["content"].append(block)
        elif kind == "hr":
            stack[-1]["content"].append({"type": "rule"})
        elif kind in ("html_block",):
            stack[-1]["content"].append({"type": "paragraph", "content": [{"type": "text", "text": token.content}]})
    _drop_empty_paragraph_content(root)
    return root


def _ordered(token: Any) -> Node:
    start = int(token.attrGet("start") or 1)
    node: Node = {"type": "orderedList", "content": []}
    if start != 1:
        node["attrs"] = {"order": start}
    return node


def _drop_empty_paragraph_content(node: Node) -> None:
    for child in node.get("content") or []:
        if isinstance(child, dict):
            _drop_empty_paragraph_content(child)
    if node.get("type") == "paragraph" and not node.get("content"):
        node.pop("content", None)


def _inline_nodes(children: list[Any]) -> list[Node]:
    out: list[Node] = []
    marks: list[Node] = []
    mention: dict[str, Any] | None = None
    for child in children:
        kind = child.type
        if kind == "text" or kind == "html_inline":
            if mention is not None:
                mention["text"] += child.content
                continue
            if child.content:
                node: Node = {"type": "text", "text": child.content}
                if marks:
                    node["marks"] = [dict(m) for m in marks]
                out.append(node)
        elif kind == "code_inline":
            node = {"type": "text", "text": child.content, "marks": [*(dict(m) for m in marks), {"type": "code"}]}
            out.append(node)
        elif kind in ("softbreak", "hardbreak"):
            out.append({"type": "hardBreak"})
        elif kind == "strong_open":
            marks.append({"type": "strong"})
        elif kind == "em_open":
            marks.append({"type": "em"})
        elif kind == "s_open":
            marks.append({"type": "strike"})
        elif kind == "link_open":
            href = str(child.attrGet("href") or "")
            if href.startswith("mention:"):
                mention = {"id": href.removeprefix("mention:"), "text": ""}
            else:
                marks.append({"type": "link", "attrs": {"href": href}})
        elif kind == "link_close" and mention is not None:
            text = mention["text"] if mention["text"].startswith("@") else "@" + mention["text"]
            out.append({"type": "mention", "attrs": {"id": mention["id"], "text": text}})
            mention = None
        elif kind in ("strong_close", "em_close", "s_close", "link_close"):
            wanted = {"strong_close": "strong", "em_close": "em", "s_close": "strike", "link_close": "link"}[kind]
            for index in range(len(marks) - 1, -1, -1):
                if marks[index]["type"] == wanted:
                    del marks[index]
                    break
        elif kind == "image":
            alt = child.content or str(child.attrGet("src") or "image")
            out.append(
                {"type": "text", "text": alt, "marks": [{"type": "link", "attrs": {"href": str(child.attrGet("src"))}}]}
            )
    return out


# ADF → wiki markup (Data Center) --------------------------------------------------------------------
def markdown_to_wiki(markdown: str) -> str:
    """Markdown → Jira wiki markup (REST v2 on Data Center)."""
    return adf_to_wiki(markdown_to_adf(markdown))


def adf_to_wiki(doc: Node) -> str:
    return _wiki_blocks(doc.get("content") or []).strip()


def _wiki_blocks(nodes: list[Node]) -> str:
    return "\n\n".join(p for p in (_wiki_block(n) for n in nodes if isinstance(n, dict)) if p)


def _wiki_block(node: Node, depth: int = 0, bullet: str = "") -> str:
    kind = node.get("type")
    content = node.get("content") or []
    attrs = node.get("attrs") or {}
    if kind == "paragraph":
        return _wiki_inline(content)
    if kind == "heading":
        return f"h{attrs.get('level', 1)}. " + _wiki_inline(content)
    if kind in ("bulletList", "orderedList"):
        symbol = bullet + ("*" if kind == "bulletList" else "#")
        lines = []
        for item in content:
            texts = []
            for child in item.get("content") or []:
                if child.get("type") in ("bulletList", "orderedList"):
                    texts.append(_wiki_block(child, depth + 1, symbol))
                else:
                    texts.append(f"{symbol} " + _wiki_inline(child.get("content") or []))
            lines.append("\n".join(texts))
        return "\n".join(lines)
    if kind == "codeBlock":
        language = attrs.get("language")
        text = "".join(c.get("text", "") for c in content)
        return ("{code:" + language + "}" if language else "{code}") + "\n" + text + "\n{code}"
    if kind == "blockquote":
        return "{quote}\n" + _wiki_blocks(content) + "\n{quote}"
    if kind == "rule":
        return "----"
    if kind == "table":
        rows = []
        for row in content:
            cells = row.get("content") or []
            sep = "||" if cells and cells[0].get("type") == "tableHeader" else "|"
            rows.append(sep + sep.join(_wiki_blocks(c.get("content") or []).replace("\n", " ") for c in cells) + sep)
        return "\n".join(rows)
    if kind == "panel":
        return "{panel}\n" + _wiki_blocks(content) + "\n{panel}"
    return _wiki_blocks(content) if content else _wiki_inline([node])


def _wiki_inline(nodes: list[Node]) -> str:
    out = []
    for node in nodes:
        kind = node.get("type")
        if kind == "text":
            text = str(node.get("text", ""))
            kinds = {m.get("type"): m.get("attrs") or {} for m in node.get("marks") or []}
            if "code" in kinds:
                text = "{{" + text + "}}"
            if "strike" in kinds:
                text = f"-{text}-"
            if "em" in kinds:
                text = f"_{text}_"
            if "strong" in kinds:
                text = f"*{text}*"
            if "link" in kinds:
                text = f"[{text}|{kinds['link'].get('href', '')}]"
            out.append(text)
        elif kind == "hardBreak":
            out.append("\n")
        elif kind == "mention":
            out.append(f"[~accountid:{(node.get('attrs') or {}).get('id', '')}]")
        else:
            out.append(_inline([node]))
    return "".join(out)


# wiki markup → Markdown ---------------------------------------------------------------------------
_WIKI_INLINE = [
    (re.compile(r"\{\{(.+?)\}\}"), r"`\1`"),
    (re.compile(r"\[([^|\]\[]+)\|([^\]]+)\]"), r"[\1](\2)"),
    (re.compile(r"\[~(?:accountid:)?([^\]]+)\]"), r"@\1"),
    (re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])"), r"**\1**"),
    (re.compile(r"(?<![\w_])_(?!\s)([^_\n]+?)(?<!\s)_(?![\w_])"), r"*\1*"),
    (re.compile(r"(?<![\w-])-(?!\s)([^-\n]+?)(?<!\s)-(?![\w-])"), r"~~\1~~"),
]


def wiki_to_markdown(text: str) -> str:
    """Jira wiki markup (Data Center) → Markdown, for reading."""
    out: list[str] = []
    in_code = False
    for line in (text or "").replace("\r\n", "\n").split("\n"):
        code = re.match(r"^\s*\{(code|noformat)(?::([^}|]*))?[^}]*\}\s*$", line)
        if code:
            out.append("```" if in_code else "```" + (code.group(2) or ""))
            in_code = not in_code
            continue
        if in_code:
            out.append(line)
            continue
        if re.match(r"^\s*\{(quote|panel)[^}]*\}\s*$", line):
            continue
        heading = re.match(r"^h([1-6])\.\s+(.*)$", line)
        if heading:
            out.append("#" * int(heading.group(1)) + " " + _wiki_inline_md(heading.group(2)))
            continue
        item = re.match(r"^([*#-]+)\s+(.*)$", line)
        if item and not (item.group(1) == "-" and line.startswith("----")):
            depth = len(item.group(1)) - 1
            marker = "1." if item.group(1).endswith("#") else "-"
            out.append("  " * depth + f"{marker} " + _wiki_inline_md(item.group(2)))
            continue
        if line.startswith("bq. "):
            out.append("> " + _wiki_inline_md(line[4:]))
            continue
        if line.strip() == "----":
            out.append("---")
            continue
        if line.startswith("||"):
            cells = [c.strip() for c in line.strip().strip("|").split("||")]
            out.append("| " + " | ".join(_wiki_inline_md(c) for c in cells) + " |")
            out.append("|" + "---|" * len(cells))
            continue
        out.append(_wiki_inline_md(line))
    return "\n".join(out).strip()


def _wiki_inline_md(text: str) -> str:
    for pattern, replacement in _WIKI_INLINE:
        text = pattern.sub(replacement, text)
    return text
