"""Kusto's names are case-sensitive, DuckDB's are not: `LogonId` and `LogonID` (both documented columns of
DeviceProcessEvents), or a user's `user` and `User`, would be one column in SQL.

Queries are compiled with Kusto's names as SQL identifiers; then every identifier goes through `SqlNames`,
which keeps a name as it is unless another spelling of it (the same letters in another case) is in use, and
then gives the later spelling a distinct SQL name (`LogonID~1`). Result columns take their names from the
compiled query's KQL columns, never from SQL, so the SQL spelling never reaches the user.

One `SqlNames` belongs to a connection: the names of its views are registered there first (so they stay
fixed), and each compiled tree is renamed against it."""

from __future__ import annotations

import threading

from sqlglot import exp


class SqlNames:
    def __init__(self) -> None:
        self._sql: dict[str, str] = {}          # spelling -> SQL name, for every registered spelling
        self._groups: dict[str, list[str]] = {}  # casefolded name -> its registered spellings, in order
        self._lock = threading.Lock()

    def register(self, name: str) -> str:
        """The SQL name of `name`, fixed from now on (view columns are registered this way)."""
        with self._lock:
            found = self._sql.get(name)
            if found is not None:
                return found
            group = self._groups.setdefault(name.casefold(), [])
            sql = name if not group else self._fresh(name, len(group))
            group.append(name)
            self._sql[name] = sql
            return sql

    def _fresh(self, name: str, n: int) -> str:
        taken = {s.casefold() for s in self._sql.values()}
        while f"{name}~{n}".casefold() in taken:
            n += 1
        return f"{name}~{n}"

    def apply(self, tree: exp.Expression) -> exp.Expression:
        """Rename, in place, the identifiers of a compiled tree whose spelling clashes with another one's.

        Table names (views and CTEs) are left alone: they are not columns and never clash with each other.
        Within a clash, a spelling a view registered keeps its fixed name; among the others the all-lowercase
        spelling (SQL's own names: `range`, lambda and template aliases) keeps the plain name."""
        identifiers = [node for node in tree.find_all(exp.Identifier) if not isinstance(node.parent, exp.Table)]
        spellings: dict[str, dict[str, None]] = {}
        for node in identifiers:
            spellings.setdefault(node.this.casefold(), {})[node.this] = None
        with self._lock:
            renames: dict[str, str] = {}
            for folded, names in spellings.items():
                known = self._groups.get(folded, [])
                if len(names) == 1 and not known:
                    continue  # no other spelling anywhere: the name is its own SQL name
                renames.update(self._resolve(list(names)))
        if renames:
            for node in identifiers:
                new = renames.get(node.this)
                if new is not None and new != node.this:
                    node.set("this", new)
                    node.set("quoted", True)
        return tree

    def _resolve(self, names: list[str]) -> dict[str, str]:
        """SQL names for spellings of one name: a registered spelling keeps its fixed one (`LogonID~1` in a
        view), the others get names no other spelling has."""
        result = {name: self._sql[name] for name in names if name in self._sql}
        taken = {sql.casefold() for sql in self._sql.values()} | {sql.casefold() for sql in result.values()}
        # the all-lowercase spelling first: SQL's own names keep theirs
        for name in sorted((n for n in names if n not in self._sql), key=lambda n: n != n.lower()):
            sql, n = name, 0
            while sql.casefold() in taken:
                n += 1
                sql = f"{name}~{n}"
            result[name] = sql
            taken.add(sql.casefold())
        return result
