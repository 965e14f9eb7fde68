"""The dialect interface: capability flags, storage types and named SQL shapes."""

from __future__ import annotations

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
