"""Scalar expressions: KQL operators and names -> typed SQLGlot expressions with Kusto's null rules."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlglot import exp

from kqlite.compile import known_values
from kqlite.compile import sqlbuild as sb
from kqlite.compile.known_values import Known
from kqlite.compile.scope import Relation, col_ref
from kqlite.compile.types import NUMERIC, numeric_result
from kqlite.errors import KqlSemanticError, KqlUnsupportedError
from kqlite.syntax import ast

if TYPE_CHECKING:
    from kqlite.compile.compiler import Compiler, Env

_NO_CONST = object()
TICKS_PER_MICRO = 10


@dataclass
class Typed:
    sql: exp.Expression
    type: str
    name: str | None = None  # the name Kusto infers for an unnamed result (a bare column keeps its own)
    const: object = _NO_CONST  # the Python value when the expression is a literal
    known: Known | None = None  # a dynamic value's shape where the compiler knows it (see known_values)

    @property
    def is_const(self) -> bool:
        return self.const is not _NO_CONST


# Term characters for `has`: Unicode letters and digits (RE2 syntax).
_TERM = r"\pL\pN"


def has_regex(term: str, *, prefix: bool = True, suffix: bool = True, case_sensitive: bool = False) -> str:
    """An RE2 pattern that is true where `term` occurs as a whole term (see kql-semantics.md §7)."""
    body = re.escape(term)
    starts_term = term[:1].isalnum()
    ends_term = term[-1:].isalnum()
    left = f"(?:^|[^{_TERM}])" if prefix and starts_term else ""
    right = f"(?:$|[^{_TERM}])" if suffix and ends_term else ""
    return ("" if case_sensitive else "(?i)") + left + body + right


def has_any_regex(terms: list[str]) -> str:
    """One RE2 pattern true where any of `terms` occurs as a whole term (case-insensitive): the terms grouped by
    which ends need a term boundary (a term starting or ending with a non-word character needs none there),
    each group one alternation, so a list of hundreds of terms is one regex scan, not one per term."""
    groups: dict[tuple[bool, bool], list[str]] = {}
    for term in dict.fromkeys(terms):  # first-seen order, duplicates once
        groups.setdefault((term[:1].isalnum(), term[-1:].isalnum()), []).append(re.escape(term))
    branches = []
    for (starts_term, ends_term), escaped in groups.items():
        left = f"(?:^|[^{_TERM}])" if starts_term else ""
        right = f"(?:$|[^{_TERM}])" if ends_term else ""
        branches.append(f"{left}(?:{'|'.join(escaped)}){right}")
    return "(?i)" + "|".join(f"(?:{b})" for b in branches)


class ExprCompiler:
    """Compiles scalar expressions against one input relation (referenced by `alias`)."""

    def __init__(self, compiler: Compiler, env: Env, relation: Relation | None, alias: str | None):
        self.compiler = compiler
        self.env = env
        self.relation = relation
        self.alias = alias
        self.text = compiler.text
        self.ctx = compiler.ctx  # the compile's state (kqlite.compile.context)
        self.dialect = compiler.ctx.dialect
        # hidden columns that must be computed in earlier SELECTs (level 0 first), for window functions
        self.pre_columns: list[list[tuple[str, exp.Expression]]] = [[], [], [], []]
        self._row_ordinal: exp.Expression | None = None

    def pre_column(self, level: int, expression: exp.Expression) -> exp.Expression:
        self.compiler.hidden_count += 1
        name = f"_w{self.compiler.hidden_count}"  # deterministic, so explain() prints the same SQL every time
        self.pre_columns[level].append((name, expression))
        return col_ref(name)

    @property
    def uses_row_ordinal(self) -> bool:
        return self._row_ordinal is not None

    def row_order(self) -> list[exp.Ordered]:
        """The order of a serialized relation: its sort keys, or else its input order (a row ordinal)."""
        if self.relation is not None and self.relation.order:
            return [exp.Ordered(this=col_ref(n), desc=d, nulls_first=nf) for n, d, nf in self.relation.order]
        if self._row_ordinal is None:
            self._row_ordinal = self.pre_column(0, self.dialect.shape("input_order"))
        return [exp.Ordered(this=self._row_ordinal.copy())]

    # ------------------------------------------------------------------ errors

    def semantic(self, message: str, node: ast.Expr, hint: str | None = None) -> KqlSemanticError:
        return KqlSemanticError(message, self.text, node.pos, hint)

    def unsupported(self, what: str, node: ast.Expr) -> KqlUnsupportedError:
        return KqlUnsupportedError(f"{what} is not supported by kqlite yet", self.text, node.pos,
                                   "rewrite the query without it, or open an issue with the query")

    # ------------------------------------------------------------------ entry points

    def compile(self, node: ast.Expr) -> Typed:
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise self.unsupported(type(node).__name__, node)
        return method(node)

    def predicate(self, node: ast.Expr) -> exp.Expression:
        """A filter condition. Where a row is kept only on `true`, null and false are interchangeable,
        which lets `==` compile to plain SQL `=` (and keeps the SQL close to hand-written SQL)."""
        if isinstance(node, ast.Binary) and node.op in ("and", "or"):
            parts = [exp.Paren(this=self.predicate(operand)) for operand in _chain(node, node.op)]
            return exp.and_(*parts, copy=False) if node.op == "and" else exp.or_(*parts, copy=False)
        if isinstance(node, ast.Binary) and node.op == "==":
            self.compiler.operators_used.append("==")
            left, right = self.compile(node.left), self.compile(node.right)
            left, right = self.comparable(left, right, node)
            if "real" in (left.type, right.type):
                return self.compare_reals("==", left.sql, right.sql).sql
            return exp.Paren(this=exp.EQ(this=left.sql, expression=right.sql))
        typed = self.compile(node)
        if typed.type == "dynamic":
            typed = self.compiler.functions.convert(self, typed, "bool")
        if typed.type != "bool":
            raise self.semantic(f"a filter must be a bool expression, this one is {typed.type}", node)
        return typed.sql

    # ------------------------------------------------------------------ leaves

    def _Literal(self, node: ast.Literal) -> Typed:
        value = node.value
        if node.type == "datetime" and value is not None:
            pass
        return Typed(sb.literal(node.type, value), node.type, None, value)

    def _Name(self, node: ast.Name) -> Typed:
        name = node.name
        if self.relation is not None:
            col = self.relation.column(name)
            if col is not None:
                pair = self.relation.bag_entries.get(name)
                known = known_values.single_property_bag(col_ref(pair[0], self.alias),
                                                         col_ref(pair[1], self.alias)) if pair else None
                return Typed(col_ref(name, self.alias), col.type, name, known=known)
        binding = self.env.lookup(name)
        if binding is not None:
            scalar = self.compiler.scalar_binding(binding, node)
            if scalar is not None:
                return Typed(scalar.sql, scalar.type, name, scalar.const)
            raise self.semantic(f"'{name}' is a tabular value, not a scalar", node,
                                "use it as a table (e.g. in a join or `in (...)`) or `toscalar(...)`")
        if name in ("$left", "$right"):
            raise self.semantic(f"{name} can only be used in a join condition", node)
        known = self.relation.names() if self.relation is not None else []
        close = difflib.get_close_matches(name, known, n=3)
        hint = f"did you mean {', '.join(close)}?" if close else (
            f"available columns: {', '.join(known[:12])}{'...' if len(known) > 12 else ''}" if known else None)
        raise self.semantic(f"unknown column or name '{name}'", node, hint)

    def _Star(self, node: ast.Star) -> Typed:
        raise self.semantic("'*' is only allowed as an argument of some aggregates", node)

    def _NamedArg(self, node: ast.NamedArg) -> Typed:
        raise KqlUnsupportedError(f"named argument '{node.name}='", self.text, node.pos, "pass the arguments by position")

    def _TypeOf(self, node: ast.TypeOf) -> Typed:
        raise self.semantic("typeof() can only be used as a function argument", node)

    def _Pipeline(self, node: ast.Pipeline) -> Typed:
        raise self.semantic("a tabular expression cannot be used as a scalar value", node,
                            "wrap it in toscalar(...)")

    def _FunctionDef(self, node: ast.FunctionDef) -> Typed:
        raise self.semantic("a function definition cannot be used as a value", node)

    def _Call(self, node: ast.Call) -> Typed:
        return self.compiler.functions.call(self, node)

    # ------------------------------------------------------------------ dynamic access

    def _Member(self, node: ast.Member) -> Typed:
        target = self.compile(node.target)
        if target.type != "dynamic":
            raise self.semantic(f"'.{node.name}' needs a dynamic value, not {target.type}", node)
        member = known_values.member(target.known, target.sql, exp.Literal.string(node.name),
                                     lambda value: self.dialect.json_member(value, node.name))
        return Typed(member, "dynamic", node.name)

    def _Index(self, node: ast.Index) -> Typed:
        target = self.compile(node.target)
        index = self.compile(node.index)
        if target.type != "dynamic":
            raise self.semantic(f"indexing needs a dynamic value, not {target.type}", node)
        if index.is_const and isinstance(index.const, str):
            member = known_values.member(target.known, target.sql, exp.Literal.string(index.const),
                                         lambda value: self.dialect.json_member(value, index.const))
            return Typed(member, "dynamic", index.const)
        if index.is_const and isinstance(index.const, int) and not isinstance(index.const, bool):
            element, known = known_values.element(
                target.known, target.sql, index.const, self.dialect.json_element,
                lambda value: self.dialect.call("to_json", [value]),
                lambda items, position: self.dialect.shape("list_at", l=items, k=exp.Literal.number(position)))
            return Typed(element, "dynamic", known=known)
        if index.type in ("long", "int"):
            return Typed(self.dialect.shape("json_index", t=target.sql, i=index.sql), "dynamic")
        if index.type == "string":
            member = known_values.member(target.known, target.sql, index.sql,
                                         lambda value: self.dialect.shape("json_member", t=value, i=index.sql.copy()))
            return Typed(member, "dynamic")
        raise self.semantic(f"a dynamic index must be a string or a number, not {index.type}", node)

    # ------------------------------------------------------------------ operators

    def _Unary(self, node: ast.Unary) -> Typed:
        operand = self.compile(node.operand)
        if operand.type == "dynamic":
            operand = self.compiler.functions.convert(self, operand, "real")
        if operand.type not in NUMERIC + ("timespan",):
            raise self.semantic(f"unary {node.op} needs a number or timespan, not {operand.type}", node)
        if node.op == "+":
            return operand
        return Typed(exp.Neg(this=exp.Paren(this=operand.sql)), operand.type)

    def _Between(self, node: ast.Between) -> Typed:
        self.compiler.operators_used.append("!between" if node.negated else "between")
        value, low, high = self.compile(node.left), self.compile(node.low), self.compile(node.high)
        if value.type == "datetime" and high.type == "timespan":
            high = self.arith("+", low, high, node)
        value_l, low = self.comparable(value, low, node)
        value_h, high = self.comparable(value, high, node)
        inside = exp.Between(this=value_l.sql, low=low.sql, high=high.sql)
        return Typed(exp.Paren(this=exp.Not(this=exp.Paren(this=inside))) if node.negated else exp.Paren(this=inside), "bool")

    def _SearchTerm(self, node: ast.SearchTerm) -> Typed:
        term = node.text
        op = "has"
        if term.endswith("*") and term.startswith("*") and len(term) > 1:
            op, term = "contains", term[1:-1]
        elif term.endswith("*"):
            op, term = "hasprefix", term[:-1]
        elif term.startswith("*"):
            op, term = "hassuffix", term[1:]
        if "*" in term:
            raise self.unsupported("a search term with '*' inside it", node)
        if node.case_sensitive:
            op += "_cs"
        value = Typed(sb.string(term), "string", None, term)
        if node.column is not None:  # Column:"term"
            column = self.relation.column(node.column) if self.relation is not None else None
            if column is None:
                raise self.semantic(f"search: no column '{node.column}'", node)
            fake = ast.Binary(node.pos, op, node, node)
            return self.string_operator(op, Typed(col_ref(column.name, self.alias), column.type), value, fake)
        return self.any_column(op, value, node)

    def any_column(self, op: str, right: Typed, node: ast.Expr) -> Typed:
        """`* has "x"`: true where any column (as text) satisfies the operator."""
        if self.relation is None:
            raise self.semantic("'*' needs a table to search", node)
        if op.startswith("!"):  # `* !contains x`: no column contains x
            positive = self.any_column(op[1:], right, node)
            return Typed(exp.Not(this=positive.sql), "bool")
        fake = ast.Binary(node.pos, op, node, node)
        parts = [self.string_operator(op, Typed(col_ref(col.name, self.alias), col.type), right, fake).sql
                 for col in self.relation.columns]
        if not parts:
            return Typed(exp.Boolean(this=False), "bool")
        result = parts[0]
        for part in parts[1:]:
            result = exp.Or(this=result, expression=part)
        return Typed(exp.Paren(this=result), "bool")

    def _Binary(self, node: ast.Binary) -> Typed:
        op = node.op
        if isinstance(node.left, ast.Star) and op not in ("and", "or", "+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">="):
            return self.any_column(op, self.compile(node.right), node)
        if op not in ("and", "or", "+", "-", "*", "/", "%"):
            self.compiler.operators_used.append(op)
        if op in ("and", "or"):
            # a long chain (`x == 1 or x == 2 or ...`) becomes one flat SQL connector, not a deep tree
            parts = [self.boolean(operand) for operand in _chain(node, op)]
            combined = exp.and_(*parts, copy=False) if op == "and" else exp.or_(*parts, copy=False)
            return Typed(exp.Paren(this=combined), "bool")
        left, right = self.compile(node.left), self.compile(node.right)
        if op in ("+", "-", "*", "/", "%"):
            return self.arith(op, left, right, node)
        if op in ("==", "!=", "<", "<=", ">", ">="):
            return self.compare(op, left, right, node)
        if op in ("=~", "!~"):
            left, right = self.as_string(left), self.as_string(right)
            eq = exp.EQ(this=exp.Lower(this=left.sql), expression=exp.Lower(this=right.sql))
            return Typed(exp.Paren(this=eq if op == "=~" else exp.Not(this=exp.Paren(this=eq))), "bool")
        return self.string_operator(op, left, right, node)

    def boolean(self, node: ast.Expr) -> exp.Expression:
        typed = self.compile(node)
        if typed.type == "dynamic":
            typed = self.compiler.functions.convert(self, typed, "bool")
        if typed.type != "bool":
            raise self.semantic(f"'and'/'or' need bool operands, this one is {typed.type}", node)
        return typed.sql

    def as_string(self, typed: Typed) -> Typed:
        if typed.type == "string":
            return typed
        return self.compiler.functions.to_string(typed)

    def comparable(self, left: Typed, right: Typed, node: ast.Expr) -> tuple[Typed, Typed]:
        """Bring two operands to a type SQL can compare, or reject the mix as Kusto does."""
        lt, rt = left.type, right.type
        if lt == rt:
            return left, right
        if lt in NUMERIC and rt in NUMERIC:
            return left, right
        if lt == "dynamic" and rt != "dynamic":
            return self.compiler.functions.convert(self, left, rt), right
        if rt == "dynamic" and lt != "dynamic":
            return left, self.compiler.functions.convert(self, right, lt)
        if {lt, rt} == {"guid", "string"}:
            return self.as_string(left), self.as_string(right)
        raise self.semantic(f"cannot compare {lt} with {rt}", node,
                            "convert one side, e.g. with tostring(), tolong() or todatetime()")

    def compare(self, op: str, left: Typed, right: Typed, node: ast.Expr) -> Typed:
        left, right = self.comparable(left, right, node)
        a, b = left.sql, right.sql
        if "real" in (left.type, right.type):
            return self.compare_reals(op, a, b)
        if op in ("<", "<=", ">", ">="):
            cls = {"<": exp.LT, "<=": exp.LTE, ">": exp.GT, ">=": exp.GTE}[op]
            return Typed(exp.Paren(this=cls(this=a, expression=b)), "bool")
        if left.type == "string" and right.type == "string":
            return Typed(exp.Paren(this=exp.EQ(this=a, expression=b) if op == "==" else exp.NEQ(this=a, expression=b)), "bool")
        # Kusto: one null side -> `==` false, `!=` true; both null -> null.
        one_side_known = left.is_const and left.const is not None or right.is_const and right.const is not None
        name = ("equal" if op == "==" else "not_equal") + ("_to_constant" if one_side_known else "")
        return Typed(self.dialect.shape(name, a=a, b=b), "bool")

    def compare_reals(self, op: str, a: exp.Expression, b: exp.Expression) -> Typed:
        """IEEE comparisons: NaN equals nothing, not even NaN (DuckDB sorts NaN above +inf and calls it equal
        to itself). Null sides follow the same rules as other types."""
        if op in ("==", "!="):
            return Typed(self.dialect.shape("real_equal" if op == "==" else "real_not_equal", a=a, b=b), "bool")
        cls = {"<": exp.LT, "<=": exp.LTE, ">": exp.GT, ">=": exp.GTE}[op]
        either_nan = self.dialect.shape("either_nan", a=a, b=b)
        return Typed(exp.Case(ifs=[exp.If(this=either_nan, true=exp.false())], default=cls(this=a, expression=b)),
                     "bool")

    def arith(self, op: str, left: Typed, right: Typed, node: ast.Expr) -> Typed:
        if "dynamic" in (left.type, right.type):
            raise self.semantic(f"operator '{op}' cannot be applied to a dynamic value", node,
                                "convert it first, e.g. tolong(x) or todouble(x)")
        if left.type == "dynamic":
            left = self.compiler.functions.convert(self, left, "real" if right.type == "real" else "long")
        if right.type == "dynamic":
            right = self.compiler.functions.convert(self, right, "real" if left.type == "real" else "long")
        lt, rt = left.type, right.type
        a, b = exp.Paren(this=left.sql), exp.Paren(this=right.sql)
        if lt in NUMERIC and rt in NUMERIC:
            result = numeric_result(lt, rt)
            if op == "/" and result in ("int", "long"):  # integer division; by zero gives null
                return Typed(self.dialect.shape("integer_divide_or_null", a=a, b=b), result)
            if op == "%":
                # Kusto's modulo takes the divisor's magnitude: -5 % 3 == 1, -5.5 % 3 == 0.5
                return Typed(self.dialect.shape("modulo_floored_or_null", a=a, b=b), result)
            if op == "/":
                return Typed(self.dialect.shape("real_divide", a=a, b=b), result)
            cls = {"+": exp.Add, "-": exp.Sub, "*": exp.Mul}[op]
            if result in ("int", "long"):
                return Typed(cls(this=sb.cast(a, "long"), expression=b), "long" if "long" in (lt, rt) else result)
            return Typed(cls(this=a, expression=b), result)
        if lt == "datetime" and rt == "datetime" and op == "-":
            return Typed(self.dialect.shape("datetime_difference_ticks", a=a, b=b), "timespan")
        if lt == "datetime" and rt == "timespan" and op in ("+", "-"):
            name = "datetime_plus_ticks" if op == "+" else "datetime_minus_ticks"
            return Typed(self.dialect.shape(name, a=a, b=b), "datetime")
        if lt == "timespan" and rt == "datetime" and op == "+":
            return self.arith("+", right, left, node)
        if lt == "timespan" and rt == "timespan":
            if op in ("+", "-"):
                cls = exp.Add if op == "+" else exp.Sub
                return Typed(cls(this=a, expression=b), "timespan")
            if op == "/":
                return Typed(exp.Div(this=sb.cast(a, "real"), expression=b), "real")
            if op == "%":
                return Typed(self.dialect.shape("modulo_floored", a=a, b=b), "timespan")
        if lt == "timespan" and rt in NUMERIC and op in ("*", "/"):
            cls = exp.Mul if op == "*" else exp.Div
            return Typed(sb.cast(exp.Round(this=cls(this=sb.cast(a, "real"), expression=b)), "long"), "timespan")
        if lt in NUMERIC and rt == "timespan" and op == "*":
            return self.arith("*", right, left, node)
        raise self.semantic(f"operator '{op}' cannot be applied to {lt} and {rt}", node)

    def string_operator(self, op: str, left: Typed, right: Typed, node: ast.Binary) -> Typed:
        negated = op.startswith("!")
        base = op.lstrip("!")
        if base in ("like", "notlike", "likecs", "notlikecs"):
            raise self.unsupported(f"operator '{op}'", node)
        left_s, right_s = self.as_string(left), self.as_string(right)
        a, b = left_s.sql, right_s.sql
        case_sensitive = base.endswith("_cs") or base == "matches regex"
        base = base.removesuffix("_cs")
        if base == "matches regex":
            if right.is_const:
                self.compiler.functions.check_regex(str(right.const), node)
            pattern = sb.string(self.dialect.regex(str(right.const))) if right.is_const else b
            result: exp.Expression = exp.RegexpLike(this=a, expression=pattern)
        elif base in ("has", "hasprefix", "hassuffix"):
            prefix, suffix = base != "hassuffix", base != "hasprefix"
            if right.is_const:
                term = str(right.const)
                if term == "":
                    result = exp.Boolean(this=True)
                else:
                    pattern = has_regex(term, prefix=prefix, suffix=suffix, case_sensitive=case_sensitive)
                    # A plain substring test first: cheap, and lets DuckDB skip the regex on most rows.
                    quick = (self.dialect.call("contains", [a, b]) if case_sensitive else
                             self.dialect.call("contains", [exp.Lower(this=a), sb.string(term.lower())]))
                    result = exp.And(this=quick, expression=exp.RegexpLike(
                        this=a, expression=sb.string(self.dialect.regex(pattern))))
            else:
                result = self.has_term(a, b, prefix=prefix, suffix=suffix, case_sensitive=case_sensitive)
        else:
            if not case_sensitive:
                a, b = exp.Lower(this=a), exp.Lower(this=b)
            if base == "contains":
                result = self.dialect.call("contains", [a, b])
            elif base == "startswith":
                result = self.dialect.call("starts_with", [a, b])
            elif base == "endswith":
                result = self.dialect.call("ends_with", [a, b])
            else:
                raise self.unsupported(f"operator '{op}'", node)
        if negated:
            result = exp.Paren(this=exp.Not(this=exp.Paren(this=result)))
        if left.type not in ("string",) and left.type != "dynamic":
            # a null non-string left side: positive forms are false, negated forms true
            guard = exp.Is(this=left.sql, expression=exp.Null())
            result = exp.Case(ifs=[exp.If(this=guard, true=exp.Boolean(this=negated))], default=result)
        return Typed(result, "bool")

    def has_term(self, text: exp.Expression, term: exp.Expression, *, prefix: bool = True, suffix: bool = True,
                 case_sensitive: bool = False) -> exp.Expression:
        """`text has term` for a term known only when the query runs (a column, a list's element): the term's
        regex is built from its escaped text; an empty term is found everywhere."""
        pattern_parts = [sb.string("" if case_sensitive else self.dialect.regex("(?i)"))]
        if prefix:
            pattern_parts.append(sb.string(f"(?:^|[^{_TERM}])"))
        pattern_parts.append(self.dialect.shape("regex_escape", s=term))
        if suffix:
            pattern_parts.append(sb.string(f"(?:$|[^{_TERM}])"))
        matches = exp.RegexpLike(this=text, expression=sb.concat(pattern_parts))
        return exp.Case(ifs=[exp.If(this=exp.EQ(this=term.copy(), expression=sb.string("")), true=exp.true())],
                        default=matches)

    def _InList(self, node: ast.InList) -> Typed:
        self.compiler.operators_used.append(node.op)
        return self.compiler.functions.in_list(self, node)


def _chain(node: ast.Expr, op: str) -> list[ast.Expr]:
    """The operands of a left-deep chain of one logical operator, in order, without recursion."""
    operands: list[ast.Expr] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Binary) and current.op == op:
            stack.append(current.right)
            stack.append(current.left)
        else:
            operands.append(current)
    return operands
