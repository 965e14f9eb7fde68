"""Check the whole hunting-query corpus and rewrite known_differences.txt with the keys that fail now.

    python tests/corpus/update_known_differences.py [--output FILE]

Failing keys (a query id, or ``<id>:auto`` for the automatic-flavour check) are grouped by the kind of
failure, each with its one-line reason. Crashes (exceptions that are not ``kqlite.KqlError``) are never
expected failures: they are written as comments only, so their tests keep failing until they are fixed.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

from corpus_check import (
    KNOWN_DIFFERENCES_PATH,
    STATE_KEY,
    Outcome,
    _one_line,
    environment,
    leak_report,
    load_corpus,
    summary_lines,
)
from oracle import unavailable_reason

HEADER = """\
# Hunting-query corpus checks kqlite is known to fail (queries/*.kql against the Kusto oracle).
# One key a line, then its reason: a query id (its columns on empty and generated data, or its rejection),
# or <id>:auto (kqlite.connect() in "auto" must pick the query's declared flavour). '#' starts a comment.
# A listed key that passes fails its test: take it off the list. Crashes cannot be listed.
# Regenerate with: python tests/corpus/update_known_differences.py
"""


def render(outcomes: list[Outcome]) -> str:
    """The text of known_differences.txt for these outcomes."""
    parts = [HEADER]
    for line in summary_lines(outcomes):
        if line.startswith("failure categories"):
            break
        if not line.startswith("    "):  # the totals and the flavours, not every family
            parts.append(f"# {line}\n")
    crashes = [o for o in outcomes if o.crashed and not o.passed]
    if crashes:
        parts.append("\n# Crashes: never expected failures, so not listed. Fix them:\n")
        parts.extend(f"#   {o.key}  {_one_line(o.reason)}\n" for o in crashes)
    leaks = leak_report(outcomes)
    if leaks:
        leaky = [o.key for o in outcomes if o.leaks]
        parts.append("\n# Checks that fail on the shared session connection only (an earlier query left state "
                     "behind):\n")
        parts.extend(f"#   {_one_line(line)}\n" for line in leaks.splitlines())
        parts.append(f"{STATE_KEY}  {len(leaky)} checks fail only after other queries ran on the same "
                     f"connection (e.g. {', '.join(leaky[:3])})\n")
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        if not o.passed and not o.crashed and not o.undetermined:
            groups[o.category or o.stage].append(o)
    for category, items in sorted(groups.items(), key=lambda item: (-len(item[1]), item[0])):
        parts.append(f"\n# {category} ({len(items)})\n")
        parts.extend(f"{o.key}  {_one_line(o.reason)}\n" for o in sorted(items, key=lambda o: o.key))
    return "".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=KNOWN_DIFFERENCES_PATH)
    args = parser.parse_args(argv)
    reason = unavailable_reason()
    if reason:
        print(f"the Kusto oracle cannot run: {reason}; {args.output} left as it was", file=sys.stderr)
        return 1
    try:
        import kqlite

        kqlite.connect()
    except Exception as error:  # an unfinished kqlite must not turn every query into a "known difference"
        print(f"kqlite cannot run ({type(error).__name__}: {error}); {args.output} left as it was",
              file=sys.stderr)
        return 1
    queries = load_corpus()
    outcomes: list[Outcome] = []
    with environment(queries) as env:
        for query in queries:
            outcomes.append(env.check(query))
        for query in queries:
            if query.expect == "ok":
                outcomes.append(env.check_auto(query))
        lines = summary_lines(outcomes, env)
    args.output.write_text(render(outcomes), encoding="utf-8")
    print("\n".join(lines))
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
