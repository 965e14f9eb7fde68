"""Syntax tree nodes. Every node keeps `pos`, the offset of its first character, for error messages."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import field


def _repr(self) -> str:
    return f"{type(self).__name__}({', '.join(f'{f.name}={getattr(self, f.name)!r}' for f in dataclasses.fields(self))})"


def _eq(self, other: object):
    if other.__class__ is not self.__class__:
        return NotImplemented
    return all(getattr(self, f.name) == getattr(other, f.name) for f in dataclasses.fields(self))


def dataclass(cls):
    """A dataclass whose __repr__ and __eq__ are written once here: a dataclass makes each with exec(), and the
    ~75 node classes made that way were a tenth of a command-line query's start-up. Same behaviour."""
    cls = dataclasses.dataclass(repr=False, eq=False)(cls)
    cls.__repr__, cls.__eq__, cls.__hash__ = _repr, _eq, None
    return cls

# ---------------------------------------------------------------- scalar expressions


@dataclass
class Expr:
    pos: int


@dataclass
class Literal(Expr):
    type: str  # KQL type name: long, real, string, bool, datetime, timespan, dynamic, guid, int, decimal
    value: object  # None for typed nulls; datetime as ISO text; timespan as ticks; dynamic as JSON value


@dataclass
class Name(Expr):
    name: str


@dataclass
class Star(Expr):
    """`*` as an argument: arg_max(x, *), take_any(*)."""


@dataclass
class Call(Expr):
    name: str
    args: list[Expr]


@dataclass
class NamedArg(Expr):
    """`name = value` as a function argument (kept so that the compiler can refuse it by name)."""

    name: str
    value: Expr


@dataclass
class TypeOf(Expr):
    type: str


@dataclass
class SchemaOf(Expr):
    """`typeof(*, Name:type, ...)`: a plugin's output schema (python()); ("*", "") stands for the input's columns."""

    columns: list[tuple[str, str]]


@dataclass
class Unary(Expr):
    op: str
    operand: Expr


@dataclass
class Binary(Expr):
    op: str
    left: Expr
    right: Expr


@dataclass
class Member(Expr):
    target: Expr
    name: str


@dataclass
class Index(Expr):
    target: Expr
    index: Expr


@dataclass
class InList(Expr):
    op: str  # in, !in, in~, !in~, has_any, has_all
    left: Expr
    items: list[Expr]  # scalars, or one tabular expression


@dataclass
class Between(Expr):
    negated: bool
    left: Expr
    low: Expr
    high: Expr


@dataclass
class Pipeline(Expr):
    """A tabular expression: a source followed by operators (also used inside parentheses)."""

    source: Expr  # a Name, a Call (materialize, view), or a tabular source operator
    operators: list[Operator] = field(default_factory=list)


# ---------------------------------------------------------------- tabular operators and sources


@dataclass
class Operator(Expr):
    pass


@dataclass
class NamedExpr:
    """`Name = Expr` or a bare expression in project/extend/summarize lists."""

    name: str | None
    expr: Expr
    names: list[str] | None = None  # (a, b) = f(...) multi-name form


@dataclass
class Where(Operator):
    predicate: Expr


@dataclass
class Project(Operator):
    items: list[NamedExpr]


@dataclass
class Extend(Operator):
    items: list[NamedExpr]


@dataclass
class ProjectAway(Operator):
    patterns: list[tuple[str, int]]  # (name or wildcard pattern, position)


@dataclass
class ProjectKeep(Operator):
    patterns: list[tuple[str, int]]


@dataclass
class ProjectRename(Operator):
    renames: list[tuple[str, str, int]]  # (new, old, position)


@dataclass
class ProjectReorder(Operator):
    patterns: list[tuple[str, str | None, int]]  # (pattern, asc/desc/granny-asc/granny-desc or None, pos)


@dataclass
class SortKey:
    expr: Expr
    descending: bool
    nulls_first: bool | None  # None: default for the direction


@dataclass
class Sort(Operator):
    keys: list[SortKey]


@dataclass
class Take(Operator):
    count: Expr


@dataclass
class Top(Operator):
    count: Expr
    key: SortKey


@dataclass
class Distinct(Operator):
    items: list[NamedExpr] | None  # None: distinct *


@dataclass
class Count(Operator):
    pass


@dataclass
class Evaluate(Operator):
    plugin: Call
    schema: list[tuple[str, str]] | None = None  # `: (name: type, ...)`, the output the query expects


@dataclass
class GetSchema(Operator):
    pass


@dataclass
class Summarize(Operator):
    aggregates: list[NamedExpr]
    by: list[NamedExpr]


@dataclass
class JoinCondition:
    left: str
    right: str
    pos: int


@dataclass
class Join(Operator):
    kind: str
    right: Pipeline
    conditions: list[JoinCondition]


@dataclass
class Lookup(Operator):
    kind: str
    right: Pipeline
    conditions: list[JoinCondition]


@dataclass
class Union(Operator):
    kind: str
    withsource: str | None
    legs: list[Expr]
    isfuzzy: bool = False


@dataclass
class As(Operator):
    name: str


@dataclass
class Serialize(Operator):
    items: list[NamedExpr]


@dataclass
class MvExpand(Operator):
    items: list[tuple[NamedExpr, str | None]]  # (column or Name = expr, `to typeof(T)` type)
    kind: str = "bag"
    item_index: str | None = None
    limit: Expr | None = None


@dataclass
class ParsePart:
    kind: str  # "const", "column" or "star"
    text: str = ""  # the constant's text, or the column name
    type: str = "string"
    pos: int = 0


@dataclass
class Parse(Operator):
    source: Expr
    parts: list[ParsePart]
    kind: str = "simple"  # simple, regex, relaxed
    flags: str = ""
    keep_only_matches: bool = False  # parse-where


@dataclass
class ParseKv(Operator):
    source: Expr
    keys: list[tuple[str, str, int]]  # (key, type, position)
    options: dict[str, str]


@dataclass
class SearchTerm(Expr):
    """A bare literal in a `search` predicate: true where any column has it as a term (`Column:"term"`: where
    that column has it)."""

    text: str
    column: str | None = None
    case_sensitive: bool = False


@dataclass
class Find(Operator):
    """`find [withsource=Name] [in (Tables)] where Predicate [project-smart | project Col[:type], ..., pack_all()]`."""

    predicate: Expr
    tables: list[str | Pipeline] | None = None  # names (a trailing '*' is a wildcard) or tabular expressions
    withsource: str | None = None
    project: list[tuple[str, str | None]] | None = None  # None: project-smart
    pack_all: bool = False


@dataclass
class Search(Operator):
    predicate: Expr
    tables: list[str] | None = None
    case_sensitive: bool = False


@dataclass
class TopNestedLevel:
    count: Expr | None  # None: every value
    key: NamedExpr
    aggregate: NamedExpr
    descending: bool
    others: Expr | None
    pos: int


@dataclass
class TopNested(Operator):
    levels: list[TopNestedLevel]


@dataclass
class MvApply(Operator):
    expand: MvExpand
    subquery: list[Operator]


@dataclass
class MakeSeries(Operator):
    aggregates: list[tuple[NamedExpr, Expr | None]]  # (aggregate, default value)
    axis: Expr
    start: Expr | None
    stop: Expr | None
    step: Expr
    by: list[NamedExpr]


@dataclass
class Invoke(Operator):
    call: Call


@dataclass
class ScanDeclare:
    """`name: type [= default]` in scan's declare clause."""

    name: str
    type: str
    default: Expr | None
    pos: int


@dataclass
class ScanStep:
    """`step name [output=all|last|none]: condition [=> col = expr, ...];`"""

    name: str
    output: str
    condition: Expr
    assignments: list[tuple[str, Expr, int]]
    pos: int


@dataclass
class Scan(Operator):
    match_id: str | None
    declares: list[ScanDeclare]
    steps: list[ScanStep]


@dataclass
class Partition(Operator):
    """`partition [hints] by Column (operators)`: the operators run on the rows of each value apart."""

    by: Name
    subquery: list[Operator]


@dataclass
class Sample(Operator):
    """`sample N`: N rows at random; `sample-distinct N of Column`: N of its distinct values."""

    count: Expr
    column: Name | None = None


@dataclass
class TopHitters(Operator):
    """`top-hitters N of Column [by Weight]`: the N most frequent values (or of largest total weight)."""

    count: Expr
    column: Name
    weight: Expr | None = None


@dataclass
class ForkLeg:
    """One subquery of a fork: `[name=](operators)`; its result table is named by `name` or the leg's `as`."""

    pos: int
    name: str | None
    operators: list[Operator]


@dataclass
class Fork(Operator):
    """`fork (ops) name=(ops) ...`: each leg runs on the input and gives its own result table."""

    legs: list[ForkLeg]


@dataclass
class Facet(Operator):
    """`facet by Col1, Col2 [with (ops)]`: a table of each column's values and counts, and the `with` pipe's."""

    columns: list[Name]
    with_operators: list[Operator] | None = None


@dataclass
class GenericOperator(Operator):
    """An operator kqlite parses only to report it as unsupported (name kept for the message)."""

    name: str


@dataclass
class Render(Operator):
    pass


@dataclass
class ExternalData(Operator):
    """`externaldata (col:type, ...) [uri, ...] [with (property = value, ...)]`."""

    columns: list[tuple[str, str]]
    uris: list[Expr]
    properties: dict[str, Expr]


@dataclass
class DataTable(Operator):
    columns: list[tuple[str, str]]
    values: list[Expr]


@dataclass
class Print(Operator):
    items: list[NamedExpr]


@dataclass
class Range(Operator):
    column: str
    start: Expr
    stop: Expr
    step: Expr


# ---------------------------------------------------------------- statements


@dataclass
class Param:
    name: str
    type: str | None  # scalar type name, or "table" for a tabular parameter
    default: Expr | None
    columns: list[tuple[str, str]] | None = None  # tabular parameter's declared columns (None = any)


@dataclass
class FunctionDef(Expr):
    params: list[Param]
    body: list[Statement]  # lets, then the result expression


@dataclass
class Statement:
    pos: int


@dataclass
class Let(Statement):
    name: str
    value: Expr  # a scalar expression, a Pipeline, or a FunctionDef


@dataclass
class QueryStatement(Statement):
    expr: Expr


@dataclass
class SetOption(Statement):
    """`set name [= value]`: a client request property for the query that follows."""

    name: str
    value: Expr | None = None


@dataclass
class DeclareParameters(Statement):
    """`declare query_parameters(name:type [= default], ...)`: values the caller gives the query."""

    params: list[Param]


@dataclass
class Script:
    statements: list[Statement]
    text: str


# the evaluate plugins whose answer is several tables (at the end of a query; elsewhere their first table)
SEVERAL_TABLE_PLUGINS = frozenset({"funnel_sequence"})


def ends_in_several_tables(node: Expr) -> bool:
    """A query whose last operator is fork, facet or a plugin of several tables: its answer is several tables."""
    if not isinstance(node, Pipeline) or not node.operators:
        return False
    last = node.operators[-1]
    if isinstance(last, Evaluate):
        return last.plugin.name in SEVERAL_TABLE_PLUGINS and last.schema is None
    return isinstance(last, Fork | Facet)


def script_ends_in_several_tables(script: Script) -> bool:
    last = script.statements[-1] if script.statements else None
    return isinstance(last, QueryStatement) and ends_in_several_tables(last.expr)


def rewrite(node: Expr, replace: Callable[[Expr], Expr | None]) -> Expr:
    """`node` with every sub-expression for which `replace` gives a node swapped for it (then not descended
    into); the others are copied only where something below them changed. Tabular subqueries are left whole."""
    replaced = replace(node)
    if replaced is not None:
        return replaced
    if isinstance(node, Pipeline) or not dataclasses.is_dataclass(node):
        return node
    changes = {}
    for part in dataclasses.fields(node):
        value = getattr(node, part.name)
        if isinstance(value, Expr):
            new = rewrite(value, replace)
            if new is not value:
                changes[part.name] = new
        elif isinstance(value, list) and any(isinstance(v, Expr) for v in value):
            new_list = [rewrite(v, replace) if isinstance(v, Expr) else v for v in value]
            if any(a is not b for a, b in zip(new_list, value, strict=True)):
                changes[part.name] = new_list
    return dataclasses.replace(node, **changes) if changes else node
