"""DuckDB, the embedded default engine: its storage types and SQL shapes."""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from kqlite.compile.dialects import ipregex as ipx
from kqlite.compile.dialects.base import (
    DAY_TICKS,
    GUID_BYTES_TO_TEXT,
    GUID_HEX_TO_BYTES,
    MAX_TICKS,
    Dialect,
    TickSql,
    Words64,
    command_line_fold,
    csv_fold,
    format_bytes_shape,
    xxh64_hex_shape,
    xxh64_long_shape,
)
from kqlite.compile.dialects.series_sql import DuckDBLists
from kqlite.compile.dialects.series_sql import shapes as series_shapes

# a bag's key/value pairs, in order
_ENTRIES = "map_entries(CAST(:b AS MAP(VARCHAR, JSON)))"
# bag_zip's keys as text, null for those that are not strings
_KEY_TEXTS = "list_transform(CAST(:k AS JSON[]), e -> CASE WHEN json_type(e) = 'VARCHAR' THEN json_extract_string(e, '$') END)"

_COMMAND_LINE_STEP = command_line_fold(lambda pairs: "{" + ", ".join(f"'{k}': {v}" for k, v in pairs) + "}",
                                       "list_append({l}, {v})", "({a} // {b})")

_CSV_STEP = csv_fold(lambda pairs: "{" + ", ".join(f"'{k}': {v}" for k, v in pairs) + "}", "list_append({l}, {v})")

# IP functions (issue 12, second batch): pieces of the IP shapes below
_CIDR_B = "CAST(pow(2, k) AS BIGINT)"
_CIDR_LO, _CIDR_HI = f"((:s + {_CIDR_B} - 1) // {_CIDR_B})", f"((:e + 1) // {_CIDR_B} - 1)"
_CIDR_LO2, _CIDR_HI2 = f"((:s + 2 * {_CIDR_B} - 1) // (2 * {_CIDR_B}))", f"((:e + 1) // (2 * {_CIDR_B}) - 1)"


def _cidr_block(i: str) -> str:
    """Block i of size 2^k, as start * 64 + prefix, when the range covers it and not its parent block."""
    return (f"CASE WHEN {i} >= {_CIDR_LO} AND {i} <= {_CIDR_HI} AND NOT ({i} >= 2 * {_CIDR_LO2} "
            f"AND {i} <= 2 * {_CIDR_HI2} + 1) THEN {i} * {_CIDR_B} * 64 + 32 - k END")


_IPV4_TO_TEXT = ("CASE WHEN :a IS NULL THEN NULL ELSE CAST(:a // 16777216 AS VARCHAR) || '.' || CAST(:a // 65536 % 256 "
                 "AS VARCHAR) || '.' || CAST(:a // 256 % 256 AS VARCHAR) || '.' || CAST(:a % 256 AS VARCHAR) END")
_GROUPS_LEFT, _GROUPS_RIGHT = (
    f"(CASE WHEN split_part(l, '::', {n}) = '' THEN 0 ELSE length(split_part(l, '::', {n})) "
    f"- length(replace(split_part(l, '::', {n}), ':', '')) + 1 END)" for n in (1, 2))
# IPv6 text (no prefix, lower case) in l: '::' expanded to the zero groups it stands for; null when malformed
_IPV6_EXPAND = (
    "CASE WHEN NOT regexp_matches(l, '^[0-9a-f:]+$') OR contains(l, ':::') THEN NULL WHEN NOT contains(l, '::') THEN l "
    "WHEN contains(substr(l, strpos(l, '::') + 2), '::') THEN NULL "
    f"WHEN {_GROUPS_LEFT} + {_GROUPS_RIGHT} > 7 THEN NULL "
    "ELSE concat_ws(':', nullif(split_part(l, '::', 1), ''), "
    f"substr(repeat('0:', 8 - {_GROUPS_LEFT} - {_GROUPS_RIGHT}), 1, 2 * (8 - {_GROUPS_LEFT} - {_GROUPS_RIGHT}) - 1), "
    "nullif(split_part(l, '::', 2), '')) END")
# the address of v (text before '/'), a trailing dotted IPv4 part written as two hex groups
_IPV6_EMBEDDED = (
    f"CASE WHEN regexp_matches(split_part(v, '/', 1), '{ipx.IPV6_WITH_IPV4}') THEN "
    f"regexp_replace(split_part(v, '/', 1), '{ipx.IPV4}$', '') || list_transform([regexp_extract(split_part(v, '/', 1), "
    f"'{ipx.IPV4}$')], t -> printf('%x:%x', CAST(split_part(t, '.', 1) AS BIGINT) * 256 + CAST(split_part(t, '.', 2) "
    "AS BIGINT), CAST(split_part(t, '.', 3) AS BIGINT) * 256 + CAST(split_part(t, '.', 4) AS BIGINT)))[1] "
    "ELSE split_part(v, '/', 1) END")


# datetimes as Kusto's ticks, in this engine's SQL (see base.TickSql)
_TICKS = TickSql(from_micros="make_timestamp({})", to_micros="epoch_us({})", div="{} // {}", mod="{} % {}",
                 seconds="strftime({}, '%Y-%m-%dT%H:%M:%S')", text="VARCHAR")
_DAY, _MAX_TICKS = DAY_TICKS, MAX_TICKS
_ts, _ticks, _calendar, _text, _week_start = _TICKS.ts, _TICKS.ticks, _TICKS.calendar, _TICKS.iso_text, _TICKS.week_start


class _DuckDBWords(Words64):
    """64-bit words as UBIGINT; sums and products through UHUGEINT, which does not overflow, mod 2^64."""

    def const(self, value: int) -> str:
        return f"CAST({value} AS UBIGINT)"

    def _wrap(self, text: str) -> str:
        return f"CAST(({text}) % 18446744073709551616 AS UBIGINT)"

    def add(self, a: str, b: str) -> str:
        return self._wrap(f"CAST({a} AS UHUGEINT) + CAST({b} AS UHUGEINT)")

    def mul(self, a: str, b: str) -> str:
        return self._wrap(f"CAST({a} AS UHUGEINT) * CAST({b} AS UHUGEINT)")

    def xor(self, a: str, b: str) -> str:
        return f"xor({a}, {b})"

    def shr(self, a: str, n: int) -> str:
        return f"({a} >> {n})"

    def rotl(self, a: str, n: int) -> str:  # masked first: << does not overflow
        return f"(((({a}) & {self.const(2 ** (64 - n) - 1)}) << {n}) | (({a}) >> {64 - n}))"

    def from_signed(self, a: str) -> str:
        return f"CAST((CAST({a} AS HUGEINT) + 18446744073709551616) % 18446744073709551616 AS UBIGINT)"

    def signed(self, a: str) -> str:
        return (f"CAST(CAST({a} AS HUGEINT) - CASE WHEN {a} >= {self.const(2 ** 63)} THEN 18446744073709551616 "
                "ELSE 0 END AS BIGINT)")

    def from_count(self, a: str) -> str:
        return f"CAST({a} AS UBIGINT)"

    def idiv(self, a: str, b: str) -> str:
        return f"({a} // {b})"

    def struct(self, fields: list[str]) -> str:
        return "{" + ", ".join(f"'v{i + 1}': {f}" for i, f in enumerate(fields)) + "}"

    def let(self, value: str, var: str, body: str) -> str:
        return f"list_transform([{value}], {var} -> {body})[1]"

    def fold(self, count: str, var: str, init: str, body: str) -> str:
        return f"list_reduce(range({count}), (acc, {var}) -> {body}, {init})"

    def word(self, hex_text: str, byte: str, size: int) -> str:
        digits = " || ".join(f"substr({hex_text}, 2 * ({byte} + {k}) + 1, 2)" for k in range(size - 1, -1, -1))
        return f"CAST('0x' || {digits} AS UBIGINT)"


class DuckDB(Dialect):
    name = "duckdb"
    sqlglot_dialect = "duckdb"
    materialized_ctes = True
    parallel_unnest = True

    # DuckDB's own names: the neutral names are DuckDB's, so the table is the identity
    FUNCTIONS: ClassVar[dict[str, str]] = {name: name for name in (
        "any_value", "bool_or", "arg_max", "arg_min", "arg_max_null", "arg_min_null", "concat_ws", "contains", "cos", "day", "dayofyear", "ends_with", "exp",
        "first", "greatest", "hour", "isfinite", "isinf", "isnan", "json_array", "json_merge_patch", "json_object",
        "json_type", "lag", "lead", "least", "list_concat", "list_extract", "list_sort", "ln", "log10", "log2",
        "md5", "month", "nullif", "regexp_extract", "reverse", "sha256", "sign", "sin", "starts_with", "stddev_pop",
        "stddev_samp", "strlen", "struct_extract", "tan", "to_json", "trunc", "url_decode", "var_pop", "var_samp",
        "weekofyear", "year",
        # functions added with the issue-12 function batch
        "acos", "asin", "atan", "atan2", "cot", "degrees", "radians", "pi", "gamma", "lgamma", "bit_count",
        "bit_and", "bit_or", "bit_xor", "sha1", "uuid", "random", "covar_samp", "covar_pop",
        "flatten", "array_concat",  # a list of lists as one list; two lists as one (tdigest_merge)
    )}

    def json_member(self, value: exp.Expression, key: str) -> exp.Expression:
        if key == "":  # a JSON path cannot name the empty key; a map can
            return self.shape("json_member_empty_key", t=value)
        escaped = key.replace("\\", "\\\\").replace('"', '\\"')
        return exp.JSONExtract(this=value, expression=exp.Literal.string(f'$."{escaped}"'))

    def json_element(self, value: exp.Expression, index: int) -> exp.Expression:
        path = f"$[{index}]" if index >= 0 else f"$[#{index}]"
        return exp.JSONExtract(this=value, expression=exp.Literal.string(path))

    DATETIME_FORMAT_CODES: ClassVar[dict[str, str]] = {
        "yyyy": "%Y", "yy": "%y", "MM": "%m", "dd": "%d", "HH": "%H", "hh": "%I", "mm": "%M", "ss": "%S", "tt": "%p",
    }

    TYPES: ClassVar[dict[str, str]] = {
        "bool": "BOOLEAN", "int": "INTEGER", "long": "BIGINT", "real": "DOUBLE", "decimal": "DECIMAL(38, 18)",
        "string": "VARCHAR", "datetime": "BIGINT", "timespan": "BIGINT", "dynamic": "JSON", "guid": "UUID",
    }

    SHAPES: ClassVar[dict[str, str]] = {
        # series
        # series_decompose_*, series_outlier_scores, series_anomaly_flags, series_fit_2lines (see series_sql)
        **series_shapes(DuckDBLists()),
        "reals_to_json": 'to_json(:l)',
        "reals_to_json_integers": 'to_json(list_transform(:l, x -> CAST(trunc(x) AS BIGINT)))',  # toward zero
        # whether some element is not null and every such element is a whole number (a JSON integer)
        "json_all_integers": "coalesce(list_bool_and(list_transform(list_filter(:l, e -> json_type(e) <> 'NULL'), e -> json_type(e) IN ('BIGINT', 'UBIGINT'))), false)",
        "list_item": 'list_extract(:l, :i + 1)',  # element :i (from 0) of a list of lists or reals
        "json_integer": "CASE WHEN json_type(:e) IN ('BIGINT', 'UBIGINT') THEN TRY_CAST(json_extract_string(:e, '$') AS BIGINT) ELSE NULL END",
        # RE2's \s (space, tab, line feed, form feed, carriage return), without a regex per value
        "trim_whitespace": "trim(:s, ' ' || chr(9) || chr(10) || chr(12) || chr(13))",
        "json_is_number": "json_type(:d) IN ('BIGINT', 'UBIGINT', 'DOUBLE')",
        "timespan_from_unit_text": "CASE WHEN regexp_matches(trim(:s), '^-?[0-9]+(\\.[0-9]+)?(d|h|m|s|ms|microsecond|tick)$') THEN CAST(round(CAST(regexp_extract(trim(:s), '^(-?[0-9]+(\\.[0-9]+)?)', 1) AS DOUBLE) * CASE regexp_extract(trim(:s), '(d|h|m|s|ms|microsecond|tick)$', 1) WHEN 'd' THEN 864000000000 WHEN 'h' THEN 36000000000 WHEN 'm' THEN 600000000 WHEN 's' THEN 10000000 WHEN 'ms' THEN 10000 WHEN 'microsecond' THEN 10 WHEN 'tick' THEN 1 END) AS BIGINT) ELSE NULL END",
        "json_number": "TRY_CAST(json_extract_string(:e, '$') AS DOUBLE)",
        "json_last_non_null_upto_i": "list_filter(list_slice(:l, 1, i + 1), e -> json_type(e) <> 'NULL')[-1]",
        "json_first_non_null_from_i": "list_filter(list_slice(:l, i + 1, len(:l)), e -> json_type(e) <> 'NULL')[1]",
        "list_element_at_i_minus": 'CASE WHEN i - :k >= 0 THEN :l[i - :k + 1] ELSE NULL END',
        # a series computed element by element from the earlier outputs (series_iir): :p reads them with
        # fold_output_at_i_minus
        "json_fold_reals": 'to_json(list_reduce(range(:n), (acc, i) -> list_append(acc, CAST(:p AS DOUBLE)), CAST([] AS DOUBLE[])))',
        "fold_output_at_i_minus": 'CASE WHEN i - :k >= 0 THEN acc[i - :k + 1] ELSE NULL END',
        "loop_index": 'i',  # inside json_zip's :p, the element's position from 0
        # whether :p (which reads the element as loop_element) holds for some / every element of the list
        "list_any": 'coalesce(list_bool_or(list_transform(:l, e -> coalesce(:p, false))), false)',
        "list_all": 'coalesce(list_bool_and(list_transform(:l, e -> coalesce(:p, false))), true)',
        "loop_element": 'e',
        # the position (from 0) of the first element for which :p (reading it as loop_element) holds; -1: none
        "list_first_index": 'coalesce(list_position(list_transform(:l, e -> coalesce(:p, false)), true) - 1, -1)',
        # :body computed once over the value :v, which it reads as bound_value (a let: :v is not copied)
        "timestamp_of_unix_micros": 'make_timestamp(:n)',  # a stored timestamp's constant (time_bounds)
        "with_bound_value": 'list_transform([:v], r -> :body)[1]',
        "bound_value": 'r',
        "utc_to_local": _calendar(":t", "CAST(timezone(:z, CAST({t} AS TIMESTAMPTZ)) AS TIMESTAMP)"),
        "local_to_utc": _calendar(":t", "CAST(timezone(:z, {t}) AS TIMESTAMP)"),
        # the same over a list that is a subquery's value (toscalar): Spark takes no subquery in a lambda
        "list_any_of_subquery": 'EXISTS (SELECT 1 FROM (SELECT unnest(:l) AS e) AS _x WHERE coalesce(:p, false))',
        "list_all_of_subquery": 'NOT EXISTS (SELECT 1 FROM (SELECT unnest(:l) AS e) AS _x WHERE NOT coalesce(:p, false))',
        "list_position_dot": 'list_sum(list_transform(:l, (e, p) -> e * p))',  # sum of e * position (from 1)
        "json_list_numbers": "list_transform(:l, e -> TRY_CAST(json_extract_string(e, '$') AS DOUBLE))",
        "list_min": 'list_min(:l)',
        "list_max": 'list_max(:l)',
        "list_min_index": 'list_position(:l, list_min(:l)) - 1',
        "list_max_index": 'list_position(:l, list_max(:l)) - 1',
        "list_average": 'list_avg(:l)',
        "list_stdev": 'list_stddev_samp(:l)',
        "list_variance": 'list_var_samp(:l)',
        "list_total": 'list_sum(:l)',
        "list_null_where_equal": "list_transform(:l, x -> CASE WHEN x = :v THEN NULL ELSE x END)",
        "list_multiplied": "list_reduce(list_prepend(1.0::DOUBLE, list_filter(:l, x -> x IS NOT NULL)), (a, x) -> a * x)",
        "list_pearson": '(SELECT corr("_p"."x", "_p"."y") FROM (SELECT unnest(:a) AS "x", unnest(:b) AS "y") AS "_p")',
        "bag_unpack_probe": 'SELECT k, list(DISTINCT json_type(json_extract(b, \'$."\' || k || \'"\'))) FROM (SELECT b, r, unnest(json_keys(b)) AS k FROM (SELECT :bag AS b, row_number() OVER () AS r FROM :src) WHERE json_type(b) = \'OBJECT\') GROUP BY k ORDER BY min(r * 1000000 + list_position(json_keys(b), k))',
        "base64_decode_text": "COALESCE(TRY(decode(from_base64(:s))), '')",
        "base64_encode_text": 'to_base64(encode(:s))',
        # text as numbers: code points, and base64 as its bytes (hex text read two digits at a time)
        "json_text": "CAST(:d AS VARCHAR)",  # a dynamic value's JSON text
        "json_singleton_list": "[:v]",
        "codepoints_of_text": "to_json(list_transform(list_filter(string_split(:s, ''), x -> x <> ''), x -> unicode(x)))",
        "text_of_codepoints": (
            "CASE WHEN len(:l) = 0 THEN '' WHEN list_bool_and(list_transform(:l, e -> json_type(e) IN ('BIGINT', "
            "'UBIGINT') AND (TRY_CAST(json_extract_string(e, '$') AS BIGINT) BETWEEN 0 AND 55295 OR "
            "TRY_CAST(json_extract_string(e, '$') AS BIGINT) BETWEEN 57344 AND 1114111))) THEN array_to_string("
            "list_transform(:l, e -> chr(CAST(json_extract_string(e, '$') AS INTEGER))), '') ELSE NULL END"),
        "bytes_of_base64": (
            "list_transform([hex(TRY(from_base64(rpad(:s, CAST((length(:s) + 3) // 4 * 4 AS INTEGER), '='))))], h -> CASE WHEN h IS NULL THEN NULL ELSE to_json("
            "list_transform(range(length(h) // 2), i -> CAST(('0x' || substr(h, i * 2 + 1, 2)) AS INTEGER))) END)[1]"),
        "base64_of_bytes": (
            "CASE WHEN len(:l) = 0 THEN '' WHEN list_bool_and(list_transform(:l, e -> json_type(e) IN ('BIGINT', "
            "'UBIGINT') AND TRY_CAST(json_extract_string(e, '$') AS BIGINT) BETWEEN 0 AND 255)) THEN to_base64(unhex("
            "array_to_string(list_transform(:l, e -> lpad(hex(CAST(json_extract_string(e, '$') AS BIGINT)), 2, '0')), "
            "''))) ELSE NULL END"),
        "bin_datetime": "CASE WHEN :s <= 0 THEN NULL ELSE :v - ((:v % :s) + :s) % :s END",
        "bin_floor_long": 'CASE WHEN :s <= 0 THEN NULL ELSE CAST(floor(:v / :s) * :s AS BIGINT) END',
        "bin_long": 'CASE WHEN :s <= 0 THEN NULL ELSE CAST(floor(:v / :s) AS BIGINT) * :s END',
        "bin_real": 'CASE WHEN :s <= 0 THEN NULL ELSE floor(:v / :s) * :s END',
        "bool_to_text": "CASE WHEN :x IS NULL THEN '' WHEN :x THEN 'True' ELSE 'False' END",
        "calendar_difference_year": f"date_diff('year', {_ts(':b')}, {_ts(':a')})",
        "calendar_difference_quarter": f"date_diff('quarter', {_ts(':b')}, {_ts(':a')})",
        "calendar_difference_month": f"date_diff('month', {_ts(':b')}, {_ts(':a')})",
        "calendar_difference_day": f"date_diff('day', {_ts(':b')}, {_ts(':a')})",
        "calendar_difference_hour": f"date_diff('hour', {_ts(':b')}, {_ts(':a')})",
        "calendar_difference_minute": f"date_diff('minute', {_ts(':b')}, {_ts(':a')})",
        "calendar_difference_second": f"date_diff('second', {_ts(':b')}, {_ts(':a')})",
        "calendar_difference_millisecond": f"date_diff('millisecond', {_ts(':b')}, {_ts(':a')})",
        "calendar_difference_microsecond": f"date_diff('microsecond', {_ts(':b')}, {_ts(':a')})",
        "compare_text": 'CASE WHEN :a < :b THEN -1 WHEN :a > :b THEN 1 ELSE 0 END',
        "compare_three_way": 'CASE WHEN :a < :b THEN -1 WHEN :a > :b THEN 1 WHEN :a = :b THEN 0 END',
        "count_regex_matches": 'CAST(len(regexp_extract_all(:s, :p)) AS BIGINT)',
        "count_text_occurrences": "CASE WHEN :p = '' THEN 0 ELSE CAST(len(list_filter(range(length(:s)), i -> substr(:s, i + 1, length(:p)) = :p)) AS BIGINT) END",
        "datetime_add_days": f":v + CAST(:n AS BIGINT) * {_DAY}",
        "datetime_add_hours": ":v + CAST(:n AS BIGINT) * 36000000000",
        "datetime_add_minutes": ":v + CAST(:n AS BIGINT) * 600000000",
        "datetime_add_months": _calendar(":v", "{t} + to_months(CAST(:n AS INTEGER))"),
        "datetime_add_seconds": ":v + CAST(:n AS BIGINT) * 10000000",
        "datetime_add_years": _calendar(":v", "{t} + to_years(CAST(:n AS INTEGER))"),
        "datetime_difference_ticks": ":a - :b",
        "datetime_fraction_digits": "lpad(CAST(:v % 10000000 AS VARCHAR), 7, '0')",
        "datetime_part_day": f"day({_ts(':v')})",
        "datetime_part_dayofyear": f"dayofyear({_ts(':v')})",
        "datetime_part_hour": f"hour({_ts(':v')})",
        "datetime_part_microsecond": ":v % 10000000 // 10",
        "datetime_part_millisecond": ":v % 10000000 // 10000",
        "datetime_part_minute": f"minute({_ts(':v')})",
        "datetime_part_month": f"month({_ts(':v')})",
        "datetime_part_nanosecond": ":v % 10000000 * 100",
        "datetime_part_quarter": f"quarter({_ts(':v')})",
        "datetime_part_second": f"second({_ts(':v')})",
        "datetime_part_weekofyear": f"weekofyear({_ts(':v')})",
        "datetime_part_year": f"year({_ts(':v')})",
        "datetime_to_json": f"CASE WHEN :x IS NULL THEN NULL ELSE to_json({_text(':x')}) END",
        "datetime_to_kusto_ticks": ":x",
        "datetime_to_text": f"COALESCE({_text(':t')}, '')",
        "dayofweek_ticks": f"((:v // {_DAY} + 1) % 7) * {_DAY}",  # 0001-01-01 was a Monday; Sunday is day 0
        "either_nan": '(isnan(CAST(:a AS DOUBLE)) OR isnan(CAST(:b AS DOUBLE)))',
        "end_of_day": f":s + {_DAY} - 1",
        "end_of_month": f"{_calendar(':s', '{t} + to_months(1)', below_microsecond=False)} - 1",
        "end_of_week": f":s + 7 * {_DAY} - 1",
        "end_of_year": f"{_calendar(':s', '{t} + to_years(1)', below_microsecond=False)} - 1",
        "equal": 'CASE WHEN :a IS NULL AND :b IS NULL THEN NULL ELSE COALESCE(:a = :b, FALSE) END',
        "equal_to_constant": 'COALESCE(:a = :b, FALSE)',
        # mv-expand of a bag: its keys and its values as two lists (one parse each, in document order; '$.*'
        # is one constant path), the one-property bags built only where a query reads the whole element
        "expand_json_keys": "CASE WHEN :t = 'OBJECT' THEN json_keys(:d) ELSE NULL END",
        "texts_as_json_list": "list_transform(:l, x -> to_json(x))",  # a list of texts, each a dynamic string
        "no_keys": "CAST(NULL AS VARCHAR[])",
        "expand_json_values": "CASE WHEN :d IS NULL OR :t = 'NULL' THEN [NULL::JSON] WHEN :t = 'ARRAY' THEN CAST(:d AS JSON[]) WHEN :t = 'OBJECT' THEN json_extract(:d, '$.*') ELSE [:d] END",
        # json_type without parsing a whole object or array: a valid JSON text that starts with { or [ is one;
        # the rest (scalars, text led by whitespace) are parsed
        "json_container_type": "CASE left(:d, 1) WHEN '{' THEN 'OBJECT' WHEN '[' THEN 'ARRAY' ELSE json_type(:d) END",
        "json_single_property": "json_object((:k), :v)",  # (:k): sqlglot reads `json_object(:k,` as a key: value pair
        "expand_json_elements_as_arrays": "CASE WHEN :d IS NULL OR :t = 'NULL' THEN [NULL::JSON] WHEN :t = 'ARRAY' THEN CAST(:d AS JSON[]) WHEN :t = 'OBJECT' THEN list_transform(map_entries(CAST(:d AS MAP(VARCHAR, JSON))), e -> json_array(struct_extract(e, 'key'), struct_extract(e, 'value'))) ELSE [:d] END",
        "hour_of_12": f"CAST(((hour({_ts(':v')}) + 11) % 12) + 1 AS VARCHAR)",
        "index_of_text": "CASE WHEN :b = '' THEN 0 ELSE instr(:a, :b) - 1 END",
        "input_order": 'row_number() OVER ()',
        "integer_divide_or_null": 'CASE WHEN :b = 0 THEN NULL ELSE :a // :b END',
        "ipv4_network": ':a // CAST(pow(2, 32 - :n) AS BIGINT)',
        "ipv4_prefix_length": "CASE WHEN contains(:s, '/') THEN least(TRY_CAST(split_part(:s, '/', 2) AS BIGINT), 32) ELSE 32 END",
        "ipv4_same_network": 'CASE WHEN :a IS NULL OR :b IS NULL OR :n IS NULL THEN NULL ELSE :a // CAST(pow(2, 32 - :n) AS BIGINT) = :b // CAST(pow(2, 32 - :n) AS BIGINT) END',
        "ipv4_text_to_number": "CASE WHEN regexp_matches(:s, '^\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}(/\\d{1,2})?$') AND CAST(split_part(split_part(:s, '/', 1), '.', 1) AS BIGINT) <= 255 AND CAST(split_part(split_part(:s, '/', 1), '.', 2) AS BIGINT) <= 255 AND CAST(split_part(split_part(:s, '/', 1), '.', 3) AS BIGINT) <= 255 AND CAST(split_part(split_part(:s, '/', 1), '.', 4) AS BIGINT) <= 255 THEN CAST(split_part(split_part(:s, '/', 1), '.', 1) AS BIGINT) * 16777216 + CAST(split_part(split_part(:s, '/', 1), '.', 2) AS BIGINT) * 65536 + CAST(split_part(split_part(:s, '/', 1), '.', 3) AS BIGINT) * 256 + CAST(split_part(split_part(:s, '/', 1), '.', 4) AS BIGINT) ELSE NULL END",
        "json_array_contains": "list_contains(CAST(json_extract(:d, '$[*]') AS JSON[]), :v)",
        "json_array_elements": "CASE WHEN json_type(:d) = 'ARRAY' THEN CAST(:d AS JSON[]) ELSE NULL END",
        "json_array_iff": "to_json(list_transform(range(len(:c)), i -> CASE WHEN TRY_CAST(json_extract_string(:c[i + 1], '$') AS BOOLEAN) THEN :t ELSE :f END))",
        "json_array_join": "COALESCE(array_to_string(list_transform(:l, e -> CASE WHEN e IS NULL OR json_type(e) = 'NULL' THEN '' WHEN json_type(e) = 'VARCHAR' THEN json_extract_string(e, '$') ELSE CAST(e AS VARCHAR) END), :d), '')",
        "index_of_text_from": "CASE WHEN (CASE WHEN :i < 0 THEN greatest(length(:a) + :i, 0) ELSE :i END) > length(:a) THEN -1 WHEN :b = '' THEN (CASE WHEN :i < 0 THEN greatest(length(:a) + :i, 0) ELSE :i END) WHEN instr(substr(:a, (CASE WHEN :i < 0 THEN greatest(length(:a) + :i, 0) ELSE :i END) + 1), :b) = 0 THEN -1 ELSE instr(substr(:a, (CASE WHEN :i < 0 THEN greatest(length(:a) + :i, 0) ELSE :i END) + 1), :b) - 1 + (CASE WHEN :i < 0 THEN greatest(length(:a) + :i, 0) ELSE :i END) END",
        "json_array_length": "CASE WHEN json_type(:d) = 'ARRAY' THEN CAST(json_array_length(:d) AS BIGINT) ELSE NULL END",
        "json_bag_keys": "CASE WHEN json_type(:d) = 'OBJECT' THEN to_json(json_keys(:d)) ELSE NULL END",
        "json_flatten_arrays": "flatten(list_transform(:a, e -> CASE WHEN json_type(e) = 'ARRAY' THEN CAST(e AS JSON[]) ELSE [e] END))",
        "json_index": "json_extract(:t, CASE WHEN :i >= 0 THEN '$[' || CAST(:i AS VARCHAR) || ']' ELSE '$[#' || CAST(:i AS VARCHAR) || ']' END)",
        "json_is_empty": "(:x IS NULL OR json_type(:x) = 'NULL' OR (json_type(:x) = 'VARCHAR' AND json_extract_string(:x, '$') = ''))",
        "json_is_null": "(:x IS NULL OR json_type(:x) = 'NULL')",
        "json_kql_type": "CASE WHEN :d IS NULL OR json_type(:d) = 'NULL' THEN 'null' ELSE CASE json_type(:d) WHEN 'ARRAY' THEN 'array' WHEN 'OBJECT' THEN 'dictionary' WHEN 'VARCHAR' THEN 'string' WHEN 'BIGINT' THEN 'long' WHEN 'UBIGINT' THEN 'long' WHEN 'DOUBLE' THEN 'real' WHEN 'BOOLEAN' THEN 'bool' ELSE lower(json_type(:d)) END END",
        "json_list_filter_positions": '(SELECT to_json(COALESCE(list("_s"."e" ORDER BY "_s"."i"), []::JSON[])) FROM (SELECT unnest(:l) AS "e", generate_subscripts(:l, 1) AS "i") AS "_s" WHERE :t)',
        "json_list_index_of": 'CASE WHEN :l IS NULL THEN NULL ELSE COALESCE(list_position(list_transform(:l, e -> CAST(e AS VARCHAR)), CAST(:v AS VARCHAR)), 0) - 1 END',
        "json_list_reverse": 'to_json(list_reverse(:l))',
        "json_list_rotate": 'CASE WHEN len(:l) = 0 THEN to_json(:l) ELSE to_json(list_concat(list_slice(:l, ((:n % len(:l)) + len(:l)) % len(:l) + 1, len(:l)), list_slice(:l, 1, ((:n % len(:l)) + len(:l)) % len(:l)))) END',
        "json_list_slice": 'to_json(list_slice(:l, (CASE WHEN :s < 0 THEN greatest(len(:l) + :s, 0) ELSE :s END) + 1, (CASE WHEN :e < 0 THEN len(:l) + :e ELSE :e END) + 1))',
        "json_list_sort_asc": "to_json(list_transform(list_sort(list_transform(:l, e -> {'n': CASE WHEN json_type(e) = 'NULL' THEN 1 ELSE 0 END, 'k': TRY_CAST(json_extract_string(e, '$') AS DOUBLE), 's': json_extract_string(e, '$'), 'v': e}), 'ASC'), x -> struct_extract(x, 'v')))",
        "json_list_sort_desc": "to_json(list_transform(list_concat(list_filter(list_sort(list_transform(:l, e -> {'n': CASE WHEN json_type(e) = 'NULL' THEN 1 ELSE 0 END, 'k': TRY_CAST(json_extract_string(e, '$') AS DOUBLE), 's': json_extract_string(e, '$'), 'v': e}), 'DESC'), x -> struct_extract(x, 'n') = 0), list_filter(list_transform(:l, e -> {'n': CASE WHEN json_type(e) = 'NULL' THEN 1 ELSE 0 END, 'k': TRY_CAST(json_extract_string(e, '$') AS DOUBLE), 's': json_extract_string(e, '$'), 'v': e}), x -> struct_extract(x, 'n') = 1)), x -> struct_extract(x, 'v')))",
        "json_list_sum": "list_sum(list_transform(:l, e -> TRY_CAST(json_extract_string(e, '$') AS DOUBLE)))",
        "json_member": "CASE WHEN :i = '' THEN TRY_CAST(:t AS MAP(VARCHAR, JSON))[''] ELSE json_extract(:t, '$.\"' || replace(nullif(:i, ''), '\"', '\\\"') || '\"') END",
        "json_member_empty_key": "TRY_CAST(:t AS MAP(VARCHAR, JSON))['']",
        # a key's first value wins; keys stay in first-seen order
        "json_merge_bags": "to_json(map_from_entries(list_filter(flatten(list_transform(:b, x -> map_entries(CAST(x AS MAP(VARCHAR, JSON))))), (e, i) -> list_position(list_transform(flatten(list_transform(:b, x -> map_entries(CAST(x AS MAP(VARCHAR, JSON))))), f -> struct_extract(f, 'key')), struct_extract(e, 'key')) = i)))",
        "json_null": "'null'::JSON",
        "json_number_range": 'to_json(list_transform(range(0, CAST(floor((:b - :a) / :s) AS BIGINT) + 1), i -> :a + i * :s))',
        # one JSON read: a string's text unquoted, anything else its (minified) JSON text, null ''
        "json_to_kql_text": "COALESCE(json_extract_string(:d, '$'), '')",
        "json_to_text": "json_extract_string(:d, '$')",
        "json_type": 'json_type(:d)',
        "json_zip": 'to_json(list_transform(range(:n), i -> :p))',
        "kusto_ticks_to_datetime": f"CASE WHEN :x BETWEEN 0 AND {_MAX_TICKS} THEN :x END",
        "list_contains_or_empty": 'list_contains(COALESCE(:o, []::JSON[]), :e)',
        "list_distinct_first_seen": 'list_filter(:l, (e, i) -> list_position(:l, e) = i)',
        "list_element": ':l[:i + 1]',
        "list_element_at_i": ':l[i + 1]',
        "list_element_at_i_or_json_null": "COALESCE(:l[i + 1], 'null'::JSON)",
        "list_first_position_is": 'list_position(:l, :e) = :i',
        "list_head": 'list_slice(:a, 1, :n)',
        "list_in_order": 'list(:v ORDER BY :p)',  # an aggregate: the group's :v ordered by :p
        "list_length": 'len(:l)',
        "ltrim_question_mark": "ltrim(:q, '?')",
        "make_datetime": f"{_ticks('TRY_CAST(make_timestamp(:y, :mo, :d, :h, :mi, floor(CAST(:s AS DOUBLE))) AS TIMESTAMP)')} "
                         "+ CAST(round((CAST(:s AS DOUBLE) - floor(CAST(:s AS DOUBLE))) * 10000000) AS BIGINT)",
        "make_timespan_ticks": 'CAST(round(((:d * 24 + :h) * 60 + :m) * 600000000 + :s * 10000000) AS BIGINT)',
        "microseconds_to_nanoseconds": ':d * 100',
        "modulo_floored": '((:a % :b) + abs(:b)) % abs(:b)',
        "modulo_floored_or_null": 'CASE WHEN :b = 0 THEN NULL ELSE ((:a % :b) + abs(:b)) % abs(:b) END',
        "not_equal": 'CASE WHEN :a IS NULL AND :b IS NULL THEN NULL ELSE :a IS DISTINCT FROM :b END',
        "not_equal_to_constant": ':a IS DISTINCT FROM :b',
        "null_if_empty": "NULLIF(:v, '')",
        "number_to_bool": '(:x <> 0)',
        "parse_json": 'COALESCE(TRY_CAST(:s AS JSON), to_json(:s))',  # one parse: invalid JSON is a dynamic string
        "percentile_nearest_rank": 'CAST(greatest(1, ceil(:p / 100.0 * count(:x))) AS BIGINT)',
        # ---- kqlite's exact sketches (hll, tdigest): see compile/aggregates_sketches.py for their representation
        # hll: a list of JSON values, distinct, in the order of their JSON text
        "json_distinct_sorted": "list_sort(list_distinct(:l))",
        # tdigest: the entries :l ({k: {i, d} sort key, v: value as JSON text, w: weight}) as the digest text
        # [["type"],[values ascending],[their total weights]]: one run of equal values per distinct value
        "tdigest_from_entries": (
            "CAST('[[\"' || :t || '\"],' || COALESCE(list_transform([list_sort(:l)], l -> list_transform("
            "[list_filter(range(1, len(l) + 1), i -> CASE WHEN i = 1 THEN true ELSE l[i].v <> l[i - 1].v END)], "
            "b -> '[' || array_to_string(list_transform(b, i -> l[i].v), ',') || '],[' || array_to_string("
            "list_transform(range(1, len(b) + 1), k -> list_sum(list_transform(l[b[k]:coalesce(b[k + 1] - 1, len(l))], "
            "p -> p.w))), ',') || ']')[1])[1], '[],[]') || ']' AS JSON)"),
        # a digest's entries again (tdigest_merge)
        "tdigest_entries": (
            "list_transform([{'t': json_extract_string(:d, '$[0][0]'), 'v': TRY_CAST(json_extract(:d, '$[1]') AS JSON[]), "
            "'w': TRY_CAST(json_extract(:d, '$[2]') AS BIGINT[])}], e -> list_transform(range(1, COALESCE(len(e.v), 0) + 1), "
            "i -> {'k': {'i': CASE WHEN e.t IN ('real', 'decimal') THEN NULL ELSE TRY_CAST(e.v[i] AS BIGINT) END, "
            "'d': TRY_CAST(e.v[i] AS DOUBLE)}, 'v': CAST(e.v[i] AS VARCHAR), 'w': e.w[i]}))[1]"),
        "tdigest_type": "json_extract_string(:d, '$[0][0]')",
        # the digest's value at the nearest rank of :p percent (JSON; null for an empty digest)
        "tdigest_value_at": (
            "list_transform([{'v': TRY_CAST(json_extract(:d, '$[1]') AS JSON[]), 'w': TRY_CAST(json_extract(:d, '$[2]') "
            "AS BIGINT[])}], e -> e.v[list_reduce(e.w, (acc, x) -> {'c': acc.c + x, 'i': CASE WHEN acc.i IS NULL AND "
            "acc.c + x >= acc.r THEN acc.n + 1 ELSE acc.i END, 'n': acc.n + 1, 'r': acc.r}, {'c': CAST(0 AS BIGINT), "
            "'i': CAST(NULL AS BIGINT), 'n': CAST(0 AS BIGINT), 'r': CAST(greatest(1, ceil(:p * list_sum(e.w) / 100.0)) "
            "AS BIGINT)}).i])[1]"),
        # the total weight of a digest's values at or below :x (compared as whole numbers, or as reals)
        "tdigest_rank_bigint": (
            "COALESCE(list_transform([{'v': TRY_CAST(json_extract(:d, '$[1]') AS BIGINT[]), 'w': TRY_CAST(json_extract(:d, "
            "'$[2]') AS BIGINT[])}], e -> list_sum(list_transform(range(1, COALESCE(len(e.v), 0) + 1), i -> CASE WHEN "
            "e.v[i] <= :x THEN e.w[i] ELSE 0 END)))[1], 0)"),
        "tdigest_total_weight": "COALESCE(list_sum(TRY_CAST(json_extract(:d, '$[2]') AS BIGINT[])), 0)",
        "tdigest_rank_double": (
            "COALESCE(list_transform([{'v': TRY_CAST(json_extract(:d, '$[1]') AS DOUBLE[]), 'w': TRY_CAST(json_extract(:d, "
            "'$[2]') AS BIGINT[])}], e -> list_sum(list_transform(range(1, COALESCE(len(e.v), 0) + 1), i -> CASE WHEN "
            "e.v[i] <= :x THEN e.w[i] ELSE 0 END)))[1], 0)"),
        # percentilew: the weighted list :l of {v, w} walked in value order, keeping the value at which the running
        # weight first reaches the rank :r (:n, a typed null, before any); one pass, no list of repeated values
        "weighted_nearest_rank": ("list_reduce(list_sort(:l), (acc, x) -> CASE WHEN acc.w >= acc.r "
                                  "THEN {'v': acc.v, 'w': acc.w + x.w, 'r': acc.r} "
                                  "ELSE {'v': x.v, 'w': acc.w + x.w, 'r': acc.r} END, "
                                  "{'v': :n, 'w': CAST(0 AS BIGINT), 'r': :r}).v"),
        "query_string_object": "CASE WHEN len(list_filter(string_split(:q, '&'), p -> p <> '')) = 0 THEN '{}'::JSON ELSE list_reduce(list_transform(list_filter(string_split(:q, '&'), p -> p <> ''), p -> json_object(split_part(p, '=', 1), CASE WHEN strpos(p, '=') > 0 THEN substr(p, strpos(p, '=') + 1) ELSE '' END)), (a, b) -> json_merge_patch(a, b)) END",
        "real_divide": ":a / :b",
        "range_number_rows": 'SELECT $a + i * $s AS v FROM range(0, CAST(floor(($b - $a) / $s) AS BIGINT) + 1) AS t(i)',
        "rank_step": 'CASE WHEN :p = 1 OR :x IS DISTINCT FROM :l THEN 1 ELSE 0 END',
        "real_equal": 'CASE WHEN :a IS NULL AND :b IS NULL THEN NULL WHEN :a IS NULL OR :b IS NULL OR (isnan(CAST(:a AS DOUBLE)) OR isnan(CAST(:b AS DOUBLE))) THEN FALSE ELSE :a = :b END',
        "real_not_equal": 'CASE WHEN :a IS NULL AND :b IS NULL THEN NULL WHEN :a IS NULL OR :b IS NULL OR (isnan(CAST(:a AS DOUBLE)) OR isnan(CAST(:b AS DOUBLE))) THEN TRUE ELSE :a <> :b END',
        "real_to_text": "CASE WHEN :x IS NULL THEN '' WHEN isnan(:x) THEN 'NaN' WHEN isinf(:x) AND :x > 0 THEN 'Infinity' WHEN isinf(:x) THEN '-Infinity' WHEN :x = trunc(:x) AND abs(:x) < 1e15 THEN (CASE WHEN :x = 0 AND 1 / :x < 0 THEN '-' ELSE '' END) || CAST(CAST(:x AS BIGINT) AS VARCHAR) || '.0' ELSE CAST(:x AS VARCHAR) END",
        "regex_escape": 'regexp_escape(:s)',
        "regex_extract_all_json": "CASE WHEN regexp_matches(:s, :p) THEN to_json(regexp_extract_all(:s, :p, CASE WHEN regexp_matches(:p, '\\(') THEN 1 ELSE 0 END)) ELSE NULL END",
        "regex_extract_or_null": 'CASE WHEN regexp_matches(:s, :p) THEN regexp_extract(:s, :p, :g) ELSE NULL END',
        "regex_extract_text": 'regexp_extract(:s, :p, :g)',
        "regex_first_group_trimmed": 'trim(regexp_extract(:s, :p, 1))',
        "regex_remove_all": "regexp_replace(:s, :p, '', 'g')",
        "regex_replace_all": "regexp_replace(:s, :p, :r, 'g')",
        "repeat_text": 'repeat(:s, greatest(:n, 0))',
        "repeat_text_delimited": "CASE WHEN :n <= 0 THEN '' ELSE array_to_string(list_transform(range(:n), x -> :s), :d) END",
        "replace_text": "CASE WHEN :a = '' THEN :s ELSE replace(:s, :a, :b) END",
        "row_number_from": ':n + :s - 1',
        "series_axis_value": ':a + :i * :s',
        "series_bin_count": 'CAST(greatest(ceil((:b - :a) / :s), 0) AS BIGINT)',
        "series_bin_count_from_max": 'CAST(floor((max(:x) - :a) / :s) + 1 AS BIGINT)',
        "series_bin_index": 'CAST(floor((:x - :a) / :s) AS BIGINT)',
        "series_bin_indexes": 'unnest(range(0, :n))',
        "series_in_range": ':x >= :a AND :x < :a + :n * :s',
        "series_json_list": 'to_json(list(:v ORDER BY :i))',
        "series_start_from_min": 'floor(min(:a) / :s) * :s',
        "series_start_from_min_whole": 'min(:a) - ((min(:a) % :s) + :s) % :s',
        "sign_prefix": "CASE WHEN :t < 0 THEN '-' ELSE '' END",
        "sqrt_or_nan": "CASE WHEN :x < 0 THEN CAST('nan' AS DOUBLE) ELSE sqrt(:x) END",
        "start_of_week": _week_start(":v"),
        "strftime": f"strftime({_ts(':v')}, :f)",
        "string_split_json": 'to_json(string_split(:s, :d))',
        "string_split_list": 'string_split(:s, :d)',
        "list_at": 'list_extract(:l, :k)',  # element :k of a list (from 1; negative: from the end)
        "string_split_part_json": 'CASE WHEN :i >= 0 AND :i < len(string_split(:s, :d)) THEN to_json([string_split(:s, :d)[:i + 1]]) ELSE NULL END',
        "substring_kql": "CASE WHEN :i IS NULL OR :n IS NULL OR :n < 0 OR length(:s) + :i < 0 THEN '' ELSE COALESCE(substr(:s, CASE WHEN :i < 0 THEN greatest(length(:s) + :i, 0) ELSE :i END + 1, :n), '') END",
        "substring_kql_from": "CASE WHEN :i IS NULL OR length(:s) + :i < 0 THEN '' ELSE COALESCE(substr(:s, CASE WHEN :i < 0 THEN length(:s) + :i ELSE :i END + 1), '') END",
        "text_to_bool": "CASE WHEN lower(:s) = 'true' THEN TRUE WHEN lower(:s) = 'false' THEN FALSE WHEN regexp_matches(:s, '^[+-]?[0-9]+$') THEN TRY_CAST(:s AS BIGINT) <> 0 ELSE NULL END",
        "text_to_datetime": _ticks("CAST(TRY_CAST(NULLIF(trim(:s), '') AS TIMESTAMPTZ) AS TIMESTAMP)")
                            + " + COALESCE(TRY_CAST(regexp_extract(:s, ':\\d\\d[.,]\\d{6}(\\d)', 1) AS BIGINT), 0)",
        "text_to_json_or_null": 'CASE WHEN :x IS NULL THEN NULL ELSE to_json(:s) END',
        "text_to_long": "CASE WHEN regexp_matches(trim(:s), '^[+-]?0[xX][0-9a-fA-F]+$') THEN TRY_CAST(('0x' || regexp_extract(trim(:s), '0[xX]([0-9a-fA-F]+)', 1)) AS BIGINT) WHEN regexp_matches(trim(:s), '^[+-]?[0-9]+$') THEN TRY_CAST(trim(:s) AS BIGINT) ELSE NULL END",
        "text_to_real": "CASE WHEN contains(:s, '_') THEN NULL ELSE TRY_CAST(trim(:s) AS DOUBLE) END",
        # Kusto's datetimes span years 1 to 9999: arithmetic that leaves them gives null
        "datetime_plus_ticks": f"CASE WHEN :a + :b BETWEEN 0 AND {_MAX_TICKS} THEN :a + :b END",
        "datetime_minus_ticks": f"CASE WHEN :a - :b BETWEEN 0 AND {_MAX_TICKS} THEN :a - :b END",
        "timespan_days": 'abs(:t) // 864000000000',
        "timespan_fraction_digits": "lpad(CAST(abs(:t) % 10000000 AS VARCHAR), 7, '0')",
        "timespan_from_text": "CASE WHEN regexp_matches(trim(:s), '^-?(\\d+\\.)?\\d{1,2}:\\d{2}(:\\d{2}(\\.\\d{1,7})?)?$') THEN (CASE WHEN starts_with(trim(:s), '-') THEN -1 ELSE 1 END) * (COALESCE(TRY_CAST(regexp_extract(trim(:s), '^-?(\\d+)\\.\\d{1,2}:', 1) AS BIGINT), 0) * 864000000000 + CAST(regexp_extract(trim(:s), '(\\d{1,2}):\\d{2}', 1) AS BIGINT) * 36000000000 + CAST(regexp_extract(trim(:s), ':(\\d{2})', 1) AS BIGINT) * 600000000 + COALESCE(TRY_CAST(regexp_extract(trim(:s), ':\\d{2}:(\\d{2})', 1) AS BIGINT), 0) * 10000000 + COALESCE(TRY_CAST(rpad(regexp_extract(trim(:s), '\\.(\\d{1,7})$', 1), 7, '0') AS BIGINT), 0)) ELSE NULL END",
        "timespan_hours": '(abs(:t) // 36000000000) % 24',
        "timespan_minutes": '(abs(:t) // 600000000) % 60',
        "timespan_seconds": '(abs(:t) // 10000000) % 60',
        "timespan_to_text": "CASE WHEN :t IS NULL THEN '' ELSE (CASE WHEN :t < 0 THEN '-' ELSE '' END) || (CASE WHEN abs(:t) >= 864000000000 THEN CAST(abs(:t) // 864000000000 AS VARCHAR) || '.' ELSE '' END) || lpad(CAST((abs(:t) // 36000000000) % 24 AS VARCHAR), 2, '0') || ':' || lpad(CAST((abs(:t) // 600000000) % 60 AS VARCHAR), 2, '0') || ':' || lpad(CAST((abs(:t) // 10000000) % 60 AS VARCHAR), 2, '0') || (CASE WHEN abs(:t) % 10000000 <> 0 THEN '.' || lpad(CAST(abs(:t) % 10000000 AS VARCHAR), 7, '0') ELSE '' END) END",
        "to_int32": 'CAST(:d AS INTEGER)',
        "start_of_day": f":v // {_DAY} * {_DAY}",
        "start_of_month": _calendar(":v", "date_trunc('month', {t})", below_microsecond=False),
        "start_of_year": _calendar(":v", "date_trunc('year', {t})", below_microsecond=False),
        "unix_millis_to_datetime": "CAST(:x * 10000 AS BIGINT) + 621355968000000000",
        "unix_seconds_to_datetime": "CAST(:x * 10000000 AS BIGINT) + 621355968000000000",
        "unnest_range": 'unnest(range(:n))',
        "unnest_list": 'unnest(:l)',
        "unquote": "regexp_replace(:v, :q, '\\1')",
        "url_object": "CASE WHEN NOT regexp_matches(:u, :re) THEN '{}'::JSON ELSE json_object('Scheme', :scheme, 'Host', :host, 'Port', :port, 'Path', :path, 'Username', :user, 'Password', :password, 'Query Parameters', :params, 'Fragment', :fragment) END",
        "url_query_object": "json_object('Query Parameters', :o)",
        "value_to_json_text": 'to_json(CAST(:x AS VARCHAR))',
        "weeks_between": f"({_week_start(':a')} - {_week_start(':b')}) // (7 * {_DAY})",
        "wrap_int32": '((:x + 2147483648) % 4294967296 + 4294967296) % 4294967296 - 2147483648',
        # functions added with the issue-12 function batch
        # x << n overflows BIGINT with an error: shift a HUGEINT, then keep the low 64 bits (two's complement)
        "shift_left_64": "CASE WHEN :n < 0 THEN NULL ELSE CAST(CASE WHEN ((CAST(:x AS HUGEINT) * (CAST(1 AS HUGEINT) << CAST(:n % 64 AS INTEGER))) % 18446744073709551616 + 18446744073709551616) % 18446744073709551616 >= 9223372036854775808 THEN ((CAST(:x AS HUGEINT) * (CAST(1 AS HUGEINT) << CAST(:n % 64 AS INTEGER))) % 18446744073709551616 + 18446744073709551616) % 18446744073709551616 - 18446744073709551616 ELSE ((CAST(:x AS HUGEINT) * (CAST(1 AS HUGEINT) << CAST(:n % 64 AS INTEGER))) % 18446744073709551616 + 18446744073709551616) % 18446744073709551616 END AS BIGINT) END",
        "shift_right_64": 'CASE WHEN :n < 0 THEN NULL ELSE :x >> CAST(:n % 64 AS INTEGER) END',
        "regex_quote_meta": 'regexp_escape(:s)',  # RE2::QuoteMeta
        "translate_chars": "translate(:s, :a, CASE WHEN :b = '' THEN '' ELSE rpad(:b, CAST(greatest(length(:a), length(:b)) AS INT), right(:b, 1)) END)",
        "url_encode_form": "array_to_string(list_transform(string_split(:s, ''), e -> CASE WHEN regexp_matches(e, '^[A-Za-z0-9_.!*()-]$') THEN e WHEN e = ' ' THEN '+' ELSE regexp_replace(lower(hex(encode(e))), '(..)', '%\\1', 'g') END), '')",
        "url_encode_component": "array_to_string(list_transform(string_split(:s, ''), e -> CASE WHEN regexp_matches(e, '^[A-Za-z0-9_.!*()-]$') THEN e ELSE regexp_replace(lower(hex(encode(e))), '(..)', '%\\1', 'g') END), '')",
        "hex_of_long": 'lower(to_hex(:x))',
        "zero_pad_left": "CASE WHEN length(:s) < :n THEN lpad(:s, CAST(:n AS INTEGER), '0') ELSE :s END",
        "json_repeat": 'CASE WHEN :n < 0 THEN NULL ELSE to_json(list_transform(range(CAST(:n AS BIGINT)), i -> :v)) END',
        "unix_micros_to_datetime": ":x * 10 + 621355968000000000",
        "unix_nanos_to_datetime": "(:x - ((:x % 100) + 100) % 100) // 100 + 621355968000000000",
        "is_valid_utf8": 'CASE WHEN :s IS NULL THEN NULL ELSE TRUE END',  # a VARCHAR is valid UTF-8 by construction
        # dynamic, parsing and hash functions (issue 12, second batch)
        "json_bag_without": (
            f"CASE WHEN json_type(:b) = 'OBJECT' THEN to_json(map_from_entries(list_filter({_ENTRIES}, "
            "e -> NOT list_contains(:names, struct_extract(e, 'key'))))) ELSE NULL END"),
        "json_bag_replace": (  # the key's value replaced, where the key is there
            f"CASE WHEN json_type(:b) = 'OBJECT' THEN to_json(map_from_entries(list_transform({_ENTRIES}, "
            "e -> CASE WHEN struct_extract(e, 'key') = :key THEN {'key': :key, 'value': CAST(:value AS JSON)} "
            "ELSE e END))) ELSE :b END"),
        "json_bag_set": (  # replaced in place, or added at the end
            f"CASE WHEN json_type(:b) = 'OBJECT' THEN to_json(map_from_entries(list_concat(list_transform({_ENTRIES}, "
            "e -> CASE WHEN struct_extract(e, 'key') = :key THEN {'key': :key, 'value': CAST(:value AS JSON)} "
            "ELSE e END), CASE WHEN list_contains(json_keys(:b), :key) THEN [] "
            "ELSE [{'key': :key, 'value': CAST(:value AS JSON)}] END))) ELSE NULL END"),
        "json_bag_or_empty": "CASE WHEN json_type(:d) = 'OBJECT' THEN :d ELSE '{}'::JSON END",
        "json_bag_or_self": "CASE WHEN json_type(:d) = 'OBJECT' THEN :n ELSE :d END",
        "json_bag_zip": (  # a repeated key: its first place, its last value
            "CASE WHEN json_type(:k) = 'ARRAY' AND json_type(:v) = 'ARRAY' THEN to_json(map_from_entries("
            f"list_transform(list_filter(range(1, len({_KEY_TEXTS}) + 1), "
            f"i -> {_KEY_TEXTS}[i] IS NOT NULL AND list_position({_KEY_TEXTS}, {_KEY_TEXTS}[i]) = i), "
            f"i -> {{'key': {_KEY_TEXTS}[i], 'value': CAST(:v AS JSON[])[len({_KEY_TEXTS}) + 1 - "
            f"list_position(list_reverse({_KEY_TEXTS}), {_KEY_TEXTS}[i])]}}))) ELSE NULL END"),
        # a fold over the characters (base.command_line_fold); the one-element list binds its result to r
        "split_command_line_windows": (
            "to_json(list_transform([list_reduce(list_filter(string_split(:s, ''), x -> x <> ''), (acc, x) -> "
            f"{_COMMAND_LINE_STEP}, {{'args': CAST([] AS VARCHAR[]), 'cur': '', 'ph': 0, 'qc': 0, 'bc': 0, 'qr': FALSE}})], "
            "r -> CASE WHEN r.ph IN (1, 2, 4) THEN list_append(r.args, r.cur) ELSE r.args END)[1])"),
        "split_csv_record": (  # a fold over the characters (base.csv_fold)
            "to_json(list_transform([list_reduce(list_filter(string_split(:s, ''), x -> x <> ''), (acc, x) -> "
            f"{_CSV_STEP}, {{'fields': CAST([] AS VARCHAR[]), 'cur': '', 'ph': 0}})], "
            "r -> list_append(r.fields, r.cur))[1])"),
        # IP functions (issue 12, second batch)
        "ipv4_mask": ":a - :a % CAST(pow(2, 32 - :n) AS BIGINT)",
        "ipv4_number_to_text": _IPV4_TO_TEXT,
        "ipv4_is_text": f"regexp_matches(:s, '^{ipx.IPV4}$')",
        "ipv4_is_prefix_text": f"regexp_matches(:s, '^({ipx.IPV4_PREFIX}|{ipx.IPV4})$')",
        # the IPv4 addresses of a text: runs of letters, digits and dots that are whole addresses
        "ipv4_tokens": f"list_filter(regexp_extract_all(:s, '[\\p{{L}}\\p{{N}}.]+'), x -> regexp_matches(x, '^{ipx.IPV4}$'))",
        "text_list_contains": "list_contains(:l, :v)",
        "text_list_any_prefix": "len(list_filter(:l, x -> left(x, length(:p)) = :p)) > 0",
        # the fewest CIDR blocks covering numbers :s to :e: at each block size, at most one block at each end
        "ipv4_range_cidrs_json": (
            "CASE WHEN :s IS NULL OR :e IS NULL THEN NULL ELSE to_json(list_transform(list_sort(list_filter(flatten("
            f"list_transform(range(0, 33), k -> [{_cidr_block(_CIDR_LO)}, CASE WHEN {_CIDR_HI} <> {_CIDR_LO} THEN "
            f"{_cidr_block(_CIDR_HI)} END])), x -> x IS NOT NULL)), x -> {_IPV4_TO_TEXT.replace(':a', '(x // 64)')} "
            "|| '/' || CAST(x % 64 AS VARCHAR))) END"),
        # IPv6 or IPv4 text (trimmed) as its 128 bits ('0'/'1' text); IPv4 as the IPv4-mapped address
        "ipv6_bits": (
            f"list_transform([lower(:s)], v -> CASE WHEN NOT regexp_matches(v, '{ipx.WITH_PREFIX}') THEN NULL "
            f"WHEN regexp_matches(split_part(v, '/', 1), '{ipx.IPV4_IN_IPV6}') THEN '{ipx.MAPPED_BITS}' || "
            f"array_to_string(list_transform(string_split(regexp_extract(split_part(v, '/', 1), '{ipx.IPV4}$'), '.'), "
            "x -> lpad(bin(CAST(x AS BIGINT)), 8, '0')), '') "
            f"ELSE list_transform([list_transform([{_IPV6_EMBEDDED}], l -> {_IPV6_EXPAND})[1]], f -> CASE WHEN "
            f"regexp_matches(f, '{ipx.IPV6_GROUPS}') THEN array_to_string(list_transform(string_split(f, ':'), "
            "y -> lpad(bin(CAST(('0x' || y) AS BIGINT)), 16, '0')), '') END)[1] END)[1]"),
        # the prefix length of IPv6 or IPv4 text in bits of the IPv6 address (an IPv4 /n is 96 + n)
        "ipv6_prefix": (
            f"CASE WHEN NOT contains(:s, '/') THEN 128 WHEN regexp_matches(lower(split_part(:s, '/', 1)), "
            f"'{ipx.IPV4_IN_IPV6}') THEN 96 + least(TRY_CAST(split_part(:s, '/', 2) AS BIGINT), 32) "
            "ELSE least(TRY_CAST(split_part(:s, '/', 2) AS BIGINT), 128) END"),
        # the first :n of the 128 bits :b, zero-filled, as Kusto's canonical text (eight 4-digit groups)
        "ipv6_bits_to_text": (
            "list_transform([rpad(left(:b, CAST(:n AS INTEGER)), 128, '0')], t -> array_to_string(list_transform("
            "range(8), i -> printf('%04x', CAST(('0b' || substr(t, i * 16 + 1, 16)) AS BIGINT))), ':'))[1]"),
        # ---- the third function batch: format_bytes, parse_path, parse_version, base64 of guids
        "format_bytes": format_bytes_shape("list_transform([{v}], k -> {body})[1]", "[{names}][{k} + 1]",
                                           "printf({f}, {v})"),
        "path_object": ("json_object('Scheme', :scheme, 'RootPath', :root, 'DirectoryPath', :dir, 'DirectoryName', "
                        "CASE WHEN :dname = :root THEN '' ELSE :dname END, 'Filename', :file, 'Extension', :ext, "
                        "'AlternateDataStreamName', :stream)"),
        # the parts, each padded to 8 digits, read as one number of up to 32 digits
        "parse_version": ("CASE WHEN regexp_matches(:s, :re) THEN CAST(split_part(:s, '.', 1) || "
                          "lpad(COALESCE(NULLIF(split_part(:s, '.', 2), ''), '0'), 8, '0') || "
                          "lpad(COALESCE(NULLIF(split_part(:s, '.', 3), ''), '0'), 8, '0') || "
                          "lpad(COALESCE(NULLIF(split_part(:s, '.', 4), ''), '0'), 8, '0') AS DECIMAL(38, 0)) END"),
        "guid_to_base64": (f"COALESCE(list_transform([replace(CAST(:g AS VARCHAR), '-', '')], "
                           f"t -> to_base64(unhex({GUID_HEX_TO_BYTES})))[1], '')"),
        "base64_to_guid": (f"list_transform([hex(TRY(from_base64(:s)))], t -> CASE WHEN length(t) = 32 THEN "
                           f"CAST({GUID_BYTES_TO_TEXT} AS UUID) END)[1]"),
        # XXH64 (hash, hash_xxhash64): of text's UTF-8 bytes, of a 64-bit value's 8 bytes
        "xxh64_text": xxh64_hex_shape(_DuckDBWords()).replace(":h", "hex(encode(:s))"),
        "xxh64_long": xxh64_long_shape(_DuckDBWords()),
        # a hash modulo :m, the hash read as an unsigned number (0 to :m - 1, as the documentation says)
        "hash_modulo": "CAST((CAST(:x AS HUGEINT) + 18446744073709551616) % 18446744073709551616 % :m AS BIGINT)",
    }
