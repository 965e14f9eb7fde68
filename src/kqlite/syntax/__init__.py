"""KQL text -> tokens -> syntax tree."""

from kqlite.syntax.parser import parse

__all__ = ["parse"]
