"""The SQL the Sysmon -> Defender mapping (``sysmon_map``) becomes: staging, the events view, the process
catalogue and one SELECT per target table, each fragment parsed and printed by SQLGlot (fixed code: no value
is ever pasted into SQL). Built once per change of the mapping; ``sysmon_map.mapping_sql`` keeps the text."""

from __future__ import annotations

from functools import cache
from typing import Any

import orjson
import sqlglot
from sqlglot import exp

from kqlite.ingest.sysmon_map import (
    EVENT_FIELDS,
    IP_FIELDS,
    LOGON_TYPES,
    MACROS,
    REJECT_FILE,
    REJECT_POSITION,
    REJECT_VALUE,
    SOURCE_IS_LOCAL,
    SYSMON,
    TABLE_MAPS,
    TableMap,
)
from kqlite.schemas import table_schema


def ident(name: str) -> exp.Identifier:
    """A quoted identifier (kqlite.compile.scope's, not imported from there: importing kqlite.compile loads the
    whole compiler, which ingest does not need)."""
    return exp.to_identifier(name, quoted=True)


def _parse(fragment: str) -> exp.Expression:
    return sqlglot.parse_one(fragment, read="duckdb")


@cache
def macro_statements() -> tuple[str, ...]:
    """CREATE MACRO statements for the helpers above (fixed code, parsed and printed by SQLGlot)."""
    statements = []
    for name, (params, body) in MACROS.items():
        # not TEMP: the mapping's queries run on several cursors (see _table)
        statements.append(f"CREATE OR REPLACE MACRO {name}({', '.join(params)}) AS {_parse(body).sql('duckdb')}")
    return tuple(statements)


_EVTX_COLUMNS = (("file_id", "INTEGER"), ("position", "VARCHAR"), ("provider", "VARCHAR"), ("channel", "VARCHAR"),
                 ("event_id", "BIGINT"), ("computer", "VARCHAR"), ("record_id", "BIGINT"), ("time_created", "VARCHAR"))


@cache
def evtx_events_table_sql() -> str:
    """The table of parsed EVTX events: the System fields, then every EventData field as text."""
    columns = [*_EVTX_COLUMNS, *((name, "VARCHAR") for name in EVENT_FIELDS)]
    schema = exp.Schema(this=exp.to_table("_kq_evtx_events"), expressions=[
        exp.ColumnDef(this=ident(name), kind=exp.DataType.build(kind)) for name, kind in columns])
    return exp.Create(this=schema, kind="TABLE", exists=True).sql("duckdb")


@cache
def evtx_events_insert_sql() -> str:
    """Parse the records of a staging batch (_kq_batch) into _kq_evtx_events, each JSON text once."""
    structure = orjson.dumps({"Event": {
        "System": {"Provider": {"#attributes": {"Name": "VARCHAR"}}, "EventID": "JSON", "EventRecordID": "BIGINT",
                   "Channel": "VARCHAR", "Computer": "VARCHAR", "TimeCreated": {"#attributes": {"SystemTime": "VARCHAR"}}},
        "EventData": dict.fromkeys(EVENT_FIELDS, "VARCHAR")}}).decode()
    select = _parse("""
        SELECT file_id, 'record ' || coalesce(CAST(e.Event.System.EventRecordID AS VARCHAR), '?') AS position,
               e.Event.System.Provider."#attributes".Name AS provider, e.Event.System.Channel AS channel,
               TRY_CAST(coalesce(json_extract_string(e.Event.System.EventID, '$."#text"'),
                                 json_extract_string(e.Event.System.EventID, '$')) AS BIGINT) AS event_id,
               e.Event.System.Computer AS computer, e.Event.System.EventRecordID AS record_id,
               e.Event.System.TimeCreated."#attributes".SystemTime AS time_created,
               unnest(e.Event.EventData)
        FROM (SELECT file_id, json_transform(raw, :structure) AS e FROM _kq_batch)""")
    select = select.transform(lambda node: exp.Literal.string(structure) if isinstance(node, exp.Placeholder) else node)
    return exp.Insert(this=exp.to_table("_kq_evtx_events"), expression=select, by_name=True).sql("duckdb")


@cache
def events_view_sql() -> str:
    """All staged events (parsed EVTX records and the other readers' rows) with their EventData fields as text
    columns; the same record staged twice (same computer, channel, event and record id) is kept once."""
    fields = orjson.dumps(dict.fromkeys(EVENT_FIELDS, "VARCHAR")).decode()
    evtx = _parse("SELECT f.name AS file, e.* EXCLUDE (file_id) FROM _kq_evtx_events e JOIN _kq_files f USING (file_id)")
    others = _parse("""
        SELECT file, position, provider, channel, event_id, computer, record_id, time_created,
               unnest(json_transform(data, :fields))
        FROM _kq_events""")
    others = others.transform(lambda node: exp.Literal.string(fields) if isinstance(node, exp.Placeholder) else node)
    staged = exp.union(evtx, others, distinct=False)
    logon_names = exp.Case(this=_parse("kq_int(s.LogonType)"), ifs=[
        exp.If(this=exp.Literal.number(number), true=exp.Literal.string(name)) for number, name in LOGON_TYPES.items()])
    # addresses in their canonical form (_kq_ip6: the IPv6 ones, canonicalized by kqlite.ingest.addresses)
    canonical = ", ".join(f"coalesce(ip{n}.canonical, s.{name}) AS {name}" for n, name in enumerate(IP_FIELDS))
    joins = " ".join(f"LEFT JOIN {IPV6_TABLE} ip{n} ON ip{n}.ip = s.{name}" for n, name in enumerate(IP_FIELDS))
    select = _parse(f"""
        SELECT s.* REPLACE ({canonical}), lower(s.computer) AS device, :names AS logon_type_name
        FROM :staged s {joins}
        QUALIFY s.record_id IS NULL
             OR row_number() OVER (PARTITION BY s.computer, s.channel, s.event_id, s.record_id ORDER BY s.file) = 1""")
    select = select.transform(lambda node: (logon_names if node.name == "names" else exp.Subquery(this=staged))
                              if isinstance(node, exp.Placeholder) else node)
    return _table("_kq_ev", select)


IPV6_TABLE = "_kq_ip6"


def ipv6_table_sql() -> str:
    return _parse(f"CREATE OR REPLACE TABLE {IPV6_TABLE} (ip VARCHAR, canonical VARCHAR)").sql("duckdb")


def ipv6_insert_sql() -> str:
    return _parse(f"INSERT INTO {IPV6_TABLE} (ip, canonical) VALUES (?, ?)").sql("duckdb")


def ipv6_texts_sql() -> str:
    """The distinct texts of the address fields of the staged events that may be IPv6 addresses."""
    legs = [f"SELECT {name} AS ip FROM _kq_evtx_events" for name in IP_FIELDS]
    legs += [f"SELECT json_extract_string(data, '$.{name}') AS ip FROM _kq_events" for name in IP_FIELDS]
    return _parse(f"SELECT DISTINCT ip FROM ({' UNION ALL '.join(legs)}) WHERE contains(ip, ':')").sql("duckdb")


def _mapped_condition() -> str:
    return " OR ".join(f"({mapping.source})" for mapping in TABLE_MAPS)


@cache
def staged_counts_sql() -> str:
    """(file, events staged, events kept) of every file with staged events: the difference is the events
    already read from another file (same computer, channel, event and record id)."""
    return _parse("""
        SELECT f.file, f.staged, coalesce(k.kept, 0) FROM (
            SELECT file, count(*) AS staged FROM (
                SELECT f.name AS file FROM _kq_evtx_events e JOIN _kq_files f USING (file_id)
                UNION ALL SELECT file FROM _kq_events) GROUP BY file) f
        LEFT JOIN (SELECT file, count(*) AS kept FROM _kq_ev GROUP BY file) k USING (file)""").sql("duckdb")


@cache
def unmapped_staged_sql() -> str:
    """(file, kind, count) of the staged events no table takes."""
    return _parse(f"""
        SELECT e.file, coalesce(e.provider, '?') || ' ' || coalesce(CAST(e.event_id AS VARCHAR), '?'), count(*)
        FROM _kq_ev e WHERE NOT coalesce({_mapped_condition()}, false) GROUP BY ALL""").sql("duckdb")


@cache
def catalogue_sql() -> tuple[str, ...]:
    """The process catalogue (every process creation) and each device's own addresses."""
    procs = _parse(f"""
        SELECT e.device, kq_guid(e.ProcessGuid) AS guid,
               coalesce(kq_int(e.ProcessId), child.pid) AS pid, e.Image AS image, e.CommandLine AS command_line,
               kq_time(e.UtcTime) AS created, e.User AS user_name, e.Hashes AS hashes, e.IntegrityLevel AS integrity_level,
               kq_int(e.LogonId) AS logon_id, e.Company AS company, e.Product AS product, e.FileVersion AS file_version,
               e.OriginalFileName AS original_file_name, e.Description AS description,
               kq_guid(e.ParentProcessGuid) AS parent_guid, kq_int(e.ParentProcessId) AS parent_pid,
               e.ParentImage AS parent_image
        FROM _kq_ev e
        LEFT JOIN (SELECT device, kq_guid(ParentProcessGuid) AS guid, max(kq_int(ParentProcessId)) AS pid
                   FROM _kq_ev WHERE provider = 'Microsoft-Windows-Sysmon' AND event_id = 1 GROUP BY ALL) child
               ON child.device = e.device AND child.guid = kq_guid(e.ProcessGuid)
        WHERE {SYSMON} AND e.event_id = 1 AND kq_guid(e.ProcessGuid) IS NOT NULL
        QUALIFY row_number() OVER (PARTITION BY e.device, kq_guid(e.ProcessGuid) ORDER BY e.record_id) = 1
    """)
    host_ips = _parse(f"""
        SELECT DISTINCT e.device, e.SourceIp AS ip FROM _kq_ev e
        WHERE {SYSMON} AND e.event_id = 3 AND lower(e.Initiated) = 'true'
          AND kq_iptype(e.SourceIp) NOT IN ('Loopback', '', 'Reserved')
    """)
    return (_table("_kq_procs", procs), _table("_kq_host_ips", host_ips))




@cache
def table_select(mapping: TableMap) -> str:
    """SQL of one target table: rows shaped to its schema, then three columns naming each row's origin."""
    schema = table_schema(mapping.table) or []
    projections = []
    for column, kql_type in schema:
        if column == "Timestamp":
            value = _parse(f"kq_time({mapping.timestamp})")
        elif column == "AdditionalFields" and mapping.extra:
            pairs = ", ".join(f"'{key}', {fragment}" for key, fragment in mapping.extra.items())
            value = _parse(f"CAST(json_object({pairs}) AS VARCHAR)")
        elif column in mapping.columns:
            value = _parse(mapping.columns[column])
        else:
            value = exp.Literal.string("") if kql_type == "string" else exp.Null()
        projections.append(exp.alias_(value, ident(column)))
    source_is_local = f", {SOURCE_IS_LOCAL} AS source_is_local" if mapping.table == "DeviceNetworkEvents" else ""
    # e: the events; p: the catalogue entry of the process the event is about (for a process creation, the
    # parent), pp: p's parent; own: the event's own process (fills a missing ProcessId)
    joined = _parse(f"""
        SELECT * FROM (SELECT e.*{source_is_local} FROM _kq_ev e WHERE {mapping.source}) e
        LEFT JOIN _kq_procs p ON p.device = e.device AND p.guid = kq_guid({mapping.process_key})
        LEFT JOIN _kq_procs pp ON pp.device = p.device AND pp.guid = p.parent_guid
        LEFT JOIN _kq_procs own ON own.device = e.device AND own.guid = kq_guid(e.ProcessGuid)""")
    # where each row came from: the caller sets aside the rows whose time is unreadable (Timestamp null)
    origin = [exp.alias_(_parse("e.file"), REJECT_FILE), exp.alias_(_parse("e.position"), REJECT_POSITION),
              exp.alias_(_parse(f"coalesce({mapping.timestamp}, '')"), REJECT_VALUE)]
    # rows in log order (file, then record number): a table's order is part of its meaning in Kusto
    # (innerunique keeps the first row of each key), and a join's output order would vary run to run
    order = [_parse("e.file"), _parse("e.record_id"), _parse("e.position")]
    return joined.select(*projections, *origin, append=False).order_by(*order).sql("duckdb")


def _table(name: str, select: exp.Expression) -> str:
    """A table of the run's private in-memory database; not TEMP, so that the mapping's queries can run on
    several cursors at once (a TEMP object is seen by its own connection only)."""
    return exp.Create(this=exp.Table(this=ident(name)), kind="TABLE", expression=select, replace=True).sql("duckdb")


def build_mapping_sql() -> dict[str, Any]:
    return {"create": evtx_events_table_sql(), "insert": evtx_events_insert_sql(), "macros": list(macro_statements()),
            "ipv6_table": ipv6_table_sql(), "ipv6_texts": ipv6_texts_sql(), "ipv6_insert": ipv6_insert_sql(), "view": events_view_sql(), "catalogue": list(catalogue_sql()), "counts": staged_counts_sql(),
            "unmapped": unmapped_staged_sql(), "tables": [table_select(mapping) for mapping in TABLE_MAPS]}
