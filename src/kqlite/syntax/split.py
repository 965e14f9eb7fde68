"""Split a text holding several queries into the queries, as the Defender portal and Kusto.Explorer do.

Both keep several queries in one editor, separated by blank lines, and run the one under the cursor. A
blank line ends a query only between statements (never inside brackets or a string); `let`, `set` and
`declare` statements and comments above a query belong to it, and a block that starts with `|` continues
the query above it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from kqlite.syntax.tokens import Kind, Token, tokenize

_BLANK_LINE = re.compile(r"\n[^\S\n]*(?:\r)?\n")
_OPEN, _CLOSE = frozenset("([{"), frozenset(")]}")


@dataclass(frozen=True)
class QueryText:
    """One query of a text: its own text, and where it starts in the whole (for error positions)."""

    text: str
    start: int  # offset of `text` in the whole text
    line: int   # 1-based line of the whole text where `text` starts

    def positioned(self) -> str:
        """The query padded with the line breaks before it, so that errors name lines of the whole text."""
        return "\n" * (self.line - 1) + self.text


def split_queries(text: str) -> list[QueryText]:
    """The queries of `text` in order (one, when it has no blank line between statements)."""
    tokens = [t for t in tokenize(text) if t.kind is not Kind.EOF]
    if not tokens:
        return []
    blocks: list[list[Token]] = [[tokens[0]]]
    depth = _depth_change(tokens[0])
    for previous, token in zip(tokens, tokens[1:], strict=False):
        gap = text[previous.end:token.pos]
        if depth <= 0 and _has_blank_line(gap):
            blocks.append([])
        blocks[-1].append(token)
        depth += _depth_change(token)
    merged: list[list[Token]] = []
    pending: list[Token] = []  # statements (lets, sets) waiting for the query they belong to
    for block in blocks:
        if block[0].is_op("|") and merged and not pending:
            merged[-1].extend(block)
        elif block[-1].is_op(";"):
            pending.extend(block)
        else:
            merged.append(pending + block)
            pending = []
    if pending:  # statements with no query after them: a block of their own (it will say it has no query)
        merged.append(pending)
    queries = []
    for index, block in enumerate(merged):
        start = _block_start(text, block[0], merged[index - 1][-1] if index else None)
        start += len(text[start:block[0].pos]) - len(text[start:block[0].pos].lstrip())
        end = block[-1].end
        queries.append(QueryText(text[start:end], start, text.count("\n", 0, start) + 1))
    return queries


def _depth_change(token: Token) -> int:
    if token.kind is Kind.OP:
        return (token.text in _OPEN) - (token.text in _CLOSE)
    return 0


def _has_blank_line(gap: str) -> bool:
    """A line of white space only (a comment line is not blank) between two tokens."""
    without_comments = re.sub(r"//[^\n]*", "//", gap)
    return bool(_BLANK_LINE.search(without_comments))


def _block_start(text: str, first: Token, previous: Token | None) -> int:
    """Where a query's text starts: after the blank line that ends the query above it, so that the comments
    just above the query (its title, as hunting queries carry) belong to it."""
    if previous is None:
        return 0
    gap = text[previous.end:first.pos]
    without_comments = re.sub(r"//[^\n]*", lambda m: "/" * len(m.group(0)), gap)  # same length, not blank
    last_blank = None
    for match in _BLANK_LINE.finditer(without_comments):
        last_blank = match
    return previous.end + (last_blank.end() if last_blank else 0)
