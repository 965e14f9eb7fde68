"""Generated SQL kept on disk between runs.

The Sysmon -> Defender mapping is fixed code, but SQLGlot parses and prints some 260 fragments to write it:
a third of a second of every `kqlite ingest`, more than parsing a folder of small logs. Its text is kept in
the user's cache folder under a key made of everything it is built from (the source files and SQLGlot's
version), so that a changed mapping or SQLGlot builds it again; a cache that cannot be read or written is
passed over.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from blake3 import blake3


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or ""
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".cache"
    return root / "kqlite" / "sql"


def cached(name: str, inputs: list[Path], version: str, build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """`build()`, or what an earlier run's `build()` returned from the same `inputs` and `version`."""
    try:
        key = _key(inputs, version)
    except OSError:  # a source that cannot be read (a zipped install): no key, no cache
        return build()
    path = cache_dir() / f"{name}-{key}.json"
    try:
        return orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        pass
    value = build()
    _write(path, orjson.dumps(value))
    return value


def _key(inputs: list[Path], version: str) -> str:
    hasher = blake3(version.encode())
    for path in inputs:
        hasher.update(path.read_bytes())
    return hasher.hexdigest()[:32]


def _write(path: Path, data: bytes) -> None:
    """Written whole or not at all (a concurrent run reads a complete file, or none)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".tmp") as handle:
            handle.write(data)
        os.replace(handle.name, path)
    except OSError:
        pass
