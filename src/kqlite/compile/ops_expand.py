"""Operators over dynamic arrays and bags: mv-expand and mv-apply.

Mixed into `kqlite.compile.compiler.Compiler`; every method compiles one operator onto a new CTE."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from kqlite.compile import known_values
from kqlite.compile import sqlbuild as sb
from kqlite.compile.env import Env
from kqlite.compile.expressions import Typed
from kqlite.compile.lowering import ANALYTICS_PLUGINS
from kqlite.compile.ops_patterns import PATTERN_PLUGINS
from kqlite.compile.scope import Column, Relation, col_ref, ident, unique_name
from kqlite.compile.types import normalize_type
from kqlite.syntax import ast

if TYPE_CHECKING:
    pass


class ExpandOperators:
    # ------------------------------------------------------------ mv-expand

    def op_MvExpand(self, op: ast.MvExpand, rel: Relation, env: Env) -> Relation:
        self.operators_used.append("mv-expand")
        limit = None
        if op.limit is not None:
            limit = self.exprs(env, None).compile(op.limit)
            if not (limit.is_const and isinstance(limit.const, int) and not isinstance(limit.const, bool)):
                raise self.semantic("mv-expand limit takes a constant whole number", op.pos)
        c = self.exprs(env, rel)
        targets = []
        for item, to_type in op.items:
            typed = c.compile(item.expr)
            name = item.name or typed.name
            if name is None:
                raise self.semantic("mv-expand needs a column or Name = expression", item.expr.pos)
            if typed.type != "dynamic":
                raise self.semantic(f"mv-expand needs a dynamic column, '{name}' is {typed.type}", item.expr.pos)
            result_type = normalize_type(to_type) if to_type else "dynamic"
            if result_type is None:
                raise self.semantic(f"unknown type '{to_type}'", item.expr.pos)
            targets.append((name, typed, result_type))
        # elements as a JSON list: arrays expand element-wise, bags key by key, null gives one null row,
        # an empty array or bag gives no row
        # the dynamic values first, then their JSON types, each in a step of its own: the list expression
        # reads them several times (an inline parse_json would be parsed each time)
        # split()'s parts (see known_values) also as the engine's list of texts, `_s<i>`: expanded as it is
        texts = {i: typed.known.key for i, (_name, typed, _rt) in enumerate(targets)
                 if typed.known is not None and typed.known.kind == "list"}
        values = self.step(self.select_from(rel).select(
            *[col_ref(col.name) for col in rel.columns],
            *[exp.alias_(typed.sql, f"_d{i}", quoted=True) for i, (_name, typed, _rt) in enumerate(targets)],
            *[exp.alias_(parts.copy(), f"_s{i}", quoted=True) for i, parts in texts.items()],
            copy=False), rel.columns)
        values = self.step(self.select_from(values).select(
            *[col_ref(col.name) for col in rel.columns],
            *[col_ref(f"_d{i}") for i in range(len(targets))],
            *[col_ref(f"_s{i}") for i in texts],
            *[exp.alias_(self.dialect.shape("json_container_type", d=col_ref(f"_d{i}")), f"_t{i}", quoted=True) for i in range(len(targets))],
            copy=False), rel.columns)
        # a bag expands to one-property bags, one per property in document order, carried as its keys and its
        # values (two lists): the bags themselves are built only where a query reads them whole (see
        # Relation.bag_entries); kind=array makes each property a [key, value] array instead
        by_property = op.kind == "bag"
        lists, keys = [], []
        for i in range(len(targets)):
            d, t = col_ref(f"_d{i}"), col_ref(f"_t{i}")
            if i in texts:  # no JSON array built and read back; no keys (an array's elements are not bags)
                lists.append(self.dialect.shape("texts_as_json_list", l=col_ref(f"_s{i}")))
                if by_property:
                    keys.append(self.dialect.shape("no_keys"))
            elif by_property:
                lists.append(self.dialect.shape("expand_json_values", d=d, t=t))
                keys.append(self.dialect.shape("expand_json_keys", d=d, t=t))
            else:
                lists.append(self.dialect.shape("expand_json_elements_as_arrays", d=d, t=t))
        numbered = self.select_from(values).select(
            *[col_ref(col.name) for col in rel.columns],
            *[exp.alias_(lst, f"_l{i}", quoted=True) for i, lst in enumerate(lists)],
            *[exp.alias_(key, f"_q{i}", quoted=True) for i, key in enumerate(keys)],
            copy=False)
        base = self.step(numbered, rel.columns)
        exploded, value_at, key_at = self.explode_lists(base, rel, len(lists), len(keys), limit,
                                                        bool(op.item_index))
        # each target's element (and key) at the row's index, in a step of their own: the bag reads them twice
        names = set(rel.names()) | {name for name, _, _ in targets}
        entries: dict[str, tuple[str, str]] = {}
        element_columns = []
        for i, (name, _typed, _rt) in enumerate(targets):
            value = value_at(i)
            if not by_property:
                element_columns.append(exp.alias_(value, f"_e{i}", quoted=True))
                continue
            pair = (unique_name(f"__kq_key_{name}", names), unique_name(f"__kq_value_{name}", names))
            names |= set(pair)
            entries[name] = pair
            key = key_at(i)
            element_columns += [exp.alias_(key, pair[0], quoted=True), exp.alias_(value, pair[1], quoted=True)]
        index = [col_ref("_i")] if op.item_index else []
        elements = self.step(self.select_from(exploded).select(
            *[col_ref(col.name) for col in rel.columns], *element_columns, *index, copy=False), [])

        def element(i: int, name: str) -> exp.Expression:
            if not by_property:
                return col_ref(f"_e{i}")
            known = known_values.single_property_bag(*(col_ref(n) for n in entries[name]))
            return known_values.whole(known, lambda k, v: self.dialect.shape("json_single_property", k=k, v=v))

        projections, columns = [], []
        replaced = {name for name, _, _ in targets}
        for col in rel.columns:
            if col.name in replaced:
                i = next(j for j, t in enumerate(targets) if t[0] == col.name)
                value, kql_type = self.mv_element(element(i, col.name), targets[i][2])
                projections.append(exp.alias_(value, col.name, quoted=True))
                columns.append(Column(col.name, kql_type))
            else:
                projections.append(col_ref(col.name))
                columns.append(col)
        for i, (name, _typed, result_type) in enumerate(targets):
            if rel.column(name) is None:
                value, kql_type = self.mv_element(element(i, name), result_type)
                projections.append(exp.alias_(value, name, quoted=True))
                columns.append(Column(name, kql_type))
        if op.item_index:
            projections.append(exp.alias_(sb.cast(col_ref("_i"), "long"), op.item_index, quoted=True))
            columns.append(Column(op.item_index, "long"))
        # the keys and values stay beside the columns that still hold the expanded bags as they are
        kept = {name: pair for name, pair in entries.items()
                if next(c for c in columns if c.name == name).type == "dynamic"}
        projections += [col_ref(n) for pair in kept.values() for n in pair]
        out = self.step(self.select_from(elements).select(*projections, copy=False), columns)
        if kept:
            out.exact, out.bag_entries = False, kept
        return out

    def explode_lists(self, base: Relation, rel: Relation, n_lists: int, n_keys: int, limit: Typed | None,
                      with_index: bool):
        """A row per element of the lists `_l<i>` (and keys `_q<i>`, as long as the first n_keys lists) of each
        row, zipped: the longest list decides, the others give nulls past their end. Gives the relation and
        builders of the i-th list's element and key (`_i` is the element's index when asked for)."""
        carried = [col_ref(col.name) for col in rel.columns]
        if self.dialect.parallel_unnest and limit is None:
            # unnests in one SELECT run side by side: no index to compute, no list read at an index
            unnests = [exp.alias_(self.dialect.shape("unnest_list", l=col_ref(f"_l{i}")), f"_x{i}", quoted=True)
                       for i in range(n_lists)]
            unnests += [exp.alias_(self.dialect.shape("unnest_list", l=col_ref(f"_q{i}")), f"_y{i}", quoted=True)
                        for i in range(n_keys)]
            if with_index:
                unnests.append(exp.alias_(self.dialect.shape("unnest_range", n=self.longest_list(n_lists)),
                                          "_i", quoted=True))
            exploded = self.step(self.select_from(base).select(*carried, *unnests, copy=False), [])
            return exploded, lambda i: col_ref(f"_x{i}"), lambda i: col_ref(f"_y{i}")
        length = self.longest_list(n_lists)
        if limit is not None:  # at most this many rows from each row
            length = self.dialect.call("least", [length, sb.whole_number(limit)])
        idx_series = exp.alias_(self.dialect.shape("unnest_range", n=length), "_i", quoted=True)
        exploded = self.step(self.select_from(base).select(
            *carried, *[col_ref(f"_l{i}") for i in range(n_lists)], *[col_ref(f"_q{i}") for i in range(n_keys)],
            idx_series, copy=False), [])
        return (exploded, lambda i: self.dialect.shape("list_element", l=col_ref(f"_l{i}"), i=col_ref("_i")),
                lambda i: self.dialect.shape("list_element", l=col_ref(f"_q{i}"), i=col_ref("_i")))

    def longest_list(self, n_lists: int) -> exp.Expression:
        lengths = [self.dialect.shape("list_length", l=col_ref(f"_l{i}")) for i in range(n_lists)]
        # greatest() that skips nulls (an array column that is null in a row expands by the others)
        return self.dialect.call("greatest", lengths) if len(lengths) > 1 else lengths[0]

    def mv_element(self, element: exp.Expression, result_type: str) -> tuple[exp.Expression, str]:
        if result_type == "dynamic":
            return element, "dynamic"
        typed = self.functions.convert(self.exprs(Env(), None), Typed(element, "dynamic"), result_type)
        return typed.sql, result_type

    # ------------------------------------------------------------ mv-apply

    def per_key(self, operators: list[ast.Operator], rel: Relation, key: str, env: Env) -> Relation:
        """The operators run on the rows of each value of the hidden column `key` apart (mv-apply's and
        partition's subqueries): every operator keeps the key and works per key (see apply_key)."""
        outer_key = self.apply_key
        self.apply_key = key
        try:
            for inner in operators:
                rel = self.operator(inner, rel, env)
        finally:
            self.apply_key = outer_key
        return rel

    def op_MvApply(self, op: ast.MvApply, rel: Relation, env: Env) -> Relation:
        self.operators_used.append("mv-apply")
        key = unique_name("_apply_row", set(rel.names()))
        numbered = self.step(self.select_from(rel).select(*[col_ref(c.name) for c in rel.columns],
                                                          exp.alias_(self.dialect.shape("input_order"), key, quoted=True), copy=False),
                             rel.columns + [Column(key, "long")])
        sub = self.per_key(op.subquery, self.op_MvExpand(op.expand, numbered, env), key, env)
        if sub.column(key) is None:
            raise self.unsupported("this mv-apply subquery (it does not keep its input rows apart)", op.pos)
        # the subquery's rows for each input row, next to that row's other columns
        sub_names = set(sub.names())
        kept = [c for c in rel.columns if c.name not in sub_names]
        out_sub = [c for c in sub.columns if c.name != key]
        select = (self.select_from(numbered, "_n").select(*[col_ref(c.name, "_n") for c in kept],
                                                          *[col_ref(c.name, "_s") for c in out_sub], copy=False)
                  .join(exp.Table(this=sub.source.this.copy(), alias=exp.TableAlias(this=ident("_s"))),
                        on=exp.EQ(this=col_ref(key, "_n"), expression=col_ref(key, "_s")), copy=False))
        return self.step(select, kept + out_sub)

    def op_Partition(self, op: ast.Partition, rel: Relation, env: Env) -> Relation:
        """The operators run on the rows of each value of the column apart, as mv-apply runs its subquery on
        each row's expansion: every operator keeps a hidden key (a number per value) and works per key."""
        self.operators_used.append("partition")
        by = rel.column(op.by.name)
        if by is None:
            raise self.semantic(f"partition by '{op.by.name}': no such column", op.by.pos)
        if by.type == "dynamic":
            raise self.semantic("partition needs a column of a scalar type, not dynamic", op.by.pos,
                                "convert it first, e.g. extend Key = tostring(Column)")
        if self.apply_key is not None:
            raise self.unsupported("partition inside mv-apply or another partition", op.pos)
        key = unique_name("_partition", set(rel.names()))
        number = exp.Window(this=exp.Anonymous(this="dense_rank", expressions=[]),
                            order=exp.Order(expressions=[exp.Ordered(this=col_ref(by.name), nulls_first=True)]))
        keyed = self.step(self.select_from(rel).select(*[col_ref(c.name) for c in rel.columns],
                                                       exp.alias_(sb.cast(number, "long"), key, quoted=True), copy=False),
                          rel.columns + [Column(key, "long")])
        if rel.order:  # each partition sees its rows in the order they came
            keyed.order = list(rel.order)
            keyed.serialized = rel.serialized
        sub = self.per_key(op.subquery, keyed, key, env)
        if sub.column(key) is None:
            raise self.unsupported("this partition subquery (one of its operators mixes the partitions)", op.pos)
        kept = [c for c in sub.columns if c.name != key]
        out = self.step(self.select_from(sub).select(*[col_ref(c.name) for c in kept], copy=False), kept)
        return out


# JSON value types (DuckDB's json_type) -> the KQL type bag_unpack gives a column whose values all have it.
_JSON_TO_KQL = {"BIGINT": "long", "UBIGINT": "long", "DOUBLE": "real", "VARCHAR": "string", "BOOLEAN": "bool"}


class PluginOperators:
    def op_Evaluate(self, op: ast.Evaluate, rel: Relation, env: Env) -> Relation:
        self.operators_used.append("evaluate")
        plugin = op.plugin
        if plugin.name == "pivot":
            out = self.pivot(plugin, rel, env)
        elif plugin.name == "narrow":
            out = self.narrow(plugin, rel, env)
        elif plugin.name == "ipv4_lookup":
            out = self.ipv4_lookup(plugin, rel, env)
        elif plugin.name == "ipv6_lookup":
            out = self.ipv6_lookup(plugin, rel, env)
        elif plugin.name == "python":
            out = self.python_plugin(plugin, rel, env)
        elif plugin.name == "bag_unpack":
            out = self.bag_unpack(plugin, rel, env)
        elif plugin.name in PATTERN_PLUGINS:
            out = getattr(self, plugin.name)(plugin, rel, env)
        elif plugin.name == "schema_merge":
            if self.apply_key is not None:
                raise self.unsupported("evaluate schema_merge() inside mv-apply or partition", plugin.pos)
            out = self.schema_merge(plugin, rel, env)
        elif plugin.name in ANALYTICS_PLUGINS:
            if self.apply_key is not None:
                raise self.unsupported(f"evaluate {plugin.name}() inside mv-apply or partition", plugin.pos)
            out = getattr(self, plugin.name)(plugin, rel, env)
        else:
            raise self.unsupported(f"evaluate plugin '{plugin.name}'", plugin.pos)
        return self.output_schema(op, out, env) if op.schema is not None else out

    def output_schema(self, op: ast.Evaluate, out: Relation, env: Env) -> Relation:
        """`evaluate plugin(...) : (name: type, ...)`: the columns the query expects, in its order and types;
        a column the data did not give is an error, as in Kusto."""
        declared = []
        for name, type_name in op.schema or []:
            kql_type = normalize_type(type_name)
            if kql_type is None:
                raise self.semantic(f"unknown type '{type_name}' for column '{name}'", op.pos)
            declared.append(Column(name, kql_type))
        missing = [c.name for c in declared if out.column(c.name) is None]
        if missing:
            raise self.semantic(f"{op.plugin.name}() did not give the declared column(s) {', '.join(missing)}", op.pos,
                                "the output schema after ':' must name columns the data gives")
        projections = []
        for col in declared:
            have = out.column(col.name)
            value: exp.Expression = col_ref(col.name)
            if have.type != col.type:
                value = self.functions.convert(self.exprs(env, out), Typed(value, have.type), col.type).sql
            projections.append(exp.alias_(value, col.name, quoted=True))
        return self.step(self.select_from(out).select(*projections, copy=False), declared)

    def bag_unpack(self, plugin: ast.Call, rel: Relation, env: Env) -> Relation:
        """One column per property of the bags, typed from the values (two passes: the keys and their
        value types come from the data first)."""
        if not plugin.args or not isinstance(plugin.args[0], ast.Name) or len(plugin.args) > 2:
            raise self.unsupported("bag_unpack() other than bag_unpack(Column[, prefix])", plugin.pos)
        if self.probe is None:
            raise self.unsupported("bag_unpack() without data to read the keys from", plugin.pos)
        c = self.exprs(env, rel)
        bag = c.compile(plugin.args[0])
        if bag.type != "dynamic":
            raise self.semantic("bag_unpack() needs a dynamic column", plugin.args[0].pos)
        prefix = ""
        if len(plugin.args) == 2:
            prefix_value = self.exprs(env, None).compile(plugin.args[1])
            if not (prefix_value.is_const and isinstance(prefix_value.const, str)):
                raise self.semantic("bag_unpack()'s prefix must be a string constant", plugin.args[1].pos)
            prefix = prefix_value.const
        keys_sql = self.dialect.shape(
            "bag_unpack_probe",
            bag=bag.sql, src=rel.source.copy())
        select = keys_sql if isinstance(keys_sql, exp.Select) else exp.select(exp.Star()).from_(keys_sql)
        select = self.with_ctes(select)
        keys = self.probe(select)
        bag_name = plugin.args[0].name
        kept = [col for col in rel.columns if col.name != bag_name]
        taken = {col.name for col in kept}
        projections: list[exp.Expression] = [col_ref(col.name) for col in kept]
        columns = list(kept)
        for key, json_types in keys:
            types = {t for t in json_types if t != "NULL"}
            kql_type = _JSON_TO_KQL.get(next(iter(types)), "dynamic") if len(types) == 1 else "dynamic"
            value = self.dialect.json_member(bag.sql.copy(), key)
            if kql_type != "dynamic":
                value = self.functions.convert(c, Typed(value, "dynamic"), kql_type).sql
            name = unique_name(prefix + key, taken)
            taken.add(name)
            projections.append(exp.alias_(value, name, quoted=True))
            columns.append(Column(name, kql_type))
        return self.step(self.select_from(rel).select(*projections, copy=False), columns)
