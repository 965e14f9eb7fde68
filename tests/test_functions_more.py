"""Unit conversions (convert_*), the beta distribution and Welch's test, series_fft / series_ifft /
series_fit_poly, and the geospatial point functions: every worked example of Microsoft's documentation
(data-explorer/kusto/query/<name>-function.md) on the engine under test (--backend). The pages print 15
significant digits; a value is checked to them (`digits15`). Result types are checked against the analyzer by
tests/test_function_types.py."""

from __future__ import annotations

import math

import pytest
from query_helpers import column, one

from kqlite.compile.functions.units import QUANTITIES, convert_value


def digits15(value: float) -> str:
    """A real as Kusto prints it on the pages: 15 significant digits, no trailing zeros."""
    return f"{value:.15g}"


# ---- unit conversions: the pages' examples

@pytest.mark.parametrize(("call", "shown"), [
    ("convert_angle(1.2, 'Degree', 'Arcminute')", "72"),
    ("convert_energy(1.2, 'Joule', 'BritishThermalUnit')", "0.00113738054437598"),
    ("convert_force(1.2, 'Newton', 'Decanewton')", "0.12"),
    ("convert_length(1.2, 'Meter', 'Foot')", "3.93700787401575"),
    ("convert_mass(1.2, 'Kilogram', 'Pound')", "2.64554714621853"),
    ("convert_speed(1.2, 'MeterPerSecond', 'CentimeterPerHour')", "432000"),
    ("convert_temperature(1.2, 'Kelvin', 'DegreeCelsius')", "-271.95"),
    ("convert_volume(1.2, 'CubicMeter', 'AcreFoot')", "0.0009728568"),
])
def test_conversion_documentation_examples(con, call, shown):
    (value,) = one(con, f"print result = {call}")
    assert digits15(value) == shown


def test_conversion_unknown_units_and_types(con):
    # an unknown unit gives null (documented); names in any case; int values; units from the data
    row = one(con, "print convert_length(1.2, 'Meter', 'Parsecs'), convert_length(1.2, 'lightyear', 'Meter'), "
                   "convert_mass(int(2), 'KILOGRAM', 'gram'), convert_length(real(null), 'Meter', 'Foot')")
    assert row[0] is None and row[1] == pytest.approx(1.2 * 9.46073047258e15) and row[2] == 2000.0 and row[3] is None
    rows = column(con, "datatable(v:real, f:string, t:string)[1.2, 'Meter', 'Foot', 100, 'DegreeCelsius', "
                       "'DegreeFahrenheit', 1, 'Meter', 'nope'] | extend r = convert_length(v, f, t)")
    assert digits15(rows[0]) == "3.93700787401575" and rows[1] is None and rows[2] is None
    rows = column(con, "datatable(v:real, f:string, t:string)[100, 'DegreeCelsius', 'DegreeFahrenheit', "
                       "-40, 'degreefahrenheit', 'DegreeCelsius'] | extend r = convert_temperature(v, f, t)")
    assert rows == [pytest.approx(212.0), pytest.approx(-40.0)]


def test_conversion_round_trips():
    # every unit there and back again gives the value back (a wrong inverse formula would not; an offset
    # scale such as millidegrees loses digits on the way)
    for quantity, units in QUANTITIES.items():
        for name in units:
            value = 0.5 if name == "tilt" else 1.7
            there = convert_value(value, quantity, name, next(iter(units)))
            assert convert_value(there, quantity, next(iter(units)), name) == pytest.approx(value, rel=1e-9), name


# ---- beta distribution and Welch's test

def test_beta_cdf_documentation_example(con):
    rows = con.query("""datatable(x:double, alpha:double, beta:double, comment:string)
        [0.9, 10.0, 20.0, "Valid input", 1.5, 10.0, 20.0, "x > 1, yields NaN", double(-10), 10.0, 20.0,
         "x < 0, yields NaN", 0.1, double(-1.0), 20.0, "alpha is < 0, yields NaN"]
        | extend b = beta_cdf(x, alpha, beta)""").rows()
    values = [row[-1] for row in rows]
    assert digits15(values[0]) == "0.999999999999959"
    assert all(math.isnan(v) for v in values[1:])


def test_beta_inv_documentation_example(con):
    values = column(con, """datatable(p:double, alpha:double, beta:double, comment:string)
        [0.1, 10.0, 20.0, "Valid input", 1.5, 10.0, 20.0, "p > 1, yields null", 0.1, double(-1.0), 20.0,
         "alpha is < 0, yields NaN"]
        | extend b = beta_inv(p, alpha, beta)""")
    assert digits15(values[0]) == "0.226415022388749"
    assert values[1] is None and math.isnan(values[2])


def test_beta_pdf_documentation_example(con):
    values = column(con, """datatable(x:double, alpha:double, beta:double, comment:string)
        [0.5, 10.0, 20.0, "Valid input", 1.5, 10.0, 20.0, "x > 1, yields NaN", double(-10), 10.0, 20.0,
         "x < 0, yields NaN", 0.1, double(-1.0), 20.0, "alpha is < 0, yields NaN"]
        | extend r = beta_pdf(x, alpha, beta)""")
    assert digits15(values[0]) == "0.746176019310951"
    assert all(math.isnan(v) for v in values[1:])


def test_beta_constants_and_inverse(con):
    # constants are computed while compiling; beta_inv undoes beta_cdf
    row = one(con, "print beta_cdf(0.9, 10, 20), beta_inv(beta_cdf(0.3, 2, 5), 2, 5), beta_pdf(int(1), 2, 3), "
                   "beta_cdf(real(null), 1, 1)")
    assert digits15(row[0]) == "0.999999999999959" and row[1] == pytest.approx(0.3, abs=1e-14)
    assert math.isnan(row[2]) and row[3] is None


def test_welch_test_documentation_example(con):
    (p,) = con.query("""print
        s1 = dynamic([27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4]),
        s2 = dynamic([27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4])
        | mv-expand s1 to typeof(double), s2 to typeof(double)
        | summarize m1=avg(s1), v1=variance(s1), c1=count(), m2=avg(s2), v2=variance(s2), c2=count()
        | project pValue=welch_test(m1,v1,c1,m2,v2,c2)""").rows()[0]
    assert round(p, 3) == 0.021  # the page: pValue = 0.021 (Wikipedia's example: t = -2.46, 25 dof)
    assert p == pytest.approx(0.021378001462867, rel=1e-12)


# ---- series

SINEWAVES = """let sinewave=(x:double, period:double, gain:double=1.0, phase:double=0.0)
{
    gain*sin(2*pi()/period*(x+phase))
}
;
let n=128;
range x from 0 to n-1 step 1 | extend yr=sinewave(x, 8), yi=sinewave(x, 32)
| summarize x=make_list(x), y_real=make_list(yr), y_imag=make_list(yi)
| extend (fft_y_real, fft_y_imag) = series_fft(y_real, y_imag)
"""


def test_series_fft_documentation_example(con):
    # the page shows a chart: the two sines' frequencies are the only ones present (128 points: the real part of
    # period 8 at bins 16 and 112, the imaginary one of period 32 at bins 4 and 124)
    result = con.query(SINEWAVES + "| project fft_y_real, fft_y_imag")
    assert result.types == ["dynamic", "dynamic"]
    real, imag = result.rows()[0]
    magnitude = [math.hypot(a, b) for a, b in zip(real, imag, strict=True)]
    assert sorted(i for i, m in enumerate(magnitude) if m > 1) == [4, 16, 112, 124]
    assert max(m for i, m in enumerate(magnitude) if i not in (4, 16, 112, 124)) < 1e-9


def test_series_ifft_undoes_fft(con):
    # the page's second example: series_ifft of series_fft gives back the series
    rows = con.query(SINEWAVES + "| extend (y_real2, y_imag2) = series_ifft(fft_y_real, fft_y_imag)"
                                 "| project y_real, y_real2, y_imag, y_imag2").rows()
    y_real, y_real2, y_imag, y_imag2 = rows[0]
    assert y_real2 == pytest.approx(y_real, abs=1e-12) and y_imag2 == pytest.approx(y_imag, abs=1e-12)


def test_series_fft_names_and_small_cases(con):
    result = con.query("print y=dynamic([1, 2, 3, 4]) | extend series_fft(y)")
    assert result.columns == ["y", "series_fft_y_real", "series_fft_y_imag"]
    assert result.rows()[0][1:] == ([10.0, -2.0, -2.0, -2.0], [0.0, 2.0, 0.0, -2.0])


def test_series_fit_poly_degree_one_is_series_fit_line(con):
    # the page's example 2: degree 1 matches series_fit_line
    result = con.query("print y=dynamic([1, 2, 4, 3, 5, 7, 6]) | extend series_fit_poly(y) | extend series_fit_line(y)")
    row = dict(zip(result.columns, result.rows()[0], strict=True))
    assert result.types[1:6] == ["real", "dynamic", "real", "real", "dynamic"]
    for poly, line in (("rsquare", "rsquare"), ("variance", "variance"), ("rvariance", "rvariance")):
        assert row[f"series_fit_poly_y_{poly}"] == pytest.approx(row[f"series_fit_line_y_{line}"], rel=1e-12)
    assert row["series_fit_poly_y_coefficients"] == pytest.approx([row["series_fit_line_y_slope"],
                                                                  row["series_fit_line_y_interception"]])
    assert row["series_fit_poly_y_poly_fit"] == pytest.approx(row["series_fit_line_y_line_fit"])


def test_series_fit_poly_fifth_order(con):
    # the page's example 1 without its noise: a fifth-degree polynomial is found exactly
    result = con.query("""range x from 1 to 50 step 1
        | project x = x / 10.0 - 2.3
        | extend y = pow(x, 5) - 8 * pow(x, 3) + 10 * x + 6
        | summarize x = make_list(x), y = make_list(y)
        | extend series_fit_poly(y, x, 5)
        | project series_fit_poly_y_rsquare, series_fit_poly_y_coefficients""")
    rsquare, coefficients = result.rows()[0]
    assert rsquare == pytest.approx(1.0) and coefficients == pytest.approx([1, 0, -8, 0, 10, 6], abs=1e-8)


# ---- geospatial points

def test_geo_distance_2points_documentation_examples(con):
    row = one(con, "print d = geo_distance_2points(-122.407628, 47.578557, -118.275287, 34.019056), "
                   "bad = geo_distance_2points(300,1,1,1)")
    assert digits15(row[0]) == "1546754.35197381" and row[1] is None


def test_geo_point_in_circle_documentation_examples(con):
    places = column(con, """datatable(longitude:real, latitude:real, place:string)
        [real(-122.317404), 47.609119, 'Seattle', real(-123.497688), 47.458098, 'Olympic National Forest',
         real(-122.201741), 47.677084, 'Kirkland', real(-122.443663), 47.247092, 'Tacoma',
         real(-122.121975), 47.671345, 'Redmond']
        | where geo_point_in_circle(longitude, latitude, -122.317404, 47.609119, 18000)
        | project place""")
    assert places == ["Seattle", "Kirkland", "Redmond"]
    row = one(con, "print geo_point_in_circle(-122.143564, 47.535677, -122.100896, 47.527351, 3500), "
                   "geo_point_in_circle(-122.137575, 47.630683, -122.100896, 47.527351, 3500), "
                   "geo_point_in_circle(200, 1, 1, 1, 1), geo_point_in_circle(1, 1, 1, 1, -1)")
    assert row == (True, False, None, None)


def test_geo_point_to_geohash_documentation_examples(con):
    row = one(con, "print geo_point_to_geohash(139.806115, 35.554128, 12), geo_point_to_geohash(-80.195829, "
                   "25.802215, 8), geo_point_to_geohash(200,1,8), geo_point_to_geohash(1,1,int(null))")
    assert row == ("xn76m27ty9g4", "dhwfz15h", "", "")
    rows = con.query("""datatable(location_id:string, longitude:real, latitude:real)
        ["A", double(-122.303404), 47.570482, "B", double(-122.304745), 47.567052,
         "C", double(-122.278156), 47.566936]
        | summarize count = count(), locations = make_list(location_id)
            by geohash = geo_point_to_geohash(longitude, latitude)
        | order by geohash asc""").rows()
    assert rows == [("c23n8", 2, ["A", "B"]), ("c23n9", 1, ["C"])]


def test_geo_geohash_to_central_point_documentation_examples(con):
    row = one(con, """print point = geo_geohash_to_central_point("sunny")
        | extend coordinates = point.coordinates
        | extend longitude = coordinates[0], latitude = coordinates[1]""")
    assert row == ({"type": "Point", "coordinates": [42.47314453125, 23.70849609375]},
                   [42.47314453125, 23.70849609375], 42.47314453125, 23.70849609375)
    assert one(con, 'print geohash = geo_geohash_to_central_point("a")') == (None,)
    (url,) = one(con, """let point_to_map_url = (_point:dynamic, _title:string)
        {
            strcat('https://www.bing.com/maps?sp=point.', _point.coordinates[1] ,'_', _point.coordinates[0], '_',
                   url_encode(_title))
        };
        let geohash_to_map_url = (_geohash:string, _title:string)
        {
            point_to_map_url(geo_geohash_to_central_point(_geohash), _title)
        };
        print geohash = 'sv8wzvy7'
        | project url = geohash_to_map_url(geohash, "You are here")""")
    assert url == "https://www.bing.com/maps?sp=point.32.15620994567871_34.80245590209961_You+are+here"


def test_geo_geohash_neighbors_documentation_examples(con):
    neighbours = ["sunnt", "sunpj", "sunnx", "sunpn", "sunnv", "sunpp", "sunnz", "sunnw"]
    assert one(con, "print neighbors = geo_geohash_neighbors('sunny')") == (neighbours,)
    assert one(con, "let geohash = 'sunny'; print cells = array_concat(pack_array(geohash), "
                    "geo_geohash_neighbors(geohash))") == (["sunny", *neighbours],)
    assert one(con, "print invalid = isnull(geo_geohash_neighbors('a'))") == (True,)


def test_geohash_functions_on_columns(con):
    rows = con.query("datatable(h:string)['sunny', 'a', ''] | extend p = geo_geohash_to_central_point(h), "
                     "n = geo_geohash_neighbors(h) | extend back = geo_point_to_geohash(toreal(p.coordinates[0]), "
                     "toreal(p.coordinates[1]), strlen(h))").rows()
    assert rows[0][3] == "sunny" and rows[1][1:] == (None, None, "") and rows[2][1:] == (None, None, "")
