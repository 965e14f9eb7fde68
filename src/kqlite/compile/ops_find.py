"""The find operator: rows of several tables that match a predicate, in one output schema.

Mixed into `kqlite.compile.compiler.Compiler`. Kusto's rules (find-operator.md; the analyzer confirms the
output columns): a table with none of the columns the predicate names takes no part; in each table the
predicate reads a column the table lacks as null; `project-smart` (the default) outputs the predicate's columns
and the columns every table has, in the tables' column order, a column of several types as dynamic, and the
rest of each row in a `pack_` bag (only when some table has a rest); `project` outputs the listed columns
(a table without one gives null) and, with `pack_all()`, the other columns in `pack_` (as the documentation's
example shows; its text says every column). The first column names the table (`source_`, or `withsource=`)."""

from __future__ import annotations

import dataclasses

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.env import Env
from kqlite.compile.expressions import Typed
from kqlite.compile.scope import Column, Relation, col_ref, matches_pattern
from kqlite.compile.types import normalize_type
from kqlite.errors import KqlSemanticError
from kqlite.syntax import ast

PACK = "pack_"


class FindOperators:
    def find(self, op: ast.Find, env: Env) -> Relation:
        self.operators_used.append("find")
        legs = self._find_legs(op, env)
        named, everywhere = _predicate_columns(op.predicate)
        known = {c.name for leg, _ in legs for c in leg.columns}
        named = [n for n in named if n in known]  # a let's name is not a column
        kept = [(leg, label) for leg, label in legs
                if everywhere or not named or any(leg.column(n) is not None for n in named)]
        # a predicate column of several types: a table for whose type the predicate does not type-check
        # (`ProcessId == 1001` where ProcessId is a string) has no row it can match
        conflicting = any(len({c.type for leg, _ in kept if (c := leg.column(n)) is not None}) > 1 for n in named)
        filtered, first_error = [], None
        for leg, label in kept:
            try:
                filtered.append((self._find_filtered(op, leg, named, legs, env), label))
            except KqlSemanticError as error:
                if not conflicting:
                    raise
                first_error = first_error or error
        if kept and not filtered and first_error is not None:
            raise first_error
        if op.project is None:  # the schema comes from every table taking part, rows or not
            out, pack = self._smart_columns(kept, named)
        else:
            out, pack = self._listed_columns(op, kept), op.pack_all
        source = op.withsource or "source_"
        columns = [Column(source, "string"), *out] + ([Column(PACK, "dynamic")] if pack else [])
        if not filtered:
            select = exp.Select().select(*[exp.alias_(sb.missing(c.type),
                                                      c.name, quoted=True) for c in columns], copy=False)
            return self.step(select.where(exp.false(), copy=False), columns)
        selects = []
        for leg, label in filtered:
            c = self.exprs(env, leg)
            projections = [exp.alias_(sb.string(label), source, quoted=True)]
            for column in out:
                have = leg.column(column.name)
                if have is None:
                    value = sb.missing(column.type)
                elif have.type == column.type:
                    value = col_ref(have.name)
                else:
                    value = self.functions.convert(c, Typed(col_ref(have.name), have.type), column.type).sql
                projections.append(exp.alias_(value, column.name, quoted=True))
            if pack:  # the columns not in the output (the documentation's examples; its text says all of them)
                packed = [x for x in leg.columns if x.name not in {o.name for o in out}]
                pairs: list[Typed] = []
                for x in packed:
                    pairs += [Typed(sb.string(x.name), "string", None, x.name), Typed(col_ref(x.name), x.type, x.name)]
                bag = self.functions.f_bag_pack(c, ast.Call(op.pos, "bag_pack", []), pairs).sql if pairs else \
                    sb.literal("dynamic", {})
                projections.append(exp.alias_(bag, PACK, quoted=True))
            selects.append(self.select_from(leg).select(*projections, copy=False))
        union = selects[0]
        for select in selects[1:]:
            union = exp.union(union, select, distinct=False)
        return self.step(exp.Select().select(*[col_ref(c.name) for c in columns], copy=False).from_(
            exp.Subquery(this=union, alias=exp.TableAlias(this=exp.to_identifier("_f"))), copy=False), columns)

    def _find_legs(self, op: ast.Find, env: Env) -> list[tuple[Relation, str]]:
        """The tables find looks in, each with the name its rows are labelled with."""
        if op.tables is None:  # every table with data (as search does)
            return [(self.named_table(ast.Name(op.pos, name), env), name) for name in self.catalog.populated()]
        legs: list[tuple[Relation, str]] = []
        for index, table in enumerate(op.tables):
            if isinstance(table, str) and "*" in table:
                matched = [t for t in sorted(self.catalog) if matches_pattern(table, t)]
                if not matched:
                    raise self.semantic(f"find: no table matches '{table}'", op.pos)
                legs += [(self.named_table(ast.Name(op.pos, t), env), t) for t in matched]
            elif isinstance(table, str):
                legs.append((self.named_table(ast.Name(op.pos, table), env), table))
            else:
                leg = self.tabular(table, env)
                legs.append((leg, leg.name_hint or f"find_arg{index}"))
        return legs

    def _find_filtered(self, op: ast.Find, leg: Relation, named: list[str], legs: list[tuple[Relation, str]],
                       env: Env) -> Relation:
        """The leg's rows where the predicate holds, the predicate's columns the leg lacks read as null."""
        missing = []
        for name in named:
            if leg.column(name) is None:
                kql_type = next(c.type for other, _ in legs if (c := other.column(name)) is not None)
                missing.append(Column(name, kql_type))
        source = leg
        if missing:
            extra = [exp.alias_(sb.missing(c.type), c.name, quoted=True)
                     for c in missing]
            select = self.select_from(leg).select(*[col_ref(c.name) for c in leg.columns], *extra, copy=False)
            source = self.step(select, [*leg.columns, *missing])
        condition = self.exprs(env, source).predicate(op.predicate)
        select = self.select_from(source).select(*[col_ref(c.name) for c in leg.columns], copy=False)
        return dataclasses.replace(self.step(select.where(condition, copy=False), list(leg.columns)),
                                   name_hint=leg.name_hint)

    def _smart_columns(self, legs: list[tuple[Relation, str]], named: list[str]) -> tuple[list[Column], bool]:
        if not legs:
            return [], False
        common = set.intersection(*[{c.name for c in leg.columns} for leg, _ in legs])
        chosen = common | set(named)
        order: list[str] = []
        types: dict[str, set[str]] = {}
        for leg, _ in legs:
            for column in leg.columns:
                if column.name in chosen:
                    if column.name not in types:
                        order.append(column.name)
                    types.setdefault(column.name, set()).add(column.type)
        out = [Column(n, next(iter(types[n])) if len(types[n]) == 1 else "dynamic") for n in order]
        pack = any(c.name not in chosen for leg, _ in legs for c in leg.columns)
        return out, pack

    def _listed_columns(self, op: ast.Find, legs: list[tuple[Relation, str]]) -> list[Column]:
        out = []
        for name, type_name in op.project or []:
            if type_name is not None:
                kql_type = normalize_type(type_name)
                if kql_type is None:
                    raise self.semantic(f"unknown type '{type_name}' for column '{name}'", op.pos)
            else:
                found = {c.type for leg, _ in legs if (c := leg.column(name)) is not None}
                if len(found) > 1:
                    raise self.semantic(f"find: column '{name}' has several types in these tables", op.pos,
                                        f"give it one: project {name}:string")
                kql_type = found.pop() if found else "string"
            out.append(Column(name, kql_type))
        return out


def _predicate_columns(node: ast.Expr) -> tuple[list[str], bool]:
    """The names the predicate reads (in order), and whether it searches every column (`*`, a bare term)."""
    names: list[str] = []
    everywhere = False

    def visit(n: ast.Expr) -> ast.Expr | None:
        nonlocal everywhere
        if isinstance(n, ast.Name) and n.name not in names:
            names.append(n.name)
        elif isinstance(n, ast.Star) or (isinstance(n, ast.SearchTerm) and n.column is None):
            everywhere = True
        elif isinstance(n, ast.SearchTerm) and n.column not in names:
            names.append(n.column)
        return None

    ast.rewrite(node, visit)  # a walk: visit replaces nothing
    return names, everywhere
