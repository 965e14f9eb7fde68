"""Apache Spark (4.x SQL): storage types, SQL shapes, and the printing rules SQLGlot's Spark dialect lacks.

Representation: datetime is TIMESTAMP in a UTC session, timespan BIGINT 100 ns ticks (as on DuckDB), dynamic is
VARIANT (parsed once, typed access without re-parsing), guid is STRING. Lists of dynamic values are
ARRAY<VARIANT>. Spark differs from DuckDB where it matters, and the shapes say so: arrays are 0-based for
`get` and lambdas, `dayofweek` counts Sunday as 1, regex replacements write groups as `$1`, `split` takes a
regex, `date_diff` counts whole units (calendar boundaries are computed here instead), windows need an order.
"""

from __future__ import annotations

import json
import re
from typing import ClassVar

from sqlglot import exp
from sqlglot.dialects.spark import Spark as _SqlglotSpark

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
    group_numbers,
    lambda_variable,
    xxh64_hex_shape,
    xxh64_long_shape,
)
from kqlite.compile.dialects.series_sql import SparkLists
from kqlite.compile.dialects.series_sql import shapes as series_shapes


class KqliteSpark(_SqlglotSpark):
    """SQLGlot's Spark dialect with the types and functions kqlite's trees use printed for Spark 4."""

    class Generator(_SqlglotSpark.Generator):
        TYPE_MAPPING = {
            **_SqlglotSpark.Generator.TYPE_MAPPING,
            exp.DataType.Type.JSON: "VARIANT",
            exp.DataType.Type.UUID: "STRING",
            exp.DataType.Type.TIMESTAMP: "TIMESTAMP",
            exp.DataType.Type.TIMESTAMPTZ: "TIMESTAMP",
            exp.DataType.Type.TIMESTAMPLTZ: "TIMESTAMP",
            exp.DataType.Type.TIMESTAMPNTZ: "TIMESTAMP",
        }
        TRANSFORMS = {
            **_SqlglotSpark.Generator.TRANSFORMS,
            exp.ParseJSON: lambda self, e: self.func("PARSE_JSON", e.this),
        }

        def cast_sql(self, expression: exp.Cast, safe_prefix: str | None = None) -> str:
            # a cast to dynamic: JSON text in a literal is parsed (DuckDB's CAST(text AS JSON)); anything else
            # becomes a VARIANT holding the value
            if expression.to.is_type(exp.DataType.Type.JSON):
                operand = expression.this
                if isinstance(operand, exp.Literal) and operand.is_string:
                    return self.func("PARSE_JSON", operand)
                return f"CAST({self.sql(operand)} AS VARIANT)"
            return super().cast_sql(expression, safe_prefix)


def _vtype(d: str) -> str:
    """DuckDB's json_type names for a VARIANT (NULL, ARRAY, OBJECT, VARCHAR, BIGINT, DOUBLE, BOOLEAN)."""
    return (f"CASE WHEN {d} IS NULL THEN NULL WHEN is_variant_null({d}) THEN 'NULL' "
            f"WHEN try_cast({d} AS ARRAY<VARIANT>) IS NOT NULL THEN 'ARRAY' "
            f"WHEN try_cast({d} AS MAP<STRING, VARIANT>) IS NOT NULL THEN 'OBJECT' "
            f"WHEN schema_of_variant({d}) = 'STRING' THEN 'VARCHAR' "
            f"WHEN schema_of_variant({d}) IN ('BIGINT', 'INT', 'SMALLINT', 'TINYINT') THEN 'BIGINT' "
            f"WHEN schema_of_variant({d}) = 'BOOLEAN' THEN 'BOOLEAN' ELSE 'DOUBLE' END")


def _indexes(size: str) -> str:
    """0, 1, ... size - 1 (empty for 0: Spark's sequence(0, -1) counts down)."""
    return f"filter(sequence(0, greatest({size}, 1)), i -> i < {size})"


def _text_of(d: str) -> str:
    """A dynamic value as text: strings unquoted, other values as JSON, null as null."""
    return (f"CASE WHEN is_variant_null({d}) THEN NULL WHEN schema_of_variant({d}) = 'STRING' "
            f"THEN variant_get({d}, '$', 'string') ELSE to_json({d}) END")


# split() on a delimiter taken literally (Spark's split takes a regex: the delimiter's metacharacters are escaped)
_SPLIT = "split(:s, regexp_replace(:d, '([\\\\\\\\.^$|?*+()\\\\[\\\\]{}])', '\\\\\\\\$1'), -1)"
_EMPTY_BAG = "CAST(map() AS MAP<STRING, VARIANT>)"
_COMMONS_GAMMA = ("CASE WHEN {x} IS NOT NULL THEN reflect('org.apache.commons.math3.special.Gamma', '{m}', "
                  "CAST({x} AS DOUBLE)) END")

_COMMAND_LINE_STEP = command_line_fold(
    lambda pairs: "named_struct(" + ", ".join(f"'{k}', {v}" for k, v in pairs) + ")",
    "concat({l}, array({v}))", "CAST({a} DIV {b} AS INT)")

_CSV_STEP = csv_fold(lambda pairs: "named_struct(" + ", ".join(f"'{k}', {v}" for k, v in pairs) + ")",
                     "concat({l}, array({v}))")
# IP functions (issue 12, second batch): pieces of the IP shapes below
_CIDR_B = "CAST(pow(2, k) AS BIGINT)"
_CIDR_LO, _CIDR_HI = f"((:s + {_CIDR_B} - 1) DIV {_CIDR_B})", f"((:e + 1) DIV {_CIDR_B} - 1)"
_CIDR_LO2, _CIDR_HI2 = f"((:s + 2 * {_CIDR_B} - 1) DIV (2 * {_CIDR_B}))", f"((:e + 1) DIV (2 * {_CIDR_B}) - 1)"


def _cidr_block(i: str) -> str:
    """Block i of size 2^k, as start * 64 + prefix, when the range covers it and not its parent block."""
    return (f"CASE WHEN {i} >= {_CIDR_LO} AND {i} <= {_CIDR_HI} AND NOT ({i} >= 2 * {_CIDR_LO2} "
            f"AND {i} <= 2 * {_CIDR_HI2} + 1) THEN {i} * {_CIDR_B} * 64 + 32 - k END")


_IPV4_TO_TEXT = ("CASE WHEN :a IS NULL THEN NULL ELSE concat_ws('.', CAST(:a DIV 16777216 AS STRING), "
                 "CAST((:a DIV 65536) % 256 AS STRING), CAST((:a DIV 256) % 256 AS STRING), CAST(:a % 256 AS STRING)) END")
_GROUPS_LEFT, _GROUPS_RIGHT = (
    f"(CASE WHEN split_part(l, '::', {n}) = '' THEN 0 ELSE length(split_part(l, '::', {n})) "
    f"- length(replace(split_part(l, '::', {n}), ':', '')) + 1 END)" for n in (1, 2))
# IPv6 text (no prefix, lower case) in l: '::' expanded to the zero groups it stands for; null when malformed
_IPV6_EXPAND = (
    "CASE WHEN NOT l RLIKE '^[0-9a-f:]+$' OR contains(l, ':::') THEN NULL WHEN NOT contains(l, '::') THEN l "
    "WHEN contains(substr(l, instr(l, '::') + 2), '::') THEN NULL "
    f"WHEN {_GROUPS_LEFT} + {_GROUPS_RIGHT} > 7 THEN NULL "
    "ELSE concat_ws(':', nullif(split_part(l, '::', 1), ''), "
    f"substr(repeat('0:', 8 - {_GROUPS_LEFT} - {_GROUPS_RIGHT}), 1, 2 * (8 - {_GROUPS_LEFT} - {_GROUPS_RIGHT}) - 1), "
    "nullif(split_part(l, '::', 2), '')) END")
# the address of v (text before '/'), a trailing dotted IPv4 part written as two hex groups
_IPV6_EMBEDDED = (
    f"CASE WHEN split_part(v, '/', 1) RLIKE '{ipx.IPV6_WITH_IPV4}' THEN "
    f"regexp_replace(split_part(v, '/', 1), '{ipx.IPV4}$', '') || transform(array(regexp_extract(split_part(v, '/', 1), "
    f"'{ipx.IPV4}$', 0)), t -> format_string('%x:%x', CAST(split_part(t, '.', 1) AS BIGINT) * 256 + "
    "CAST(split_part(t, '.', 2) AS BIGINT), CAST(split_part(t, '.', 3) AS BIGINT) * 256 + "
    "CAST(split_part(t, '.', 4) AS BIGINT)))[0] ELSE split_part(v, '/', 1) END")


# datetimes as Kusto's ticks, in this engine's SQL (see base.TickSql)
_TICKS = TickSql(from_micros="timestamp_micros({})", to_micros="unix_micros({})", div="{} DIV {}",
                 mod="pmod({}, {})", seconds="date_format({}, \"yyyy-MM-dd'T'HH:mm:ss\")", text="STRING")
_DAY, _MAX_TICKS = DAY_TICKS, MAX_TICKS
_ts, _ticks, _calendar, _text, _week_start = _TICKS.ts, _TICKS.ticks, _TICKS.calendar, _TICKS.iso_text, _TICKS.week_start


_TS_A, _TS_B = _ts(":a"), _ts(":b")


class _SparkWords(Words64):
    """64-bit words as BIGINT: without ANSI mode (the backend's session) sums and products wrap around."""

    def const(self, value: int) -> str:
        return f"CAST({value - 2 ** 64 if value >= 2 ** 63 else value} AS BIGINT)"

    def add(self, a: str, b: str) -> str:
        return f"({a} + {b})"

    def mul(self, a: str, b: str) -> str:
        return f"({a} * {b})"

    def xor(self, a: str, b: str) -> str:
        return f"({a} ^ {b})"

    def shr(self, a: str, n: int) -> str:
        return f"shiftrightunsigned({a}, {n})"

    def rotl(self, a: str, n: int) -> str:
        return f"(shiftleft({a}, {n}) | shiftrightunsigned({a}, {64 - n}))"

    def from_signed(self, a: str) -> str:
        return f"CAST({a} AS BIGINT)"

    def signed(self, a: str) -> str:
        return a

    def from_count(self, a: str) -> str:
        return f"CAST({a} AS BIGINT)"

    def idiv(self, a: str, b: str) -> str:
        return f"({a} DIV {b})"

    def struct(self, fields: list[str]) -> str:
        return "named_struct(" + ", ".join(f"'v{i + 1}', {f}" for i, f in enumerate(fields)) + ")"

    def let(self, value: str, var: str, body: str) -> str:
        return f"transform(array({value}), {var} -> {body})[0]"

    def fold(self, count: str, var: str, init: str, body: str) -> str:
        return (f"aggregate(filter(sequence(0, CAST({count} AS INT)), {var} -> {var} < CAST({count} AS INT)), "
                f"{init}, (acc, {var}) -> {body})")

    def word(self, hex_text: str, byte: str, size: int) -> str:
        digits = ", ".join(f"substr({hex_text}, 2 * ({byte} + {k}) + 1, 2)" for k in range(size - 1, -1, -1))
        return f"CAST(conv(concat({digits}), 16, -10) AS BIGINT)"


class Spark(Dialect):
    name = "spark"
    sqlglot_dialect = "kqlitespark"
    window_needs_order = True
    lambda_subqueries = False  # "Subquery expressions are not supported within higher-order functions"
    nested_correlation = False  # a subquery cannot read the outer row through another subquery
    arg_ties_keep_first = False  # max_by / min_by may keep any of tied keys
    regex_group_reference = "${}"

    def regex(self, pattern: str) -> str:
        # Java names groups (?<name>...); its (?i) folds ASCII only where RE2's folds Unicode: (?iu)
        return re.sub(r"\(\?([a-zA-Z]*)i([a-zA-Z]*)([:)])", lambda m: f"(?{m[1]}i{m[2]}" + ("" if "u" in m[1] + m[2] else "u") + m[3],
                      pattern.replace("(?P<", "(?<"))

    def regex_groups(self, text: exp.Expression, regex: str, names: list[str]) -> exp.Expression:
        # Spark's regexp_extract takes a group number: find each named group's number in the pattern
        java = self.regex(regex)
        numbers = group_numbers(java)
        fields: list[exp.Expression] = []
        for name in names:
            fields += [exp.Literal.string(name), exp.Anonymous(this="regexp_extract", expressions=[
                text.copy(), exp.Literal.string(java), exp.Literal.number(numbers[name])])]
        return exp.Anonymous(this="named_struct", expressions=fields)

    def filter_element(self) -> exp.Expression:
        return exp.column(lambda_variable("e"))

    def filter_position(self) -> exp.Expression:
        return exp.Add(this=exp.column(lambda_variable("i")), expression=exp.Literal.number(1))

    def call(self, name: str, args: list[exp.Expression]) -> exp.Expression:
        if name == "json_array":  # pack_array: the items are dynamic already
            return exp.Cast(this=exp.Anonymous(this="array", expressions=list(args)), to=self.sql_type("dynamic"))
        if name == "json_object":  # bag_pack: key, value, key, value ... (a later key wins)
            pairs = exp.Anonymous(this="map", expressions=list(args))
            return exp.Anonymous(this="parse_json", expressions=[exp.Anonymous(this="to_json", expressions=[pairs])])
        return super().call(name, args)

    def regex_group(self, text: exp.Expression, regex: str, names: list[str], name: str) -> exp.Expression:
        java = self.regex(regex)
        return exp.Anonymous(this="regexp_extract", expressions=[
            text.copy(), exp.Literal.string(java), exp.Literal.number(group_numbers(java)[name])])

    def json_member(self, value: exp.Expression, key: str) -> exp.Expression:
        # a variant path reads the one member without turning the object into a map; a path has no escapes
        # (Spark refuses `$["a\\"b"]`): keys with quotes or backslashes are read through the map
        if any(ch in key for ch in "\"'\\"):
            return super().json_member(value, key)
        path = "$[" + json.dumps(key) + "]"
        return exp.Anonymous(this="try_variant_get", expressions=[value, exp.Literal.string(path),
                                                                  exp.Literal.string("variant")])

    def json_element(self, value: exp.Expression, index: int) -> exp.Expression:
        if index < 0:  # variant paths count from the start only
            return super().json_element(value, index)
        return exp.Anonymous(this="try_variant_get", expressions=[value, exp.Literal.string(f"$[{index}]"),
                                                                  exp.Literal.string("variant")])

    DATETIME_FORMAT_CODES: ClassVar[dict[str, str]] = {
        "yyyy": "yyyy", "yy": "yy", "MM": "MM", "dd": "dd", "HH": "HH", "hh": "hh", "mm": "mm", "ss": "ss", "tt": "a",
    }

    FUNCTIONS: ClassVar[dict[str, str]] = {
        **{name: name for name in (
            "any_value", "bool_or", "concat_ws", "contains", "first", "isnan", "lag", "lead", "md5", "nullif", "regexp_extract",
            "reverse", "url_decode", "stddev_samp", "stddev_pop", "var_samp", "var_pop", "exp", "ln", "log10", "log2",
            "cos", "sin", "tan", "greatest", "least", "year", "month", "day", "dayofyear", "hour", "weekofyear",
            "flatten",
        )},
        "ends_with": "endswith", "starts_with": "startswith", "list_sort": "array_sort",
        "array_concat": "concat",  # two lists of any one element type as one
        "sign": "signum", "arg_max": "max_by", "arg_min": "min_by",
        "arg_max_null": "max_by", "arg_min_null": "min_by",  # max_by keeps a null value of the row it picks
        # functions added with the issue-12 function batch
        **{name: name for name in ("acos", "asin", "atan", "atan2", "cot", "degrees", "radians", "pi", "bit_count",
                                             "bit_and", "bit_or", "bit_xor", "sha1", "uuid",
                                             "covar_samp", "covar_pop")},
        "random": "rand",
    }

    FUNCTION_SHAPES: ClassVar[dict[str, str]] = {
        "isinf": "(abs(:a0) = CAST('Infinity' AS DOUBLE))",
        "isfinite": "NOT (isnan(:a0) OR abs(:a0) = CAST('Infinity' AS DOUBLE))",
        "strlen": "octet_length(:a0)",
        "sha256": "sha2(:a0, 256)",
        "to_json": "CAST(:a0 AS VARIANT)",
        "trunc": "CASE WHEN :a0 < 0 THEN ceil(:a0) ELSE floor(:a0) END",
        "json_type": _vtype(":a0"),
        "list_extract": "get(:a0, :a1 - 1)",
        # DuckDB's list_concat reads a null list as empty
        "list_concat": ("CASE WHEN :a0 IS NULL AND :a1 IS NULL THEN NULL ELSE concat("
                        "COALESCE(:a0, CAST(array() AS ARRAY<VARIANT>)), COALESCE(:a1, CAST(array() AS ARRAY<VARIANT>))) END"),
        "json_merge_patch": (  # bag_merge: a later bag's keys win (one level, as Kusto's bag_merge)
            f"parse_json(to_json(map_concat(COALESCE(try_cast(:a0 AS MAP<STRING, VARIANT>), {_EMPTY_BAG}), "
            f"COALESCE(try_cast(:a1 AS MAP<STRING, VARIANT>), {_EMPTY_BAG}))))"),
        # functions added with the issue-12 function batch
        # Spark has no gamma functions: Apache Commons Math's (a jar Spark ships) through reflect(), which
        # returns text; its logGamma is NaN below 0, where log|gamma(x)| = log(pi / |sin(pi x)|) - logGamma(1 - x)
        "gamma": f"CAST({_COMMONS_GAMMA.format(m='gamma', x=':a0')} AS DOUBLE)",
        "lgamma": (f"CASE WHEN :a0 > 0 THEN CAST({_COMMONS_GAMMA.format(m='logGamma', x=':a0')} AS DOUBLE) "
                   f"ELSE ln(pi() / abs(sin(pi() * :a0))) - CAST({_COMMONS_GAMMA.format(m='logGamma', x='1 - :a0')} "
                   "AS DOUBLE) END"),
    }

    TYPES: ClassVar[dict[str, str]] = {
        "bool": "BOOLEAN", "int": "INT", "long": "BIGINT", "real": "DOUBLE", "decimal": "DECIMAL(38, 18)",
        "string": "STRING", "datetime": "BIGINT", "timespan": "BIGINT", "dynamic": "VARIANT", "guid": "STRING",
    }

    SHAPES: ClassVar[dict[str, str]] = {
        # series_decompose_*, series_outlier_scores, series_anomaly_flags, series_fit_2lines (see series_sql)
        **series_shapes(SparkLists()),
        "reals_to_json": 'CAST(:l AS VARIANT)',
        "reals_to_json_integers": 'CAST(transform(:l, x -> CAST(x AS BIGINT)) AS VARIANT)',  # toward zero
        # whether some element is not null and every such element is a whole number (a JSON integer)
        "json_all_integers": "coalesce(exists(:l, e -> e IS NOT NULL AND NOT is_variant_null(e)) AND forall(filter(:l, e -> e IS NOT NULL AND NOT is_variant_null(e)), e -> schema_of_variant(e) IN ('BIGINT', 'INT', 'SMALLINT', 'TINYINT')), false)",
        "list_item": 'get(:l, :i)',  # element :i (from 0) of a list of lists or reals
        # ---- series
        "json_integer": "CASE WHEN schema_of_variant(:e) IN ('BIGINT', 'INT', 'SMALLINT', 'TINYINT') THEN try_variant_get(:e, '$', 'bigint') ELSE NULL END",
        "trim_whitespace": "regexp_replace(:s, '^\\\\s+|\\\\s+$', '')",
        "json_is_number": "schema_of_variant(:d) IN ('BIGINT', 'INT', 'SMALLINT', 'TINYINT', 'DOUBLE', 'FLOAT') OR schema_of_variant(:d) LIKE 'DECIMAL%'",
        "timespan_from_unit_text": "CASE WHEN trim(:s) RLIKE '^-?[0-9]+(\\\\.[0-9]+)?(d|h|m|s|ms|microsecond|tick)$' THEN CAST(round(CAST(regexp_extract(trim(:s), '^(-?[0-9]+(\\\\.[0-9]+)?)', 1) AS DOUBLE) * CASE regexp_extract(trim(:s), '(d|h|m|s|ms|microsecond|tick)$', 1) WHEN 'd' THEN 864000000000 WHEN 'h' THEN 36000000000 WHEN 'm' THEN 600000000 WHEN 's' THEN 10000000 WHEN 'ms' THEN 10000 WHEN 'microsecond' THEN 10 WHEN 'tick' THEN 1 END) AS BIGINT) ELSE NULL END",
        "json_number": "try_variant_get(:e, '$', 'double')",
        "json_last_non_null_upto_i": 'element_at(filter(slice(:l, 1, i + 1), e -> e IS NOT NULL AND NOT is_variant_null(e)), -1)',
        "json_first_non_null_from_i": 'element_at(filter(slice(:l, i + 1, size(:l)), e -> e IS NOT NULL AND NOT is_variant_null(e)), 1)',
        "list_element_at_i_minus": 'CASE WHEN i - :k >= 0 THEN get(:l, i - :k) ELSE NULL END',
        "json_fold_reals": f"CAST(aggregate({_indexes(':n')}, CAST(array() AS ARRAY<DOUBLE>), (acc, i) -> concat(acc, array(CAST(:p AS DOUBLE)))) AS VARIANT)",
        "fold_output_at_i_minus": "CASE WHEN i - :k >= 0 THEN get(acc, i - :k) ELSE NULL END",
        "loop_index": "i",
        "list_any": "coalesce(exists(:l, e -> coalesce(:p, false)), false)",
        "list_all": "coalesce(forall(:l, e -> coalesce(:p, false)), true)",
        "loop_element": "e",
        # the position (from 0) of the first element for which :p (reading it as loop_element) holds; -1: none
        "list_first_index": "coalesce(array_position(transform(:l, e -> coalesce(:p, false)), true) - 1, -1)",
        # :body computed once over the value :v, which it reads as bound_value (a let: :v is not copied)
        "timestamp_of_unix_micros": "timestamp_micros(:n)",  # a stored timestamp's constant (time_bounds)
        "with_bound_value": "transform(array(:v), r -> :body)[0]",
        "bound_value": "r",
        "utc_to_local": _calendar(":t", "from_utc_timestamp({t}, :z)"),
        "local_to_utc": _calendar(":t", "to_utc_timestamp({t}, :z)"),
        "list_any_of_subquery": "EXISTS (SELECT 1 FROM (SELECT explode(:l) AS e) AS _x WHERE coalesce(:p, false))",
        "list_all_of_subquery": "NOT EXISTS (SELECT 1 FROM (SELECT explode(:l) AS e) AS _x WHERE NOT coalesce(:p, false))",
        "list_position_dot": "aggregate(transform(:l, (e, p) -> e * (p + 1)), CAST(0 AS DOUBLE), (acc, v) -> acc + v)",
        "json_list_numbers": "transform(:l, e -> try_variant_get(e, '$', 'double'))",
        "list_min": 'array_min(:l)',
        "list_max": 'array_max(:l)',
        "list_min_index": 'array_position(:l, array_min(:l)) - 1',
        "list_max_index": 'array_position(:l, array_max(:l)) - 1',
        "list_average": '(aggregate(filter(:l, x -> x IS NOT NULL), CAST(0 AS DOUBLE), (acc, x) -> acc + x) / size(filter(:l, x -> x IS NOT NULL)))',
        "list_variance": '(aggregate(filter(:l, x -> x IS NOT NULL), CAST(0 AS DOUBLE), (acc, x) -> acc + (x - (aggregate(filter(:l, x -> x IS NOT NULL), CAST(0 AS DOUBLE), (acc, x) -> acc + x) / size(filter(:l, x -> x IS NOT NULL)))) * (x - (aggregate(filter(:l, x -> x IS NOT NULL), CAST(0 AS DOUBLE), (acc, x) -> acc + x) / size(filter(:l, x -> x IS NOT NULL))))) / (size(filter(:l, x -> x IS NOT NULL)) - 1))',
        "list_stdev": 'sqrt((aggregate(filter(:l, x -> x IS NOT NULL), CAST(0 AS DOUBLE), (acc, x) -> acc + (x - (aggregate(filter(:l, x -> x IS NOT NULL), CAST(0 AS DOUBLE), (acc, x) -> acc + x) / size(filter(:l, x -> x IS NOT NULL)))) * (x - (aggregate(filter(:l, x -> x IS NOT NULL), CAST(0 AS DOUBLE), (acc, x) -> acc + x) / size(filter(:l, x -> x IS NOT NULL))))) / (size(filter(:l, x -> x IS NOT NULL)) - 1)))',
        "list_null_where_equal": "transform(:l, x -> CASE WHEN x = :v THEN NULL ELSE x END)",
        "list_multiplied": "aggregate(filter(:l, x -> x IS NOT NULL), CAST(1 AS DOUBLE), (acc, x) -> acc * x)",
        "list_total": 'CASE WHEN size(filter(:l, x -> x IS NOT NULL)) = 0 THEN NULL ELSE aggregate(filter(:l, x -> x IS NOT NULL), CAST(0 AS DOUBLE), (acc, x) -> acc + x) END',
        "list_pearson": 'aggregate(zip_with(:a, :b, (x, y) -> (x - (aggregate(filter(:a, x -> x IS NOT NULL), CAST(0 AS DOUBLE), (acc, x) -> acc + x) / size(filter(:a, x -> x IS NOT NULL)))) * (y - (aggregate(filter(:b, x -> x IS NOT NULL), CAST(0 AS DOUBLE), (acc, x) -> acc + x) / size(filter(:b, x -> x IS NOT NULL))))), CAST(0 AS DOUBLE), (acc, v) -> acc + v) / sqrt(aggregate(transform(:a, x -> (x - (aggregate(filter(:a, x -> x IS NOT NULL), CAST(0 AS DOUBLE), (acc, x) -> acc + x) / size(filter(:a, x -> x IS NOT NULL)))) * (x - (aggregate(filter(:a, x -> x IS NOT NULL), CAST(0 AS DOUBLE), (acc, x) -> acc + x) / size(filter(:a, x -> x IS NOT NULL))))), CAST(0 AS DOUBLE), (acc, v) -> acc + v) * aggregate(transform(:b, y -> (y - (aggregate(filter(:b, x -> x IS NOT NULL), CAST(0 AS DOUBLE), (acc, x) -> acc + x) / size(filter(:b, x -> x IS NOT NULL)))) * (y - (aggregate(filter(:b, x -> x IS NOT NULL), CAST(0 AS DOUBLE), (acc, x) -> acc + x) / size(filter(:b, x -> x IS NOT NULL))))), CAST(0 AS DOUBLE), (acc, v) -> acc + v))',
        # ---- text
        "base64_decode_text": "COALESCE(try_validate_utf8(CAST(try_to_binary(:s, 'base64') AS STRING)), '')",
        "base64_encode_text": "base64(encode(:s, 'UTF-8'))",
        # UTF-32 big-endian: eight hex digits a code point (a Java string's characters are UTF-16 units)
        "json_text": "to_json(:d)",  # a dynamic value's JSON text (a cast gives a string bare)
        "json_singleton_list": "array(:v)",
        "codepoints_of_text": (  # sequence(0, -1) counts down: the empty text apart
            "CASE WHEN :s = '' THEN parse_json('[]') ELSE CAST(transform(sequence(0, length(hex(encode(:s, 'UTF-32'))) "
            "DIV 8 - 1), i -> CAST(conv(substr(hex(encode(:s, 'UTF-32')), i * 8 + 1, 8), 16, 10) AS BIGINT)) AS "
            "VARIANT) END"),
        "text_of_codepoints": (
            "CASE WHEN size(:l) = 0 THEN '' WHEN forall(:l, e -> schema_of_variant(e) IN ('BIGINT', 'INT', 'SMALLINT', "
            "'TINYINT') AND (try_variant_get(e, '$', 'bigint') BETWEEN 0 AND 55295 OR try_variant_get(e, '$', 'bigint') "
            "BETWEEN 57344 AND 1114111)) THEN decode(unhex(concat_ws('', transform(:l, e -> lpad(hex(try_variant_get("
            "e, '$', 'bigint')), 8, '0')))), 'UTF-32') ELSE NULL END"),
        "bytes_of_base64": (  # unpadded text is taken, as Kusto does
            "transform(array(try_to_binary(rpad(:s, (length(:s) + 3) DIV 4 * 4, '='), 'base64')), b -> CASE WHEN "
            "b IS NULL THEN NULL WHEN length(b) = 0 THEN parse_json('[]') ELSE CAST(transform(sequence(0, length(hex(b)) DIV 2 - 1), i -> CAST(conv(substr("
            "hex(b), i * 2 + 1, 2), 16, 10) AS INT)) AS VARIANT) END)[0]"),
        "base64_of_bytes": (
            "CASE WHEN size(:l) = 0 THEN '' WHEN forall(:l, e -> schema_of_variant(e) IN ('BIGINT', 'INT', 'SMALLINT', "
            "'TINYINT') AND try_variant_get(e, '$', 'bigint') BETWEEN 0 AND 255) THEN base64(unhex(concat_ws('', "
            "transform(:l, e -> lpad(hex(try_variant_get(e, '$', 'bigint')), 2, '0'))))) ELSE NULL END"),
        "bool_to_text": "CASE WHEN :x IS NULL THEN '' WHEN :x THEN 'True' ELSE 'False' END",
        "compare_text": "CASE WHEN :a < :b THEN -1 WHEN :a > :b THEN 1 ELSE 0 END",
        "compare_three_way": "CASE WHEN :a < :b THEN -1 WHEN :a > :b THEN 1 WHEN :a = :b THEN 0 END",
        "count_regex_matches": "CAST(size(regexp_extract_all(:s, :p, 0)) AS BIGINT)",
        "count_text_occurrences": (
            "CASE WHEN :p = '' OR length(:s) = 0 THEN 0 ELSE CAST(size(filter(sequence(0, length(:s) - 1), "
            "i -> substr(:s, i + 1, length(:p)) = :p)) AS BIGINT) END"),
        "index_of_text": "CASE WHEN :b = '' THEN 0 ELSE instr(:a, :b) - 1 END",
        "ltrim_question_mark": "regexp_replace(:q, '^[?]+', '')",
        "null_if_empty": "nullif(:v, '')",
        "regex_escape": r"regexp_replace(:s, '([\\\\.^$|?*+()\\[\\]{}])', '\\\\$1')",
        "regex_extract_all_json": (
            r"CASE WHEN :s RLIKE :p THEN CAST(regexp_extract_all(:s, :p, CASE WHEN :p RLIKE '\\(' THEN 1 ELSE 0 END) "
            "AS VARIANT) ELSE NULL END"),
        "regex_extract_or_null": "CASE WHEN :s RLIKE :p THEN regexp_extract(:s, :p, :g) ELSE NULL END",
        "regex_extract_text": "regexp_extract(:s, :p, :g)",
        "regex_first_group_trimmed": "trim(regexp_extract(:s, :p, 1))",
        "regex_remove_all": "regexp_replace(:s, :p, '')",
        "regex_replace_all": "regexp_replace(:s, :p, :r)",
        "repeat_text": "repeat(:s, greatest(:n, 0))",
        "repeat_text_delimited": "CASE WHEN :n <= 0 THEN '' ELSE array_join(array_repeat(:s, CAST(:n AS INT)), :d) END",
        "replace_text": "CASE WHEN :a = '' THEN :s ELSE replace(:s, :a, :b) END",
        "sign_prefix": "CASE WHEN :t < 0 THEN '-' ELSE '' END",
        "substring_kql": (
            "CASE WHEN :i IS NULL OR :n IS NULL OR :n < 0 OR length(:s) + :i < 0 THEN '' ELSE COALESCE(substr(:s, "
            "CASE WHEN :i < 0 THEN greatest(length(:s) + :i, 0) ELSE :i END + 1, :n), '') END"),
        "substring_kql_from": (
            "CASE WHEN :i IS NULL OR length(:s) + :i < 0 THEN '' ELSE COALESCE(substr(:s, "
            "CASE WHEN :i < 0 THEN length(:s) + :i ELSE :i END + 1), '') END"),
        "text_to_bool": (
            "CASE WHEN lower(:s) = 'true' THEN TRUE WHEN lower(:s) = 'false' THEN FALSE "
            "WHEN :s RLIKE '^[+-]?[0-9]+$' THEN TRY_CAST(:s AS BIGINT) <> 0 ELSE NULL END"),
        "text_to_long": (
            "CASE WHEN trim(:s) RLIKE '^[+-]?0[xX][0-9a-fA-F]+$' THEN (CASE WHEN trim(:s) LIKE '-%' THEN -1 ELSE 1 END) "
            "* TRY_CAST(conv(regexp_extract(trim(:s), '0[xX]([0-9a-fA-F]+)', 1), 16, 10) AS BIGINT) "
            "WHEN trim(:s) RLIKE '^[+-]?[0-9]+$' THEN TRY_CAST(trim(:s) AS BIGINT) ELSE NULL END"),
        "text_to_real": "CASE WHEN contains(:s, '_') THEN NULL ELSE TRY_CAST(trim(:s) AS DOUBLE) END",
        "real_to_text": (
            "CASE WHEN :x IS NULL THEN '' WHEN isnan(:x) THEN 'NaN' WHEN :x = CAST('Infinity' AS DOUBLE) THEN 'Infinity' "
            "WHEN :x = CAST('-Infinity' AS DOUBLE) THEN '-Infinity' "
            "WHEN abs(:x) < 1e15 AND :x = floor(:x) THEN (CASE WHEN :x = 0 AND 1 / :x < 0 THEN '-' ELSE '' END) || "
            "CAST(CAST(:x AS BIGINT) AS STRING) || '.0' ELSE CAST(:x AS STRING) END"),
        "string_split_json": f"CAST({_SPLIT} AS VARIANT)",
        "string_split_list": _SPLIT,
        "list_at": "try_element_at(:l, :k)",  # element :k of a list (from 1; negative: from the end)
        "string_split_part_json": (
            f"CASE WHEN :i >= 0 AND :i < size({_SPLIT}) THEN CAST(array(get({_SPLIT}, CAST(:i AS INT))) AS VARIANT) "
            "ELSE NULL END"),
        "unquote": "regexp_replace(:v, :q, '$1')",
        "value_to_json_text": "CAST(CAST(:x AS STRING) AS VARIANT)",
        # ---- numbers
        "bin_floor_long": "CASE WHEN :s <= 0 THEN NULL ELSE CAST(floor(:v / :s) * :s AS BIGINT) END",
        "bin_long": "CASE WHEN :s <= 0 THEN NULL ELSE CAST(floor(:v / :s) AS BIGINT) * :s END",
        "bin_real": "CASE WHEN :s <= 0 THEN NULL ELSE CAST(floor(:v / :s) * :s AS DOUBLE) END",  # floor() is a BIGINT
        "either_nan": "(isnan(CAST(:a AS DOUBLE)) OR isnan(CAST(:b AS DOUBLE)))",
        "equal": "CASE WHEN :a IS NULL AND :b IS NULL THEN NULL ELSE COALESCE(:a = :b, FALSE) END",
        "equal_to_constant": "COALESCE(:a = :b, FALSE)",
        "integer_divide_or_null": "CASE WHEN :b = 0 THEN NULL ELSE :a DIV :b END",
        "modulo_floored": "((:a % :b) + abs(:b)) % abs(:b)",
        "modulo_floored_or_null": "CASE WHEN :b = 0 THEN NULL ELSE ((:a % :b) + abs(:b)) % abs(:b) END",
        "not_equal": "CASE WHEN :a IS NULL AND :b IS NULL THEN NULL ELSE :a IS DISTINCT FROM :b END",
        "not_equal_to_constant": ":a IS DISTINCT FROM :b",
        "number_to_bool": "(:x <> 0)",
        "real_divide": (  # Spark gives null for x / 0; Kusto (IEEE) gives an infinity or NaN
            "CASE WHEN :b = 0 THEN (CASE WHEN :a > 0 THEN CAST('Infinity' AS DOUBLE) WHEN :a < 0 "
            "THEN CAST('-Infinity' AS DOUBLE) ELSE CAST('NaN' AS DOUBLE) END) ELSE CAST(:a AS DOUBLE) / :b END"),
        "real_equal": (
            "CASE WHEN :a IS NULL AND :b IS NULL THEN NULL WHEN :a IS NULL OR :b IS NULL OR "
            "(isnan(CAST(:a AS DOUBLE)) OR isnan(CAST(:b AS DOUBLE))) THEN FALSE ELSE :a = :b END"),
        "real_not_equal": (
            "CASE WHEN :a IS NULL AND :b IS NULL THEN NULL WHEN :a IS NULL OR :b IS NULL OR "
            "(isnan(CAST(:a AS DOUBLE)) OR isnan(CAST(:b AS DOUBLE))) THEN TRUE ELSE :a <> :b END"),
        "sqrt_or_nan": "CASE WHEN :x < 0 THEN CAST('NaN' AS DOUBLE) ELSE sqrt(:x) END",
        "to_int32": "CAST(:d AS INT)",
        "wrap_int32": "((:x + 2147483648) % 4294967296 + 4294967296) % 4294967296 - 2147483648",
        "row_number_from": ":n + :s - 1",
        "rank_step": "CASE WHEN :p = 1 OR :x IS DISTINCT FROM :l THEN 1 ELSE 0 END",
        "percentile_nearest_rank": "CAST(greatest(1, ceil(:p / 100.0 * count(:x))) AS BIGINT)",
        # ---- kqlite's exact sketches (hll, tdigest), as DuckDB's (VARIANT is not orderable: compared as JSON text)
        "json_distinct_sorted": "transform(array_sort(array_distinct(transform(:l, e -> to_json(e)))), t -> parse_json(t))",
        "tdigest_from_entries": (
            "parse_json('[[\"' || :t || '\"],' || COALESCE(transform(array(array_sort(:l)), l -> CASE WHEN size(l) = 0 "
            "THEN NULL ELSE transform(array(filter(sequence(1, size(l)), i -> CASE WHEN i = 1 THEN true ELSE "
            "element_at(l, i).v <> element_at(l, i - 1).v END)), b -> '[' || array_join(transform(b, i -> "
            "element_at(l, i).v), ',') || '],[' || array_join(transform(sequence(1, size(b)), k -> CAST(aggregate("
            "slice(l, element_at(b, k), coalesce(try_element_at(b, k + 1), size(l) + 1) - element_at(b, k)), "
            "CAST(0 AS BIGINT), (acc, p) -> acc + p.w) AS STRING)), ',') || ']')[0] END)[0], '[],[]') || ']')"),
        "tdigest_entries": (
            "transform(array(named_struct('t', try_variant_get(:d, '$[0][0]', 'string'), 'v', try_variant_get(:d, '$[1]', "
            "'array<string>'), 'i', try_variant_get(:d, '$[1]', 'array<bigint>'), 'f', try_variant_get(:d, '$[1]', "
            "'array<double>'), 'w', try_variant_get(:d, '$[2]', 'array<bigint>'))), e -> transform(filter(sequence(0, "
            "COALESCE(size(e.v), 0)), i -> i > 0), i -> named_struct('k', named_struct('i', CASE WHEN e.t IN ('real', "
            "'decimal') THEN NULL ELSE element_at(e.i, i) END, 'd', element_at(e.f, i)), 'v', element_at(e.v, i), "
            "'w', element_at(e.w, i))))[0]"),
        "tdigest_type": "try_variant_get(:d, '$[0][0]', 'string')",
        "tdigest_value_at": (
            "transform(array(named_struct('v', try_cast(try_variant_get(:d, '$[1]', 'variant') AS ARRAY<VARIANT>), 'w', "
            "try_variant_get(:d, '$[2]', 'array<bigint>'))), e -> try_element_at(e.v, aggregate(e.w, named_struct('c', "
            "CAST(0 AS BIGINT), 'i', CAST(NULL AS BIGINT), 'n', CAST(0 AS BIGINT), 'r', CAST(greatest(1, ceil(:p * "
            "aggregate(e.w, CAST(0 AS BIGINT), (a, x) -> a + x) / 100.0)) AS BIGINT)), (acc, x) -> named_struct('c', "
            "acc.c + x, 'i', CASE WHEN acc.i IS NULL AND acc.c + x >= acc.r THEN acc.n + 1 ELSE acc.i END, 'n', "
            "acc.n + 1, 'r', acc.r), acc -> CAST(acc.i AS INT))))[0]"),
        "tdigest_rank_bigint": (
            "COALESCE(aggregate(zip_with(try_variant_get(:d, '$[1]', 'array<bigint>'), try_variant_get(:d, '$[2]', "
            "'array<bigint>'), (a, b) -> CASE WHEN a <= :x THEN b ELSE 0 END), CAST(0 AS BIGINT), (acc, y) -> acc + y), 0)"),
        "tdigest_total_weight": (
            "COALESCE(aggregate(try_variant_get(:d, '$[2]', 'array<bigint>'), CAST(0 AS BIGINT), (acc, y) -> acc + y), 0)"),
        "tdigest_rank_double": (
            "COALESCE(aggregate(zip_with(try_variant_get(:d, '$[1]', 'array<double>'), try_variant_get(:d, '$[2]', "
            "'array<bigint>'), (a, b) -> CASE WHEN a <= :x THEN b ELSE 0 END), CAST(0 AS BIGINT), (acc, y) -> acc + y), 0)"),
        # percentilew: as DuckDB's, with aggregate() as the fold (value order: array_sort orders structs by field)
        "weighted_nearest_rank": ("aggregate(array_sort(:l), named_struct('v', :n, 'w', CAST(0 AS BIGINT), 'r', :r), "
                                  "(acc, x) -> CASE WHEN acc.w >= acc.r "
                                  "THEN named_struct('v', acc.v, 'w', acc.w + x.w, 'r', acc.r) "
                                  "ELSE named_struct('v', x.v, 'w', acc.w + x.w, 'r', acc.r) END, acc -> acc.v)"),
        # input order: file split, then row in the split. A number to order by, not 1, 2, 3...: a window over
        # every row would pull the whole table into one partition
        "input_order": "monotonically_increasing_id()",
        # ---- IPv4
        "ipv4_network": ":a DIV CAST(pow(2, 32 - :n) AS BIGINT)",
        "ipv4_prefix_length": (
            "CASE WHEN contains(:s, '/') THEN least(TRY_CAST(split_part(:s, '/', 2) AS BIGINT), 32) ELSE 32 END"),
        "ipv4_same_network": (
            "CASE WHEN :a IS NULL OR :b IS NULL OR :n IS NULL THEN NULL "
            "ELSE :a DIV CAST(pow(2, 32 - :n) AS BIGINT) = :b DIV CAST(pow(2, 32 - :n) AS BIGINT) END"),
        "ipv4_text_to_number": (
            r"CASE WHEN :s RLIKE '^\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}(/\\d{1,2})?$' "
            + " ".join(f"AND CAST(split_part(split_part(:s, '/', 1), '.', {i}) AS BIGINT) <= 255" for i in (1, 2, 3, 4))
            + " THEN " + " + ".join(f"CAST(split_part(split_part(:s, '/', 1), '.', {i}) AS BIGINT) * {m}"
                                    for i, m in ((1, 16777216), (2, 65536), (3, 256), (4, 1)))
            + " ELSE NULL END"),
        # ---- datetime and timespan
        "bin_datetime": "CASE WHEN :s <= 0 THEN NULL ELSE :v - pmod(:v, :s) END",
        **{f"calendar_difference_{unit}": text for unit, text in {
            "year": f"year({_TS_A}) - year({_TS_B})",
            "quarter": f"(year({_TS_A}) * 4 + quarter({_TS_A})) - (year({_TS_B}) * 4 + quarter({_TS_B}))",
            "month": f"(year({_TS_A}) * 12 + month({_TS_A})) - (year({_TS_B}) * 12 + month({_TS_B}))",
            "day": f"datediff(CAST({_TS_A} AS DATE), CAST({_TS_B} AS DATE))",
            "hour": ":a DIV 36000000000 - :b DIV 36000000000",
            "minute": ":a DIV 600000000 - :b DIV 600000000",
            "second": ":a DIV 10000000 - :b DIV 10000000",
            "millisecond": ":a DIV 10000 - :b DIV 10000",
            "microsecond": ":a DIV 10 - :b DIV 10",
        }.items()},
        "datetime_add_years": _calendar(":v", "{t} + make_interval(CAST(:n AS INT), 0, 0, 0, 0, 0, 0)"),
        "datetime_add_months": _calendar(":v", "{t} + make_interval(0, CAST(:n AS INT), 0, 0, 0, 0, 0)"),
        "datetime_add_days": f":v + CAST(:n AS BIGINT) * {_DAY}",
        "datetime_add_hours": ":v + CAST(:n AS BIGINT) * 36000000000",
        "datetime_add_minutes": ":v + CAST(:n AS BIGINT) * 600000000",
        "datetime_add_seconds": ":v + CAST(:n AS BIGINT) * 10000000",
        "datetime_difference_ticks": ":a - :b",
        "datetime_fraction_digits": "lpad(CAST(pmod(:v, 10000000) AS STRING), 7, '0')",
        "datetime_part_year": f"year({_ts(':v')})",
        "datetime_part_quarter": f"quarter({_ts(':v')})",
        "datetime_part_month": f"month({_ts(':v')})",
        "datetime_part_weekofyear": f"weekofyear({_ts(':v')})",
        "datetime_part_day": f"day({_ts(':v')})",
        "datetime_part_dayofyear": f"dayofyear({_ts(':v')})",
        "datetime_part_hour": f"hour({_ts(':v')})",
        "datetime_part_minute": f"minute({_ts(':v')})",
        "datetime_part_second": f"second({_ts(':v')})",
        "datetime_part_millisecond": "pmod(:v, 10000000) DIV 10000",
        "datetime_part_microsecond": "pmod(:v, 10000000) DIV 10",
        "datetime_part_nanosecond": "pmod(:v, 10000000) * 100",
        "datetime_to_json": f"CASE WHEN :x IS NULL THEN NULL ELSE CAST({_text(':x')} AS VARIANT) END",
        "datetime_to_kusto_ticks": ":x",
        "datetime_to_text": f"COALESCE({_text(':t')}, '')",
        "dayofweek_ticks": f"pmod(:v DIV {_DAY} + 1, 7) * {_DAY}",  # 0001-01-01 was a Monday; Sunday is day 0
        "end_of_day": f":s + {_DAY} - 1",
        "end_of_week": f":s + 7 * {_DAY} - 1",
        "end_of_month": f"{_calendar(':s', '{t} + make_interval(0, 1, 0, 0, 0, 0, 0)', below_microsecond=False)} - 1",
        "end_of_year": f"{_calendar(':s', '{t} + make_interval(1, 0, 0, 0, 0, 0, 0)', below_microsecond=False)} - 1",
        "hour_of_12": f"CAST(((hour({_ts(':v')}) + 11) % 12) + 1 AS STRING)",
        "kusto_ticks_to_datetime": f"CASE WHEN :x BETWEEN 0 AND {_MAX_TICKS} THEN :x END",
        "make_datetime": f"{_ticks('try_make_timestamp(:y, :mo, :d, :h, :mi, CAST(floor(:s) AS DECIMAL(16, 6)))')} "
                         "+ CAST(round((CAST(:s AS DOUBLE) - floor(CAST(:s AS DOUBLE))) * 10000000) AS BIGINT)",
        "make_timespan_ticks": "CAST(round(((:d * 24 + :h) * 60 + :m) * 600000000 + :s * 10000000) AS BIGINT)",
        "microseconds_to_nanoseconds": ":d * 100",
        "start_of_week": _week_start(":v"),
        "strftime": f"date_format({_ts(':v')}, :f)",
        "text_to_datetime": _ticks(r"TRY_CAST(regexp_replace(nullif(trim(:s), ''), '(\\.\\d{6})\\d+', '$1') AS TIMESTAMP)")
                            + r" + COALESCE(TRY_CAST(regexp_extract(:s, ':\\d\\d[.,]\\d{6}(\\d)', 1) AS BIGINT), 0)",
        # Kusto's datetimes span years 1 to 9999: arithmetic that leaves them gives null
        "datetime_plus_ticks": f"CASE WHEN :a + :b BETWEEN 0 AND {_MAX_TICKS} THEN :a + :b END",
        "datetime_minus_ticks": f"CASE WHEN :a - :b BETWEEN 0 AND {_MAX_TICKS} THEN :a - :b END",
        "timespan_days": "abs(:t) DIV 864000000000",
        "timespan_hours": "(abs(:t) DIV 36000000000) % 24",
        "timespan_minutes": "(abs(:t) DIV 600000000) % 60",
        "timespan_seconds": "(abs(:t) DIV 10000000) % 60",
        "timespan_fraction_digits": "lpad(CAST(abs(:t) % 10000000 AS STRING), 7, '0')",
        "timespan_from_text": (
            r"CASE WHEN trim(:s) RLIKE '^-?(\\d+\\.)?\\d{1,2}:\\d{2}(:\\d{2}(\\.\\d{1,7})?)?$' THEN "
            r"(CASE WHEN startswith(trim(:s), '-') THEN -1 ELSE 1 END) * ("
            r"COALESCE(TRY_CAST(regexp_extract(trim(:s), '^-?(\\d+)\\.\\d{1,2}:', 1) AS BIGINT), 0) * 864000000000"
            r" + CAST(regexp_extract(trim(:s), '(\\d{1,2}):\\d{2}', 1) AS BIGINT) * 36000000000"
            r" + CAST(regexp_extract(trim(:s), ':(\\d{2})', 1) AS BIGINT) * 600000000"
            r" + COALESCE(TRY_CAST(regexp_extract(trim(:s), ':\\d{2}:(\\d{2})', 1) AS BIGINT), 0) * 10000000"
            r" + COALESCE(TRY_CAST(rpad(regexp_extract(trim(:s), '\\.(\\d{1,7})$', 1), 7, '0') AS BIGINT), 0))"
            " ELSE NULL END"),
        "timespan_to_text": (
            "CASE WHEN :t IS NULL THEN '' ELSE (CASE WHEN :t < 0 THEN '-' ELSE '' END)"
            " || (CASE WHEN abs(:t) >= 864000000000 THEN CAST(abs(:t) DIV 864000000000 AS STRING) || '.' ELSE '' END)"
            " || lpad(CAST((abs(:t) DIV 36000000000) % 24 AS STRING), 2, '0') || ':'"
            " || lpad(CAST((abs(:t) DIV 600000000) % 60 AS STRING), 2, '0') || ':'"
            " || lpad(CAST((abs(:t) DIV 10000000) % 60 AS STRING), 2, '0')"
            " || (CASE WHEN abs(:t) % 10000000 <> 0 THEN '.' || lpad(CAST(abs(:t) % 10000000 AS STRING), 7, '0')"
            " ELSE '' END) END"),
        "start_of_day": f":v DIV {_DAY} * {_DAY}",
        "start_of_month": _calendar(":v", "date_trunc('MONTH', {t})", below_microsecond=False),
        "start_of_year": _calendar(":v", "date_trunc('YEAR', {t})", below_microsecond=False),
        "unix_millis_to_datetime": "CAST(:x * 10000 AS BIGINT) + 621355968000000000",
        "unix_seconds_to_datetime": "CAST(:x * 10000000 AS BIGINT) + 621355968000000000",
        "weeks_between": f"({_week_start(':a')} - {_week_start(':b')}) DIV (7 * {_DAY})",
        "range_number_rows": "SELECT :a + id * :s AS v FROM range(0, CAST(floor((:b - :a) / :s) AS BIGINT) + 1)",
        # ---- make-series
        "series_axis_value": ":a + :i * :s",
        "series_bin_count": "CAST(greatest(ceil((:b - :a) / :s), 0) AS BIGINT)",
        "series_bin_count_from_max": "CAST(floor((max(:x) - :a) / :s) + 1 AS BIGINT)",
        "series_bin_index": "CAST(floor((:x - :a) / :s) AS BIGINT)",
        "series_bin_indexes": f"explode({_indexes(':n')})",
        "series_in_range": ":x >= :a AND :x < :a + :n * :s",
        "series_json_list": (
            "CAST(transform(array_sort(collect_list(named_struct('i', :i, 'v', :v)), "
            "(l, r) -> CASE WHEN l.i < r.i THEN -1 WHEN l.i > r.i THEN 1 ELSE 0 END), x -> x.v) AS VARIANT)"),
        "series_start_from_min": "floor(min(:a) / :s) * :s",
        "series_start_from_min_whole": "min(:a) - pmod(min(:a), :s)",
        # ---- dynamic (VARIANT) and lists of it (ARRAY<VARIANT>)
        "json_type": _vtype(":d"),
        "query_string_object": (  # a key given twice keeps its last value (mapKeyDedupPolicy=LAST_WIN)
            "CASE WHEN size(filter(split(:q, '&'), p -> p <> '')) = 0 THEN parse_json('{}') ELSE "
            "parse_json(to_json(map_from_entries(transform(filter(split(:q, '&'), p -> p <> ''), "
            "p -> struct(split_part(p, '=', 1), CASE WHEN instr(p, '=') > 0 THEN substr(p, instr(p, '=') + 1) "
            "ELSE '' END))))) END"),
        "url_object": (
            "CASE WHEN NOT :u RLIKE :re THEN parse_json('{}') ELSE parse_json(to_json(named_struct("
            "'Scheme', :scheme, 'Host', :host, 'Port', :port, 'Path', :path, 'Username', :user, "
            "'Password', :password, 'Query Parameters', :params, 'Fragment', :fragment))) END"),
        "url_query_object": "parse_json(to_json(named_struct('Query Parameters', :o)))",
        "bag_unpack_probe": (  # names outside LAMBDA_VARIABLES: this is a query, not a lambda
            f"SELECT kk, collect_set({_vtype('vv')}) FROM (SELECT rn, ex.pos AS pp, ex.key AS kk, ex.value AS vv FROM "
            "(SELECT :bag AS bag, row_number() OVER (ORDER BY monotonically_increasing_id()) AS rn FROM :src) "
            "AS src_rows, LATERAL variant_explode_outer(src_rows.bag) AS ex WHERE ex.key IS NOT NULL) "
            "GROUP BY kk ORDER BY min(rn * 1000000 + pp)"),
        "json_null": "parse_json('null')",
        "json_is_null": "(:x IS NULL OR is_variant_null(:x))",
        "json_is_empty": (
            "(:x IS NULL OR is_variant_null(:x) OR (schema_of_variant(:x) = 'STRING' "
            "AND variant_get(:x, '$', 'string') = ''))"),
        "json_to_text": _text_of(":d"),
        "json_to_kql_text": f"COALESCE({_text_of(':d')}, '')",
        "json_kql_type": (
            "CASE WHEN :d IS NULL OR is_variant_null(:d) THEN 'null' "
            "WHEN try_cast(:d AS ARRAY<VARIANT>) IS NOT NULL THEN 'array' "
            "WHEN try_cast(:d AS MAP<STRING, VARIANT>) IS NOT NULL THEN 'dictionary' "
            "WHEN schema_of_variant(:d) = 'STRING' THEN 'string' "
            "WHEN schema_of_variant(:d) IN ('BIGINT', 'INT', 'SMALLINT', 'TINYINT') THEN 'long' "
            "WHEN schema_of_variant(:d) = 'BOOLEAN' THEN 'bool' ELSE 'real' END"),
        "parse_json": "COALESCE(try_parse_json(:s), CAST(:s AS VARIANT))",
        "text_to_dynamic": (
            "CASE WHEN :s IS NULL OR trim(:s) = '' THEN NULL ELSE COALESCE(try_parse_json(:s), CAST(:s AS VARIANT)) END"),
        "value_to_dynamic": "parse_json(to_json(:x))",
        "text_to_json_or_null": "CASE WHEN :x IS NULL THEN NULL ELSE CAST(:s AS VARIANT) END",
        "json_array_elements": "try_cast(:d AS ARRAY<VARIANT>)",
        "json_array_length": (
            "CASE WHEN try_cast(:d AS ARRAY<VARIANT>) IS NULL THEN NULL "
            "ELSE CAST(size(try_cast(:d AS ARRAY<VARIANT>)) AS BIGINT) END"),
        "json_array_contains": (
            "array_contains(transform(try_cast(:d AS ARRAY<VARIANT>), e -> to_json(e)), to_json(CAST(:v AS VARIANT)))"),
        "json_bag_keys": (
            "CASE WHEN try_cast(:d AS MAP<STRING, VARIANT>) IS NULL THEN NULL "
            "ELSE CAST(map_keys(try_cast(:d AS MAP<STRING, VARIANT>)) AS VARIANT) END"),
        "json_index": (
            "CASE WHEN :i >= 0 THEN get(try_cast(:t AS ARRAY<VARIANT>), CAST(:i AS INT)) "
            "ELSE element_at(try_cast(:t AS ARRAY<VARIANT>), CAST(:i AS INT)) END"),
        "json_member": "try_cast(:t AS MAP<STRING, VARIANT>)[:i]",
        "json_member_empty_key": "try_cast(:t AS MAP<STRING, VARIANT>)['']",
        "json_flatten_arrays": "flatten(transform(:a, e -> COALESCE(try_cast(e AS ARRAY<VARIANT>), array(e))))",
        "json_array_join": (
            "COALESCE(array_join(transform(:l, e -> CASE WHEN e IS NULL OR is_variant_null(e) THEN '' "
            "WHEN schema_of_variant(e) = 'STRING' THEN variant_get(e, '$', 'string') ELSE to_json(e) END), :d), '')"),
        "index_of_text_from": (
            "CASE WHEN (CASE WHEN :i < 0 THEN greatest(length(:a) + :i, 0) ELSE :i END) > length(:a) THEN -1 WHEN :b = '' THEN (CASE WHEN :i < 0 THEN greatest(length(:a) + :i, 0) ELSE :i END) "
            "WHEN instr(substr(:a, (CASE WHEN :i < 0 THEN greatest(length(:a) + :i, 0) ELSE :i END) + 1), :b) = 0 THEN -1 "
            "ELSE instr(substr(:a, (CASE WHEN :i < 0 THEN greatest(length(:a) + :i, 0) ELSE :i END) + 1), :b) - 1 + (CASE WHEN :i < 0 THEN greatest(length(:a) + :i, 0) ELSE :i END) END"),
        "json_list_index_of": (
            "CASE WHEN :l IS NULL THEN NULL ELSE array_position(transform(:l, e -> CAST(e AS STRING)), "
            "CAST(:v AS STRING)) - 1 END"),
        "json_list_reverse": "CAST(reverse(:l) AS VARIANT)",
        "json_list_rotate": (
            "CASE WHEN size(:l) = 0 THEN CAST(:l AS VARIANT) ELSE CAST(concat("
            "slice(:l, pmod(:n, size(:l)) + 1, size(:l) - pmod(:n, size(:l))), "
            "slice(:l, 1, pmod(:n, size(:l)))) AS VARIANT) END"),
        "json_list_sum": (
            "CASE WHEN size(filter(transform(:l, e -> try_variant_get(e, '$', 'double')), x -> x IS NOT NULL)) = 0 "
            "THEN NULL ELSE aggregate(filter(transform(:l, e -> try_variant_get(e, '$', 'double')), x -> x IS NOT NULL), "
            "CAST(0 AS DOUBLE), (acc, x) -> acc + x) END"),
        "json_merge_bags": (
            f"parse_json(to_json(aggregate(reverse(:b), {_EMPTY_BAG}, (acc, e) -> map_concat(acc, "  # first bag wins
            f"COALESCE(try_cast(e AS MAP<STRING, VARIANT>), {_EMPTY_BAG})))))"),
        "json_number_range": (
            "CASE WHEN floor((:b - :a) / :s) < 0 THEN parse_json('[]') ELSE CAST(transform("
            "sequence(0, CAST(floor((:b - :a) / :s) AS BIGINT)), i -> :a + i * :s) AS VARIANT) END"),
        "json_zip": f"CAST(transform({_indexes(':n')}, i -> :p) AS VARIANT)",
        "json_array_iff": (
            f"CAST(transform({_indexes('size(:c)')}, i -> CASE WHEN try_variant_get(get(:c, i), '$', 'boolean') "
            "THEN :t ELSE :f END) AS VARIANT)"),
        "json_list_sort_asc": "CAST(array_sort(:l, (x, y) -> CASE WHEN (x IS NULL OR is_variant_null(x)) AND (y IS NULL OR is_variant_null(y)) THEN 0 WHEN x IS NULL OR is_variant_null(x) THEN 1 WHEN y IS NULL OR is_variant_null(y) THEN -1 WHEN try_variant_get(x, '$', 'double') IS NOT NULL AND try_variant_get(y, '$', 'double') IS NOT NULL THEN 1 * (CASE WHEN try_variant_get(x, '$', 'double') < try_variant_get(y, '$', 'double') THEN -1 WHEN try_variant_get(x, '$', 'double') > try_variant_get(y, '$', 'double') THEN 1 ELSE 0 END) ELSE 1 * (CASE WHEN CAST(x AS STRING) < CAST(y AS STRING) THEN -1 WHEN CAST(x AS STRING) > CAST(y AS STRING) THEN 1 ELSE 0 END) END) AS VARIANT)",
        "json_list_sort_desc": "CAST(array_sort(:l, (x, y) -> CASE WHEN (x IS NULL OR is_variant_null(x)) AND (y IS NULL OR is_variant_null(y)) THEN 0 WHEN x IS NULL OR is_variant_null(x) THEN 1 WHEN y IS NULL OR is_variant_null(y) THEN -1 WHEN try_variant_get(x, '$', 'double') IS NOT NULL AND try_variant_get(y, '$', 'double') IS NOT NULL THEN -1 * (CASE WHEN try_variant_get(x, '$', 'double') < try_variant_get(y, '$', 'double') THEN -1 WHEN try_variant_get(x, '$', 'double') > try_variant_get(y, '$', 'double') THEN 1 ELSE 0 END) ELSE -1 * (CASE WHEN CAST(x AS STRING) < CAST(y AS STRING) THEN -1 WHEN CAST(x AS STRING) > CAST(y AS STRING) THEN 1 ELSE 0 END) END) AS VARIANT)",
        "json_list_slice": (
            "CASE WHEN (CASE WHEN :e < 0 THEN size(:l) + :e ELSE :e END) < (CASE WHEN :s < 0 THEN greatest(size(:l) + :s, 0) "
            "ELSE :s END) THEN parse_json('[]') ELSE CAST(slice(:l, CAST((CASE WHEN :s < 0 THEN "
            "greatest(size(:l) + :s, 0) ELSE :s END) + 1 AS INT), CAST((CASE WHEN :e < 0 THEN size(:l) + :e ELSE :e END) - "
            "(CASE WHEN :s < 0 THEN greatest(size(:l) + :s, 0) ELSE :s END) + 1 AS INT)) AS VARIANT) END"),
        "json_list_filter_positions": "CAST(filter(:l, (e, i) -> :t) AS VARIANT)",
        "list_first_position_is": "array_position(transform(:l, x -> to_json(x)), to_json(:e)) = :i",
        "list_contains_or_empty": "array_contains(transform(COALESCE(:o, array()), x -> to_json(x)), to_json(:e))",
        "list_element_at_i": "get(:l, i)",
        "list_element_at_i_or_json_null": "COALESCE(get(:l, i), parse_json('null'))",
        "list_element": "get(:l, CAST(:i AS INT))",
        "list_head": "slice(:a, 1, CAST(:n AS INT))",
        # ordered by p alone: Spark cannot order a VARIANT
        "list_in_order": ("transform(array_sort(collect_list(named_struct('p', :p, 'v', :v)), "
                          "(a, b) -> CASE WHEN a.p < b.p THEN -1 WHEN a.p > b.p THEN 1 ELSE 0 END), e -> e.v)"),
        "list_length": "size(:l)",
        "list_distinct_first_seen": "transform(array_distinct(transform(:l, e -> to_json(e))), t -> parse_json(t))",
        "unnest_range": f"explode({_indexes(':n')})",
        "unnest_list": "explode(:l)",  # one at a time: Spark has no side-by-side unnest (parallel_unnest)
        "expand_json_keys": "CASE WHEN :t = 'OBJECT' THEN map_keys(CAST(:d AS MAP<STRING, VARIANT>)) ELSE NULL END",
        "texts_as_json_list": "transform(:l, x -> CAST(x AS VARIANT))",  # a list of texts, each a dynamic string
        "no_keys": "CAST(NULL AS ARRAY<STRING>)",
        "expand_json_values": (
            "CASE WHEN :d IS NULL OR :t = 'NULL' THEN array(CAST(NULL AS VARIANT)) "
            "WHEN :t = 'ARRAY' THEN CAST(:d AS ARRAY<VARIANT>) "
            "WHEN :t = 'OBJECT' THEN map_values(CAST(:d AS MAP<STRING, VARIANT>)) ELSE array(:d) END"),
        "json_container_type": _vtype(":d"),
        "json_single_property": "parse_json(to_json(map(:k, :v)))",
        "expand_json_elements_as_arrays": (
            "CASE WHEN :d IS NULL OR :t = 'NULL' THEN array(CAST(NULL AS VARIANT)) "
            "WHEN :t = 'ARRAY' THEN CAST(:d AS ARRAY<VARIANT>) "
            "WHEN :t = 'OBJECT' THEN transform(map_entries(CAST(:d AS MAP<STRING, VARIANT>)), "
            "e -> CAST(array(CAST(e.key AS VARIANT), e.value) AS VARIANT)) ELSE array(:d) END"),
        # functions added with the issue-12 function batch
        # Java's << and >> on a long keep the low 6 bits of the shift: value << (shift % 64), wrapping
        "shift_left_64": "CASE WHEN :n < 0 THEN NULL ELSE shiftleft(:x, CAST(:n % 64 AS INT)) END",
        "shift_right_64": "CASE WHEN :n < 0 THEN NULL ELSE shiftright(:x, CAST(:n % 64 AS INT)) END",
        # RE2::QuoteMeta: every character but [A-Za-z0-9_] and non-ASCII gets a backslash
        "regex_quote_meta": r"regexp_replace(:s, '([^A-Za-z0-9_\\x{80}-\\x{10FFFF}])', '\\\\$1')",
        "translate_chars": (
            "translate(:s, :a, CASE WHEN :b = '' THEN '' ELSE rpad(:b, CAST(greatest(length(:a), length(:b)) AS INT), right(:b, 1)) END)"),
        "url_encode_form": (
            "array_join(transform(split(:s, ''), e -> CASE WHEN e RLIKE '^[A-Za-z0-9_.!*()-]$' THEN e WHEN e = ' ' "
            "THEN '+' ELSE regexp_replace(lower(hex(encode(e, 'UTF-8'))), '(..)', '%$1') END), '')"),
        "url_encode_component": (
            "array_join(transform(split(:s, ''), e -> CASE WHEN e RLIKE '^[A-Za-z0-9_.!*()-]$' THEN e "
            "ELSE regexp_replace(lower(hex(encode(e, 'UTF-8'))), '(..)', '%$1') END), '')"),
        "hex_of_long": "lower(hex(:x))",
        "zero_pad_left": "CASE WHEN length(:s) < :n THEN lpad(:s, CAST(:n AS INT), '0') ELSE :s END",
        "json_repeat": "CASE WHEN :n < 0 THEN NULL ELSE CAST(array_repeat(:v, CAST(:n AS INT)) AS VARIANT) END",
        "unix_micros_to_datetime": ":x * 10 + 621355968000000000",
        "unix_nanos_to_datetime": "(:x - pmod(:x, 100)) DIV 100 + 621355968000000000",
        "is_valid_utf8": "is_valid_utf8(:s)",
        # dynamic, parsing and hash functions (issue 12, second batch)
        "json_bag_without": (
            "CASE WHEN try_cast(:b AS MAP<STRING, VARIANT>) IS NOT NULL THEN parse_json(to_json(map_filter("
            "try_cast(:b AS MAP<STRING, VARIANT>), (k, v) -> NOT array_contains(:names, k)))) ELSE NULL END"),
        "json_bag_replace": (
            "CASE WHEN try_cast(:b AS MAP<STRING, VARIANT>) IS NOT NULL THEN parse_json(to_json(transform_values("
            "try_cast(:b AS MAP<STRING, VARIANT>), (k, v) -> CASE WHEN k = :key THEN COALESCE(CAST(:value AS VARIANT), "
            "parse_json('null')) ELSE v END))) ELSE :b END"),
        "json_bag_set": (  # mapKeyDedupPolicy=LAST_WIN: a key there keeps its place and takes the new value
            "CASE WHEN try_cast(:b AS MAP<STRING, VARIANT>) IS NOT NULL THEN parse_json(to_json(map_concat("
            "try_cast(:b AS MAP<STRING, VARIANT>), map(:key, COALESCE(CAST(:value AS VARIANT), parse_json('null')))))) "
            "ELSE NULL END"),
        "json_bag_or_empty": "CASE WHEN try_cast(:d AS MAP<STRING, VARIANT>) IS NOT NULL THEN :d ELSE parse_json('{}') END",
        "json_bag_or_self": "CASE WHEN try_cast(:d AS MAP<STRING, VARIANT>) IS NOT NULL THEN :n ELSE :d END",
        "json_bag_zip": (  # LAST_WIN: a repeated key keeps its first place and takes its last value
            "CASE WHEN try_cast(:k AS ARRAY<VARIANT>) IS NOT NULL AND try_cast(:v AS ARRAY<VARIANT>) IS NOT NULL "
            "THEN parse_json(to_json(map_from_entries(filter(transform(try_cast(:k AS ARRAY<VARIANT>), (e, i) -> "
            "struct(CASE WHEN schema_of_variant(e) = 'STRING' THEN variant_get(e, '$', 'string') END AS key, "
            "COALESCE(get(try_cast(:v AS ARRAY<VARIANT>), i), parse_json('null')) AS value)), x -> x.key IS NOT NULL)))) "
            "ELSE NULL END"),
        # a fold over the characters (base.command_line_fold)
        "split_command_line_windows": (
            "CAST(aggregate(filter(split(:s, ''), x -> x <> ''), named_struct('args', CAST(array() AS ARRAY<STRING>), "
            f"'cur', '', 'ph', 0, 'qc', 0, 'bc', 0, 'qr', FALSE), (acc, x) -> {_COMMAND_LINE_STEP}, "
            "r -> CASE WHEN r.ph IN (1, 2, 4) THEN concat(r.args, array(r.cur)) ELSE r.args END) AS VARIANT)"),
        "split_csv_record": (  # a fold over the characters (base.csv_fold)
            "CAST(aggregate(filter(split(:s, ''), x -> x <> ''), named_struct('fields', CAST(array() AS ARRAY<STRING>), "
            f"'cur', '', 'ph', 0), (acc, x) -> {_CSV_STEP}, r -> concat(r.fields, array(r.cur))) AS VARIANT)"),
        # IP functions (issue 12, second batch)
        "ipv4_mask": ":a - :a % CAST(pow(2, 32 - :n) AS BIGINT)",
        "ipv4_number_to_text": _IPV4_TO_TEXT,
        "ipv4_is_text": f":s RLIKE '^{ipx.IPV4}$'",
        "ipv4_is_prefix_text": f":s RLIKE '^({ipx.IPV4_PREFIX}|{ipx.IPV4})$'",
        # the IPv4 addresses of a text: runs of letters, digits and dots that are whole addresses
        "ipv4_tokens": f"filter(regexp_extract_all(:s, '[\\\\p{{L}}\\\\p{{N}}.]+', 0), x -> x RLIKE '^{ipx.IPV4}$')",
        "text_list_contains": "array_contains(:l, :v)",
        "text_list_any_prefix": "exists(:l, x -> left(x, length(:p)) = :p)",
        # the fewest CIDR blocks covering numbers :s to :e: at each block size, at most one block at each end
        "ipv4_range_cidrs_json": (
            "CASE WHEN :s IS NULL OR :e IS NULL THEN NULL ELSE CAST(transform(array_sort(filter(flatten("
            f"transform(sequence(0, 32), k -> array({_cidr_block(_CIDR_LO)}, CASE WHEN {_CIDR_HI} <> {_CIDR_LO} THEN "
            f"{_cidr_block(_CIDR_HI)} END))), x -> x IS NOT NULL)), x -> {_IPV4_TO_TEXT.replace(':a', '(x DIV 64)')} "
            "|| '/' || CAST(x % 64 AS STRING)) AS VARIANT) END"),
        # IPv6 or IPv4 text (trimmed) as its 128 bits ('0'/'1' text); IPv4 as the IPv4-mapped address
        "ipv6_bits": (
            f"transform(array(lower(:s)), v -> CASE WHEN NOT v RLIKE '{ipx.WITH_PREFIX}' THEN NULL "
            f"WHEN split_part(v, '/', 1) RLIKE '{ipx.IPV4_IN_IPV6}' THEN '{ipx.MAPPED_BITS}' || "
            f"array_join(transform(split(regexp_extract(split_part(v, '/', 1), '{ipx.IPV4}$', 0), '[.]'), "
            "x -> lpad(bin(CAST(x AS BIGINT)), 8, '0')), '') "
            f"ELSE transform(array(transform(array({_IPV6_EMBEDDED}), l -> {_IPV6_EXPAND})[0]), f -> CASE WHEN "
            f"f RLIKE '{ipx.IPV6_GROUPS}' THEN array_join(transform(split(f, ':'), "
            "y -> lpad(conv(y, 16, 2), 16, '0')), '') END)[0] END)[0]"),
        # the prefix length of IPv6 or IPv4 text in bits of the IPv6 address (an IPv4 /n is 96 + n)
        "ipv6_prefix": (
            f"CASE WHEN NOT contains(:s, '/') THEN 128 WHEN lower(split_part(:s, '/', 1)) RLIKE "
            f"'{ipx.IPV4_IN_IPV6}' THEN 96 + least(TRY_CAST(split_part(:s, '/', 2) AS BIGINT), 32) "
            "ELSE least(TRY_CAST(split_part(:s, '/', 2) AS BIGINT), 128) END"),
        # the first :n of the 128 bits :b, zero-filled, as Kusto's canonical text (eight 4-digit groups)
        "ipv6_bits_to_text": (
            "CASE WHEN :b IS NULL OR :n IS NULL THEN NULL ELSE transform(array(rpad(left(:b, CAST(:n AS INT)), 128, '0')), "
            "t -> array_join(transform(sequence(0, 7), i -> lpad(lower(conv(substr(t, i * 16 + 1, 16), 2, 16)), 4, '0')), "
            "':'))[0] END"),
        # ---- the third function batch: format_bytes, parse_path, parse_version, base64 of guids
        "format_bytes": format_bytes_shape("transform(array({v}), k -> {body})[0]", "array({names})[{k}]",
                                           "format_string({f}, {v})"),
        "path_object": ("parse_json(to_json(named_struct('Scheme', :scheme, 'RootPath', :root, 'DirectoryPath', :dir, "
                        "'DirectoryName', CASE WHEN :dname = :root THEN '' ELSE :dname END, 'Filename', :file, "
                        "'Extension', :ext, 'AlternateDataStreamName', :stream)))"),
        # the parts, each padded to 8 digits, read as one number of up to 32 digits
        "parse_version": ("CASE WHEN :s RLIKE :re THEN CAST(split_part(:s, '.', 1) || "
                          "lpad(COALESCE(NULLIF(split_part(:s, '.', 2), ''), '0'), 8, '0') || "
                          "lpad(COALESCE(NULLIF(split_part(:s, '.', 3), ''), '0'), 8, '0') || "
                          "lpad(COALESCE(NULLIF(split_part(:s, '.', 4), ''), '0'), 8, '0') AS DECIMAL(38, 0)) END"),
        "guid_to_base64": (f"COALESCE(transform(array(replace(:g, '-', '')), "
                           f"t -> base64(unhex({GUID_HEX_TO_BYTES})))[0], '')"),
        "base64_to_guid": (f"transform(array(hex(try_to_binary(:s, 'base64'))), t -> CASE WHEN length(t) = 32 THEN "
                           f"{GUID_BYTES_TO_TEXT} END)[0]"),
        # XXH64 (hash, hash_xxhash64): of text's UTF-8 bytes, of a 64-bit value's 8 bytes
        "xxh64_text": xxh64_hex_shape(_SparkWords()).replace(":h", "hex(encode(:s, 'UTF-8'))"),
        "xxh64_long": xxh64_long_shape(_SparkWords()),
        # a hash modulo :m, the hash read as an unsigned number (0 to :m - 1, as the documentation says)
        "hash_modulo": "CAST((CAST(:x AS DECIMAL(20, 0)) + 18446744073709551616) % 18446744073709551616 % :m AS BIGINT)",
    }
