"""Operators that combine tables: join, lookup, union.

Mixed into `kqlite.compile.compiler.Compiler`; every method compiles one operator onto a new CTE."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.env import Env
from kqlite.compile.naming import joined_names, union_columns
from kqlite.compile.scope import Column, Relation, col_ref, ident, matches_pattern
from kqlite.errors import KqlSemanticError
from kqlite.syntax import ast

if TYPE_CHECKING:
    pass


JOIN_KINDS = {"innerunique", "inner", "leftouter", "rightouter", "fullouter", "leftsemi", "leftanti", "anti",
              "leftantisemi", "rightsemi", "rightanti", "rightantisemi"}


class JoinOperators:
    # ------------------------------------------------------------ join / lookup

    def join_keys(self, op, left: Relation, right: Relation) -> list[tuple[Column, Column]]:
        keys = []
        for cond in op.conditions:
            lc, rc = left.column(cond.left), right.column(cond.right)
            if lc is None:
                raise self.semantic(f"join: the left side has no column '{cond.left}'", cond.pos)
            if rc is None:
                raise self.semantic(f"join: the right side has no column '{cond.right}'", cond.pos)
            compatible = lc.type == rc.type or ({lc.type, rc.type} <= {"int", "long"})
            if not compatible:
                raise self.semantic(f"join keys '{cond.left}' ({lc.type}) and '{cond.right}' ({rc.type}) have different types",
                                    cond.pos)
            keys.append((lc, rc))
        return keys

    @staticmethod
    def key_equal(lc: Column, rc: Column, la: str, ra: str) -> exp.Expression:
        a, b = col_ref(lc.name, la), col_ref(rc.name, ra)
        if lc.type == "string" and rc.type == "string":
            return exp.EQ(this=a, expression=b)
        # null keys match each other in Kusto
        return exp.NullSafeEQ(this=a, expression=b)

    def dedup_left(self, rel: Relation, keys: list[Column]) -> Relation:
        """innerunique: keep the first row (in input order) of each distinct left key."""
        if {c.name for c in rel.columns} <= {k.name for k in keys}:  # the rows of a key are all alike
            select = self.select_from(rel).select(*[col_ref(c.name) for c in rel.columns], copy=False)
            return self.step(select.distinct(copy=False), rel.columns)
        numbered = self.select_from(rel).select(*[col_ref(c.name) for c in rel.columns],
                                                exp.alias_(self.dialect.shape("input_order"), "_rn", quoted=True), copy=False)
        numbered_rel = self.step(numbered, rel.columns)
        window = exp.Window(this=exp.RowNumber(), partition_by=[col_ref(k.name) for k in keys],
                            order=exp.Order(expressions=[exp.Ordered(this=col_ref("_rn"))]))
        select = self.select_from(numbered_rel).select(*[col_ref(c.name) for c in rel.columns], copy=False)
        select.set("qualify", exp.Qualify(this=exp.EQ(this=window, expression=exp.Literal.number(1))))
        return self.step(select, rel.columns)

    def op_Join(self, op: ast.Join, left: Relation, env: Env) -> Relation:
        self.operators_used.extend(["join", "on"])
        kind = op.kind
        if kind not in JOIN_KINDS:
            raise self.semantic(f"unknown join kind '{kind}'", op.pos,
                                "kinds: innerunique, inner, leftouter, rightouter, fullouter, leftsemi, leftanti, rightsemi, rightanti")
        kind = {"anti": "leftanti", "leftantisemi": "leftanti", "rightantisemi": "rightanti"}.get(kind, kind)
        right = self.tabular(op.right, env)
        keys = self.join_keys(op, left, right)
        if kind == "innerunique":
            left = self.dedup_left(left, [lc for lc, _ in keys])
        condition = None
        for lc, rc in keys:
            eq = self.key_equal(lc, rc, "_l", "_r")
            condition = eq if condition is None else exp.And(this=condition, expression=eq)
        if kind in ("leftsemi", "leftanti", "rightsemi", "rightanti"):
            keep, other, keep_alias, other_alias = (left, right, "_l", "_r") if kind.startswith("left") else (right, left, "_r", "_l")
            exists = exp.Exists(this=self.select_from(other, other_alias).select(exp.Literal.number(1), copy=False).where(condition, copy=False))
            where = exists if kind.endswith("semi") else exp.Not(this=exists)
            select = self.select_from(keep, keep_alias).select(*[col_ref(c.name, keep_alias) for c in keep.columns], copy=False).where(where, copy=False)
            return self.step(select, keep.columns)
        left_nullable = kind in ("rightouter", "fullouter")
        right_nullable = kind in ("leftouter", "fullouter")
        projections, columns = [], []
        for col in left.columns:
            projections.append(exp.alias_(self.outer_cell(col, "_l", left_nullable), col.name, quoted=True))
            columns.append(col)
        for col, name in zip(right.columns, joined_names(left.names(), right.names()), strict=True):
            projections.append(exp.alias_(self.outer_cell(col, "_r", right_nullable), name, quoted=True))
            columns.append(Column(name, col.type))
        join_kind = {"innerunique": None, "inner": None, "leftouter": "LEFT", "rightouter": "RIGHT", "fullouter": "FULL"}[kind]
        right_source = self.select_from(right, "_r").args["from_"].this
        select = self.select_from(left, "_l").select(*projections, copy=False).join(
            right_source, on=condition, join_type=join_kind, copy=False)
        return self.step(select, columns)

    @staticmethod
    def outer_cell(col: Column, alias: str, nullable: bool) -> exp.Expression:
        ref = col_ref(col.name, alias)
        if nullable and col.type == "string":
            return sb.coalesce(ref, sb.string(""))
        return ref

    def op_Lookup(self, op: ast.Lookup, left: Relation, env: Env) -> Relation:
        self.operators_used.append("lookup")
        kind = op.kind
        if kind not in ("leftouter", "inner"):
            raise self.semantic(f"lookup supports kind=leftouter or kind=inner, not '{kind}'", op.pos)
        right = self.tabular(op.right, env)
        keys = self.join_keys(op, left, right)
        condition = None
        for lc, rc in keys:
            eq = self.key_equal(lc, rc, "_l", "_r")
            condition = eq if condition is None else exp.And(this=condition, expression=eq)
        right_keys = {rc.name for _, rc in keys}
        projections = [exp.alias_(col_ref(c.name, "_l"), c.name, quoted=True) for c in left.columns]
        columns = list(left.columns)
        for col, name in zip(right.columns, joined_names(left.names(), right.names(), right_keys), strict=True):
            if name is None:  # lookup outputs the left side's keys only
                continue
            projections.append(exp.alias_(self.outer_cell(col, "_r", kind == "leftouter"), name, quoted=True))
            columns.append(Column(name, col.type))
        right_source = self.select_from(right, "_r").args["from_"].this
        select = self.select_from(left, "_l").select(*projections, copy=False).join(
            right_source, on=condition, join_type="LEFT" if kind == "leftouter" else None, copy=False)
        return self.step(select, columns)

    # ------------------------------------------------------------ union

    def op_Union(self, op: ast.Union, rel: Relation, env: Env) -> Relation:
        return self.union(op, rel, env)

    def union(self, op: ast.Union, piped: Relation | None, env: Env) -> Relation:
        self.operators_used.append("union")
        legs: list[tuple[Relation, str]] = []
        if piped is not None:
            legs.append((piped, piped.name_hint or "union_arg0"))
        for leg in op.legs:
            if isinstance(leg, ast.Name) and "*" in leg.name:
                matched = [t for t in sorted(self.catalog) if matches_pattern(leg.name, t)]
                if not matched and not op.isfuzzy:
                    raise self.semantic(f"union: no table matches '{leg.name}'", leg.pos)
                for table in matched:
                    legs.append((self.named_table(ast.Name(leg.pos, table), env), table))
                continue
            try:
                leg_rel = self.tabular(leg, env)
            except KqlSemanticError:
                if op.isfuzzy:
                    continue
                raise
            index = len(legs)
            label = leg.name if isinstance(leg, ast.Name) and leg.name in self.catalog else (leg_rel.name_hint if leg_rel.name_hint and not isinstance(leg, ast.Name) else None)
            legs.append((leg_rel, label or f"union_arg{index}"))
        if not legs:
            raise self.semantic("union has no legs to read", op.pos)
        return self.union_relations(legs, op.kind, op.withsource)

    def union_relations(self, legs: list[tuple[Relation, str]], kind: str, withsource: str | None) -> Relation:
        """Rows of all legs; columns by (name, type) in order of first appearance (Kusto's outer union)."""
        unioned = union_columns([[(c.name, c.type) for c in leg_rel.columns] for leg_rel, _ in legs], kind)
        out_cols = [Column(name, kql_type) for name, kql_type, _ in unioned]
        key_to_name = {key: name for name, _, key in unioned}
        if withsource:
            out_cols.insert(0, Column(withsource, "string"))
        selects = []
        for leg_rel, label in legs:
            projections = []
            leg_keys = {(c.name, c.type) for c in leg_rel.columns}
            for col in out_cols:
                if withsource and col.name == withsource and col is out_cols[0]:
                    projections.append(exp.alias_(sb.string(label), col.name, quoted=True))
                    continue
                source_key = next((k for k, v in key_to_name.items() if v == col.name), None)
                if source_key in leg_keys:
                    projections.append(exp.alias_(col_ref(source_key[0]), col.name, quoted=True))
                else:
                    projections.append(exp.alias_(sb.literal(col.type, "" if col.type == "string" else None), col.name, quoted=True))
            selects.append(self.select_from(leg_rel).select(*projections, copy=False))
        combined = selects[0]
        for s in selects[1:]:
            combined = exp.Union(this=combined, expression=s, distinct=False)
        if isinstance(combined, exp.Union):
            combined = exp.Select().select(*[col_ref(c.name) for c in out_cols], copy=False).from_(
                exp.Subquery(this=combined, alias=exp.TableAlias(this=ident("_u"))), copy=False)
        return self.step(combined, out_cols)
