"""The state of one compile, declared in one place: what the query is compiled against, and what compiling
it finds out. The compiler, the expression compiler, functions and aggregates read and add to it through
`compiler.ctx` (the Compiler also exposes each field as an attribute of the same name)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from kqlite.compile.catalog import Catalog
from kqlite.compile.requests import RequestOptions
from kqlite.compile.sqlnames import SqlNames

if TYPE_CHECKING:
    import pyarrow as pa
    from sqlglot import exp

    from kqlite.compile.dialects import Dialect
    from kqlite.compile.scope import Column
    from kqlite.geoip import GeoIP

# Reads an externaldata operator's data (declared columns, URIs, properties) into a relation; with notes.
ExternalReader = Callable[[list["Column"], list[str], dict[str, object]], tuple["exp.Table", list[str]]]
# Makes rows computed while compiling (an Arrow table) a relation of the engine: geo_info_from_ip_address's
# answers, one row per address the data holds.
RowsRegistrar = Callable[["pa.Table"], "exp.Table"]


@dataclass
class CompileContext:
    # ---- what the query is compiled against (set before compiling; read-only while compiling)
    text: str  # the script's text: error messages point into it
    catalog: Catalog  # the tables a query can name, and the SQL relations that hold them
    dialect: Dialect  # the SQL engine the query is for
    now: datetime  # one instant for every now()/ago() of the query
    names: SqlNames = field(default_factory=SqlNames)  # KQL names -> SQL names (case-sensitive columns)
    params: dict[str, Any] = field(default_factory=dict)  # values of `declare query_parameters`
    variables: dict[str, Any] = field(default_factory=dict)  # host-language values seen as scalar lets
    external: ExternalReader | None = None  # reads externaldata's rows (None: refused)
    run_sql: Callable[[str], list[tuple]] | None = None  # runs a partial query (bag_unpack's keys)
    register_rows: RowsRegistrar | None = None  # makes rows computed while compiling a relation
    geoip: GeoIP | None = None  # the MaxMind database geo_info_from_ip_address() reads (None: refused)
    allow_python: bool = False  # evaluate python() may run its script on this machine (off unless asked)
    deadline: float | None = None  # time.monotonic() by which compiling must be done
    # ---- what compiling finds out (read by the backend and `explain` afterwards)
    options: RequestOptions = field(default_factory=RequestOptions)  # `set` statements that act
    notes: list[str] = field(default_factory=list)  # what the user should know about the answer
    ago_windows: list[int] = field(default_factory=list)  # constant ago() spans in ticks (the clock hint)
    tables_used: list[str] = field(default_factory=list)
    operators_used: list[str] = field(default_factory=list)
