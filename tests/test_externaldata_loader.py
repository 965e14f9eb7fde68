"""The data half of externaldata (kqlite.external): formats, typing, compression, the download cache and the
local-path policy, against a throwaway HTTP server on 127.0.0.1 (the tests never reach another host)."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import socket
import threading
import zipfile
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from kqlite.external import (
    ExternalDataError,
    ExternalPolicy,
    cache_file,
    load_externaldata,
    load_externaldata_report,
    report_of,
)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


class FeedServer:
    """Serves the files of `root` with ETags (and 304 on If-None-Match), plus a few fixed routes."""

    def __init__(self, root: Path):
        self.root = root
        self.hits: Counter[str] = Counter()
        self.headers: dict[str, dict[str, str]] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                server.hits[path] += 1
                server.headers[path] = dict(self.headers)
                if path == "/redirect-ftp":
                    self.send_response(302)
                    self.send_header("Location", "ftp://127.0.0.1/feed.csv")
                    self.end_headers()
                    return
                if path.startswith("/redirect/"):
                    self.send_response(302)
                    self.send_header("Location", "/" + path.removeprefix("/redirect/"))
                    self.end_headers()
                    return
                file = server.root / path.lstrip("/")
                if not file.is_file():
                    self.send_error(404, "Not Found")
                    return
                body = file.read_bytes()
                etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        self.running = True

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"

    def put(self, name: str, content: str | bytes) -> str:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return self.url(name)

    def stop(self) -> None:
        if self.running:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.running = False


@pytest.fixture(autouse=True)
def _local_network_only(monkeypatch):
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    real = socket.create_connection

    def guarded(address, *args, **kwargs):
        assert address[0] in ("127.0.0.1", "localhost"), f"a test tried to reach {address}"
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", guarded)


@pytest.fixture
def server(tmp_path):
    feeds = FeedServer(tmp_path / "served")
    (tmp_path / "served").mkdir()
    yield feeds
    feeds.stop()


@pytest.fixture
def data_dir(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


@pytest.fixture
def policy(tmp_path, data_dir):
    return ExternalPolicy(allowed_dirs=[data_dir], cache_dir=tmp_path / "cache")


def rows(table: pa.Table) -> list[tuple]:
    return [tuple(r.values()) for r in table.to_pylist()]


# --- formats ------------------------------------------------------------------------------------------------

def test_csv_fields_by_position_with_every_type(server, policy):
    url = server.put("all.csv", (
        'a.example,42,7,2.5,true,2024-01-02 03:04:05,01:30:00,"{""k"":[1,2]}",'
        "0F8FAD5B-D9CB-469F-A165-70867728950E,1.25\n"
        '"quoted, with ""quotes""",-1,0,1e3,FALSE,2024-01-02T03:04:05Z,2.00:00:00.5,plain,,\n'
    ))
    columns = [("S", "string"), ("L", "long"), ("I", "int"), ("R", "real"), ("B", "bool"), ("D", "datetime"),
               ("T", "timespan"), ("Dyn", "dynamic"), ("G", "guid"), ("Dec", "decimal")]
    table = load_externaldata(columns, [url], {"format": "csv"}, policy)
    assert table.schema.types == [pa.string(), pa.int64(), pa.int32(), pa.float64(), pa.bool_(),
                                  pa.timestamp("us", tz="UTC"), pa.int64(), pa.string(), pa.string(), pa.float64()]
    assert table.column_names == [c for c, _ in columns]
    assert rows(table) == [
        ("a.example", 42, 7, 2.5, True, utc(2024, 1, 2, 3, 4, 5), 90 * 60 * 10**7, '{"k":[1,2]}',
         "0f8fad5b-d9cb-469f-a165-70867728950e", 1.25),
        ('quoted, with "quotes"', -1, 0, 1000.0, False, utc(2024, 1, 2, 3, 4, 5), 2 * 86400 * 10**7 + 5 * 10**6,
         '"plain"', None, None),
    ]


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-01-02 03:04:05", utc(2024, 1, 2, 3, 4, 5)),
    ("2024-01-02T03:04:05Z", utc(2024, 1, 2, 3, 4, 5)),
    ("2024-01-02T03:04:05.1234567Z", utc(2024, 1, 2, 3, 4, 5, 123456)),  # the 7th digit (100 ns) is truncated
    ("2024-01-02 03:04:05.1234567", utc(2024, 1, 2, 3, 4, 5, 123456)),
    ("2024-01-02T05:04:05+02:00", utc(2024, 1, 2, 3, 4, 5)),
    ("2024-01-02", utc(2024, 1, 2)),
    ("Tue, 02 Jan 2024 03:04:05 GMT", utc(2024, 1, 2, 3, 4, 5)),
    ("01/02/2024 03:04:05 PM", utc(2024, 1, 2, 15, 4, 5)),
    ("1969-12-31T23:59:59.5Z", utc(1969, 12, 31, 23, 59, 59, 500000)),
])
def test_datetime_text(data_dir, policy, text, expected):
    (data_dir / "d.csv").write_text(f'x,"{text}"\n')
    table = load_externaldata([("K", "string"), ("D", "datetime")], [str(data_dir / "d.csv")], {}, policy)
    assert table.column("D").to_pylist() == [expected]


@pytest.mark.parametrize(("text", "ticks"), [
    ("00:00:01", 10**7), ("1.02:03:04.5", ((26 * 60 + 3) * 60 + 4) * 10**7 + 5 * 10**6), ("-00:01:00", -60 * 10**7),
    ("2h", 2 * 3600 * 10**7), ("1.5d", 36 * 3600 * 10**7), ("100ms", 10**6), ("10tick", 10), ("2", 2 * 86400 * 10**7),
])
def test_timespan_text_as_ticks(data_dir, policy, text, ticks):
    (data_dir / "t.csv").write_text(f"{text}\n")
    table = load_externaldata([("T", "timespan")], [str(data_dir / "t.csv")], {}, policy)
    assert table.column("T").to_pylist() == [ticks]


def test_bad_values_are_null_and_counted(data_dir, policy):
    (data_dir / "bad.csv").write_text(
        "a,1,true,2024-01-02,0f8fad5b-d9cb-469f-a165-70867728950e,1\n"
        "b,abc,maybe,yesterday,not-a-guid,1.5\n"
        "c,99999999999999999999,1,2024-13-01,,2147483648\n"
        "d,,,,,\n")
    columns = [("K", "string"), ("L", "long"), ("B", "bool"), ("D", "datetime"), ("G", "guid"), ("I", "int")]
    load = load_externaldata_report(columns, [str(data_dir / "bad.csv")], {}, policy)
    assert rows(load.table) == [
        ("a", 1, True, utc(2024, 1, 2), "0f8fad5b-d9cb-469f-a165-70867728950e", 1),
        ("b", None, None, None, None, None),
        ("c", None, True, None, None, None),
        ("d", None, None, None, None, None),  # empty is null, not a bad value
    ]
    assert load.bad_values == {"L": 2, "B": 1, "D": 2, "G": 1, "I": 2}
    assert load.bad_examples["L"] == [f"'abc' at {data_dir / 'bad.csv'} line 2",
                                      f"'99999999999999999999' at {data_dir / 'bad.csv'} line 3"]
    assert any(w.startswith("column L: 2 values could not be read as long and are null") for w in load.warnings)
    assert report_of(load.table)["bad_values"] == load.bad_values  # the table alone carries the report


def test_missing_trailing_fields_are_empty_and_extra_fields_ignored(data_dir, policy):
    (data_dir / "w.csv").write_text("only\na,1,extra,more\n\n")
    load = load_externaldata_report([("S", "string"), ("N", "long"), ("T", "string")],
                                    [str(data_dir / "w.csv")], {}, policy)
    assert rows(load.table) == [("only", None, ""), ("a", 1, "extra")]
    assert (load.sources[0].short_records, load.sources[0].long_records) == (1, 1)


def test_quoted_fields_span_lines_and_unclosed_quote_is_literal(data_dir, policy):
    (data_dir / "q.csv").write_text('"multi\nline",1\nx,"open quote\ny,3\n')
    load = load_externaldata_report([("S", "string"), ("N", "string")], [str(data_dir / "q.csv")], {}, policy)
    assert rows(load.table) == [("multi\nline", "1"), ("x", '"open quote'), ("y", "3")]
    assert any("never closed (first on line 3)" in w for w in load.warnings)


SEPARATED = [("tsv", "a\t1\n\"b\tc\"\t2\n"), ("psv", "a|1\nb\tc|2\n"), ("scsv", "a;1\nb\tc;2\n"),
             ("sohsv", "a\x011\nb\tc\x012\n"), ("tsve", "a\t1\nb\\tc\t2\n")]


@pytest.mark.parametrize(("fmt", "content"), SEPARATED)
def test_separated_formats(server, policy, fmt, content):
    url = server.put(f"feed.{fmt}", content)
    table = load_externaldata([("S", "string"), ("N", "long")], [url], {"format": fmt.upper()}, policy)
    assert rows(table) == [("a", 1), ("b\tc", 2)]


def test_tsve_escapes(data_dir, policy):
    (data_dir / "e.tsve").write_text("line\\nbreak\tback\\\\slash\nx\\\ty\tz\n")
    table = load_externaldata([("A", "string"), ("B", "string")], [str(data_dir / "e.tsve")],
                              {"format": "tsve"}, policy)
    assert rows(table) == [("line\nbreak", "back\\slash"), ("x\ty", "z")]


def test_txt_is_a_line_a_record_and_skips_blank_lines(server, policy):
    url = server.put("lines.txt", "first, with comma\r\n\n\"quoted\"\nlast")
    table = load_externaldata([("Line", "string"), ("Other", "long")], [url], {"format": "txt"}, policy)
    assert rows(table) == [("first, with comma", None), ('"quoted"', None), ("last", None)]


def test_raw_is_the_whole_file(server, policy):
    url = server.put("blob.raw", "one\ntwo,\"x\"\n")
    table = load_externaldata([("Text", "string")], [url], {"format": "raw"}, policy)
    assert rows(table) == [("one\ntwo,\"x\"\n",)]


def test_json_lines_match_keys_by_name_and_ignore_malformed_lines(server, policy):
    url = server.put("feed.json", "\n".join([
        '{"Score": 5, "Indicator": "a.example", "Tags": ["x", "y"], "Seen": "2024-01-02T03:04:05Z"}',
        '{"Indicator": "b.example", "Score": "7", "Extra": 1}',
        '{"Indicator": "c.example", "Score": 1.5, "Tags": {"k": null}}',
        "{not json",
        '"a string"',
        '{"Score": 2, "Indicator": 404, "Seen": null}',
    ]))
    columns = [("Indicator", "string"), ("Score", "long"), ("Tags", "dynamic"), ("Seen", "datetime")]
    load = load_externaldata_report(columns, [url], {"format": "json"}, policy)
    assert rows(load.table) == [
        ("a.example", 5, '["x","y"]', utc(2024, 1, 2, 3, 4, 5)),
        ("b.example", 7, None, None),
        ("c.example", None, '{"k":null}', None),
        ("404", 2, None, None),
    ]
    assert load.bad_values == {"Score": 1}
    assert load.sources[0].malformed_records == 2
    assert any("2 line(s) are not JSON objects and were ignored" in w and "line 4" in w for w in load.warnings)


@pytest.mark.parametrize("content", [
    '[{"Indicator": "a.example", "Score": 5},\n {"Indicator": "b.example", "Score": 7}]',
    '{\n  "Indicator": "a.example",\n  "Score": 5\n}\n{"Indicator": "b.example",\n "Score": 7}\n',
    '{"Indicator": "a.example", "Score": 5}{"Indicator": "b.example", "Score": 7}',
])
def test_multijson_reads_objects_anywhere(server, policy, content):
    url = server.put("feed.multijson", content)
    table = load_externaldata([("Indicator", "string"), ("Score", "long")], [url], {}, policy)
    assert rows(table) == [("a.example", 5), ("b.example", 7)]


@pytest.mark.parametrize("content", [
    '[{"Indicator": "a.example", "Score": 5}, {"Indicator": "b.example", "Score": 7}]',
    '{\n  "Indicator": "a.example",\n  "Score": 5\n}\n{\n  "Indicator": "b.example",\n  "Score": 7\n}\n',
])
def test_a_json_file_that_is_one_document_is_read_as_multijson(server, policy, content):
    url = server.put("feed.json", content)  # no format property: .json, but not an object a line
    load = load_externaldata_report([("Indicator", "string"), ("Score", "long")], [url], {}, policy)
    assert rows(load.table) == [("a.example", 5), ("b.example", 7)]
    assert load.sources[0].formats == ["multijson"]


def test_pretty_printed_json_with_format_json_gives_no_rows_and_says_why(server, policy):
    url = server.put("feed.json", '{\n  "Indicator": "a.example"\n}\n')
    load = load_externaldata_report([("Indicator", "string")], [url], {"format": "json"}, policy)
    assert load.table.num_rows == 0  # as Kusto: with format json, lines that are not objects are ignored
    assert load.sources[0].malformed_records == 3
    assert any("use format=\"multijson\"" in w for w in load.warnings)


def test_malformed_multijson_fails_with_its_position(server, policy):
    url = server.put("bad.multijson", '{"a": 1}\n{"a": }\n')
    with pytest.raises(ExternalDataError, match=r"bad\.multijson is not valid multijson \(line 2, column 7"):
        load_externaldata([("a", "long")], [url], {"format": "multijson"}, policy)


def test_parquet_columns_by_name(server, policy):
    buffer = io.BytesIO()
    pq.write_table(pa.table({
        "Score": pa.array([5, None], pa.int64()),
        "Indicator": ["a.example", None],
        "Seen": pa.array([1_704_164_645_123_456_789, 0], pa.timestamp("ns")),
    }), buffer)
    url = server.put("feed.parquet", buffer.getvalue())
    load = load_externaldata_report([("Indicator", "string"), ("Score", "real"), ("Seen", "datetime"),
                                     ("Absent", "long")], [url], {}, policy)
    assert rows(load.table) == [("a.example", 5.0, utc(2024, 1, 2, 3, 4, 5, 123456), None),
                                ("", None, utc(1970, 1, 1), None)]
    assert load.sources[0].formats == ["parquet"]
    assert any("has no column Absent" in w for w in load.warnings)


def test_ignore_first_record_skips_the_first_record_of_each_file(server, policy):
    first = server.put("one.csv", "Indicator,Score\na.example,1\n")
    second = server.put("two.csv", "Indicator,Score\nb.example,2\n")
    load = load_externaldata_report([("Indicator", "string"), ("Score", "long")], [first, second],
                                    {"format": "csv", "ignoreFirstRecord": True}, policy)
    assert rows(load.table) == [("a.example", 1), ("b.example", 2)]
    assert [s.ignored_first_records for s in load.sources] == [1, 1]
    assert load.bad_values == {}


def test_several_uris_give_rows_in_order(server, data_dir, policy):
    (data_dir / "local.txt").write_text("local-1\nlocal-2\n")
    remote = server.put("remote.txt", "remote-1\n")
    table = load_externaldata([("V", "string")], [remote, str(data_dir / "local.txt"), remote],
                              {"format": "txt"}, policy)
    assert table.column("V").to_pylist() == ["remote-1", "local-1", "local-2", "remote-1"]


def test_encodings_utf8_bom_and_utf16(data_dir, policy):
    (data_dir / "bom8.csv").write_bytes(b"\xef\xbb\xbfn\xc3\xa9,1\n")
    (data_dir / "u16.csv").write_bytes("z\u00fcrich,2\n".encode("utf-16"))  # with its byte-order mark
    (data_dir / "latin.csv").write_bytes(b"caf\xe9,3\n")
    load = load_externaldata_report([("S", "string"), ("N", "long")],
                                    [str(data_dir / n) for n in ("bom8.csv", "u16.csv", "latin.csv")], {}, policy)
    assert rows(load.table) == [("n\u00e9", 1), ("z\u00fcrich", 2), ("caf\ufffd", 3)]
    assert any("latin.csv: 1 bytes are not valid text" in w for w in load.warnings)


def test_format_from_extension_defaults_to_csv_and_property_decides(data_dir, policy):
    (data_dir / "a.tsv").write_text("x,y\t1\n")
    (data_dir / "noext").write_text("x,y\t1\n")
    assert rows(load_externaldata([("S", "string")], [str(data_dir / "a.tsv")], {}, policy)) == [("x,y",)]
    assert rows(load_externaldata([("S", "string")], [str(data_dir / "noext")], {}, policy)) == [("x",)]
    assert rows(load_externaldata([("S", "string")], [str(data_dir / "a.tsv")], {"Format": "csv"}, policy)) \
        == [("x",)]


def test_unknown_and_unsupported_formats_and_mappings_are_refused(data_dir, policy):
    (data_dir / "a.csv").write_text("x\n")
    uri = [str(data_dir / "a.csv")]
    with pytest.raises(ExternalDataError, match="unknown format 'xlsx'; use one of: csv, json, multijson"):
        load_externaldata([("S", "string")], uri, {"format": "xlsx"}, policy)
    with pytest.raises(ExternalDataError, match="'avro' is a Kusto format kqlite does not read"):
        load_externaldata([("S", "string")], uri, {"format": "avro"}, policy)
    with pytest.raises(ExternalDataError, match="the ingestionMapping property is not supported"):
        load_externaldata([("S", "string")], uri, {"ingestionMapping": '[{"column":"S"}]'}, policy)
    with pytest.raises(ExternalDataError, match="column S has unknown type 'text'"):
        load_externaldata([("S", "text")], uri, {}, policy)


# --- compression --------------------------------------------------------------------------------------------

def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_gzip_by_extension_and_by_magic(server, policy):
    packed = gzip.compress(b"a.example\t1\nb.example\t2\n")
    by_name = server.put("feed.tsv.gz", packed)
    by_magic = server.put("download", packed)  # no extension: gzip from its magic bytes, then csv (default)
    load = load_externaldata_report([("S", "string"), ("N", "long")], [by_name], {}, policy)
    assert rows(load.table) == [("a.example", 1), ("b.example", 2)]
    assert (load.sources[0].compression, load.sources[0].formats) == ("gzip", ["tsv"])
    magic = load_externaldata_report([("S", "string"), ("N", "long")], [by_magic], {"format": "tsv"}, policy)
    assert rows(magic.table) == [("a.example", 1), ("b.example", 2)]
    assert magic.sources[0].compression == "gzip"


def test_zip_members_in_name_order_each_a_file(server, policy):
    url = server.put("feeds.zip", zip_bytes({
        "b/second.csv": b"Header\nsecond\n", "a/first.csv": b"Header\nfirst\n", "dir/": b"",
    }))
    load = load_externaldata_report([("V", "string")], [url], {"ignoreFirstRecord": "true"}, policy)
    assert load.table.column("V").to_pylist() == ["first", "second"]
    assert (load.sources[0].compression, load.sources[0].formats) == ("zip", ["csv", "csv"])


def test_zip_format_from_member_name_and_zip_pattern(server, policy):
    url = server.put("bundle", zip_bytes({"notes.txt": b"ignored\n", "rows.json": b'{"V": "from json"}\n'}))
    load = load_externaldata_report([("V", "string")], [url], {"zipPattern": "*.json"}, policy)
    assert load.table.column("V").to_pylist() == ["from json"]
    assert load.sources[0].formats == ["json"]


def test_decompression_is_capped(server, tmp_path, data_dir):
    small = ExternalPolicy(allowed_dirs=[data_dir], cache_dir=tmp_path / "cache", max_bytes=2**20)
    bomb = gzip.compress(b"\0" * (8 * 2**20))
    assert len(bomb) < 2**20
    url = server.put("bomb.csv.gz", bomb)
    with pytest.raises(ExternalDataError, match=r"bomb\.csv\.gz decompresses to more than 1,048,576 bytes"):
        load_externaldata([("V", "string")], [url], {}, small)
    (data_dir / "bomb.zip").write_bytes(zip_bytes({"a.csv": b"x\n" * 2**19, "b.csv": b"y\n" * 2**19}))
    with pytest.raises(ExternalDataError, match="decompresses to more than 1,048,576 bytes"):
        load_externaldata([("V", "string")], [str(data_dir / "bomb.zip")], {}, small)


def test_download_is_capped(server, tmp_path, data_dir):
    small = ExternalPolicy(allowed_dirs=[data_dir], cache_dir=tmp_path / "cache", max_bytes=1000)
    url = server.put("big.txt", "x" * 5000)
    with pytest.raises(ExternalDataError, match=r"big\.txt is larger than 1,000 bytes"):
        load_externaldata([("V", "string")], [url], {}, small)


def test_damaged_gzip_names_the_source(data_dir, policy):
    (data_dir / "cut.csv.gz").write_bytes(gzip.compress(b"a,1\n" * 1000)[:40])
    with pytest.raises(ExternalDataError, match=r"cut\.csv\.gz is not a readable gzip file"):
        load_externaldata([("V", "string")], [str(data_dir / "cut.csv.gz")], {}, policy)


# --- download cache -----------------------------------------------------------------------------------------

def test_cache_hit_does_not_download_again(server, policy):
    url = server.put("ips.csv", "192.0.2.1\n")
    first = load_externaldata_report([("IP", "string")], [url], {}, policy)
    second = load_externaldata_report([("IP", "string")], [url], {}, policy)
    assert rows(first.table) == rows(second.table) == [("192.0.2.1",)]
    assert server.hits["/ips.csv"] == 1
    assert (first.sources[0].cache, second.sources[0].cache) == ("downloaded", "cached")
    target = cache_file(url, policy.cache_dir)
    assert first.sources[0].cache_file == str(target) and target.read_bytes() == b"192.0.2.1\n"
    meta = json.loads(target.with_name(target.name + ".meta.json").read_text())
    assert meta["url"] == url and meta["etag"].startswith('"') and meta["bytes"] == 10


def test_stale_copy_is_revalidated_then_refetched_when_changed(server, tmp_path, data_dir):
    stale = ExternalPolicy(allowed_dirs=[data_dir], cache_dir=tmp_path / "cache", max_age=0)
    url = server.put("ips.csv", "192.0.2.1\n")
    load_externaldata([("IP", "string")], [url], {}, stale)
    again = load_externaldata_report([("IP", "string")], [url], {}, stale)
    assert again.sources[0].cache == "revalidated"
    assert server.hits["/ips.csv"] == 2 and "If-None-Match" in server.headers["/ips.csv"]
    server.put("ips.csv", "192.0.2.1\n198.51.100.2\n")
    changed = load_externaldata_report([("IP", "string")], [url], {}, stale)
    assert changed.sources[0].cache == "downloaded"
    assert changed.table.column("IP").to_pylist() == ["192.0.2.1", "198.51.100.2"]
    assert server.hits["/ips.csv"] == 3


def test_offline_without_cache_names_the_cache_file(server, tmp_path, data_dir):
    offline = ExternalPolicy(allowed_dirs=[data_dir], cache_dir=tmp_path / "cache", offline=True)
    url = server.put("feed.txt", "a\n")
    target = cache_file(url, offline.cache_dir)
    with pytest.raises(ExternalDataError) as caught:
        load_externaldata([("V", "string")], [url], {}, offline)
    assert f"{url} is not in the cache and kqlite is offline; download it and save it as {target}" \
        in str(caught.value)
    assert server.hits["/feed.txt"] == 0
    target.parent.mkdir(parents=True)
    target.write_text("dropped by hand\n")  # the copy the message asks for is then used
    load = load_externaldata_report([("V", "string")], [url], {}, offline)
    assert rows(load.table) == [("dropped by hand",)] and load.sources[0].cache == "offline"
    assert server.hits["/feed.txt"] == 0


def test_offline_with_cache_reads_even_a_stale_copy(server, tmp_path, data_dir):
    url = server.put("feed.txt", "a\n")
    load_externaldata([("V", "string")], [url], {}, ExternalPolicy([data_dir], cache_dir=tmp_path / "cache"))
    offline = ExternalPolicy([data_dir], cache_dir=tmp_path / "cache", offline=True, max_age=0)
    load = load_externaldata_report([("V", "string")], [url], {}, offline)
    assert rows(load.table) == [("a",)] and load.sources[0].cache == "offline"
    assert server.hits["/feed.txt"] == 1
    assert any(w.startswith(f"offline: {url} is read from a copy cached") for w in load.warnings)


def test_stale_copy_is_used_when_the_server_is_down(server, tmp_path, data_dir):
    stale = ExternalPolicy([data_dir], cache_dir=tmp_path / "cache", max_age=0, timeout=5)
    url = server.put("feed.txt", "cached line\n")
    load_externaldata([("V", "string")], [url], {}, stale)
    server.stop()
    load = load_externaldata_report([("V", "string")], [url], {}, stale)
    assert rows(load.table) == [("cached line",)] and load.sources[0].cache == "stale"
    assert any(w.startswith(f"could not refresh {url} (network error") and "using the copy cached" in w
               for w in load.warnings)


def test_stale_copy_is_used_when_the_feed_is_gone(server, tmp_path, data_dir):
    stale = ExternalPolicy([data_dir], cache_dir=tmp_path / "cache", max_age=0)
    url = server.put("feed.txt", "cached line\n")
    load_externaldata([("V", "string")], [url], {}, stale)
    (server.root / "feed.txt").unlink()
    load = load_externaldata_report([("V", "string")], [url], {}, stale)
    assert rows(load.table) == [("cached line",)] and load.sources[0].cache == "stale"
    assert any(w.startswith(f"could not refresh {url} (HTTP 404 Not Found)") for w in load.warnings)


def test_values_that_only_look_like_numbers_are_bad(data_dir, policy):
    (data_dir / "n.csv").write_text("1_000,\u0661\u0662,0x10,12.0,-7\n", encoding="utf-8")
    load = load_externaldata_report([(c, "long") for c in "ABCDE"], [str(data_dir / "n.csv")], {}, policy)
    assert rows(load.table) == [(None, None, None, 12, -7)]
    assert load.bad_values == {"A": 1, "B": 1, "C": 1}


def test_http_404_names_the_status_and_url(server, policy):
    url = server.url("missing.csv")
    with pytest.raises(ExternalDataError) as caught:
        load_externaldata([("V", "string")], [url], {}, policy)
    assert str(caught.value).startswith(f"externaldata: cannot download {url}: HTTP 404 Not Found;")
    assert not cache_file(url, policy.cache_dir).exists()


def test_redirects_are_followed_only_to_http(server, policy):
    server.put("target.txt", "moved\n")
    table = load_externaldata([("V", "string")], [server.url("redirect/target.txt")], {}, policy)
    assert rows(table) == [("moved",)]
    with pytest.raises(ExternalDataError, match=r"redirects \(HTTP 302\) to a ftp:// URL"):
        load_externaldata([("V", "string")], [server.url("redirect-ftp")], {}, policy)


def test_secrets_in_urls_are_masked(server, policy):
    url = server.put("sas.csv", "x\n") + "?sv=2022-11-02&sig=SECRET%2Fvalue"
    load = load_externaldata_report([("V", "string")], [url], {}, policy)
    shown = server.url("sas.csv") + "?sv=2022-11-02&sig=***"
    assert load.sources[0].uri == shown
    sidecar = Path(load.sources[0].cache_file + ".meta.json").read_text()
    assert "SECRET" not in sidecar and json.loads(sidecar)["url"] == shown


def test_other_schemes_are_refused(policy):
    for uri in ("ftp://example.org/feed.csv", "s3://bucket/feed.csv", "abfss://c@acct.dfs.core.windows.net/f.csv"):
        with pytest.raises(ExternalDataError, match=r"URLs are not supported .*download the file"):
            load_externaldata([("V", "string")], [uri], {}, policy)


# --- local path policy --------------------------------------------------------------------------------------

def test_local_file_inside_an_allowed_folder(data_dir, policy):
    (data_dir / "sub").mkdir()
    (data_dir / "sub" / "ips.csv").write_text("192.0.2.1\n")
    assert rows(load_externaldata([("IP", "string")], [str(data_dir / "sub" / "ips.csv")], {}, policy)) \
        == [("192.0.2.1",)]


def test_local_file_outside_is_refused_with_the_fix(tmp_path, policy):
    outside = tmp_path / "elsewhere" / "secrets.csv"
    outside.parent.mkdir()
    outside.write_text("x\n")
    with pytest.raises(ExternalDataError) as caught:
        load_externaldata([("V", "string")], [str(outside)], {}, policy)
    message = str(caught.value)
    assert f"reading {outside} is not allowed" in message
    assert f"pass --allow-path {outside.parent} to allow its folder" in message


def test_symlink_escaping_the_allowed_folder_is_refused(tmp_path, data_dir, policy):
    outside = tmp_path / "secret.txt"
    outside.write_text("secret\n")
    (data_dir / "link.txt").symlink_to(outside)
    (data_dir / "linkdir").symlink_to(tmp_path)
    with pytest.raises(ExternalDataError, match=rf"{data_dir / 'link.txt'} \(which leads to {outside}\) is not"):
        load_externaldata([("V", "string")], [str(data_dir / "link.txt")], {}, policy)
    with pytest.raises(ExternalDataError, match="is not allowed"):
        load_externaldata([("V", "string")], [str(data_dir / "linkdir" / "secret.txt")], {}, policy)
    with pytest.raises(ExternalDataError, match="is not allowed"):
        load_externaldata([("V", "string")], [str(data_dir / ".." / "secret.txt")], {}, policy)


def test_file_urls_and_relative_paths(data_dir, policy, monkeypatch):
    (data_dir / "my feed.csv").write_text("a\n")
    uri = (data_dir / "my feed.csv").as_uri()  # file:///.../my%20feed.csv
    assert rows(load_externaldata([("V", "string")], [uri], {}, policy)) == [("a",)]
    monkeypatch.chdir(data_dir)
    assert rows(load_externaldata([("V", "string")], ["my feed.csv"], {}, policy)) == [("a",)]
    with pytest.raises(ExternalDataError, match=r"no such file .*nothere\.csv; check the path"):
        load_externaldata([("V", "string")], ["nothere.csv"], {}, policy)
    with pytest.raises(ExternalDataError, match="names a file on another host"):
        load_externaldata([("V", "string")], ["file://server/share/x.csv"], {}, policy)


def test_default_policy_allows_the_working_folder_and_uses_xdg_cache(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    (tmp_path / "w.txt").write_text("here\n")
    policy = ExternalPolicy.default(allowed_dirs=[str(tmp_path / "extra")])
    assert policy.allowed_dirs == [tmp_path.resolve(), (tmp_path / "extra").resolve()]
    assert policy.cache_dir == tmp_path / "xdg" / "kqlite" / "externaldata"
    assert (policy.offline, policy.max_age, policy.timeout, policy.max_bytes) == (False, 86400, 30.0, 512 * 2**20)
    assert rows(load_externaldata([("V", "string")], ["w.txt"], {}, policy)) == [("here",)]
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert ExternalPolicy.default().cache_dir == Path.home() / ".cache" / "kqlite" / "externaldata"


# --- threat-intel feeds as hunting queries read them --------------------------------------------------------

def test_txt_feed_with_comment_lines(server, policy):
    # externaldata(Line:string)[@"https://.../feed.txt"] with (format="txt") | where Line !startswith "#"
    url = server.put("feed.txt", "# Blocklist\n# updated 2024-01-02\n\n203.0.113.5\nbad.example\n# end\n")
    table = load_externaldata([("Line", "string")], [url], {"format": "txt"}, policy)
    assert table.num_rows == 5
    kept = table.filter(pc.invert(pc.starts_with(table.column("Line"), "#")))
    assert kept.column("Line").to_pylist() == ["203.0.113.5", "bad.example"]


ABUSE_CH = '''\
################################################################
# abuse.ch Feodo Tracker Botnet C2 IP Blocklist (CSV)          #
# Last updated: 2024-01-02 03:04:05 UTC                        #
#                                                              #
# Terms Of Use: https://example.org/terms, see "usage"         #
################################################################
#
# "first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"
"2024-01-01 10:00:00","192.0.2.10","443","online","2024-01-02","QakBot"
"2024-01-01 11:30:00","198.51.100.7","8080","offline","2023-12-30","Emotet, variant ""B"""
# "Number of entries: 2"
'''


def test_abuse_ch_style_csv_feed(server, policy):
    url = server.put("ipblocklist.csv", ABUSE_CH)
    columns = [("FirstSeen", "string"), ("DstIP", "string"), ("DstPort", "long"), ("Status", "string"),
               ("LastOnline", "datetime"), ("Malware", "string")]
    load = load_externaldata_report(columns, [url], {"format": "csv", "ignoreFirstRecord": True}, policy)
    table = load.table
    assert table.num_rows == 10  # every line but the first: a comment line is a row like any other
    assert rows(table)[1] == ("# Last updated: 2024-01-02 03:04:05 UTC                        #",
                              "", None, "", None, "")
    assert rows(table)[3] == ("# Terms Of Use: https://example.org/terms", ' see "usage"         #',
                              None, "", None, "")
    kept = table.filter(pc.invert(pc.starts_with(table.column("FirstSeen"), "#")))
    assert rows(kept) == [
        ("2024-01-01 10:00:00", "192.0.2.10", 443, "online", utc(2024, 1, 2), "QakBot"),
        ("2024-01-01 11:30:00", "198.51.100.7", 8080, "offline", utc(2023, 12, 30), 'Emotet, variant "B"'),
    ]
    # the quoted header names in the commented line do not convert: null, counted, not an error
    assert load.bad_values == {"DstPort": 1, "LastOnline": 1}


def test_one_indicator_per_line_ip_list(server, policy):
    url = server.put("ips", "192.0.2.1\n198.51.100.2\r\n\n2001:db8::1\n")
    table = load_externaldata([("IP", "string")], [url], {"format": "csv"}, policy)
    assert table.column("IP").to_pylist() == ["192.0.2.1", "198.51.100.2", "2001:db8::1"]


def test_azure_blob_sas_url_is_plain_https(policy):
    from kqlite.external.policy import locate

    location = locate("https://acct.blob.core.windows.net/c/feed.csv?sv=1&sig=abc;impersonate", policy)
    assert location.url == "https://acct.blob.core.windows.net/c/feed.csv?sv=1&sig=abc"
    assert location.shown == "https://acct.blob.core.windows.net/c/feed.csv?sv=1&sig=***"
    assert location.notes and "kqlite sends no credentials" in location.notes[0]
    keyed = locate("https://acct.blob.core.windows.net/c/feed.csv;ACCOUNTKEY==", policy)
    assert keyed.url == "https://acct.blob.core.windows.net/c/feed.csv"


def test_cache_files_are_not_left_half_written(server, policy):
    url = server.put("ok.txt", "a\n")
    load_externaldata([("V", "string")], [url], {}, policy)
    assert sorted(p.name.split("-", 1)[1] for p in policy.cache_dir.iterdir()) == ["ok.txt", "ok.txt.meta.json"]
    assert not [p for p in os.listdir(policy.cache_dir) if p.startswith(".part-")]
