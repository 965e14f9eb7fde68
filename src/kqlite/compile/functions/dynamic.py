"""Functions over dynamic values: arrays and property bags.

A mixin of `kqlite.compile.functions.Functions`: each `f_<name>` method builds KQL function <name>."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.expressions import Typed
from kqlite.errors import KqlSemanticError, KqlUnsupportedError

if TYPE_CHECKING:
    pass


class DynamicFunctions:
    def f_range(self, c, node, args):
        self.arity(c, node, args, 2, 3)
        start, stop = args[0], args[1]
        step = args[2].sql if len(args) == 3 else exp.Literal.number(1)
        if start.type not in ("int", "long", "real") or stop.type not in ("int", "long", "real"):
            raise KqlUnsupportedError("range() over non-numbers", c.text, node.pos)
        # inclusive of stop, as Kusto's range()
        shape = "to_json(list_transform(range(0, CAST(floor((:b - :a) / :s) AS BIGINT) + 1), i -> :a + i * :s))"
        return Typed(sb.tmpl(shape, a=start.sql, b=stop.sql, s=step), "dynamic")

    def f_array_iff(self, c, node, args):
        self.arity(c, node, args, 3)
        conditions = self.json_list(c, node, args[0])
        pick = []
        for arg in args[1:]:
            pick.append(self.json_list(c, node, arg) if arg.type == "dynamic" else None)
        when_true = sb.tmpl(":l[i + 1]", l=pick[0]) if pick[0] is not None else self.json_of(args[1])
        when_false = sb.tmpl(":l[i + 1]", l=pick[1]) if pick[1] is not None else self.json_of(args[2])
        shape = ("to_json(list_transform(range(len(:c)), i -> CASE WHEN TRY_CAST(json_extract_string(:c[i + 1], '$') AS BOOLEAN)"
                 " THEN :t ELSE :f END))")
        return Typed(sb.tmpl(shape, c=conditions, t=when_true, f=when_false), "dynamic")

    def f_array_length(self, c, node, args):
        self.arity(c, node, args, 1)
        t = args[0]
        if t.type != "dynamic":
            raise KqlSemanticError("array_length() expects a dynamic array", c.text, node.pos)
        shape = "CASE WHEN json_type(:d) = 'ARRAY' THEN CAST(json_array_length(:d) AS BIGINT) ELSE NULL END"
        return Typed(sb.tmpl(shape, d=t.sql), "long")

    def f_pack_array(self, c, node, args):
        items = [self.json_of(a) for a in args]
        if not items:
            return Typed(sb.literal("dynamic", []), "dynamic")
        return Typed(exp.Anonymous(this="json_array", expressions=items), "dynamic")

    def f_bag_pack(self, c, node, args):
        if len(args) % 2:
            raise KqlSemanticError(f"{node.name}() takes key/value pairs", c.text, node.pos)
        items: list[exp.Expression] = []
        for i in range(0, len(args), 2):
            items.append(c.as_string(args[i]).sql)
            items.append(self.json_of(args[i + 1]))
        if not items:
            return Typed(sb.literal("dynamic", {}), "dynamic")
        return Typed(exp.Anonymous(this="json_object", expressions=items), "dynamic")

    def f_bag_keys(self, c, node, args):
        self.arity(c, node, args, 1)
        shape = "CASE WHEN json_type(:d) = 'OBJECT' THEN to_json(json_keys(:d)) ELSE NULL END"
        return Typed(sb.tmpl(shape, d=args[0].sql), "dynamic")

    def f_set_has_element(self, c, node, args):
        self.arity(c, node, args, 2)
        shape = "list_contains(CAST(json_extract(:d, '$[*]') AS JSON[]), :v)"
        return Typed(sb.tmpl(shape, d=args[0].sql, v=self.json_of(args[1])), "bool")

    def f_dynamic_to_json(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(sb.coalesce(sb.cast(args[0].sql, "string"), sb.string("")), "string")

    def json_list(self, c, node, t: Typed) -> exp.Expression:
        if t.type != "dynamic":
            raise KqlSemanticError(f"{node.name}() expects a dynamic array", c.text, node.pos)
        return sb.tmpl("CASE WHEN json_type(:d) = 'ARRAY' THEN CAST(:d AS JSON[]) ELSE NULL END", d=t.sql)

    def _set_of(self, c, node, args, keep: str | None) -> Typed:
        """Distinct elements in first-seen order: of all the arrays (keep=None), or of the first one kept when
        it is in every other ("all") or in none of them ("none"). A subquery, not a lambda: an argument may be
        a toscalar() subquery, which a DuckDB lambda cannot capture."""
        self.arity(c, node, args, 2, 64)
        lists = [self.json_list(c, node, a) for a in args]
        values = lists[0]
        if keep is None:
            for other in lists[1:]:
                values = exp.Anonymous(this="list_concat", expressions=[values, other])
        element = exp.column("e", table="_s", quoted=True)
        tests: list[exp.Expression] = [sb.tmpl("list_position(:l, :e) = :i", l=values, e=element,
                                                i=exp.column("i", table="_s", quoted=True))]
        if keep is not None:
            contained = [sb.tmpl("list_contains(COALESCE(:o, []::JSON[]), :e)", o=other, e=element)
                         for other in lists[1:]]
            tests.append(exp.and_(*contained) if keep == "all" else exp.not_(exp.or_(*contained)))
        shape = ("(SELECT to_json(COALESCE(list(\"_s\".\"e\" ORDER BY \"_s\".\"i\"), []::JSON[])) "
                 "FROM (SELECT unnest(:l) AS \"e\", generate_subscripts(:l, 1) AS \"i\") AS \"_s\" WHERE :t)")
        return Typed(sb.tmpl(shape, l=values, t=exp.and_(*tests)), "dynamic")

    def f_set_union(self, c, node, args):
        return self._set_of(c, node, args, None)

    def f_set_intersect(self, c, node, args):
        return self._set_of(c, node, args, "all")

    def f_set_difference(self, c, node, args):
        return self._set_of(c, node, args, "none")

    def f_strcat_array(self, c, node, args):
        self.arity(c, node, args, 2)
        items = self.json_list(c, node, args[0])
        shape = (
            "COALESCE(array_to_string(list_transform(:l, e -> CASE WHEN json_type(e) = 'VARCHAR' THEN json_extract_string(e, '$')"
            " WHEN json_type(e) = 'NULL' THEN '' ELSE CAST(e AS VARCHAR) END), :d), '')"
        )
        return Typed(sb.tmpl(shape, l=items, d=c.as_string(args[1]).sql), "string")

    def f_array_concat(self, c, node, args):
        if not args:
            self.arity(c, node, args, 1, 64)
        lists = [self.json_list(c, node, a) for a in args]
        combined = lists[0]
        for other in lists[1:]:
            combined = exp.Anonymous(this="list_concat", expressions=[combined, other])
        return Typed(exp.Anonymous(this="to_json", expressions=[combined]), "dynamic")

    def f_array_reverse(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(sb.tmpl("to_json(list_reverse(:l))", l=self.json_list(c, node, args[0])), "dynamic")

    def f_array_slice(self, c, node, args):
        self.arity(c, node, args, 3)
        shape = (
            "to_json(list_slice(:l, (CASE WHEN :s < 0 THEN greatest(len(:l) + :s, 0) ELSE :s END) + 1,"
            " (CASE WHEN :e < 0 THEN len(:l) + :e ELSE :e END) + 1))"
        )
        return Typed(
            sb.tmpl(shape, l=self.json_list(c, node, args[0]), s=args[1].sql, e=args[2].sql), "dynamic"
        )

    def f_array_sum(self, c, node, args):
        self.arity(c, node, args, 1)
        items = self.json_list(c, node, args[0])
        return Typed(
            sb.tmpl(
                "list_sum(list_transform(:l, e -> TRY_CAST(json_extract_string(e, '$') AS DOUBLE)))", l=items
            ),
            "real",
        )

    def _array_sort(self, c, node, args, descending: bool):
        self.arity(c, node, args, 1, 2)
        items = self.json_list(c, node, args[0])
        # numbers sort as numbers, other values as text; JSON nulls go last
        keyed = (
            "list_transform(:l, e -> {'n': CASE WHEN json_type(e) = 'NULL' THEN 1 ELSE 0 END, "
            "'k': TRY_CAST(json_extract_string(e, '$') AS DOUBLE), 's': json_extract_string(e, '$'), 'v': e})"
        )
        direction = "'DESC'" if descending else "'ASC'"
        shape = f"to_json(list_transform(list_sort({keyed}, {direction}), x -> x.v))"
        if descending:  # keep nulls last when sorting down
            shape = f"to_json(list_transform(list_concat(list_filter(list_sort({keyed}, 'DESC'), x -> x.n = 0), list_filter({keyed}, x -> x.n = 1)), x -> x.v))"
        return Typed(sb.tmpl(shape, l=items), "dynamic")

    def f_array_sort_asc(self, c, node, args):
        return self._array_sort(c, node, args, False)

    def f_array_sort_desc(self, c, node, args):
        return self._array_sort(c, node, args, True)

    def f_array_index_of(self, c, node, args):
        self.arity(c, node, args, 2)
        items = self.json_list(c, node, args[0])
        shape = "CASE WHEN :l IS NULL THEN NULL ELSE COALESCE(list_position(list_transform(:l, e -> CAST(e AS VARCHAR)), CAST(:v AS VARCHAR)), 0) - 1 END"
        return Typed(sb.cast(sb.tmpl(shape, l=items, v=self.json_of(args[1])), "long"), "long")

    def _rotate(self, c, node, args, left: bool):
        self.arity(c, node, args, 2)
        items = self.json_list(c, node, args[0])
        n = args[1].sql if left else exp.Neg(this=exp.Paren(this=args[1].sql))
        shape = (
            "CASE WHEN len(:l) = 0 THEN to_json(:l) ELSE to_json(list_concat(list_slice(:l, ((:n % len(:l)) + len(:l)) % len(:l) + 1, len(:l)),"
            " list_slice(:l, 1, ((:n % len(:l)) + len(:l)) % len(:l)))) END"
        )
        return Typed(sb.tmpl(shape, l=items, n=n), "dynamic")

    def f_array_rotate_left(self, c, node, args):
        return self._rotate(c, node, args, True)

    def f_array_rotate_right(self, c, node, args):
        return self._rotate(c, node, args, False)

    def f_bag_merge(self, c, node, args):
        if len(args) < 2:
            self.arity(c, node, args, 2, 64)
        # the leftmost bag wins when a key repeats
        merged = args[-1].sql
        for bag in reversed(args[:-1]):
            merged = exp.Anonymous(this="json_merge_patch", expressions=[merged, bag.sql])
        return Typed(merged, "dynamic")

    def f_zip(self, c, node, args):
        if len(args) < 2:
            self.arity(c, node, args, 2, 16)
        lists = [self.json_list(c, node, a) for a in args]
        longest = exp.Anonymous(
            this="greatest", expressions=[exp.Anonymous(this="len", expressions=[lst]) for lst in lists]
        )
        pairs = exp.Array(expressions=[sb.tmpl("COALESCE(:l[i + 1], 'null'::JSON)", l=lst) for lst in lists])
        return Typed(sb.tmpl("to_json(list_transform(range(:n), i -> :p))", n=longest, p=pairs), "dynamic")
