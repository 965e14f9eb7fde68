"""Kusto semantics traps, each a tiny self-contained query with its result worked out by hand.

The expected values come from /work/shared/reference/kql-semantics.md (sections 1-4 and 7), not from
running kqlite. Where kqlite disagrees with Kusto the case stays as written and is marked
``xfail(strict=True)`` with the reason, so fixing kqlite turns it into an XPASS failure that asks for
the mark to be removed.

Row order is compared only when the query sorts (``ordered=True``); otherwise rows compare as multisets.
Cells are compared with their Python type, so ``True`` never passes for ``1`` nor ``1.0`` for ``1``.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

import kqlite

CON: kqlite.Connection  # the engine under test (--backend), opened once for the module


@pytest.fixture(autouse=True, scope="module")
def _connection(connect_backend):
    global CON
    CON = connect_backend()
    yield
    CON.close()


def dt(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _typed(rows):
    return [tuple((type(v).__name__, v) for v in row) for row in rows]


def check(kql: str, columns: list[str], rows: list[tuple], types=None, ordered=False) -> None:
    res = CON.query(kql)
    assert res.columns == columns
    if types is not None:
        assert res.types == types
    got, want = _typed(res.rows()), _typed(rows)
    if ordered:
        assert got == want
    else:
        assert sorted(got, key=repr) == sorted(want, key=repr)


def case(id_, kql, columns, rows, *, types=None, ordered=False, xfail=None):
    marks = [pytest.mark.xfail(strict=True, reason=xfail)] if xfail else []
    return pytest.param(kql, columns, rows, types, ordered, id=id_, marks=marks)


def run_cases(cases):
    return pytest.mark.parametrize(("kql", "columns", "rows", "types", "ordered"), cases)


# --------------------------------------------------------------------------------------------- join

L_DUP = (
    "let L = datatable(k:long, v:long)[1,10, 1,11, 2,20]; let R = datatable(k:long, rv:long)[1,100, 1,101];"
)
L_S = 'let L = datatable(k:long, s:string)[1,"a", 2,"b"]; let R = datatable(k:long, rs:string)[2,"y", 3,"z"];'
L_SEMI = (
    'let L = datatable(k:long, s:string)[1,"a", 1,"a2", 2,"b"];'
    ' let R = datatable(k:long, rs:string)[1,"x", 1,"x2", 3,"z"];'
)
L_NULL = (
    "let L = datatable(k:long, v:long)[long(null),1, 2,2];"
    " let R = datatable(k:long, rv:long)[long(null),10, 3,30];"
)
L_LO = 'let L = datatable(k:long, s:string)[1,"a", 2,"b"]; let R = datatable(k:long, rs:string, rv:long)[1,"x",10];'

JOIN_CASES = [
    # innerunique: L deduplicated on k (first row (1,10) survives), R not deduplicated
    case(
        "innerunique-default",
        L_DUP + " L | join R on k",
        ["k", "v", "k1", "rv"],
        [(1, 10, 1, 100), (1, 10, 1, 101)],
    ),
    case(
        "innerunique-explicit",
        L_DUP + " L | join kind=innerunique R on k",
        ["k", "v", "k1", "rv"],
        [(1, 10, 1, 100), (1, 10, 1, 101)],
    ),
    case(
        "inner-all-pairs",
        L_DUP + " L | join kind=inner R on k",
        ["k", "v", "k1", "rv"],
        [(1, 10, 1, 100), (1, 10, 1, 101), (1, 11, 1, 100), (1, 11, 1, 101)],
    ),
    case(
        "leftouter",
        L_LO + " L | join kind=leftouter R on k",
        ["k", "s", "k1", "rs", "rv"],
        [(1, "a", 1, "x", 10), (2, "b", None, "", None)],
        types=["long", "string", "long", "string", "long"],
    ),
    case(
        "leftouter-unmatched-string-is-empty-not-null",
        L_LO
        + " L | join kind=leftouter R on k | extend n = isnull(rs), e = isempty(rs), q = rs == '' | project k, n, e, q",
        ["k", "n", "e", "q"],
        [(1, False, False, False), (2, False, True, True)],
    ),
    case(
        "leftouter-where-isnull-string-none",
        L_LO + " L | join kind=leftouter R on k | where isnull(rs)",
        ["k", "s", "k1", "rs", "rv"],
        [],
    ),
    case(
        "leftouter-where-isnull-long",
        L_LO + " L | join kind=leftouter R on k | where isnull(rv) | project k",
        ["k"],
        [(2,)],
    ),
    case(
        "rightouter",
        L_S + " L | join kind=rightouter R on k",
        ["k", "s", "k1", "rs"],
        [(2, "b", 2, "y"), (None, "", 3, "z")],
    ),
    case(
        "fullouter",
        L_S + " L | join kind=fullouter R on k",
        ["k", "s", "k1", "rs"],
        [(1, "a", None, ""), (2, "b", 2, "y"), (None, "", 3, "z")],
    ),
    case("leftsemi", L_SEMI + " L | join kind=leftsemi R on k", ["k", "s"], [(1, "a"), (1, "a2")]),
    case("leftanti", L_SEMI + " L | join kind=leftanti R on k", ["k", "s"], [(2, "b")]),
    case("anti-alias", L_SEMI + " L | join kind=anti R on k", ["k", "s"], [(2, "b")]),
    case("rightsemi", L_SEMI + " L | join kind=rightsemi R on k", ["k", "rs"], [(1, "x"), (1, "x2")]),
    case("rightanti", L_SEMI + " L | join kind=rightanti R on k", ["k", "rs"], [(3, "z")]),
    # null keys match each other
    case(
        "null-keys-inner",
        L_NULL + " L | join kind=inner R on k",
        ["k", "v", "k1", "rv"],
        [(None, 1, None, 10)],
    ),
    case("null-keys-innerunique", L_NULL + " L | join R on k", ["k", "v", "k1", "rv"], [(None, 1, None, 10)]),
    case(
        "null-keys-leftouter",
        L_NULL + " L | join kind=leftouter R on k",
        ["k", "v", "k1", "rv"],
        [(None, 1, None, 10), (2, 2, None, None)],
    ),
    case("null-keys-leftanti", L_NULL + " L | join kind=leftanti R on k", ["k", "v"], [(2, 2)]),
    case(
        "empty-string-keys-match",
        'datatable(k:string, v:long)["",1, "a",2] | join kind=inner (datatable(k:string, w:long)["",3]) on k',
        ["k", "v", "k1", "w"],
        [("", 1, "", 3)],
    ),
    case(
        "string-keys-case-sensitive",
        'datatable(k:string, v:long)["A",1] | join kind=inner (datatable(k:string, w:long)["a",3]) on k',
        ["k", "v", "k1", "w"],
        [],
    ),
    # naming: both keys kept; right clashes get the smallest free suffix over both schemas
    case(
        "suffix-skips-existing",
        "datatable(k:long, k1:long)[1,5] | join kind=inner (datatable(k:long, rv:long)[1,7]) on k",
        ["k", "k1", "k2", "rv"],
        [(1, 5, 1, 7)],
    ),
    case(
        "second-join-suffix-2",
        'let A = datatable(DeviceName:string, x:long)["d",1]; let B = datatable(DeviceName:string, y:long)["d",2];'
        ' let C = datatable(DeviceName:string, z:long)["d",3];'
        " A | join kind=inner B on DeviceName | join kind=inner C on DeviceName",
        ["DeviceName", "x", "DeviceName1", "y", "DeviceName2", "z"],
        [("d", 1, "d", 2, "d", 3)],
    ),
    case(
        "left-right-keys",
        'datatable(a:long, v:string)[1,"p", 2,"q"] | join kind=inner (datatable(b:long, w:string)[2,"r"])'
        " on $left.a == $right.b",
        ["a", "v", "b", "w"],
        [(2, "q", 2, "r")],
    ),
    case(
        "left-right-keys-clashing-names",
        "datatable(a:long, x:long)[1,100, 2,200] | join kind=inner (datatable(x:long, a:long)[1,5])"
        " on $left.a == $right.x",
        ["a", "x", "x1", "a1"],
        [(1, 100, 1, 5)],
    ),
    case(
        "mixed-key-forms",
        'datatable(k:long, a:long, v:string)[1,1,"p", 1,2,"q", 2,1,"s"]'
        ' | join kind=inner (datatable(k:long, b:long, w:string)[1,2,"r", 2,2,"t"]) on k, $left.a == $right.b',
        ["k", "a", "v", "k1", "b", "w"],
        [(1, 2, "q", 1, 2, "r")],
    ),
    case(
        "left-right-same-name",
        L_DUP + " L | join R on $left.k == $right.k",
        ["k", "v", "k1", "rv"],
        [(1, 10, 1, 100), (1, 10, 1, 101)],
    ),
    case(
        "innerunique-two-keys",
        'datatable(a:long, b:string, v:long)[1,"x",1, 1,"x",2, 1,"y",3]'
        ' | join (datatable(a:long, b:string, w:long)[1,"x",9, 1,"y",8]) on a, b',
        ["a", "b", "v", "a1", "b1", "w"],
        [(1, "x", 1, 1, "x", 9), (1, "y", 3, 1, "y", 8)],
    ),
    case(
        "rightouter-unmatched-left-string-key",
        'datatable(k:string, v:long)["a",1] | join kind=rightouter (datatable(k:string, w:long)["b",2]) on k'
        ' | extend e = k == "", n = isnull(k)',
        ["k", "v", "k1", "w", "e", "n"],
        [("", None, "b", 2, True, False)],
    ),
    case(
        "right-side-pipeline",
        L_DUP + " L | join kind=inner (R | where rv > 100) on k | project v, rv",
        ["v", "rv"],
        [(10, 101), (11, 101)],
    ),
]


@run_cases(JOIN_CASES)
def test_join(kql, columns, rows, types, ordered):
    check(kql, columns, rows, types, ordered)


# ------------------------------------------------------------------------- extend / project family

ABC = "datatable(a:long, b:long, c:long)[1,2,3]"

PROJECT_CASES = [
    case("extend-replaces-in-place", ABC + " | extend a = 99", ["a", "b", "c"], [(99, 2, 3)]),
    case("extend-sees-input-row-swap", ABC + " | extend a = c, c = a", ["a", "b", "c"], [(3, 2, 1)]),
    case("extend-new-appended", ABC + " | extend d = a + c, a = 0", ["a", "b", "c", "d"], [(0, 2, 3, 4)]),
    case(
        "extend-chained-sees-new",
        ABC + " | extend a = 10 | extend d = a + 1",
        ["a", "b", "c", "d"],
        [(10, 2, 3, 11)],
    ),
    case("project-argument-order", ABC + " | project c, n = a + b", ["c", "n"], [(3, 3)]),
    case(
        "project-away-star1",
        'datatable(SHA1:string, k:long, k1:long, v1:long, name:string, InitiatingProcessSHA1:string)["s",1,2,3,"n","t"]'
        " | project-away *1",
        ["k", "name"],
        [(1, "n")],
    ),
    case(
        "project-away-names-and-patterns",
        "datatable(a:long, b:long, c:long, ab:long, ba:long)[1,2,3,4,5] | project-away b, a*",
        ["c", "ba"],
        [(3, 5)],
    ),
    case(
        "project-away-infix-pattern",
        "datatable(DeviceId:long, Id:long, x:long, ReportIdX:long)[1,2,3,4] | project-away *Id*",
        ["x"],
        [(3,)],
    ),
    case("project-away-case-sensitive", "datatable(Ab:long, ab:long)[1,2] | project-away a*", ["Ab"], [(1,)]),
    case("project-away-pattern-matching-nothing", ABC + " | project-away z*", ["a", "b", "c"], [(1, 2, 3)]),
    case(
        "project-keep-source-order",
        "datatable(a:long, b:long, c:long, ab:long)[1,2,3,4] | project-keep c, a*",
        ["a", "c", "ab"],
        [(1, 3, 4)],
    ),
    case("project-rename-in-place", ABC + " | project-rename y = a, x = b", ["y", "x", "c"], [(1, 2, 3)]),
    case(
        "project-reorder",
        "datatable(a:long, b:long, c:long, d:long)[1,2,3,4] | project-reorder c, a",
        ["c", "a", "b", "d"],
        [(3, 1, 2, 4)],
    ),
    case(
        "project-reorder-pattern-source-order",
        "datatable(x2:long, a:long, x1:long)[1,2,3] | project-reorder x*",
        ["x2", "x1", "a"],
        [(1, 3, 2)],
    ),
    case(
        "project-reorder-pattern-asc",
        "datatable(x2:long, a:long, x1:long)[1,2,3] | project-reorder x* asc",
        ["x1", "x2", "a"],
        [(3, 1, 2)],
    ),
]


@run_cases(PROJECT_CASES)
def test_extend_project(kql, columns, rows, types, ordered):
    check(kql, columns, rows, types, ordered)


# ------------------------------------------------------------------------------------ sort / top

X_NULL = "datatable(x:long)[2, long(null), 3, 1]"

SORT_CASES = [
    case(
        "sort-default-desc-nulls-last",
        X_NULL + " | sort by x",
        ["x"],
        [(3,), (2,), (1,), (None,)],
        ordered=True,
    ),
    case("order-alias", X_NULL + " | order by x", ["x"], [(3,), (2,), (1,), (None,)], ordered=True),
    case(
        "sort-asc-nulls-first", X_NULL + " | sort by x asc", ["x"], [(None,), (1,), (2,), (3,)], ordered=True
    ),
    case(
        "sort-asc-nulls-last",
        X_NULL + " | sort by x asc nulls last",
        ["x"],
        [(1,), (2,), (3,), (None,)],
        ordered=True,
    ),
    case(
        "sort-desc-nulls-first",
        X_NULL + " | sort by x desc nulls first",
        ["x"],
        [(None,), (3,), (2,), (1,)],
        ordered=True,
    ),
    case(
        "sort-strings-default-desc",
        'datatable(s:string)["b","a","c"] | sort by s',
        ["s"],
        [("c",), ("b",), ("a",)],
        ordered=True,
    ),
    case(
        "sort-two-keys",
        'datatable(a:long, b:string)[1,"x", 2,"y", 1,"z"] | sort by a asc, b desc',
        ["a", "b"],
        [(1, "z"), (1, "x"), (2, "y")],
        ordered=True,
    ),
    case(
        "sort-by-expression",
        "datatable(x:long)[1, -5, 3] | sort by abs(x) asc",
        ["x"],
        [(1,), (3,), (-5,)],
        ordered=True,
    ),
    case("top-default-desc", X_NULL + " | top 2 by x", ["x"], [(3,), (2,)], ordered=True),
    case("top-asc-nulls-first", X_NULL + " | top 2 by x asc", ["x"], [(None,), (1,)], ordered=True),
    case("top-asc-nulls-last", X_NULL + " | top 2 by x asc nulls last", ["x"], [(1,), (2,)], ordered=True),
    case(
        "sort-then-take",
        X_NULL + " | sort by x asc nulls last | take 3",
        ["x"],
        [(1,), (2,), (3,)],
        ordered=True,
    ),
]


@run_cases(SORT_CASES)
def test_sort_top(kql, columns, rows, types, ordered):
    check(kql, columns, rows, types, ordered)


# ------------------------------------------------------------------------ string / comparison ops

PREDICATES = [
    # equality and lists: ==, !=, in case-sensitive; =~, in~ insensitive
    ('"abc" == "ABC"', False),
    ('"abc" == "abc"', True),
    ('"abc" != "ABC"', True),
    ('"abc" =~ "ABC"', True),
    ('"abc" !~ "ABC"', False),
    ('"abc" !~ "abd"', True),
    ('"abc" in ("ABC", "x")', False),
    ('"abc" in ("x", "abc")', True),
    ('"abc" !in ("ABC")', True),
    ('"abc" in~ ("ABC", "x")', True),
    ('"abc" !in~ ("ABC")', False),
    ('"abc" !in~ ("x")', True),
    ("2 in (1, 2)", True),
    ("3 !in (1, 2)", True),
    ("2 in (dynamic([1, [2, 3]]))", True),
    # contains / startswith / endswith: insensitive; _cs sensitive
    ('"Hello World" contains "LO w"', True),
    ('"Hello World" contains_cs "LO w"', False),
    ('"Hello World" contains_cs "lo W"', True),
    ('"Hello World" !contains "xyz"', True),
    ('"Hello World" !contains "WORLD"', False),
    ('"Hello World" !contains_cs "WORLD"', True),
    ('"Hello" startswith "HE"', True),
    ('"Hello" startswith_cs "HE"', False),
    ('"Hello" startswith_cs "He"', True),
    ('"Hello" !startswith "he"', False),
    ('"Hello" endswith "LLO"', True),
    ('"Hello" endswith_cs "LLO"', False),
    ('"Hello" !endswith "x"', True),
    ('"Hello" !endswith_cs "LLO"', True),
    # has: whole terms (term char = letter or digit; underscore separates), measured examples
    ('"hello-world" has "hello"', True),
    ('"hello world" has "hello"', True),
    ('"helloworld" has "hello"', False),
    ('"HELLO" has "hello"', True),
    ('"a hello b" has "hello"', True),
    ('"alpha_beta" has "alpha"', True),
    ('"alpha-beta" has "alpha"', True),
    ('"alphabeta" has "alpha"', False),
    ('"foo.bar.baz" has "bar"', True),
    ('"12.34.56" has "34"', True),
    ('"123456" has "34"', False),
    ('"version=1.2.3" has "2.3"', True),
    ('"1_2_3" has "2.3"', False),
    ('"cat" has "cat"', True),
    ('"category" has "cat"', False),
    ('"scatter" has "cat"', False),
    ('"cats" has "cat"', False),
    ('"North America" has "america"', True),
    ('"KustoExplorerQueryRun" has "Explorer"', False),
    ('"KustoExplorerQueryRun" contains "Explorer"', True),
    ('"Hello\\tWorld" has "World"', True),
    ('"a b" has " "', True),
    ('"a\\tb" has " "', False),
    ('"abc" has ""', True),
    ('"" has ""', True),
    ('"abc" !has ""', False),
    ('"HELLO" has_cs "hello"', False),
    ('"x Hello y" has_cs "Hello"', True),
    ('"HELLO" !has_cs "hello"', True),
    ('"a hello b" !has "HELLO"', False),
    ('"helloworld" !has "hello"', True),
    ('"cat" hasprefix "cat"', True),
    ('"category" hasprefix "cat"', True),
    ('"scatter" hasprefix "cat"', False),
    ('"cats" hasprefix "cat"', True),
    ('"end." hassuffix "end"', True),
    ('"the end" hassuffix "end"', True),
    ('"ending" hassuffix "end"', False),
    ('"hello world" has_any ("xyz", "WORLD")', True),
    ('"helloworld" has_any ("hello", "world")', False),
    ('"hello big world" has_all ("hello", "WORLD")', True),
    ('"hello big" has_all ("hello", "world")', False),
    # Unicode: per-character folding (measured on the emulator)
    ('"CAFÉ" =~ "café"', True),
    ('"MÜLLER" in~ ("müller")', True),
    ('"CAFÉ RÉSUMÉ" has "café"', True),
    ('"STRASSE" =~ "straße"', False),
    # regex: unanchored search, case-sensitive
    ('"abc123" matches regex "[0-9]+"', True),
    ('"ABC" matches regex "abc"', False),
    ('"ABC" matches regex "(?i)abc"', True),
    ('"xabcx" matches regex "^abc$"', False),
    # between: inclusive; datetime .. timespan
    ("5 between (1 .. 5)", True),
    ("1 between (1 .. 5)", True),
    ("6 between (1 .. 5)", False),
    ("0 !between (1 .. 5)", True),
    ("3 !between (1 .. 5)", False),
    ("datetime(2020-01-02) between (datetime(2020-01-01) .. 1d)", True),
    ("datetime(2020-01-02 12:00) between (datetime(2020-01-01) .. 1d)", False),
    # three-valued logic with null booleans
    ("(long(null) > 0) or true", True),
    ("(long(null) > 0) and false", False),
    ("isnull(long(null) > 0)", True),
    ("isnull(not(long(null) > 0))", True),
    ("isnull((long(null) > 0) and true)", True),
    ("isnull((long(null) > 0) or false)", True),
    ("isnotnull(not(bool(null)))", False),
    ("isnull(true and bool(null))", True),
    # a parenthesised and/or/not is one operand of the enclosing comparison
    ("(true or false) == false", False),
    ("(false and true) != true", True),
    ("not(false) == false", False),
    ("long(null) == 5", False),
    ("long(null) != 5", True),
    ("long(null) in (5)", False),
    ("long(null) !in (5)", True),
]


@pytest.mark.parametrize(("expr", "expected"), [pytest.param(e, v, id=e) for e, v in PREDICATES])
def test_predicate(expr, expected):
    check(f"print r = {expr}", ["r"], [(expected,)], types=["bool"])


S_DATA = 'datatable(s:string)["cat", "category", "scatter", "cats", "Cat food", "the-cat.", ""]'
X_DATA = "datatable(x:long)[5, long(null), 1]"
N_DATA = "datatable(x:long)[5, long(null), 15]"

WHERE_CASES = [
    case("has-on-column", S_DATA + ' | where s has "cat"', ["s"], [("cat",), ("Cat food",), ("the-cat.",)]),
    case(
        "not-has-on-column",
        S_DATA + ' | where s !has "cat"',
        ["s"],
        [("category",), ("scatter",), ("cats",), ("",)],
    ),
    case(
        "has_any-on-column",
        S_DATA + ' | where s has_any ("food", "scatter")',
        ["s"],
        [("scatter",), ("Cat food",)],
    ),
    case(
        "contains-on-column",
        S_DATA + ' | where s contains "CAT"',
        ["s"],
        [("cat",), ("category",), ("scatter",), ("cats",), ("Cat food",), ("the-cat.",)],
    ),
    case(
        "not-contains-empty-string-row",
        'datatable(s:string)["abc", "", "xyz"] | where s !contains "b"',
        ["s"],
        [("",), ("xyz",)],
    ),
    case(
        "not-startswith-empty-string-row",
        'datatable(s:string)["abc", "", "xyz"] | where s !startswith "a"',
        ["s"],
        [("",), ("xyz",)],
    ),
    # null rules on a long column
    case("null-ne-kept", X_DATA + " | where x != 5", ["x"], [(None,), (1,)]),
    case("null-not-in-kept", X_DATA + " | where x !in (1, 2)", ["x"], [(5,), (None,)]),
    case("null-not-gt-dropped", X_DATA + " | where not(x > 0)", ["x"], []),
    case("null-eq-dropped", X_DATA + " | where x == 5", ["x"], [(5,)]),
    case("null-in-dropped", X_DATA + " | where x in (1, 5)", ["x"], [(5,), (1,)]),
    case("null-between-dropped", X_DATA + " | where x between (0 .. 10)", ["x"], [(5,), (1,)]),
    case("null-isnull", X_DATA + " | where isnull(x)", ["x"], [(None,)]),
    case("null-or-true-kept", X_DATA + " | where x > 3 or true", ["x"], [(5,), (None,), (1,)]),
    case("null-not-contains-kept", N_DATA + ' | where x !contains "5"', ["x"], [(None,)]),
    case("null-contains-dropped", N_DATA + ' | where x contains "5"', ["x"], [(5,), (15,)]),
    case("null-not-has-kept", N_DATA + ' | where x !has "5"', ["x"], [(None,), (15,)]),
    case("null-not-startswith-kept", N_DATA + ' | where x !startswith "1"', ["x"], [(5,), (None,)]),
]


@run_cases(WHERE_CASES)
def test_where(kql, columns, rows, types, ordered):
    check(kql, columns, rows, types, ordered)


# ------------------------------------------------------------------------- strings are never null


def test_strings_never_null():
    check(
        'print a = tostring(long(null)), b = isnull(""), c = isempty(""), d = isnotempty(""),'
        ' e = isempty(long(null)), f = strcat("a", long(null), "b"), g = isnull(tostring(long(null)))',
        ["a", "b", "c", "d", "e", "f", "g"],
        [("", False, True, False, True, "ab", False)],
        types=["string", "bool", "bool", "bool", "bool", "string", "bool"],
    )


# -------------------------------------------------------------------------------------- summarize

KX = 'datatable(k:string, x:long)["a",1, "a",2, "b",5, "a",2]'

SUMMARIZE_CASES = [
    case(
        "keys-first-then-aggregates",
        KX + " | summarize count(), sum(x), dcount(x), countif(x > 1) by k",
        ["k", "count_", "sum_x", "dcount_x", "countif_"],
        [("a", 3, 5, 2, 2), ("b", 1, 5, 1, 1)],
        types=["string", "long", "long", "long", "long"],
    ),
    case(
        "min-max-names",
        KX + " | summarize max(x), min(x) by k",
        ["k", "max_x", "min_x"],
        [("a", 2, 1), ("b", 5, 5)],
    ),
    case(
        "set-and-list-names",
        'datatable(k:string, x:long)["a",1, "a",1, "b",2] | summarize make_set(x), make_list(x) by k',
        ["k", "set_x", "list_x"],
        [("a", [1], [1, 1]), ("b", [2], [2])],
        types=["string", "dynamic", "dynamic"],
    ),
    case(
        "named-aggregates-and-keys",
        KX + " | summarize total = sum(x), n = count() by key = k",
        ["key", "total", "n"],
        [("a", 5, 3), ("b", 5, 1)],
    ),
    case(
        "null-key-own-group",
        "datatable(k:long, x:long)[1,1, long(null),2, long(null),3, 1,4] | summarize sum(x) by k",
        ["k", "sum_x"],
        [(1, 5), (None, 5)],
    ),
    case(
        "two-keys-null",
        'datatable(a:string, b:long)["p",1, "p",long(null), "p",long(null)] | summarize count() by a, b',
        ["a", "b", "count_"],
        [("p", 1, 1), ("p", None, 2)],
    ),
    case(
        "empty-input-no-by-one-row",
        "datatable(x:long)[1] | where x > 5 | summarize count(), sum(x)",
        ["count_", "sum_x"],
        [(0, 0)],
        types=["long", "long"],
    ),
    case(
        "empty-input-by-zero-rows",
        "datatable(x:long)[1] | where x > 5 | summarize count() by x",
        ["x", "count_"],
        [],
    ),
    case(
        "empty-input-no-by-list",
        "datatable(x:long)[1] | where x > 5 | summarize make_list(x), dcount(x)",
        ["list_x", "dcount_x"],
        [([], 0)],
    ),
    case(
        "count-counts-null-rows",
        "datatable(x:long)[1, long(null)] | summarize count(), sum(x)",
        ["count_", "sum_x"],
        [(2, 1)],
    ),
    case("summarize-by-only-is-distinct", KX + " | summarize by k", ["k"], [("a",), ("b",)]),
    case(
        "arg_max-star-by",
        'datatable(k:long, v:long, w:string)[1,10,"a", 1,20,"b", 2,30,"c"] | summarize arg_max(v, *) by k',
        ["k", "v", "w"],
        [(1, 20, "b"), (2, 30, "c")],
    ),
    case(
        "arg_max-star-column-order",
        'datatable(w:string, k:long, v:long)["a",1,10, "b",1,20, "c",2,30] | summarize arg_max(v, *) by k',
        ["k", "v", "w"],
        [(1, 20, "b"), (2, 30, "c")],
    ),
    case(
        "arg_min-listed",
        'datatable(k:long, v:long, w:string)[1,10,"a", 1,20,"b", 2,30,"c"] | summarize arg_min(v, w) by k',
        ["k", "v", "w"],
        [(1, 10, "a"), (2, 30, "c")],
    ),
    case(
        "arg_max-arg_min-suffixes",
        'datatable(k:long, v:long, w:string)[1,10,"a", 1,20,"b", 2,30,"c"] | summarize arg_max(v, w), arg_min(v, w) by k',
        ["k", "v", "w", "v1", "w1"],
        [(1, 20, "b", 10, "a"), (2, 30, "c", 30, "c")],
    ),
    case(
        "bin-long-named-after-column",
        "datatable(x:long)[1, 4, 5, 9, 10, -1] | summarize count() by bin(x, 5)",
        ["x", "count_"],
        [(-5, 1), (0, 2), (5, 2), (10, 1)],
    ),
    case(
        "bin-long-named",
        "datatable(x:long)[1, 4, 5, 9, 10, -1] | summarize n = count() by b = bin(x, 5)",
        ["b", "n"],
        [(-5, 1), (0, 2), (5, 2), (10, 1)],
    ),
    case(
        "bin-datetime-hour",
        "datatable(t:datetime)[datetime(2024-01-01 10:15), datetime(2024-01-01 10:45), datetime(2024-01-01 11:05)]"
        " | summarize count() by bin(t, 1h)",
        ["t", "count_"],
        [(dt(2024, 1, 1, 10), 2), (dt(2024, 1, 1, 11), 1)],
        types=["datetime", "long"],
    ),
    case(
        "bin-datetime-day",
        "print d = bin(datetime(1970-05-11 13:45:07), 1d)",
        ["d"],
        [(dt(1970, 5, 11),)],
        types=["datetime"],
    ),
    case(
        "all-null-group-neutral-values",
        "datatable(k:long, x:long)[1,long(null), 1,long(null), 2,3]"
        " | summarize sum(x), count(x), dcount(x), make_set(x), make_list(x), max(x) by k",
        ["k", "sum_x", "count_", "dcount_x", "set_x", "list_x", "max_x"],
        [(1, 0, 2, 0, [], [], None), (2, 3, 1, 1, [3], [3], 3)],
    ),
    case(
        "key-named-like-aggregate",
        "datatable(x:long)[1, 2, 2] | summarize count() by count_ = x",
        ["count_", "count_1"],
        [(1, 1), (2, 2)],
    ),
    case(
        "distinct-null-row",
        "datatable(x:long)[1, long(null), long(null), 1] | distinct x",
        ["x"],
        [(1,), (None,)],
    ),
    case(
        "bin-timespan-negative-null",
        "print a = bin(16d, 7d), b = bin(5, -1), c = bin(long(null), 2)",
        ["a", "b", "c"],
        [(timedelta(days=14), None, None)],
        types=["timespan", "long", "long"],
    ),
    case("bin-real", "print b = bin(4.5, 1)", ["b"], [(4.0,)]),
]


@run_cases(SUMMARIZE_CASES)
def test_summarize(kql, columns, rows, types, ordered):
    check(kql, columns, rows, types, ordered)


def test_summarize_empty_avg_is_nan():
    res = CON.query("datatable(x:long)[1] | where x > 5 | summarize avg(x), min(x), make_set(x)")
    assert res.columns == ["avg_x", "min_x", "set_x"]
    [(avg, mn, st)] = res.rows()
    assert math.isnan(avg) and mn is None and st == []


def test_summarize_duplicate_names():
    # make_set order is undefined, so the sets are compared sorted.
    res = CON.query(KX + " | summarize make_set(k), make_set(k)")
    assert res.columns == ["set_k", "set_k1"]
    [(s1, s2)] = res.rows()
    assert sorted(s1) == sorted(s2) == ["a", "b"]


# ------------------------------------------------------------- count / take / distinct / union / let

LET_T = "let T = datatable(x:long)[1, 2, 3];"

MISC_CASES = [
    case("count-operator", "datatable(x:long)[1, 2, 3] | count", ["Count"], [(3,)], types=["long"]),
    case(
        "count-empty", "datatable(x:long)[1, 2, 3] | where x > 9 | count", ["Count"], [(0,)], types=["long"]
    ),
    case(
        "distinct-listed-order",
        'datatable(a:long, b:string, c:long)[1,"x",9, 1,"x",8, 2,"y",7] | distinct b, a',
        ["b", "a"],
        [("x", 1), ("y", 2)],
    ),
    case(
        "distinct-star", "datatable(a:long, b:long)[1,1, 1,1, 1,2] | distinct *", ["a", "b"], [(1, 1), (1, 2)]
    ),
    case(
        "union-missing-columns",
        'let A = datatable(x:long, s:string)[1,"a"]; let B = datatable(x:long, t:string, y:long)[2,"b",7];'
        " A | union B",
        ["x", "s", "t", "y"],
        [(1, "a", "", None), (2, "", "b", 7)],
        types=["long", "string", "string", "long"],
    ),
    case(
        "union-leading-form",
        'let A = datatable(x:long, s:string)[1,"a"]; let B = datatable(x:long, t:string)[2,"b"]; union A, B',
        ["x", "s", "t"],
        [(1, "a", ""), (2, "", "b")],
    ),
    case("union-keeps-duplicates", LET_T + " union T, T | count", ["Count"], [(6,)]),
    case(
        "union-missing-string-isnull-false",
        'let A = datatable(x:long, s:string)[1,"a"]; let B = datatable(x:long)[2];'
        " A | union B | where x == 2 | project n = isnull(s), e = isempty(s)",
        ["n", "e"],
        [(False, True)],
    ),
    case(
        "tostring-bool-expression",
        "print s = tostring(true or false), t = tostring(1 > 2)",
        ["s", "t"],
        [("True", "False")],
        types=["string", "string"],
    ),
    case("print-names", 'print 1, "x"', ["print_0", "print_1"], [(1, "x")], types=["long", "string"]),
    case("print-named", "print a = 1, b = 2.5", ["a", "b"], [(1, 2.5)], types=["long", "real"]),
    case("range-long", "range i from 1 to 10 step 3", ["i"], [(1,), (4,), (7,), (10,)], types=["long"]),
    case("range-stop-not-reached", "range i from 1 to 9 step 3", ["i"], [(1,), (4,), (7,)]),
    case(
        "range-datetime",
        "range t from datetime(2024-01-01) to datetime(2024-01-03) step 1d",
        ["t"],
        [(dt(2024, 1, 1),), (dt(2024, 1, 2),), (dt(2024, 1, 3),)],
        types=["datetime"],
    ),
    case(
        "let-scalars",
        'let n = 2; let s = "b"; datatable(x:long, y:string)[1,"a", 2,"b", 3,"b", 4,"c"] | where x >= n and y == s',
        ["x", "y"],
        [(2, "b"), (3, "b")],
    ),
    case("let-tabular", LET_T + " let U = T | where x > 1; U | count", ["Count"], [(2,)]),
    case(
        "let-tabular-in", LET_T + " let S = datatable(v:long)[1, 3]; T | where x in (S)", ["x"], [(1,), (3,)]
    ),
    case(
        "materialize",
        "let M = materialize(datatable(x:long)[1, 2, 3] | where x > 1); M | join kind=inner M on x | project x, x1",
        ["x", "x1"],
        [(2, 2), (3, 3)],
    ),
    case(
        "materialize-union",
        "let M = materialize(datatable(x:long)[1, 2, 3] | where x > 1); union M, M | count",
        ["Count"],
        [(4,)],
    ),
    case("function-scalar", "let f = (a:long, b:long) { a * 10 + b }; print r = f(2, 3)", ["r"], [(23,)]),
    case(
        "function-default-param",
        "let h = (a:long, b:long = 5) { a + b }; print p = h(1), q = h(1, 2)",
        ["p", "q"],
        [(6, 3)],
    ),
    case(
        "function-tabular",
        "let g = (T:(x:long), lim:long) { T | where x > lim }; g(datatable(x:long)[1, 2, 3], 1) | count",
        ["Count"],
        [(2,)],
    ),
    case(
        "function-column-argument",
        "let f = (a:long, b:long = 2) { a * b + 1 }; datatable(x:long)[1, 2] | extend y = f(x) | where f(x) > 3",
        ["x", "y"],
        [(2, 5)],
    ),
    case(
        "extract-capture-group",
        'datatable(s:string)["ab12cd", "none"] | extend e = extract("([a-z]+)([0-9]+)", 2, s)',
        ["s", "e"],
        [("ab12cd", "12"), ("none", "")],
    ),
    case(
        "function-no-params", LET_T + " let big = () { T | where x >= 2 }; big() | count", ["Count"], [(2,)]
    ),
    case(
        "division-modulo-on-columns",
        "datatable(a:long, b:long)[-5,3, -7,2, 7,2] | extend m = a % b, d = a / b",
        ["a", "b", "m", "d"],
        [(-5, 3, 1, -1), (-7, 2, 1, -3), (7, 2, 1, 3)],
    ),
    case(
        "union-kind-inner",
        'let A = datatable(x:long, s:string)[1,"a"]; let B = datatable(x:long, t:string)[2,"b"]; union kind=inner A, B',
        ["x"],
        [(1,), (2,)],
    ),
    case(
        "integer-division-and-modulo",
        "print a = 7 / 2, b = -5 % 3, c = 7.0 / 2, d = 5 % 3",
        ["a", "b", "c", "d"],
        [(3, 1, 3.5, 2)],
        types=["long", "long", "real", "long"],
    ),
]


@run_cases(MISC_CASES)
def test_misc_operators(kql, columns, rows, types, ordered):
    check(kql, columns, rows, types, ordered)


@pytest.mark.parametrize("op", ["take", "limit"])
def test_take(op):
    res = CON.query(f"datatable(x:long)[1, 2, 3, 4] | {op} 2")
    assert res.columns == ["x"]
    got = res.rows()
    assert len(got) == 2 and len(set(got)) == 2 and set(got) <= {(1,), (2,), (3,), (4,)}


# ----------------------------------------------------------------------------------------- errors


def test_unknown_column_is_semantic_error_with_position():
    kql = "datatable(a:long)[1]\n| where a > 0\n| project b"
    with pytest.raises(kqlite.KqlSemanticError) as info:
        CON.query(kql)
    assert (info.value.line, info.value.column) == (3, 11)
    assert "line 3" in str(info.value)


def test_same_operator_reference_is_semantic_error():
    with pytest.raises(kqlite.KqlSemanticError):
        CON.query("print a = 1 | extend t = a, u = t + 1")


def test_syntax_error_has_position_and_caret():
    kql = "print x = 1\n| extend y = 1 + )"
    with pytest.raises(kqlite.KqlSyntaxError) as info:
        CON.query(kql)
    err = info.value
    assert (err.line, err.column) == (2, 18)
    text = str(err)
    assert "line 2" in text and "column 18" in text
    lines = text.splitlines()
    caret = next(line for line in lines if line.strip() == "^")
    source = lines[lines.index(caret) - 1]
    assert source.index(")") == caret.index("^")


def test_unsupported_operator():
    with pytest.raises(kqlite.KqlUnsupportedError) as caught:
        CON.query("range i from 1 to 3 step 1\n| evaluate dcount_intersect(i, i > 1, i > 2)")
    assert "dcount_intersect" in str(caught.value) and caught.value.line == 2 and caught.value.column == 12


def test_make_series():
    check(
        "range i from 1 to 3 step 1 | make-series n = count() default = 0 on i from 0 to 5 step 2",
        ["n", "i"],
        [([1, 2, 0], [0, 2, 4])],
        types=["dynamic", "dynamic"],
    )


def test_errors_share_base_class():
    for cls in (kqlite.KqlSyntaxError, kqlite.KqlSemanticError, kqlite.KqlUnsupportedError):
        assert issubclass(cls, kqlite.KqlError)


# --- summarize: expressions over aggregates, size caps -------------------------------------------------------


def test_summarize_expressions_over_aggregates_keep_argument_order():
    check(
        'datatable(k:string, v:long)["a",1, "a",5, "b",2]'
        " | summarize n = count(), pct = countif(v > 1) * 100.0 / count(), spread = max(v) - min(v) by k"
        " | sort by k asc",
        ["k", "n", "pct", "spread"],
        [("a", 2, 50.0, 4), ("b", 1, 100.0, 0)],
        types=["string", "long", "real", "long"],
        ordered=True,
    )


def test_summarize_expression_may_not_use_a_non_key_column():
    with pytest.raises(kqlite.KqlSemanticError):
        CON.query('datatable(k:string, v:long)["a",1] | summarize x = v + count() by k')


def test_make_set_and_make_list_respect_their_size_cap():
    check(
        "range x from 1 to 300 step 1"
        " | summarize s = make_set(x, 3), l = make_list(x, 2), old = array_length(makeset(x)), c = make_set_if(x, x > 5, 2)",
        ["s", "l", "old", "c"],
        [([1, 2, 3], [1, 2], 128, [6, 7])],
    )


def test_named_function_arguments_are_refused_not_misread():
    with pytest.raises(kqlite.KqlUnsupportedError):
        CON.query("print x = strcat(a = 'x', 'y')")


def test_top_nested_keeps_the_top_values_within_each_kept_prefix():
    check(
        'datatable(cat:string, sub:string, v:long)["a","x",10, "a","y",20, "a","y",5, "b","x",30, "b","z",5, "c","x",1]'
        " | top-nested 2 of cat by Tot = sum(v), top-nested 1 of sub by sum(v)",
        ["cat", "Tot", "sub", "aggregated_sub"],
        [("b", 35, "x", 30), ("a", 35, "y", 25)],
    )


# --- numeric edges -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("1 / 0", None),  # integer division by zero is null, not an error
        ("7 % 0", None),
        ("-5.5 % 3.0", 0.5),  # modulo takes the divisor's magnitude for reals too
        ("toint(2147483648)", -2147483648),  # a long that does not fit in an int wraps
        ('toint("5.9")', None),  # only whole numbers parse as ints
        ('toint(" 42 ")', 42),
        ('toint("0xFF")', 255),
        ('todouble("1_000")', None),
        ('tobool("-1")', True),
        ('tobool(" true")', None),
        ('tobool("1.0")', None),
    ],
)
def test_numeric_edges(expr, expected):
    assert CON.query(f"print r = {expr}").rows() == [(expected,)]


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("real(nan) == real(nan)", False),
        ("real(nan) != real(nan)", True),
        ("real(nan) > 1.0", False),
        ("real(+inf) > 1e308", True),
    ],
)
def test_nan_compares_unequal_to_everything(expr, expected):
    assert CON.query(f"print r = {expr}").rows() == [(expected,)]


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ('parse_ipv4("10.0.2.19")', 167772691),
        ('parse_ipv4("300.1.1.1")', None),
        ('ipv4_is_in_range("127.0.0.5", "127.0.0.0/8")', True),
        ('ipv4_is_in_range("128.0.0.1", "127.0.0.0/8")', False),
        ('ipv4_is_in_range("::1", "127.0.0.0/8")', None),  # not IPv4: null, so coalesce() decides
        ('ipv4_is_private("172.20.1.1")', True),
        ('ipv4_is_private("8.8.8.8")', False),
        ('ipv4_compare("10.0.0.1", "10.0.0.2")', -1),
    ],
)
def test_ipv4_functions(expr, expected):
    assert CON.query(f"print r = {expr}").rows() == [(expected,)]


def test_hardened_rule_sketch_from_the_domain_reference_compiles_and_runs():
    # the consolidated rule of ../shared/reference/dcom-domain.md §3.2: lets, four joins, summarize arg_min,
    # between with timespans, case(), ipv4_is_in_range() -- on the (empty) bundled tables
    import re
    from pathlib import Path

    reference = Path(__file__).resolve().parents[2] / "shared" / "reference" / "dcom-domain.md"
    if not reference.exists():
        pytest.skip("../shared/reference is not available")
    query = re.search(r"```kql\n(.*?)```", reference.read_text(encoding="utf-8"), re.S).group(1)
    result = CON.query(query)
    assert result.columns[:4] == ["Timestamp", "DeviceId", "DeviceName", "ReportId"]
    assert result.columns[-1] == "Severity"
    assert result.rows() == []


@pytest.mark.spark_differs("Spark's VARIANT keeps object keys sorted: bag_unpack's columns come alphabetically")
def test_bag_unpack_makes_one_typed_column_per_key_in_first_seen_order():
    check(
        'datatable(x:long, d:dynamic)[1, dynamic({"z":1, "n":"a"}), 2, dynamic({"a":2.5, "z":"b", "n":"c"}), 3, dynamic(null)]'
        " | evaluate bag_unpack(d) | sort by x asc",
        ["x", "z", "n", "a"],
        [(1, 1, "a", None), (2, "b", "c", 2.5), (3, None, "", None)],
        types=["long", "dynamic", "string", "real"],
        ordered=True,
    )


def test_other_evaluate_plugins_are_refused():
    with pytest.raises(kqlite.KqlUnsupportedError):
        CON.query("print x = 1 | evaluate diffpatterns_text(x, true)")


def test_parse_regex_columns_skip_the_patterns_own_groups():
    """The pattern's own capturing group (\\d+) is not a column: `rest` is what follows it."""
    check('print s = "xabc-123-def" | parse kind=regex s with "x" letters:string @"-(\\d+)-" rest:string '
          "| project letters, rest", ["letters", "rest"], [("abc", "def")])


def test_base64_decode_tostring_decodes_utf8_and_gives_empty_for_invalid_utf8():
    # PowerShell's -EncodedCommand is UTF-16LE: decoded as UTF-8 it keeps its NUL bytes, as Kusto gives it
    check('print a = base64_decode_tostring("SQBGAA=="), b = base64_decode_tostring("/w=="), '
          'c = base64_decode_tostring("aGVsbG8="), d = base64_decode_tostring("not base64!")',
          ["a", "b", "c", "d"], [("I\x00F\x00", "", "hello", "")])


def test_replace_is_replace_regex_with_the_text_last():
    check('print r = replace(@"(\\d+)", "<$1>", "a12b3")', ["r"], [("a<12>b<3>",)])


def test_has_any_with_a_number_looks_for_its_text():
    check('print s = "abc 123" | extend a = s has_any (123), b = s has_any (124, "zzz"), c = s has_all (123, "abc")',
          ["s", "a", "b", "c"], [("abc 123", True, False, True)])


def test_series_element_wise_fill_and_fir():
    check("print s = dynamic([10, 20, null, 40]) "
          "| extend d = series_subtract(s, 5), m = series_multiply(s, s), r = series_add(s, 0.5), "
          "g = series_greater(s, 15), ff = series_fill_forward(s), fb = series_fill_backward(s), "
          "fc = series_fill_const(s, 0), f = series_fir(series_fill_const(s, 0), dynamic([1, -1]), false, false)",
          ["s", "d", "m", "r", "g", "ff", "fb", "fc", "f"],
          [([10, 20, None, 40], [5, 15, None, 35], [100, 400, None, 1600], [10.5, 20.5, None, 40.5],
            [False, True, None, True], [10, 20, 20, 40], [10, 20, 40, 40], [10, 20, 0, 40], [10, 10, -20, 40])])


def test_series_stats_dynamic_and_pearson():
    result = CON.query("print e = series_stats_dynamic(dynamic([10, 20])), "
                       "p = series_pearson_correlation(dynamic([1, 2, 3]), dynamic([2, 4, 7]))")
    (stats, pearson), = result.rows()
    assert result.types == ["dynamic", "real"]
    assert stats == {"min": 10.0, "min_idx": 0, "max": 20.0, "max_idx": 1, "avg": 15.0,
                     "stdev": pytest.approx(7.0710678118654755), "variance": 50.0, "sum": 30.0, "len": 2}
    assert pearson == pytest.approx(0.9933992677987828)  # numpy.corrcoef([1, 2, 3], [2, 4, 7])


def test_indexof_from_a_start_position():
    check('datatable(s:string)["abcabcabc", "aaa", "xyz"] '
          '| project s, a = indexof(s, "a", 2), b = indexof(s, "a", -3), c = indexof(s, "a", 99)',
          ["s", "a", "b", "c"], [("abcabcabc", 3, 6, -1), ("aaa", 2, 0, -1), ("xyz", -1, -1, -1)])


def test_array_shift_and_split():
    check("print d = dynamic([10, 20, 30]) | extend r = array_shift_right(d, 1), l = array_shift_left(d, 1), "
          "f = array_shift_right(d, 2, -1), p = array_split(d, 1), q = array_split(d, dynamic([1, 2]))",
          ["d", "r", "l", "f", "p", "q"],
          [([10, 20, 30], [None, 10, 20], [20, 30, None], [-1, -1, 10], [[10], [20, 30]], [[10], [20], [30]])])


def test_strcat_array_writes_null_elements_as_empty():
    check('print a = strcat_array(dynamic([1, null, 3]), "-"), y = format_datetime(datetime(2007-03-09), "y-M-d")',
          ["a", "y"], [("1--3", "7-3-9")])


def test_make_list_of_dynamic_lists_elements_and_keeps_nulls():
    check('datatable(g:string, v:dynamic)["p", dynamic([1, 2]), "p", dynamic([3]), "q", dynamic(null), "q", dynamic(5)] '
          "| summarize ml = make_list(v), ms = make_set(v) by g",
          ["g", "ml", "ms"], [("p", [1, 2, 3], [1, 2, 3]), ("q", [None, 5], [5])])


def test_text_to_number_trims_tabs_and_line_breaks():
    check('datatable(s:string)["\\t456\\t", " 7\\n", "0b101"] | extend i = toint(s), r = toreal(s)',
          ["s", "i", "r"], [("\t456\t", 456, 456.0), (" 7\n", 7, 7.0), ("0b101", None, None)])


@pytest.mark.spark_differs("Spark's VARIANT keeps object keys sorted: the merged bag's keys come alphabetically")
def test_make_bag_keeps_a_keys_first_value_and_first_seen_key_order():
    check('datatable(d:dynamic)[dynamic({"b": 1}), dynamic({"a": 2}), dynamic({"b": 3, "c": 4}), dynamic(5)] '
          "| summarize m = make_bag(d) | extend k = bag_keys(m)",
          ["m", "k"], [({"b": 1, "a": 2, "c": 4}, ["b", "a", "c"])])


def test_columns_named_like_lambda_variables_do_not_meet_them():
    """Functions built from lambdas (mv-expand of bags, make_bag, array sorts, zip) work on columns named e,
    x, i, ... (the engines would otherwise read `e.key` as the column e, or an aggregate of e as the lambda's)."""
    check('datatable(e:dynamic, x:long, i:long)[dynamic({"a": 1}), 3, 7, dynamic({"b": 2}), 3, 7] '
          "| summarize m = make_bag(e), s = array_sort_asc(make_list(i)) by x",
          ["x", "m", "s"], [(3, {"a": 1, "b": 2}, [7, 7])])
    check('print e = dynamic({"a": 1}), d = dynamic([3, 1]) | mv-expand kind=array e | extend s = array_sort_desc(d)',
          ["e", "d", "s"], [(["a", 1], [3, 1], [3, 1])])
    check("print d = dynamic([1, 2, 3, 4]), e = dynamic([5, 6, 7]) | mv-expand d, e limit 2",
          ["d", "e"], [(1, 5), (2, 6)])


def test_conversions_of_dynamic_numbers_and_timespan_text_with_units():
    check('print i = toint(dynamic(9.99)), n = tolong(dynamic(-2.5)), a = toint(dynamic([1])), t = toint(dynamic("12"))',
          ["i", "n", "a", "t"], [(9, -2, None, 12)])
    check('datatable(s:string)["1d", "2h", "90s", "-1d", "5ms", "1.5", "01:00:00"] | extend ts = totimespan(s)',
          ["s", "ts"], [("1d", timedelta(days=1)), ("2h", timedelta(hours=2)), ("90s", timedelta(seconds=90)),
                        ("-1d", timedelta(days=-1)), ("5ms", timedelta(milliseconds=5)), ("1.5", None),
                        ("01:00:00", timedelta(hours=1))])


def test_min_of_reals_with_a_nan_is_nan_and_make_timespan_checks_its_parts():
    rows = sorted(CON.query("datatable(k:long, v:real)[1, 1.5, 1, real(nan), 1, 2.5, 3, 4.0] "
                            "| summarize mn = min(v), mx = max(v), mi = minif(v, v > 2) by k").rows())
    (k1, mn1, mx1, mi1), three = rows
    assert (k1, math.isnan(mn1), math.isnan(mx1), mi1) == (1, True, True, 2.5)
    assert three == (3, 4.0, 4.0, 4.0)
    check("print a = make_timespan(25, 70), b = make_timespan(2, 30), c = make_timespan(1, 2, 3, 4.5)",
          ["a", "b", "c"], [(None, timedelta(hours=2, minutes=30), timedelta(days=1, hours=2, minutes=3, seconds=4.5))])


def test_toint_of_text_out_of_an_ints_range_is_null():
    check('datatable(s:string)["2147483647", "2147483648", "-2147483649"] | extend i = toint(s), l = tolong(s)',
          ["s", "i", "l"], [("2147483647", 2147483647, 2147483647), ("2147483648", None, 2147483648),
                            ("-2147483649", None, -2147483649)])
