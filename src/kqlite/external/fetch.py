"""http(s) downloads through a cache folder: a file named from a hash of the URL, with a JSON sidecar (URL,
time fetched, ETag, Last-Modified). A fresh copy is reused; a stale one is revalidated with a conditional GET,
and kept (with a warning) when the network fails. Offline, only the cache is read."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from kqlite.external.errors import ExternalDataError
from kqlite.external.policy import ExternalPolicy, display_url

_USER_AGENT = "kqlite-externaldata/0.1 (+python-urllib)"
_CHUNK = 1 << 16


@dataclass
class Fetched:
    data: bytes
    cache_file: Path
    state: str  # "downloaded", "cached" (fresh), "revalidated" (304), "stale" (refresh failed), "offline"
    fetched_at: str  # ISO time the copy was downloaded


def cache_file(url: str, cache_dir: Path) -> Path:
    """Where the download of `url` is kept: a hash of the whole URL, then its file name for people to read."""
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:32]
    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")[:60] or "download"
    return cache_dir / f"{digest}-{name}"


def sidecar_of(data_file: Path) -> Path:
    return data_file.with_name(data_file.name + ".meta.json")


def _read_sidecar(path: Path) -> dict:
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


def _age_text(seconds: float) -> str:
    hours = seconds / 3600
    return f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.1f} hours"


class _SchemeCheckingRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects only to http(s): urllib alone would also follow one to ftp://."""

    def redirect_request(self, req: urllib.request.Request, fp: object, code: int, msg: str, headers: object,
                         newurl: str) -> urllib.request.Request | None:
        scheme = urlsplit(newurl).scheme.lower()
        if scheme not in ("http", "https"):
            raise ExternalDataError(
                f"externaldata: {display_url(req.full_url)} redirects (HTTP {code}) to a {scheme or 'relative'}:// "
                f"URL ({display_url(newurl)}); kqlite follows redirects only to http(s): use the final URL if "
                "it is trusted")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch_url(url: str, policy: ExternalPolicy, warnings: list[str]) -> Fetched:
    target = cache_file(url, policy.cache_dir)
    meta = _read_sidecar(sidecar_of(target))
    cached = target.is_file()
    shown = display_url(url)
    if cached:
        fetched_epoch = meta.get("fetched_epoch")
        if not isinstance(fetched_epoch, int | float):
            fetched_epoch = target.stat().st_mtime  # a copy the user put there by hand
        age = time.time() - fetched_epoch
        if policy.offline:
            if age > policy.max_age:
                warnings.append(f"offline: {shown} is read from a copy cached {_age_text(age)} ago ({target})")
            return Fetched(_read_cached(target, policy), target, "offline", _iso(fetched_epoch))
        if age <= policy.max_age:
            return Fetched(_read_cached(target, policy), target, "cached", _iso(fetched_epoch))
    elif policy.offline:
        raise ExternalDataError(
            f"externaldata: {shown} is not in the cache and kqlite is offline; download it and save it as "
            f"{target} (or run with network access)")
    headers = {"User-Agent": _USER_AGENT, "Accept-Encoding": "identity"}
    if cached and meta.get("url") == shown:
        if meta.get("etag"):
            headers["If-None-Match"] = meta["etag"]
        if meta.get("last_modified"):
            headers["If-Modified-Since"] = meta["last_modified"]
    try:
        return _download(url, target, headers, policy, meta)
    except _FetchFailed as failure:
        if not cached:
            raise ExternalDataError(
                f"externaldata: cannot download {shown}: {failure}; check the URL and the network, or save a "
                f"copy as {target} and run offline") from None
        fetched_epoch = meta.get("fetched_epoch") or target.stat().st_mtime
        warnings.append(f"could not refresh {shown} ({failure}); using the copy cached "
                        f"{_age_text(time.time() - fetched_epoch)} ago ({target})")
        return Fetched(_read_cached(target, policy), target, "stale", _iso(fetched_epoch))


class _FetchFailed(Exception):
    """A download that did not work for a reason a cached copy can stand in for."""


def _read_cached(target: Path, policy: ExternalPolicy) -> bytes:
    size = target.stat().st_size
    if size > policy.max_bytes:
        raise ExternalDataError(f"externaldata: the cached file {target} is {size:,} bytes, more than the limit "
                                f"of {policy.max_bytes:,} (ExternalPolicy.max_bytes)")
    return target.read_bytes()


def _download(url: str, target: Path, headers: dict[str, str], policy: ExternalPolicy, meta: dict) -> Fetched:
    opener = urllib.request.build_opener(_SchemeCheckingRedirects())
    request = urllib.request.Request(url, headers=headers)
    try:
        with opener.open(request, timeout=policy.timeout) as response:
            data = _read_body(response, url, policy.max_bytes)
            response_headers = response.headers
    except urllib.error.HTTPError as exc:
        if exc.code == 304 and target.is_file():  # not modified: the cached copy is current again
            meta["fetched_epoch"] = time.time()
            meta["fetched"] = _iso(meta["fetched_epoch"])
            _write_sidecar(target, meta)
            return Fetched(_read_cached(target, policy), target, "revalidated", meta["fetched"])
        raise _FetchFailed(f"HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise _FetchFailed(f"network error: {exc.reason}") from None
    except (TimeoutError, http.client.HTTPException, OSError) as exc:
        raise _FetchFailed(f"network error: {exc or type(exc).__name__}") from None
    now = time.time()
    meta = {"url": display_url(url), "fetched": _iso(now), "fetched_epoch": now,
            "etag": response_headers.get("ETag"), "last_modified": response_headers.get("Last-Modified"),
            "content_type": response_headers.get("Content-Type"), "bytes": len(data)}
    _store(target, data)
    _write_sidecar(target, meta)
    return Fetched(data, target, "downloaded", meta["fetched"])


def _read_body(response: http.client.HTTPResponse, url: str, max_bytes: int) -> bytes:
    too_big = ExternalDataError(
        f"externaldata: {display_url(url)} is larger than {max_bytes:,} bytes, kqlite's download limit; raise "
        "ExternalPolicy.max_bytes if the file is trusted and really that large")
    length = response.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise too_big
    chunks, total = [], 0
    while chunk := response.read(_CHUNK):
        total += len(chunk)
        if total > max_bytes:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


def _store(target: Path, data: bytes) -> None:
    """Write through a temporary file, so a reader never sees half a download."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _write_sidecar(target: Path, meta: dict) -> None:
    _store(sidecar_of(target), json.dumps(meta, indent=1).encode("utf-8"))
