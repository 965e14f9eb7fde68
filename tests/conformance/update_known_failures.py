"""Run every conformance case and rewrite known_failures.txt with the ids that fail now.

    python tests/conformance/update_known_failures.py [--backend spark] [--output FILE] [--timeout SECONDS]

Failing ids are grouped by family, each with its one-line reason as a comment. Crashes (exceptions
that are not ``kqlite.KqlError``) are never expected failures: they are written as comments only,
so their tests keep failing until they are fixed.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

from compare import (
    BACKENDS,
    CASES_PATH,
    CaseResult,
    backend_connect,
    known_failures_path,
    load_cases,
    run_case,
    summary_lines,
)

HEADER = """\
# Conformance cases kqlite is known to fail on {backend} ({cases}).
# One case key a line (id.queryhash: the recorded ids repeat, the queries do not); '#' starts a comment.
# A listed case that passes fails its test: take it off the list. Crashes cannot be listed.
# Regenerate with: python tests/conformance/update_known_failures.py{option}
# {summary}
"""


def _one_line(reason: str, limit: int = 160) -> str:
    text = " ".join(reason.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def render(results: list[CaseResult], cases_name: str, backend: str = "duckdb") -> str:
    """The text of known_failures.txt for these results."""
    by_family: dict[str, list[CaseResult]] = defaultdict(list)
    for result in results:
        by_family[result.family].append(result)
    option = "" if backend == "duckdb" else f" --backend {backend}"
    parts = [HEADER.format(cases=cases_name, summary=summary_lines(results)[0], backend=backend, option=option)]
    crashes = [r for r in results if r.crashed]
    if crashes:
        parts.append("\n# Crashes: never expected failures, so not listed. Fix them:\n")
        parts.extend(f"#   {r.key}  # {_one_line(r.reason)}\n" for r in crashes)
    for family in sorted(by_family):
        failing = [r for r in by_family[family] if not r.passed and not r.crashed]
        if failing:
            parts.append(f"\n# {family}: {len(failing)} of {len(by_family[family])} fail\n")
            parts.extend(f"{r.key}  # {_one_line(r.reason)}\n" for r in failing)
    return "".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=CASES_PATH)
    parser.add_argument("--backend", choices=BACKENDS, default="duckdb")
    parser.add_argument("--output", type=Path, help="default: the backend's list in tests/conformance")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per case (default 30)")
    args = parser.parse_args(argv)
    args.output = args.output or known_failures_path(args.backend)
    if not args.cases.exists():
        print(f"no conformance cases at {args.cases}", file=sys.stderr)
        return 1
    try:
        connect = backend_connect(args.backend)
        connect()
    except Exception as error:  # an unfinished kqlite must not turn every case into a "known failure"
        print(
            f"kqlite cannot run ({type(error).__name__}: {error}); {args.output} left as it was",
            file=sys.stderr,
        )
        return 1
    results = [run_case(case, connect=connect, timeout=args.timeout) for case in load_cases(args.cases)]
    args.output.write_text(render(results, args.cases.name, args.backend), encoding="utf-8")
    print("\n".join(summary_lines(results)))
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
