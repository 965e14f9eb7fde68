"""What every backend does the same way: pick a query's flavour, compile it, and describe the answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from kqlite.compile import CompiledQuery
from kqlite.errors import KqlError, KqlSemanticError
from kqlite.result import Result
from kqlite.schemas import flavour_only_tables
from kqlite.syntax import ast
from kqlite.syntax.tokens import Kind, tokenize


@dataclass
class Explanation:
    """What a query reads and how kqlite runs it (``Connection.explain``)."""

    tables: list[str]
    operators: list[str]
    sql: str
    flavour: str = "defender"
    notes: list[str] = field(default_factory=list)


def choose_flavour(script: ast.Script, connection_flavour: str) -> str:
    """The flavour a query is written for: the connection's, or under "auto" Sentinel when it names a table
    only Sentinel has, else Defender (a later compile may still move it to Sentinel: `compile_in_flavour`)."""
    if connection_flavour != "auto":
        return connection_flavour
    tokens = tokenize(script.text)
    names = {tok.text for tok in tokens if tok.kind is Kind.IDENT}
    # names the query defines itself (`let Usage = ...`, `... as Heartbeat`, `Event = count()`) are not tables
    defined = {b.text for a, b in zip(tokens, tokens[1:], strict=False)
               if a.is_word("let", "as") and b.kind is Kind.IDENT}
    defined |= {a.text for a, b in zip(tokens, tokens[1:], strict=False) if b.is_op("=") and a.kind is Kind.IDENT}
    if (names - defined) & flavour_only_tables("sentinel"):
        return "sentinel"
    return "defender"


def compile_in_flavour(script: ast.Script, compile_for: Callable[[str], CompiledQuery], forced: str | None,
                       connection_flavour: str) -> CompiledQuery:
    """Compile for the chosen flavour; under "auto", a Defender compile that fails on names only Sentinel's
    flavour of the same tables has (TimeGenerated, TenantId, ...) is compiled again for Sentinel."""
    chosen = forced or choose_flavour(script, connection_flavour)
    try:
        compiled = compile_for(chosen)
    except KqlSemanticError as first_error:
        if forced or connection_flavour != "auto" or chosen == "sentinel":
            raise
        try:
            compiled = compile_for("sentinel")
        except KqlError:
            raise first_error from None
        chosen = "sentinel"
    compiled.flavour = chosen
    return compiled


def result_notes(result: Result, compiled: CompiledQuery) -> None:
    """What the user should know about an answer: the compiler's notes, and a possibly truncated result."""
    result.notes = list(compiled.notes)
    if compiled.options.max_records is not None and len(result) == compiled.options.max_records:
        result.notes.append(f"the result may be truncated to {compiled.options.max_records:,} records "
                            "(set truncationmaxrecords)")
