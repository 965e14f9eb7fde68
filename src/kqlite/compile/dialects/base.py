"""The dialect interface: capability flags, storage types and named SQL shapes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import sqlglot
from sqlglot import exp

from kqlite.compile.sqlbuild import fill_holes


def group_numbers(regex: str) -> dict[str, int]:
    """The number of each named group (`(?P<name>...)` or `(?<name>...)`) of a regex: capturing groups count
    from 1, left to right."""
    numbers: dict[str, int] = {}
    count = 0
    i = 0
    in_class = False
    while i < len(regex):
        ch = regex[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            named = regex.startswith("(?P<", i) or (regex.startswith("(?<", i)
                                                    and not regex.startswith(("(?<=", "(?<!"), i))
            if named:
                count += 1
                start = regex.index("<", i) + 1
                numbers[regex[start:regex.index(">", start)]] = count
            elif not regex.startswith("(?", i):
                count += 1
        i += 1
    return numbers


# The variables shapes use in lambdas (and the shapes that run inside another shape's lambda read, such as
# list_element_at_i's `i`). A query's own column of the same name must not be captured by them, nor capture
# them: every such name in a shape is renamed to lambda_variable(name).
LAMBDA_VARIABLES = frozenset({"e", "i", "x", "y", "a", "b", "p", "f", "l", "r", "acc", "v", "t", "k"})


def lambda_variable(name: str) -> str:
    return f"__kq_{name}"


def hide_lambda_variables(tree: exp.Expression) -> exp.Expression:
    """Rename the lambda variables of a parsed shape (and the free uses of them a shape makes inside another
    shape's lambda), so that they cannot meet a column of the query: a column `e` would otherwise shadow
    `e.key` in DuckDB, or an aggregate over a column `e` would be read as one over the lambda's `e`."""
    for identifier in list(tree.find_all(exp.Identifier)):
        if identifier.quoted or identifier.name not in LAMBDA_VARIABLES:
            continue
        parent = identifier.parent
        if isinstance(parent, exp.Column) and parent.args.get("table") is not None and parent.this is identifier:
            continue  # x.v: v is a field of the variable x
        if isinstance(parent, exp.Dot) and parent.expression is identifier:
            continue
        if isinstance(parent, exp.PropertyEQ) and parent.this is identifier:
            continue  # a struct literal's key
        if isinstance(parent, exp.Alias) and parent.parent is tree:
            continue  # an output column of a shape that is a query (range's v): the compiler reads it
        identifier.replace(exp.to_identifier(lambda_variable(identifier.name)))
    return tree


# Datetimes are Kusto's ticks (BIGINT: 100 ns since 0001-01-01 UTC). A shape that needs the calendar reads them
# as a timestamp (microseconds) and gives ticks back, with the ticks below the microsecond added back where
# the calendar does not move them; what is plain tick arithmetic (days, hours, weeks) stays integer arithmetic.
DAY_TICKS = 864000000000
MAX_TICKS = 3155378975999999999  # 9999-12-31 23:59:59.9999999


@dataclass(frozen=True)
class TickSql:
    """SQL text over ticks in one engine, from the engine's own pieces (each a template of `{}` holes):
    `from_micros` / `to_micros` turn microseconds since 1970 into a timestamp and back, `div` and `mod`
    are floor division and a non-negative modulo, `seconds` writes a timestamp as yyyy-MM-ddTHH:mm:ss,
    `text` is the engine's text type."""

    from_micros: str
    to_micros: str
    div: str
    mod: str
    seconds: str
    text: str

    def ts(self, ticks: str) -> str:
        """The timestamp of ticks (the ticks below the microsecond dropped)."""
        return self.from_micros.format(f"{self.div.format(ticks, 10)} - 62135596800000000")

    def ticks(self, timestamp: str) -> str:
        return f"({self.to_micros.format(timestamp)} * 10 + 621355968000000000)"

    def calendar(self, ticks: str, timestamp: str, below_microsecond: bool = True) -> str:
        """Ticks of `timestamp`, a calendar computation on {t}, the timestamp of `ticks`; with the ticks of
        `ticks` below the microsecond added back unless the computation truncates them."""
        result = self.ticks(timestamp.replace("{t}", self.ts(ticks)))
        return f"{result} + {self.mod.format(ticks, 10)}" if below_microsecond else result

    def iso_text(self, ticks: str) -> str:
        """Kusto's text of a datetime: ISO 8601 with seven fractional digits."""
        fraction = self.mod.format(ticks, 10000000)
        return (f"{self.seconds.format(self.ts(ticks))} || '.' || lpad(CAST({fraction} AS {self.text}), 7, '0') "
                "|| 'Z'")

    def week_start(self, ticks: str) -> str:
        """Ticks of the Sunday that starts the week (0001-01-01 was a Monday)."""
        day = self.div.format(ticks, DAY_TICKS)
        return f"({day} - {self.mod.format(f'({day} + 1)', 7)}) * {DAY_TICKS}"


class ShapeUnavailable(LookupError):
    """The engine has no SQL for a shape the query needs."""

    def __init__(self, dialect: str, shape: str):
        super().__init__(f"the {dialect} backend cannot compute '{shape}' yet")
        self.dialect = dialect
        self.shape = shape


class Dialect:
    """One SQL engine as the compiler sees it. Subclasses fill the class-level tables."""

    name: ClassVar[str]
    sqlglot_dialect: ClassVar[str]
    # name -> SQL text of the engine with `:hole` placeholders (`$hole` where `:` would be ambiguous)
    SHAPES: ClassVar[dict[str, str]]
    # neutral function name -> the engine's function of the same meaning and arguments
    FUNCTIONS: ClassVar[dict[str, str]]
    # neutral function name -> an expression of the engine with holes :a0, :a1 ... (fixed arity)
    FUNCTION_SHAPES: ClassVar[dict[str, str]] = {}
    # KQL type -> the engine's storage type
    TYPES: ClassVar[dict[str, str]]
    # capabilities
    materialized_ctes: ClassVar[bool] = False  # WITH x AS MATERIALIZED (...)
    # several unnest(list) in one SELECT zip their lists (the longest decides; shape "unnest_list")
    parallel_unnest: ClassVar[bool] = False
    # a correlated subquery may read the outer row from inside another correlated subquery
    nested_correlation: ClassVar[bool] = True
    # arg_max_null/arg_min_null keep the first of tied keys (then a null datetime key can be read as a number
    # beyond every datetime, and the row picked where every key is null is the first, as first() gives)
    arg_ties_keep_first: ClassVar[bool] = True
    window_needs_order: ClassVar[bool] = False  # ROW_NUMBER() OVER () is refused or non-deterministic
    regex_group_reference: ClassVar[str] = "\\{}"  # how a regex replacement names group {n}
    lambda_subqueries: ClassVar[bool] = True  # a lambda's body may hold a subquery (a toscalar() value)
    # format_datetime's fixed-width tokens (yyyy, MM, ..., tt) -> the engine's format codes
    DATETIME_FORMAT_CODES: ClassVar[dict[str, str]] = {}

    def __init__(self) -> None:
        self._parsed: dict[str, exp.Expression] = {}

    def has_shape(self, name: str) -> bool:
        return name in self.SHAPES

    def shape(self, name: str, **parts: exp.Expression) -> exp.Expression:
        """The shape `name` with its holes filled by the given expression nodes (copied)."""
        tree = self._parsed.get(name)
        if tree is None:
            try:
                text = self.SHAPES[name]
            except KeyError:
                raise ShapeUnavailable(self.name, name) from None
            tree = self._parsed[name] = hide_lambda_variables(sqlglot.parse_one(text, read=self.sqlglot_dialect))
        filled = fill_holes(tree.copy(), parts)
        if not self.lambda_subqueries and any(lam.find(exp.Subquery, exp.Select) is not None
                                              for lam in filled.find_all(exp.Lambda)):
            raise ShapeUnavailable(self.name, f"{name} of a toscalar() value")
        return filled

    def call(self, name: str, args: list[exp.Expression]) -> exp.Expression:
        """A call of the engine's function that means `name` (same arguments, same result)."""
        engine_name = self.FUNCTIONS.get(name)
        if engine_name is not None:
            return exp.Anonymous(this=engine_name, expressions=list(args))
        text = self.FUNCTION_SHAPES.get(name)
        if text is None:
            raise ShapeUnavailable(self.name, f"{name}()")
        tree = self._parsed.get(f"{name}()")
        if tree is None:
            tree = self._parsed[f"{name}()"] = sqlglot.parse_one(text, read=self.sqlglot_dialect)
        return fill_holes(tree.copy(), {f"a{i}": arg for i, arg in enumerate(args)})

    def regex(self, pattern: str) -> str:
        """A regex in RE2 syntax (Kusto's) as the engine's regex library reads it."""
        return pattern

    def regex_groups(self, text: exp.Expression, regex: str, names: list[str]) -> exp.Expression:
        """A struct of the named groups `(?P<name>...)` of the first match of `regex` (RE2 syntax) in `text`."""
        # DuckDB names the groups by position: unnamed groups of the pattern's own get a name of their own
        numbers = group_numbers(regex)
        by_number = {number: name for name, number in numbers.items()}
        positional = [by_number.get(n, f"_group{n}") for n in range(1, max(numbers.values(), default=0) + 1)]
        return self.call("regexp_extract", [text, exp.Literal.string(regex),
                                            exp.Array(expressions=[exp.Literal.string(n) for n in positional])])

    def filter_element(self) -> exp.Expression:
        """In the test of the `json_list_filter_positions` shape: the element tested."""
        return exp.column("e", table="_s", quoted=True)

    def filter_position(self) -> exp.Expression:
        """In the test of the `json_list_filter_positions` shape: the element's position, from 1."""
        return exp.column("i", table="_s", quoted=True)

    def regex_group(self, text: exp.Expression, regex: str, names: list[str], name: str) -> exp.Expression:
        """Group `name` of the first match of `regex`, whose named groups are `names` in order."""
        # struct_extract with the field's name as text: a field name written as an identifier would be renamed
        # when the query has a column of that name in another case (Port)
        return self.call("struct_extract", [self.regex_groups(text, regex, names), exp.Literal.string(name)])

    def json_member(self, value: exp.Expression, key: str) -> exp.Expression:
        """value[key] of a dynamic value, for a key known when compiling."""
        return self.shape("json_member", t=value, i=exp.Literal.string(key))

    def json_element(self, value: exp.Expression, index: int) -> exp.Expression:
        """value[index] of a dynamic array (negative: from the end), for an index known when compiling."""
        return self.shape("json_index", t=value, i=exp.Literal.number(index) if index >= 0
                          else exp.Neg(this=exp.Literal.number(-index)))

    def sql_type(self, kql_type: str) -> exp.DataType:
        return exp.DataType.build(self.TYPES[kql_type], dialect=self.sqlglot_dialect)

    def generate(self, tree: exp.Expression, pretty: bool = False) -> str:
        """The engine's SQL text for a compiled tree."""
        return tree.sql(dialect=self.sqlglot_dialect, pretty=pretty, copy=False)


def command_line_fold(struct: Callable[[list[tuple[str, str]]], str], append: str, idiv: str) -> str:
    """The step of a fold over a command line's characters (`x`) that splits it as Windows'
    CommandLineToArgvW does (shell32, as Wine documents it), written with the engine's struct constructor
    `struct` (of name/value pairs), list append `append` ({l}, {v}) and whole division `idiv` ({a}, {b}).

    The state `acc`: `args` so far, the argument being read `cur`, the phase `ph` (0 nothing read yet, 1 and 2
    the program name unquoted and quoted, 3 between arguments, 4 in an argument), `qc` the quote count (1 in
    quotes), `bc` the backslashes just read, `qr` a run of quotes goes on. The program name ends at the next
    quote or blank and knows no escapes; after it, 2n backslashes and a quote are n backslashes and a quote
    that opens or closes quotes, 2n + 1 backslashes and a quote are n backslashes and a literal quote, other
    backslashes are literal, and in a run of quotes every third one is literal."""
    blank = "(x = ' ' OR x = chr(9))"
    quote_run = "(acc.ph = 4 AND acc.qr AND x = '\"')"
    # a run of quotes that ended on 2 leaves the quotes; between arguments everything starts over
    cur = "(CASE WHEN acc.ph = 3 THEN '' ELSE acc.cur END)"
    bc = "(CASE WHEN acc.ph = 3 THEN 0 ELSE acc.bc END)"
    qc = "(CASE WHEN acc.ph = 3 THEN 0 WHEN acc.qr AND acc.qc = 2 THEN 0 ELSE acc.qc END)"
    half = idiv.format(a=bc, b="2")
    pushed = append.format(l="acc.args", v="acc.cur")

    def state(args: str, cur_: str, ph: str, qc_: str, bc_: str, qr: str) -> str:
        return struct([("args", args), ("cur", cur_), ("ph", ph), ("qc", qc_), ("bc", bc_), ("qr", qr)])

    empty, quote, backslash = "''", "'\"'", "chr(92)"
    unquote = (f"CASE WHEN {bc} % 2 = 0 THEN left({cur}, length({cur}) - {half}) "
               f"ELSE left({cur}, length({cur}) - {half} - 1) || {quote} END")
    first = (f"CASE WHEN x = {quote} THEN {state('acc.args', empty, '2', '0', '0', 'FALSE')} "
             f"WHEN {blank} THEN {state(append.format(l='acc.args', v=empty), empty, '3', '0', '0', 'FALSE')} "
             f"ELSE {state('acc.args', 'x', '1', '0', '0', 'FALSE')} END")
    third_quote = (f"CASE WHEN acc.qc = 2 THEN acc.cur || {quote} ELSE acc.cur END",
                   "CASE WHEN acc.qc = 2 THEN 0 ELSE acc.qc + 1 END")
    return (
        f"CASE WHEN acc.ph = 0 THEN ({first}) "
        f"WHEN acc.ph = 1 AND {blank} OR acc.ph = 2 AND x = {quote} "
        f"THEN {state(pushed, empty, '3', '0', '0', 'FALSE')} "
        f"WHEN acc.ph IN (1, 2) THEN {state('acc.args', 'acc.cur || x', 'acc.ph', '0', '0', 'FALSE')} "
        f"WHEN acc.ph = 3 AND {blank} THEN acc "
        f"WHEN {quote_run} THEN {state('acc.args', third_quote[0], '4', third_quote[1], '0', 'TRUE')} "
        f"WHEN {blank} AND {qc} = 0 THEN {state(pushed, empty, '3', '0', '0', 'FALSE')} "
        f"WHEN x = {backslash} THEN {state('acc.args', cur + ' || x', '4', qc, bc + ' + 1', 'FALSE')} "
        f"WHEN x = {quote} THEN {state('acc.args', unquote, '4', f'CASE WHEN {bc} % 2 = 0 THEN {qc} + 1 ELSE {qc} END', '0', 'TRUE')} "
        f"ELSE {state('acc.args', cur + ' || x', '4', qc, '0', 'FALSE')} END")


def csv_fold(struct: Callable[[list[tuple[str, str]]], str], append: str) -> str:
    """The step of a fold over a text's characters (`x`) that reads its first CSV record (RFC 4180): fields
    split at commas, a field in double quotes may hold commas, line feeds and "" for a quote; the record ends
    at the first line feed outside quotes. Engine pieces as command_line_fold's.

    The state `acc`: `fields` so far, the field being read `cur`, the phase `ph` (0 a field starts, 1 in a
    field without quotes, 2 in quotes, 3 a quote in quotes just read: it closes them or starts "", 4 the
    record ended). A character after the closing quote is kept, as in a field without quotes."""
    quote, comma, line_feed, empty = "'\"'", "','", "chr(10)", "''"
    pushed = append.format(l="acc.fields", v="acc.cur")

    def state(fields: str, cur: str, ph: str) -> str:
        return struct([("fields", fields), ("cur", cur), ("ph", ph)])

    return (
        "CASE WHEN acc.ph = 4 THEN acc "
        f"WHEN acc.ph = 2 THEN (CASE WHEN x = {quote} THEN {state('acc.fields', 'acc.cur', '3')} "
        f"ELSE {state('acc.fields', 'acc.cur || x', '2')} END) "
        f"WHEN acc.ph = 3 AND x = {quote} THEN {state('acc.fields', 'acc.cur || x', '2')} "
        f"WHEN acc.ph = 0 AND x = {quote} THEN {state('acc.fields', 'acc.cur', '2')} "
        f"WHEN x = {comma} THEN {state(pushed, empty, '0')} "
        f"WHEN x = {line_feed} THEN {state('acc.fields', 'acc.cur', '4')} "
        f"ELSE {state('acc.fields', 'acc.cur || x', '1')} END")


# format_bytes: the units and the number of bytes each one stands for
BYTE_UNITS = ("Bytes", "KB", "MB", "GB", "TB", "PB", "EB")


def format_bytes_shape(bind: str, element: str, printf: str) -> str:
    """format_bytes(:x real, :p precision, :u units) as engine text: `bind` binds the unit's index (0 for
    Bytes) to the lambda variable k ({v}, {body}), `element` picks item k from a list of texts ({k}), `printf`
    formats a real with a format string ({f}, {v}). The value is rounded half away from zero to :p digits
    (without the engine's own rounding, the same on every engine), and its trailing zeros are dropped."""
    named = " ".join(f"WHEN '{name.lower()}' THEN {i}" for i, name in enumerate(BYTE_UNITS))
    auto = " ".join(f"WHEN abs(:x) >= {1024 ** i} THEN {i}" for i in range(len(BYTE_UNITS) - 1, 0, -1))
    index = f"CASE lower(:u) {named} ELSE CASE {auto} ELSE 0 END END"
    digits = "greatest(COALESCE(:p, 0), 0)"
    scaled = f"(abs(:x) / power(1024, k) * power(10, {digits}))"
    rounded = f"(sign(:x) * floor({scaled} + 0.5) / power(10, {digits}))"
    text = printf.format(f=f"'%.' || CAST({digits} AS STRING) || 'f'", v=rounded)
    trimmed = f"CASE WHEN {digits} > 0 THEN regexp_replace({text}, '[.]?0+$', '') ELSE {text} END"
    names = ", ".join(f"'{name}'" for name in BYTE_UNITS)
    body = f"{trimmed} || ' ' || {element.format(k='k', names=names)}"
    return f"CASE WHEN :x IS NULL THEN '' ELSE {bind.format(v=index, body=body)} END"


# a guid's 32 hex digits (t) in .NET's byte order (Guid.ToByteArray: the first three groups little-endian)
GUID_HEX_TO_BYTES = ("substr(t, 7, 2) || substr(t, 5, 2) || substr(t, 3, 2) || substr(t, 1, 2) || substr(t, 11, 2) || "
                     "substr(t, 9, 2) || substr(t, 15, 2) || substr(t, 13, 2) || substr(t, 17, 16)")
# 16 bytes' hex digits (t) in .NET's order as a guid's text
GUID_BYTES_TO_TEXT = ("lower(substr(t, 7, 2) || substr(t, 5, 2) || substr(t, 3, 2) || substr(t, 1, 2) || '-' || "
                      "substr(t, 11, 2) || substr(t, 9, 2) || '-' || substr(t, 15, 2) || substr(t, 13, 2) || '-' || "
                      "substr(t, 17, 4) || '-' || substr(t, 21, 12))")


# ---- XXH64 (seed 0), which Kusto's hash() computes: Yann Collet's algorithm, written over 64-bit words
_XXH_P1, _XXH_P2, _XXH_P3 = 0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9
_XXH_P4, _XXH_P5 = 0x85EBCA77C2B2AE63, 0x27D4EB2F165667C5


class Words64:
    """An engine's arithmetic on 64-bit words that wraps around (mod 2^64), as engine text."""

    def const(self, value: int) -> str:
        raise NotImplementedError

    def add(self, a: str, b: str) -> str:
        raise NotImplementedError

    def mul(self, a: str, b: str) -> str:
        raise NotImplementedError

    def xor(self, a: str, b: str) -> str:
        raise NotImplementedError

    def shr(self, a: str, n: int) -> str:
        raise NotImplementedError

    def rotl(self, a: str, n: int) -> str:
        raise NotImplementedError

    def from_signed(self, a: str) -> str:
        """A signed BIGINT as a word."""
        raise NotImplementedError

    def signed(self, a: str) -> str:
        """The word as a signed BIGINT."""
        raise NotImplementedError

    def from_count(self, a: str) -> str:
        """A whole number (a byte count) as a word."""
        raise NotImplementedError

    def idiv(self, a: str, b: str) -> str:
        raise NotImplementedError

    def struct(self, fields: list[str]) -> str:
        """A struct of fields v1, v2, ... (words)."""
        raise NotImplementedError

    def let(self, value: str, var: str, body: str) -> str:
        """`body` with the lambda variable `var` bound to `value` (computed once)."""
        raise NotImplementedError

    def fold(self, count: str, var: str, init: str, body: str) -> str:
        """`init` folded over 0 .. count - 1 (the index `var`, the state `acc`) by `body`."""
        raise NotImplementedError

    def word(self, hex_text: str, byte: str, size: int) -> str:
        """The little-endian word of `size` bytes at byte offset `byte` of bytes written as hex text."""
        raise NotImplementedError


def _xxh64_round(w: Words64, acc: str, lane: str) -> str:
    return w.mul(w.rotl(w.add(acc, w.mul(lane, w.const(_XXH_P2))), 31), w.const(_XXH_P1))


def _xxh64_avalanche(w: Words64, h: str) -> str:
    """The final mix, each step bound to a variable of its own so that no text is repeated."""
    step1 = w.mul(w.xor("x", w.shr("x", 33)), w.const(_XXH_P2))
    step2 = w.mul(w.xor("y", w.shr("y", 29)), w.const(_XXH_P3))
    return w.let(h, "x", w.let(step1, "y", w.let(step2, "e", w.signed(w.xor("e", w.shr("e", 32))))))


def xxh64_hex_shape(w: Words64) -> str:
    """XXH64 (seed 0) of the bytes whose hex text (two digits a byte) is :h, as a signed BIGINT."""
    n = f"{w.idiv('length(t)', '2')}"
    stripes = f"{w.idiv(n, '32')}"
    # 32-byte stripes into four accumulators
    lanes = [w.word("t", f"(i * 32 + {8 * k})", 8) for k in range(4)]
    inits = [w.const((_XXH_P1 + _XXH_P2) % 2**64), w.const(_XXH_P2), w.const(0), w.const((-_XXH_P1) % 2**64)]
    state = w.fold(stripes, "i", w.struct(inits),
                   w.struct([_xxh64_round(w, f"acc.v{k + 1}", lanes[k]) for k in range(4)]))

    def merge(h: str, v: str) -> str:
        return w.add(w.mul(w.xor(h, _xxh64_round(w, w.const(0), v)), w.const(_XXH_P1)), w.const(_XXH_P4))

    converged = w.add(w.add(w.rotl("a.v1", 1), w.rotl("a.v2", 7)), w.add(w.rotl("a.v3", 12), w.rotl("a.v4", 18)))
    merged = w.let(converged, "x", w.let(merge("x", "a.v1"), "y", w.let(merge("y", "a.v2"), "x", merge("x", "a.v3"))))
    large = w.let(state, "a", w.let(merged, "y", merge("y", "a.v4")))
    h0 = f"CASE WHEN {n} >= 32 THEN {large} ELSE {w.const(_XXH_P5)} END"
    h1 = w.add(h0, w.from_count(n))
    # the 8-byte words after the stripes
    done = f"({stripes} * 32)"
    words = w.fold(w.idiv(f"({n} - {done})", "8"), "i", h1, w.add(w.mul(w.rotl(
        w.xor("acc", _xxh64_round(w, w.const(0), w.word("t", f"({done} + i * 8)", 8))), 27), w.const(_XXH_P1)),
        w.const(_XXH_P4)))
    done8 = f"({done} + {w.idiv(f'({n} - {done})', '8')} * 8)"
    # a 4-byte word, then single bytes
    four = w.let(words, "x", f"CASE WHEN {n} - {done8} >= 4 THEN " + w.add(w.mul(w.rotl(
        w.xor("x", w.mul(w.word("t", done8, 4), w.const(_XXH_P1))), 23), w.const(_XXH_P2)), w.const(_XXH_P3))
        + " ELSE x END")
    done4 = f"({done8} + CASE WHEN {n} - {done8} >= 4 THEN 4 ELSE 0 END)"
    tail = w.fold(f"({n} - {done4})", "i", four, w.mul(w.rotl(
        w.xor("acc", w.mul(w.word("t", f"({done4} + i)", 1), w.const(_XXH_P5))), 11), w.const(_XXH_P1)))
    return f"CASE WHEN :h IS NULL THEN NULL ELSE {w.let(':h', 't', _xxh64_avalanche(w, tail))} END"


def xxh64_long_shape(w: Words64) -> str:
    """XXH64 (seed 0) of the 8 little-endian bytes of the BIGINT :v (datetime ticks), as a signed BIGINT."""
    h = w.add(w.const(_XXH_P5), w.const(8))
    lane = _xxh64_round(w, w.const(0), w.from_signed(":v"))
    mixed = w.add(w.mul(w.rotl(w.xor("x", lane), 27), w.const(_XXH_P1)), w.const(_XXH_P4))
    return f"CASE WHEN :v IS NULL THEN NULL ELSE {_xxh64_avalanche(w, w.let(h, 'x', mixed))} END"
