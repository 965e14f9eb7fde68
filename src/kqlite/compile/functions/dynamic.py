"""Functions over dynamic values: arrays and property bags.

A mixin of `kqlite.compile.functions.Functions`: each `f_<name>` method builds KQL function <name>."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from kqlite.compile import known_values
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
        if len(args) == 3 and args[2].type not in ("int", "long", "real"):
            raise KqlSemanticError(f"range() of numbers needs a numeric step, got {args[2].type}", c.text, node.pos)
        # inclusive of stop, as Kusto's range()
        return Typed(c.dialect.shape("json_number_range", a=start.sql, b=stop.sql, s=step), "dynamic")

    def f_array_iff(self, c, node, args):
        self.arity(c, node, args, 3)
        conditions = self.json_list(c, node, args[0])
        pick = []
        for arg in args[1:]:
            pick.append(self.json_list(c, node, arg) if arg.type == "dynamic" else None)
        when_true = c.dialect.shape("list_element_at_i", l=pick[0]) if pick[0] is not None else self.json_of(args[1])
        when_false = c.dialect.shape("list_element_at_i", l=pick[1]) if pick[1] is not None else self.json_of(args[2])
        return Typed(c.dialect.shape("json_array_iff", c=conditions, t=when_true, f=when_false), "dynamic")

    def f_array_length(self, c, node, args):
        self.arity(c, node, args, 1)
        t = args[0]
        if t.type != "dynamic":
            raise KqlSemanticError("array_length() expects a dynamic array", c.text, node.pos)
        return Typed(c.dialect.shape("json_array_length", d=t.sql), "long")

    def f_pack_array(self, c, node, args):
        self.arity(c, node, args, 1, 32767)
        items = [self.json_of(a) for a in args]
        return Typed(c.dialect.call("json_array", items), "dynamic")

    def f_bag_pack(self, c, node, args):
        if len(args) % 2:
            raise KqlSemanticError(f"{node.name}() takes key/value pairs", c.text, node.pos)
        items: list[exp.Expression] = []
        for i in range(0, len(args), 2):
            items.append(c.as_string(args[i]).sql)
            items.append(self.json_of(args[i + 1]))
        if not items:
            return Typed(sb.literal("dynamic", {}), "dynamic")
        return Typed(c.dialect.call("json_object", items), "dynamic")

    def f_bag_keys(self, c, node, args):
        self.arity(c, node, args, 1)
        keys, known = known_values.bag_keys(args[0].known, args[0].sql,
                                            lambda value: c.dialect.shape("json_bag_keys", d=value),
                                            lambda value: c.dialect.call("to_json", [value]))
        return Typed(keys, "dynamic", known=known)

    def f_set_has_element(self, c, node, args):
        self.arity(c, node, args, 2)
        return Typed(c.dialect.shape("json_array_contains", d=args[0].sql, v=self.json_of(args[1])), "bool")

    def f_dynamic_to_json(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(sb.coalesce(sb.cast(args[0].sql, "string"), sb.string("")), "string")

    def f_has_any_index(self, c, node, args):
        """The position (from 0) of the first of `values` that `source` has as a term; -1 for none (or no
        values). A value that is not a string is looked for as its text, as `has` reads it."""
        self.arity(c, node, args, 2)
        source = c.as_string(args[0]).sql
        element = c.dialect.shape("json_to_kql_text", d=c.dialect.shape("loop_element"))
        found = c.has_term(source, element)
        return Typed(c.dialect.shape("list_first_index", l=self.json_list(c, node, args[1]), p=found), "long")

    def json_list(self, c, node, t: Typed) -> exp.Expression:
        if t.type != "dynamic":
            raise KqlSemanticError(f"{node.name}() expects a dynamic array", c.text, node.pos)
        return c.dialect.shape("json_array_elements", d=t.sql)

    def _set_of(self, c, node, args, keep: str | None) -> Typed:
        """Distinct elements in first-seen order: of all the arrays (keep=None), or of the first one kept when
        it is in every other ("all") or in none of them ("none"). A subquery, not a lambda: an argument may be
        a toscalar() subquery, which a DuckDB lambda cannot capture."""
        self.arity(c, node, args, 2, 64)
        lists = [self.json_list(c, node, a) for a in args]
        values = lists[0]
        if keep is None:
            for other in lists[1:]:
                values = c.dialect.call("list_concat", [values, other])
        element, position = c.dialect.filter_element(), c.dialect.filter_position()
        tests: list[exp.Expression] = [c.dialect.shape("list_first_position_is", l=values, e=element, i=position)]
        if keep is not None:
            contained = [c.dialect.shape("list_contains_or_empty", o=other, e=element)
                         for other in lists[1:]]
            tests.append(exp.and_(*contained) if keep == "all" else exp.not_(exp.or_(*contained)))
        return Typed(c.dialect.shape("json_list_filter_positions", l=values, t=exp.and_(*tests)), "dynamic")

    def f_set_union(self, c, node, args):
        return self._set_of(c, node, args, None)

    def f_set_intersect(self, c, node, args):
        return self._set_of(c, node, args, "all")

    def f_set_difference(self, c, node, args):
        return self._set_of(c, node, args, "none")

    def f_strcat_array(self, c, node, args):
        self.arity(c, node, args, 2)
        items = self.json_list(c, node, args[0])
        return Typed(c.dialect.shape("json_array_join", l=items, d=c.as_string(args[1]).sql), "string")

    def f_array_concat(self, c, node, args):
        if not args:
            self.arity(c, node, args, 1, 64)
        lists = [self.json_list(c, node, a) for a in args]
        combined = lists[0]
        for other in lists[1:]:
            combined = c.dialect.call("list_concat", [combined, other])
        return Typed(c.dialect.call("to_json", [combined]), "dynamic")

    def f_array_reverse(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(c.dialect.shape("json_list_reverse", l=self.json_list(c, node, args[0])), "dynamic")

    def f_array_slice(self, c, node, args):
        self.arity(c, node, args, 3)
        return Typed(
            c.dialect.shape("json_list_slice", l=self.json_list(c, node, args[0]), s=args[1].sql, e=args[2].sql), "dynamic"
        )

    def f_array_sum(self, c, node, args):
        self.arity(c, node, args, 1)
        items = self.json_list(c, node, args[0])
        return Typed(
            c.dialect.shape(
                "json_list_sum", l=items
            ),
            "real",
        )

    def _array_sort(self, c, node, args, descending: bool):
        self.arity(c, node, args, 1, 2)
        items = self.json_list(c, node, args[0])
        # numbers sort as numbers, other values as text; JSON nulls go last either way
        name = "json_list_sort_desc" if descending else "json_list_sort_asc"
        return Typed(c.dialect.shape(name, l=items), "dynamic")

    def f_array_sort_asc(self, c, node, args):
        return self._array_sort(c, node, args, False)

    def f_array_sort_desc(self, c, node, args):
        return self._array_sort(c, node, args, True)

    def f_array_index_of(self, c, node, args):
        self.arity(c, node, args, 2)
        items = self.json_list(c, node, args[0])
        return Typed(sb.cast(c.dialect.shape("json_list_index_of", l=items, v=self.json_of(args[1])), "long"), "long")

    def _rotate(self, c, node, args, left: bool):
        self.arity(c, node, args, 2)
        items = self.json_list(c, node, args[0])
        n = args[1].sql if left else exp.Neg(this=exp.Paren(this=args[1].sql))
        return Typed(c.dialect.shape("json_list_rotate", l=items, n=n), "dynamic")

    def f_array_shift_left(self, c, node, args):
        return self._shift_array(c, node, args, left=True)

    def f_array_shift_right(self, c, node, args):
        return self._shift_array(c, node, args, left=False)

    def _shift_array(self, c, node, args, left: bool) -> Typed:
        """Elements move by n places; the places they leave take the fill value (null by default)."""
        self.arity(c, node, args, 2, 3)
        d = c.dialect
        items = self.json_list(c, node, args[0])
        shift = args[1].sql if not left else exp.Neg(this=exp.Paren(this=args[1].sql))
        moved = d.shape("list_element_at_i_minus", l=items, k=shift)
        if len(args) == 3:
            moved = sb.coalesce(moved, self.json_of(args[2]))
        return Typed(d.shape("json_zip", n=d.shape("list_length", l=items.copy()), p=moved), "dynamic")

    def f_array_split(self, c, node, args):
        """The array cut before each index (a constant number or array of numbers): len(indexes) + 1 parts."""
        self.arity(c, node, args, 2)
        cuts = args[1].const if args[1].is_const else None
        cuts = [cuts] if isinstance(cuts, int) and not isinstance(cuts, bool) else cuts
        if not (isinstance(cuts, list) and all(isinstance(i, int) and not isinstance(i, bool) for i in cuts)):
            raise KqlUnsupportedError("array_split() with indexes that are not constant whole numbers", c.text, node.pos)
        d = c.dialect
        items = self.json_list(c, node, args[0])
        bounds = [0, *cuts]
        parts = []
        for start, end in zip(bounds, [*cuts, None], strict=True):
            last = sb.number(-1) if end is None else sb.number(end - 1)
            parts.append(d.shape("json_list_slice", l=items.copy(), s=sb.number(start), e=last))
        return Typed(d.call("json_array", parts), "dynamic")

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
            merged = c.dialect.call("json_merge_patch", [merged, bag.sql])
        return Typed(merged, "dynamic")

    def f_zip(self, c, node, args):
        if len(args) < 2:
            self.arity(c, node, args, 2, 16)
        lists = [self.json_list(c, node, a) for a in args]
        lengths = [c.dialect.shape("list_length", l=lst) for lst in lists]
        longest = c.dialect.call("greatest", lengths)
        pairs = exp.Array(expressions=[c.dialect.shape("list_element_at_i_or_json_null", l=lst) for lst in lists])
        return Typed(c.dialect.shape("json_zip", n=longest, p=pairs), "dynamic")
