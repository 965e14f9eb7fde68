"""Detection rules as files: a `.kql` query with a metadata header, loaded from the package and from folders
the user adds.

    // id: kqlite.dcom.hardened-seed
    // title: DCOM server child process after a remote connection (hardened)
    // description: ...
    // author: kqlite
    // date: 2026-12-06
    // attack: T1021.003
    // severity: high                      (or `severity_column: Severity`: a column naming it per row)
    // references: https://...
    // falsepositives: ...

    DeviceNetworkEvents
    | ...

A rule whose query must stay byte-for-byte as published (the seed, compared with Defender) keeps its
metadata in a `<name>.meta` file of the same `key: value` lines beside it. The tables and operators a rule
uses are not written down: the parser derives them, as the Defender portal lists them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from kqlite.errors import KqlError

SEVERITIES = ("informational", "low", "medium", "high")
KEYS = ("id", "title", "description", "author", "date", "attack", "severity", "severity_column", "references",
        "falsepositives", "original")
_HEADER_LINE = re.compile(r"^//\s*([A-Za-z_]+)\s*:\s*(.*?)\s*$")
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


class RuleError(KqlError):
    """A rule file that cannot be used (the message names the file and what to fix)."""


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    query: str
    path: str
    description: str = ""
    author: str = ""
    date: str = ""
    attack: tuple[str, ...] = ()
    severity: str | None = None
    severity_column: str | None = None
    references: tuple[str, ...] = ()
    falsepositives: str = ""
    original: bool = False  # the published query, kept verbatim
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    def highest_severity(self) -> str:
        """The rule's severity, or for a per-row severity the highest a row can have."""
        return self.severity or "high"


def parse_rule(text: str, path: str, meta: str | None = None) -> Rule:
    """A rule from its file's text; with `meta` (its `.meta` file's text) the whole text is the query."""
    if meta is None:
        fields, query = _split_header(text)
    else:
        fields, rest = _split_header(meta)
        if rest.strip():
            raise RuleError(f"{path}: its .meta file may hold only '// key: value' lines")
        query = text
    missing = [key for key in ("id", "title") if not fields.get(key)]
    if missing:
        raise RuleError(f"{path}: the rule header has no {' or '.join(missing)} (a '// {missing[0]}: ...' line)")
    if not _ID.match(fields["id"]):
        raise RuleError(f"{path}: rule id {fields['id']!r}: use lower-case letters, digits, '.', '-', '_'")
    severity = fields.get("severity", "").lower() or None
    if severity is not None and severity not in SEVERITIES:
        raise RuleError(f"{path}: severity {severity!r}: use one of {', '.join(SEVERITIES)}")
    if severity is None and not fields.get("severity_column"):
        raise RuleError(f"{path}: give the rule a '// severity: ...' or a '// severity_column: ...' line")
    if not query.strip():
        raise RuleError(f"{path}: the rule has no query after its header")
    return Rule(
        id=fields["id"], title=fields["title"], query=query, path=path, description=fields.get("description", ""),
        author=fields.get("author", ""), date=fields.get("date", ""), attack=_list(fields.get("attack", "")),
        severity=severity, severity_column=fields.get("severity_column") or None,
        references=_list(fields.get("references", "")), falsepositives=fields.get("falsepositives", ""),
        original=fields.get("original", "").lower() in ("true", "yes", "1"),
        extra={k: v for k, v in fields.items() if k not in KEYS})


def _split_header(text: str) -> tuple[dict[str, str], str]:
    """The `// key: value` lines at the top, and the query after them."""
    lines = text.splitlines(keepends=True)
    fields: dict[str, str] = {}
    index = 0
    while index < len(lines):
        match = _HEADER_LINE.match(lines[index].strip())
        if not match or match.group(1).lower() not in KEYS:
            break
        fields[match.group(1).lower()] = match.group(2)
        index += 1
    return fields, "".join(lines[index:]).lstrip("\n")


def _list(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


def load_rules(folders: list[str | Path] | None = None) -> list[Rule]:
    """The package's rules, then those of `folders` (each `.kql` file, recursively), in path order. Two rules
    with one id are an error naming both files."""
    rules: list[Rule] = []
    package = resources.files("kqlite.rules")
    for entry in sorted(package.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".kql"):
            meta = package / (entry.name[:-4] + ".meta")
            rules.append(parse_rule(entry.read_text(encoding="utf-8"), f"kqlite/rules/{entry.name}",
                                    meta.read_text(encoding="utf-8") if meta.is_file() else None))
    for folder in folders or []:
        root = Path(folder)
        if not root.is_dir():
            raise RuleError(f"{root}: not a folder of .kql rules")
        for path in sorted(root.rglob("*.kql")):
            meta_path = path.with_suffix(".meta")
            meta = meta_path.read_text(encoding="utf-8") if meta_path.is_file() else None
            rules.append(parse_rule(path.read_text(encoding="utf-8"), str(path), meta))
    seen: dict[str, Rule] = {}
    for rule in rules:
        if rule.id in seen:
            raise RuleError(f"rule id {rule.id!r} is used by {seen[rule.id].path} and {rule.path}: ids must differ")
        seen[rule.id] = rule
    return rules


def select_rules(rules: list[Rule], ids: list[str] | None = None, min_severity: str | None = None) -> list[Rule]:
    """The rules asked for by id (all when none is), whose severity can reach `min_severity`."""
    if ids:
        known = {rule.id: rule for rule in rules}
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise RuleError(f"no rule {', '.join(repr(u) for u in unknown)}; 'kqlite rules' lists them")
        rules = [known[i] for i in ids]
    if min_severity:
        floor = SEVERITIES.index(min_severity)
        rules = [rule for rule in rules if SEVERITIES.index(rule.highest_severity()) >= floor]
    return rules


def row_severity(rule: Rule, value: object) -> str:
    """The severity of one alert: the rule's, or its severity column's value (an unknown value reads as the
    highest, so that it is never hidden by --min-severity)."""
    if rule.severity_column is None:
        return rule.severity or "high"
    text = str(value or "").lower()
    return text if text in SEVERITIES else "high"
