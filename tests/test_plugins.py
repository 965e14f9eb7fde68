"""evaluate plugins beyond bag_unpack: pivot (columns read from the data), and the `: (schema)` that any
plugin's output may be declared with. Results worked out by hand from pivot-plugin.md's examples."""

from __future__ import annotations

import pytest

import kqlite

STORMS = """datatable(State:string, EventType:string, DeathsDirect:long, Source:string)[
    "ARKANSAS","Heavy Rain",1,"Emergency Manager", "ARIZONA","Lightning",1,"Newspaper",
    "ARIZONA","Flash Flood",2,"Trained Spotter", "ARIZONA","Flash Flood",3,"Broadcast Media",
    "ARKANSAS","Heat",3,"Newspaper", "ARIZONA","Flash Flood",1,"Newspaper"]
"""


@pytest.fixture(scope="module")
def con(connect_backend):
    connection = connect_backend()
    yield connection
    connection.close()


def test_pivot_counts_each_value_in_first_seen_order(con):
    result = con.query(STORMS + "| project State, EventType | evaluate pivot(State)")
    assert result.columns == ["EventType", "ARKANSAS", "ARIZONA"]  # the order the states first appear in
    assert sorted(result.rows()) == [("Flash Flood", 0, 3), ("Heat", 1, 0), ("Heavy Rain", 1, 0), ("Lightning", 0, 1)]


def test_pivot_with_an_aggregate_and_group_columns(con):
    summed = con.query(STORMS + "| evaluate pivot(State, sum(DeathsDirect), EventType)")
    assert summed.columns == ["EventType", "ARKANSAS", "ARIZONA"]
    assert sorted(summed.rows()) == [("Flash Flood", 0, 6), ("Heat", 3, 0), ("Heavy Rain", 1, 0), ("Lightning", 0, 1)]
    two = con.query(STORMS + "| evaluate pivot(State, sum(DeathsDirect), EventType, Source)")
    assert two.columns == ["EventType", "Source", "ARKANSAS", "ARIZONA"]
    assert ("Flash Flood", "Newspaper", 0, 1) in two.rows() and len(two.rows()) == 6
    sets = con.query(STORMS + "| evaluate pivot(State, make_set(Source), EventType) | where EventType == 'Heat'")
    assert sets.rows() == [("Heat", ["Newspaper"], [])]


def test_pivot_of_no_rows_keeps_the_group_columns(con):
    result = con.query(STORMS + "| where false | evaluate pivot(State, sum(DeathsDirect), EventType)")
    assert result.columns == ["EventType"] and result.rows() == []


def test_a_declared_output_schema_orders_types_and_checks_the_columns(con):
    query = STORMS + "| project State, EventType | evaluate pivot(State): (ARIZONA:real, EventType:string)"
    result = con.query(query)
    assert result.columns == ["ARIZONA", "EventType"]
    assert sorted(result.rows()) == [(0.0, "Heat"), (0.0, "Heavy Rain"), (1.0, "Lightning"), (3.0, "Flash Flood")]
    with pytest.raises(kqlite.KqlSemanticError, match="did not give the declared column"):
        con.query(STORMS + "| project State, EventType | evaluate pivot(State): (EventType:string, TEXAS:long)")
    assert con.query('print d=dynamic({"a":1,"b":"x"}) | evaluate bag_unpack(d): (b:string, a:long)').rows() == [
        ("x", 1)]


def test_pivot_errors_name_the_problem(con):
    with pytest.raises(kqlite.KqlSemanticError, match="cannot aggregate with percentile"):
        con.query(STORMS + "| evaluate pivot(State, percentile(DeathsDirect, 50))")
    with pytest.raises(kqlite.KqlSemanticError, match="column to pivot"):
        con.query(STORMS + "| evaluate pivot(Nope)")


GEO = """let IP_Data = datatable(network:string, continent_code:string, country_name:string)[
    "111.68.128.0/17","AS","Japan", "5.8.0.0/19","EU","Russia", "46.36.200.51/32","OC","Cook Islands",
    "2.20.183.0/24","EU","United Kingdom"];
let IPs = datatable(ip:string)['2.20.183.12', '5.8.1.2', '192.165.12.17', 'not an address', '46.36.200.51'];
"""


def test_ipv4_lookup_joins_addresses_to_the_ranges_holding_them(con):
    matched = con.query(GEO + "IPs | evaluate ipv4_lookup(IP_Data, ip, network)")
    assert matched.columns == ["ip", "network", "continent_code", "country_name"]
    assert sorted(matched.rows()) == [("2.20.183.12", "2.20.183.0/24", "EU", "United Kingdom"),
                                      ("46.36.200.51", "46.36.200.51/32", "OC", "Cook Islands"),
                                      ("5.8.1.2", "5.8.0.0/19", "EU", "Russia")]
    everything = con.query(GEO + "IPs | evaluate ipv4_lookup(IP_Data, ip, network, return_unmatched = true)").rows()
    assert len(everything) == 5 and ("192.165.12.17", "", "", "") in everything
    renamed = con.query(GEO + "IPs | extend country_name = 1 | evaluate ipv4_lookup(IP_Data, ip, network)")
    assert renamed.columns == ["ip", "country_name", "network", "continent_code", "country_name1"]
    with pytest.raises(kqlite.KqlSemanticError, match="no column 'nope'"):
        con.query(GEO + "IPs | evaluate ipv4_lookup(IP_Data, nope, network)")


def test_narrow_turns_each_cell_into_a_row(con):
    result = con.query('datatable(a:long, b:string, t:datetime)[1, "x", datetime(2024-01-01), 2, "", datetime(null)] '
                       '| evaluate narrow()')
    assert result.columns == ["Row", "Column", "Value"] and result.types == ["long", "string", "string"]
    assert result.rows() == [(0, "a", "1"), (0, "b", "x"), (0, "t", "2024-01-01T00:00:00.0000000Z"),
                             (1, "a", "2"), (1, "b", ""), (1, "t", "")]


IPV6_RANGES = """datatable(network:string, owner:string, site:string)[
    "2001:db8::/32", "documentation", "a",
    "2001:db8:1234::/48", "team", "b",
    "fe80::/10", "link-local", "a",
    "10.0.0.0/8", "private v4", "a",
    "::1", "loopback", "b"]"""


def test_ipv6_lookup_joins_each_address_to_the_ranges_holding_it(con):
    rows = """datatable(ip:string, site:string)["2001:db8:1234:5::1", "b", "2001:0db8::ff", "a", "fe80::1", "a",
        "10.1.2.3", "a", "::1", "b", "2002::1", "a", "not an ip", "a"]"""
    query = f"let R = {IPV6_RANGES}; {rows} | evaluate ipv6_lookup(R, ip, network)"
    result = con.query(query)
    assert result.columns == ["ip", "site", "network", "owner", "site1"]
    assert sorted(result.rows()) == sorted([
        ("2001:db8:1234:5::1", "b", "2001:db8::/32", "documentation", "a"),
        ("2001:db8:1234:5::1", "b", "2001:db8:1234::/48", "team", "b"),
        ("2001:0db8::ff", "a", "2001:db8::/32", "documentation", "a"),
        ("fe80::1", "a", "fe80::/10", "link-local", "a"),
        ("10.1.2.3", "a", "10.0.0.0/8", "private v4", "a"),
        ("::1", "b", "::1", "loopback", "b")])
    same_site = con.query(f"let R = {IPV6_RANGES}; {rows} | evaluate ipv6_lookup(R, ip, network, site, "
                          "return_unmatched = true) | project ip, owner")
    assert sorted(same_site.rows()) == sorted([
        ("2001:db8:1234:5::1", "team"), ("2001:0db8::ff", "documentation"), ("fe80::1", "link-local"),
        ("10.1.2.3", "private v4"), ("::1", "loopback"), ("2002::1", ""), ("not an ip", "")])
