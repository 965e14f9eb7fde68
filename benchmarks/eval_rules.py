"""Evaluate the DCOM detection pack (every rule file of src/kqlite/rules/) on real and generated telemetry.

    python benchmarks/eval_rules.py                       # shared recordings + generated data, seeds 1 2 3
    python benchmarks/eval_rules.py --seeds 1 --devices 10 --hours 2
    python benchmarks/eval_rules.py --skip-recordings     # generated data only
    python benchmarks/eval_rules.py --oracle              # also check every rule with the Kusto analyzer
    python benchmarks/eval_rules.py --skip-recordings --seeds 1 --target-rows 1000000   # dense background

What it prints
1. Per recording of ../shared/datasets (evtx-attack-samples/**/*.evtx, security-datasets/*.zip), each
   loaded on its own connection: which rules alerted, how many rows at which severity, and whether that is
   what the recording calls for (DCOM recordings must alert, the others must stay below medium).
2. Per rule and for the pack on generated data (`kqlite.generate`, all scenarios, fixed seeds, one
   temporary folder per seed): TP / FP / FN by scenario instance, precision and recall, at two thresholds
   (any severity, and medium or higher), then a scenario x rule table of the highest severity raised.

Matching an alert to a scenario instance (docs/generate.md): ReportIds are unique per device across the
five tables, so an alert whose (DeviceName, ReportId) -- or any other *ReportId column of the row -- is
one of an instance's `report_ids` (or of its `other_devices`: the managed source host) belongs to that instance. An alert that names no labelled row is matched
by device and time: the instance on the same device whose [start - 10 s, end + 10 min] holds the alert's
Timestamp (the nearest start wins). Anything else is an alert on unlabelled background.

Scoring: the recall denominator is the executed DCOM attacks (technique T1021.003, malicious, not the
failed attempts A16*). A15 (WMI, T1047) and A16* are reported per scenario but count neither as TP nor FP.
FP = benign labelled instances (B*) that raised an alert at the threshold, plus distinct alert rows on
unlabelled background. The seed rule (the published query, `original: true` in its .meta file) is shown as a
baseline and is not in the pack.

Rule files: `// key: value` header lines (id, title, severity or severity_column, ...), a blank line, the
query. The script parses the header itself (the rule loader of the package may not exist yet).
"""

from __future__ import annotations

import argparse
import glob
import json
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import kqlite
from kqlite.generate import generate

ROOT = Path(__file__).resolve().parents[1]
RULES_DIR = ROOT / "src" / "kqlite" / "rules"
SHARED = ROOT.parent / "shared"
DATASETS = SHARED / "datasets"
ORACLE = SHARED / "tools" / "kusto-oracle"
TABLES = ["DeviceProcessEvents", "DeviceNetworkEvents", "DeviceImageLoadEvents", "DeviceLogonEvents",
          "DeviceFileEvents"]
SEVERITIES = ["informational", "low", "medium", "high"]
RANK = {s: i for i, s in enumerate(SEVERITIES)}
UNRATED = "unrated"
# Recordings that hold a DCOM lateral movement the pack must alert on (and which rule must).
DCOM_RECORDINGS = {
    "LM_impacket_docmexec_mmc_sysmon_01.evtx": ("kqlite.dcom.hardened-seed", "high"),
    "LM_sysmon_3_DCOM_ShellBrowserWindow_ShellWindows.evtx": ("kqlite.dcom.explorer-inbound", "informational"),
    "LM_DCOM_MSHTA_LethalHTA_Sysmon_3_1.evtx": ("kqlite.dcom.silent-server", "informational"),
}
WINDOW_BEFORE = timedelta(seconds=10)
WINDOW_AFTER = timedelta(minutes=10)


# --------------------------------------------------------------------------------------------- rules
@dataclass
class Rule:
    path: Path
    meta: dict
    text: str

    @property
    def id(self) -> str:
        return self.meta.get("id") or f"seed:{self.path.stem}"

    @property
    def is_seed(self) -> bool:
        """The published seed query (kept verbatim, metadata in a .meta file or none): a baseline, not in the pack."""
        return "id" not in self.meta or self.meta.get("original", "").lower() in ("true", "yes", "1")

    def severities(self, columns: list[str], rows: list[tuple]) -> list[str]:
        if "severity_column" in self.meta:
            i = columns.index(self.meta["severity_column"])
            return [str(r[i]).lower() for r in rows]
        sev = self.meta.get("severity", UNRATED).lower()
        return [sev] * len(rows)


HEADER = re.compile(r"^//\s*([a-z_]+)\s*:\s*(.*?)\s*$")


def parse_rule(path: Path) -> Rule:
    text = path.read_text(encoding="utf-8")
    meta_file = path.with_suffix(".meta")   # a verbatim query keeps its metadata beside it
    header = meta_file.read_text(encoding="utf-8") if meta_file.is_file() else text
    meta: dict[str, str] = {}
    for line in header.splitlines():
        if not line.strip():
            break                      # the header ends at the first blank line
        m = HEADER.match(line)
        if not m:
            break                      # a comment that is not `// key: value` (the seed's), or the query
        meta[m.group(1)] = m.group(2)
    return Rule(path, meta, text)


def load_rules() -> list[Rule]:
    rules = [parse_rule(p) for p in sorted(RULES_DIR.glob("*.kql"))]
    rules.sort(key=lambda r: (not r.is_seed, r.id))
    ids = [r.id for r in rules]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        sys.exit(f"duplicate rule ids: {sorted(dup)}")
    for r in rules:
        if r.is_seed:
            continue
        missing = [k for k in ("id", "title", "description", "author", "date", "attack", "references",
                               "falsepositives") if k not in r.meta]
        if ("severity" in r.meta) == ("severity_column" in r.meta):
            missing.append("severity|severity_column (exactly one)")
        if missing:
            sys.exit(f"{r.path.name}: header lacks {missing}")
    return rules


@dataclass
class Alert:
    rule: str
    severity: str
    device: str
    timestamp: datetime
    report_ids: list[int]


def run_rule(con, rule: Rule) -> tuple[list[Alert], float, list[str]]:
    t0 = time.perf_counter()
    res = con.query(rule.text)
    elapsed = time.perf_counter() - t0
    cols, rows, types = res.columns, res.rows(), res.types
    problems = []
    for need, typ in (("Timestamp", "datetime"), ("DeviceName", "string"), ("ReportId", "long")):
        if need not in cols:
            problems.append(f"no {need} column")
        elif types[cols.index(need)] != typ:
            problems.append(f"{need} is {types[cols.index(need)]}")
    sev = rule.severities(cols, rows)
    bad = {s for s in sev if s not in RANK and s != UNRATED}
    if bad:
        problems.append(f"severity values {sorted(bad)}")
    rid_cols = [i for i, c in enumerate(cols) if c.endswith("ReportId")]
    ti, di = cols.index("Timestamp"), cols.index("DeviceName")
    alerts = []
    for row, s in zip(rows, sev, strict=True):
        rids = [int(row[i]) for i in rid_cols if row[i] is not None]
        alerts.append(Alert(rule.id, s, row[di], row[ti], rids))
    return alerts, elapsed, problems


def at_least(sev: str, threshold: str) -> bool:
    if threshold == "any":
        return True
    return sev != UNRATED and RANK[sev] >= RANK[threshold]


def sev_summary(alerts: list[Alert]) -> str:
    counts = defaultdict(int)
    for a in alerts:
        counts[a.severity] += 1
    order = [s for s in reversed(SEVERITIES) if s in counts] + ([UNRATED] if UNRATED in counts else [])
    return ", ".join(f"{counts[s]} {s}" for s in order)


def table(headers: list[str], rows: list[list], align: str | None = None) -> str:
    cells = [[str(c) for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    align = align or "l" + "r" * (len(headers) - 1)
    def fmt(r):
        return "| " + " | ".join(c.ljust(w) if a == "l" else c.rjust(w)
                                 for c, w, a in zip(r, widths, align, strict=True)) + " |"
    sep = "|" + "|".join(("-" * (w + 1) + ":" if a == "r" else "-" * (w + 2))
                         for w, a in zip(widths, align, strict=True)) + "|"
    return "\n".join([fmt(headers), sep, *(fmt(r) for r in cells)])


# ------------------------------------------------------------------------------------------ oracle
def oracle_check(rules: list[Rule]) -> bool:
    exe = ORACLE / "kusto-oracle"
    if not exe.exists():
        print("kusto oracle not found, skipped")
        return True
    inp = "".join(json.dumps({"id": r.id, "query": r.text}) + "\n" for r in rules)
    out = subprocess.run([str(exe), str(SHARED / "schemas" / "defender"), str(ORACLE / "defender_functions.json")],
                         input=inp, capture_output=True, text=True, check=False)
    ok = True
    empty = kqlite.connect()
    print("\n## Kusto analyzer (oracle) check\n")
    rows = []
    for line in out.stdout.splitlines():
        d = json.loads(line)
        rule = next(r for r in rules if r.id == d["id"])
        res = empty.query(rule.text)
        ours = list(zip(res.columns, res.types, strict=True))
        theirs = [tuple(c) for c in d["columns"]]
        same = ours == theirs
        ok &= not d["errors"] and same
        rows.append([d["id"], "accepted" if not d["errors"] else f"errors: {d['errors'][:2]}",
                     "same" if same else f"differ: {set(ours) ^ set(theirs)}"])
    print(table(["rule", "Kusto analyzer", "output columns vs kqlite"], rows, "lll"))
    return ok


# ------------------------------------------------------------------------------------- recordings
def recordings() -> list[Path]:
    files = sorted(glob.glob(str(DATASETS / "evtx-attack-samples" / "**" / "*.evtx"), recursive=True))
    files += sorted(glob.glob(str(DATASETS / "security-datasets" / "*.zip")))
    return [Path(f) for f in files]


def eval_recordings(rules: list[Rule]) -> bool:
    files = recordings()
    if not files:
        print("no recordings under", DATASETS)
        return True
    print(f"\n## 1. Shared recordings ({len(files)} files, one connection each)\n")
    rows, ok_all, problems = [], True, set()
    for f in files:
        con = kqlite.connect(evidence=[str(f)])
        fired = []
        max_pack = None
        per_rule: dict[str, list[Alert]] = {}
        for r in rules:
            alerts, _, probs = run_rule(con, r)
            problems.update(f"{r.id}: {p}" for p in probs if alerts)
            if alerts:
                per_rule[r.id] = alerts
                fired.append(f"{r.id.removeprefix('kqlite.dcom.')}: {sev_summary(alerts)}")
                if not r.is_seed:
                    top = max((a.severity for a in alerts), key=lambda s: RANK.get(s, -1))
                    max_pack = top if max_pack is None or RANK[top] > RANK[max_pack] else max_pack
        expect = DCOM_RECORDINGS.get(f.name)
        if expect:
            rid, floor = expect
            got = per_rule.get(rid, [])
            ok = any(at_least(a.severity, floor) for a in got)
            want = f"alert from {rid.removeprefix('kqlite.dcom.')}" + (f" ({floor})" if floor != "informational" else "")
        else:
            ok = max_pack is None or RANK[max_pack] < RANK["medium"]
            want = "no medium/high"
        ok_all &= ok
        rows.append([f.name, want, "; ".join(fired) or "-", "ok" if ok else "FAIL"])
    print(table(["recording", "expected", "alerts (rule: rows by severity)", "verdict"], rows, "llll"))
    for p in sorted(problems):
        print("output problem:", p)
    return ok_all and not problems


# -------------------------------------------------------------------------------------- generated
@dataclass
class Instance:
    key: str
    scenario_id: str
    technique: str
    malicious: bool
    device: str
    start: datetime
    end: datetime
    report_ids: set = field(default_factory=set)
    other_devices: dict = field(default_factory=dict)   # rows on another device (the managed source of A3/A16a)

    @property
    def in_scope(self) -> bool:      # executed DCOM attacks: the recall denominator
        return self.malicious and self.technique == "T1021.003" and not self.scenario_id.startswith("A16")

    @property
    def neutral(self) -> bool:       # malicious but not an executed DCOM attack (A15, A16*)
        return self.malicious and not self.in_scope


def parse_time(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def load_labels(path: Path, tag: str) -> list[Instance]:
    out = []
    for line in path.read_text().splitlines():
        d = json.loads(line)
        ids = {int(x) for v in d["report_ids"].values() for x in v}
        others = {o["device_name"]: {int(x) for v in o["report_ids"].values() for x in v}
                  for o in d.get("other_devices", [])}
        out.append(Instance(f"{tag}#{d['instance']}", d["scenario_id"], d["technique"], d["is_malicious"],
                            d["device_name"], parse_time(d["start"]), parse_time(d["end"]), ids, others))
    return out


def match(alert: Alert, by_device: dict[str, list[Instance]], all_insts: list[Instance]) -> Instance | None:
    cands = by_device.get(alert.device, [])
    for inst in cands:
        if any(r in inst.report_ids for r in alert.report_ids):
            return inst
    for inst in all_insts:                  # a row of the instance on another device (its managed source)
        ids = inst.other_devices.get(alert.device)
        if ids and any(r in ids for r in alert.report_ids):
            return inst
    ts = alert.timestamp
    near = [i for i in cands if i.start - WINDOW_BEFORE <= ts <= i.end + WINDOW_AFTER]
    if near:
        return min(near, key=lambda i: abs((ts - i.start).total_seconds()))
    return None


def eval_generated(rules: list[Rule], seeds: list[int], devices: int, hours: float,
                   target_rows: int | None = None) -> bool:
    dens = f" --target-rows {target_rows}" if target_rows else ""
    print(f"\n## 2. Generated data (kqlite.generate --devices {devices} --hours {hours:g}{dens} --scenarios all, "
          f"seeds {', '.join(map(str, seeds))})\n")
    instances: list[Instance] = []
    # alerts per rule: list of (alert, matched instance or None, seed tag)
    matched: dict[str, list[tuple[Alert, Instance | None, str]]] = defaultdict(list)
    timings: dict[str, float] = defaultdict(float)
    rows_total = 0
    for seed in seeds:
        with tempfile.TemporaryDirectory(prefix=f"kqlite-eval-{seed}-") as d:
            summary = generate(d, devices=devices, hours=hours, fmt="parquet", seed=seed, scenarios="all",
                               target_rows=target_rows)
            rows_total += sum(summary.rows.values())
            tag = f"s{seed}"
            insts = load_labels(Path(d) / "labels.jsonl", tag)
            instances += insts
            by_device = defaultdict(list)
            for i in insts:
                by_device[i.device].append(i)
            con = kqlite.connect(tables={t: str(Path(d) / f"{t}.parquet") for t in TABLES})
            for r in rules:
                alerts, el, probs = run_rule(con, r)
                if probs and alerts:
                    print(f"output problem: {r.id}: {probs}")
                timings[r.id] += el
                for a in alerts:
                    matched[r.id].append((a, match(a, by_device, insts), tag))
    n_scope = sum(i.in_scope for i in instances)
    print(f"{len(instances)} labelled instances ({n_scope} executed DCOM attacks, "
          f"{sum(i.neutral for i in instances)} WMI/failed attempts, "
          f"{sum(not i.malicious for i in instances)} benign traps); {rows_total:,} rows in all\n")

    pack = [r for r in rules if not r.is_seed]
    ok = True

    def score(rule_ids: list[str], threshold: str):
        tp_inst, fp_inst, bg = set(), set(), set()
        for rid in rule_ids:
            for a, inst, tag in matched[rid]:
                if not at_least(a.severity, threshold):
                    continue
                if inst is None:
                    bg.add((tag, a.device, tuple(a.report_ids)))
                elif inst.in_scope:
                    tp_inst.add(inst.key)
                elif not inst.malicious:
                    fp_inst.add(inst.key)
        tp, fp = len(tp_inst), len(fp_inst) + len(bg)
        fn = n_scope - tp
        prec = tp / (tp + fp) if tp + fp else float("nan")
        rec = tp / n_scope if n_scope else float("nan")
        return tp, len(fp_inst), len(bg), fn, prec, rec

    headers = ["rule", "alert rows", "TP", "FP (traps+bg)", "FN", "precision", "recall",
               "TP", "FP (traps+bg)", "FN", "precision", "recall", "query s"]
    rows = []
    for r in rules + [None]:
        ids = [r.id] if r else [p.id for p in pack]
        name = (r.id if r else "PACK (all kqlite.dcom.* rules)")
        nrows = sum(len(matched[i]) for i in ids)
        cells = [name, nrows]
        for thr in ("any", "medium"):
            if r is not None and r.is_seed and thr == "medium" and "severity" not in r.meta:
                cells += ["-", "-", "-", "-", "-"]
                continue
            tp, fpi, bg, fn, prec, rec = score(ids, thr)
            cells += [tp, f"{fpi + bg} ({fpi}+{bg})", fn, f"{prec:.2f}", f"{rec:.2f}"]
        cells.append(f"{sum(timings[i] for i in ids):.2f}")
        rows.append(cells)
    print("Columns 3-7: any severity; columns 8-12: medium or high. The seed (baseline, not in the pack) has one "
          "fixed severity for every row.\n")
    print(table(headers, rows, "lrrrrrrrrrrrr"))

    # scenario x rule: highest severity per scenario id (over its instances), and pack detection counts
    print("\nScenario x rule: highest severity raised on the scenario's instances "
          "(H high, M medium, L low, I informational, U unrated seed, . none); "
          "'pack' = instances detected by the pack at any severity / at medium+ / total.\n")
    short = {"informational": "I", "low": "L", "medium": "M", "high": "H", UNRATED: "U"}
    by_scen: dict[str, list[Instance]] = defaultdict(list)
    for i in instances:
        by_scen[i.scenario_id].append(i)
    best: dict[tuple[str, str], str] = {}
    det_any: dict[str, set] = defaultdict(set)
    det_med: dict[str, set] = defaultdict(set)
    for rid, lst in matched.items():
        is_pack = rid in {p.id for p in pack}
        for a, inst, _ in lst:
            if inst is None:
                continue
            k = (inst.scenario_id, rid)
            cur = best.get(k)
            if cur is None or RANK.get(a.severity, -1) > RANK.get(cur, -1):
                best[k] = a.severity
            if is_pack:
                det_any[inst.scenario_id].add(inst.key)
                if at_least(a.severity, "medium"):
                    det_med[inst.scenario_id].add(inst.key)
    abbrev = {r.id: (r.id.removeprefix("kqlite.dcom.") if not r.is_seed else "seed") for r in rules}
    def sort_key(s):
        m = re.match(r"([AB])(\d+)(.*)", s)
        return (m.group(1), int(m.group(2)), m.group(3)) if m else (s, 0, "")
    srows = []
    for sid in sorted(by_scen, key=sort_key):
        insts = by_scen[sid]
        kind = "attack" if insts[0].in_scope else ("WMI/failed" if insts[0].neutral else "benign")
        srows.append([sid, kind, len(insts)] +
                     [short.get(best.get((sid, r.id)), ".") if (sid, r.id) in best else "." for r in rules] +
                     [f"{len(det_any[sid])}/{len(det_med[sid])}/{len(insts)}"])
        if insts[0].in_scope and len(det_any[sid]) < len(insts):
            ok = False
        if not insts[0].malicious and det_med[sid]:
            ok = False
    print(table(["scenario", "kind", "n"] + [abbrev[r.id] for r in rules] + ["pack"], srows,
                "lll" + "c" * len(rules) + "r"))
    bg_med = [(rid, a) for rid, lst in matched.items() if rid in {p.id for p in pack}
              for a, inst, _ in lst if inst is None and at_least(a.severity, "medium")]
    bg_all = [(rid, a) for rid, lst in matched.items() if rid in {p.id for p in pack}
              for a, inst, _ in lst if inst is None]
    print(f"\nPack alerts on unlabelled background: {len(bg_all)} rows, {len(bg_med)} at medium or high.")
    for rid, a in bg_med[:10]:
        print(f"  {rid} {a.severity} {a.device} {a.timestamp} ReportId {a.report_ids}")
    ok &= not bg_med
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--devices", type=int, default=50)
    ap.add_argument("--hours", type=float, default=24)
    ap.add_argument("--target-rows", type=int, default=None,
                    help="background density: about N rows per table (kqlite generate --target-rows)")
    ap.add_argument("--skip-recordings", action="store_true")
    ap.add_argument("--skip-generated", action="store_true")
    ap.add_argument("--oracle", action="store_true", help="check every rule with the Kusto analyzer")
    args = ap.parse_args()
    rules = load_rules()
    print("## Rules\n")
    print(table(["id", "title", "severity", "attack", "file"],
                [[r.id, r.meta.get("title", "(seed rule, no metadata)"),
                  r.meta.get("severity") or (f"column {r.meta['severity_column']}" if "severity_column" in r.meta else UNRATED),
                  r.meta.get("attack", "T1021.003"), r.path.name] for r in rules], "lllll"))
    ok = True
    if args.oracle:
        ok &= oracle_check(rules)
    if not args.skip_recordings:
        ok &= eval_recordings(rules)
    if not args.skip_generated:
        ok &= eval_generated(rules, args.seeds, args.devices, args.hours, args.target_rows)
    print(f"\nAcceptance: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
