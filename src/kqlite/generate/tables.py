"""Rendering event batches into Defender tables: every column of the bundled schema, in schema order.

Strings come out as dictionary arrays over the catalog / account / device / string pools (the Parquet
writer stores them as plain UTF-8 columns); the process-describing column groups are filled from the
process records, so a child's InitiatingProcess* columns are its parent's own row values.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pyarrow as pa

from kqlite.generate import events as ev
from kqlite.generate.columns import EntityTable, StringPool, constant_strings, int_column, time_column
from kqlite.generate.model import Estate
from kqlite.generate.procs import ELEVATION, INTEGRITY, ProcView
from kqlite.schemas import table_schema

ARROW = {"string": pa.string(), "long": pa.int64(), "int": pa.int32(), "datetime": pa.timestamp("us", tz="UTC"),
         "bool": pa.bool_(), "real": pa.float64(), "dynamic": pa.string()}

# Catalog attribute -> column, for a file seen as a process image, as the initiating process, or as a file.
_VERSION = {"Company": "CompanyName", "Product": "ProductName", "ProductVersion": "ProductVersion",
            "InternalFileName": "InternalFileName", "OriginalFileName": "OriginalFileName", "Description": "FileDescription"}
AS_FILE = {"FileName": "FileName", "FolderPath": "FolderPath", "SHA1": "SHA1", "SHA256": "SHA256", "MD5": "MD5",
           "FileSize": "FileSize"}
AS_PROCESS = AS_FILE | {attr: f"ProcessVersionInfo{name}" for attr, name in _VERSION.items()}
AS_INITIATING = {attr: f"InitiatingProcess{attr}" for attr in ("FileName", "FolderPath", "SHA1", "SHA256", "MD5", "FileSize",
                                                               "SignerType")} | {
    "SignatureStatus": "InitiatingProcessSignatureStatus"} | {
    attr: f"InitiatingProcessVersionInfo{name}" for attr, name in _VERSION.items()}
ACCOUNT = {"Domain": "Domain", "Name": "Name", "Sid": "Sid", "Upn": "Upn", "ObjectId": "ObjectId"}
# Share of the processes started before the recording whose creation time the network rows do not know
# (null InitiatingProcessCreationTime, as in Sysmon-derived data when the process start was not seen).
UNKNOWN_CREATION = 0.5


@cache
def arrow_schema(table: str) -> pa.Schema:
    """The Arrow schema of a bundled Defender table (plain strings, microsecond UTC timestamps)."""
    columns = table_schema(table)
    if columns is None:
        raise KeyError(table)
    return pa.schema([pa.field(name, ARROW[kql_type]) for name, kql_type in columns])


class Renderer:
    def __init__(self, estate: Estate) -> None:
        self.estate = estate
        self.images = estate.catalog.table()
        self.accounts = estate.account_table()
        self.devices = EntityTable({"DeviceId": [d.device_id for d in estate.devices],
                                    "DeviceName": [d.name for d in estate.devices]})
        self.integrity = StringPool(INTEGRITY[1:])  # same order: pool index == INTEGRITY index
        self.elevation = StringPool(ELEVATION[1:])

    def _images(self, index: np.ndarray, mapping: dict[str, str], wanted: set[str], out: dict[str, pa.Array]) -> None:
        names = [attr for attr, column in mapping.items() if column in wanted]
        for attr, array in self.images.columns(index, names).items():
            out[mapping[attr]] = array

    def _accounts(self, index: np.ndarray, prefix: str, wanted: set[str], out: dict[str, pa.Array]) -> None:
        names = [attr for attr in ACCOUNT if f"{prefix}{attr}" in wanted]
        for attr, array in self.accounts.columns(index, names).items():
            out[f"{prefix}{attr}"] = array

    def _process(self, p: dict[str, np.ndarray], initiating: bool, wanted: set[str], out: dict[str, pa.Array]) -> None:
        """The columns describing one process: the row's own (ProcessId, ...) or its initiator's."""
        n = len(p["pid"])
        if initiating:
            self._images(p["image"], AS_INITIATING, wanted, out)
            self._accounts(p["acct"], "InitiatingProcessAccount", wanted, out)
            cols = {"InitiatingProcessId": int_column(p["pid"], "long"),
                    "InitiatingProcessCommandLine": self.estate.cmds.column(p["cmd"]),
                    "InitiatingProcessCreationTime": time_column(p["ctime"]),
                    "InitiatingProcessLogonId": int_column(p["logon"], "long"),
                    "InitiatingProcessIntegrityLevel": self.integrity.column(p["integ"]),
                    "InitiatingProcessTokenElevation": self.elevation.column(p["elev"]),
                    "InitiatingProcessSessionId": int_column(p["sess"], "long"),
                    "IsInitiatingProcessRemoteSession": pa.array(np.zeros(n, bool)),
                    "InitiatingProcessUniqueId": pa.array(p["uid"]).cast(pa.string()),
                    "InitiatingProcessParentId": int_column(p["ppid"], "long", null_below=0),
                    "InitiatingProcessParentCreationTime": time_column(p["pctime"])}
            if "InitiatingProcessParentFileName" in wanted:
                cols["InitiatingProcessParentFileName"] = self.images.columns(p["pimage"], ["FileName"])["FileName"]
        else:
            self._images(p["image"], AS_PROCESS, wanted, out)
            self._accounts(p["acct"], "Account", wanted, out)
            cols = {"ProcessId": int_column(p["pid"], "long"), "ProcessCommandLine": self.estate.cmds.column(p["cmd"]),
                    "ProcessCreationTime": time_column(p["ctime"]), "LogonId": int_column(p["logon"], "long"),
                    "ProcessIntegrityLevel": self.integrity.column(p["integ"]),
                    "ProcessTokenElevation": self.elevation.column(p["elev"]),
                    "CreatedProcessSessionId": int_column(p["sess"], "long"),
                    "IsProcessRemoteSession": pa.array(np.zeros(n, bool)),
                    "ProcessUniqueId": pa.array(p["uid"]).cast(pa.string())}
        out.update({name: column for name, column in cols.items() if name in wanted})

    def render(self, table: str, batch: ev.Batch, view: ProcView, report_ids: np.ndarray) -> pa.Table:
        schema = arrow_schema(table)
        wanted = set(schema.names)
        n = len(batch["dev"])
        s = self.estate.strings
        out: dict[str, pa.Array] = {"Timestamp": time_column(batch["time"]), "ReportId": int_column(report_ids, "long")}
        out.update(self.devices.columns(batch["dev"], ["DeviceId", "DeviceName"]))
        owner = view.gather(batch["owner"])
        if table == ev.NETWORK:  # decided per process (its unique id), so all its rows agree
            unknown = (owner["ctime"] < self.estate.config.record_start_us) & (owner["uid"] % 1000 < UNKNOWN_CREATION * 1000)
            owner["ctime"] = np.where(unknown, -1, owner["ctime"])
        self._process(owner, True, wanted, out)
        if table == ev.PROCESS:
            out["ActionType"] = constant_strings("ProcessCreated", n)
            self._process(view.gather(batch["child"]), False, wanted, out)
        elif table == ev.NETWORK:
            out.update(ActionType=s.column(batch["action"]), RemoteIP=s.column(batch["rip"]),
                       RemotePort=int_column(batch["rport"], "int", 0), RemoteUrl=s.column(batch["url"]),
                       LocalIP=s.column(batch["lip"]), LocalPort=int_column(batch["lport"], "int", 0),
                       Protocol=s.column(batch["proto"]), LocalIPType=s.column(batch["liptype"]),
                       RemoteIPType=s.column(batch["riptype"]), AdditionalFields=s.column(batch["extra"]))
        elif table == ev.IMAGE:
            out["ActionType"] = constant_strings("ImageLoaded", n)
            self._images(batch["file"], AS_FILE, wanted, out)
        elif table == ev.FILE:
            self._images(batch["file"], AS_FILE, wanted, out)
            previous = self.images.columns(batch["prev"], ["FolderPath", "FileName"])
            out.update(ActionType=s.column(batch["action"]), PreviousFolderPath=previous["FolderPath"],
                       PreviousFileName=previous["FileName"], FileOriginUrl=s.column(batch["origin"]),
                       RequestProtocol=s.column(batch["rproto"]), RequestSourceIP=s.column(batch["rip"]),
                       RequestSourcePort=int_column(batch["rport"], "int", 0), ShareName=s.column(batch["share"]),
                       IsAzureInfoProtectionApplied=pa.array(np.zeros(n, bool)))
            request = self.accounts.columns(batch["racct"], ["Name", "Domain", "Sid"])
            out.update(RequestAccountName=request["Name"], RequestAccountDomain=request["Domain"], RequestAccountSid=request["Sid"])
        elif table == ev.LOGON:
            account = self.accounts.columns(batch["acct"], ["Domain", "Name", "Sid"])
            admin = batch["admin"]
            out.update(ActionType=s.column(batch["action"]), LogonType=s.column(batch["ltype"]), AccountDomain=account["Domain"],
                       AccountName=account["Name"], AccountSid=account["Sid"], Protocol=s.column(batch["proto"]),
                       FailureReason=s.column(batch["failure"]), IsLocalAdmin=pa.array(admin == 1, mask=admin < 0),
                       LogonId=int_column(batch["logon"], "long", 0), RemoteDeviceName=s.column(batch["rdev"]),
                       RemoteIP=s.column(batch["rip"]), RemoteIPType=s.column(batch["riptype"]),
                       RemotePort=int_column(batch["rport"], "int", 0), AdditionalFields=s.column(batch["extra"]))
        columns = []
        for field in schema:
            column = out.get(field.name)
            if column is None:
                column = constant_strings("", n) if field.type == pa.string() else pa.nulls(n, field.type)
            columns.append(column)
        return pa.Table.from_arrays(columns, names=schema.names)
