"""Exceptions raised by kqlite. Every error a user can cause says what, where and how to fix it."""

from __future__ import annotations


class KqlError(Exception):
    """Base class of every error kqlite raises on purpose."""


class KqlPositionedError(KqlError):
    """An error tied to a place in the query text (line and column are 1-based)."""

    def __init__(self, message: str, text: str = "", offset: int | None = None, hint: str | None = None):
        self.message = message
        self.text = text
        self.offset = offset
        self.hint = hint
        self.line, self.column = _line_col(text, offset) if offset is not None else (None, None)
        super().__init__(self._render())

    def _render(self) -> str:
        parts = []
        if self.line is not None:
            parts.append(f"line {self.line}, column {self.column}: {self.message}")
            source_line = self.text.splitlines()[self.line - 1] if self.text.splitlines() else ""
            parts.append("  " + source_line.replace("\t", " "))
            parts.append("  " + " " * (self.column - 1) + "^")
        else:
            parts.append(self.message)
        if self.hint:
            parts.append(f"hint: {self.hint}")
        return "\n".join(parts)


def placed(error: KqlPositionedError, text: str, offset: int | None, name: str) -> KqlPositionedError:
    """`error` (raised without a position) again, at `offset` of `text` and naming the function `name`."""
    if error.offset is not None or offset is None:
        return error
    message = error.message if f"{name}(" in error.message else f"{name}(): {error.message}"
    return type(error)(message, text, offset, error.hint)


class KqlSyntaxError(KqlPositionedError):
    """The query text is not valid KQL."""


class KqlSemanticError(KqlPositionedError):
    """The query is valid KQL but names something unknown or mixes types Kusto would reject."""


class KqlUnsupportedError(KqlPositionedError):
    """Valid KQL that kqlite does not run yet: raised instead of ever giving a wrong answer."""


class KqlDataError(KqlError):
    """Attached data cannot be read as the table's schema (names the table, column and value)."""


class KqlResourceError(KqlError):
    """A query hit a memory, time or thread limit."""


def _line_col(text: str, offset: int) -> tuple[int, int]:
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    line_start = text.rfind("\n", 0, offset) + 1
    # A position just past a trailing newline still points at the last real line.
    if line > 1 and line_start == len(text) and text.endswith("\n"):
        line -= 1
        line_start = text.rfind("\n", 0, offset - 1) + 1
        return line, offset - line_start
    return line, offset - line_start + 1
