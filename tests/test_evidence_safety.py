"""Evidence is never lost or doubled without a word: stores that take any mix of inputs, concurrent ingests,
malformed CSV, damaged EVTX chunks, hunts over data the rule cannot use, encodings, archives, and IP forms.
Shared recordings are read from ../shared/datasets (skipped when absent)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from click.testing import CliRunner

from kqlite.cli import main
from kqlite.errors import KqlError
from kqlite.ingest import store
from kqlite.ingest.pipeline import IngestReport, load

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
LATERAL = DATASETS / "evtx-attack-samples" / "lateral-movement"
MMC20_EVTX = LATERAL / "LM_impacket_docmexec_mmc_sysmon_01.evtx"
needs_datasets = pytest.mark.skipif(not LATERAL.is_dir(), reason="../shared/datasets is not present")


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner(env={"COLUMNS": "250"})

    def invoke(*args: object):
        return runner.invoke(main, [str(arg) for arg in args])

    return invoke


def column_types(db: Path, table: str) -> dict[str, str]:
    with duckdb.connect(str(db), read_only=True) as connection:
        return {row[0]: row[1] for row in connection.execute(f'DESCRIBE "{table}"').fetchall()}


def csv_file(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


# --- 1. columns of nulls only are stored with the schema's type ----------------------------------------


def test_all_null_columns_are_stored_with_the_schema_type(tmp_path):
    db = tmp_path / "store.duckdb"
    nulls = pa.table({"FileName": ["a.exe"], "ProcessId": pa.nulls(1), "ProcessCreationTime": pa.nulls(1),
                      "Custom": pa.nulls(1)})
    store.write(db, {"DeviceProcessEvents": nulls}, IngestReport())
    types = column_types(db, "DeviceProcessEvents")
    assert (types["ProcessId"], types["ProcessCreationTime"], types["Custom"]) == ("BIGINT", "TIMESTAMP", "VARCHAR")
    typed = pa.table({"FileName": ["b.exe"], "ProcessId": pa.array([5]),
                      "ProcessCreationTime": pa.array([datetime(2024, 1, 2)]), "Custom": ["x"]})
    store.write(db, {"DeviceProcessEvents": typed}, IngestReport())
    assert column_types(db, "DeviceProcessEvents")["ProcessId"] == "BIGINT"  # not widened to text
    with duckdb.connect(str(db), read_only=True) as connection:
        assert connection.execute('SELECT ProcessId FROM "DeviceProcessEvents" ORDER BY FileName').fetchall() == [
            (None,), (5,)]


def test_every_row_of_a_write_gets_the_write_time(tmp_path):
    db = tmp_path / "store.duckdb"
    before = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    store.write(db, {"DeviceProcessEvents": pa.table({"FileName": ["a.exe", "b.exe", "c.exe"]}),
                     "DeviceEvents": pa.table({"FileName": ["d.exe"]})}, IngestReport())
    after = datetime.now(UTC).replace(tzinfo=None)
    with duckdb.connect(str(db), read_only=True) as connection:
        stamps = {stamp for table in ("DeviceProcessEvents", "DeviceEvents") for (stamp,) in connection.execute(
            f'SELECT _kqlite_ingestion_time FROM "{table}"').fetchall()}
        stamp_type = connection.execute("SELECT data_type FROM duckdb_columns() WHERE table_name = 'DeviceEvents' "
                                        "AND column_name = '_kqlite_ingestion_time'").fetchone()[0]
    assert len(stamps) == 1 and before <= stamps.pop() <= after
    assert stamp_type == "TIMESTAMP"


def test_a_write_begun_but_not_finished_leaves_the_store_as_it_was(tmp_path, monkeypatch):
    """The ingest begins the store's write while it maps the events; when the mapping fails, or the write fails
    after some tables were appended, it is rolled back: neither the files read nor their rows are stored."""
    from kqlite.ingest.pipeline import FileReport

    db = tmp_path / "store.duckdb"
    stored = IngestReport(files=[FileReport("a.csv", "defender-csv", records=1, digest="a" * 64)])
    store.write(db, {"DeviceEvents": pa.table({"FileName": ["a.exe"]})}, stored)
    unfinished = IngestReport(files=[FileReport("b.csv", "defender-csv", records=1, digest="b" * 64)])
    store.Writer(db, unfinished).close()  # the mapping failed before finish()
    assert store.known_hashes(db) == {"a" * 64}
    append = store._append

    def append_then_fail(connection, name, *args):
        append(connection, name, *args)
        if name == "DeviceFileEvents":  # the second table: the first is appended already
            raise duckdb.IOException("disk full")

    monkeypatch.setattr(store, "_append", append_then_fail)
    failing = store.Writer(db, unfinished)
    with pytest.raises(KqlError, match="cannot write the store \\(nothing was written\\): disk full"):
        failing.finish({"DeviceEvents": pa.table({"FileName": ["b.exe"]}),
                        "DeviceFileEvents": pa.table({"FileName": ["c.exe"]})}, origins={})
    failing.close()
    assert store.known_hashes(db) == {"a" * 64}
    with duckdb.connect(str(db), read_only=True) as connection:
        assert connection.execute('SELECT FileName FROM "DeviceEvents"').fetchall() == [("a.exe",)]


def test_a_write_abandoned_while_it_waits_for_the_store_stops_waiting(tmp_path):
    """The write begins on a thread, which waits while another process has the store open; abandoned (the
    mapping failed, Ctrl-C), it stops waiting at once instead of after --wait, and writes nothing."""
    import subprocess
    import sys
    import time

    from kqlite.ingest.pipeline import FileReport

    db = tmp_path / "store.duckdb"
    store.write(db, {"DeviceEvents": pa.table({"FileName": ["a.exe"]})}, IngestReport())
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb, time\nc = duckdb.connect({str(db)!r})\n"
                               "print('open', flush=True)\ntime.sleep(120)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        report = IngestReport(files=[FileReport("b.csv", "defender-csv", records=1, digest="b" * 64)])
        writer = store.Writer(db, report, wait=120)
        time.sleep(0.5)  # the writer's thread is waiting for the store
        started = time.monotonic()
        writer.close()
        assert time.monotonic() - started < 10  # not the 120 s of its wait
    finally:
        holder.kill()
        holder.wait()
    assert store.known_hashes(db) == set()


def test_a_null_typed_column_of_an_older_store_is_retyped(tmp_path):
    db = tmp_path / "old.duckdb"
    with duckdb.connect(str(db)) as connection:
        connection.execute('CREATE TABLE "DeviceNetworkEvents" AS SELECT \'10.0.0.1\' AS RemoteIP, NULL AS RemotePort')
    store.write(db, {"DeviceNetworkEvents": pa.table({"RemoteIP": ["10.0.0.2"], "RemotePort": pa.array([443],
                                                                                                       pa.int32())})},
                IngestReport())
    assert column_types(db, "DeviceNetworkEvents")["RemotePort"] == "INTEGER"


def test_columns_of_any_name_are_stored_by_name(tmp_path):
    """Extra columns named `*`, with a dot, a quote or a space are stored as themselves, matched by name
    (in a later write's other order, one of them missing: null there)."""
    db = tmp_path / "store.duckdb"
    names = ["*", "a.b", 'we"ird', "two words"]
    store.write(db, {"DeviceEvents": pa.table({"FileName": ["a.exe"], **{name: [name] for name in names}})},
                IngestReport())
    later = pa.table({"two words": ["later"], "*": ["star"], "FileName": ["b.exe"]})
    store.write(db, {"DeviceEvents": later}, IngestReport())
    with duckdb.connect(str(db), read_only=True) as connection:
        relation = connection.table("DeviceEvents").order("FileName")
        rows = [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]
    assert [{name: row[name] for name in ["FileName", *names]} for row in rows] == [
        {"FileName": "a.exe", "*": "*", "a.b": "a.b", 'we"ird': 'we"ird', "two words": "two words"},
        {"FileName": "b.exe", "*": "star", "a.b": None, 'we"ird': None, "two words": "later"}]


@needs_datasets
@pytest.mark.parametrize("evtx_first", [True, False], ids=["evtx-then-export", "export-then-evtx"])
def test_a_store_takes_evtx_and_a_defender_export_in_either_order(run, tmp_path, evtx_first):
    export = csv_file(tmp_path / "DeviceProcessEvents.csv",
                      "Timestamp,DeviceName,ActionType,FileName,ProcessId,LogonId,InitiatingProcessParentCreationTime",
                      ["2024-03-02T00:00:00Z,srv01,ProcessCreated,a.exe,1,,", "2024-03-02T00:00:01Z,srv01,,b.exe,,,"])
    db = tmp_path / "store.duckdb"
    for path in ([MMC20_EVTX, export] if evtx_first else [export, MMC20_EVTX]):
        result = run("ingest", path, "--db", db)
        assert result.exit_code == 0, result.output
        assert "Traceback" not in result.output
    assert '"NULL"' not in column_types(db, "DeviceProcessEvents").values()
    with duckdb.connect(str(db), read_only=True) as connection:
        assert connection.execute('SELECT count(*) FROM "DeviceProcessEvents"').fetchone() == (5 + 2,)


# --- 2. concurrent ingests store every row once ------------------------------------------------------------


def _events_csv(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for part in range(count):
        csv_file(folder / f"DeviceProcessEvents-{part}.csv", "Timestamp,DeviceName,ActionType,FileName,ProcessId",
                 [f"2024-03-02T00:00:{second:02d}Z,srv{part},ProcessCreated,p{second}.exe,{second}"
                  for second in range(50)])
    return folder


def _stored_rows(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as connection:
        rows = connection.execute('SELECT DeviceName, ProcessId FROM "DeviceProcessEvents"').fetchall()
        ledger = connection.execute("SELECT count(*) FROM _kqlite_files").fetchone()
    return rows + [("ledger", ledger[0])]


def test_a_file_stored_by_another_run_meanwhile_is_dropped_inside_the_write(tmp_path):
    """The race itself, without the lock: run A reads, run B reads and stores the same files, then A writes."""
    from kqlite.ingest.pipeline import Ingest

    evidence = _events_csv(tmp_path / "evidence", 3)
    db = tmp_path / "store.duckdb"
    first = Ingest(known_hashes=store.known_hashes(db))
    first.add([evidence / "DeviceProcessEvents-0.csv", evidence / "DeviceProcessEvents-1.csv"])
    second = Ingest(known_hashes=store.known_hashes(db))
    second.add([evidence])
    store.write(db, second.tables(), second.report, second.origins())
    store.write(db, first.tables(), first.report, first.origins())
    first.close()
    second.close()
    rows = _stored_rows(db)
    assert rows[-1] == ("ledger", 3)
    assert len(rows) - 1 == 150 and len(set(rows)) == 151  # every row once
    assert [file.skipped for file in first.report.files] == ["already ingested (by another run, meanwhile)"] * 2
    assert first.report.rows == {}


def _ingest_process(evidence: Path, db: Path, log: Path):
    import subprocess
    import sys

    code = "import sys; from kqlite.cli import main; sys.exit(main())"
    return subprocess.Popen([sys.executable, "-c", code, "ingest", str(evidence), "--db", str(db)],
                            stdout=log.open("w"), stderr=subprocess.STDOUT, env={**__import__("os").environ,
                                                                                 "COLUMNS": "200"})


def test_two_concurrent_ingests_store_every_row_once(tmp_path):
    evidence = _events_csv(tmp_path / "evidence", 40)
    db = tmp_path / "store.duckdb"
    first = _ingest_process(evidence, db, tmp_path / "first.log")
    second = _ingest_process(evidence, db, tmp_path / "second.log")
    assert (first.wait(120), second.wait(120)) == (0, 0), (tmp_path / "first.log").read_text() + \
        (tmp_path / "second.log").read_text()
    logs = (tmp_path / "first.log").read_text() + (tmp_path / "second.log").read_text()
    assert "Traceback" not in logs
    assert "40 skipped" in logs  # the later one found every file in the ledger
    rows = _stored_rows(db)
    assert rows[-1] == ("ledger", 40)
    assert len(rows) - 1 == 40 * 50 and len(set(rows)) == 40 * 50 + 1


def test_a_busy_store_is_refused_cleanly_after_the_wait(run, tmp_path):
    from kqlite.ingest.lock import writer_lock

    evidence = _events_csv(tmp_path / "evidence", 1)
    db = tmp_path / "store.duckdb"
    with writer_lock(db):
        result = run("ingest", evidence, "--db", db, "--wait", "0.5")
    assert result.exit_code == 2
    assert "waiting for another kqlite ingest" in result.stderr
    assert "another kqlite ingest is writing this store; gave up after 0.5 s" in result.stderr
    assert "Traceback" not in result.output


# --- 3. an unclosed quote in a CSV costs one record --------------------------------------------------------

CSV_COLUMNS = "Timestamp,DeviceName,ActionType,FileName,ProcessId,ProcessCommandLine"


def _csv_rows(count: int) -> list[str]:
    return [f"2024-03-02T00:{n // 60 % 60:02d}:{n % 60:02d}Z,srv01,ProcessCreated,p{n}.exe,{n},p{n}.exe /x"
            for n in range(count)]


@pytest.mark.parametrize("closed_later", [False, True], ids=["to-the-end", "closed-by-a-later-quote"])
def test_an_unclosed_quote_rejects_its_line_and_the_rows_after_it_are_read(tmp_path, closed_later):
    rows = _csv_rows(1000)
    rows[10] = '2024-03-02T00:00:10Z,srv01,ProcessCreated,p10.exe,10,"cmd /c echo unclosed'  # file line 12
    if closed_later:
        rows[500] = '2024-03-02T00:08:20Z,srv01,ProcessCreated,p500.exe,500,"cmd /c ""quoted"" ok"'
    path = csv_file(tmp_path / "DeviceProcessEvents.csv", CSV_COLUMNS, rows)
    tables, report = load([path])
    assert report.rows == {"DeviceProcessEvents": 999}
    [reject] = report.rejects.rejects
    assert (reject.position, reject.raw) == ("line 12", rows[10])
    assert reject.reason.startswith("unclosed quote")
    stored = tables["DeviceProcessEvents"].column("ProcessId").to_pylist()
    assert stored == [n for n in range(1000) if n != 10]
    if closed_later:
        assert tables["DeviceProcessEvents"].column("ProcessCommandLine")[499].as_py() == 'cmd /c "quoted" ok'


def test_an_unclosed_quote_on_the_last_line_is_rejected(tmp_path):
    rows = [*_csv_rows(3), '2024-03-02T00:00:09Z,srv01,ProcessCreated,p9.exe,9,"no end']
    path = tmp_path / "DeviceProcessEvents.csv"
    path.write_text("\n".join([CSV_COLUMNS, *rows]), encoding="utf-8")  # no final line break
    _, report = load([path])
    assert report.rows == {"DeviceProcessEvents": 3}
    assert [(r.position, r.reason.split(":")[0]) for r in report.rejects.rejects] == [("line 5", "unclosed quote")]


def test_a_quoted_line_break_stays_one_field(tmp_path):
    rows = _csv_rows(4)
    rows[1] = '2024-03-02T00:00:01Z,srv01,ProcessCreated,p1.exe,1,"powershell -c ""a""\nGet-Date, x"'
    tables, report = load([csv_file(tmp_path / "DeviceProcessEvents.csv", CSV_COLUMNS, rows)])
    assert len(report.rejects) == 0
    assert tables["DeviceProcessEvents"].column("ProcessCommandLine")[1].as_py() == 'powershell -c "a"\nGet-Date, x'


# --- 8. IP addresses in one canonical form ----------------------------------------------------------------


def _canonical(text: str) -> str:
    """Python's compressed form; IPv4-mapped as Defender writes it (::ffff:10.0.0.5)."""
    import ipaddress

    address = ipaddress.ip_address(text)
    if address.version == 6 and address.ipv4_mapped is not None:
        return f"::ffff:{address.ipv4_mapped}"
    return address.compressed


def test_canonical_addresses_are_python_ipaddress_compressed_forms():
    import random

    from kqlite.ingest.addresses import canonical_ipv6

    rng = random.Random(7)
    samples = ["0:0:0:0:0:0:0:1", "::1", "::", "0:0:0:0:0:0:0:0", "FE80:0:0:0:1C2B:0:0:1", "::ffff:10.0.0.5",
               "0:0:0:0:0:ffff:a00:5", "::FFFF:192.168.1.1", "2001:db8:0:0:1:0:0:1", "1:0:0:2:0:0:0:3",
               "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "2001:0db8:0000:0000:0000:ff00:0042:8329"]
    for _ in range(2000):
        groups = [rng.choice([0, 0, 0, 1, 0xFFFF, rng.randrange(65536)]) for _ in range(8)]
        samples.append(":".join(f"{g:x}" if rng.random() < 0.5 else f"{g:04X}" for g in groups))
    assert [canonical_ipv6(sample) for sample in samples] == [_canonical(sample) for sample in samples]
    assert canonical_ipv6("[FE80::1] ") == "fe80::1"
    untouched = ["10.0.0.5", "-", "", "1::2::3", "fe80::zz", "fe80::1%eth0", "12345::1", "1:2:3:4:5:6:7:8:9"]
    assert [canonical_ipv6(text) for text in untouched] == untouched  # not an IPv6 address: as it was


def test_ipv6_addresses_of_sysmon_and_security_events_join(tmp_path):
    from ingest_fixtures import COMPUTER, events_xml, logon_4624, network_connect

    import kqlite

    inbound = network_connect(10, "2024-03-01 10:05:01.250", "{11111111-0000-0000-0000-000000000001}", 3572,
                              r"C:\Windows\System32\mmc.exe", r"CORP\Alice", "tcp", False,
                              ("0:0:0:0:0:0:0:1", "", 50123), ("FE80:0:0:0:1C2B:0:0:5", "", 49163))
    mapped = network_connect(11, "2024-03-01 10:05:02.250", "{11111111-0000-0000-0000-000000000001}", 3572,
                             r"C:\Windows\System32\mmc.exe", r"CORP\Alice", "tcp", True,
                             ("0:0:0:0:0:ffff:a00:5", "", 50124), ("10.0.0.9", "", 445))
    logon = logon_4624(300, "2024-03-01T10:04:59.0000000Z", computer=COMPUTER)
    logon.data["IpAddress"] = "::1"
    path = tmp_path / "events.xml"
    path.write_text(events_xml([inbound, mapped, logon]), encoding="utf-8")
    tables, _ = load([path])
    network = tables["DeviceNetworkEvents"].to_pylist()
    assert [(row["LocalIP"], row["RemoteIP"]) for row in network] == [("fe80::1c2b:0:0:5", "::1"),
                                                                      ("::ffff:10.0.0.5", "10.0.0.9")]
    assert [row["RemoteIPType"] for row in network] == ["Loopback", "Private"]
    joined = kqlite.connect(tables=tables).query(
        "DeviceNetworkEvents | join kind=inner (DeviceLogonEvents) on RemoteIP | project RemoteIP").rows()
    assert joined == [("::1",)]


# --- 4. a zeroed or damaged EVTX chunk is counted against the chunk headers --------------------------------

EVTX_HEADER, EVTX_CHUNK = 4096, 65536
FILE_COPY = LATERAL / "LM_5145_Remote_FileCopy.evtx"  # 10 chunks of Security 5145 events, records 1..869


def _damaged_copy(tmp_path: Path, chunk: int, how: str) -> Path:
    data = bytearray(FILE_COPY.read_bytes())
    start = EVTX_HEADER + chunk * EVTX_CHUNK
    if how == "zeroed":
        data[start:start + EVTX_CHUNK] = bytes(EVTX_CHUNK)
    else:  # the chunk's header overwritten
        data[start + 8:start + 40] = b"\xff" * 32
    path = tmp_path / f"{how}-{chunk}.evtx"
    path.write_bytes(bytes(data))
    return path


@needs_datasets
@pytest.mark.parametrize(("chunk", "how", "lost"), [(1, "zeroed", 99), (9, "zeroed", 82), (0, "zeroed", 98),
                                                    (4, "header", 82)])
def test_a_zeroed_or_damaged_evtx_chunk_is_rejected_with_its_record_count(tmp_path, chunk, how, lost):
    path = _damaged_copy(tmp_path, chunk, how)
    _, report = load([path])
    [file] = report.files
    assert (file.records, file.records_in, file.unmapped, file.rejected) == (869 - lost, 869, 869 - lost, lost)
    [reject] = report.rejects.rejects
    start = EVTX_HEADER + chunk * EVTX_CHUNK
    assert (reject.position, reject.records) == (f"chunk {chunk} (bytes {start}..{start + EVTX_CHUNK})", lost)
    assert reject.reason.startswith("damaged EVTX chunk")


@needs_datasets
def test_a_hunt_on_an_evtx_with_a_zeroed_chunk_says_records_were_lost(run, tmp_path):
    result = run("hunt", _damaged_copy(tmp_path, 1, "zeroed"))
    assert "1 malformed record(s)" in result.stderr and "99 records" in result.stderr


# --- 5. a hunt over evidence the rule cannot use says so, with exit code 3 ---------------------------------


@pytest.mark.parametrize("form", ["streaming-json", "sysmon-evtx-xml"])
def test_hunt_data_reads_a_generated_folder_of_any_format(run, tmp_path, form):
    out = tmp_path / form
    assert run("generate", "--devices", "4", "--hours", "1", "--out", out, "--format", form).exit_code == 0
    result = run("hunt", "--data", out, "--format", "json", "--rule", "defender.remote-dcom-child-proc")
    assert result.exit_code == 0, result.output
    assert "DeviceProcessEvents" in result.stderr  # read, not attached by name
    assert [json.loads(line)["evidence"]["FileName"] for line in result.stdout.splitlines()]  # the attacks fire


def test_hunt_on_nothing_usable_exits_3_and_says_what_it_read(run, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "readme.txt").write_text("nothing here\n", encoding="utf-8")
    assert run("hunt", "--data", empty).exit_code == 2  # refused: no files at all
    for args in (["hunt", empty], ["hunt", notes], ["hunt", "--data", notes]):
        result = run(*args)
        assert result.exit_code == 3, (args, result.output)
        assert "no alerts" not in result.stdout
        assert "nothing to look at: none of the tables the rules read (" in result.stderr
        assert "DeviceNetworkEvents, DeviceProcessEvents" in result.stderr
    assert "skipped 1 file(s): not a supported format" in result.stderr
    query = run("query", "DeviceProcessEvents | count", notes)
    assert query.exit_code == 3 and "nothing to look at" in query.stderr
    other = csv_file(tmp_path / "DeviceLogonEvents.csv", "Timestamp,DeviceName,ActionType", ["2024-01-01,a,LogonSuccess"])
    assert run("query", "DeviceLogonEvents | count", other).exit_code == 0


@needs_datasets
def test_hunt_on_a_security_only_evtx_exits_3(run):
    result = run("hunt", LATERAL / "LM_5145_Remote_FileCopy.evtx")
    assert result.exit_code == 3, result.output
    assert "evtx (1)" in result.stderr
    assert "Microsoft-Windows-Security-Auditing 5145 (869)" in result.stderr
    assert "869 record(s) in: 0 stored, 0 rejected, 869 unmapped (no table)" in result.stderr


# --- 6. encodings, tab-separated files, unreadable folders, extra columns of two types ---------------------

PS_HEADER = "Timestamp,DeviceName,ActionType,FileName,ProcessId"
PS_ROWS = ["2024-03-02T00:00:00Z,srv01,ProcessCreated,café.exe,1", "2024-03-02T00:00:01Z,srv01,ProcessCreated,b.exe,2"]


@pytest.mark.parametrize(("encoding", "bom"), [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"),
                                               ("utf-32-le", b"\xff\xfe\x00\x00"), ("utf-16-le", b"")],
                         ids=["utf-16-le", "utf-16-be", "utf-32-le", "utf-16-le-without-bom"])
def test_utf16_and_utf32_csv_and_json_are_read(tmp_path, encoding, bom):
    csv_path = tmp_path / "DeviceProcessEvents.csv"
    csv_path.write_bytes(bom + "\r\n".join([PS_HEADER, *PS_ROWS]).encode(encoding))
    json_path = tmp_path / "DeviceNetworkEvents.json"
    rows = [{"Timestamp": "2024-03-02T00:00:00Z", "DeviceName": "srv01", "RemoteIP": "10.0.0.1", "RemotePort": 445}]
    json_path.write_bytes(bom + json.dumps(rows, ensure_ascii=False).encode(encoding))
    tables, report = load([csv_path, json_path])
    assert report.rows == {"DeviceNetworkEvents": 1, "DeviceProcessEvents": 2}
    assert tables["DeviceProcessEvents"].column("FileName").to_pylist() == ["café.exe", "b.exe"]
    assert [(f.format, f.encoding) for f in report.files] == [("defender-csv", encoding), ("defender-json", encoding)]
    assert len(report.rejects) == 0


def test_cp1252_text_is_read_with_a_warning(run, tmp_path):
    path = tmp_path / "DeviceProcessEvents.csv"
    path.write_bytes("\n".join([PS_HEADER, *PS_ROWS]).encode("cp1252"))
    tables, report = load([path])
    assert tables["DeviceProcessEvents"].column("FileName").to_pylist() == ["café.exe", "b.exe"]
    assert report.warnings == [f"{path}: not UTF-8; read as cp1252 (the encoding is a guess: check accented letters)"]
    result = run("query", "DeviceProcessEvents | project FileName", path, "--format", "csv")
    assert result.stdout.splitlines() == ["FileName", "café.exe", "b.exe"]
    assert "warning:" in result.stderr and "read as cp1252" in result.stderr


def test_cp1252_xml_export_with_its_declaration(tmp_path):
    from ingest_fixtures import events_xml, mmc20_events

    events = mmc20_events()
    events[4].data["CommandLine"] = "cmd.exe /c echo café"
    text = events_xml(events).replace('encoding="utf-8"', 'encoding="windows-1252"')
    path = tmp_path / "export.xml"
    path.write_bytes(text.encode("cp1252"))
    tables, report = load([path])
    assert "cmd.exe /c echo café" in tables["DeviceProcessEvents"].column("ProcessCommandLine").to_pylist()
    assert len(report.rejects) == 0


def test_tab_separated_files_are_split_on_tabs(tmp_path):
    path = tmp_path / "DeviceProcessEvents.tsv"
    path.write_text("\n".join(line.replace(",", "\t") for line in [PS_HEADER, *PS_ROWS]) + "\n", encoding="utf-8")
    same = tmp_path / "export.txt"  # no telling extension: the header tells
    same.write_text("\n".join(line.replace(",", "\t").replace("srv01", "srv02") for line in [PS_HEADER, *PS_ROWS]),
                    encoding="utf-8")
    tables, report = load([path, same])
    assert report.rows["DeviceProcessEvents"] == 4
    assert tables["DeviceProcessEvents"].column("ProcessId").to_pylist() == [1, 2, 1, 2]


def test_an_unreadable_folder_is_reported_as_skipped(run, tmp_path, monkeypatch):
    import os

    evidence = tmp_path / "evidence"
    (evidence / "locked").mkdir(parents=True)
    csv_file(evidence / "DeviceProcessEvents.csv", PS_HEADER, PS_ROWS)
    real_scandir = os.scandir

    def scandir(path="."):  # as for a folder without read permission (the tests may run as root)
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    _, report = load([evidence])
    assert [(f.name, f.format, f.skipped) for f in report.files if f.skipped] == [
        (str(evidence / "locked"), "folder", "cannot read the folder: Permission denied")]
    result = run("hunt", evidence)
    assert "skipped 1 file(s), cannot read the folder: Permission denied: locked" in result.stderr


def test_an_extra_column_that_is_a_number_here_and_text_there(run, tmp_path):
    first = tmp_path / "a" / "DeviceProcessEvents.json"
    second = tmp_path / "b" / "DeviceProcessEvents.csv"
    first.parent.mkdir()
    second.parent.mkdir()
    first.write_text(json.dumps({"Timestamp": "2024-03-02T00:00:00Z", "FileName": "a.exe", "Ticket": 42}) + "\n",
                     encoding="utf-8")
    csv_file(second, "Timestamp,FileName,Ticket", ["2024-03-02T00:00:01Z,b.exe,INC-7"])
    tables, _ = load([first, second])
    assert tables["DeviceProcessEvents"].column("Ticket").to_pylist() == ["42", "INC-7"]
    db = tmp_path / "store.duckdb"
    assert run("ingest", first, "--db", db).exit_code == 0
    result = run("ingest", second, "--db", db)
    assert result.exit_code == 0, result.output
    assert column_types(db, "DeviceProcessEvents")["Ticket"] == "VARCHAR"


# --- 7. encrypted and oversized archives -------------------------------------------------------------------

needs_zip = pytest.mark.skipif(__import__("shutil").which("zip") is None, reason="the zip command is not installed")


def _encrypted_zip(tmp_path: Path, password: str, name: str = "evidence.zip") -> Path:
    import subprocess

    folder = tmp_path / f"content-{password}"
    folder.mkdir()
    csv_file(folder / "DeviceProcessEvents.csv", PS_HEADER, PS_ROWS)
    archive = tmp_path / name
    subprocess.run(["zip", "-q", "-j", "-P", password, str(archive), str(folder / "DeviceProcessEvents.csv")],
                   check=True)
    return archive


@needs_zip
def test_a_zip_with_the_password_infected_is_read(run, tmp_path):
    archive = _encrypted_zip(tmp_path, "infected")
    other = csv_file(tmp_path / "DeviceNetworkEvents.csv", "Timestamp,DeviceName,RemoteIP", ["2024-03-02,srv01,10.0.0.1"])
    db = tmp_path / "store.duckdb"
    result = run("ingest", archive, other, "--db", db)
    assert result.exit_code == 0, result.output
    assert "2 file(s) read" in result.stdout
    with duckdb.connect(str(db), read_only=True) as connection:
        assert connection.execute('SELECT count(*) FROM "DeviceProcessEvents"').fetchone() == (2,)


@needs_zip
def test_a_zip_with_another_password_is_one_reject_until_it_is_given(run, tmp_path):
    archive = _encrypted_zip(tmp_path, "s3cret")
    other = csv_file(tmp_path / "DeviceNetworkEvents.csv", "Timestamp,DeviceName,RemoteIP", ["2024-03-02,srv01,10.0.0.1"])
    db = tmp_path / "store.duckdb"
    result = run("ingest", archive, other, "--db", db)
    assert result.exit_code == 0, result.output  # the other file is stored
    [reject] = [json.loads(line) for line in (tmp_path / "store.duckdb.rejects.jsonl").read_text().splitlines()]
    assert reject["file"] == f"{archive}!DeviceProcessEvents.csv"
    assert "encrypted zip member: the password does not open it (tried 'infected'; give --password)" \
        in reject["reason"]
    given = run("query", "DeviceProcessEvents | count", archive, "--password", "s3cret", "--format", "csv")
    assert given.stdout.splitlines() == ["Count", "2"]


def test_an_aes_encrypted_member_is_one_reject_naming_it(tmp_path):
    import zipfile

    archive = tmp_path / "aes.zip"
    with zipfile.ZipFile(archive, "w") as writer:
        writer.writestr("DeviceProcessEvents.csv", "\n".join([PS_HEADER, *PS_ROWS]))
        writer.writestr("notes.txt", "hello")
    data = bytearray(archive.read_bytes())
    for signature, flags in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # the first member: encrypted, method 99
        at = data.index(signature)
        data[at + flags] |= 1
        data[at + flags + 2:at + flags + 4] = (99).to_bytes(2, "little")
    archive.write_bytes(bytes(data))
    _, report = load([archive])
    [reject] = report.rejects.rejects
    assert reject.file == f"{archive}!DeviceProcessEvents.csv"
    assert reject.reason.startswith(f"{archive}!DeviceProcessEvents.csv: AES-encrypted zip member")
    # one rejected record, and the other member is still looked at
    assert [(f.name, f.format, f.records_in, f.rejected) for f in report.files] == [
        (f"{archive}!DeviceProcessEvents.csv", "unreadable", 1, 1), (f"{archive}!notes.txt", "unknown", None, 0)]


def _zeros_zip(tmp_path: Path, size: int) -> Path:
    import zipfile

    archive = tmp_path / "zeros.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as writer:
        writer.writestr("DeviceProcessEvents.csv", PS_HEADER + "\n" + "\n" * size)
        writer.writestr("DeviceNetworkEvents.csv", "Timestamp,DeviceName,RemoteIP\n2024-03-02,srv01,10.0.0.1\n")
    return archive


def test_archive_caps_refuse_a_member_and_read_the_others(run, tmp_path):
    from kqlite.ingest.sources import ArchiveLimits

    archive = _zeros_zip(tmp_path, 4 << 20)
    _, report = load([archive], archives=ArchiveLimits(ratio=100, min_bomb=1 << 20))
    [reject] = report.rejects.rejects
    assert "compressed more than 100:1" in reject.reason and "an archive bomb, not read" in reject.reason
    assert report.rows == {"DeviceNetworkEvents": 1}
    result = run("query", "DeviceNetworkEvents | count", archive, "--max-expand", "1MB", "--format", "csv")
    assert result.stdout.splitlines() == ["Count", "1"]
    assert "archive member larger than the cap of 1,048,576 bytes (raise it with --max-expand)" in \
        (tmp_path / "kqlite-rejects.jsonl").read_text()


def test_large_members_are_streamed_to_a_temporary_file_removed_at_the_end(tmp_path, monkeypatch):
    import kqlite.ingest.sources as sources

    monkeypatch.setattr(sources, "_IN_MEMORY", 1024)
    archive = _zeros_zip(tmp_path, 4096)
    limits = sources.ArchiveLimits()
    spilled = []
    spill_file = limits.spill_file
    monkeypatch.setattr(limits, "spill_file", lambda: spilled.append(spill_file()) or spilled[-1])
    tables, report = load([archive], archives=limits)
    assert len(spilled) == 1 and not Path(spilled[0].name).exists()
    assert report.rows == {"DeviceNetworkEvents": 1}  # the big member: a header and blank lines, no rows
    assert [f.records_in for f in report.files] == [1, 0]
    assert limits.workdir is None and not list(tmp_path.glob("kqlite-archive-*"))


def test_a_damaged_member_does_not_stop_the_other_members(tmp_path):
    import zipfile

    archive = tmp_path / "two.zip"
    with zipfile.ZipFile(archive, "w") as writer:
        writer.writestr("DeviceNetworkEvents.csv", "Timestamp,DeviceName,RemoteIP\n2024-03-02,srv01,10.0.0.1\n")
        writer.writestr("DeviceProcessEvents.csv", "\n".join([PS_HEADER, *PS_ROWS]))
    data = bytearray(archive.read_bytes())
    at = data.index(b"Timestamp,DeviceName,RemoteIP")
    data[at] ^= 0xFF  # the first member's bytes no longer match its CRC
    archive.write_bytes(bytes(data))
    _, report = load([archive])
    assert report.rows == {"DeviceProcessEvents": 2}
    [reject] = report.rejects.rejects
    assert reject.file == f"{archive}!DeviceNetworkEvents.csv" and "damaged archive member" in reject.reason


def test_a_store_in_a_missing_folder_is_a_clean_error(run, tmp_path):
    evidence = _events_csv(tmp_path / "evidence", 1)
    result = run("ingest", evidence, "--db", tmp_path / "no" / "such" / "store.duckdb")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and "Traceback" not in result.output


def test_a_finished_write_is_closed_on_a_thread_and_close_waits_for_it(tmp_path, monkeypatch):
    """After the commit the store is closed on a thread (DuckDB writes the rows into its file meanwhile) while
    the command reports; close() waits for it, and a failure there is told, not lost."""
    import threading

    from kqlite.ingest.pipeline import FileReport

    db = tmp_path / "store.duckdb"
    report = IngestReport(files=[FileReport("a.csv", "defender-csv", records=1, digest="a" * 64)])
    writer = store.Writer(db, report)
    release = threading.Event()
    close_committed = store.Writer._close_committed

    def slow_close(self, connection):
        release.wait(30)
        close_committed(self, connection)

    monkeypatch.setattr(store.Writer, "_close_committed", slow_close)
    writer.finish({"DeviceEvents": pa.table({"FileName": ["a.exe"]})}, origins={})
    assert writer._closing is not None and writer._closing.is_alive()  # finish returned before the close
    threading.Timer(0.3, release.set).start()
    writer.close()
    assert not writer._closing.is_alive()
    with duckdb.connect(str(db), read_only=True) as connection:  # the file is free and holds the rows
        assert connection.execute('SELECT FileName FROM "DeviceEvents"').fetchall() == [("a.exe",)]

    class FailingClose:  # DuckDB's close failing (its checkpoint: disk full), the connection closed all the same
        def __init__(self, connection):
            self.connection = connection

        def close(self):
            self.connection.close()
            raise duckdb.IOException("disk full")

    monkeypatch.setattr(store.Writer, "_close_committed",
                        lambda self, connection: close_committed(self, FailingClose(connection)))
    second = store.Writer(db, IngestReport(files=[FileReport("b.csv", "defender-csv", records=1, digest="b" * 64)]))
    second.finish({"DeviceEvents": pa.table({"FileName": ["b.exe"]})}, origins={})
    with pytest.raises(KqlError, match="the rows are committed, but closing the store failed: .*disk full"):
        second.close()
    assert store.known_hashes(db) == {"a" * 64, "b" * 64}
