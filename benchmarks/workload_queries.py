"""The hunting workload of bench_workload.py: each query in KQL and its hand-written DuckDB SQL twin.

The SQL is what an engineer would write by hand for DuckDB over the same Parquet files (one view per
table; timestamps in UTC), computing the same answer with Kusto's semantics: `has` is a whole-term match (a
term character is a Unicode letter or digit) folded to lower case, `in~` compares lower-cased values,
`innerunique` keeps one left row per join key, `not(x has_any (...))` is true on null, dynamic values come
out as DuckDB lists or JSON (the check compares them as values, not text). Kusto has no `!has_any`: the
negated IOC list is written `not(... has_any (...))`.

Each entry: "kql", "sql", and optionally "unordered" (the query's lists are sets or lists whose order Kusto
leaves undefined: the check compares them sorted).
"""

from __future__ import annotations

from importlib import resources

from bench_engines import SQL as ENGINE_SQL

# 36 LOLBins and admin tools: a typical has_any list of a hunting query.
LOLBINS = ["certutil", "bitsadmin", "mshta", "regsvr32", "rundll32", "wmic", "cscript", "wscript", "msiexec",
           "schtasks", "whoami", "nltest", "vssadmin", "wevtutil", "bcdedit", "netsh", "tasklist", "systeminfo",
           "ipconfig", "hostname", "quser", "qwinsta", "installutil", "msbuild", "odbcconf", "regasm", "regsvcs",
           "cmstp", "pcalua", "esentutl", "diskshadow", "dnscmd", "makecab", "extrac32", "forfiles", "xwizard"]

# 32 domains of an IOC list (a few of them common in the generated data, so the filter removes rows).
IOCS = ["google.com", "youtube.com", "github.com", "evil-updates.net", "cdn-sync.biz", "login-office.info",
        "micros0ft-auth.com", "paste.ee", "transfer.sh", "ngrok.io", "duckdns.org", "no-ip.org", "anydesk.com",
        "teamviewer.com", "mega.nz", "dropboxusercontent.com", "pastebin.com", "raw.githubusercontent.com",
        "bit.ly", "tinyurl.com", "discord.gg", "discordapp.com", "telegram.org", "t.me", "onion.ws",
        "freedns.afraid.org", "serveo.net", "portmap.io", "hopto.org", "ddns.net", "zapto.org", "sytes.net"]

# 40 process names in mixed case, as an `in~` list is usually written.
PROCESS_NAMES = ["CMD.EXE", "PowerShell.exe", "pwsh.exe", "WScript.exe", "CScript.exe", "MSHTA.exe", "rundll32.EXE",
                 "Regsvr32.exe", "certutil.exe", "BITSADMIN.exe", "wmic.exe", "WmiPrvSE.exe", "msiexec.exe",
                 "schtasks.exe", "at.exe", "sc.exe", "net.exe", "net1.exe", "Whoami.exe", "nltest.exe",
                 "tasklist.exe", "systeminfo.exe", "ipconfig.exe", "HOSTNAME.EXE", "quser.exe", "qwinsta.exe",
                 "reg.exe", "vssadmin.exe", "wevtutil.exe", "bcdedit.exe", "netsh.exe", "mstsc.exe",
                 "wsmprovhost.exe", "dllhost.exe", "MMC.exe", "excel.exe", "WINWORD.exe", "Outlook.exe",
                 "conhost.exe", "WerFault.exe"]


def kql_list(values: list[str]) -> str:
    return ", ".join(f'"{v}"' for v in values)


def sql_list(values: list[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def term_regex(terms: list[str]) -> str:
    """One RE2 alternation for `has_any` (terms begin and end with a term character, as all of ours do)."""
    alternatives = "|".join(t.replace(".", r"\.").replace("-", r"\-") for t in terms)
    return rf"'(?i)(?:^|[^\pL\pN])(?:{alternatives})(?:$|[^\pL\pN])'"


SEED_SQL = ENGINE_SQL["seed"]  # the hand-written seed of bench_engines.py, one copy

UNION_TABLES = ("DeviceProcessEvents", "DeviceNetworkEvents", "DeviceFileEvents", "DeviceImageLoadEvents",
                "DeviceLogonEvents")


def seed_kql() -> str:
    return (resources.files("kqlite.rules") / "remote_dcom_child_proc.kql").read_text(encoding="utf-8")


QUERIES: dict[str, dict] = {
    "seed": {"kql": None, "sql": SEED_SQL},  # kql: the rule, verbatim (read from the package)
    "has_any_lolbins": {
        "kql": f"""
DeviceProcessEvents
| where ProcessCommandLine has_any ({kql_list(LOLBINS)})
| summarize Executions = count(), Devices = dcount(DeviceId) by FileName""",
        "sql": f"""
SELECT FileName, count(*) AS Executions, count(DISTINCT DeviceId) AS Devices
FROM DeviceProcessEvents
WHERE regexp_matches(ProcessCommandLine, {term_regex(LOLBINS)})
GROUP BY FileName""",
    },
    "has_all": {
        "kql": """
DeviceProcessEvents
| where ProcessCommandLine has_all ("wmiprvse", "secured", "embedding")
| summarize Executions = count() by DeviceName, AccountName""",
        "sql": f"""
SELECT DeviceName, AccountName, count(*) AS Executions
FROM DeviceProcessEvents
WHERE regexp_matches(ProcessCommandLine, {term_regex(["wmiprvse"])})
  AND regexp_matches(ProcessCommandLine, {term_regex(["secured"])})
  AND regexp_matches(ProcessCommandLine, {term_regex(["embedding"])})
GROUP BY ALL""",
    },
    "in_tilde": {
        "kql": f"""
DeviceProcessEvents
| where FileName in~ ({kql_list(PROCESS_NAMES)})
| summarize Executions = count() by DeviceName, FileName""",
        "sql": f"""
SELECT DeviceName, FileName, count(*) AS Executions
FROM DeviceProcessEvents
WHERE lower(FileName) IN ({sql_list([n.lower() for n in PROCESS_NAMES])})
GROUP BY ALL""",
    },
    "not_has_any": {
        "kql": f"""
DeviceNetworkEvents
| where isnotempty(RemoteUrl) and not(RemoteUrl has_any ({kql_list(IOCS)}))
| summarize Connections = count(), Devices = dcount(DeviceId) by RemoteUrl""",
        "sql": f"""
SELECT RemoteUrl, count(*) AS Connections, count(DISTINCT DeviceId) AS Devices
FROM DeviceNetworkEvents
WHERE RemoteUrl <> '' AND NOT coalesce(regexp_matches(RemoteUrl, {term_regex(IOCS)}), false)
GROUP BY RemoteUrl""",
    },
    "make_set": {
        "kql": """
DeviceProcessEvents
| summarize Parents = make_set(InitiatingProcessFileName), Accounts = make_set(AccountName), Runs = count()
    by FileName""",
        "sql": """
SELECT FileName, coalesce(list(DISTINCT InitiatingProcessFileName), []) AS Parents,
       coalesce(list(DISTINCT AccountName), []) AS Accounts, count(*) AS Runs
FROM DeviceProcessEvents GROUP BY FileName""",
        "unordered": True,
    },
    "make_set_wide": {
        # sets that grow with the data: distinct command lines per process name
        "kql": """
DeviceProcessEvents
| summarize CommandLines = make_set(ProcessCommandLine), Runs = count() by FileName""",
        "sql": """
SELECT FileName, coalesce(list(DISTINCT ProcessCommandLine), []) AS CommandLines, count(*) AS Runs
FROM DeviceProcessEvents GROUP BY FileName""",
        "unordered": True,
    },
    "make_list_if": {
        "kql": """
DeviceLogonEvents
| summarize FailedFrom = make_list_if(RemoteIP, ActionType == "LogonFailed"),
            Types = make_set_if(LogonType, ActionType == "LogonSuccess"), Logons = count() by DeviceName""",
        "sql": """
SELECT DeviceName, coalesce(list(RemoteIP) FILTER (WHERE ActionType = 'LogonFailed' AND RemoteIP IS NOT NULL), []) AS FailedFrom,
       coalesce(list(DISTINCT LogonType) FILTER (WHERE ActionType = 'LogonSuccess' AND LogonType IS NOT NULL), []) AS Types,
       count(*) AS Logons
FROM DeviceLogonEvents GROUP BY DeviceName""",
        "unordered": True,
    },
    "make_bag": {
        "kql": """
DeviceNetworkEvents
| summarize Events = count() by DeviceName, ActionType
| summarize ByAction = make_bag(bag_pack(ActionType, Events)), Total = sum(Events) by DeviceName""",
        "sql": """
SELECT DeviceName, json_group_object(ActionType, Events) AS ByAction, sum(Events) AS Total
FROM (SELECT DeviceName, ActionType, count(*) AS Events FROM DeviceNetworkEvents GROUP BY ALL)
GROUP BY DeviceName""",
    },
    "mv_expand_bag": {
        "kql": """
DeviceLogonEvents
| where isnotempty(AdditionalFields)
| mv-expand Field = parse_json(AdditionalFields)
| extend Key = tostring(bag_keys(Field)[0])
| summarize Rows = count() by Key, Value = tostring(Field[Key])""",
        "sql": """
SELECT Key, j ->> Key AS Value, count(*) AS Rows
FROM (SELECT j, unnest(json_keys(j)) AS Key
      FROM (SELECT CAST(AdditionalFields AS JSON) AS j FROM DeviceLogonEvents WHERE AdditionalFields <> ''))
GROUP BY ALL""",
    },
    "bag_access": {
        "kql": """
DeviceLogonEvents
| where isnotempty(AdditionalFields)
| extend IsLocal = tobool(parse_json(AdditionalFields).IsLocalLogon)
| summarize Logons = count(), Accounts = dcount(AccountName) by IsLocal, LogonType""",
        "sql": """
SELECT CAST(AdditionalFields::JSON ->> 'IsLocalLogon' AS BOOLEAN) AS IsLocal, LogonType,
       count(*) AS Logons, count(DISTINCT AccountName) AS Accounts
FROM DeviceLogonEvents WHERE AdditionalFields <> '' GROUP BY ALL""",
    },
    "arg_max": {
        "kql": """
DeviceProcessEvents
| summarize arg_max(Timestamp, ProcessCommandLine, AccountName), Executions = count() by DeviceName, FileName""",
        "sql": """
SELECT DeviceName, FileName, Timestamp, latest.ProcessCommandLine, latest.AccountName, Executions
FROM (SELECT DeviceName, FileName, max(Timestamp) AS Timestamp,
             arg_max(struct_pack(ProcessCommandLine, AccountName), Timestamp) AS latest, count(*) AS Executions
      FROM DeviceProcessEvents GROUP BY DeviceName, FileName)""",
    },
    "arg_min": {
        "kql": """
DeviceLogonEvents
| summarize arg_min(Timestamp, DeviceName, RemoteIP, LogonType), Logons = count() by AccountName""",
        "sql": """
SELECT AccountName, Timestamp, first.DeviceName, first.RemoteIP, first.LogonType, Logons
FROM (SELECT AccountName, min(Timestamp) AS Timestamp,
             arg_min(struct_pack(DeviceName, RemoteIP, LogonType), Timestamp) AS first, count(*) AS Logons
      FROM DeviceLogonEvents GROUP BY AccountName)""",
    },
    "join_innerunique": {
        "kql": """
DeviceNetworkEvents
| where RemotePort in (80, 443, 8080)
| project DeviceId, InitiatingProcessId
| join DeviceProcessEvents on DeviceId, $left.InitiatingProcessId == $right.ProcessId
| summarize Rows = count() by FileName""",
        "sql": """
SELECT p.FileName, count(*) AS Rows
FROM (SELECT DISTINCT DeviceId, InitiatingProcessId FROM DeviceNetworkEvents
      WHERE RemotePort IN (80, 443, 8080)) n
JOIN DeviceProcessEvents p ON n.DeviceId = p.DeviceId AND n.InitiatingProcessId = p.ProcessId
GROUP BY p.FileName""",
    },
    "join_leftouter": {
        "kql": """
DeviceLogonEvents
| where LogonType == "Network"
| summarize Logons = count() by DeviceName, AccountName
| join kind=leftouter (DeviceProcessEvents | summarize Processes = count() by DeviceName, AccountName)
    on DeviceName, AccountName""",
        # a Kusto string is never null: an unmatched right side gives '' for its strings
        "sql": """
WITH l AS (SELECT DeviceName, AccountName, count(*) AS Logons FROM DeviceLogonEvents
           WHERE LogonType = 'Network' GROUP BY ALL),
     r AS (SELECT DeviceName, AccountName, count(*) AS Processes FROM DeviceProcessEvents GROUP BY ALL)
SELECT l.DeviceName, l.AccountName, l.Logons, coalesce(r.DeviceName, '') AS DeviceName1,
       coalesce(r.AccountName, '') AS AccountName1, r.Processes
FROM l LEFT JOIN r ON l.DeviceName IS NOT DISTINCT FROM r.DeviceName AND l.AccountName IS NOT DISTINCT FROM r.AccountName""",
    },
    "join_leftanti": {
        "kql": """
DeviceProcessEvents
| where FileName in~ ("powershell.exe", "cmd.exe", "rundll32.exe", "dllhost.exe", "WmiPrvSE.exe")
| join kind=leftanti (DeviceNetworkEvents | distinct DeviceId, InitiatingProcessId)
    on DeviceId, $left.ProcessId == $right.InitiatingProcessId
| summarize Silent = count() by DeviceName, FileName""",
        "sql": """
SELECT p.DeviceName, p.FileName, count(*) AS Silent
FROM DeviceProcessEvents p
ANTI JOIN (SELECT DISTINCT DeviceId, InitiatingProcessId FROM DeviceNetworkEvents) n
  ON p.DeviceId = n.DeviceId AND p.ProcessId = n.InitiatingProcessId
WHERE lower(p.FileName) IN ('powershell.exe', 'cmd.exe', 'rundll32.exe', 'dllhost.exe', 'wmiprvse.exe')
GROUP BY ALL""",
    },
    "between_window": {
        "kql": """
DeviceNetworkEvents
| where Timestamp between (datetime(2024-08-05T08:00:00Z) .. datetime(2024-08-05T12:00:00Z))
| summarize Connections = count(), Remotes = dcount(RemoteIP) by RemotePort, ActionType""",
        "sql": """
SELECT RemotePort, ActionType, count(*) AS Connections, count(DISTINCT RemoteIP) AS Remotes
FROM DeviceNetworkEvents
WHERE Timestamp BETWEEN TIMESTAMPTZ '2024-08-05 08:00:00+00' AND TIMESTAMPTZ '2024-08-05 12:00:00+00'
GROUP BY ALL""",
    },
    "ago_window": {
        # ago() relative to the data: the query's clock is set to the end of the generated window
        "kql": """
set query_now = datetime(2024-08-06T00:00:00Z);
DeviceLogonEvents
| where Timestamp > ago(6h)
| summarize Logons = count(), Failures = countif(ActionType == "LogonFailed") by AccountName, DeviceName""",
        "sql": """
SELECT AccountName, DeviceName, count(*) AS Logons, count(*) FILTER (WHERE ActionType = 'LogonFailed') AS Failures
FROM DeviceLogonEvents
WHERE Timestamp > TIMESTAMPTZ '2024-08-06 00:00:00+00' - INTERVAL 6 HOUR
GROUP BY ALL""",
    },
    "bin_summary": {
        "kql": """
DeviceFileEvents
| summarize Files = count(), Devices = dcount(DeviceId), Bytes = sum(FileSize) by bin(Timestamp, 1h), ActionType""",
        "sql": """
SELECT time_bucket(INTERVAL 1 HOUR, Timestamp) AS Timestamp, ActionType, count(*) AS Files,
       count(DISTINCT DeviceId) AS Devices, coalesce(sum(FileSize), 0) AS Bytes
FROM DeviceFileEvents GROUP BY ALL""",
    },
    "process_tree": {
        "kql": """
DeviceProcessEvents
| where FileName in~ ("cmd.exe", "powershell.exe", "whoami.exe", "rundll32.exe", "conhost.exe")
| project DeviceId, FileName, ProcessId, InitiatingProcessId, InitiatingProcessCreationTime
| join kind=inner (
    DeviceProcessEvents
    | project DeviceId, ParentId = ProcessId, ParentCreated = ProcessCreationTime, ParentName = FileName,
              GrandparentName = InitiatingProcessFileName)
  on DeviceId, $left.InitiatingProcessId == $right.ParentId, $left.InitiatingProcessCreationTime == $right.ParentCreated
| summarize Children = count() by GrandparentName, ParentName, FileName""",
        "sql": """
SELECT p.InitiatingProcessFileName AS GrandparentName, p.FileName AS ParentName, c.FileName, count(*) AS Children
FROM DeviceProcessEvents c
JOIN DeviceProcessEvents p ON c.DeviceId = p.DeviceId AND c.InitiatingProcessId = p.ProcessId
 AND c.InitiatingProcessCreationTime = p.ProcessCreationTime
WHERE lower(c.FileName) IN ('cmd.exe', 'powershell.exe', 'whoami.exe', 'rundll32.exe', 'conhost.exe')
GROUP BY ALL""",
    },
    "union_hourly": {
        "kql": f"""
union {", ".join(UNION_TABLES)}
| summarize Events = count(), Kinds = dcount(ActionType) by DeviceName, Hour = bin(Timestamp, 1h)""",
        "sql": "SELECT DeviceName, time_bucket(INTERVAL 1 HOUR, Timestamp) AS Hour, count(*) AS Events, "
               "count(DISTINCT ActionType) AS Kinds\nFROM ("
               + "\n      UNION ALL ".join(f"SELECT DeviceName, Timestamp, ActionType FROM {t}" for t in UNION_TABLES)
               + ")\nGROUP BY ALL",
    },
    "union_withsource": {
        "kql": """
union withsource = SourceTable DeviceProcessEvents, DeviceFileEvents, DeviceImageLoadEvents
| where InitiatingProcessFileName in~ ("powershell.exe", "rundll32.exe", "mshta.exe", "wscript.exe", "excel.exe")
| summarize Events = count(), Files = dcount(FileName) by SourceTable, InitiatingProcessFileName""",
        "sql": """
SELECT SourceTable, InitiatingProcessFileName, count(*) AS Events, count(DISTINCT FileName) AS Files
FROM (SELECT 'DeviceProcessEvents' AS SourceTable, InitiatingProcessFileName, FileName FROM DeviceProcessEvents
      UNION ALL SELECT 'DeviceFileEvents', InitiatingProcessFileName, FileName FROM DeviceFileEvents
      UNION ALL SELECT 'DeviceImageLoadEvents', InitiatingProcessFileName, FileName FROM DeviceImageLoadEvents)
WHERE lower(InitiatingProcessFileName) IN ('powershell.exe', 'rundll32.exe', 'mshta.exe', 'wscript.exe', 'excel.exe')
GROUP BY ALL""",
    },
    "let_tabular_fn": {
        "kql": f"""
let Lolbins = (T:(FileName:string, ProcessCommandLine:string)) {{
    T | where ProcessCommandLine has_any ({kql_list(LOLBINS[:12])})
}};
let Shells = (T:(FileName:string)) {{ T | where FileName in~ ("cmd.exe", "powershell.exe", "pwsh.exe") }};
union (Lolbins(DeviceProcessEvents) | extend Rule = "lolbin"), (Shells(DeviceProcessEvents) | extend Rule = "shell")
| summarize Hits = count() by Rule, DeviceName""",
        "sql": f"""
SELECT Rule, DeviceName, count(*) AS Hits
FROM (SELECT 'lolbin' AS Rule, DeviceName FROM DeviceProcessEvents
      WHERE regexp_matches(ProcessCommandLine, {term_regex(LOLBINS[:12])})
      UNION ALL
      SELECT 'shell', DeviceName FROM DeviceProcessEvents WHERE lower(FileName) IN ('cmd.exe', 'powershell.exe', 'pwsh.exe'))
GROUP BY ALL""",
    },
    "let_scalar_fn": {
        "kql": """
let Bucket = (t:datetime) { bin(t, 15m) };
let IsWeb = (port:int) { port in (80, 443, 8080) };
DeviceNetworkEvents
| where ActionType == "ConnectionSuccess"
| summarize Connections = count() by Slot = Bucket(Timestamp), Web = IsWeb(RemotePort)""",
        "sql": """
SELECT time_bucket(INTERVAL 15 MINUTE, Timestamp) AS Slot, coalesce(RemotePort IN (80, 443, 8080), false) AS Web,
       count(*) AS Connections
FROM DeviceNetworkEvents WHERE ActionType = 'ConnectionSuccess' GROUP BY ALL""",
    },
    "contains_filters": {
        # contains, =~ and startswith: case-insensitive in Kusto
        "kql": """
DeviceProcessEvents
| where ProcessCommandLine contains "-secured" or ProcessCommandLine contains "processid:{"
    or (FileName =~ "EXCEL.EXE" and ProcessCommandLine startswith @'"c:\\program files')
| summarize Executions = count() by DeviceName, FileName""",
        "sql": r"""
SELECT DeviceName, FileName, count(*) AS Executions
FROM DeviceProcessEvents
WHERE contains(lower(ProcessCommandLine), '-secured') OR contains(lower(ProcessCommandLine), 'processid:{')
   OR (lower(FileName) = 'excel.exe' AND starts_with(lower(ProcessCommandLine), '"c:\program files'))
GROUP BY ALL""",
    },
    "matches_regex": {
        "kql": """
DeviceProcessEvents
| where ProcessCommandLine matches regex @"/Processid:\\{[0-9A-F-]{36}\\}"
| summarize Executions = count() by DeviceName, InitiatingProcessFileName""",
        "sql": r"""
SELECT DeviceName, InitiatingProcessFileName, count(*) AS Executions
FROM DeviceProcessEvents
WHERE regexp_matches(ProcessCommandLine, '/Processid:\{[0-9A-F-]{36}\}')
GROUP BY ALL""",
    },
    "extract_domain": {
        "kql": """
DeviceNetworkEvents
| where isnotempty(RemoteUrl)
| extend Domain = extract(@"([a-z0-9-]+\\.[a-z]+)$", 1, RemoteUrl)
| summarize Connections = count(), Devices = dcount(DeviceId) by Domain""",
        "sql": r"""
SELECT regexp_extract(RemoteUrl, '([a-z0-9-]+\.[a-z]+)$', 1) AS Domain, count(*) AS Connections,
       count(DISTINCT DeviceId) AS Devices
FROM DeviceNetworkEvents WHERE RemoteUrl <> '' GROUP BY ALL""",
    },
    "split_index": {
        "kql": """
DeviceProcessEvents
| extend Folder = tostring(split(FolderPath, @"\\")[2]), Name = tolower(FileName)
| summarize Executions = count() by Folder, Name""",
        "sql": r"""
SELECT coalesce(string_split(FolderPath, '\')[3], '') AS Folder, lower(FileName) AS Name, count(*) AS Executions
FROM DeviceProcessEvents GROUP BY ALL""",
    },
    "mv_expand_split": {
        "kql": """
DeviceProcessEvents
| where FileName =~ "svchost.exe"
| mv-expand Arg = split(ProcessCommandLine, " ")
| summarize Uses = count() by Arg = tostring(Arg)""",
        "sql": r"""
SELECT Arg, count(*) AS Uses
FROM (SELECT unnest(string_split(ProcessCommandLine, ' ')) AS Arg
      FROM DeviceProcessEvents WHERE lower(FileName) = 'svchost.exe')
GROUP BY Arg""",
    },
    "parse_operator": {
        "kql": """
DeviceProcessEvents
| where FileName =~ "svchost.exe"
| parse ProcessCommandLine with * "-k " Group " " *
| summarize Processes = count() by Group""",
        "sql": r"""
SELECT coalesce(regexp_extract(ProcessCommandLine, '^.*?-k (.*?) .*$', 1), '') AS "Group", count(*) AS Processes
FROM DeviceProcessEvents WHERE lower(FileName) = 'svchost.exe'
GROUP BY ALL""",
    },
}
