"""Client request properties (`set name = value;`) and query parameters (`declare query_parameters(...)`).

Kusto reads both before the query runs. kqlite does what Kusto does for the properties that change a
result (`query_now`, `truncationmaxrecords`, `query_take_max_records`, `servertimeout`), accepts the ones
that only change how the service runs a query (caching, consistency, fan-out, client names), and refuses
every other one: a property silently ignored could give a different answer than Kusto's."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from kqlite.syntax import ast

# Properties that never change what a query returns.
RESULT_NEUTRAL = frozenset({
    "notruncation", "norequesttimeout", "deferpartialqueryfailures", "query_results_cache_max_age",
    "query_results_cache_force_refresh", "query_results_cache_per_shard", "queryconsistency",
    "query_consistency", "request_strong_consistency", "query_weakconsistency_session_id",
    "request_app_name", "request_description", "request_user", "request_readonly", "request_readonly_hardline",
    "query_fanout_nodes_percent", "query_fanout_threads_percent", "maxmemoryconsumptionperiterator",
    "max_memory_consumption_per_query_per_node", "query_log_query_parameters", "query_distribution_nodes_span",
    "materialized_view_shuffle", "query_force_row_level_security", "request_callout_disabled",
    "request_remote_entities_disabled", "request_impersonation_disabled", "client_max_redirect_count",
    "client_results_reader_allow_varying_row_widths", "request_sandboxed_execution_disabled",
    "request_external_data_disabled", "query_bin_auto_at", "query_bin_auto_size", "query_cursor_scoped_tables",
    "best_effort", "truncationmaxsize",
})


@dataclass
class RequestOptions:
    """What the `set` statements of a script ask for."""

    now: datetime | None = None      # query_now: the instant now() and ago() use
    max_records: int | None = None   # truncationmaxrecords / query_take_max_records: rows kept at most
    timeout: float | None = None     # servertimeout, in seconds
    accepted: list[str] = field(default_factory=list)  # result-neutral properties that were set


def python_to_literal(value: Any, pos: int) -> ast.Literal:
    """A query parameter's Python value as the KQL literal it stands for."""
    if isinstance(value, bool):
        return ast.Literal(pos, "bool", value)
    if isinstance(value, int):
        return ast.Literal(pos, "long", value)
    if isinstance(value, float):
        return ast.Literal(pos, "real", value)
    if isinstance(value, datetime):
        return ast.Literal(pos, "datetime", value if value.tzinfo else value.replace(tzinfo=UTC))
    if isinstance(value, timedelta):
        return ast.Literal(pos, "timespan", round(value / timedelta(microseconds=1)) * 10)
    if isinstance(value, dict | list | tuple):
        return ast.Literal(pos, "dynamic", json.loads(json.dumps(value, default=str)))
    if value is None:
        return ast.Literal(pos, "dynamic", None)
    return ast.Literal(pos, "string", str(value))
