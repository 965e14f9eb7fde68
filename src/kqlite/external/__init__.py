"""The data half of KQL's ``externaldata`` operator: read local files and http(s) URLs (cached, with an
offline mode and a folder allow-list) in Kusto's ingestion formats, typed as the declared columns.

    load_externaldata([("Indicator", "string"), ("Score", "long")], ["https://example.org/feed.csv"],
                      {"format": "csv", "ignoreFirstRecord": True}, ExternalPolicy.default())
"""

from kqlite.external.errors import ExternalDataError
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
from kqlite.external.policy import ExternalPolicy, default_cache_dir

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
