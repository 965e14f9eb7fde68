"""Counting plugins over a binned timeline: sliding_window_counts and session_count.

Both bin the timeline at Start (bin_at(Timeline, Bin, Start)) and give one row per bin between Start and End
(inclusive) and combination of the dimensions that has rows to count; bins with nothing to count are absent.
"""

from __future__ import annotations

from kqlite.compile.env import Env
from kqlite.compile.lowering import Lowering
from kqlite.compile.scope import Relation
from kqlite.syntax import ast


class WindowPlugins:
    def sliding_window_counts(self, plugin: ast.Call, rel: Relation, env: Env) -> Relation:
        """`sliding_window_counts(IdColumn, TimelineColumn, Start, End, LookbackWindow, Bin [, dim ...])`: for each
        bin, the count of rows and the distinct count of ids in the lookback window ending with the bin (the
        bin and the LookbackWindow / Bin - 1 bins before it; the window rounded down to whole bins)."""
        low = Lowering(self, plugin, rel, env)
        args = low.arity(6)
        id_col = low.column(args[0], "id column")
        timeline = low.timeline(args[1])
        start = low.bind(low.timeline_value(args[2], "Start", timeline), "start")
        end = low.bind(low.timeline_value(args[3], "End", timeline), "end")
        lookback = low.step_value(args[4], "LookbackWindow", timeline)
        bin_ = low.step_value(args[5], "Bin", timeline)
        dims = low.dimensions(args[6:])
        bins = int(lookback.const // bin_.const)  # type: ignore[operator]
        if bins < 1:
            raise low.semantic("the LookbackWindow is shorter than the Bin", args[4])
        step = low.bind(bin_, "bin")
        t, ident, own_bin, k, window = (low.hidden(h) for h in ("t", "id", "b", "k", "w"))
        out = low.run(
            rel,
            low.project([low.named(t, low.name(timeline.name)), low.named(ident, low.name(id_col.name)),
                         *low.columns([d.name for d in dims])]),
            low.extend(**{own_bin: low.call("bin_at", low.name(t), step, start)}),
            # each row counts in its own bin and in the bins - 1 after it: mv-expand over the offsets
            ast.MvExpand(low.pos, [(low.named(k, low.call("range", low.literal("long", 0),
                                                                low.literal("long", bins - 1))), "long")]),
            low.extend(**{window: low.binary("+", low.name(own_bin), low.binary("*", low.name(k), step))}),
            low.where(low.binary(">=", low.name(window), start), low.binary("<=", low.name(window), end)),
            low.summarize([low.named("Count", low.call("count")), low.named("Dcount", low.call("dcount", low.name(ident)))],
                          [low.named(timeline.name, low.name(window)), *low.columns([d.name for d in dims])]),
        )
        return low.ordered(out, [timeline.name, *(d.name for d in dims)])
