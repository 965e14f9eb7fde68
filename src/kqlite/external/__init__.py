"""The data half of KQL's ``externaldata`` operator: read local files and http(s) URLs (cached, with an
offline mode and a folder allow-list) in Kusto's ingestion formats, typed as the declared columns.

    load_externaldata([("Indicator", "string"), ("Score", "long")], ["https://example.org/feed.csv"],
                      {"format": "csv", "ignoreFirstRecord": True}, ExternalPolicy.default())
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kqlite.external.errors import ExternalDataError
from kqlite.external.policy import ExternalPolicy, default_cache_dir

if TYPE_CHECKING:
    from kqlite.external.fetch import cache_file
    from kqlite.external.formats import FORMATS
    from kqlite.external.loader import (
        METADATA_KEY,
        ExternalLoad,
        SourceReport,
        load_externaldata,
        load_externaldata_report,
        report_of,
    )

__all__ = [
    "FORMATS",
    "METADATA_KEY",
    "ExternalDataError",
    "ExternalLoad",
    "ExternalPolicy",
    "SourceReport",
    "cache_file",
    "default_cache_dir",
    "load_externaldata",
    "load_externaldata_report",
    "report_of",
]

# The readers import Arrow and the http client: imported when data is read, not with the policy that a
# command sets up before every query (PEP 562).
_LAZY = {
    "cache_file": "kqlite.external.fetch",
    "FORMATS": "kqlite.external.formats",
    **dict.fromkeys(("METADATA_KEY", "ExternalLoad", "SourceReport", "load_externaldata", "load_externaldata_report",
                     "report_of"), "kqlite.external.loader"),
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'kqlite.external' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
