"""A JQL subset for the sandbox: a tokenizer, a recursive-descent parser and an evaluator.

Supported: fields project, key, status, statusCategory, assignee, reporter, issuetype (type), priority,
labels, component, fixVersion, resolution, sprint, parent, "Epic Link", text, summary, description,
comment, created, updated, resolved, duedate; operators = != ~ !~ > >= < <= IN, NOT IN, IS [NOT]
EMPTY/NULL; AND, OR, NOT, parentheses; functions currentUser(), openSprints(), closedSprints(),
futureSprints(), now(), startOfDay(), endOfDay(); relative dates (-7d, -2w, 4h); ORDER BY. Anything
else is rejected with the 400 message Jira would send.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["JqlError", "Query", "parse_jql"]


class JqlError(ValueError):
    """Jira's 400 for bad JQL; ``str()`` is Jira's ``errorMessages`` text."""


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<op>!=|!~|>=|<=|=|~|>|<)
      | (?P<punct>[(),])
      | (?P<word>[^\s()",=!~<>']+)
    )""",
    re.VERBOSE,
)
FIELD_ALIASES = {
    "project": "project",
    "key": "key",
    "issuekey": "key",
    "id": "key",
    "status": "status",
    "statuscategory": "statusCategory",
    "assignee": "assignee",
    "reporter": "reporter",
    "issuetype": "issuetype",
    "type": "issuetype",
    "priority": "priority",
    "labels": "labels",
    "label": "labels",
    "component": "components",
    "components": "components",
    "fixversion": "fixVersions",
    "resolution": "resolution",
    "sprint": "sprint",
    "parent": "parent",
    "epic link": "parent",
    "text": "text",
    "summary": "summary",
    "description": "description",
    "comment": "comment",
    "created": "created",
    "createddate": "created",
    "updated": "updated",
    "updateddate": "updated",
    "resolved": "resolved",
    "resolutiondate": "resolved",
    "duedate": "duedate",
    "due": "duedate",
    "story points": "storyPoints",
    "cf[10016]": "storyPoints",
    "team": "team",
    "rank": "rank",
}
DATE_FIELDS = {"created", "updated", "resolved", "duedate"}
TEXT_FIELDS = {"text", "summary", "description", "comment"}
_RELATIVE = re.compile(r"^([+-]?)(\d+)([wdhm])$", re.I)


@dataclass
class Token:
    kind: str
    value: str
    pos: int


def _tokenize(jql: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    jql = jql.rstrip()
    while pos < len(jql):
        match = _TOKEN.match(jql, pos)
        if not match or match.end() == pos:
            raise JqlError(
                f"Error in the JQL Query: The character '{jql[pos]}' is a reserved JQL character. "
                f"You must enclose it in a string or use the escape '\\u{ord(jql[pos]):04x}' instead. "
                f"(line 1, character {pos + 1})"
            )
        kind = match.lastgroup or "word"
        value = match.group(kind)
        if kind == "string":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        tokens.append(Token(kind, value, match.start(kind) + 1))
        pos = match.end()
    return tokens


Predicate = Callable[[dict[str, Any], "EvalContext"], bool]


@dataclass
class EvalContext:
    current_user: str | None
    now: datetime
    sprint_states: dict[int, str]
    resolve: Callable[[Any, str], list[Any]]
    resolve_date: Callable[[Any, str], datetime | None]


@dataclass
class Query:
    predicate: Predicate | None
    order_by: list[tuple[str, bool]]  # (field, descending)

    def matches(self, issue: dict[str, Any], ctx: EvalContext) -> bool:
        return self.predicate is None or self.predicate(issue, ctx)


class _Parser:
    def __init__(self, jql: str) -> None:
        self.tokens = _tokenize(jql)
        self.i = 0

    def peek(self, offset: int = 0) -> Token | None:
        index = self.i + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def word(self, offset: int = 0) -> str:
        token = self.peek(offset)
        return token.value.upper() if token and token.kind == "word" else ""

    def next(self) -> Token:
        token = self.peek()
        if token is None:
            raise JqlError(
                "Error in the JQL Query: Expecting either a value, list or function but got the end of the query."
            )
        self.i += 1
        return token

    def parse(self) -> Query:
        predicate = None
        if self.peek() is not None and self.word() != "ORDER":
            predicate = self.or_expr()
        order = []
        if self.word() == "ORDER":
            self.i += 1
            if self.word() != "BY":
                raise JqlError("Error in the JQL Query: Expecting 'BY' after 'ORDER'.")
            self.i += 1
            while True:
                name = self.field_name()
                descending = False
                if self.word() in ("ASC", "DESC"):
                    descending = self.next().value.upper() == "DESC"
                order.append((name, descending))
                token = self.peek()
                if token is not None and token.value == ",":
                    self.i += 1
                    continue
                break
        if self.peek() is not None:
            token = self.peek()
            assert token is not None
            raise JqlError(
                f"Error in the JQL Query: Expecting either 'OR' or 'AND' but got '{token.value}'. "
                f"(line 1, character {token.pos})"
            )
        return Query(predicate, order)

    def or_expr(self) -> Predicate:
        parts = [self.and_expr()]
        while self.word() == "OR":
            self.i += 1
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else (lambda issue, ctx: any(p(issue, ctx) for p in parts))

    def and_expr(self) -> Predicate:
        parts = [self.not_expr()]
        while self.word() == "AND":
            self.i += 1
            parts.append(self.not_expr())
        return parts[0] if len(parts) == 1 else (lambda issue, ctx: all(p(issue, ctx) for p in parts))

    def not_expr(self) -> Predicate:
        if self.word() == "NOT" or (self.peek() and self.peek().value == "!"):  # type: ignore[union-attr]
            self.i += 1
            inner = self.not_expr()
            return lambda issue, ctx: not inner(issue, ctx)
        token = self.peek()
        if token is not None and token.value == "(":
            self.i += 1
            inner = self.or_expr()
            closing = self.peek()
            if closing is None or closing.value != ")":
                raise JqlError("Error in the JQL Query: Expecting ')' before the end of the query.")
            self.i += 1
            return inner
        return self.clause()

    def field_name(self) -> str:
        token = self.next()
        raw = token.value
        name = FIELD_ALIASES.get(raw.lower())
        if name is None and raw.lower().startswith("customfield_"):
            name = {
                "customfield_10016": "storyPoints",
                "customfield_10020": "sprint",
                "customfield_10014": "parent",
                "customfield_10001": "team",
            }.get(raw.lower())
        if name is None:
            raise JqlError(f"Field '{raw}' does not exist or you do not have permission to view it.")
        return name

    def clause(self) -> Predicate:
        field = self.field_name()
        token = self.peek()
        if token is None:
            raise JqlError("Error in the JQL Query: Expecting operator but got the end of the query.")
        if token.kind == "op":
            op = self.next().value
        elif self.word() == "IN":
            self.i += 1
            op = "IN"
        elif self.word() == "NOT" and self.word(1) == "IN":
            self.i += 2
            op = "NOT IN"
        elif self.word() == "IS":
            self.i += 1
            negate = False
            if self.word() == "NOT":
                self.i += 1
                negate = True
            if self.word() not in ("EMPTY", "NULL"):
                raise JqlError("Error in the JQL Query: Expecting 'EMPTY' or 'NULL' after 'IS'.")
            self.i += 1
            return _empty(field, negate)
        elif self.word() in ("WAS", "CHANGED"):
            raise JqlError(f"The operator '{self.word()}' is not supported by the sandbox's JQL.")
        else:
            raise JqlError(
                f"Error in the JQL Query: Expecting operator but got '{token.value}'. (line 1, character {token.pos})"
            )
        values = self.value_list() if op in ("IN", "NOT IN") else [self.value()]
        if field in TEXT_FIELDS and op not in ("~", "!~"):
            raise JqlError(f"The operator '{op}' is not supported by the '{field}' field.")
        if op in ("~", "!~") and field not in TEXT_FIELDS:
            raise JqlError(f"The operator '{op}' is not supported by the '{field}' field.")
        if op in (">", ">=", "<", "<=") and field not in DATE_FIELDS and field != "storyPoints":
            raise JqlError(f"The operator '{op}' is not supported by the '{field}' field.")
        return _compare(field, op, values)

    def value(self) -> Any:
        token = self.next()
        if token.kind in ("string", "word"):
            following = self.peek()
            if token.kind == "word" and following is not None and following.value == "(":
                self.i += 1
                args = []
                while self.peek() is not None and self.peek().value != ")":  # type: ignore[union-attr]
                    arg = self.next()
                    if arg.value != ",":
                        args.append(arg.value)
                if self.peek() is None:
                    raise JqlError("Error in the JQL Query: Expecting ')' before the end of the query.")
                self.i += 1
                return _Function(token.value, args)
            return token.value
        raise JqlError(
            f"Error in the JQL Query: Expecting either a value, list or function but got "
            f"'{token.value}'. (line 1, character {token.pos})"
        )

    def value_list(self) -> list[Any]:
        token = self.next()
        if token.value != "(":
            if token.kind == "word" and self.peek() is not None and self.peek().value == "(":  # type: ignore[union-attr]
                self.i -= 1
                return [self.value()]
            raise JqlError(
                f"Error in the JQL Query: Expecting '(' but got '{token.value}'. (line 1, character {token.pos})"
            )
        values = []
        while True:
            values.append(self.value())
            token = self.next()
            if token.value == ")":
                return values
            if token.value != ",":
                raise JqlError(f"Error in the JQL Query: Expecting ',' or ')' but got '{token.value}'.")


@dataclass
class _Function:
    name: str
    args: list[str]


def parse_jql(jql: str) -> Query:
    return _Parser(jql or "").parse()


def _norm(value: Any) -> str:
    return str(value).strip().lower()


def _values(field: str, issue: dict[str, Any], ctx: EvalContext) -> list[str]:
    return [_norm(v) for v in ctx.resolve(issue, field)]


def _expand(field: str, raw: list[Any], ctx: EvalContext) -> tuple[list[str], list[datetime]]:
    texts: list[str] = []
    dates: list[datetime] = []
    for value in raw:
        if isinstance(value, _Function):
            name = value.name.lower()
            if name == "currentuser":
                texts.append(_norm(ctx.current_user or ""))
            elif name in ("opensprints", "closedsprints", "futuresprints"):
                wanted = {
                    "opensprints": ("active", "future"),
                    "closedsprints": ("closed",),
                    "futuresprints": ("future",),
                }[name]
                texts += [str(sid) for sid, state in ctx.sprint_states.items() if state in wanted]
            elif name in ("now", "startofday", "endofday", "startofweek"):
                base = ctx.now
                if name == "startofday":
                    base = base.replace(hour=0, minute=0, second=0, microsecond=0)
                elif name == "endofday":
                    base = base.replace(hour=23, minute=59, second=59, microsecond=0)
                elif name == "startofweek":
                    base = (base - timedelta(days=base.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
                if value.args:
                    base = _relative(value.args[0], base) or base
                dates.append(base)
            else:
                raise JqlError(f"Unable to find JQL function '{value.name}({', '.join(value.args)})'.")
        elif field in DATE_FIELDS:
            dates.append(_parse_date(str(value), ctx.now))
        else:
            texts.append(_norm(value))
    return texts, dates


def _relative(text: str, now: datetime) -> datetime | None:
    match = _RELATIVE.match(text.strip())
    if not match:
        return None
    sign = -1 if match.group(1) == "-" else 1
    amount = int(match.group(2)) * sign
    unit = match.group(3).lower()
    delta = {
        "w": timedelta(weeks=amount),
        "d": timedelta(days=amount),
        "h": timedelta(hours=amount),
        "m": timedelta(minutes=amount),
    }[unit]
    return now + delta


def _parse_date(text: str, now: datetime) -> datetime:
    relative = _relative(text, now)
    if relative is not None:
        return relative
    for fmt in ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise JqlError(
        f"Date value '{text}' for field is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', "
        "'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'."
    )


def _empty(field: str, negate: bool) -> Predicate:
    def check(issue: dict[str, Any], ctx: EvalContext) -> bool:
        if field in DATE_FIELDS:
            empty = ctx.resolve_date(issue, field) is None
        else:
            empty = not [v for v in ctx.resolve(issue, field) if v not in (None, "")]
        return empty != negate

    return check


def _compare(field: str, op: str, raw: list[Any]) -> Predicate:
    def check(issue: dict[str, Any], ctx: EvalContext) -> bool:
        texts, dates = _expand(field, raw, ctx)
        if field in DATE_FIELDS:
            actual = ctx.resolve_date(issue, field)
            if actual is None:
                return op in ("!=", "NOT IN")
            if not dates:
                return False
            target = dates[0]
            return {
                "=": actual == target,
                "!=": actual != target,
                ">": actual > target,
                ">=": actual >= target,
                "<": actual < target,
                "<=": actual <= target,
                "IN": actual in dates,
                "NOT IN": actual not in dates,
            }[op]
        if field == "storyPoints" and op in (">", ">=", "<", "<="):
            values = ctx.resolve(issue, field)
            if not values:
                return False
            number, target_number = float(values[0]), float(texts[0])
            return {
                ">": number > target_number,
                ">=": number >= target_number,
                "<": number < target_number,
                "<=": number <= target_number,
            }[op]
        if field in TEXT_FIELDS:
            haystack = " ".join(_values(field, issue, ctx))
            words = [w for w in re.split(r"\W+", " ".join(texts)) if w]
            found = all(re.search(r"\b" + re.escape(w.rstrip("*")), haystack) for w in words) if words else False
            return found if op == "~" else not found
        actual_values = set(_values(field, issue, ctx))
        hit = bool(actual_values & set(texts))
        return hit if op in ("=", "IN") else not hit

    return check
