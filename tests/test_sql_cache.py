"""The mapping's SQL kept between runs: the same text as built, and built again when a source changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from kqlite.ingest import sql_cache
from kqlite.ingest.sysmon_sql import build_mapping_sql as _build_mapping_sql


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


def test_the_mapping_is_kept_between_runs(tmp_path, monkeypatch):
    """Every file the mapping's key reads exists (a missing one meant no key, so no cache: its SQL was built again
    on every ingest, 0.3 s), and a second run reads the first one's SQL."""
    from kqlite.ingest import sysmon_map

    assert all(path.is_file() for path in sysmon_map.mapping_sql_inputs())
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    builds = []
    monkeypatch.setattr(sysmon_map, "_build_mapping_sql", lambda: builds.append(1) or {"create": "x"})
    first = sysmon_map.mapping_sql.__wrapped__()  # past the in-process memo: the disk cache alone
    assert first == sysmon_map.mapping_sql.__wrapped__() == {"create": "x"} and builds == [1]
    assert list((tmp_path / "kqlite" / "sql").glob("sysmon-map-*.json"))
