"""The externaldata operator end to end: parsed, compiled, read under the connection's policy (allowed
folders, download cache, offline), joined with telemetry, from Python and from the command line. The feeds
are served by a local HTTP server on 127.0.0.1 that the tests start; nothing reaches the network.

The loader's own behaviour (every format, encodings, archives, the cache's freshness rules) is tested in
test_externaldata_loader.py."""

from __future__ import annotations

import gzip
import http.server
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest
from click.testing import CliRunner

import kqlite
from kqlite.cli import main
from kqlite.external import ExternalPolicy

# An abuse.ch-style feed: comment lines, a header, quoted fields.
FEED = """################################################################
# Example botnet C2 IP blocklist (CSV)                         #
################################################################
# first_seen_utc,dst_ip,dst_port,c2_status,malware
"2024-05-01 10:00:00","10.9.9.9","443","online","QakBot"
"2024-05-02 11:30:00","203.0.113.7","8080","offline","Emotet"
"""
IP_LIST = "# one indicator per line\n198.51.100.1\n203.0.113.7\n"


class _Handler(http.server.SimpleHTTPRequestHandler):
    hits: dict[str, int] = {}

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        _Handler.hits[self.path] = _Handler.hits.get(self.path, 0) + 1
        super().do_GET()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("feeds")
    (root / "c2.csv").write_text(FEED, encoding="utf-8")
    (root / "ips.txt").write_text(IP_LIST, encoding="utf-8")
    (root / "c2.csv.gz").write_bytes(gzip.compress(FEED.encode()))
    handler = lambda *a, **k: _Handler(*a, directory=str(root), **k)  # noqa: E731
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def policy(tmp_path: Path, offline: bool = False) -> ExternalPolicy:
    return ExternalPolicy(allowed_dirs=[tmp_path], cache_dir=tmp_path / "cache", offline=offline)


NETWORK = pa.table({
    "Timestamp": pa.array([datetime(2024, 5, 3, 9), datetime(2024, 5, 3, 10)], pa.timestamp("us")),
    "DeviceName": ["ws-01", "ws-02"], "RemoteIP": ["203.0.113.7", "192.0.2.1"],
})

C2_QUERY = """let C2 = externaldata(FirstSeen:datetime, IP:string, Port:int, Status:string, Malware:string)
    [@"{url}"] with (format="csv");
DeviceNetworkEvents
| join kind=inner (C2 | where IP !startswith "#") on $left.RemoteIP == $right.IP
| project Timestamp, DeviceName, RemoteIP, Malware, FirstSeen, Port"""


@pytest.mark.parametrize("feed", ["c2.csv", "c2.csv.gz"])
def test_a_threat_intel_feed_over_http_joins_with_telemetry(server, tmp_path, feed):
    con = kqlite.connect(tables={"DeviceNetworkEvents": NETWORK}, external_policy=policy(tmp_path))
    result = con.query(C2_QUERY.replace("{url}", f"{server}/{feed}"))
    assert result.columns == ["Timestamp", "DeviceName", "RemoteIP", "Malware", "FirstSeen", "Port"]
    assert result.types == ["datetime", "string", "string", "string", "datetime", "int"]
    assert result.rows() == [(datetime(2024, 5, 3, 10 - 1, tzinfo=UTC), "ws-01", "203.0.113.7", "Emotet",
                              datetime(2024, 5, 2, 11, 30, tzinfo=UTC), 8080)]


def test_a_download_is_cached_and_reused_then_read_offline(server, tmp_path):
    url = f"{server}/ips.txt"
    query = f'externaldata(Line:string)[h@"{url}"] with (format="txt") | where Line !startswith "#"'
    before = _Handler.hits.get("/ips.txt", 0)
    assert kqlite.connect(external_policy=policy(tmp_path)).query(query).rows() == [("198.51.100.1",),
                                                                                  ("203.0.113.7",)]
    assert kqlite.connect(external_policy=policy(tmp_path)).query(query).rows() == [("198.51.100.1",),
                                                                                  ("203.0.113.7",)]
    assert _Handler.hits["/ips.txt"] == before + 1  # the second connection read the cache
    offline = kqlite.connect(external_policy=policy(tmp_path, offline=True))
    assert len(offline.query(query)) == 2


def test_offline_without_a_cached_copy_names_the_url_and_where_to_put_it(server, tmp_path):
    url = f"{server}/c2.csv"
    con = kqlite.connect(external_policy=policy(tmp_path, offline=True))
    with pytest.raises(kqlite.KqlError) as error:
        con.query(f'externaldata(IP:string)["{url}"]')
    message = str(error.value)
    assert url in message and str(tmp_path / "cache") in message
    assert "line 1, column 1" in message


def test_local_files_are_read_only_inside_the_allowed_folders(tmp_path):
    allowed = tmp_path / "evidence"
    allowed.mkdir()
    (allowed / "iocs.csv").write_text("IP\n10.0.0.1\n", encoding="utf-8")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.csv").write_text("x\n", encoding="utf-8")
    (allowed / "link.csv").symlink_to(outside / "secret.csv")
    con = kqlite.connect(external_policy=ExternalPolicy(allowed_dirs=[allowed], cache_dir=tmp_path / "cache"))
    rows = con.query(f'externaldata(IP:string)[@"{allowed / "iocs.csv"}"] with (ignoreFirstRecord=true)').rows()
    assert rows == [("10.0.0.1",)]
    for path in (outside / "secret.csv", allowed / "link.csv"):
        with pytest.raises(kqlite.KqlError, match="--allow-path"):
            con.query(f'externaldata(x:string)[@"{path}"]')
    file_url = f'externaldata(IP:string)["file://{allowed / "iocs.csv"}"] with (ignoreFirstRecord=true)'
    assert con.query(file_url).rows() == [("10.0.0.1",)]


def test_the_command_line_allows_the_evidence_folders_and_allow_path(tmp_path):
    evidence = tmp_path / "case"
    evidence.mkdir()
    (evidence / "iocs.csv").write_text("IP\n203.0.113.7\n", encoding="utf-8")
    intel = tmp_path / "intel"
    intel.mkdir()
    (intel / "more.csv").write_text("IP\n198.51.100.1\n", encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    import pyarrow.parquet as pq

    pq.write_table(NETWORK, data / "DeviceNetworkEvents.parquet")
    runner = CliRunner()
    query = (f'externaldata(IP:string)[@"{evidence / "iocs.csv"}"] with (ignoreFirstRecord=true) '
             "| join kind=inner DeviceNetworkEvents on $left.IP == $right.RemoteIP | project DeviceName")
    refused = runner.invoke(main, ["query", query, "--data", str(data)])
    assert refused.exit_code == 2 and "--allow-path" in refused.output
    allowed = runner.invoke(main, ["query", query, "--data", str(data), "--allow-path", str(evidence),
                                   "--format", "csv"])
    assert allowed.exit_code == 0, allowed.output
    assert allowed.stdout.splitlines() == ["DeviceName", "ws-01"]
    other = f'externaldata(IP:string)[@"{intel / "more.csv"}"]'
    assert runner.invoke(main, ["query", other, str(evidence / "iocs.csv")]).exit_code == 2
    assert runner.invoke(main, ["query", other, "--allow-path", str(intel)]).exit_code == 0


def test_offline_flag_refuses_downloads_on_the_command_line(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    result = CliRunner().invoke(main, ["query", 'externaldata(IP:string)["https://feeds.example.invalid/x.csv"]',
                                       "--offline"])
    assert result.exit_code == 2
    assert "https://feeds.example.invalid/x.csv" in result.output and str(tmp_path / "xdg") in result.output


def test_values_that_do_not_convert_are_null_and_noted(tmp_path):
    (tmp_path / "scores.csv").write_text("1.2.3.4,5\n5.6.7.8,high\n", encoding="utf-8")
    con = kqlite.connect(external_policy=policy(tmp_path))
    result = con.query(f'externaldata(IP:string, Score:long)[@"{tmp_path / "scores.csv"}"]')
    assert result.rows() == [("1.2.3.4", 5), ("5.6.7.8", None)]
    assert any("high" in note and "Score" in note for note in result.notes)


def test_externaldata_needs_constant_uris_and_known_types():
    con = kqlite.connect()
    with pytest.raises(kqlite.KqlSemanticError, match="constant strings"):
        con.query('let u = strcat("a", tostring(now())); externaldata(x:string)[u]')
    with pytest.raises(kqlite.KqlSemanticError, match="unknown type 'text'"):
        con.query('externaldata(x:text)["a.csv"]')
