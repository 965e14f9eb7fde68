"""Every hunting query of the corpus (queries/*.kql), checked against Microsoft's KQL analyzer and kqlite.

For each query the Kusto oracle (shared/tools/kusto-oracle, run once per flavour for the whole corpus)
either accepts it and says its exact output columns, or rejects it. kqlite, with the query's declared
flavour, must then return exactly those columns (names, types, order) on empty tables and on a small
generated dataset, or raise ``kqlite.KqlError`` before running a rejected query. Separately,
``kqlite.connect()`` (flavour "auto") must pick the declared flavour (tests ``test_auto_flavour``, keyed
``<id>:auto``).

known_differences.txt lists the keys kqlite is known to fail: such a test is an expected failure (xfail),
and a listed key that passes fails its test so that the list is trimmed. A crash (an exception that is not
``kqlite.KqlError``) fails even when listed. Regenerate the list with
``python tests/corpus/update_known_differences.py``.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from corpus_check import (
    AUTO_SUFFIX,
    FEEDS_DIR,
    FLAVOURS,
    KNOWN_DIFFERENCES_PATH,
    STATE_KEY,
    environment,
    leak_report,
    lexical_flavour,
    load_corpus,
    load_known_differences,
)
from corpus_keys import ENVIRONMENT, OUTCOMES
from oracle import unavailable_reason

_REASON = unavailable_reason()
if _REASON:
    pytest.skip(f"the Kusto oracle cannot run: {_REASON}", allow_module_level=True)

QUERIES = load_corpus()
VALID = [q for q in QUERIES if q.expect == "ok"]
KNOWN = load_known_differences()
MIN_QUERIES = 420


@pytest.fixture(scope="session")
def corpus(request):
    with environment(QUERIES) as env:
        request.config.stash[ENVIRONMENT] = env
        yield env


def _verdict(outcome, record):
    record(outcome)
    if outcome.undetermined:
        pytest.skip(outcome.reason)
    listed = outcome.key in KNOWN
    if outcome.passed and listed:
        pytest.fail(f"{outcome.key} passes now: remove it from {KNOWN_DIFFERENCES_PATH.name}", pytrace=False)
    if not outcome.passed:
        message = f"{outcome.reason}\nquery ({outcome.query.path.name}:{outcome.query.line}):\n{outcome.query.text}"
        if listed and outcome.crashed:
            message += f"\n(a crash is never an expected failure: listing it in {KNOWN_DIFFERENCES_PATH.name} does not excuse it)"
        elif listed:
            pytest.xfail(message)
        pytest.fail(message, pytrace=False)


def test_corpus_is_well_formed():
    ids = Counter(q.id for q in QUERIES)
    assert not [i for i, n in ids.items() if n > 1], "duplicate query ids"
    assert len(QUERIES) >= MIN_QUERIES, f"the corpus has {len(QUERIES)} queries, fewer than {MIN_QUERIES}"
    problems = []
    for q in QUERIES:
        where = f"{q.id} ({q.path.name}:{q.line})"
        if q.flavour not in FLAVOURS:
            problems.append(f"{where}: flavour {q.flavour!r} is not one of {FLAVOURS}")
        if q.expect not in ("ok", "error"):
            problems.append(f"{where}: expect {q.expect!r} is not ok or error")
        if not q.title:
            problems.append(f"{where}: the query does not start with a '// Title' comment")
        if q.expect == "ok" and q.flavour in FLAVOURS and "auto-trap" not in q.tags \
                and lexical_flavour(q.text) != q.flavour:
            problems.append(f"{where}: declared {q.flavour} but its tables/columns call for {lexical_flavour(q.text)}")
        if q.uses_feeds:
            for name in re.findall(r"\{FEED_BASE\}/([\w.\-/]+)", q.text):
                if not (FEEDS_DIR / name).is_file():
                    problems.append(f"{where}: feed {name} is not in {FEEDS_DIR.name}/")
    assert not problems, "\n".join(problems)


def test_oracle_agrees_with_the_corpus(corpus):
    """Every query meant to be valid is accepted by Kusto's analyzer, every deliberately invalid one rejected."""
    wrong = []
    for q in QUERIES:
        verdict = corpus.verdicts[q.id]
        if q.expect == "ok" and not verdict.accepted:
            wrong.append(f"{q.id} ({q.path.name}:{q.line}) is rejected: {verdict.errors[:2]}")
        if q.expect == "error" and verdict.accepted:
            wrong.append(f"{q.id} ({q.path.name}:{q.line}) is meant to be invalid but the oracle accepts it")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("query", QUERIES, ids=[q.id for q in QUERIES])
def test_query(query, corpus, record_corpus):
    _verdict(corpus.check(query), record_corpus)


@pytest.mark.parametrize("query", VALID, ids=[q.id for q in VALID])
def test_auto_flavour(query, corpus, record_corpus):
    _verdict(corpus.check_auto(query), record_corpus)


def test_known_differences_name_existing_keys():
    keys = {q.id for q in QUERIES} | {q.id + AUTO_SUFFIX for q in VALID} | {STATE_KEY}
    stale = sorted(set(KNOWN) - keys)
    assert not stale, f"{KNOWN_DIFFERENCES_PATH.name} lists keys that name no query: {stale}"


def test_queries_do_not_disturb_each_other(request):
    """Every query above ran on shared session connections, and each failure was tried again on a fresh
    connection. A failure only the shared connection shows means an earlier query left state behind (keyed
    ``connection-state`` in known_differences.txt). Meaningful only after the whole corpus ran, in order."""
    outcomes = request.config.stash.get(OUTCOMES, [])
    if len({o.key for o in outcomes}) < len(QUERIES) + len(VALID):
        pytest.skip("runs only after every query of the corpus (a selection of queries runs in another order)")
    report = leak_report(outcomes)
    listed = STATE_KEY in KNOWN
    if not report and listed:
        pytest.fail(f"no query disturbs another now: remove {STATE_KEY} from {KNOWN_DIFFERENCES_PATH.name}",
                    pytrace=False)
    if report:
        message = ("these checks fail on the session's shared connection, after other queries ran on it, but pass "
                   "on a fresh connection:\n" + report)
        if listed:
            pytest.xfail(message)
        pytest.fail(message, pytrace=False)
