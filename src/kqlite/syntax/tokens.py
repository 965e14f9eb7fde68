"""The KQL tokenizer: turns query text into a list of tokens with their offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from kqlite.errors import KqlSyntaxError


class Kind(Enum):
    IDENT = "identifier"
    INT = "integer literal"
    REAL = "real literal"
    STRING = "string literal"
    TIMESPAN = "timespan literal"
    TYPED = "typed literal"  # datetime(...), long(null), guid(...): raw text kept for the parser
    OP = "operator"
    EOF = "end of query"


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    text: str
    pos: int
    end: int
    value: object = None  # decoded value: str for strings, int/float for numbers, (type, raw) for TYPED

    def is_op(self, *texts: str) -> bool:
        return self.kind is Kind.OP and self.text in texts

    def is_word(self, *words: str) -> bool:
        return self.kind is Kind.IDENT and self.text in words


# Longest first so that '==' wins over '='.
_OPERATORS = sorted(
    [
        "==", "!=", "=~", "!~", "<=", ">=", "<>", "=>", "..", "|", "(", ")", "[", "]", "{", "}", ",", ";",
        ".", "=", "<", ">", "+", "-", "*", "/", "%", ":", "?",
    ],
    key=len,
    reverse=True,
)

# Timespan suffixes accepted by Kusto's parser, mapped to 100 ns ticks.
TIMESPAN_UNITS: dict[str, int] = {}
for _names, _ticks in (
    (("d", "day", "days"), 864_000_000_000),
    (("h", "hr", "hrs", "hour", "hours"), 36_000_000_000),
    (("m", "min", "minute", "minutes"), 600_000_000),
    (("s", "sec", "second", "seconds"), 10_000_000),
    (("ms", "milli", "millis", "millisec", "millisecond", "milliseconds"), 10_000),
    (("microsec", "microsecond", "microseconds", "micro", "micros"), 10),
    (("nanosec", "nanosecond", "nanoseconds", "nano", "nanos"), 0),  # sub-tick: handled below
    (("tick", "ticks"), 1),
):
    for _name in _names:
        TIMESPAN_UNITS[_name] = _ticks

# Words that, followed by '(', start a literal whose inside is raw text rather than an expression.
TYPED_LITERAL_WORDS = {
    "datetime", "date", "timespan", "time", "guid", "long", "int", "real", "double", "bool", "boolean",
    "decimal", "int64", "int32",
}

_DIGITS = frozenset("0123456789")
_NUMBER = re.compile(r"(0[xX][0-9a-fA-F]+)|((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)")
_IDENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_]*")
_NEGATED_WORD = re.compile(r"![A-Za-z_][A-Za-z0-9_]*~?")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "0": "\0", "/": "/"}


# Characters editors and web pages slip into query text (a BOM, zero-width spaces and joiners): Kusto reads
# them as white space outside string literals.
_INVISIBLE = frozenset("\ufeff\u200b\u200c\u200d\u2060")


def tokenize(text: str) -> list[Token]:
    """Split KQL text into tokens; raises KqlSyntaxError naming the position of anything unreadable."""
    return _Tokenizer(text).run()


class _Tokenizer:
    def __init__(self, text: str):
        self.text = text
        self.i = 0
        self.tokens: list[Token] = []

    def error(self, message: str, pos: int, hint: str | None = None) -> KqlSyntaxError:
        return KqlSyntaxError(message, self.text, pos, hint)

    def run(self) -> list[Token]:
        text = self.text
        n = len(text)
        while True:
            self.skip_space_and_comments()
            if self.i >= n:
                self.tokens.append(Token(Kind.EOF, "", n, n))
                return self.tokens
            c = text[self.i]
            if c in "\"'" or (c in "@hH" and self.i + 1 < n and text[self.i + 1] in "\"'") or (
                    c in "hH" and text.startswith(("@\"", "@'"), self.i + 1)):
                self.string()
            elif c == "`" and text.startswith("```", self.i):
                self.multiline_string()
            elif c == "@" and text.startswith("@```", self.i):
                self.i += 1
                self.multiline_string()
            elif c in _DIGITS or (c == "." and self.i + 1 < n and text[self.i + 1] in _DIGITS and not self.after_dot_member()):
                self.number()
            elif c.isascii() and (c.isalpha() or c in "_$"):
                self.word()
            elif c == "!" and _NEGATED_WORD.match(text, self.i):
                m = _NEGATED_WORD.match(text, self.i)
                self.push(Kind.OP, m.group(0), self.i, m.end())
            else:
                for op in _OPERATORS:
                    if text.startswith(op, self.i):
                        self.push(Kind.OP, op, self.i, self.i + len(op))
                        break
                else:
                    raise self.error(f"unexpected character {c!r}", self.i)

    def after_dot_member(self) -> bool:
        # "x.5" never occurs in KQL, but "d.a" does; a '.' right after an identifier is member access.
        return bool(self.tokens) and self.tokens[-1].end == self.i and self.tokens[-1].kind is Kind.IDENT

    def push(self, kind: Kind, tok_text: str, start: int, end: int, value: object = None) -> None:
        self.tokens.append(Token(kind, tok_text, start, end, value))
        self.i = end

    def skip_space_and_comments(self) -> None:
        text, n = self.text, len(self.text)
        while self.i < n:
            c = text[self.i]
            if c.isspace() or c in _INVISIBLE:
                self.i += 1
            elif text.startswith("//", self.i):
                nl = text.find("\n", self.i)
                self.i = n if nl < 0 else nl + 1
            else:
                return

    def string(self) -> None:
        text, start = self.text, self.i
        verbatim = text[self.i] == "@"
        if text[self.i] in "hH":  # h"..." marks a string to obfuscate in logs; same value
            self.i += 1
            if text[self.i] == "@":
                verbatim = True
        if verbatim:
            self.i += 1
        quote = text[self.i]
        self.i += 1
        out: list[str] = []
        while True:
            if self.i >= len(text) or text[self.i] == "\n":
                raise self.error("unterminated string literal", start, f"close the string with {quote}")
            c = text[self.i]
            if c == quote:
                if verbatim and text.startswith(quote * 2, self.i):
                    out.append(quote)
                    self.i += 2
                    continue
                self.i += 1
                break
            if c == "\\" and not verbatim:
                self.i += 1
                if self.i >= len(text):
                    raise self.error("unterminated string literal", start)
                e = text[self.i]
                if e in _ESCAPES:
                    out.append(_ESCAPES[e])
                    self.i += 1
                elif e == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[self.i + 1 : self.i + 5]):
                    out.append(chr(int(text[self.i + 1 : self.i + 5], 16)))
                    self.i += 5
                elif e == "x" and re.fullmatch(r"[0-9a-fA-F]{2}", text[self.i + 1 : self.i + 3]):
                    out.append(chr(int(text[self.i + 1 : self.i + 3], 16)))
                    self.i += 3
                else:
                    raise self.error(f"unknown escape sequence \\{e} in string literal", self.i - 1,
                                     "use @\"...\" for a verbatim string, or \\\\ for a backslash")
                continue
            out.append(c)
            self.i += 1
        self.tokens.append(Token(Kind.STRING, text[start : self.i], start, self.i, "".join(out)))

    def multiline_string(self) -> None:
        start = self.i
        close = self.text.find("```", self.i + 3)
        if close < 0:
            raise self.error("unterminated ``` string literal", start)
        self.push(Kind.STRING, self.text[start : close + 3], start, close + 3, self.text[self.i + 3 : close])

    def number(self) -> None:
        text, start = self.text, self.i
        m = _NUMBER.match(text, self.i)
        assert m is not None
        end = m.end()
        if m.group(1):
            value: int | float = int(m.group(1), 16)
            kind = Kind.INT
        else:
            literal = m.group(2)
            if len(literal) > 400:  # longer than any long or real: Python would refuse to convert it
                raise self.error(f"number literal of {len(literal)} characters is out of range", start,
                                 "a long holds 19 digits, a real about 308")
            is_real = "." in literal or "e" in literal.lower()
            # "1..5" is a range (1 .. 5), not "1." followed by ".5"
            if literal.endswith(".") and text.startswith("..", end - 1):
                end -= 1
                literal = literal[:-1]
                is_real = "e" in literal.lower()
            suffix = _IDENT.match(text, end)
            if suffix and not m.group(4):
                unit = suffix.group(0)
                if unit in TIMESPAN_UNITS or unit.lower() in TIMESPAN_UNITS:
                    ticks = _timespan_ticks(literal, unit.lower())
                    self.push(Kind.TIMESPAN, text[start : suffix.end()], start, suffix.end(), ticks)
                    return
                raise self.error(f"unknown suffix {unit!r} after number", end,
                                 "timespan units are d, h, m, s, ms, microsecond, tick")
            if suffix:
                raise self.error(f"unexpected {suffix.group(0)!r} after number", end)
            if is_real:
                value, kind = float(literal), Kind.REAL
            else:
                value, kind = int(literal), Kind.INT
                if value > 2**63 - 1:
                    raise self.error(f"integer literal {literal} does not fit in a long", start,
                                     "write it as a real (add .0) or use a smaller value")
        self.push(kind, text[start:end], start, end, value)

    def word(self) -> None:
        text = self.text
        m = _IDENT.match(text, self.i)
        assert m is not None
        start, end = self.i, m.end()
        word = m.group(0)
        if word == "in" and text.startswith("~", end):
            self.push(Kind.OP, "in~", start, end + 1)
            return
        j = end
        while j < len(text) and text[j] in " \t":
            j += 1
        if word in TYPED_LITERAL_WORDS and text.startswith("(", j) and not self.after_member_dot(start):
            close = self.matching_paren(j)
            raw = text[j + 1 : close].strip()
            self.push(Kind.TYPED, text[start : close + 1], start, close + 1, (word, raw))
            return
        self.push(Kind.IDENT, word, start, end)

    def after_member_dot(self, start: int) -> bool:
        return bool(self.tokens) and self.tokens[-1].is_op(".") and self.tokens[-1].end == start

    def matching_paren(self, open_pos: int) -> int:
        depth = 0
        i = open_pos
        text = self.text
        while i < len(text):
            c = text[i]
            if c in "\"'":
                end = text.find(c, i + 1)
                if end < 0:
                    break
                i = end
            elif c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
                if depth == 0:
                    return i
            elif c == "\n" and depth == 1 and text[open_pos + 1 : i].strip() == "":
                pass
            i += 1
        raise self.error("missing ')' to close this literal", open_pos)


def _timespan_ticks(literal: str, unit: str) -> int:
    from decimal import Decimal

    amount = Decimal(literal)
    if unit in ("nanosec", "nanosecond", "nanoseconds", "nano", "nanos"):
        return int(amount / 100)
    return int(amount * TIMESPAN_UNITS[unit])
