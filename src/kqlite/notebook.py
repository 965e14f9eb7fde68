"""kqlite in Jupyter: `%load_ext kqlite`, then

    %kql_connect evidence/ Sysmon.evtx          # read files and folders of any format (or --db store.duckdb)
    %%kql -o procs
    DeviceProcessEvents
    | where FileName =~ target and Timestamp > since

A cell's result is a pandas DataFrame (`-o NAME` also keeps it in that variable). Python variables the
query names (`target`, `since` above: strings, numbers, booleans, datetimes, timedeltas, lists, dicts)
are passed to it as values typed from their Python values, as if the query began with a `let` for each; a
`let` or a column of the same name wins. `%kql QUERY` runs a one-line query."""

from __future__ import annotations

import datetime as dt
import shlex
from typing import Any

import kqlite
from kqlite.schemas import known_tables
from kqlite.syntax.tokens import Kind, tokenize

CONNECTION_VARIABLE = "_kqlite_connection"
_PARAMETER_TYPES = (str, bool, int, float, dt.datetime, dt.timedelta, list, dict, tuple)


def parameters_from(namespace: dict[str, Any], query: str) -> dict[str, Any]:
    """The Python variables a query names, as query parameters: not tables, not names the query defines."""
    tokens = tokenize(query)
    defined = {b.text for a, b in zip(tokens, tokens[1:], strict=False) if a.is_word("let", "as")}
    defined |= {a.text for a, b in zip(tokens, tokens[1:], strict=False) if b.is_op("=")}
    tables = set(known_tables())
    names = {t.text for t in tokens if t.kind is Kind.IDENT} - defined - tables
    return {name: namespace[name] for name in sorted(names)
            if name in namespace and not name.startswith("_") and isinstance(namespace[name], _PARAMETER_TYPES)}


def load_ipython_extension(ipython: Any) -> None:
    from IPython.core.magic import Magics, cell_magic, line_magic, magics_class

    @magics_class
    class KqlMagics(Magics):
        def _connection(self, name: str | None) -> kqlite.Connection:
            namespace = self.shell.user_ns
            if name:
                connection = namespace.get(name)
                if not isinstance(connection, kqlite.Connection):
                    raise kqlite.KqlError(f"{name} is not a kqlite connection (kqlite.connect(...))")
                return connection
            if CONNECTION_VARIABLE not in namespace:
                namespace[CONNECTION_VARIABLE] = kqlite.connect()
            return namespace[CONNECTION_VARIABLE]

        @line_magic
        def kql_connect(self, line: str) -> kqlite.Connection:
            """%kql_connect [--db STORE] [PATH ...]: the connection later cells use, over the evidence given."""
            words = shlex.split(line)
            database = ":memory:"
            if words[:1] == ["--db"] and len(words) > 1:
                database, words = words[1], words[2:]
            connection = kqlite.connect(database, evidence=words or None)
            self.shell.user_ns[CONNECTION_VARIABLE] = connection
            return connection

        @line_magic("kql")
        @cell_magic("kql")
        def kql(self, line: str, cell: str | None = None) -> Any:
            """%%kql [-c CONNECTION] [-o NAME]: run the cell's KQL; the result as a pandas DataFrame."""
            words = shlex.split(line) if cell is not None else []
            options: dict[str, str] = {}
            while words[:1] and words[0] in ("-c", "-o") and len(words) > 1:
                options[words[0]] = words[1]
                words = words[2:]
            query = cell if cell is not None else line
            params = parameters_from(self.shell.user_ns, query)
            result = self._connection(options.get("-c")).query(query, variables=params)
            for message in result.notes:
                print(f"note: {message}")
            frame = result.to_pandas()
            if "-o" in options:
                self.shell.user_ns[options["-o"]] = frame
            return frame

    ipython.register_magics(KqlMagics)
