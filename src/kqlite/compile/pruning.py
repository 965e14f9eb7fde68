"""Unused pass-through columns dropped from a compiled query's CTEs.

Every operator's CTE lists the columns its relation carries: a 70-column Defender table filtered, parsed and
summarized gives several CTEs of 70 names each, which the engine parses, binds and then prunes at every query
(planning a few milliseconds, and SQLGlot as long again to generate the text). A column no later part of the
query names is dropped here, from the last CTE back to the first, so that a column only passed along is dropped
from every CTE that passed it.

Only plain column references are dropped (never an expression: an aggregate, an UNNEST or a window changes rows
or groups), only from a plain SELECT without DISTINCT, GROUP BY or positional ORDER BY, and never from a CTE that a
later part reads whole: through a star (``SELECT *``, ``* EXCLUDE``), by its name as a value (a row), or through a
NATURAL join. A name counts as used wherever it appears later, in any role and any letter case (DuckDB's names
are case-insensitive): a table alias or struct field of the same name keeps a column; nothing needed is dropped.
"""

from __future__ import annotations

from sqlglot import exp


def prune_unused_columns(select: exp.Select) -> None:
    """Drop, in place, the CTE columns of `select` (a compiled query with its WITH) that nothing after them uses."""
    with_ = select.args.get("with_")
    if with_ is None or with_.args.get("recursive"):
        return
    ctes: list[exp.CTE] = list(with_.expressions)
    used: set[str] = set()  # every name met in the parts after the CTE being pruned (those already pruned)
    whole: set[str] = set()  # CTEs some later part reads whole
    select.set("with_", None)  # the final SELECT on its own, then each CTE from the last
    try:
        _note_part(select, used, whole)
    finally:
        select.set("with_", with_)
    for cte in reversed(ctes):
        name = cte.alias_or_name.casefold()
        body = cte.this
        if name not in whole and _prunable(body):
            _prune(body, used)
        _note_part(body, used, whole)


def _note_part(part: exp.Expression, used: set[str], whole: set[str]) -> None:
    for identifier in part.find_all(exp.Identifier):
        used.add(str(identifier.this).casefold())
    for inner in part.find_all(exp.Select):
        sources = _sources(inner)
        if not sources:
            continue
        if any(_is_star(projection) for projection in inner.expressions) \
                or any(join.args.get("method") and str(join.args["method"]).upper() == "NATURAL"
                       for join in inner.args.get("joins") or []):
            whole.update(table for table, _ in sources)
            continue
        aliases = {alias: table for table, alias in sources}
        for column in inner.find_all(exp.Column):  # a source named as a value: its whole row
            if not column.table and column.name.casefold() in aliases:
                whole.add(aliases[column.name.casefold()])
    for pivot in part.find_all(exp.Pivot):  # (UNPIVOT too) its columns are not named
        whole.update(table.name.casefold() for table in (pivot.parent or pivot).find_all(exp.Table))


def _sources(select: exp.Select) -> list[tuple[str, str]]:
    """(table name, the name it is known by in `select`) of the tables in its FROM and JOINs."""
    found = []
    from_ = select.args.get("from_")
    for holder in [from_, *(select.args.get("joins") or [])]:
        table = holder.this if holder is not None else None
        if isinstance(table, exp.Table) and table.name:
            found.append((table.name.casefold(), (table.alias or table.name).casefold()))
    return found


def _is_star(projection: exp.Expression) -> bool:
    node = projection.this if isinstance(projection, exp.Alias) else projection
    return isinstance(node, exp.Star) or (isinstance(node, exp.Column) and isinstance(node.this, exp.Star))


def _prunable(body: exp.Expression) -> bool:
    if not isinstance(body, exp.Select) or body.args.get("distinct") or body.args.get("group") \
            or body.args.get("having"):
        return False
    order = body.args.get("order")
    return order is None or not any(isinstance(item.this, exp.Literal) for item in order.expressions)


def _prune(select: exp.Select, used: set[str]) -> None:
    """Drop the plain column projections whose output name `used` lacks and that no kept projection or clause of
    `select` names (DuckDB lets a projection, WHERE or QUALIFY name an earlier projection's alias)."""
    projections = select.expressions
    droppable = [_is_plain_column(p) and p.alias_or_name.casefold() not in used for p in projections]
    if not any(droppable):
        return
    clauses = {str(i.this).casefold() for key, value in select.args.items() if key != "expressions" and value
               for node in (value if isinstance(value, list) else [value]) if isinstance(node, exp.Expression)
               for i in node.find_all(exp.Identifier)}
    while True:  # a kept projection may name another one's alias: keep that one too
        named = clauses | {str(i.this).casefold() for p, drop in zip(projections, droppable, strict=True)
                           if not drop for i in p.find_all(exp.Identifier)}
        again = [drop and p.alias_or_name.casefold() not in named for p, drop in zip(projections, droppable, strict=True)]
        if again == droppable:
            break
        droppable = again
    kept = [p for p, drop in zip(projections, droppable, strict=True) if not drop]
    select.set("expressions", kept or projections[:1])


def _is_plain_column(projection: exp.Expression) -> bool:
    node = projection.this if isinstance(projection, exp.Alias) else projection
    return isinstance(node, exp.Column) and not isinstance(node.this, exp.Star)
