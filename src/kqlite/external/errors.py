"""The one exception of externaldata loading."""

from __future__ import annotations

from kqlite.errors import KqlError


class ExternalDataError(KqlError):
    """An externaldata source cannot be read: the message says what, where (URL or path) and how to fix it."""
