"""The EVTX reader tells a record's kind (provider and event id) from the start of its JSON text, remembering
the kinds met by that text: every record must get the kind the regular expression over its whole text gives,
whatever the order, the event id's form or the System element's layout."""

from __future__ import annotations

import itertools
import json

from kqlite.ingest import evtx_reader
from kqlite.ingest.evtx_reader import EvtxPart, _read_records

XMLNS = {"xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"}


def record(record_id: int, provider: str, event_id: object, *, xmlns: dict | None = None,
           event_id_first: bool = False) -> dict:
    system = {"Provider": {"#attributes": {"Name": provider}}, "EventID": event_id, "EventRecordID": record_id}
    if event_id_first:
        system = {"EventID": event_id, "Provider": system["Provider"], "EventRecordID": record_id}
    event = {"Event": {"#attributes": xmlns or XMLNS, "System": system, "EventData": {"Field": record_id}}}
    return {"event_record_id": record_id, "data": json.dumps(event, separators=(",", ":"))}


def kinds_read(records: list[dict], mapped: frozenset[tuple[str, int]]) -> tuple[list[int], dict[str, int]]:
    """The record ids kept (some table takes them) and the unmapped counts, as the reader gives them."""
    part = EvtxPart()
    _read_records(part, iter(records), mapped, 0, "f.evtx", None)
    kept = [json.loads(text)["Event"]["System"]["EventRecordID"] for text in _texts(part)]
    return kept, dict(part.unmapped)


def _texts(part: EvtxPart) -> list[str]:
    data, offsets = part.raws.data, part.raws.offsets
    return [data[offsets[i]:offsets[i + 1]].decode() for i in range(len(offsets) - 1)]


def kinds_by_regex(records: list[dict], mapped: frozenset[tuple[str, int]]) -> tuple[list[int], dict[str, int]]:
    """What the regular expression over each record's whole text says, record by record."""
    kept, unmapped = [], {}
    for item in records:
        kind = evtx_reader._kind(evtx_reader._KIND.search(item["data"], 0, evtx_reader._HEAD), mapped)
        if kind is None:
            kept.append(item["event_record_id"])
        else:
            unmapped[kind] = unmapped.get(kind, 0) + 1
    return kept, unmapped


def test_every_record_gets_the_kind_its_whole_text_gives_in_any_order():
    # a set of its own: the reader's memo of kinds is per mapped set
    mapped = frozenset({("Microsoft-Windows-Sysmon", 1), ("Microsoft-Windows-Security-Auditing", 4624),
                        ("Service Control Manager", 7045)})
    shapes = [
        ("Microsoft-Windows-Sysmon", 1, {}),
        ("Microsoft-Windows-Sysmon", 3, {}),  # same provider, another event: not taken
        ("Microsoft-Windows-Security-Auditing", 4624, {}),
        ("Microsoft-Windows-Security-Auditing", 5145, {}),
        ("Service Control Manager", {"#attributes": {"Qualifiers": 16384}, "#text": 7045}, {}),  # taken
        ("Service Control Manager", {"#attributes": {"Qualifiers": 16384}, "#text": 7036}, {}),
        ("Microsoft-Windows-Sysmon", 1, {"xmlns": "urn:other"}),  # another text before the provider
        ("Microsoft-Windows-Sysmon", 3, {"event_id_first": True}),  # the event id before the provider
        ("Microsoft-Windows-Sysmon", 1, {"event_id_first": True}),
        ("Microsoft-Windows-Sysmon", 13, {"event_id_first": True}),
    ]
    records = [record(index, provider, event_id, xmlns={"xmlns": options["xmlns"]} if "xmlns" in options else None,
                      event_id_first=options.get("event_id_first", False))
               for index, (provider, event_id, options) in enumerate(shapes * 3, start=1)]
    for order in (records, records[::-1], list(itertools.chain(records[1::2], records[::2]))):
        assert kinds_read(order, mapped) == kinds_by_regex(order, mapped)
    kept, unmapped = kinds_read(records, mapped)
    # kept: Sysmon 1 (two layouts), Security 4624, SCM 7045 (its event id with attributes), and the three whose
    # event id comes before the provider, which the reader cannot tell: the staging tells them
    assert len(kept) == 3 * 7
    assert unmapped == {"Microsoft-Windows-Sysmon 3": 3, "Microsoft-Windows-Security-Auditing 5145": 3,
                        "Service Control Manager 7036": 3}


def test_the_record_count_is_every_record_read():
    mapped = frozenset({("Microsoft-Windows-Sysmon", 1)})
    part = EvtxPart()
    records = [record(i, "Microsoft-Windows-Sysmon", 1 + i % 2) for i in range(1, 8)]
    _read_records(part, iter(records), mapped, 0, "f.evtx", None)
    assert (part.records, len(part.raws), sum(part.unmapped.values())) == (7, 3, 4)
    assert list(part.ids) == list(range(1, 8))


def test_runs_of_one_kind_and_event_ids_that_extend_another():
    """The reader takes a record that starts like the one before it, up to the end of its event id, for the same
    kind: an event id that extends the last one (1 then 13, 514 then 5145, 7045 then 70450, in either form) must
    not pass for it, in runs or alternating."""
    mapped = frozenset({("Microsoft-Windows-Sysmon", 1), ("Microsoft-Windows-Security-Auditing", 514),
                        ("Service Control Manager", 7045)})
    qualified = {"#attributes": {"Qualifiers": 16384}}
    shapes = [("Microsoft-Windows-Sysmon", 1), ("Microsoft-Windows-Sysmon", 13), ("Microsoft-Windows-Sysmon", 1),
              ("Microsoft-Windows-Security-Auditing", 514), ("Microsoft-Windows-Security-Auditing", 5145),
              ("Service Control Manager", {**qualified, "#text": 7045}),
              ("Service Control Manager", {**qualified, "#text": 70450}),
              ("Service Control Manager", 7045), ("Service Control Manager", 70450)]
    runs = [record(index, provider, event_id) for index, (provider, event_id) in
            enumerate((shape for shape in shapes for _ in range(3)), start=1)]
    alternating = [record(index, provider, event_id) for index, (provider, event_id) in enumerate(shapes * 3, start=1)]
    for records in (runs, alternating, runs[::-1]):
        assert kinds_read(records, mapped) == kinds_by_regex(records, mapped)
    kept, unmapped = kinds_read(runs, mapped)
    assert len(kept) == 3 * 5
    assert unmapped == {"Microsoft-Windows-Sysmon 13": 3, "Microsoft-Windows-Security-Auditing 5145": 3,
                        "Service Control Manager 70450": 6}
