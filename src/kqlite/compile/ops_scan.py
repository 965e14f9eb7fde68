"""The scan operator: Kusto's sequence matching, as a recursive CTE that reads one input row an iteration.

Kusto's rules (scan-operator.md, "Scan logic"): the state holds, for each step, at most one active sequence
with the values of steps 1..k; every row is tried against the steps from the last to the first, and at step k
- check 1: step k-1 has a sequence and the row meets k's condition: that sequence moves up to k (k's old one
  is dropped), k's assignments extend the row, which is output;
- check 2 (only if check 1 did not match): step k has a sequence (or k is the first step) and the row meets
  k's condition: k's own values are replaced by the extended row, which is output; at the first step, a
  sequence that starts this way takes the next match id.
Conditions and assignments read the row's columns bare (declared columns bare are their defaults) and the
state as `step.column`; an empty step reads as the declared defaults (null for input columns).
`output=last` keeps a step's output back until its run of matches ends: the sequence moves on, is dropped
or the input ends. `output=none` outputs nothing.

The recursion carries one row per partition and iteration: the state (`__q_*` columns) and the outputs of
the row just read; the rows out are joined back to the input by row number. `partition by` (the partition
operator) gives one sequence set per key, all advanced in the same iteration.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.env import Env
from kqlite.compile.scope import Column, Relation, col_ref, ident
from kqlite.compile.types import normalize_type
from kqlite.syntax import ast

_ROW = "__q_rn"  # the row's number in its partition, from 1
_SRC = "_qsrc"
_STATE = "_qstate"


def _refers(node: ast.Expr, steps: set[str], found: dict[str, list[str]]) -> ast.Expr:
    """`step.col` as the pseudo column `step.col` (a name no query can write bare); collects the columns."""

    def replace(sub: ast.Expr) -> ast.Expr | None:
        if isinstance(sub, ast.Member) and isinstance(sub.target, ast.Name) and sub.target.name in steps:
            columns = found.setdefault(sub.target.name, [])
            if sub.name not in columns:
                columns.append(sub.name)
            return ast.Name(sub.pos, f"{sub.target.name}.{sub.name}")
        return None

    return ast.rewrite(node, replace)


def _substitute(tree: exp.Expression, values: dict[str, exp.Expression]) -> exp.Expression:
    """The tree with each bare column named in `values` replaced by (a copy of) its value."""

    def swap(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and not node.table and node.name in values:
            return exp.Paren(this=values[node.name].copy())
        return node

    return tree.copy().transform(swap, copy=False)


@dataclass
class _Step:
    number: int  # from 1
    name: str
    output: str
    condition: exp.Expression
    assignments: list[tuple[str, exp.Expression]]  # declared column -> value (pseudo columns unresolved)


@dataclass
class _Layers:
    """The SELECTs of one iteration, innermost first: each a name -> expression map over the previous one."""

    current: dict[str, exp.Expression]
    selects: list[exp.Select] = field(default_factory=list)

    def push(self, changes: dict[str, exp.Expression]) -> None:
        source = self.selects[-1] if self.selects else None
        columns = {name: col_ref(name) for name in self.current}
        columns.update(changes)
        select = exp.Select().select(*[exp.alias_(e, n, quoted=True) for n, e in columns.items()], copy=False)
        if source is not None:
            select = select.from_(exp.Subquery(this=source, alias=exp.TableAlias(this=ident(f"_ql{len(self.selects)}"))),
                                  copy=False)
        self.current = {name: col_ref(name) for name in columns}
        self.selects.append(select)


class ScanOperators:
    def op_Scan(self, op: ast.Scan, rel: Relation, env: Env) -> Relation:
        self.operators_used.append("scan")
        partition = [self.apply_key] if self.apply_key else []  # inside `partition by`: one sequence set per key
        names = [s.name for s in op.steps]
        for i, step in enumerate(op.steps):
            if step.name in names[:i]:
                raise self.semantic(f"scan has two steps named '{step.name}'", step.pos, "step names must be unique")
        declared = self.scan_declared(op, rel, env)
        found: dict[str, list[str]] = {}
        conditions = [_refers(s.condition, set(names), found) for s in op.steps]
        assignments = [[(col, _refers(e, set(names), found), pos) for col, e, pos in s.assignments] for s in op.steps]
        kinds = {c.name: c.type for c in rel.columns} | {d.name: d.type for d in declared}
        for step_name, cols in found.items():
            for col in cols:
                if col not in kinds:
                    raise self.semantic(f"scan step '{step_name}' has no column '{col}'", op.pos,
                                        "a step's state has the input's columns and the declared ones")
        pseudo = [Column(f"{s}.{col}", kinds[col]) for s, cols in found.items() for col in cols]
        virtual = Relation(exp.Table(this=ident(_SRC)), [*rel.columns, *declared, *pseudo])
        c = self.exprs(env, virtual)
        steps = []
        for number, (step, condition, assigned) in enumerate(zip(op.steps, conditions, assignments, strict=True), 1):
            test = c.compile(condition)
            if test.type == "dynamic":
                test = self.functions.convert(c, test, "bool")
            if test.type != "bool":
                raise self.semantic(f"the condition of scan step '{step.name}' must be bool, not {test.type}", step.pos)
            values = []
            for col, value_node, pos in assigned:
                target = next((d for d in declared if d.name == col), None)
                if target is None:
                    raise self.semantic(f"scan step '{step.name}' assigns '{col}', which is not declared", pos,
                                        "declare it: scan declare (name: type) with (...)")
                values.append((col, self.coerce_cell(c, c.compile(value_node), target, value_node)))
            steps.append(_Step(number, step.name, step.output, test.sql, values))
        if any(c.pre_columns):
            raise self.unsupported("window functions inside scan", op.pos)
        defaults = {d.name: self.scan_default(op, d, env) for d in declared}
        plan = _ScanPlan(self, rel, steps, declared, defaults, found, kinds, partition, op.match_id)
        return plan.build()

    def scan_declared(self, op: ast.Scan, rel: Relation, env: Env) -> list[Column]:
        declared = []
        for d in op.declares:
            kind = normalize_type(d.type)
            if kind is None:
                raise self.semantic(f"unknown type '{d.type}' for scan column '{d.name}'", d.pos)
            if rel.column(d.name) is not None or any(x.name == d.name for x in declared):
                raise self.semantic(f"scan declares '{d.name}', which the input already has", d.pos)
            declared.append(Column(d.name, kind))
        if op.match_id is not None and (rel.column(op.match_id) or any(x.name == op.match_id for x in declared)):
            raise self.semantic(f"scan's match id column '{op.match_id}' is already a column", op.pos)
        return declared

    def scan_default(self, op: ast.Scan, column: Column, env: Env) -> exp.Expression:
        declare = next(d for d in op.declares if d.name == column.name)
        if declare.default is None:
            return sb.literal(column.type, "" if column.type == "string" else None)
        c = self.exprs(env, None)
        value = c.compile(declare.default)
        if not value.is_const and not isinstance(declare.default, ast.Literal | ast.Call | ast.Unary):
            raise self.semantic("a scan default must be a constant", declare.pos)
        return self.coerce_cell(c, value, column, declare.default)


class _ScanPlan:
    """The SQL of one scan: numbered input, recursive state, rows out."""

    def __init__(self, compiler, rel: Relation, steps: list[_Step], declared: list[Column],
                 defaults: dict[str, exp.Expression], refs: dict[str, list[str]], kinds: dict[str, str],
                 partition: list[str], match_id: str | None):
        self.k = compiler
        self.rel = rel
        self.steps = steps
        self.declared = declared
        self.defaults = defaults
        self.refs = refs  # step name -> the columns read as step.col
        self.kinds = kinds
        self.partition = partition
        self.match_id = match_id
        self.n = len(steps)
        self.columns = list(kinds)  # every column a state may hold, numbered

    # ---------------------------------------------------------------- names

    def value_column(self, k: int, j: int, col: str) -> str:
        """The state of step k: the value of column `col` of step j's row (j <= k)."""
        return f"__q_v{k}_{j}_{self.columns.index(col)}"

    def held(self, j: int) -> list[str]:
        """The columns of step j's row any condition or assignment reads."""
        return self.refs.get(self.steps[j - 1].name, [])

    def cleared(self, col: str) -> exp.Expression:
        if col in self.defaults:
            return self.defaults[col].copy()
        kind = self.kinds[col]
        return sb.literal(kind, "" if kind == "string" else None)

    # ---------------------------------------------------------------- SQL

    def state_columns(self) -> dict[str, exp.Expression]:
        """The recursive CTE's columns with their values before the first row (the empty state)."""
        cols: dict[str, exp.Expression] = {_ROW: exp.Literal.number(0), "__q_next": sb.literal("long", 0)}
        for k in range(1, self.n + 1):
            cols[f"__q_a{k}"] = exp.false()
            cols[f"__q_m{k}"] = sb.null("long")
            for j in range(1, k + 1):
                for col in self.held(j):
                    cols[self.value_column(k, j, col)] = self.cleared(col)
            output = self.steps[k - 1].output
            if output != "none":
                for prefix in ("o", "p", "f") if output == "last" else ("o",):
                    cols[f"__q_{prefix}{k}"] = exp.false()
                    cols[f"__q_{prefix}m{k}"] = sb.null("long")
                    if prefix != "o":
                        cols[f"__q_{prefix}r{k}"] = sb.null("long")
                    for d in self.declared:
                        cols[f"__q_{prefix}d{k}_{d.name}"] = sb.null(d.type)
                if output == "last":
                    cols[f"__q_fo{k}"] = sb.null("long")
        return cols

    def build(self) -> Relation:
        k = self.k
        numbered = self.numbered_input()
        initial = self.state_columns()
        names = list(initial)
        part_cols = [f"__q_p_{i}" for i in range(len(self.partition))]
        anchor = exp.Select().select(*[exp.alias_(col_ref(p), p, quoted=True) for p in part_cols], copy=False)
        anchor = anchor.select(*[exp.alias_(v, n, quoted=True) for n, v in initial.items()], copy=False)
        if part_cols:
            anchor = anchor.from_(numbered.copy(), copy=False).distinct(copy=False)
        state_name = f"_k{len(k.ctes)}"
        recursive = self.iteration(state_name, initial, part_cols, numbered)
        union = exp.Union(this=anchor, expression=recursive, distinct=False)
        k.ctes.append(exp.CTE(this=union, alias=exp.TableAlias(this=ident(state_name),
                                                                columns=[ident(n) for n in [*part_cols, *names]])))
        k.recursive = True
        return self.rows_out(state_name, part_cols, numbered)

    def numbered_input(self) -> exp.Table:
        """The input with its row number (per partition), in the order scan reads it."""
        k = self.k
        rel = self.rel
        order = [exp.Ordered(this=col_ref(n), desc=d, nulls_first=nf) for n, d, nf in rel.order or []]
        source = rel
        if not order:  # no sort in force: the rows' own order (a level first: no window inside a window)
            select = k.select_from(rel).select(*k.same_columns(rel), copy=False)
            select = select.select(exp.alias_(k.dialect.shape("input_order"), "__q_ord", quoted=True), copy=False)
            source = k.step(select, rel.columns)
            order = [exp.Ordered(this=col_ref("__q_ord"))]
        window = exp.Window(this=exp.RowNumber(), order=exp.Order(expressions=order),
                            partition_by=[col_ref(p) for p in self.partition] or None)
        select = k.select_from(source).select(*[col_ref(c.name) for c in rel.columns], copy=False)
        select = select.select(*[exp.alias_(col_ref(p), f"__q_p_{i}", quoted=True) for i, p in enumerate(self.partition)],
                               exp.alias_(window, _ROW, quoted=True), copy=False)
        return k.step(select, rel.columns).source

    def iteration(self, state_name: str, initial: dict[str, exp.Expression], part_cols: list[str],
                  numbered: exp.Table) -> exp.Select:
        """The recursive member: the state joined to the next row, then one layer of SELECTs per step."""
        names = list(initial)
        read = {c.name for c in self.rel.columns}
        first = exp.Select()
        first = first.select(*[exp.alias_(col_ref(p, "s"), p, quoted=True) for p in part_cols], copy=False)
        first = first.select(exp.alias_(col_ref(_ROW, "r"), _ROW, quoted=True), copy=False)
        first = first.select(*[exp.alias_(col_ref(n, "s"), n, quoted=True) for n in names if n != _ROW
                               and not n.startswith(("__q_o", "__q_f"))], copy=False)
        # the outputs are those of this row only
        first = first.select(*[exp.alias_(initial[n], n, quoted=True) for n in names if n.startswith(("__q_o", "__q_f"))],
                             copy=False)
        first = first.select(*[exp.alias_(col_ref(c, "r"), f"__q_in_{i}", quoted=True)
                               for i, c in enumerate(self.columns) if c in read], copy=False)
        on = exp.and_(exp.EQ(this=col_ref(_ROW, "r"), expression=exp.Add(this=col_ref(_ROW, "s"), expression=exp.Literal.number(1))),
                      *[exp.EQ(this=col_ref(p, "r"), expression=col_ref(p, "s")) for p in part_cols])
        first = first.from_(exp.Table(this=ident(state_name), alias=exp.TableAlias(this=ident("s"))), copy=False)
        first = first.join(exp.Table(this=numbered.this.copy(), alias=exp.TableAlias(this=ident("r"))), on=on, copy=False)
        layers = _Layers({n: col_ref(n) for n in first.named_selects}, [first])
        for step in reversed(self.steps):
            self.step_layers(step, layers)
        last = exp.Select().select(*[col_ref(n) for n in [*part_cols, *names]], copy=False)
        last = last.from_(exp.Subquery(this=layers.selects[-1], alias=exp.TableAlias(this=ident("_qlast"))), copy=False)
        return last

    def record(self, col: str) -> exp.Expression:
        """A column of the row being read."""
        return col_ref(f"__q_in_{self.columns.index(col)}")

    def resolve(self, tree: exp.Expression, state_of: int | None, step: int, assigned: dict[str, exp.Expression]) -> exp.Expression:
        """A condition or assignment with its names bound: row columns to the row; declared columns to what this
        step assigned so far (else their defaults); `s_j.col` to the state of step `state_of` (None: empty),
        whose own row (j == step) reads as cleared."""
        values: dict[str, exp.Expression] = {}
        for col in self.columns:
            values[col] = assigned[col] if col in assigned else (
                self.defaults[col] if col in self.defaults else self.record(col))
        for j, s in enumerate(self.steps, 1):
            for col in self.held(j):
                if state_of is None or j > state_of or (j == step and state_of != step):
                    values[f"{s.name}.{col}"] = self.cleared(col)
                else:
                    values[f"{s.name}.{col}"] = col_ref(self.value_column(state_of, j, col))
        return _substitute(tree, values)

    def step_layers(self, step: _Step, layers: _Layers) -> None:
        k = step.number
        c1, c2 = f"__q_c1_{k}", f"__q_c2_{k}"
        active = col_ref(f"__q_a{k}")
        # layer 1: which check matches (check 2 only where check 1 did not)
        if k > 1:
            layers.push({c1: exp.and_(col_ref(f"__q_a{k - 1}"),
                                      sb.coalesce(self.resolve(step.condition, k - 1, k, {}), exp.false()))})
        else:
            layers.push({c1: exp.false()})
        eligible = exp.true() if k == 1 else exp.and_(exp.not_(col_ref(c1)), active.copy())
        layers.push({c2: exp.and_(eligible, sb.coalesce(self.resolve(step.condition, k, k, {}), exp.false()))})
        # layer 2: the assigned values, under the state each check reads
        under1: dict[str, exp.Expression] = {}
        under2: dict[str, exp.Expression] = {}
        for col, value in step.assignments:
            under1[col] = self.resolve(value, k - 1 if k > 1 else None, k, under1)
            under2[col] = self.resolve(value, k, k, under2)
        extended = {}
        for d in self.declared:
            if d.name in under2:
                extended[f"__q_x{k}_{d.name}"] = exp.Case(
                    ifs=[exp.If(this=col_ref(c1), true=under1[d.name])], default=under2[d.name])
            else:
                extended[f"__q_x{k}_{d.name}"] = self.defaults[d.name].copy()
        layers.push(extended)
        # layer 3: the new state and outputs
        matched = exp.or_(col_ref(c1), col_ref(c2))
        changes: dict[str, exp.Expression] = {}

        def when(condition: exp.Expression, then: exp.Expression, otherwise: exp.Expression) -> exp.Expression:
            return exp.Case(ifs=[exp.If(this=condition.copy(), true=then)], default=otherwise)

        def row_value(col: str) -> exp.Expression:
            return col_ref(f"__q_x{k}_{col}") if col in self.defaults else self.record(col)

        starts = exp.and_(col_ref(c2), exp.not_(active.copy())) if k == 1 else exp.false()
        new_mid = when(col_ref(c1), col_ref(f"__q_m{k - 1}") if k > 1 else sb.null("long"),
                       when(starts, col_ref("__q_next"), col_ref(f"__q_m{k}")))
        changes[f"__q_a{k}"] = exp.or_(active.copy(), matched.copy())
        changes[f"__q_m{k}"] = new_mid
        if k == 1:
            changes["__q_next"] = when(starts, exp.Add(this=col_ref("__q_next"), expression=exp.Literal.number(1)),
                                       col_ref("__q_next"))
        for j in range(1, k):
            for col in self.held(j):
                changes[self.value_column(k, j, col)] = when(col_ref(c1), col_ref(self.value_column(k - 1, j, col)),
                                                             col_ref(self.value_column(k, j, col)))
        for col in self.held(k):
            changes[self.value_column(k, k, col)] = when(matched, row_value(col), col_ref(self.value_column(k, k, col)))
        if k > 1:  # the sequence of step k-1 moved up: its step is empty again
            changes[f"__q_a{k - 1}"] = exp.and_(col_ref(f"__q_a{k - 1}"), exp.not_(col_ref(c1)))
            changes[f"__q_m{k - 1}"] = when(col_ref(c1), sb.null("long"), col_ref(f"__q_m{k - 1}"))
            for j in range(1, k):
                for col in self.held(j):
                    changes[self.value_column(k - 1, j, col)] = when(
                        col_ref(c1), self.cleared(col), col_ref(self.value_column(k - 1, j, col)))
            if self.steps[k - 2].output == "last":  # its held-back output is its last: out it goes
                self.flush(k - 1, col_ref(c1), 3 * (self.n - k) + 1, changes)
        order = 3 * (self.n - k)
        if step.output == "all":
            changes[f"__q_o{k}"] = matched.copy()
            changes[f"__q_om{k}"] = new_mid.copy()
            for d in self.declared:
                changes[f"__q_od{k}_{d.name}"] = col_ref(f"__q_x{k}_{d.name}")
        elif step.output == "last":
            # a sequence arriving from step k-1 replaces the one here: the old one's last output goes out
            self.flush(k, col_ref(c1), order, changes)
            changes[f"__q_p{k}"] = exp.or_(col_ref(f"__q_p{k}"), matched.copy())
            changes[f"__q_pm{k}"] = when(matched, new_mid.copy(), col_ref(f"__q_pm{k}"))
            changes[f"__q_pr{k}"] = when(matched, col_ref(_ROW), col_ref(f"__q_pr{k}"))
            for d in self.declared:
                changes[f"__q_pd{k}_{d.name}"] = when(matched, col_ref(f"__q_x{k}_{d.name}"),
                                                      col_ref(f"__q_pd{k}_{d.name}"))
        layers.push(changes)

    def flush(self, k: int, condition: exp.Expression, order: int, changes: dict[str, exp.Expression]) -> None:
        """Output step k's held-back row (if any) when `condition` holds, and hold nothing more."""
        go = exp.and_(condition.copy(), col_ref(f"__q_p{k}"))

        def when(then: exp.Expression, otherwise: exp.Expression) -> exp.Expression:
            return exp.Case(ifs=[exp.If(this=go.copy(), true=then)], default=otherwise)

        changes[f"__q_f{k}"] = exp.or_(col_ref(f"__q_f{k}"), go.copy())
        changes[f"__q_fm{k}"] = when(col_ref(f"__q_pm{k}"), col_ref(f"__q_fm{k}"))
        changes[f"__q_fr{k}"] = when(col_ref(f"__q_pr{k}"), col_ref(f"__q_fr{k}"))
        changes[f"__q_fo{k}"] = when(exp.Literal.number(order), col_ref(f"__q_fo{k}"))
        for d in self.declared:
            changes[f"__q_fd{k}_{d.name}"] = when(col_ref(f"__q_pd{k}_{d.name}"), col_ref(f"__q_fd{k}_{d.name}"))
        changes[f"__q_p{k}"] = exp.and_(col_ref(f"__q_p{k}"), exp.not_(go.copy()))

    def rows_out(self, state_name: str, part_cols: list[str], numbered: exp.Table) -> Relation:
        """One row per output: the input row it came from, extended with the declared columns (and match id),
        in the order of the rows read, then of the steps as they were tried (the last first)."""
        k = self.k
        legs = []
        last_row = exp.Window(this=exp.Max(this=col_ref(_ROW)),
                              partition_by=[col_ref(p) for p in part_cols] or None)
        state = exp.Select().select(exp.Star(), exp.alias_(last_row, "__q_last", quoted=True), copy=False)
        state = state.from_(exp.Table(this=ident(state_name)), copy=False)
        state_ref = k.step(state, []).source

        def leg(flag: str, at: exp.Expression, slot: exp.Expression, row: exp.Expression, prefix: str,
                step: int, extra: exp.Expression | None = None) -> exp.Select:
            select = exp.Select().select(*[col_ref(p) for p in part_cols], copy=False)
            select = select.select(exp.alias_(at, "__q_at", quoted=True), exp.alias_(slot, "__q_slot", quoted=True),
                                   exp.alias_(row, "__q_row", quoted=True), copy=False)
            select = select.select(*[exp.alias_(col_ref(f"__q_{prefix}d{step}_{d.name}"), d.name, quoted=True)
                                     for d in self.declared], copy=False)
            select = select.select(exp.alias_(col_ref(f"__q_{prefix}m{step}"), "__q_mid", quoted=True), copy=False)
            where = col_ref(flag) if extra is None else exp.and_(col_ref(flag), extra)
            return select.from_(state_ref.copy(), copy=False).where(where, copy=False)

        for step in reversed(self.steps):
            n = step.number
            if step.output == "all":
                legs.append(leg(f"__q_o{n}", col_ref(_ROW), exp.Literal.number(3 * (self.n - n) + 2), col_ref(_ROW), "o", n))
            elif step.output == "last":
                legs.append(leg(f"__q_f{n}", col_ref(_ROW), col_ref(f"__q_fo{n}"), col_ref(f"__q_fr{n}"), "f", n))
                legs.append(leg(f"__q_p{n}", exp.Add(this=col_ref(_ROW), expression=exp.Literal.number(1)),
                                exp.Literal.number(self.n - n), col_ref(f"__q_pr{n}"), "p", n,
                                exp.EQ(this=col_ref(_ROW), expression=col_ref("__q_last"))))
        out_columns = [*self.rel.columns, *self.declared]
        if self.match_id is not None:
            out_columns.append(Column(self.match_id, "long"))
        if not legs:  # every step has output=none
            select = exp.Select().select(*[exp.alias_(sb.missing(c.type), c.name, quoted=True)
                                           for c in out_columns], copy=False).where(exp.false(), copy=False)
            return k.step(select, out_columns)
        union = legs[0]
        for other in legs[1:]:
            union = exp.Union(this=union, expression=other, distinct=False)
        outs = exp.Subquery(this=union, alias=exp.TableAlias(this=ident("o")))
        select = exp.Select().select(*[col_ref(c.name, "r") for c in self.rel.columns], copy=False)
        select = select.select(*[col_ref(d.name, "o") for d in self.declared], copy=False)
        if self.match_id is not None:
            select = select.select(exp.alias_(col_ref("__q_mid", "o"), self.match_id, quoted=True), copy=False)
        on = exp.and_(exp.EQ(this=col_ref(_ROW, "r"), expression=col_ref("__q_row", "o")),
                      *[exp.EQ(this=col_ref(f"__q_p_{i}", "r"), expression=col_ref(p, "o")) for i, p in enumerate(part_cols)])
        select = select.from_(outs, copy=False).join(
            exp.Table(this=numbered.this.copy(), alias=exp.TableAlias(this=ident("r"))), on=on, copy=False)
        select = select.order_by(*[col_ref(p, "o") for p in part_cols], col_ref("__q_at", "o"), col_ref("__q_slot", "o"),
                                 copy=False)
        out = k.step(select, out_columns)
        out.serialized = True
        kept = {c.name for c in self.rel.columns}
        if self.rel.order and all(n in kept for n, _, _ in self.rel.order):
            out.order = list(self.rel.order)
        return out
