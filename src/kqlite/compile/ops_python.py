"""evaluate python(): the query's Python script run on its input rows, in this process, when the connection allows
it (`connect(allow_python=True)`, `kqlite query --allow-python`); refused otherwise.

`T | evaluate python(typeof(*, Name:type, ...), script [, kargs])`, as in Kusto: the script sees the input as a
pandas DataFrame `df` and the dynamic bag `kargs`, and leaves its output in the DataFrame `result`, whose columns
the schema names (`*`: the input's). Kusto runs the script in a sandbox on the cluster; kqlite runs it here,
where it can do whatever the user can, hence the opt-in. The input is read with one query, the script runs, and
its rows become a relation of the engine, typed as the schema says.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.env import Env
from kqlite.compile.scope import Column, Relation, col_ref
from kqlite.compile.types import normalize_type
from kqlite.errors import KqlError
from kqlite.syntax import ast
from kqlite.ticks import TICKS_PER_SECOND, datetime_ticks

HOW_TO_ALLOW = ("python() runs the query's script on this machine: allow it with connect(allow_python=True) or "
                "`kqlite query --allow-python`")
# the Arrow type each KQL type's values travel back to the engine as (datetime and timespan as ticks)
ARROW_TYPES = {"long": "int64", "int": "int32", "real": "float64", "bool": "bool_", "string": "string",
          "datetime": "int64", "timespan": "int64", "dynamic": "string", "guid": "string", "decimal": "float64"}


class PythonPlugin:
    def python_plugin(self, plugin: ast.Call, rel: Relation, env: Env) -> Relation:
        if not self.ctx.allow_python:
            raise self.semantic("evaluate python() is not allowed on this connection", plugin.pos, HOW_TO_ALLOW)
        args = plugin.args
        if not 2 <= len(args) <= 3 or not isinstance(args[0], ast.SchemaOf | ast.TypeOf):
            raise self.semantic("python(typeof(*, Name:type, ...), script [, kargs]) takes an output schema, a "
                                "script and optional parameters", plugin.pos)
        columns = self.python_schema(args[0], rel)
        c = self.exprs(env, None)
        script = c.compile(args[1])
        if not (script.is_const and isinstance(script.const, str)):
            raise self.semantic("python()'s script must be a constant string", args[1].pos)
        kargs: Any = {}
        if len(args) == 3:
            given = c.compile(args[2])
            if given.type != "dynamic" or not given.is_const or not isinstance(given.const, dict | type(None)):
                raise self.semantic("python()'s parameters must be a constant dynamic bag", args[2].pos)
            kargs = given.const or {}
        if self.probe is None or self.ctx.register_rows is None:
            raise self.unsupported("python() without data to run on", plugin.pos)
        frame = self.python_input(rel, env)
        result = run_script(script.const, frame, kargs, plugin, self.text)
        table = self.ctx.register_rows(output_table(result, columns, self.text, plugin.pos))
        select = exp.Select().select(*[exp.alias_(self.engine_value(col_ref(col.name), col.type), col.name, quoted=True)
                                       for col in columns], copy=False).from_(table, copy=False)
        return self.step(select, columns)

    def python_schema(self, node: ast.Expr, rel: Relation) -> list[Column]:
        pairs = node.columns if isinstance(node, ast.SchemaOf) else []
        columns: list[Column] = []
        for name, type_name in pairs:
            if name == "*":
                columns += [col for col in rel.columns if all(col.name != c.name for c in columns)]
                continue
            kql_type = normalize_type(type_name)
            if kql_type is None:
                raise self.semantic(f"python(): unknown type '{type_name}' for column '{name}'", node.pos)
            columns = [col for col in columns if col.name != name] + [Column(name, kql_type)]
        if not columns:
            raise self.semantic("python() needs its output schema: typeof(*, Name:type, ...)", node.pos)
        return columns

    def python_input(self, rel: Relation, env: Env):
        """The input rows as a pandas DataFrame: datetimes as UTC datetime64, timespans as timedelta64, dynamic
        values parsed (Kusto's sandbox gives them so)."""
        try:
            import pandas as pd
        except ImportError:
            raise KqlError("python() needs pandas: pip install 'kqlite[pandas]'") from None
        from kqlite.result import _convert

        values = [self.dialect.shape("json_text", d=col_ref(col.name)) if col.type == "dynamic" else col_ref(col.name)
                  for col in rel.columns]
        select = self.select_from(rel).select(*[exp.alias_(v, f"c{i}", quoted=True) for i, v in enumerate(values)],
                                              copy=False)
        rows = self.probe(self.with_ctes(select))
        data = {col.name: [_convert(row[i], col.type) for row in rows] for i, col in enumerate(rel.columns)}
        frame = pd.DataFrame(data, columns=[col.name for col in rel.columns])
        for col in rel.columns:
            if col.type == "datetime":
                frame[col.name] = pd.to_datetime(frame[col.name], utc=True).dt.tz_localize(None)
            elif col.type == "timespan":
                frame[col.name] = pd.to_timedelta(frame[col.name])
        return frame

    def engine_value(self, column: exp.Expression, kql_type: str) -> exp.Expression:
        if kql_type == "dynamic":
            return self.dialect.shape("parse_json", s=column)
        if kql_type == "string":
            return sb.coalesce(sb.cast(column, "string"), sb.string(""))
        return sb.cast(column, kql_type)


def run_script(script: str, frame: Any, kargs: dict, plugin: ast.Call, text: str):
    """The script's `result` DataFrame (errors in the script name its line)."""
    import numpy as np
    import pandas as pd

    scope: dict[str, Any] = {"df": frame, "kargs": kargs, "pd": pd, "np": np, "__name__": "__kqlite_python__"}
    try:
        exec(compile(script, "<python() script>", "exec"), scope)  # noqa: S102 - the user's opt-in
    except Exception as error:  # noqa: BLE001 - any failure of the user's script
        line = getattr(error, "lineno", None) or _script_line(error)
        where = f" (line {line} of the script)" if line else ""
        raise KqlError(f"python() script failed{where}: {type(error).__name__}: {error}") from None
    result = scope.get("result")
    if not isinstance(result, pd.DataFrame):
        raise KqlError("python() script must leave its output in `result`, a pandas DataFrame")
    return result


def _script_line(error: BaseException) -> int | None:
    tb = error.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<python() script>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def output_table(result: Any, columns: list[Column], text: str, pos: int):
    """The script's result as an Arrow table of the schema's columns in engine form (ticks, JSON text)."""
    import pyarrow as pa

    missing = [col.name for col in columns if col.name not in result.columns]
    if missing:
        raise KqlError(f"python() script's result has no column {', '.join(missing)} (the schema names it); "
                       f"it has {', '.join(map(str, result.columns))}")
    arrays = []
    for col in columns:
        values = [engine_cell(v, col.type, col.name) for v in result[col.name].tolist()]
        arrays.append(pa.array(values, getattr(pa, ARROW_TYPES[col.type])()))
    return pa.Table.from_arrays(arrays, names=[col.name for col in columns])


def engine_cell(value: Any, kql_type: str, name: str) -> Any:
    """One cell of the script's result as the engine keeps that type."""
    if _missing(value):
        return None
    try:
        if kql_type == "datetime":
            moment = value.to_pydatetime() if hasattr(value, "to_pydatetime") else value
            if isinstance(moment, datetime):
                moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
                extra = getattr(value, "nanosecond", 0) // 100
                return datetime_ticks(moment) + extra
            raise TypeError(f"not a datetime: {value!r}")
        if kql_type == "timespan":
            if hasattr(value, "value"):  # pandas Timedelta: nanoseconds
                return int(value.value) // 100
            if isinstance(value, timedelta):
                return (value.days * 86_400 + value.seconds) * TICKS_PER_SECOND + value.microseconds * 10
            raise TypeError(f"not a timespan: {value!r}")
        if kql_type == "dynamic":
            return json.dumps(value, default=_plain, separators=(",", ":"))
        if kql_type in ("long", "int"):
            return int(value)
        if kql_type in ("real", "decimal"):
            return float(value)
        if kql_type == "bool":
            return bool(value)
        return str(value)
    except (TypeError, ValueError, OverflowError) as error:
        raise KqlError(f"python() result column {name}: {error}") from None


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        import pandas as pd

        return bool(pd.isna(value)) if not isinstance(value, list | dict | tuple) else False
    except (TypeError, ValueError):
        return isinstance(value, float) and math.isnan(value)


def _plain(value: Any) -> Any:
    """numpy and pandas values json.dumps does not know, as plain Python."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
