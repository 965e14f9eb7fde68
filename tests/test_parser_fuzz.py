"""Property tests: whatever text a user types, kqlite answers with a KqlError or a result, never a crash.

Inputs are arbitrary Unicode text, sequences of KQL tokens, and real KQL (the seed rule and
conformance-style queries) mutated by deleting, inserting, duplicating and swapping characters and tokens.
"""

from __future__ import annotations

import re
from importlib import resources

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import kqlite
from kqlite.syntax import parse

SEED_RULE = (resources.files("kqlite") / "rules" / "remote_dcom_child_proc.kql").read_text(encoding="utf-8")

# Conformance-style queries: self-contained (datatable/print), covering the grammar hunting queries use.
QUERIES = [
    'let L = datatable(k:long, v:string)[1,"a", 2,"b"]; let R = datatable(k:long, w:string)[1,"x"];\n'
    'L | join kind=leftouter (R | where w != "") on k, $left.v == $right.w | project-away *1',
    'datatable(k:string, x:long, t:datetime)["a",1,datetime(2024-01-01 10:15), "b",2,datetime(2024-01-02)]\n'
    "| summarize count(), sum(x), dcount(x), make_set(k), arg_max(x, *) by bin(t, 1h)\n| sort by t asc nulls last",
    'print s = "C:\\\\Windows\\\\x.exe", v = @"C:\\Temp\\", h = h"secret", d = dynamic({"a": [1, 2.5, "x", null]})',
    'datatable(s:string)["hello-world", "x"] | where s has "hello" or s has_any ("a", "b") and s !contains_cs "Z"'
    " | extend n = strlen(s), u = toupper(s) | project-rename len = n | top 3 by len desc",
    "let f = (a:long, b:long = 2) { a * b + 1 }; let T = datatable(x:long)[1, 2, 3];\n"
    "T | where x in (1, 3) and x between (0 .. 5) | extend y = f(3), z = iff(x % 2 == 0, 1h, 2d) | take 10",
    'datatable(d:dynamic)[dynamic([1, 2]), dynamic({"k": "v"})] | mv-expand d | extend s = tostring(d.k)'
    " | project-keep s*, d",
    "let M = materialize(datatable(a:long, b:real)[1, 1.5, long(null), real(null)]);\n"
    "union withsource=src M, (M | extend c = ago(1d))\n| where isnotnull(a) and not(b > 2)\n| distinct src, a",
    'datatable(ip:string, t:timespan)["10.0.0.1", 5m] | where ip startswith "10." and t > 1m and ip !in~ ("X")'
    ' | extend p = extract(@"(\\d+)\\.(\\d+)", 0, ip), q = split(ip, ".")[0], r = parse_json(\'{"a":1}\')',
    "datatable(a:long, b:long, c:long)[1, 2, 3] // comment\n| extend a = c, c = a\n"
    "| project-reorder c, a* asc\n| order by a desc, b asc\n| count",
    'print x = case(1 > 2, "a", 3 < 4, "b", "c"), y = coalesce(long(null), 5), z = tolong("0xFF"),'
    " w = datetime_diff('hour', now(), ago(2h)), v = bin(datetime(2020-05-11 13:45:07), 7d)",
    'datatable(a:string)["x y"] | parse a with w1:string " " w2:string | project ["where"] = w1, w2',
]
RANGE_QUERY = "range i from 1 to 5 step 2 | extend j = i * 2 | summarize make_list(j) by i"
# Query fuzzing leaves `range` out: a mutated stop value (1 -> 1111111111) would make a huge table.
QUERY_SEEDS = [SEED_RULE, *QUERIES]
PARSE_SEEDS = [*QUERY_SEEDS, RANGE_QUERY]

# Tokens to insert or string together: operators, keywords, literals and half-tokens (open quotes, `(`).
VOCAB = (
    "| ( ) [ ] { } , ; . .. : = == != =~ !~ < > <= >= + - * / % => ? @ ' \" ``` // *1 $left $right $left. $right."
    " let where extend project project-away project-keep project-rename project-reorder summarize by join"
    " kind= kind=inner on sort order asc desc nulls first last top take count distinct union withsource="
    " print range from to step datatable datatable( materialize( dynamic( datetime( datetime(null) long(null)"
    " timespan( toscalar( mv-expand parse with has !has has_any in in~ !in between contains and or not( x k"
    " a:long s:string (x:long) 1 0 -1 1.5 1e5 0x1F 1d 2h 5m count() arg_max( bin( iff( make-series evaluate"
    " lookup as invoke view"
).split() + ['"s"', "'s'", '@"\\p"', 'h"s"', "\n", " "]

_TOKEN = re.compile(r"\w+|\s+|.", re.DOTALL)
_CHARS = st.one_of(st.sampled_from(list("()[]{}|;,.:=!~<>\"'@$*+-/%`\\ \n\t0123456789aZ_")), st.characters())


CHAR_EDITS = ("del_char", "ins_char", "dup_span", "del_span", "cut")
TOKEN_EDITS = ("del_tok", "dup_tok", "ins_tok", "swap_tok")


@st.composite
def mutated_kql(draw, seeds):
    """A seed query with 1-6 random character- or token-level edits."""
    text = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(CHAR_EDITS + TOKEN_EDITS))
        if op in CHAR_EDITS:
            i = draw(st.integers(0, len(text)))
            if op == "del_char":
                text = text[:i] + text[i + 1 :]
            elif op == "ins_char":
                text = text[:i] + draw(_CHARS) + text[i:]
            elif op == "cut":
                text = text[:i]
            else:
                j = min(len(text), i + draw(st.integers(1, 12)))
                text = text[:j] + text[i:j] + text[j:] if op == "dup_span" else text[:i] + text[j:]
        else:
            toks = _TOKEN.findall(text) or [""]
            k = draw(st.integers(0, len(toks) - 1))
            if op == "del_tok":
                del toks[k]
            elif op == "dup_tok":
                toks.insert(k, toks[k])
            elif op == "ins_tok":
                toks.insert(k, draw(st.sampled_from(VOCAB)))
            else:
                m = draw(st.integers(0, len(toks) - 1))
                toks[k], toks[m] = toks[m], toks[k]
            text = "".join(toks)
    return text


TOKEN_SOUP = st.lists(st.sampled_from(VOCAB), max_size=25).map(" ".join)
PARSE_INPUTS = st.one_of(st.text(), TOKEN_SOUP, mutated_kql(PARSE_SEEDS))
QUERY_INPUTS = st.one_of(st.text(), TOKEN_SOUP, mutated_kql(QUERY_SEEDS))

CON = kqlite.connect()

# Inputs that crashed kqlite once (found by these tests), kept as regression examples: each must give a
# result or a KqlError. Nesting depths are far above the thresholds that used to crash.


def _crash(text, id_, exc, reason):
    return pytest.param(text, id=id_)


PARSE_CRASHES = [
    _crash(
        "é",
        "unicode-letter",
        AssertionError,
        "tokens.py word(): str.isalpha() accepts 'é' but the [A-Za-z_$] identifier regex does not match",
    ),
    _crash(
        "print ³",
        "unicode-digit",
        AssertionError,
        "tokens.py number(): str.isdigit() accepts '³' but the number regex (\\d) does not match",
    ),
    _crash(
        "print d = dynamic([2s])",
        "timespan-in-dynamic",
        ImportError,
        "parser.py dynamic_value imports kqlite.formatting.format_timespan_ticks, which does not exist",
    ),
    _crash(
        "print x = " + "(" * 1000 + "1" + ")" * 1000,
        "nested-parens",
        RecursionError,
        "recursive-descent parser: RecursionError from 99 nested parentheses",
    ),
]
QUERY_CRASHES = [
    *PARSE_CRASHES,
    _crash(
        "datatable(x:long)[1] | where " + " or ".join(f"x == {i}" for i in range(2000)),
        "or-chain",
        RecursionError,
        "sqlglot generator recursion on a left-deep chain: RecursionError from 161 `or` terms",
    ),
    _crash(
        "print x = " + "1 + " * 2000 + "1",
        "plus-chain",
        RecursionError,
        "sqlglot generator recursion on a left-deep chain: RecursionError from 107 `+` terms",
    ),
]


def _examples(params):
    def apply(test):
        for param in reversed(params):
            test = example(param.values[0])(test)
        return test

    return apply


def test_seeds_are_valid():
    for seed in PARSE_SEEDS:
        parse(seed)


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@_examples(PARSE_CRASHES)
@given(PARSE_INPUTS)
def test_parse_returns_or_raises_syntax_error(text):
    try:
        parse(text)
    except kqlite.KqlSyntaxError:
        pass


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@_examples(QUERY_CRASHES)
@given(QUERY_INPUTS)
def test_query_raises_only_kql_errors(text):
    try:
        CON.query(text)
    except kqlite.KqlError:
        pass


# One case per input that once crashed.
@pytest.mark.parametrize("text", PARSE_CRASHES)
def test_known_parse_crash(text):
    try:
        parse(text)
    except kqlite.KqlSyntaxError:
        pass


@pytest.mark.parametrize("text", QUERY_CRASHES)
def test_known_query_crash(text):
    try:
        CON.query(text)
    except kqlite.KqlError:
        pass


@pytest.mark.parametrize(
    "text",
    [
        "DeviceProcessEvents | sort hint.x",  # a hint cut short once looped forever
        "union hint.concurrency",
        "print",
    ],
)
def test_truncated_hints_and_empty_print_are_syntax_errors(text):
    with pytest.raises(kqlite.KqlSyntaxError):
        parse(text)


def test_union_hints_are_skipped():
    rows = CON.query("union hint.concurrency=2 withsource=src (print a=1), (print a=2)").rows()
    assert sorted(rows) == [("union_arg0", 1), ("union_arg1", 2)]
