"""Write src/kqlite/compile/data/signatures.json: the parameter kinds of every public built-in scalar function
and aggregate, as Microsoft's analyzer (Kusto.Language, the package the kusto-oracle installs) declares them.

    python3 scripts/update_signatures.py

Needs node and the oracle's npm package (installed on first use of ../shared/tools/kusto-oracle, into
$KUSTO_ORACLE_HOME, default ~/.cache/kusto-oracle). The file is data kqlite ships: the compiler checks a call's
argument types against it (kqlite.compile.signatures), so that a call Kusto refuses is refused here too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tests" / "function_types" / "kusto_signatures.js"
TARGET = ROOT / "src" / "kqlite" / "compile" / "data" / "signatures.json"
ORACLE = ROOT.parent / "shared" / "tools" / "kusto-oracle" / "kusto-oracle"


def main() -> None:
    home = Path(os.environ.get("KUSTO_ORACLE_HOME", Path.home() / ".cache" / "kusto-oracle"))
    if not (home / "node_modules").is_dir():
        subprocess.run([str(ORACLE), "--builtins"], check=True, capture_output=True)  # installs the package
    done = subprocess.run(["node", str(SCRIPT)], env={**os.environ, "NODE_PATH": str(home / "node_modules")},
                          check=True, capture_output=True, text=True)
    kinds: dict[str, dict[str, list]] = {"function": {}, "aggregate": {}}
    for line in done.stdout.splitlines():
        entry = json.loads(line)
        if entry["kind"] not in kinds or entry["name"].startswith("__"):
            continue
        kinds[entry["kind"]][entry["name"]] = [[[param["type"], param["declared"], param["min"], param["max"]]
                                                for param in signature["params"]]
                                               for signature in entry["signatures"]]
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    data = {kind: dict(sorted(names.items())) for kind, names in kinds.items()}
    TARGET.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{TARGET.relative_to(ROOT)}: {len(kinds['function'])} functions, {len(kinds['aggregate'])} aggregates",
          file=sys.stderr)


if __name__ == "__main__":
    main()
