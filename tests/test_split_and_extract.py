"""split()'s parts read by a constant index without building JSON, and extract() by one regular expression: the
same values as the general path (the parts as a JSON array, indexed by JSON path), and as Kusto documents."""

from __future__ import annotations

import pyarrow as pa
import pytest

import kqlite

TEXTS = ["C:\\Windows\\System32\\cmd.exe", "", "\\", "a\\\\b", "no separator", "\\leading", "trailing\\",
         'quote"d\\pa\'rt', "ünïcödé\\分\\割", "tab\there\\new\nline"]


@pytest.fixture(scope="module")
def con(connect_backend):
    """On the engine under test (--backend)."""
    connection = connect_backend(tables={"T": pa.table({"s": TEXTS, "n": list(range(len(TEXTS)))})})
    yield connection
    connection.close()


@pytest.mark.parametrize("index", [0, 1, 2, 3, 5, -1, -2, -4])
def test_an_indexed_part_is_what_the_json_array_gives(con, index):
    # todynamic(tostring(...)) makes the parts an opaque JSON value: indexed by JSON path, the general way
    rows = con.query(f"""T
        | extend fast = split(s, @"\\")[{index}], general = todynamic(tostring(split(s, @"\\")))[{index}]
        | project n, fast_text = tostring(fast), general_text = tostring(general),
                  fast_null = isnull(fast), general_null = isnull(general), fast_type = gettype(fast)
        | order by n asc""").rows()
    for n, fast_text, general_text, fast_null, general_null, fast_type in rows:
        parts = TEXTS[n].split("\\")
        inside = -len(parts) <= index < len(parts)
        assert (fast_text, fast_null) == (general_text, general_null), TEXTS[n]
        assert fast_text == (parts[index] if inside else ""), TEXTS[n]
        assert fast_null is not inside and fast_type == ("string" if inside else "null")


def test_documented_split_examples(con):
    row = con.query('print a = split("aa_bb", "_"), b = split("aaa_bbb_ccc", "_", 1), '
                    'c = tostring(split("aa_bb", "_")[1]), d = toint(split("1,22", ",")[1])').rows()[0]
    assert row == (["aa", "bb"], ["bbb"], "bb", 22)


def test_extract_documented_examples(con):
    result = con.query('print a = extract("x=([0-9.]+)", 1, "hello x=45.6|wo"), '
                       'b = extract("x=([0-9.]+)", 1, "hello x=45.6|wo", typeof(real)), '
                       'c = extract("([0-9]+)", 1, "no digits", typeof(long)), d = extract("(q)", 1, "abc"), '
                       'e = extract("(a)|(b)", 1, "b"), f = extract("(a)", 0, "xay")')
    assert result.rows() == [("45.6", 45.6, None, "", "", "a")]
    assert result.types == ["string", "real", "long", "string", "string", "string"]


def test_extract_refuses_what_kusto_refuses(con):
    with pytest.raises(kqlite.KqlSemanticError, match="argument 3 must be"):
        con.query('print extract("(a)", 1, 5)')
    with pytest.raises(kqlite.KqlSemanticError, match="4th argument must be typeof"):
        con.query('print extract("(a)", 1, "a", 5)')


def test_parse_without_a_match_leaves_text_empty_and_other_types_null(con):
    """parse reads its groups with one regular expression (no separate match test): where the pattern does not
    match, a string column is empty and a typed one null, as Kusto leaves them; parse-where drops the row."""
    rows = con.query('''datatable(s:string)["svchost.exe -k netsvcs -p", "no flag here", "n=42;", "n=;", ""]
        | parse s with * "-k " Group " " *
        | parse s with "n=" N:long ";" *
        | project s, Group, N''').rows()
    assert rows == [("svchost.exe -k netsvcs -p", "netsvcs", None), ("no flag here", "", None), ("n=42;", "", 42),
                    ("n=;", "", None), ("", "", None)]
    kept = con.query('datatable(s:string)["n=7;", "x"] | parse-where s with "n=" N:long ";" | project s, N').rows()
    assert kept == [("n=7;", 7)]


@pytest.mark.parametrize("expand", ["", "kind=array ", "with_itemindex=i "])
def test_mv_expand_of_split_gives_what_the_json_array_gives(con, expand):
    """mv-expand of split()'s parts expands the engine's list (no JSON array built and read back): the same rows
    as expanding the parts as an opaque JSON array, zipped with another array, typed or not."""
    index = ", i" if expand.startswith("with_itemindex") else ""

    def expanded(parts: str) -> list[tuple]:
        return con.query(f"""T
            | mv-expand {expand}p = {parts}, z = dynamic([10, 20])
            | project n, p, text = tostring(p), kind = gettype(p), z = tolong(z){index}
            | order by n asc{index}, text asc, z asc""").rows()

    fast = expanded('split(s, @"\\")')
    assert fast == expanded('todynamic(tostring(split(s, @"\\")))')
    assert len(fast) == sum(max(len(text.split("\\")), 2) for text in TEXTS)
    typed = con.query('T | mv-expand p = split(s, @"\\") to typeof(string) | summarize c = count() by n, p '
                      '| summarize total = sum(c)').rows()
    assert typed == [(sum(len(text.split("\\")) for text in TEXTS),)]
