"""Type property test: every scalar function and aggregate kqlite registers, called over every argument type,
checked against Microsoft's own analyzer (``shared/tools/kusto-oracle``, see tests/corpus/oracle.py).

For each signature the analyzer declares (tests/function_types/kusto_signatures.js reads them from the same
npm package the oracle runs), the test generates calls, deterministically:

* the signature's own argument types, crossed (a seeded sample when there are many combinations), with
  ``null``-typed forms (``long(null)``...) of each valid type;
* every literal type (and a column of every type, for aggregates) at each position in turn, most of them
  wrong on purpose;
* one argument fewer and one more than the signature takes.

Scalars run as ``print f(...)``, aggregates as ``datatable(...) | summarize f(...)``. The oracle sees every
query in one process. For each query it accepts, kqlite must return the oracle's column types or refuse with a
``KqlSyntaxError``/``KqlSemanticError``/``KqlUnsupportedError`` that has a line and column; never another
exception, nor a bare ``KqlError`` (a DuckDB error kqlite wrapped while running), and never kqlite's own
argument-type check (kqlite.compile.signatures: "f(): argument N must be ..."). A query it rejects, kqlite
should refuse too (compiled only, not run).

Disagreements that are not fixed yet are listed in tests/function_types/known_differences.txt, one pattern
and reason a line; a listed pattern that no longer matches any disagreement fails the test, so the list
shrinks as kqlite improves.
"""

from __future__ import annotations

import fnmatch
import itertools
import json
import os
import random
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

import kqlite
from kqlite.compile.compiler import Compiler
from kqlite.errors import KqlPositionedError

sys.path.insert(0, str(Path(__file__).resolve().parent / "corpus"))
from oracle import ORACLE, Oracle, OracleError, unavailable_reason  # noqa: E402

HERE = Path(__file__).resolve().parent / "function_types"
SIGNATURES_JS = HERE / "kusto_signatures.js"
KNOWN = HERE / "known_differences.txt"
SEED = 20240601
CROSS_LIMIT = 24  # argument-type combinations per signature, beyond the one-position sweeps
BATCH = 40  # accepted calls kqlite runs in one query (again one by one when the batch fails)

_COMPILER = Compiler("", {})
SCALARS = sorted(_COMPILER.functions.table)
AGGREGATES = sorted(_COMPILER.aggregates.table)

# One literal of each type, and its null-typed form (strings have no null: the empty string instead).
LITERALS = {
    "bool": ("true", "bool(null)"),
    "int": ("int(2)", "int(null)"),
    "long": ("3", "long(null)"),
    "real": ("2.5", "real(null)"),
    "decimal": ("decimal(1.5)", "decimal(null)"),
    "string": ('"a"', '""'),
    "datetime": ("datetime(2024-01-02 03:04:05)", "datetime(null)"),
    "timespan": ("1h", "timespan(null)"),
    "guid": ("guid(74be27de-1e4e-49d9-b579-fe0b331d3642)", "guid(null)"),
    "array": ("dynamic([1, 2])", "dynamic(null)"),
    "bag": ('dynamic({"a": 1})', "dynamic(null)"),
}
SCALAR_TYPES = ("bool", "int", "long", "real", "decimal", "string", "datetime", "timespan", "guid")
ALL = (*SCALAR_TYPES, "array", "bag")
NUMBERS = ("int", "long", "real", "decimal")
ORDERABLE = (*NUMBERS, "string", "datetime", "timespan", "bool")

# Aggregates read columns of every type: one row of values, one of nulls.
COLUMNS = {"bool": "b", "int": "i", "long": "l", "real": "r", "decimal": "dc", "string": "s", "datetime": "dt",
           "timespan": "ts", "guid": "g", "array": "dy", "bag": "bg"}
DATATABLE = (
    "datatable(b:bool, i:int, l:long, r:real, dc:decimal, s:string, dt:datetime, ts:timespan, g:guid, "
    "dy:dynamic, bg:dynamic)["
    + ", ".join(LITERALS[t][0] for t in COLUMNS)
    + ", "
    + ", ".join(LITERALS[t][1] if t != "bag" else "dynamic(null)" for t in COLUMNS)
    + "]"
)

# Parameter kinds (Kusto.Language's ParameterTypeKind) -> the argument types that fit them.
KINDS = {
    "Any": ALL, "Scalar": ALL, "CommonScalarOrDynamic": ALL, "CommonScalar": SCALAR_TYPES,
    "Integer": ("int", "long"), "RealOrDecimal": ("real", "decimal"), "StringOrDynamic": ("string", "array", "bag"),
    "StringOrArray": ("string", "array"), "IntegerOrArray": ("int", "long", "array"), "DynamicArray": ("array",),
    "DynamicBag": ("bag",), "Number": NUMBERS, "CommonNumber": NUMBERS, "NumberOrBool": (*NUMBERS, "bool"),
    "Summable": (*NUMBERS, "timespan"), "CommonSummable": (*NUMBERS, "timespan"), "Orderable": ORDERABLE,
    "CommonOrderable": ORDERABLE, "NotRealOrBool": tuple(t for t in ALL if t not in ("real", "bool")),
    "NotDynamic": SCALAR_TYPES, "NotBool": tuple(t for t in ALL if t != "bool"),
}
UNGENERATED_KINDS = {"Tabular", "Database", "Cluster"}


@dataclass(frozen=True)
class Call:
    """One generated call: the function, its text (``f(args)``) and the whole query that runs it."""

    name: str
    kind: str  # "function" or "aggregate"
    expr: str

    @property
    def query(self) -> str:
        return f"print {self.expr}" if self.kind == "function" else f"{DATATABLE} | summarize {self.expr}"

    def batch_query(self, exprs: list[str]) -> str:
        listed = ", ".join(f"c{i} = {e}" for i, e in enumerate(exprs))
        return f"print {listed}" if self.kind == "function" else f"{DATATABLE} | summarize {listed}"


# ---------------------------------------------------------------------------------------------- generation

def _forms(typ: str, aggregate: bool, position: int) -> list[str]:
    """The argument texts of one type: its literal (or, for an aggregate's first argument, its column)."""
    if aggregate and position == 0:
        return [COLUMNS[typ]]
    return [LITERALS[typ][0]]


def _candidates(param: dict) -> tuple[str, ...] | None:
    kind = param["type"]
    if kind in UNGENERATED_KINDS or "type" in param["declared"]:
        return None
    if kind == "Declared":
        out = []
        for t in param["declared"]:
            out += ["array", "bag"] if t.startswith("dynamic") else [t]
        return tuple(out)
    if kind.startswith("Parameter"):
        return ("tie", kind)  # the same type as parameter N: resolved by the caller
    return KINDS.get(kind, ALL)


def _expand(signature: dict) -> list[list[dict]]:
    """The positional parameter lists of a signature: optional and repeated parameters 0, 1 or 2 extra times."""
    out = []
    for extra in (0, 1, 2):
        positions = []
        for p in signature["params"]:
            count = min(p["max"], p["min"] + extra) if p["max"] > p["min"] else p["min"]
            positions += [p] * count
        if positions not in out:
            out.append(positions)
    return out


def _calls_for(entry: dict, rng: random.Random) -> list[str]:
    aggregate = entry["kind"] == "aggregate"
    name = entry["name"]
    exprs: dict[str, None] = {}  # ordered set

    def add(args: list[str]) -> None:
        exprs[f"{name}({', '.join(args)})"] = None

    for signature in entry["signatures"]:
        params = signature["params"]
        kinds = [_candidates(p) for p in params]
        if any(k is None for k in kinds):
            continue
        for positions in _expand(signature):
            # which positions share a type: ParameterN ties to parameter N, Common* parameters to each other
            targets = {int(k[1][-1]) for k in kinds if k[0] == "tie"}
            groups: dict[tuple, list[int]] = {}
            cands: dict[tuple, tuple[str, ...]] = {}
            for i, p in enumerate(positions):
                index = params.index(p)
                kind = kinds[index]
                if kind[0] == "tie":
                    target = int(kind[1][-1])
                    key: tuple = ("param", target)
                    cands[key] = kinds[target] if target < len(kinds) and kinds[target][0] != "tie" else ALL
                elif index in targets:
                    key = ("param", index)
                    cands[key] = kind
                elif p["type"].startswith("Common"):
                    key = ("common", p["type"])
                    cands.setdefault(key, kind)
                else:
                    key = ("position", i)
                    cands[key] = kind
                if p["arg"] == "StarOnly":
                    cands[key] = ("*",)
                groups.setdefault(key, []).append(i)

            def text(i: int, typ: str, positions: list[dict] = positions) -> list[str]:
                p = positions[i]
                if typ == "*":
                    return ["*"]
                if p["values"]:
                    return [json.dumps(v) for v in p["values"] if v is not None] or _forms(typ, aggregate, i)
                return _forms(typ, aggregate, i)

            keys = list(groups)
            combos = list(itertools.product(*(cands[k] for k in keys))) if keys else [()]
            if len(combos) > CROSS_LIMIT:
                combos = [combos[0]] + rng.sample(combos[1:], CROSS_LIMIT - 1)
            base: list[str] = []
            for combo in combos:
                args = [""] * len(positions)
                for key, typ in zip(keys, combo, strict=True):
                    for i in groups[key]:
                        args[i] = text(i, typ)[0]
                add(args)
                if not base:
                    base = args
            if not positions:
                continue
            # every value a parameter lists (datetime_part's parts...)
            for i, p in enumerate(positions):
                for v in p["values"]:
                    if v is not None:
                        add(base[:i] + [json.dumps(v)] + base[i + 1:])
            # each position over every type (its valid types' null forms too)
            for i, p in enumerate(positions):
                key = next(k for k, v in groups.items() if i in v)
                valid = cands[key]
                forms = [LITERALS[t][0] for t in ALL]
                forms += [LITERALS[t][1] for t in ALL if t in valid]
                if aggregate:
                    forms += list(COLUMNS.values())
                if p["arg"] in ("StarAllowed", "StarOnly"):
                    forms.append("*")
                for form in dict.fromkeys(forms):
                    add(base[:i] + [form] + base[i + 1:])
            # one argument too few, one too many
            add(base[:-1])
            add(base + [base[-1]])
    return list(exprs)


def generate(signatures: list[dict]) -> dict[tuple[str, str], list[Call]]:
    """Every generated call of every function and aggregate kqlite registers, by (kind, name)."""
    rng = random.Random(SEED)
    out: dict[tuple[str, str], list[Call]] = {}
    for entry in sorted(signatures, key=lambda e: (e["kind"], e["name"])):
        mine = SCALARS if entry["kind"] == "function" else AGGREGATES
        if entry["name"] not in mine:
            continue
        out[entry["kind"], entry["name"]] = [Call(entry["name"], entry["kind"], e) for e in _calls_for(entry, rng)]
    return out


# ---------------------------------------------------------------------------------------------- the oracle

def _oracle_home() -> Path:
    return Path(os.environ.get("KUSTO_ORACLE_HOME", Path.home() / ".cache" / "kusto-oracle"))


def read_signatures() -> tuple[list[dict], dict[str, set[str]]]:
    """The analyzer's signatures (kusto_signatures.js) and its `--builtins` names (which installs it first)."""
    builtins = subprocess.run([str(ORACLE), "--builtins"], capture_output=True, text=True, timeout=600, check=True)
    names = {d["kind"]: set(d["names"]) for d in map(json.loads, builtins.stdout.splitlines())}
    env = dict(os.environ, NODE_PATH=str(_oracle_home() / "node_modules"))
    done = subprocess.run(["node", str(SIGNATURES_JS)], capture_output=True, text=True, timeout=120, check=True,
                          env=env)
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()], names


@dataclass(frozen=True)
class Verdict:
    """The oracle's word on one call: its errors, and (when it has none) the column types of its query."""

    errors: tuple[str, ...]
    types: tuple[str, ...] | None

    @property
    def accepted(self) -> bool:
        return not self.errors

    @property
    def crashed(self) -> bool:  # the analyzer itself failed on the call: no verdict
        return any(e.startswith("oracle crashed") for e in self.errors)


@dataclass
class Generated:
    signatures: list[dict]
    builtins: dict[str, set[str]]
    calls: dict[tuple[str, str], list[Call]]
    verdicts: dict[Call, Verdict]
    oracle_queries: int
    seconds: float


ORACLE_BATCH = 50  # calls the oracle analyses in one query (one column each; errors told apart by offset)


def _multi_column(call: Call, signatures: dict[tuple[str, str], dict]) -> bool:
    entry = signatures[call.kind, call.name]
    return any(p["arg"] in ("StarAllowed", "StarOnly") for s in entry["signatures"] for p in s["params"])


def ask_oracle(catalog: Path, calls: list[Call], signatures: dict[tuple[str, str], dict]) -> tuple[dict, int, float]:
    """The oracle's verdict on every call, from one process: calls of one column are analysed ORACLE_BATCH to a
    query (``print c0 = f(...), c1 = ...``), each error going to the call whose text holds its offset; a batch
    whose errors or columns cannot be told apart is asked again one call a query, in a second process."""
    queries: dict[str, str] = {}
    batches: dict[str, list[tuple[Call, int, int]]] = {}
    singles = [c for c in calls if _multi_column(c, signatures)]
    for kind in ("function", "aggregate"):
        pending = [c for c in calls if c.kind == kind and c not in singles]
        for start in range(0, len(pending), ORACLE_BATCH):
            chunk = pending[start:start + ORACLE_BATCH]
            text = chunk[0].batch_query([c.expr for c in chunk])
            spans, at = [], 0
            for i, call in enumerate(chunk):
                at = text.index(f"c{i} = {call.expr}", at) + len(f"c{i} = ")
                spans.append((call, at, at + len(call.expr)))
            batches[f"b{len(batches)}"] = spans
            queries[f"b{len(batches) - 1}"] = text
    for i, call in enumerate(singles):
        queries[f"s{i}"] = call.query
    run = Oracle().run(catalog, queries)
    verdicts: dict[Call, Verdict] = {}
    retry: list[Call] = []
    for qid, spans in batches.items():
        got = run.verdicts[qid]
        errors: dict[Call, list[str]] = {call: [] for call, _, _ in spans}
        clear = got.columns is not None and len(got.columns) == len(spans)
        for offset, message in got.errors:
            owner = next((call for call, low, high in spans if low <= offset < high), None)
            if owner is None:
                clear = False
                break
            errors[owner].append(message)
        if not clear:
            retry += [call for call, _, _ in spans]
            continue
        for (call, _, _), (_, typ) in zip(spans, got.columns, strict=True):
            verdicts[call] = Verdict(tuple(errors[call]), None if errors[call] else (typ,))
    for i, call in enumerate(singles):
        got = run.verdicts[f"s{i}"]
        verdicts[call] = Verdict(tuple(m for _, m in got.errors), tuple(t for _, t in got.columns or ()))
    seconds, count = run.seconds, len(queries)
    if retry:
        again = Oracle().run(catalog, {str(i): c.query for i, c in enumerate(retry)})
        for i, call in enumerate(retry):
            got = again.verdicts[str(i)]
            verdicts[call] = Verdict(tuple(m for _, m in got.errors), tuple(t for _, t in got.columns or ()))
        seconds, count = seconds + again.seconds, count + len(retry)
    return verdicts, count, seconds


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Generated:
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    try:
        signatures, builtins = read_signatures()
    except (OSError, subprocess.SubprocessError) as error:
        pytest.skip(f"the Kusto analyzer's signatures are unavailable: {error}")
    calls = generate(signatures)
    by_name = {(e["kind"], e["name"]): e for e in signatures}
    catalog = tmp_path_factory.mktemp("no_tables")  # print and datatable need no table
    try:
        verdicts, count, seconds = ask_oracle(catalog, [c for cs in calls.values() for c in cs], by_name)
    except OracleError as error:
        pytest.skip(str(error))
    return Generated(signatures, builtins, calls, verdicts, count, seconds)


@pytest.fixture(scope="module")
def con():
    connection = kqlite.connect()
    yield connection
    connection.close()


# ---------------------------------------------------------------------------------------------- known differences

@dataclass(frozen=True)
class Known:
    """A line of known_differences.txt: ``CATEGORY FUNCTION-GLOB PATTERN  # reason``, the pattern an fnmatch
    glob over ``call => detail`` (the detail of an ``accepts`` is Kusto's error message)."""

    category: str  # "type", "internal", "accepts" or "rejects"
    names: str
    pattern: str
    reason: str
    line: int

    def matches(self, category: str, call: Call, detail: str) -> bool:
        return (category == self.category and fnmatch.fnmatchcase(call.name, self.names)
                and fnmatch.fnmatchcase(f"{call.expr} => {detail}", self.pattern))


def read_known() -> list[Known]:
    out = []
    for number, raw in enumerate(KNOWN.read_text(encoding="utf-8").splitlines(), 1):
        text, _, reason = raw.partition("  # ")
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        category, names, pattern = text.split(None, 2)
        assert category in ("type", "internal", "accepts", "rejects"), f"{KNOWN.name}:{number}: unknown category {category}"
        assert reason.strip(), f"{KNOWN.name}:{number}: every known difference says why"
        out.append(Known(category, names, pattern.strip(), reason.strip(), number))
    return out


KNOWN_LIST = read_known()
_MATCHED: set[int] = set()  # lines of the known list that matched a disagreement this session
_CHECKED: set[tuple[str, str]] = set()  # the (kind, name)s checked this session


# ---------------------------------------------------------------------------------------------- kqlite's side

_SIGNATURE_REFUSAL = re.compile(r"\(\): argument \d+ must be ")  # kqlite.compile.signatures' refusal


def _refusal_problem(error: BaseException, call: Call) -> str | None:
    """What is wrong with how kqlite refused a call, or None when it refused properly."""
    if not isinstance(error, kqlite.KqlError):
        return f"internal error {type(error).__name__}: {error}"
    if not isinstance(error, KqlPositionedError):
        return f"unpositioned {type(error).__name__}: {str(error).splitlines()[0]}"
    if error.line is None or error.column is None:
        return f"{type(error).__name__} without line and column: {error.message}"
    return None


def _run_one(con: kqlite.Connection, call: Call) -> tuple[list[str] | None, BaseException | None]:
    try:
        return con.query(call.query).types, None
    except Exception as error:  # noqa: BLE001 - any exception is a verdict here
        return None, error


def check_calls(con: kqlite.Connection, generated: Generated, kind: str, name: str) -> list[str]:
    """Every disagreement of kqlite with the oracle over one function's calls, not listed as known."""
    calls = generated.calls.get((kind, name))
    if calls is None:
        pytest.skip(f"the Kusto analyzer declares no {kind} {name}() (special syntax or kqlite's own)")
    _CHECKED.add((kind, name))
    problems: list[tuple[str, Call, str]] = []
    accepted = [c for c in calls if generated.verdicts[c].accepted]
    rejected = [c for c in calls if not generated.verdicts[c].accepted and not generated.verdicts[c].crashed]

    results: dict[Call, tuple[list[str] | None, BaseException | None]] = {}
    single = [c for c in accepted if len(generated.verdicts[c].types or ()) != 1]
    batchable = [c for c in accepted if c not in single]
    for start in range(0, len(batchable), BATCH):
        chunk = batchable[start:start + BATCH]
        try:
            types = con.query(chunk[0].batch_query([c.expr for c in chunk])).types
        except Exception:  # noqa: BLE001 - one of them fails: find which, one by one
            single += chunk
            continue
        for call, typ in zip(chunk, types, strict=True):
            results[call] = ([typ], None)
    for call in single:
        results[call] = _run_one(con, call)

    for call in accepted:
        types, error = results[call]
        if error is not None:
            problem = _refusal_problem(error, call)
            if problem is not None:
                problems.append(("internal", call, problem))
            elif _SIGNATURE_REFUSAL.search(str(error)):  # kqlite's signature check must never refuse what Kusto takes
                problems.append(("rejects", call, str(error).splitlines()[0]))
            continue
        want = list(generated.verdicts[call].types or ())
        if types != want:
            problems.append(("type", call, f"kqlite gives {types}, Kusto {want}"))
    for call in rejected:
        try:
            con.compile(call.query)
        except Exception as error:  # noqa: BLE001
            problem = _refusal_problem(error, call)
            if problem is not None:
                problems.append(("internal", call, problem))
            continue
        problems.append(("accepts", call, generated.verdicts[call].errors[0]))

    unlisted = []
    for category, call, detail in problems:
        known = next((k for k in KNOWN_LIST if k.matches(category, call, detail)), None)
        if known is not None:
            _MATCHED.add(known.line)
        else:
            unlisted.append(f"{category}: {call.expr} => {detail}")
    return unlisted


# ---------------------------------------------------------------------------------------------- the tests

def test_signatures_cover_every_builtin(generated):
    """The signature reader sees every function and aggregate `kusto-oracle --builtins` names."""
    listed = {e["name"] for e in generated.signatures if e["kind"] == "function" and not e["hidden"]}
    assert generated.builtins["Functions"] <= listed
    listed = {e["name"] for e in generated.signatures if e["kind"] == "aggregate" and not e["hidden"]}
    assert generated.builtins["Aggregates"] <= listed
    assert sum(len(c) for c in generated.calls.values()) > 1000


@pytest.mark.parametrize("name", SCALARS)
def test_scalar_function_types(con, generated, name):
    problems = check_calls(con, generated, "function", name)
    assert not problems, f"{len(problems)} disagreements with Kusto:\n" + "\n".join(problems[:30])


@pytest.mark.parametrize("name", AGGREGATES)
def test_aggregate_types(con, generated, name):
    problems = check_calls(con, generated, "aggregate", name)
    assert not problems, f"{len(problems)} disagreements with Kusto:\n" + "\n".join(problems[:30])


def test_known_differences_still_differ(generated):
    """Runs last: a listed difference that no longer happens must leave the list (checked when every
    function ran, as a listed pattern may cover several)."""
    everything = set(generated.calls)
    if not everything <= _CHECKED:
        pytest.skip("only some functions were checked in this session")
    stale = [f"line {k.line}: {k.category} {k.names} {k.pattern}" for k in KNOWN_LIST if k.line not in _MATCHED]
    assert not stale, f"these known differences no longer happen; remove them from {KNOWN.name}:\n" + "\n".join(stale)
