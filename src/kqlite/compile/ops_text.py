"""Operators that read text: search, parse, parse-kv.

Mixed into `kqlite.compile.compiler.Compiler`; every method compiles one operator onto a new CTE."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.env import Env
from kqlite.compile.expressions import Typed
from kqlite.compile.scope import Column, Relation, col_ref
from kqlite.compile.types import normalize_type
from kqlite.syntax import ast

if TYPE_CHECKING:
    from kqlite.compile.compiler import Compiler


class TextOperators:
    # ------------------------------------------------------------ search, parse

    def op_Search(self, op: ast.Search, rel: Relation | None, env: Env) -> Relation:
        self.operators_used.append("search")
        if rel is not None:
            legs = [(rel, "search_arg0")]
        else:
            names = op.tables if op.tables is not None else self.catalog.populated()
            legs = [(self.named_table(ast.Name(op.pos, name), env), name) for name in names]
        filtered = []
        for leg, label in legs:
            condition = self.exprs(env, leg).predicate(op.predicate)
            select = self.select_from(leg).select(*[col_ref(c.name) for c in leg.columns], copy=False).where(condition, copy=False)
            filtered.append((self.step(select, leg.columns), label))
        return self.union_relations(filtered, "outer", "$table")

    def op_ParseKv(self, op: ast.ParseKv, rel: Relation, env: Env) -> Relation:
        """Key/value extraction: the first `key<kv>value` after the start or a pair delimiter, per key."""

        self.operators_used.append("parse-kv")
        unknown = set(op.options) - {"pair_delimiter", "kv_delimiter", "quote", "escape", "greedy"}
        if unknown or "escape" in op.options or op.options.get("greedy") == "true":
            raise self.unsupported(f"parse-kv option {', '.join(sorted(unknown or {'escape/greedy'}))}", op.pos)
        pair = op.options.get("pair_delimiter", " ")
        kv = op.options.get("kv_delimiter", "=")
        quotes = op.options.get("quote", "")
        c = self.exprs(env, rel)
        text = c.as_string(c.compile(op.source)).sql
        value_forms = [f"{re.escape(q)}[^{re.escape(q)}]*{re.escape(q)}" for q in quotes]
        value_forms.append(f"[^{re.escape(pair)}]*" if len(pair) == 1 else f"(?:(?!{re.escape(pair)}).)*")
        columns = list(rel.columns)
        projections: dict[str, exp.Expression] = {col.name: col_ref(col.name) for col in rel.columns}
        for key, type_name, key_pos in op.keys:
            kql_type = normalize_type(type_name)
            if kql_type is None:
                raise self.semantic(f"unknown type '{type_name}'", key_pos)
            pattern = (f"(?:^|{re.escape(pair)})\\s*{re.escape(key)}\\s*{re.escape(kv)}\\s*({'|'.join(value_forms)})")
            raw = self.dialect.shape("regex_first_group_trimmed", s=text, p=sb.string(pattern.replace("\\\\", "\\")))
            for q in quotes:  # a quoted value loses its quotes
                raw = self.dialect.shape("unquote", v=raw, q=sb.string(f"^{re.escape(q)}(.*){re.escape(q)}$"))
            value = Typed(raw, "string")
            if kql_type != "string":
                value = self.functions.convert(c, Typed(self.dialect.shape("null_if_empty", v=raw), "string"), kql_type)
            projections[key] = value.sql
            if rel.column(key) is None:
                columns.append(Column(key, kql_type))
            else:
                columns = [Column(key, kql_type) if col.name == key else col for col in columns]
        select = self.select_from(rel).select(*[exp.alias_(projections[col.name], col.name, quoted=True) for col in columns], copy=False)
        return self.step(select, columns, rel, keep_order=True)

    def op_Parse(self, op: ast.Parse, rel: Relation, env: Env) -> Relation:
        self.operators_used.append("parse-where" if op.keep_only_matches else "parse")
        c = self.exprs(env, rel)
        text = c.as_string(c.compile(op.source)).sql
        regex, columns = parse_pattern(op, self)
        extract = self.dialect.regex_groups(text, regex, [f"g{i}" for i in range(len(columns))])
        # Where the pattern does not match, every group reads as empty text: a string column is then empty and
        # any other type null, as Kusto leaves them. So the match itself is tested only where rows are kept by it
        # (parse-where), or where groups can match while the whole does not (relaxed).
        tests_match = op.keep_only_matches or op.kind == "relaxed"
        staged_columns = [exp.alias_(extract, "_x", quoted=True)]
        if tests_match:
            matched = exp.RegexpLike(this=text.copy(), expression=sb.string(self.dialect.regex(regex)))
            staged_columns.insert(0, exp.alias_(matched, "_m", quoted=True))
        step_in = self.select_from(rel).select(*[col_ref(col.name) for col in rel.columns], *staged_columns,
                                               copy=False)
        staged = self.step(step_in, [])
        out_cols = list(rel.columns)
        projections: dict[str, exp.Expression] = {col.name: col_ref(col.name) for col in rel.columns}
        for i, (name, kql_type) in enumerate(columns):
            raw = Typed(exp.Dot(this=col_ref("_x"), expression=exp.to_identifier(f"g{i}")), "string")
            value = self.functions.convert(c, raw, kql_type).sql if kql_type != "string" else raw.sql
            empty = sb.missing(kql_type)
            projections[name] = exp.Case(ifs=[exp.If(this=col_ref("_m"), true=value)], default=empty) \
                if tests_match else value
            if rel.column(name) is None:
                out_cols.append(Column(name, kql_type))
            else:
                out_cols = [Column(name, kql_type) if col.name == name else col for col in out_cols]
        select = self.select_from(staged).select(*[exp.alias_(projections[col.name], col.name, quoted=True) for col in out_cols], copy=False)
        if op.keep_only_matches:
            select = select.where(col_ref("_m"), copy=False)
        return self.step(select, out_cols)


# Regular expressions for typed columns in a parse pattern.
_PARSE_TYPED = {
    "int": r"-?\d+", "long": r"-?\d+", "real": r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?", "decimal": r"-?\d+(?:\.\d+)?",
    "bool": r"(?i:true|false)",
}


def parse_pattern(op: ast.Parse, compiler: Compiler) -> tuple[str, list[tuple[str, str]]]:
    """The RE2 pattern of a `parse` operator (groups g0, g1, ...) and its (column, type) list.

    simple mode: constants match literally and string columns lazily, the last one taking the rest;
    regex mode: constants are regular expressions and string columns are greedy (`.*`)."""

    regex_mode = op.kind == "regex"
    pieces: list[str] = []
    columns: list[tuple[str, str]] = []
    for index, part in enumerate(op.parts):
        is_last = index == len(op.parts) - 1
        if part.kind == "const":
            pieces.append(part.text if regex_mode else re.escape(part.text))
        elif part.kind == "star":
            pieces.append(".*?")
        else:
            kql_type = normalize_type(part.type)
            if kql_type is None:
                raise compiler.semantic(f"unknown type '{part.type}' for parse column '{part.name if hasattr(part, 'name') else part.text}'", part.pos)
            body = _PARSE_TYPED.get(kql_type)
            if body is None:
                body = ".*" if regex_mode or is_last else ".*?"
            pieces.append(f"(?P<g{len(columns)}>{body})")
            columns.append((part.text, kql_type))
    flags = ""
    if regex_mode and op.flags:
        flags = "(?" + "".join(f for f in op.flags if f in "imsU") + ")"
    return flags + ("(?s)" if not regex_mode else "") + "".join(pieces), columns
