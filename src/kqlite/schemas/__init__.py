"""Bundled table schemas (column name -> KQL type) of every Defender advanced-hunting table and every
Microsoft Sentinel / Log Analytics table, in two flavours.

Defender and Sentinel both hold the Device, Email, Identity, Alert... tables, with different columns: the
Sentinel flavour adds `TimeGenerated`, `TenantId`, `SourceSystem`, `Type`... and types `AdditionalFields` as
dynamic. `defender` is the portal's catalog (its 62 tables, then Sentinel's other tables), `sentinel` the
workspace's (its 925 tables, then Defender's other tables). The data file is built by
`scripts/update_schemas.py` from Microsoft's table references."""

from __future__ import annotations

import gzip
import json
from functools import cache
from importlib import resources
from typing import Literal

Flavour = Literal["defender", "sentinel"]
FLAVOURS: tuple[Flavour, ...] = ("defender", "sentinel")

Schema = tuple[tuple[str, str], ...]


# kqlite's own tables, in both flavours: file profiles that FileProfile() enriches from (the columns
# Defender's documentation lists for the function's output), and a site's allowlist.
KQLITE_TABLES: dict[str, Schema] = {
    "FileProfiles": (
        ("SHA1", "string"), ("SHA256", "string"), ("MD5", "string"), ("FileSize", "long"),
        ("GlobalPrevalence", "long"), ("GlobalFirstSeen", "datetime"), ("GlobalLastSeen", "datetime"),
        ("Signer", "string"), ("Issuer", "string"), ("SignerHash", "string"), ("IsCertificateValid", "bool"),
        ("IsRootSignerMicrosoft", "bool"), ("SignatureState", "string"), ("IsExecutable", "bool"),
        ("ThreatName", "string"), ("Publisher", "string"), ("SoftwareName", "string"),
    ),
    # what a site file (`kqlite hunt --site FILE`) says is normal there
    "SiteAllowlist": (("Kind", "string"), ("Value", "string"), ("Note", "string")),
}


@cache
def _bundle() -> dict[str, dict[str, str]]:
    """Each flavour's tables, their columns still JSON text: the file holds a line per table and flavour
    (``flavour<TAB>table<TAB>[[column, type], ...]``), and a query decodes only the tables it reads."""
    raw = resources.files(__package__).joinpath("tables.tsv.gz").read_bytes()
    bundle: dict[str, dict[str, str]] = {flavour: {} for flavour in FLAVOURS}
    for line in gzip.decompress(raw).decode().splitlines():
        flavour, table, columns = line.split("\t", 2)
        bundle[flavour][table] = columns
    return bundle


@cache
def _schema(flavour: Flavour, name: str) -> Schema | None:
    if name in KQLITE_TABLES:
        return KQLITE_TABLES[name]
    columns = _bundle()[flavour].get(name)
    return None if columns is None else tuple((c, t) for c, t in json.loads(columns))


@cache
def _names(flavour: Flavour) -> frozenset[str]:
    return frozenset(_bundle()[flavour].keys() | KQLITE_TABLES.keys())


def _other(flavour: Flavour) -> Flavour:
    return "sentinel" if flavour == "defender" else "defender"


def known_tables(flavour: Flavour | None = None) -> list[str]:
    """Names of the tables whose schema ships with kqlite (of one flavour, or of either)."""
    return sorted(_names(flavour) if flavour else _names("defender") | _names("sentinel"))


def table_schema(name: str, flavour: Flavour = "defender") -> list[tuple[str, str]] | None:
    """The (column, KQL type) list of a known table in `flavour` (the other flavour's when this one does not
    have the table), or None when the table is unknown."""
    schema = _schema(flavour, name) or _schema(_other(flavour), name)
    return list(schema) if schema is not None else None


@cache
def flavour_only_tables(flavour: Flavour) -> frozenset[str]:
    """Tables that only `flavour` has (a query naming one is written for that product)."""
    return _names(flavour) - _names(_other(flavour))


@cache
def differing_tables() -> frozenset[str]:
    """Tables both flavours have, with different columns."""
    return frozenset(t for t in _names("defender") & _names("sentinel") if table_differs(t))


@cache
def table_differs(name: str) -> bool:
    """Whether both flavours have table `name`, with different columns. A query asks of the tables it names:
    deciding it for all 45 shared tables (decoding their schemas) took 20 ms of every query."""
    if name in KQLITE_TABLES:
        return False
    defender, sentinel = _bundle()["defender"].get(name), _bundle()["sentinel"].get(name)
    return defender is not None and sentinel is not None and defender != sentinel and \
        _schema("defender", name) != _schema("sentinel", name)
