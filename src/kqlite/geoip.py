"""geo_info_from_ip_address(): where an IP address is, from a MaxMind-format database the user gives.

Kusto answers from MaxMind's GeoLite2 City data; kqlite reads any MaxMind DB file of the City layout
(GeoLite2-City.mmdb, GeoIP2-City.mmdb) that the user points to: `kqlite.connect(geoip_database=PATH)`, the CLI's
`--geoip-database PATH`, or the KQLITE_GEOIP_DATABASE environment variable. No database ships with kqlite
(MaxMind's data has its own licence and goes out of date)."""

from __future__ import annotations

import ipaddress
import json
import os
from pathlib import Path
from typing import Any

from kqlite.errors import KqlDataError

ENVIRONMENT_VARIABLE = "KQLITE_GEOIP_DATABASE"
HOW_TO_SET = ("give kqlite a MaxMind City database (GeoLite2-City.mmdb): kqlite.connect(geoip_database=PATH), "
              f"the CLI's --geoip-database PATH, or the {ENVIRONMENT_VARIABLE} environment variable")


class GeoIP:
    """Lookups in one MaxMind DB file: an address's country, state, city, latitude and longitude."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        try:
            import maxminddb
        except ImportError:
            raise KqlDataError("geo_info_from_ip_address() needs the maxminddb package: "
                               "pip install 'kqlite[geo]'") from None
        try:
            self._reader = maxminddb.open_database(str(self.path))
        except (OSError, ValueError, maxminddb.InvalidDatabaseError) as error:
            raise KqlDataError(f"cannot read the GeoIP database {self.path}: {error} (it must be a MaxMind DB "
                               "file, .mmdb, of the City layout such as GeoLite2-City.mmdb)") from None

    def lookup(self, address: str) -> str | None:
        """The JSON text of the address's whereabouts, with the fields the database has for it (Kusto's
        names and order: country, state, city, latitude, longitude); None when the text is not an IP address
        or the database knows nothing of it (private ranges, for one)."""
        try:
            ip = ipaddress.ip_address(address.strip())
        except ValueError:
            return None
        record = self._reader.get(ip)
        if not isinstance(record, dict):
            return None
        info: dict[str, Any] = {}
        country = _name(record.get("country"))
        subdivisions = record.get("subdivisions") or []
        state = _name(subdivisions[0]) if subdivisions else None
        city = _name(record.get("city"))
        location = record.get("location") or {}
        for key, value in (("country", country), ("state", state), ("city", city),
                           ("latitude", location.get("latitude")), ("longitude", location.get("longitude"))):
            if value is not None:
                info[key] = value
        return json.dumps(info, ensure_ascii=False, separators=(",", ":")) if info else None

    def close(self) -> None:
        self._reader.close()


def _name(entry: Any) -> str | None:
    """The English name of a country, subdivision or city record."""
    if not isinstance(entry, dict):
        return None
    names = entry.get("names") or {}
    return names.get("en") if isinstance(names, dict) else None


def open_geoip(path: str | os.PathLike | None) -> GeoIP | None:
    """The database `path` names, else the one the environment variable names, else None."""
    chosen = path if path is not None else os.environ.get(ENVIRONMENT_VARIABLE) or None
    return GeoIP(chosen) if chosen is not None else None
