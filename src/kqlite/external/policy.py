"""Where externaldata may read from: local folders the user allowed, and http(s) URLs through a cache."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from kqlite.external.errors import ExternalDataError


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or ""
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".cache"
    return root / "kqlite" / "externaldata"


@dataclass
class ExternalPolicy:
    allowed_dirs: list[Path]
    cache_dir: Path = field(default_factory=default_cache_dir)
    offline: bool = False
    max_age: float = 24 * 3600
    timeout: float = 30.0
    max_bytes: int = 512 * 2**20

    def __post_init__(self) -> None:
        self.allowed_dirs = [Path(d).expanduser().resolve() for d in self.allowed_dirs]
        self.cache_dir = Path(self.cache_dir).expanduser()

    @classmethod
    def default(cls, allowed_dirs: Iterable[str | os.PathLike[str]] = ()) -> ExternalPolicy:
        """The working folder is always allowed, with `allowed_dirs` besides."""
        return cls(allowed_dirs=[Path.cwd(), *(Path(d) for d in allowed_dirs)])


# Query parameters whose values are secrets (Azure SAS `sig`, API keys): masked wherever a URL is shown.
_SECRET_KEYS = {"sig", "signature", "token", "access_token", "key", "apikey", "api_key", "api-key", "code",
                "password", "secret", "auth", "x-api-key"}
_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")
# Kusto connection-string suffixes that carry credentials or an auth mode; kqlite sends no credentials.
_AUTH_SUFFIX = re.compile(r";(impersonate|managed_identity=.*|token=.*)$", re.IGNORECASE)


def display_url(url: str) -> str:
    """`url` with secret query values and user:password masked, for messages, reports and the cache sidecar."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rsplit("@", 1)[1]
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(k.lower() in _SECRET_KEYS for k, _ in pairs):
            query = urlencode([(k, "***" if k.lower() in _SECRET_KEYS else v) for k, v in pairs], safe="*/:")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


@dataclass
class Location:
    """One externaldata URI, classified: a local file (`path`) or an http(s) URL (`url`)."""

    uri: str
    path: Path | None = None
    url: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def shown(self) -> str:
        return str(self.path) if self.path is not None else display_url(self.url or self.uri)

    @property
    def name(self) -> str:
        """The file name the format and compression are guessed from."""
        if self.path is not None:
            return self.path.name
        return unquote(urlsplit(self.url or "").path.rsplit("/", 1)[-1])


def locate(uri: str, policy: ExternalPolicy) -> Location:
    """Classify `uri`; a local file is checked against the policy here, before anything is read."""
    text = uri.strip()
    if not text:
        raise ExternalDataError("externaldata: an empty storage URI was given; name a file path or an http(s) URL")
    if _DRIVE.match(text):
        return Location(uri, path=allowed_path(Path(text), policy))
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme == "":
        return Location(uri, path=allowed_path(Path(text), policy))
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise ExternalDataError(
                f"externaldata: {text} names a file on another host ({parts.netloc}); copy it here and use a "
                "local path")
        from urllib.request import url2pathname  # urllib.request imports the http client: only for file: URIs

        return Location(uri, path=allowed_path(Path(url2pathname(parts.path)), policy))
    if scheme in ("http", "https"):
        return _http_location(uri, text)
    raise ExternalDataError(
        f"externaldata: {scheme}:// URLs are not supported ({display_url(text)}); kqlite reads local files and "
        "http(s) URLs: download the file and name its local path (allowed with --allow-path DIR)")


def _http_location(uri: str, text: str) -> Location:
    notes = []
    match = _AUTH_SUFFIX.search(text)
    host = urlsplit(text).hostname or ""
    if match:
        text = text[: match.start()]
        notes.append(f"the ';{match.group(1).split('=')[0]}' part of {display_url(text)} was ignored: "
                     "kqlite sends no credentials")
    elif host.endswith(".core.windows.net") and ";" in urlsplit(text).path:
        # Azure storage connection strings append the account key after ';'
        text = text.split(";", 1)[0]
        notes.append(f"the account key after ';' in {display_url(text)} was ignored: kqlite sends no credentials")
    return Location(uri, url=text, notes=notes)


def allowed_path(path: Path, policy: ExternalPolicy) -> Path:
    """`path` resolved (symlinks followed), if it lies in an allowed folder and is a file."""
    given = path.expanduser()
    if not given.is_absolute():
        given = Path.cwd() / given
    resolved = given.resolve()
    if not any(resolved.is_relative_to(d.resolve()) for d in policy.allowed_dirs):
        shown = str(given) if resolved == given else f"{given} (which leads to {resolved})"
        allowed = ", ".join(str(d) for d in policy.allowed_dirs) or "none"
        raise ExternalDataError(
            f"externaldata: reading {shown} is not allowed: it is outside the folders kqlite may read "
            f"({allowed}); pass --allow-path {resolved.parent} to allow its folder")
    if not resolved.exists():
        raise ExternalDataError(f"externaldata: no such file {given}; check the path in the query")
    if not resolved.is_file():
        raise ExternalDataError(f"externaldata: {given} is not a file; name a file, not a folder")
    return resolved
