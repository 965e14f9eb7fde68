"""Defender's built-in hunting functions, written in KQL that kqlite compiles like any user function.

Defender computes them from its cloud services; kqlite computes them from data the user has:
- `FileProfile(x, y)`: enrichment from a `FileProfiles` table the user attaches (an export of the Defender
  API's file profiles, or of a reputation service), matched on the hash column `x` (SHA1 by default;
  SHA256 and MD5 too), for at most `y` distinct hashes (100 by default, 1-1000). Without that table the
  enrichment columns are empty, and the query's notes say why;
- `AssignedIPAddresses(x, y)` and `DeviceFromIP(x, y)`: from `DeviceNetworkInfo`, the adapters' latest
  reports in the day before `y` (default: now);
- `SeenBy(idColumn, lookback)`: the onboarded devices whose network events reached an address the device
  held in the lookback window (`DeviceNetworkInfo` for the addresses, `DeviceNetworkEvents` for the
  connections).

A user's own `let` of the same name hides the built-in, as in Kusto."""

from __future__ import annotations

from functools import cache

from kqlite.compile.env import Env, FunctionBinding
from kqlite.schemas import KQLITE_TABLES
from kqlite.syntax import ast, parse

PROFILE_TABLE = "FileProfiles"

# The profile columns FileProfile() adds, in Defender's documented order: those of the FileProfiles table
# (ProfileAvailability is computed).
PROFILE_COLUMNS = KQLITE_TABLES[PROFILE_TABLE]


def _file_profile() -> str:
    renamed = ", ".join(f"__fp_{name} = {name}" for name, _ in PROFILE_COLUMNS)
    filled = []
    for name, _ in PROFILE_COLUMNS:
        if name in ("SHA1", "SHA256", "MD5"):  # a hash the row already has is kept when no profile matched
            filled.append(f'{name} = iff(isnotempty(__fp_{name}), __fp_{name}, tostring(column_ifexists("{name}", "")))')
        else:
            filled.append(f"{name} = __fp_{name}")
    filled.append('ProfileAvailability = iff(__fp_matched, "Available", "Unavailable")')
    return f"""
let FileProfile = (T:(*), x:string = "SHA1", y:long = 100) {{
    let __kind = case(x endswith "SHA256", "SHA256", x endswith "MD5", "MD5", "SHA1");
    let __input = T | extend __fp_key = tolower(tostring(column_ifexists(x, "")));
    let __wanted = __input | where isnotempty(__fp_key) | distinct __fp_key | order by __fp_key asc
        | take max_of(1, min_of(y, 1000));
    let __profiles = {PROFILE_TABLE}
        | extend __fp_key = tolower(case(__kind == "SHA256", SHA256, __kind == "MD5", MD5, SHA1))
        | where isnotempty(__fp_key)
        | summarize arg_max(GlobalLastSeen, *) by __fp_key
        | join kind=inner __wanted on __fp_key
        | project __fp_key, __fp_matched = true, {renamed};
    __input
    | lookup kind=leftouter __profiles on __fp_key
    | extend __fp_matched = coalesce(__fp_matched, false)
    | extend {", ".join(filled)}
    | project-away __fp_*
}};
"""


_NETWORK = """
let AssignedIPAddresses = (x:string, y:datetime = datetime(null)) {
    let __at = iff(isnull(y), now(), y);
    DeviceNetworkInfo
    | where DeviceName =~ x or DeviceId =~ x
    | where Timestamp <= __at and Timestamp > __at - 1d
    | summarize arg_max(Timestamp, *) by NetworkAdapterName
    | mv-expand __ip = todynamic(IPAddresses)
    | project Timestamp, IPAddress = tostring(__ip.IPAddress), IPType = tostring(__ip.AddressType),
        NetworkAdapterType, ConnectedNetworks = todynamic(ConnectedNetworks)
};
let DeviceFromIP = (x:string, y:datetime = datetime(null)) {
    let __at = iff(isnull(y), now(), y);
    DeviceNetworkInfo
    | where Timestamp <= __at and Timestamp > __at - 1d
    | summarize arg_max(Timestamp, *) by DeviceId, NetworkAdapterName
    | mv-expand __ip = todynamic(IPAddresses)
    | where tostring(__ip.IPAddress) == x
    | distinct IP = tostring(__ip.IPAddress), DeviceId
};
let SeenBy = (T:(*), idColumn:string = "DeviceId", lookback:timespan = 1d) {
    let __held = DeviceNetworkInfo
        | where Timestamp > now() - lookback
        | mv-expand __ip = todynamic(IPAddresses)
        | distinct __sb_id = DeviceId, __sb_ip = tostring(__ip.IPAddress);
    let __seen = DeviceNetworkEvents
        | where Timestamp > now() - lookback
        | distinct __sb_ip = RemoteIP, __sb_observer = DeviceId
        | join kind=inner __held on __sb_ip
        | where __sb_observer != __sb_id
        | summarize SeenBy = make_set(__sb_observer) by __sb_id;
    T
    | extend __sb_id = tostring(column_ifexists(idColumn, ""))
    | lookup kind=leftouter __seen on __sb_id
    | project-away __sb_id
};
"""

NAMES = ("FileProfile", "AssignedIPAddresses", "DeviceFromIP", "SeenBy")


@cache
def _definitions() -> tuple[ast.Let, ...]:
    script = parse(_file_profile() + _NETWORK + "print 0")
    return tuple(st for st in script.statements if isinstance(st, ast.Let))


class _BuiltinBindings(dict):
    """The built-in functions of one environment, bound when a query first names one: parsing their KQL costs
    more than compiling a short query that uses none of them."""

    def __init__(self, env: Env):
        super().__init__()
        self.env = env

    def __contains__(self, name: object) -> bool:
        return name in NAMES

    def __missing__(self, name: str) -> FunctionBinding:
        if name not in NAMES:
            raise KeyError(name)
        definition = next(let.value for let in _definitions() if let.name == name)
        assert isinstance(definition, ast.FunctionDef)
        self[name] = binding = FunctionBinding(definition, self.env, name)
        return binding


def builtin_env() -> Env:
    """An environment holding the built-in functions; a script's own environment is its child."""
    env = Env()
    env.bindings = _BuiltinBindings(env)
    return env


def is_builtin(binding: object) -> bool:
    return isinstance(binding, FunctionBinding) and binding.name in NAMES and binding.env.parent is None \
        and binding.definition in [let.value for let in _definitions()]
