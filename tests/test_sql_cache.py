"""The mapping's SQL kept between runs: the same text as built, and built again when a source changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from kqlite.ingest import sql_cache
from kqlite.ingest.sysmon_map import _build_mapping_sql


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def test_the_cached_sql_is_the_built_sql(tmp_path: Path):
    source = tmp_path / "map.py"
    source.write_text("v1")
    builds = []

    def build() -> dict:
        builds.append(1)
        return _build_mapping_sql()

    first = sql_cache.cached("test", [source], "1", build)
    again = sql_cache.cached("test", [source], "1", build)
    assert again == first == _build_mapping_sql() and len(builds) == 1


def test_a_changed_source_or_version_builds_again(tmp_path: Path):
    source = tmp_path / "map.py"
    source.write_text("v1")
    assert sql_cache.cached("test", [source], "1", lambda: {"sql": "old"}) == {"sql": "old"}
    source.write_text("v2")
    assert sql_cache.cached("test", [source], "1", lambda: {"sql": "new"}) == {"sql": "new"}
    assert sql_cache.cached("test", [source], "2", lambda: {"sql": "newer"}) == {"sql": "newer"}


def test_a_damaged_or_unwritable_cache_is_passed_over(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    source = tmp_path / "map.py"
    source.write_text("v1")
    sql_cache.cached("test", [source], "1", lambda: {"sql": "a"})
    for path in sql_cache.cache_dir().glob("test-*.json"):
        path.write_bytes(b"{not json")
    assert sql_cache.cached("test", [source], "1", lambda: {"sql": "b"}) == {"sql": "b"}
    monkeypatch.setenv("XDG_CACHE_HOME", str(source))  # a file, not a folder: nothing can be written under it
    assert sql_cache.cached("test", [source], "1", lambda: {"sql": "c"}) == {"sql": "c"}
