"""The hunting-query corpus, and how one query is checked against the Kusto oracle and kqlite.

The corpus lives in ``queries/*.kql``: each file is one family of hunts, each query starts with a metadata
line and then reads like a public hunting query (a ``// Title`` comment, then the KQL)::

    // @id: dproc-001 | flavour: defender | tags: lolbin, T1105
    // Certutil downloading a file
    DeviceProcessEvents
    | where ...

Metadata: ``id`` (unique, stable: known_differences.txt names it), ``flavour`` (``defender`` or
``sentinel``: the catalog the query is written for), ``tags`` (free words), ``expect`` (``ok``, the default,
or ``error`` for a deliberately invalid query that Kusto rejects). Threat-intel queries read feeds with
``externaldata`` from ``{FEED_BASE}/...``: the placeholder is filled with the address of a local HTTP server
serving ``feeds/`` (the oracle only needs the schema; kqlite may fetch the data).

A query passes when:

* the oracle accepts it, and kqlite (with the declared flavour) runs it on empty tables and on a small
  generated dataset, each time returning exactly the oracle's columns (names, types, order); or
* the oracle rejects it, and kqlite raises ``kqlite.KqlError`` before running it.

Separately, kqlite's automatic flavour (``kqlite.connect()``, ``con.explain(q).flavour``) must pick the
declared flavour: the check keyed ``<id>:auto``.

Only ``run_*``/``Environment`` import kqlite (lazily), so loading the corpus needs nothing but Python.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import oracle as kusto_oracle

HERE = Path(__file__).resolve().parent
QUERIES_DIR = HERE / "queries"
FEEDS_DIR = HERE / "feeds"
KNOWN_DIFFERENCES_PATH = HERE / "known_differences.txt"
FEED_PLACEHOLDER = "{FEED_BASE}"
FLAVOURS = ("defender", "sentinel")
AUTO_SUFFIX = ":auto"
STATE_KEY = "connection-state"  # known_differences key of the check that queries do not disturb each other
QUERY_TIMEOUT = 60.0

# Identifiers that make a query Sentinel-flavoured besides the Sentinel-only tables: the columns only the
# Sentinel flavour of the shared tables has (kqlite's "auto" flavour keys on the same ones).
SENTINEL_MARKER_COLUMNS = frozenset(
    {"TimeGenerated", "TenantId", "SourceSystem", "_BilledSize", "_IsBillable", "_ResourceId", "_SubscriptionId"}
)

_META_RE = re.compile(r"^//\s*@id:\s*(?P<rest>.*)$")


# --- the corpus ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    id: str
    flavour: str
    family: str
    tags: tuple[str, ...]
    expect: str
    text: str
    path: Path
    line: int

    @property
    def title(self) -> str:
        first = self.text.splitlines()[0] if self.text else ""
        return first[2:].strip() if first.startswith("//") else ""

    @property
    def uses_feeds(self) -> bool:
        return FEED_PLACEHOLDER in self.text

    def render(self, feed_base: str) -> str:
        """The query text with the feed placeholder filled."""
        return self.text.replace(FEED_PLACEHOLDER, feed_base.rstrip("/"))


class CorpusError(ValueError):
    pass


def _parse_meta(rest: str, where: str) -> dict[str, str]:
    meta = {}
    first, *others = [part.strip() for part in rest.split("|")]
    meta["id"] = first
    for part in others:
        if not part:
            continue
        key, sep, value = part.partition(":")
        if not sep:
            raise CorpusError(f"{where}: metadata {part!r} is not key: value")
        meta[key.strip()] = value.strip()
    return meta


def parse_file(path: Path) -> list[Query]:
    queries: list[Query] = []
    current: tuple[dict[str, str], int, list[str]] | None = None

    def finish() -> None:
        if current is None:
            return
        meta, line, body = current
        text = "\n".join(body).strip("\n")
        unknown = set(meta) - {"id", "flavour", "tags", "expect"}
        where = f"{path.name}:{line}"
        if unknown:
            raise CorpusError(f"{where}: unknown metadata {sorted(unknown)}")
        queries.append(Query(
            id=meta["id"],
            flavour=meta.get("flavour", ""),
            family=path.stem,
            tags=tuple(t.strip() for t in meta.get("tags", "").split(",") if t.strip()),
            expect=meta.get("expect", "ok"),
            text=text + "\n",
            path=path,
            line=line,
        ))

    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        match = _META_RE.match(line)
        if match:
            finish()
            current = (_parse_meta(match.group("rest"), f"{path.name}:{number}"), number, [])
        elif current is not None:
            current[2].append(line)
        elif line.strip() and not line.startswith("//"):
            raise CorpusError(f"{path.name}:{number}: text before the first '// @id:' line")
    finish()
    return queries


@functools.cache
def load_corpus(folder: Path = QUERIES_DIR) -> tuple[Query, ...]:
    queries: list[Query] = []
    for path in sorted(folder.glob("*.kql")):
        queries.extend(parse_file(path))
    return tuple(queries)


def load_known_differences(path: Path = KNOWN_DIFFERENCES_PATH) -> dict[str, str]:
    """``{key: reason}`` from known_differences.txt (``<key>  <reason>`` a line; ``#`` starts a comment)."""
    if not path.exists():
        return {}
    listed = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, _, reason = line.partition(" ")
        listed[key] = reason.strip()
    return listed


# --- lexical checks (no oracle, no kqlite) ------------------------------------------------------------------


def code_only(text: str) -> str:
    """The text with comments and string literals blanked (same length)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
        elif text.startswith("```", i):
            end = text.find("```", i + 3)
            end = n if end < 0 else end + 3
        elif char in "'\"" or (char == "@" and text[i + 1: i + 2] in ("'", '"')):
            verbatim = char == "@"
            quote_at = i + 1 if verbatim else i
            quote = text[quote_at]
            end = quote_at + 1
            while end < n:
                if text[end] == "\\" and not verbatim:
                    end += 2
                    continue
                if text[end] == quote:
                    if verbatim and text.startswith(quote, end + 1):
                        end += 2
                        continue
                    end += 1
                    break
                end += 1
        else:
            out.append(char)
            i += 1
            continue
        out.append(" " * (min(end, n) - i))
        i = min(end, n)
    return "".join(out)


def identifiers(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", code_only(text)))


@functools.cache
def sentinel_only_tables() -> frozenset[str]:
    return frozenset(kusto_oracle.only_in("sentinel"))


@functools.cache
def all_tables() -> frozenset[str]:
    return frozenset(kusto_oracle.flavour_tables("sentinel")) | frozenset(kusto_oracle.flavour_tables("defender"))


def lexical_flavour(text: str) -> str:
    """The flavour the query's words call for: Sentinel when it names a Sentinel-only table or a column only
    Sentinel's flavour of the shared tables has, else Defender (kqlite's "auto" rule, read lexically)."""
    words = identifiers(text)
    return "sentinel" if words & (sentinel_only_tables() | SENTINEL_MARKER_COLUMNS) else "defender"


def tables_named(text: str) -> list[str]:
    return sorted(identifiers(text) & all_tables())


# --- the local feed server ----------------------------------------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


@contextlib.contextmanager
def serve_feeds(folder: Path = FEEDS_DIR) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 (a free port) for the duration; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="corpus-feeds", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# --- outcomes -----------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    key: str
    query: Query
    passed: bool
    reason: str = ""
    stage: str = ""          # oracle | empty | data | auto
    crashed: bool = False    # an exception that is not kqlite.KqlError
    category: str = ""       # a short grouping of the reason, for the summary
    undetermined: bool = False  # an auto-flavour check that cannot tell (the query compiles in no flavour)
    # Failures on the session's shared connection that a fresh connection does not reproduce: an earlier
    # query left state behind. The query's own verdict is the fresh connection's; these are reported apart.
    leaks: list[str] = field(default_factory=list)

    @property
    def is_auto(self) -> bool:
        return self.key.endswith(AUTO_SUFFIX)


def _one_line(text: str, limit: int = 220) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def error_message(error: BaseException) -> str:
    """The error's message without kqlite's caret drawing (line/column kept)."""
    message = getattr(error, "message", None)
    line = getattr(error, "line", None)
    if message:
        where = f"line {line}, column {error.column}: " if line is not None else ""  # type: ignore[attr-defined]
        return _one_line(where + message)
    return _one_line(str(error).splitlines()[0] if str(error) else type(error).__name__)


_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
ELIDED = "'…'"


def categorise(stage: str, error: BaseException | None = None, detail: str = "") -> str:
    """A short label grouping similar failures: the exception class and the message's shape (names kept for
    unknown names and unsupported functions, other quoted values elided)."""
    if error is None:
        return detail
    message = getattr(error, "message", None) or (str(error).splitlines()[0] if str(error) else "")
    message = re.sub(r"^line \d+, column \d+: ", "", message)
    kind = type(error).__name__
    running = "the query failed while running: "
    if message.startswith(running):  # DuckDB's own error: keep its class and shape
        engine = message[len(running):]
        engine = re.sub(r"\s*(LINE \d+:.*|You might need.*)$", "", engine)
        if "cannot be referenced before it is defined" in engine or "does not have a column named" in engine \
                or ("Referenced column" in engine and "not found" in engine):
            return f"{kind} while running: {_one_line(engine, 140)}"
        return f"{kind} while running: {_one_line(_QUOTED.sub(ELIDED, engine), 120)}"
    if re.search(r"unknown (table|column|name|function)|not supported", message):
        label = message.split(" (")[0]
    else:
        label = _QUOTED.sub(ELIDED, message)
    return f"{kind}: {_one_line(label, 120)}"


def compare_columns(expected: tuple[tuple[str, str], ...], columns: list[str], types: list[str]) -> str | None:
    """None when kqlite's columns and types are exactly the oracle's, else what differs."""
    want_names = [n for n, _ in expected]
    if list(columns) != want_names:
        missing = [n for n in want_names if n not in columns]
        extra = [n for n in columns if n not in want_names]
        parts = []
        if missing:
            parts.append(f"missing {missing}")
        if extra:
            parts.append(f"unexpected {extra}")
        if not missing and not extra:
            first = next(i for i, (a, b) in enumerate(zip(want_names, columns, strict=False)) if a != b)
            parts.append(f"order differs from position {first}: expected {want_names[first:first + 4]}..., "
                         f"got {list(columns)[first:first + 4]}...")
        return "columns differ: " + "; ".join(parts) + f" (expected {len(want_names)}, got {len(columns)})"
    wrong = [f"{name}: expected {want}, got {got}" for (name, want), got in zip(expected, types, strict=False)
             if want != got]
    if wrong or len(types) != len(expected):
        return "column types differ: " + "; ".join(wrong or [f"expected {len(expected)} types, got {types}"])
    return None


def mismatch_category(detail: str) -> str:
    if detail.startswith("columns differ"):
        if "missing" in detail and "unexpected" in detail:
            return "column-name mismatch (missing and unexpected columns)"
        if "missing" in detail:
            return "column-name mismatch (columns missing)"
        if "unexpected" in detail:
            return "column-name mismatch (unexpected columns)"
        return "column-order mismatch"
    pairs = sorted(set(re.findall(r"expected (\w+), got (\w+)", detail)))
    return "column-type mismatch: " + ", ".join(f"{a}->{b}" for a, b in pairs[:3])


# --- the kqlite side ----------------------------------------------------------------------------------------


def generated_start() -> datetime:
    """Generated data covers the last full hour, so `ago(1h)`, `ago(1d)`... filters keep rows."""
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)


def generate_data(out: Path, devices: int = 4, hours: float = 1) -> dict[str, dict[str, Path]]:
    """Small generated Defender data (``kqlite generate``), and a Sentinel-flavoured copy of it that also has
    the Sentinel columns (TimeGenerated = Timestamp, Type = table name, TenantId, SourceSystem).

    Returns ``{flavour: {table: parquet path}}``. (``kqlite generate`` needs at least 4 devices.)"""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from kqlite.generate import generate

    summary = generate(out / "defender", devices=devices, hours=hours, fmt="parquet", seed=7,
                       start=generated_start())
    tables = {"defender": {}, "sentinel": {}}
    (out / "sentinel").mkdir(parents=True, exist_ok=True)
    for path in summary.paths:
        if path.suffix != ".parquet":
            continue
        name = path.stem
        tables["defender"][name] = path
        data = pq.read_table(path)
        rows = data.num_rows
        if "Timestamp" in data.column_names:
            data = data.append_column("TimeGenerated", data.column("Timestamp"))
        data = data.append_column("Type", pa.array([name] * rows, pa.string()))
        data = data.append_column("TenantId", pa.array(["4c2b1a9e-0d4e-4d55-9f1c-2f5b8c1e7a10"] * rows, pa.string()))
        data = data.append_column("SourceSystem", pa.array(["Microsoft Defender XDR"] * rows, pa.string()))
        target = out / "sentinel" / path.name
        pq.write_table(data, target)
        tables["sentinel"][name] = target
    return tables


@dataclass
class Connections:
    """kqlite connections for one flavour: on empty tables and on generated data."""

    flavour: str
    empty: Any = None
    data: Any = None
    empty_error: BaseException | None = None
    data_error: BaseException | None = None
    note: str = ""  # e.g. that kqlite.connect() has no flavour= yet and the default catalog was used
    data_tables: dict[str, Path] | None = None

    def fresh(self, stage: str) -> Any:
        """A new connection like the shared one of this stage (the caller closes it)."""
        return _connect(self.flavour, self.data_tables if stage == "data" else None)[0]


@functools.cache
def _geoip_database() -> str | None:
    """A small MaxMind City database (every address in one country) for the queries that call
    geo_info_from_ip_address(); None without mmdb-writer."""
    try:
        import mmdb_writer
        import netaddr
    except ImportError:
        return None
    writer = mmdb_writer.MMDBWriter(ip_version=6, database_type="GeoLite2-City", languages=["en"], ipv4_compatible=True)
    writer.insert_network(netaddr.IPSet(["0.0.0.0/1", "128.0.0.0/1", "2000::/3"]), {
        "country": {"names": {"en": "Australia"}}, "city": {"names": {"en": "Sydney"}},
        "location": {"latitude": mmdb_writer.MmdbF64(-33.8715), "longitude": mmdb_writer.MmdbF64(151.2006)}})
    path = Path(tempfile.mkdtemp(prefix="kqlite-corpus-geo-")) / "city.mmdb"
    writer.to_db_file(str(path))
    return str(path)


def _connect(flavour: str | None, tables: dict[str, Path] | None) -> tuple[Any, str]:
    import kqlite

    kwargs: dict[str, Any] = {"tables": {name: str(path) for name, path in (tables or {}).items()},
                              "geoip_database": _geoip_database()}
    if flavour is None:
        return kqlite.connect(**kwargs), ""
    try:
        return kqlite.connect(flavour=flavour, **kwargs), ""
    except TypeError as error:
        if "flavour" not in str(error):
            raise
        return kqlite.connect(**kwargs), "kqlite.connect() takes no flavour= yet: ran on its default catalog"


def open_connections(flavour: str, data: dict[str, Path] | None) -> Connections:
    cons = Connections(flavour, data_tables=data)
    try:
        cons.empty, cons.note = _connect(flavour, None)
    except Exception as error:  # noqa: BLE001 - reported per query
        cons.empty_error = error
    if data is not None:
        try:
            cons.data, note = _connect(flavour, data)
            cons.note = cons.note or note
        except Exception as error:  # noqa: BLE001
            cons.data_error = error
    return cons


def _is_kql_error(error: BaseException) -> bool:
    import kqlite

    return isinstance(error, kqlite.KqlError)


def _failure(key: str, query: Query, stage: str, error: BaseException, note: str, where: str) -> Outcome:
    crashed = not _is_kql_error(error)
    reason = f"{where}: kqlite raised {type(error).__name__}: {error_message(error)}"
    if note:
        reason += f" [{note}]"
    return Outcome(key, query, False, reason, stage, crashed, categorise(stage, error))


def _attempt(stage: str, con: Any, text: str, expected: tuple[tuple[str, str], ...] | None,
             query: Query, note: str, unmask: Any) -> Outcome | None:
    """Run one stage on one connection: None when it passes, else the failing outcome. ``expected`` None
    means the oracle rejects the query (kqlite must raise KqlError when compiling it)."""
    key = query.id
    if expected is None:
        try:
            con.explain(text)
        except Exception as error:  # noqa: BLE001
            if _is_kql_error(error):
                return None
            return _failure(key, query, "oracle", error, "", "Kusto rejects the query; kqlite crashed instead")
        return Outcome(key, query, False, "", "oracle", False, "accepts a query Kusto rejects")
    where = "on empty tables" if stage == "empty" else "on generated data"
    try:
        result = con.query(text, timeout=QUERY_TIMEOUT)
    except Exception as error:  # noqa: BLE001
        outcome = _failure(key, query, stage, error, note, where)
        outcome.reason = unmask(outcome.reason)
        return outcome
    problem = compare_columns(expected, list(result.columns), list(result.types))
    if problem:
        reason = f"{where}: {problem}" + (f" [{note}]" if note else "")
        return Outcome(key, query, False, unmask(reason), stage, False, mismatch_category(problem))
    return None


def check_query(query: Query, text: str, verdict: kusto_oracle.Verdict, cons: Connections,
                feed_base: str = "") -> Outcome:
    """The verdict on one query (key = its id).

    Each stage runs on the session's shared connection; a failure there is tried again on a fresh connection,
    whose verdict counts (so a query's verdict does not depend on which queries ran before it). A failure the
    fresh connection does not reproduce is recorded in ``Outcome.leaks``."""
    key = query.id
    unmask = (lambda s: s.replace(feed_base, FEED_PLACEHOLDER)) if feed_base else (lambda s: s)
    if cons.empty_error is not None:
        return _failure(key, query, "empty", cons.empty_error, "", "cannot open a kqlite connection")
    leaks: list[str] = []
    expected = verdict.columns or () if verdict.accepted else None
    stages = [("empty", cons.empty, None)]
    if expected is not None and (cons.data is not None or cons.data_error is not None):
        stages.append(("data", cons.data, cons.data_error))
    for stage, con, con_error in stages:
        if con_error is not None:
            return _failure(key, query, stage, con_error, cons.note, "cannot attach the generated data")
        failure = _attempt(stage, con, text, expected, query, cons.note, unmask)
        if failure is not None:
            again = _on_fresh_connection(
                lambda stage=stage: cons.fresh(stage),
                lambda fresh, stage=stage: _attempt(stage, fresh, text, expected, query, cons.note, unmask),
                failure)
            if again is None:
                leaks.append(f"{stage}: {failure.reason or failure.category}")
            failure = again
        if failure is not None:
            if failure.stage == "oracle" and not failure.crashed:
                failure.reason = unmask(f"kqlite compiles a query Kusto rejects "
                                        f"({_one_line(verdict.first_error(), 160)})")
            failure.leaks = leaks
            return failure
    stage = "oracle" if expected is None else stages[-1][0]
    return Outcome(key, query, True, "", stage, leaks=leaks)


def _attempt_auto(query: Query, text: str, auto_con: Any, declared_con: Any) -> Outcome | None:
    key = query.id + AUTO_SUFFIX
    try:
        explanation = auto_con.explain(text)
    except Exception as error:  # noqa: BLE001
        if _is_kql_error(error) and declared_con is not None:
            try:
                declared_con.explain(text)
            except Exception as declared_error:  # noqa: BLE001
                if _is_kql_error(declared_error):
                    return Outcome(key, query, False, "cannot tell: the query compiles neither in auto nor in "
                                   f"its declared flavour ({error_message(declared_error)})", "auto",
                                   undetermined=True)
        outcome = _failure(key, query, "auto", error, "", "explain() in auto flavour")
        outcome.category = "flavour: auto cannot compile the query: " + outcome.category
        return outcome
    chosen = getattr(explanation, "flavour", None)
    if chosen is None:
        return Outcome(key, query, False, "explain() reports no .flavour (auto flavour not implemented)",
                       "auto", False, "flavour: explain() has no .flavour")
    if chosen != query.flavour:
        return Outcome(key, query, False, f"auto picked {chosen!r}, the query is {query.flavour!r}", "auto",
                       False, f"flavour: auto picked {chosen} for a {query.flavour} query")
    return None


def check_auto_flavour(query: Query, text: str, auto_con: Any, auto_error: BaseException | None,
                       declared_con: Any = None) -> Outcome:
    """``kqlite.connect()`` (flavour "auto") must pick the query's declared flavour.

    When the query does not compile in auto and does not compile with its declared flavour either, the check
    cannot tell which flavour auto would pick: it is undetermined (the query's own check reports why). As for
    queries, a failure on the shared connection is tried again on a fresh one, whose verdict counts."""
    key = query.id + AUTO_SUFFIX
    if auto_error is not None:
        return _failure(key, query, "auto", auto_error, "", "cannot open kqlite.connect()")
    failure = _attempt_auto(query, text, auto_con, declared_con)
    leaks: list[str] = []
    if failure is not None and not failure.undetermined:
        again = _on_fresh_connection(lambda: _connect(None, None)[0],
                                     lambda fresh: _attempt_auto(query, text, fresh, declared_con), failure)
        if again is None:
            leaks.append(f"auto: {failure.reason}")
        failure = again
    if failure is not None:
        failure.leaks = leaks
        return failure
    return Outcome(key, query, True, "", "auto", leaks=leaks)


# --- a whole run ------------------------------------------------------------------------------------------


@dataclass
class Environment:
    """Everything a corpus run needs, opened once: merged catalogs, the feed server, oracle verdicts for both
    flavours, generated data and kqlite connections."""

    queries: tuple[Query, ...]
    tmp: Path
    feed_base: str = ""
    texts: dict[str, str] = field(default_factory=dict)
    verdicts: dict[str, kusto_oracle.Verdict] = field(default_factory=dict)
    oracle_seconds: dict[str, float] = field(default_factory=dict)
    oracle_installed: bool = False
    data_seconds: float = 0.0
    data_error: BaseException | None = None
    cons: dict[str, Connections] = field(default_factory=dict)
    auto_con: Any = None
    auto_error: BaseException | None = None

    def run_oracle(self) -> None:
        catalogs = kusto_oracle.flavour_catalogs(self.tmp / "catalogs")
        oracle = kusto_oracle.Oracle()
        for flavour in FLAVOURS:
            batch = {q.id: self.texts[q.id] for q in self.queries if q.flavour == flavour}
            run = oracle.run(catalogs[flavour], batch)
            self.verdicts.update(run.verdicts)
            self.oracle_seconds[flavour] = run.seconds
            self.oracle_installed = self.oracle_installed or run.installed

    def open_kqlite(self) -> None:
        began = time.perf_counter()
        data: dict[str, dict[str, Path]] | None = None
        try:
            data = generate_data(self.tmp / "generated")
        except Exception as error:  # noqa: BLE001 - every data check reports it
            self.data_error = error
        self.data_seconds = time.perf_counter() - began
        for flavour in FLAVOURS:
            cons = open_connections(flavour, data[flavour] if data else None)
            if data is None and self.data_error is not None and cons.data_error is None:
                cons.data_error = self.data_error
            self.cons[flavour] = cons
        try:
            self.auto_con, _ = _connect(None, None)
        except Exception as error:  # noqa: BLE001
            self.auto_error = error

    def check(self, query: Query) -> Outcome:
        return check_query(query, self.texts[query.id], self.verdicts[query.id], self.cons[query.flavour],
                           self.feed_base)

    def check_auto(self, query: Query) -> Outcome:
        outcome = check_auto_flavour(query, self.texts[query.id], self.auto_con, self.auto_error,
                                     self.cons[query.flavour].empty)
        if self.feed_base:
            outcome.reason = outcome.reason.replace(self.feed_base, FEED_PLACEHOLDER)
        return outcome

    def close(self) -> None:
        for cons in self.cons.values():
            for con in (cons.empty, cons.data):
                with contextlib.suppress(Exception):
                    if con is not None:
                        con.close()
        with contextlib.suppress(Exception):
            if self.auto_con is not None:
                self.auto_con.close()


@contextlib.contextmanager
def environment(queries: tuple[Query, ...] | None = None, with_kqlite: bool = True) -> Iterator[Environment]:
    queries = load_corpus() if queries is None else queries
    tmp = Path(tempfile.mkdtemp(prefix="kqlite-corpus-"))
    try:
        with serve_feeds() as base:
            env = Environment(queries, tmp, base)
            env.texts = {q.id: q.render(base) for q in queries}
            env.run_oracle()
            if with_kqlite:
                env.open_kqlite()
            try:
                yield env
            finally:
                env.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def leak_report(outcomes: list[Outcome]) -> str:
    """One line per check that failed only on the shared connection (an earlier query left state behind)."""
    return "\n".join(f"{o.key}: {leak}" for o in outcomes for leak in o.leaks)


def summary_lines(outcomes: list[Outcome], env: Environment | None = None) -> list[str]:
    main = [o for o in outcomes if not o.is_auto]
    auto = [o for o in outcomes if o.is_auto]
    lines = []

    def rate(items: list[Outcome]) -> str:
        passed = sum(o.passed for o in items)
        return f"{passed}/{len(items)} ({100.0 * passed / len(items):.1f}%)" if items else "0/0"

    if main:
        lines.append(f"corpus: {rate(main)} queries pass")
        if env is not None:
            accepted = sum(env.verdicts[o.query.id].accepted for o in main if o.query.id in env.verdicts)
            lines.append(f"  the oracle accepts {accepted} of {len(main)}")
        for flavour in FLAVOURS:
            items = [o for o in main if o.query.flavour == flavour]
            if items:
                lines.append(f"  {flavour}: {rate(items)}")
        families = sorted({o.query.family for o in main})
        for family in families:
            lines.append(f"    {family}: {rate([o for o in main if o.query.family == family])}")
    if auto:
        told = [o for o in auto if not o.undetermined]
        lines.append(f"auto flavour: {rate(told)} pick the declared flavour"
                     + (f" ({len(auto) - len(told)} undetermined: the query compiles in no flavour)"
                        if len(told) < len(auto) else ""))
    failing = [o for o in outcomes if not o.passed and not o.undetermined]
    if failing:
        counts: dict[str, list[str]] = {}
        for o in failing:
            counts.setdefault(o.category or o.stage, []).append(o.key)
        lines.append("failure categories:")
        for category, keys in sorted(counts.items(), key=lambda item: (-len(item[1]), item[0])):
            lines.append(f"  {len(keys):4d}  {category}  (e.g. {', '.join(keys[:2])})")
    leaky = [o for o in outcomes if o.leaks]
    if leaky:
        lines.append(f"connection state: {len(leaky)} checks fail on the session's shared connection but pass on a "
                     f"fresh one (e.g. {', '.join(o.key for o in leaky[:4])})")
    if env is not None:
        timings = ", ".join(f"{f} {s:.1f} s" for f, s in env.oracle_seconds.items())
        install = " (including its first-use npm install)" if env.oracle_installed else ""
        lines.append(f"oracle: {timings}{install}; generated data: {env.data_seconds:.1f} s")
    return lines


def _lint() -> int:
    """``python tests/corpus/corpus_check.py``: the oracle's verdict on the corpus (no kqlite)."""
    reason = kusto_oracle.unavailable_reason()
    if reason:
        print(f"the Kusto oracle cannot run: {reason}")
        return 1
    queries = load_corpus()
    bad = 0
    with environment(queries, with_kqlite=False) as env:
        for q in queries:
            verdict = env.verdicts[q.id]
            if q.expect == "ok" and not verdict.accepted:
                bad += 1
                print(f"{q.id} ({q.path.name}:{q.line}) rejected: {verdict.errors[:3]}")
            elif q.expect == "error" and verdict.accepted:
                bad += 1
                print(f"{q.id} ({q.path.name}:{q.line}) is meant to be invalid but is accepted")
            elif q.expect == "ok" and "auto-trap" not in q.tags and lexical_flavour(q.text) != q.flavour:
                bad += 1
                print(f"{q.id} ({q.path.name}:{q.line}) declared {q.flavour}, reads as {lexical_flavour(q.text)}")
        timings = ", ".join(f"{f} {s:.1f} s" for f, s in env.oracle_seconds.items())
    print(f"{len(queries)} queries, {bad} problems; oracle {timings}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(_lint())


def _on_fresh_connection(make, attempt, failure):
    """A check tried again on a fresh connection: its verdict, or the shared connection's when no fresh one
    can be opened."""
    fresh = None
    try:
        fresh = make()
        return attempt(fresh)
    except Exception:  # noqa: BLE001 - cannot retry: the shared connection's verdict stands
        return failure
    finally:
        if fresh is not None:
            with contextlib.suppress(Exception):
                fresh.close()
