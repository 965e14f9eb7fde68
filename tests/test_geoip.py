"""geo_info_from_ip_address() from a MaxMind DB file the user gives (issue 12). The database here is written by
the test (mmdb-writer) with the records of the documentation's two examples; the queries run on the engine
under test (--backend)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import kqlite
from kqlite.cli import main

mmdb_writer = pytest.importorskip("mmdb_writer", reason="the GeoIP tests write a database with mmdb-writer")
netaddr = pytest.importorskip("netaddr")

SYDNEY = {"country": "Australia", "state": "New South Wales", "city": "Sydney", "latitude": -33.8715,
          "longitude": 151.2006}
BOCA_RATON = {"country": "United States", "state": "Florida", "city": "Boca Raton", "latitude": 26.3594,
              "longitude": -80.0771}


def _record(place: dict) -> dict:
    """A GeoLite2-City record (the layout MaxMind's City databases use)."""
    return {"country": {"iso_code": "XX", "names": {"en": place["country"], "de": "anders"}},
            "subdivisions": [{"names": {"en": place["state"]}}], "city": {"names": {"en": place["city"]}},
            "location": {"latitude": mmdb_writer.MmdbF64(place["latitude"]),
                         "longitude": mmdb_writer.MmdbF64(place["longitude"])}}


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> str:
    writer = mmdb_writer.MMDBWriter(ip_version=6, database_type="GeoLite2-City", languages=["en"],
                                    ipv4_compatible=True)
    writer.insert_network(netaddr.IPSet(["20.53.203.0/24"]), _record(SYDNEY))
    writer.insert_network(netaddr.IPSet(["2a03:2880:f12c::/48"]), _record(BOCA_RATON))
    writer.insert_network(netaddr.IPSet(["81.2.69.0/24"]), {"country": {"names": {"en": "United Kingdom"}}})
    path = tmp_path_factory.mktemp("geo") / "city.mmdb"
    writer.to_db_file(str(path))
    return str(path)


@pytest.fixture(scope="module")
def con(connect_backend, database):
    return connect_backend(geoip_database=database)


def test_the_documentation_examples(con):
    assert con.query("print ip_location=geo_info_from_ip_address('20.53.203.50')").rows() == [(SYDNEY,)]
    assert con.query("print ip_location=geo_info_from_ip_address('2a03:2880:f12c:83:face:b00c::25de')").rows() == [
        (BOCA_RATON,)]


def test_addresses_of_the_data_each_get_their_place(con):
    rows = con.query("datatable(ip: string)['20.53.203.50', '2a03:2880:f12c:83:face:b00c::25de', '10.0.0.1', "
                     "'not an address', '', '20.53.203.7', '81.2.69.160'] "
                     "| extend g = geo_info_from_ip_address(ip) "
                     "| project ip, country = tostring(g.country), city = tostring(g.city), g").rows()
    assert [(ip, country, city) for ip, country, city, _ in rows] == [
        ("20.53.203.50", "Australia", "Sydney"), ("2a03:2880:f12c:83:face:b00c::25de", "United States", "Boca Raton"),
        ("10.0.0.1", "", ""), ("not an address", "", ""), ("", "", ""), ("20.53.203.7", "Australia", "Sydney"),
        ("81.2.69.160", "United Kingdom", "")]
    by_ip = {ip: g for ip, _, _, g in rows}
    assert by_ip["10.0.0.1"] is None and by_ip["not an address"] is None  # nothing known: null
    assert by_ip["81.2.69.160"] == {"country": "United Kingdom"}  # only what the database has


def test_a_summary_by_country(con):
    rows = con.query("datatable(ip: string, bytes: long)['20.53.203.50', 10, '20.53.203.51', 5, '10.1.1.1', 1] "
                     "| summarize total = sum(bytes) by country = tostring(geo_info_from_ip_address(ip).country) "
                     "| order by total desc").rows()
    assert rows == [("Australia", 15), ("", 1)]


def test_without_a_database_the_error_names_the_option(connect_backend, monkeypatch):
    monkeypatch.delenv("KQLITE_GEOIP_DATABASE", raising=False)
    with pytest.raises(kqlite.KqlUnsupportedError) as error:
        connect_backend().query("print geo_info_from_ip_address('20.53.203.50')")
    assert "geoip_database" in str(error.value) and "--geoip-database" in str(error.value)
    assert "KQLITE_GEOIP_DATABASE" in str(error.value)


def test_the_environment_variable_names_the_database(database, monkeypatch):
    monkeypatch.setenv("KQLITE_GEOIP_DATABASE", database)
    assert kqlite.connect().query("print c = tostring(geo_info_from_ip_address('20.53.203.50').city)").rows() == [
        ("Sydney",)]


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path):
    bad = tmp_path / "not.mmdb"
    bad.write_text("hello")
    with pytest.raises(kqlite.KqlDataError, match="cannot read the GeoIP database"):
        kqlite.connect(geoip_database=bad)


def test_the_command_line_option(database):
    result = CliRunner().invoke(main, ["query", "--geoip-database", database, "--format", "json",
                                       "print g = geo_info_from_ip_address('20.53.203.50')"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.strip().splitlines()[0]) == {"g": SYDNEY}
