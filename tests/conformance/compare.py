"""Compare a kqlite result with a result recorded on the real Kusto engine.

The case format and the comparison rules are in ``shared/conformance/README.md``. This module knows
nothing of kqlite's compiler: ``compare_result`` works on plain Python values, and only ``run_case``
imports kqlite (lazily), so the comparison rules can be unit-tested on their own.

Choices the README leaves open:

* kqlite types map onto Kusto's families: ``int``/``long`` -> Int, ``real``/``decimal`` -> Real
  (the recordings have no decimal family), ``bool`` -> Bool, ``string`` -> String, ``datetime``
  -> DateTime, ``timespan`` -> TimeSpan, ``guid`` -> Guid, ``dynamic`` -> Dynamic. Any other type name
  is a mismatch.
* Reals match when ``%.9g`` prints them alike or they differ by at most one part in 1e9; ``-0.0``
  equals ``0.0``; ``"NaN"``/``"Infinity"``/``"-Infinity"`` match the float values.
* DateTime and TimeSpan are compared in 100 ns ticks. Python keeps microseconds, so when the expected
  value has sub-microsecond digits (``23:59:59.9999999``) any value less than 1 µs away matches
  (truncation and rounding both pass); otherwise the match is exact. A datetime must be UTC-aware.
* Inside dynamic values a long and a real are different values (``1`` does not match ``1.0``):
  Kusto keeps the distinction and prints it. Object keys are compared as sets, arrays in order,
  ``True`` is not ``1``.
* Int, Bool and String cells must be of the matching Python type (``True`` is not an Int, ``0`` is
  not a Bool, ``None`` is not a string).
* Rows are compared as a multiset (a maximum matching, so tolerant comparisons cannot pair one row
  twice), in order when the last top-level operator of the query is ``sort``/``order``/``top``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import math
import re
import signal
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TICKS_PER_SECOND = 10_000_000
TICKS_PER_DAY = 86_400 * TICKS_PER_SECOND
TICKS_PER_MICROSECOND = 10

KQL_TYPE_FAMILY = {
    "int": "Int",
    "long": "Int",
    "real": "Real",
    "decimal": "Real",
    "bool": "Bool",
    "string": "String",
    "datetime": "DateTime",
    "timespan": "TimeSpan",
    "guid": "Guid",
    "dynamic": "Dynamic",
}

ORDERED_OPERATORS = frozenset({"sort", "order", "top"})

_SPECIAL_REALS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
_DATETIME_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?Z")
_TIMESPAN_RE = re.compile(r"(-)?(?:(\d+)\.)?(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?")
_EPOCH = dt.datetime(1, 1, 1)


# --- types -------------------------------------------------------------------------------------


def type_family(kql_type: str) -> str | None:
    """The Kusto type family of a kqlite type name, or None for a name kqlite should never report."""
    return KQL_TYPE_FAMILY.get(kql_type) if isinstance(kql_type, str) else None


# --- ticks ---------------------------------------------------------------------------------------


def _fraction_ticks(digits: str | None) -> int:
    return int((digits or "").ljust(7, "0"))


def parse_datetime_ticks(text: str) -> int:
    """Ticks since 0001-01-01 of a recorded DateTime such as ``2007-01-01T00:00:00.0000000Z``."""
    match = _DATETIME_RE.fullmatch(text)
    if match is None:
        raise ValueError(f"not a recorded DateTime: {text!r}")
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    days = dt.date(year, month, day).toordinal() - 1
    seconds = hour * 3600 + minute * 60 + second
    return days * TICKS_PER_DAY + seconds * TICKS_PER_SECOND + _fraction_ticks(match.group(7))


def parse_timespan_ticks(text: str) -> int:
    """Ticks of a recorded TimeSpan such as ``-1.02:30:00`` or ``00:00:00.0010000``."""
    match = _TIMESPAN_RE.fullmatch(text)
    if match is None:
        raise ValueError(f"not a recorded TimeSpan: {text!r}")
    sign, days, hours, minutes, seconds, fraction = match.groups()
    total = (
        int(days or 0) * 86_400 + int(hours) * 3600 + int(minutes) * 60 + int(seconds)
    ) * TICKS_PER_SECOND
    total += _fraction_ticks(fraction)
    return -total if sign else total


def datetime_ticks(value: dt.datetime) -> int:
    """Ticks since 0001-01-01 UTC of an aware datetime."""
    naive = value.astimezone(dt.UTC).replace(tzinfo=None)
    return timedelta_ticks(naive - _EPOCH)


def timedelta_ticks(value: dt.timedelta) -> int:
    return (
        value.days * 86_400 + value.seconds
    ) * TICKS_PER_SECOND + value.microseconds * TICKS_PER_MICROSECOND


def ticks_match(expected: int, actual: int) -> bool:
    """Exact, except that a sub-microsecond expected value matches anything less than 1 µs away."""
    if expected % TICKS_PER_MICROSECOND == 0:
        return expected == actual
    return abs(expected - actual) < TICKS_PER_MICROSECOND


# --- scalar values --------------------------------------------------------------------------------


def reals_match(expected: float, actual: float) -> bool:
    """Equal to 9 significant digits; NaN matches NaN, infinities match by sign, -0.0 matches 0.0."""
    if math.isnan(expected) or math.isnan(actual):
        return math.isnan(expected) and math.isnan(actual)
    if math.isinf(expected) or math.isinf(actual):
        return expected == actual
    if expected == actual or f"{expected:.9g}" == f"{actual:.9g}":
        return True
    return math.isclose(expected, actual, rel_tol=1e-9, abs_tol=0.0)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool)


def _show(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _mismatch(expected: Any, actual: Any) -> str:
    return f"expected {_show(expected)}, got {_show(actual)}"


def _compare_int(expected: Any, actual: Any) -> str | None:
    if not _is_int(actual) or actual != expected:
        return _mismatch(expected, actual)
    return None


def _compare_real(expected: Any, actual: Any) -> str | None:
    want = _SPECIAL_REALS.get(expected, expected) if isinstance(expected, str) else expected
    if not _is_number(actual) or not _is_number(want) or not reals_match(float(want), float(actual)):
        return _mismatch(expected, actual)
    return None


def _compare_bool(expected: Any, actual: Any) -> str | None:
    if not isinstance(actual, bool) or actual != expected:
        return _mismatch(expected, actual)
    return None


def _compare_string(expected: Any, actual: Any) -> str | None:
    if not isinstance(actual, str) or actual != expected:
        return _mismatch(expected, actual)
    return None


def _compare_datetime(expected: Any, actual: Any) -> str | None:
    if not isinstance(actual, dt.datetime):
        return _mismatch(expected, actual)
    if actual.tzinfo is None or actual.utcoffset() != dt.timedelta(0):
        return (
            f"expected the UTC datetime {expected}, got {_show(actual)} (kqlite returns UTC-aware datetimes)"
        )
    if not ticks_match(parse_datetime_ticks(expected), datetime_ticks(actual)):
        return _mismatch(expected, actual)
    return None


def _compare_timespan(expected: Any, actual: Any) -> str | None:
    if not isinstance(actual, dt.timedelta) or not ticks_match(
        parse_timespan_ticks(expected), timedelta_ticks(actual)
    ):
        return _mismatch(expected, actual)
    return None


def _compare_guid(expected: Any, actual: Any) -> str | None:
    if not isinstance(actual, str | uuid.UUID) or str(actual).lower() != str(expected).lower():
        return _mismatch(expected, actual)
    return None


def compare_dynamic(expected: Any, actual: Any, path: str = "$") -> str | None:
    """Compare JSON values: arrays in order, objects by key set, long and real kept apart."""
    if expected is None or isinstance(expected, bool | str):
        same = type(actual) is type(expected) and actual == expected
    elif isinstance(expected, int):
        same = _is_int(actual) and actual == expected
    elif isinstance(expected, float):
        same = isinstance(actual, float) and reals_match(expected, actual)
    elif isinstance(expected, list):
        return _compare_dynamic_array(expected, actual, path)
    elif isinstance(expected, dict):
        return _compare_dynamic_object(expected, actual, path)
    else:
        same = False
    return None if same else f"at {path}: {_mismatch(expected, actual)}"


def _compare_dynamic_array(expected: list, actual: Any, path: str) -> str | None:
    if not isinstance(actual, list | tuple) or len(actual) != len(expected):
        return f"at {path}: {_mismatch(expected, actual)}"
    for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
        problem = compare_dynamic(want, got, f"{path}[{index}]")
        if problem:
            return problem
    return None


def _compare_dynamic_object(expected: dict, actual: Any, path: str) -> str | None:
    if not isinstance(actual, dict) or set(actual) != set(expected):
        return f"at {path}: {_mismatch(expected, actual)}"
    for key, want in expected.items():
        problem = compare_dynamic(want, actual[key], f"{path}.{key}")
        if problem:
            return problem
    return None


_VALUE_COMPARERS: dict[str, Callable[[Any, Any], str | None]] = {
    "Int": _compare_int,
    "Real": _compare_real,
    "Bool": _compare_bool,
    "String": _compare_string,
    "DateTime": _compare_datetime,
    "TimeSpan": _compare_timespan,
    "Guid": _compare_guid,
    "Dynamic": compare_dynamic,
}


def compare_value(family: str, expected: Any, actual: Any) -> str | None:
    """None when ``actual`` (a kqlite value) matches the recorded cell, else what differs."""
    if expected is None:
        return None if actual is None else _mismatch(None, actual)
    return _VALUE_COMPARERS[family](expected, actual)


def compare_row(
    families: Sequence[str], names: Sequence[str], expected: Sequence, actual: Sequence
) -> str | None:
    if not isinstance(actual, Sequence) or len(actual) != len(expected):
        return f"expected a row of {len(expected)} values, got {_show(actual)}"
    for family, name, want, got in zip(families, names, expected, actual, strict=True):
        problem = compare_value(family, want, got)
        if problem:
            return f"column {name}: {problem}"
    return None


# --- results ----------------------------------------------------------------------------------------


def compare_result(
    expect: dict, columns: Sequence[str], types: Sequence[str], rows: Sequence[Sequence], ordered: bool
) -> str | None:
    """None when kqlite's columns, types and rows match the recording, else a one-paragraph reason."""
    names = [name for name, _ in expect["columns"]]
    families = [family for _, family in expect["columns"]]
    if list(columns) != names:
        return f"columns differ: expected {names}, got {list(columns)}"
    actual_families = [type_family(t) for t in types]
    if actual_families != families:
        wrong = [
            f"{name}: expected {want}, got {got!r}"
            for name, want, got in zip(names, families, types, strict=False)
            if type_family(got) != want
        ]
        return "column types differ: " + "; ".join(
            wrong or [f"expected {len(names)} types, got {list(types)}"]
        )
    expected_rows = expect["rows"]
    if len(rows) != len(expected_rows):
        return f"expected {len(expected_rows)} rows, got {len(rows)}: {_show(list(rows))}"
    if ordered:
        return _compare_ordered(families, names, expected_rows, rows)
    return _compare_multiset(families, names, expected_rows, rows)


def _compare_ordered(families, names, expected_rows, rows) -> str | None:
    for index, (want, got) in enumerate(zip(expected_rows, rows, strict=True)):
        problem = compare_row(families, names, want, got)
        if problem:
            if _compare_multiset(families, names, expected_rows, rows) is None:
                return f"the rows match but their order differs (first at row {index}): expected {_show(want)}, got {_show(got)}"
            return f"row {index}: {problem}"
    return None


def _compare_multiset(families, names, expected_rows, rows) -> str | None:
    candidates = [
        [j for j, got in enumerate(rows) if compare_row(families, names, want, got) is None]
        for want in expected_rows
    ]
    owner: dict[int, int] = {}  # actual row -> expected row (Kuhn's augmenting paths)

    def place(i: int, seen: set[int]) -> bool:
        for j in candidates[i]:
            if j not in seen:
                seen.add(j)
                if j not in owner or place(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    unmatched = [i for i in range(len(expected_rows)) if not place(i, set())]
    if not unmatched:
        return None
    missing = [expected_rows[i] for i in unmatched]
    extra = [rows[j] for j in range(len(rows)) if j not in owner]
    if len(missing) == 1 and len(extra) == 1:  # one row pair: name the column that differs
        return f"the row differs: {compare_row(families, names, missing[0], extra[0])}"
    return f"expected rows not found: {_show(missing, 300)}; kqlite rows left over: {_show(extra, 300)}"


# --- queries ------------------------------------------------------------------------------------------


def _skip_string(text: str, start: int) -> int:
    """Index just past the string literal starting at ``start`` (a quote, ``@`` or triple backtick)."""
    if text.startswith("```", start):
        end = text.find("```", start + 3)
        return len(text) if end < 0 else end + 3
    verbatim = text[start] == "@"
    quote_at = start + 1 if verbatim else start
    quote = text[quote_at]
    i = quote_at + 1
    while i < len(text):
        char = text[i]
        if char == "\\" and not verbatim:
            i += 2
            continue
        if char == quote:
            if verbatim and text.startswith(quote, i + 1):  # @"a""b": doubled quote
                i += 2
                continue
            return i + 1
        i += 1
    return len(text)


def code_only(query: str) -> str:
    """The query with comments blanked and string literals replaced by ``_``, character for character."""
    out: list[str] = []
    i, n = 0, len(query)
    while i < n:
        char = query[i]
        if query.startswith("//", i):
            end = query.find("\n", i)
            end = n if end < 0 else end
            out.append(" " * (end - i))
        elif (
            char in "'\""
            or query.startswith("```", i)
            or (char == "@" and query[i + 1 : i + 2] in ("'", '"'))
        ):
            end = _skip_string(query, i)
            out.append("_" * (end - i))
        else:
            end = i + 1
            out.append(char)
        i = end
    return "".join(out)


def top_level_segments(query: str) -> list[str]:
    """The ``|``-separated segments of the query's last statement (outside strings, comments, brackets),
    with comments blanked and string literals replaced by ``_``."""
    code = code_only(query)
    statements: list[list[str]] = [[]]
    depth, start = 0, 0
    for i, char in enumerate(code):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(0, depth - 1)
        elif depth == 0 and char in "|;":
            statements[-1].append(code[start:i])
            if char == ";":
                statements.append([])
            start = i + 1
    statements[-1].append(code[start:])
    non_empty = [s for s in statements if "".join(s).strip()]
    return non_empty[-1] if non_empty else [""]


def last_operator(query: str) -> str:
    """The name of the last top-level tabular operator (``sort``, ``top``, ``top-nested``, ``project``...)."""
    segments = top_level_segments(query)
    match = re.match(r"\s*([A-Za-z_][\w-]*)", segments[-1]) if len(segments) > 1 else None
    return match.group(1).lower() if match else ""


def is_ordered(query: str) -> bool:
    """Whether the recorded row order counts: the query ends in ``sort``/``order``/``top``."""
    return last_operator(query) in ORDERED_OPERATORS


# --- cases ---------------------------------------------------------------------------------------------

REPO_ROOT = Path(__file__).resolve().parents[2]
CASES_PATH = REPO_ROOT.parent / "shared" / "conformance" / "kusto-emulator-cases.jsonl"
KNOWN_FAILURES_PATH = Path(__file__).resolve().parent / "known_failures.txt"
BACKENDS = ("duckdb", "spark")


def known_failures_path(backend: str = "duckdb") -> Path:
    """Each backend keeps its own list: known_failures.txt (DuckDB), known_failures_spark.txt (Spark)."""
    return KNOWN_FAILURES_PATH if backend == "duckdb" else KNOWN_FAILURES_PATH.with_name(f"known_failures_{backend}.txt")


ORDER_DEPENDENT_PATH = KNOWN_FAILURES_PATH.with_name("order_dependent.txt")


def sample_cases(cases: list[dict], size: int) -> list[dict]:
    """`size` cases evenly spread over the file, so every family is represented (all when size is 0)."""
    if not size or size >= len(cases):
        return cases
    return [cases[i * len(cases) // size] for i in range(size)]


def settle(result: CaseResult, query: str, known: set[str], backend: str = "duckdb") -> None:
    """The pytest verdict of a case against the backend's known failures: a listed case that passes fails
    (take it off the list) unless order_dependent.txt names it; a listed failure is expected (xfail) unless
    it is a crash; any other failure fails."""
    import pytest

    listed = result.key in known
    if result.passed:
        if listed and result.key not in load_known_failures(ORDER_DEPENDENT_PATH):
            pytest.fail(f"{result.key} passes now on {backend}: remove it from tests/conformance/"
                        f"{known_failures_path(backend).name}", pytrace=False)
        return
    message = f"{result.reason}\nquery: {query}"
    if listed and result.crashed:
        message += "\n(a crash is never an expected failure: listing it does not excuse it)"
    elif listed:
        pytest.xfail(message)
    pytest.fail(message, pytrace=False)


def backend_connect(backend: str = "duckdb") -> Callable[[], Any]:
    """A function that opens a fresh kqlite connection on `backend` (Spark: one shared local session,
    two threads, one shuffle partition, as CI runs it)."""
    import kqlite

    if backend == "duckdb":
        return kqlite.connect
    from kqlite.backends.spark import local_session

    session = local_session("2", shuffle_partitions=1, adaptive=False)
    return lambda: kqlite.connect(backend=backend, spark=session)


def case_key(case: dict) -> str:
    """A unique, stable name for a case: its id plus a hash of its query.

    The recorded ``id`` is not unique (815 cases share 379 ids), the query text is.
    """
    digest = hashlib.sha1(case["query"].encode("utf-8")).hexdigest()[:6]
    return f"{case['id']}.{digest}"


def load_cases(path: Path = CASES_PATH) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def parse_known_failures(lines: Iterable[str]) -> set[str]:
    """Case keys (``case_key``), one a line; ``#`` starts a comment."""
    return {line.split("#", 1)[0].strip() for line in lines} - {""}


def load_known_failures(path: Path = KNOWN_FAILURES_PATH) -> set[str]:
    return parse_known_failures(path.read_text(encoding="utf-8").splitlines()) if path.exists() else set()


@dataclass(frozen=True)
class CaseResult:
    key: str
    family: str
    passed: bool
    reason: str = ""
    crashed: bool = False


class CaseTimeout(BaseException):
    """Raised into a running case by the alarm; a BaseException so that no ``except Exception`` eats it."""


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0] if lines else ''}"


def _run_with_timeout(function: Callable[[], Any], seconds: float) -> Any:
    if (
        seconds <= 0
        or not hasattr(signal, "SIGALRM")
        or threading.current_thread() is not threading.main_thread()
    ):
        return function()

    def on_alarm(signum, frame):
        raise CaseTimeout(f"no answer after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return function()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_case(
    case: dict,
    connect: Callable[[], Any] | None = None,
    error_type: type[BaseException] | None = None,
    timeout: float = 30.0,
) -> CaseResult:
    """Run one case on a fresh connection and judge it. Never raises for anything kqlite does.

    ``connect`` and ``error_type`` default to ``kqlite.connect`` and ``kqlite.KqlError``.
    """
    if connect is None or error_type is None:
        import kqlite

        connect = connect or kqlite.connect
        error_type = error_type or kqlite.KqlError
    query, expect = case["query"], case["expect"]

    def execute():
        con = connect()
        try:
            result = con.query(query)
            return list(result.columns), list(result.types), list(result.rows())
        finally:
            if hasattr(con, "close"):
                con.close()

    def verdict(passed: bool, reason: str = "", crashed: bool = False) -> CaseResult:
        return CaseResult(case_key(case), case["family"], passed, reason, crashed)

    try:
        columns, types, rows = _run_with_timeout(execute, timeout)
    except CaseTimeout as error:
        return verdict(False, f"timeout: {error}")
    except error_type as error:
        if expect.get("error"):
            return verdict(True)
        return verdict(False, f"kqlite raised {_first_line(error)}")
    except Exception as error:  # a crash: never acceptable, even where an error is expected
        return verdict(False, f"CRASH {_first_line(error)}", crashed=True)
    if expect.get("error"):
        return verdict(False, f"the real engine rejects this query; kqlite returned {len(rows)} row(s)")
    try:
        problem = compare_result(expect, columns, types, rows, is_ordered(query))
    except Exception as error:  # kqlite returned a value of a type no comparison expects
        problem = f"unexpected result values ({_first_line(error)})"
    return verdict(problem is None, problem or "")


def summary_lines(results: Sequence[CaseResult]) -> list[str]:
    """``conformance: 612/815 (75.1%)``, then one line per family."""

    def rate(passed: int, total: int) -> str:
        return f"{passed}/{total} ({100 * passed / total:.1f}%)"

    totals = Counter(r.family for r in results)
    passed = Counter(r.family for r in results if r.passed)
    crashes = sum(r.crashed for r in results)
    head = f"conformance: {rate(sum(passed.values()), len(results))}"
    lines = [head + (f", {crashes} crash(es)" if crashes else "")]
    width = max((len(family) for family in totals), default=0)
    lines += [f"  {family:<{width}}  {rate(passed[family], totals[family])}" for family in sorted(totals)]
    return lines
