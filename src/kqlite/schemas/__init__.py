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
def _bundle() -> dict[str, dict[str, Schema]]:
    raw = resources.files(__package__).joinpath("tables.json.gz").read_bytes()
    bundle = {flavour: {table: tuple((c, t) for c, t in columns) for table, columns in tables.items()}
              for flavour, tables in json.loads(gzip.decompress(raw)).items()}
    for tables in bundle.values():
        tables.update(KQLITE_TABLES)
    return bundle


def _other(flavour: Flavour) -> Flavour:
    return "sentinel" if flavour == "defender" else "defender"


def known_tables(flavour: Flavour | None = None) -> list[str]:
    """Names of the tables whose schema ships with kqlite (of one flavour, or of either)."""
    bundle = _bundle()
    names = bundle[flavour].keys() if flavour else bundle["defender"].keys() | bundle["sentinel"].keys()
    return sorted(names)


def table_schema(name: str, flavour: Flavour = "defender") -> list[tuple[str, str]] | None:
    """The (column, KQL type) list of a known table in `flavour` (the other flavour's when this one does not
    have the table), or None when the table is unknown."""
    bundle = _bundle()
    schema = bundle[flavour].get(name) or bundle[_other(flavour)].get(name)
    return list(schema) if schema is not None else None


@cache
def flavour_only_tables(flavour: Flavour) -> frozenset[str]:
    """Tables that only `flavour` has (a query naming one is written for that product)."""
    bundle = _bundle()
    return frozenset(bundle[flavour].keys() - bundle[_other(flavour)].keys())


@cache
def differing_tables() -> frozenset[str]:
    """Tables both flavours have, with different columns."""
    bundle = _bundle()
    return frozenset(t for t in bundle["defender"].keys() & bundle["sentinel"].keys()
                     if bundle["defender"][t] != bundle["sentinel"][t])
