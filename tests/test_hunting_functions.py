"""Functions and aggregates public hunting queries use that kqlite gained with the hunting-query corpus:
values worked out by hand from Kusto's documentation (names and types are checked against the oracle by
tests/corpus)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from query_helpers import one

import kqlite


def test_parse_url(con):
    (parts,) = one(con, 'print parse_url("https://john:123@contoso.com:1234/this/is/a/path?k1=v1&k2=v2#frag")')
    assert parts == {"Scheme": "https", "Host": "contoso.com", "Port": "1234", "Path": "/this/is/a/path",
                     "Username": "john", "Password": "123", "Query Parameters": {"k1": "v1", "k2": "v2"},
                     "Fragment": "frag"}
    assert one(con, 'print parse_url("contoso.com/x")') == ({},)  # not absolute: nothing to take apart
    assert one(con, 'print tostring(parse_url("http://evil.example/").Host)') == ("evil.example",)
    assert one(con, 'print parse_urlquery("?a=1&b=&a=3")') == ({"Query Parameters": {"a": "3", "b": ""}},)


def test_set_functions_keep_first_seen_order_and_distinct_elements(con):
    row = one(con, "print a = dynamic([1, 2, 3, 2, 5]) | project set_union(a, dynamic([9, 1])), "
                   "set_intersect(a, dynamic([5, 2, 7])), set_difference(a, dynamic([2]), dynamic([5]))")
    assert row == ([1, 2, 3, 5, 9], [2, 5], [1, 3])


def test_set_functions_of_a_computed_array(con, backend):
    query = ("let before = toscalar(print p = dynamic([443, 80])); "
             "print now = dynamic([80, 8443, 22]) | project set_difference(now, before)")
    if backend == "spark":  # Spark takes no subquery inside the higher-order functions set_* are written with
        with pytest.raises(kqlite.KqlUnsupportedError, match="toscalar"):
            con.query(query)
        return
    assert one(con, query) == ([8443, 22],)


def test_datetime_part(con):
    row = one(con, "let t = datetime(2024-12-30T13:45:07.1234567); print datetime_part('Year', t), "
                   "datetime_part('quarter', t), datetime_part('week_of_year', t), datetime_part('DayOfYear', t), "
                   "datetime_part('Hour', t), datetime_part('Millisecond', t), datetime_part('Microsecond', t)")
    assert row == (2024, 4, 1, 365, 13, 123, 123456)  # 2024-12-30 is in ISO week 1 of 2025
    with pytest.raises(kqlite.KqlSemanticError, match="unknown part"):
        con.query("print datetime_part('fortnight', now())")


def test_ipv4_is_in_any_range(con):
    row = one(con, 'print ipv4_is_in_any_range("10.1.2.3", "192.168.0.0/16", "10.0.0.0/8"), '
                   'ipv4_is_in_any_range("8.8.8.8", dynamic(["10.0.0.0/8", "172.16.0.0/12"])), '
                   'ipv4_is_in_any_range("not an ip", "10.0.0.0/8")')
    assert row == (True, False, False)


def test_has_any_and_has_all_over_a_computed_list(con):
    query = """let terms = datatable(t:string)["mimikatz", "sekurlsa"];
datatable(cmd:string)["run mimikatz now", "notepad.exe", "mimikatz sekurlsa::logonpasswords", "mimikatzz"]
| project cmd, any = cmd has_any (terms), all = cmd has_all (terms)"""
    assert con.query(query).rows() == [("run mimikatz now", True, False), ("notepad.exe", False, False),
                                       ("mimikatz sekurlsa::logonpasswords", True, True), ("mimikatzz", False, False)]


def test_percentile_is_the_nearest_rank_value(con):
    result = con.query("range x from 1 to 10 step 1 | summarize percentile(x, 50), percentiles(x, 5, 95.5, 100)")
    assert result.columns == ["percentile_x_50", "percentile_x_5", "percentile_x_95_5", "percentile_x_100"]
    assert result.types == ["long"] * 4
    assert result.rows() == [(5, 1, 10, 10)]
    times = con.query("range x from 1 to 4 step 1 | extend t = datetime(2024-01-01) + x * 1h "
                      "| summarize percentile(t, 75)").rows()
    assert times == [(datetime(2024, 1, 1, 3, tzinfo=UTC),)]


def test_make_bag_unions_the_bags_of_a_group(con):
    query = ('datatable(k:long, v:dynamic)[1, dynamic({"x": 1}), 1, dynamic(null), 1, dynamic({"y": 2}), '
             '2, dynamic(null), 2, dynamic([1])] | summarize make_bag(v), b = make_bag_if(v, k == 1) by k | sort by k asc')
    assert con.query(query).rows() == [(1, {"x": 1, "y": 2}, {"x": 1, "y": 2}), (2, {}, {})]


def test_round_to_digits(con):
    assert one(con, "print round(2.5678, 2), round(-1.5), round(1234.5, -2)") == (2.57, -2.0, 1200.0)


def test_an_unknown_aggregate_is_refused_by_name():
    with pytest.raises(kqlite.KqlUnsupportedError, match="aggregate frobnicate"):
        kqlite.connect().query("range x from 1 to 3 step 1 | summarize frobnicate(x)")


def test_datetime_diff_refuses_text(con):
    with pytest.raises(kqlite.KqlSemanticError, match="compares datetimes"):
        con.query('print datetime_diff("day", now(), "2024-01-01")')


def test_series_fit_line_spreads_into_columns_as_the_documentation_shows(con):
    row = one(con, "print y=dynamic([2, 5, 6, 8, 11, 15, 17, 18, 25, 26, 30, 30]) "
                   "| extend (RSquare, Slope, Variance, RVariance, Interception, LineFit)=series_fit_line(y)")
    rsquare, slope, variance, rvariance, interception, line = row[1:]
    assert (round(rsquare, 3), round(slope, 3), round(variance, 3), round(rvariance, 3), round(interception, 3)) == (
        0.983, 2.731, 98.629, 1.686, -1.667)
    assert [round(v, 3) for v in line[:3]] == [1.064, 3.795, 6.526] and len(line) == 12


def test_functions_of_several_columns_take_kusto_names(con):
    result = con.query("print s=dynamic([1, 2, 3]) | extend series_stats(s)")
    assert result.columns == ["s", "series_stats_s_min", "series_stats_s_min_idx", "series_stats_s_max",
                              "series_stats_s_max_idx", "series_stats_s_avg", "series_stats_s_stdev",
                              "series_stats_s_variance"]
    assert result.rows() == [([1, 2, 3], 1.0, 0, 3.0, 2, 2.0, 1.0, 1.0)]
    # a name takes the first result only (the engine's answer; Microsoft's analyzer would keep the others)
    named = con.query("print s=dynamic([4, 1]) | project lowest = series_stats(dynamic([4, 1]))")
    assert named.columns == ["lowest"] and named.rows() == [(1.0,)]
    assert con.query("print s=dynamic([4, 1]) | project (lo, at) = series_stats(s)").rows() == [(1.0, 1)]
    assert con.query("print s=dynamic([4, 1]) | project series_stats(dynamic([4, 1]))").columns[1] == \
        "series_stats__min_idx"
    with pytest.raises(kqlite.KqlSemanticError, match="several columns"):
        con.query("print s=dynamic([1]) | where series_stats(s) > 0")
    with pytest.raises(kqlite.KqlSemanticError, match="gives 7 columns, not 8"):
        con.query("print s=dynamic([1]) | extend (a, b, c, d, e, f, g, h) = series_stats(s)")


def test_series_iir_feeds_back_its_outputs(con):
    # numerators [1], denominators [1, -1]: y[i] = x[i] + y[i - 1], a running sum
    assert one(con, "print series_iir(dynamic([1, 2, 3, 4]), dynamic([1]), dynamic([1, -1]))") == ([1.0, 3.0, 6.0, 10.0],)
    # y[i] = (x[i] + x[i - 1]) / 2 - 0.5 y[i - 1]
    assert one(con, "print series_iir(dynamic([2, 4]), dynamic([1, 1]), dynamic([2, 1]))") == ([1.0, 2.5],)


def test_membership_in_arrays_the_query_computes(con):
    """`in`, `!in`, `in~`, has_any and has_all over toscalar(make_set(...)) and over a dynamic column: the list
    is known only when the query runs."""
    rows = con.query('let l = toscalar(datatable(x:string)["a", "b"] | summarize make_set(x)); '
                     'datatable(s:string)["a x", "c", "b"] | extend h = s has_any (l), i = s in (l), n = s !in (l), '
                     'ci = toupper(s) in~ (l), ha = s has_all (l), mixed = s has_all (l, "x")').rows()
    assert rows == [("a x", True, False, True, False, False, False), ("c", False, False, True, False, False, False),
                    ("b", True, True, False, True, False, False)]
    numbers = con.query('let l = toscalar(datatable(x:long)[1, 5] | summarize make_set(x)); '
                        'datatable(s:long)[1, 2, long(null)] | extend i = s in (l), n = s !in (l), m = s in (l, 2)').rows()
    assert numbers == [(1, True, False, True), (2, False, True, True), (None, False, True, False)]
    per_row = con.query('datatable(s:string, d:dynamic)["a", dynamic(["a", "b"]), "c", dynamic(["x"])] '
                        '| extend i = s in (d), h = s has_any (d)').rows()
    assert [(r[2], r[3]) for r in per_row] == [(True, True), (False, False)]
    assert one(con, 'let l = toscalar(print x = dynamic([])); print "a" has_any (l), "a" has_all (l), "a" in (l)') == (
        False, True, False)


def test_element_wise_and_summary_series_functions(con):
    row = one(con, "print a = dynamic([-1, 2.5, 4]), b = dynamic([1, 2, 3]) | project series_abs(a), series_sign(a), "
                   "series_floor(a), series_ceiling(a), series_pow(b, 2), series_sum(a), series_dot_product(a, b), "
                   "series_magnitude(dynamic([3, 4])), series_cosine_similarity(b, b), series_exp(dynamic([0])), "
                   "series_log(dynamic([1]))")
    assert row == ([1, 2.5, 4], [-1, 1.0, 1], [-1.0, 2.0, 4.0], [-1.0, 3.0, 4.0], [1.0, 4.0, 9.0], 5.5, 16.0, 5.0, 1.0,
                   [1.0], [0.0])


def test_time_zones_follow_daylight_saving_time(con):
    row = one(con, "print winter = datetime_utc_to_local(datetime(2024-01-15 12:00), 'America/New_York'), "
                   "summer = datetime_utc_to_local(datetime(2024-07-15 12:00), 'America/New_York'), "
                   "back = datetime_local_to_utc(datetime(2024-07-15 08:00), 'America/New_York'), "
                   "paris = datetime_local_to_utc(datetime(2024-01-15 13:00), 'Europe/Paris')")
    assert row == (datetime(2024, 1, 15, 7, tzinfo=UTC), datetime(2024, 7, 15, 8, tzinfo=UTC),
                   datetime(2024, 7, 15, 12, tzinfo=UTC), datetime(2024, 1, 15, 12, tzinfo=UTC))
    with pytest.raises(kqlite.KqlSemanticError, match="unknown time zone 'Mars/Olympus'"):
        con.query("print datetime_utc_to_local(now(), 'Mars/Olympus')")


def test_has_any_index_of_the_documentation(con):
    assert one(con, """print
        idx1 = has_any_index("this is an example", dynamic(['this', 'example'])),
        idx2 = has_any_index("this is an example", dynamic(['not', 'example'])),
        idx3 = has_any_index("this is an example", dynamic(['not', 'found'])),
        idx4 = has_any_index("Example number 2", range(1, 3, 1)),
        idx5 = has_any_index("this is an example", dynamic([]))""") == (0, 1, -1, 1, -1)


def test_has_any_index_matches_terms_as_has_does(con):
    # whole terms, any case; a term's regex characters are literal
    assert one(con, "print a = has_any_index('cmd.exe /c WHOAMI', dynamic(['who', 'whoami'])), "
                    "b = has_any_index('a.b c', dynamic(['a.b'])), c = has_any_index('axb', dynamic(['a.b']))") == (1, 0, -1)


def test_series_fit_line_dynamic_of_the_documentation(con):
    fit, = one(con, "print y=dynamic([2, 5, 6, 8, 11, 15, 17, 18, 25, 26, 30, 30]) "
                    "| project fit = series_fit_line_dynamic(y)")
    assert sorted(fit) == sorted(["rsquare", "slope", "variance", "rvariance", "interception", "line_fit"])
    assert [round(fit[k], 3) for k in ("rsquare", "slope", "variance", "rvariance", "interception")] == [
        0.983, 2.731, 98.629, 1.686, -1.667]  # the documentation shows them cut: 0.982 2.730 98.628 1.686 -1.666
    assert [round(v, 3) for v in fit["line_fit"]][:3] == [1.064, 3.795, 6.526]


def test_series_fill_linear_of_the_documentation(con):
    rows = con.query("""let data = datatable(arr: dynamic)[
        dynamic([null, 111.0, null, 36.0, 41.0, null, null, 16.0, 61.0, 33.0, null, null]),
        dynamic([null, 111, null, 36, 41, null, null, 16, 61, 33, null, null]),
        dynamic([null, null, null, null])];
        data | project without_args = series_fill_linear(arr), with_edges = series_fill_linear(arr, double(null), true),
                       wo_edges = series_fill_linear(arr, double(null), false),
                       with_const = series_fill_linear(arr, double(null), true, 3.14159)""").rows()
    reals = [111.0, 111.0, 73.5, 36.0, 41.0, 32.667, 24.333, 16.0, 61.0, 33.0, 33.0, 33.0]
    cut = [None if v is None else round(v, 3) for v in rows[0][2]]
    assert [[round(v, 3) for v in rows[0][i]] for i in (0, 1, 3)] == [reals] * 3
    assert cut == [None, *reals[1:10], None, None]
    whole = [111, 111, 73, 36, 41, 32, 24, 16, 61, 33, 33, 33]  # a series of whole numbers stays whole
    assert rows[1][:3] == (whole, whole, [None, *whole[1:10], None, None])
    # (the documentation's with_const of this row, [111, 111, 74, 38, 41, ...], disagrees with its other columns)
    assert rows[2] == ([0.0] * 4, [0.0] * 4, [0.0] * 4, [3.14159] * 4)


def test_series_fill_linear_with_a_placeholder(con):
    assert one(con, "print a = series_fill_linear(dynamic([1, 0, 0, 4]), 0), "
                    "b = series_fill_linear(dynamic([1.5, -1, 3.5]), -1)") == ([1, 2, 3, 4], [1.5, 2.5, 3.5])
