"""evaluate python(): the query's script on its input rows, only on a connection that allows it; the
documentation's example, every type there and back, and the errors, on both engines."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

import kqlite

SINE = ("range x from 1 to 360 step 1 | evaluate python(typeof(*, fx:double), "
        "'result = df\\nn = df.shape[0]\\ng = kargs[\"gain\"]\\nf = kargs[\"cycles\"]\\n"
        "result[\"fx\"] = g * np.sin(df[\"x\"]/n*2*np.pi*f)', dynamic({'gain': 100, 'cycles': 4}))"
        " | where x in (1, 45, 90, 360)")


@pytest.fixture(scope="module")
def allowed(connect_backend):
    connection = connect_backend(allow_python=True)
    yield connection
    connection.close()


def test_the_documented_sine_wave(allowed):
    rows = sorted(allowed.query(SINE).rows())
    assert [x for x, _ in rows] == [1, 45, 90, 360]
    for x, fx in rows:
        assert fx == pytest.approx(100 * math.sin(x / 360 * 2 * math.pi * 4), abs=1e-9)


def test_every_type_goes_to_pandas_and_back(allowed):
    script = ("result = df\\nresult['later'] = df['t'] + pd.Timedelta(minutes=kargs['m'])\\n"
              "result['span'] = result['later'] - df['t']\\nresult['bag'] = [{'k': int(v), 'ok': True} for v in df['x']]\\n"
              "result['name'] = df['s'].str.upper()\\nresult['flag'] = df['x'] % 2 == 0\\nresult['n'] = df['d'].map(lambda b: b['x'] * 10)")
    query = ("range x from 1 to 3 step 1 | extend t = datetime(2024-01-01) + x * 1h, d = pack('x', x), s = strcat('a', x)"
             f" | evaluate python(typeof(x:long, later:datetime, span:timespan, bag:dynamic, name:string, flag:bool, n:int),"
             f" \"{script}\", dynamic({{'m': 30}}))")
    result = allowed.query(query)
    assert result.types == ["long", "datetime", "timespan", "dynamic", "string", "bool", "int"]
    assert sorted(result.rows()) == [
        (x, datetime(2024, 1, 1, x, 30, tzinfo=UTC), timedelta(minutes=30), {"k": x, "ok": True}, f"A{x}", x % 2 == 0,
         x * 10) for x in (1, 2, 3)]


def test_python_is_refused_unless_the_connection_allows_it(connect_backend):
    connection = connect_backend()
    with pytest.raises(kqlite.KqlSemanticError, match="not allowed") as refused:
        connection.query("print x = 1 | evaluate python(typeof(*), 'result = df')")
    assert "allow_python=True" in str(refused.value) and "--allow-python" in str(refused.value)


def test_errors_name_the_script_line_and_the_missing_column(allowed):
    with pytest.raises(kqlite.KqlError, match="line 2 of the script.*ZeroDivisionError"):
        allowed.query("print x = 1 | evaluate python(typeof(*), 'result = df\\ny = 1 / 0')")
    with pytest.raises(kqlite.KqlError, match="no column fx"):
        allowed.query("print x = 1 | evaluate python(typeof(*, fx:real), 'result = df')")
    with pytest.raises(kqlite.KqlError, match="`result`"):
        allowed.query("print x = 1 | evaluate python(typeof(*), 'x = 1')")


def test_the_command_line_flag():
    import json

    from click.testing import CliRunner

    from kqlite.cli import main

    query = "print x = 2 | evaluate python(typeof(*, y:long), 'result = df\\nresult[\"y\"] = df[\"x\"] * 21')"
    ran = CliRunner().invoke(main, ["query", "--allow-python", "--format", "json", query])
    assert ran.exit_code == 0, ran.output
    assert [json.loads(line) for line in ran.output.splitlines() if line.startswith("{")] == [{"x": 2, "y": 42}]
    refused = CliRunner().invoke(main, ["query", "--format", "json", query])
    assert refused.exit_code != 0 and "--allow-python" in refused.output
