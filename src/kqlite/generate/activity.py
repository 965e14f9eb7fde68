"""Where benign activity goes: network destinations, files touched, logons, DLLs loaded (vectorised).

Each profile turns (device, time) arrays into the table-specific event fields of `events.py`.
"""

from __future__ import annotations

import hashlib

import numpy as np

from kqlite.generate.catalog import FileEntry, plain
from kqlite.generate.model import Estate, service_port
from kqlite.generate.modules import LATER_LOADS

# (url, ip addresses) per service; the IPs are in ranges those services really use.
ENDPOINTS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "web_google": (
        ("www.google.com", ("142.250.185.68", "142.250.186.100", "172.217.16.196")),
        ("clients2.google.com", ("142.250.185.110",)), ("accounts.google.com", ("142.250.184.237",)),
        ("www.youtube.com", ("142.250.186.78", "216.58.206.46")), ("fonts.gstatic.com", ("142.250.185.99",)),
        ("update.googleapis.com", ("142.250.186.163",)), ("github.com", ("140.82.121.4", "140.82.121.3")),
        ("stackoverflow.com", ("104.18.32.7",)), ("www.wikipedia.org", ("185.15.59.224",)),
        ("www.linkedin.com", ("13.107.42.14",)), ("cdn.jsdelivr.net", ("151.101.1.229",)),
        ("intranet.corp.contoso.com", ("10.20.1.40",)),
    ),
    "web_ms": (
        ("login.microsoftonline.com", ("20.190.159.4", "40.126.31.67")), ("www.msftconnecttest.com", ("13.107.4.52",)),
        ("settings-win.data.microsoft.com", ("20.42.65.92",)), ("arc.msn.com", ("20.199.120.151",)),
        ("go.microsoft.com", ("23.53.40.98",)), ("www.bing.com", ("13.107.21.200", "204.79.197.200")),
        ("g.live.com", ("13.107.42.13",)),
    ),
    "web_office": (
        ("outlook.office365.com", ("52.97.146.162", "52.98.207.210")), ("officeclient.microsoft.com", ("52.109.76.240",)),
        ("nexus.officeapps.live.com", ("52.109.32.39",)), ("roaming.officeapps.live.com", ("52.109.56.129",)),
        ("ecs.office.com", ("52.113.194.132",)),
    ),
    "web_teams": (
        ("teams.microsoft.com", ("52.113.194.132",)), ("presence.teams.microsoft.com", ("52.112.100.4",)),
        ("statics.teams.cdn.office.net", ("23.53.42.70",)),
    ),
    "web_defender": (
        ("winatp-gw-weu.microsoft.com", ("20.50.201.195",)), ("wdcp.microsoft.com", ("20.42.73.29",)),
        ("events.data.microsoft.com", ("13.69.109.130",)), ("x.cp.wd.microsoft.com", ("20.54.89.106",)),
    ),
    "web_assist": (
        ("remoteassistance.support.services.microsoft.com", ("20.190.160.20",)), ("rdprelayv3eastusprod-0.support.services.microsoft.com",
                                                                                   ("20.42.4.209",)),
    ),
    "web_wu": (
        ("fe3cr.delivery.mp.microsoft.com", ("20.72.235.82",)), ("ctldl.windowsupdate.com", ("93.184.221.240",)),
        ("dl.delivery.mp.microsoft.com", ("152.199.19.161",)),
    ),
}

# Inbound UDP services: profile -> (local ports, weights).
INBOUND_UDP = {"netbios_in": ((137, 138), (0.5, 0.5)), "llmnr_in": ((5355, 5353), (0.8, 0.2)), "dns_in": ((53,), (1.0,)),
               "dc_udp_in": ((389, 88), (0.8, 0.2)), "ntp_in": ((123,), (1.0,))}
# Self-traffic of the DC: profile -> (local ports, weights) of the owner (lsass, System, RPCSS).
SELF_PORTS = {"self_ldap": ((389, 49674, 88), (0.6, 0.2, 0.2)), "self_smb": ((445,), (1.0,)), "self_epm": ((135,), (1.0,))}

_DOWNLOADS = ("invoice_{n}.pdf", "Q{q}_report.xlsx", "setup_{n}.msi", "presentation_{n}.pptx", "photo_{n}.jpg", "notes_{n}.txt",
              "contract_{n}.docx", "dataset_{n}.csv", "drivers_{n}.zip", "agenda_{n}.docx", "statement_{n}.pdf", "diagram_{n}.png")
_DOCS = ("Budget {y}.xlsx", "Meeting notes {n}.docx", "Project plan v{n}.docx", "Sales Q{q}.pptx", "Forecast {y}.xlsx",
         "Timesheet week {n}.xlsx", "Minutes {n}.docx", "Design {n}.vsdx", "Roadmap {y}.pptx", "Checklist {n}.docx",
         "Travel {n}.xlsx", "Ideas {n}.txt")
_ATTACH = ("Invoice {n}.pdf", "Quote {n}.docx", "Report {n}.xlsx", "Agenda {n}.pdf", "Scan_{n}.pdf", "Offer {n}.docx")


def _stable(*parts: object) -> int:
    return int.from_bytes(hashlib.sha1("|".join(map(str, parts)).encode()).digest()[:4], "big")


def _sized(name: str, folder: str, *salt: object) -> FileEntry:
    return plain(name, folder, 1_000 + _stable(folder, name, *salt) % 5_000_000)


class Profiles:
    """Vectorised generators of the table-specific fields of benign events."""

    def __init__(self, estate: Estate) -> None:
        self.estate = estate
        s = estate.strings
        self.s = s
        self.ephemeral_lo = 49152
        for name, endpoints in ENDPOINTS.items():
            urls, ips = [], []
            for url, addresses in endpoints:
                for ip in addresses:
                    urls.append(s.add(url))
                    ips.append(s.add(ip))
            setattr(self, f"_{name}", (np.array(urls), np.array(ips)))
            setattr(self, f"_{name}_public", np.array([not s.value(i).startswith("10.") for i in ips], dtype=bool))
        cat = estate.catalog
        self.load_profiles = {p: np.array([cat[d] for d in dict.fromkeys(names)]) for p, names in LATER_LOADS.items()}
        self._files_per_device()
        devices = estate.devices
        self.dc_ip = s.add(next(d.ip for d in devices if "dc" in d.roles))
        mgmt = [d for d in devices if "mgmt" in d.roles]
        self.mgmt_dev = np.array([d.index for d in mgmt])
        self.ws_dev = np.array([d.index for d in devices if d.kind == "workstation"])
        self.server_dev = np.array([d.index for d in devices if d.kind != "workstation"])
        self.app_tier = np.array([s.add(f"10.20.5.{11 + i}") for i in range(8)])  # unmanaged application servers
        self.fileserver_ip = np.array([s.add(d.ip) for d in devices if d.kind != "workstation"])
        self.dyn_port = np.array([service_port(d.device_id) for d in devices])
        self.device_name = np.array([s.add(d.short) for d in devices])
        self.machine = np.array(estate.machine)
        self.user = np.array([d.user for d in devices])
        self.names = {name: s.add(name) for name in (
            "ConnectionSuccess", "ConnectionFailed", "InboundConnectionAccepted", "Tcp", "Udp", "Private", "Public",
            "Loopback", "127.0.0.1", "FileCreated", "FileModified", "FileRenamed", "FileDeleted", "SMB", "ADMIN$",
            "LogonSuccess", "LogonFailed", "Network", "Unlock", "Service", "Batch", "Kerberos", "NTLM", "Negotiate",
            "InvalidUserNameOrPassword", '{"IsLocalLogon":true}', '{"IsLocalLogon":false}', "Broadcast", "::1")}
        self.broadcast = np.array([s.add(d.ip.rsplit(".", 1)[0] + ".255") for d in devices])  # the /24's broadcast address

    # --- files ---------------------------------------------------------------------------------------------

    def _files_per_device(self) -> None:
        """Per-user document sets and shared system files, added to the catalog (hashes stay stable)."""
        estate, cat = self.estate, self.estate.catalog
        n = len(estate.devices)
        self.user_files: dict[str, np.ndarray] = {}
        renamed_from: dict[int, int] = {}
        for profile, patterns, sub in (("downloads", _DOWNLOADS, "Downloads"), ("docs", _DOCS, "Documents"),
                                       ("attachments", _ATTACH, "AppData\\Local\\Microsoft\\Windows\\INetCache\\Content.Outlook\\7Q2ZK1WB")):
            matrix = np.zeros((n, len(patterns)), dtype=np.int64)
            for device in estate.devices:
                user = estate.account(device.user)[1] if device.user else "administrator"
                for j, pattern in enumerate(patterns):
                    name = pattern.format(n=_stable(device.index, j) % 900 + 100, q=j % 4 + 1, y=2024)
                    folder = f"C:\\Users\\{user}\\{sub}"
                    matrix[device.index, j] = cat.add(f"{folder}\\{name}", _sized(name, folder))
                    if profile == "downloads":
                        partial = f"{name}.crdownload"
                        renamed_from[int(matrix[device.index, j])] = cat.add(f"{folder}\\{partial}", _sized(partial, folder))
            self.user_files[profile] = matrix
        self.renamed_from = np.zeros(len(cat), dtype=np.int64)  # download -> its ".crdownload" partial file
        for final, partial in renamed_from.items():
            self.renamed_from[final] = partial
        shared = {
            "defs": [(f"C:\\ProgramData\\Microsoft\\Windows Defender\\Definition Updates\\{{{g}}}", f) for g, f in (
                ("3E3E6A7C-5E1B-4C8E-9A1C-7D3F0B9C2A11", "mpasbase.vdm"), ("3E3E6A7C-5E1B-4C8E-9A1C-7D3F0B9C2A11", "mpasdlta.vdm"),
                ("8F1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D", "mpavbase.vdm"), ("8F1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D", "mpengine.dll"))],
            "wu": [(f"C:\\Windows\\SoftwareDistribution\\Download\\{h}", f) for h, f in (
                ("a4c1e0f7d2b3", "windows10.0-kb5041580-x64.cab"), ("b7d2f1e0c3a4", "windows10.0-kb5041019-x64-ndp481.cab"),
                ("c9e3a2b1d0f5", "am_delta_patch_1.417.197.0.exe"), ("d1f4b3c2e0a6", "windows10.0-kb890830-x64.cab"))],
            "servicing": [("C:\\Windows\\WinSxS\\Temp\\PendingRenames", f) for f in (
                "5a1c9e2b_wcp.dll", "7d3f0b9c_msvcp_win.dll", "9e0f1a2b_ntoskrnl.exe.mui", "2a11c7d3_comctl32.dll")],
            "smb_write": [("C:\\Windows\\ccmcache\\1f", f) for f in (
                "ccmsetup.msi", "Contoso.Agent.Update.msi", "inventory.xml", "policy.xml")],
            "wer": [("C:\\ProgramData\\Microsoft\\Windows\\WER\\ReportArchive\\AppCrash_dllhost.exe_4f3c2b1a", "Report.wer"),
                    ("C:\\ProgramData\\Microsoft\\Windows\\WER\\ReportArchive\\AppCrash_RuntimeBroker_9a8b7c6d", "Report.wer"),
                    ("C:\\ProgramData\\Microsoft\\Windows\\WER\\Temp", "WER7A3F.tmp.WERInternalMetadata.xml")],
        }
        self.shared_files = {p: np.array([cat.add(f"{d}\\{f}", _sized(f, d)) for d, f in entries]) for p, entries in shared.items()}

    # --- vectorised profiles ------------------------------------------------------------------------------

    def _pick(self, options: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
        return options[rng.integers(0, len(options), n)]

    def _other_device(self, dev: np.ndarray, pool: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A device from `pool` different from `dev` (falls back to any device)."""
        if len(pool) == 0:
            pool = np.arange(len(self.estate.devices))
        other = self._pick(pool, len(dev), rng)
        same = other == dev
        if same.any():
            other[same] = (other[same] + 1) % len(self.estate.devices)
        return other

    def network(self, profile: str, dev: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
        n, nm, ip = len(dev), self.names, self.estate.device_ip
        eph = rng.integers(self.ephemeral_lo, 65536, n)
        out = {"lip": ip[dev], "lport": eph, "proto": np.full(n, nm["Tcp"]), "liptype": np.full(n, nm["Private"]),
               "riptype": np.full(n, nm["Private"]), "action": np.full(n, nm["ConnectionSuccess"])}
        if profile.startswith("web_"):
            urls, ips = getattr(self, f"_{profile}")
            which = rng.integers(0, len(urls), n)
            public = getattr(self, f"_{profile}_public")[which]
            failed = rng.random(n) < 0.03
            out.update(rip=ips[which], url=urls[which], rport=np.where(rng.random(n) < 0.05, 80, 443),
                       riptype=np.where(public, nm["Public"], nm["Private"]),
                       action=np.where(failed, nm["ConnectionFailed"], nm["ConnectionSuccess"]))
        elif profile == "dns":
            out.update(rip=np.full(n, self.dc_ip), rport=np.full(n, 53), proto=np.full(n, nm["Udp"]))
        elif profile in ("smb_in", "dc_in", "unsecapp_in"):
            pool = {"smb_in": self.server_dev, "dc_in": np.arange(len(self.estate.devices)), "unsecapp_in": self.ws_dev}[profile]
            other = self._other_device(dev, pool, rng)
            lport = {"smb_in": np.full(n, 445), "dc_in": self._pick(np.array([88, 389, 49674, 636, 3268, 445]), n, rng),
                     "unsecapp_in": self.dyn_port[dev]}[profile]
            out.update(action=np.full(n, nm["InboundConnectionAccepted"]), rip=ip[other], rport=eph, lport=lport)
        elif profile == "smb_out":
            out.update(rip=self._pick(self.fileserver_ip, n, rng), rport=np.full(n, 445))
        elif profile == "complus_in":
            out.update(action=np.full(n, nm["InboundConnectionAccepted"]), rip=self._pick(self.app_tier, n, rng), rport=eph,
                       lport=self.dyn_port[dev])
        elif profile == "loopback":
            out.update(rip=np.full(n, nm["127.0.0.1"]), lip=np.full(n, nm["127.0.0.1"]), rport=rng.integers(50000, 60000, n),
                       liptype=np.full(n, nm["Loopback"]), riptype=np.full(n, nm["Loopback"]))
        elif profile == "self":
            out.update(rip=ip[dev], rport=np.full(n, 8080))
        elif profile in INBOUND_UDP or profile in SELF_PORTS or profile == "loop_in":
            out.update(self._inbound(profile, dev, out, rng))
        else:
            raise KeyError(profile)
        return out

    def _inbound(self, profile: str, dev: np.ndarray, out: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Inbound rows other than private IPv4 over TCP: UDP services, IPv6 link-local, loopback, self-traffic."""
        n, nm, ip, ll = len(dev), self.names, self.estate.device_ip, self.estate.device_link_local
        new = {"action": np.full(n, nm["InboundConnectionAccepted"])}
        if profile in INBOUND_UDP:
            ports, weights = INBOUND_UDP[profile]
            lport = np.array(ports)[rng.choice(len(ports), n, p=weights)]
            new.update(proto=np.full(n, nm["Udp"]), lport=lport)
            if profile == "netbios_in":  # NetBIOS name/datagram broadcasts (Sysmon reports the broadcast address)
                new.update(rip=self.broadcast[dev], rport=lport, riptype=np.full(n, nm["Broadcast"]))
            elif profile == "llmnr_in":  # a peer on the link resolving a name, mostly over IPv6 link-local
                other = self._other_device(dev, self.ws_dev, rng)
                v6 = rng.random(n) < 0.7
                new.update(rip=np.where(v6, ll[other], ip[other]), lip=np.where(v6, ll[dev], ip[dev]))
            else:  # the DC's services answering any device of the estate (NTP answers from port 123)
                other = self._other_device(dev, np.arange(len(self.estate.devices)), rng)
                new.update(rip=ip[other], rport=lport if profile == "ntp_in" else out["lport"])
            return new
        if profile == "loop_in":  # loopback SMB / WSDAPI to the kernel, over 127.0.0.1 or ::1
            v6 = rng.random(n) < 0.5
            address = np.where(v6, nm["::1"], nm["127.0.0.1"])
            new.update(rip=address, lip=address, lport=np.where(rng.random(n) < 0.7, 445, 5357),
                       liptype=np.full(n, nm["Loopback"]), riptype=np.full(n, nm["Loopback"]))
            return new
        # the host talking to itself: over its link-local address, ::1 or its own IPv4 address
        ports, weights = SELF_PORTS[profile]
        family = rng.choice(3, n, p=(0.5, 0.25, 0.25))
        address = np.select([family == 0, family == 1], [ll[dev], np.full(n, nm["::1"])], ip[dev])
        kind = np.where(family == 1, nm["Loopback"], nm["Private"])
        new.update(rip=address, lip=address, lport=np.array(ports)[rng.choice(len(ports), n, p=weights)], liptype=kind, riptype=kind)
        return new

    def files(self, profile: str, dev: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
        n, nm = len(dev), self.names
        if profile in self.user_files:
            matrix = self.user_files[profile]
            file = matrix[dev, rng.integers(0, matrix.shape[1], n)]
        else:
            file = self._pick(self.shared_files[profile], n, rng)
        out = {"file": file, "action": np.full(n, nm["FileCreated"])}
        if profile == "downloads":
            renamed = rng.random(n) < 0.4
            out["action"] = np.where(renamed, nm["FileRenamed"], nm["FileCreated"])
            out["prev"] = np.where(renamed, self.renamed_from[file], 0)
            urls, _ = self._web_google
            out["origin"] = self._pick(urls, n, rng)
        elif profile in ("docs", "defs"):
            out["action"] = np.where(rng.random(n) < 0.6, nm["FileModified"], nm["FileCreated"])
        elif profile == "smb_write":
            src = self.mgmt_dev if len(self.mgmt_dev) else np.array([0])
            source = self._pick(src, n, rng)
            out.update(rproto=np.full(n, nm["SMB"]), rip=self.estate.device_ip[source], share=np.full(n, nm["ADMIN$"]),
                       racct=np.full(n, self.estate.services["svc-sccm"]))
        return out

    def logons(self, profile: str, dev: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
        n, nm, est = len(dev), self.names, self.estate
        logon = rng.integers(0x100000, 0x7FFFFFF, n)
        out = {"action": np.full(n, nm["LogonSuccess"]), "ltype": np.full(n, nm["Network"]), "proto": np.full(n, nm["Kerberos"]),
               "logon": logon, "admin": np.zeros(n), "riptype": np.full(n, nm["Private"]),
               "extra": np.full(n, nm['{"IsLocalLogon":false}'])}
        if profile == "net_mgmt":
            source = self._other_device(dev, self.mgmt_dev, rng)
            out.update(acct=np.full(n, est.services["svc-sccm"]), rip=est.device_ip[source], rdev=self.device_name[source],
                       admin=np.ones(n))
        elif profile == "net_machine":
            source = self._other_device(dev, np.arange(len(est.devices)), rng)
            out.update(acct=self.machine[source], rip=est.device_ip[source], rdev=self.device_name[source])
        elif profile == "failed":
            source = self._other_device(dev, self.ws_dev, rng)
            out.update(action=np.full(n, nm["LogonFailed"]), proto=np.full(n, nm["NTLM"]), acct=self.user[source],
                       failure=np.full(n, nm["InvalidUserNameOrPassword"]), rip=est.device_ip[source], logon=np.full(n, -1),
                       rdev=self.device_name[source])
        elif profile == "unlock":
            out.update(ltype=np.full(n, nm["Unlock"]), acct=self.user[dev], riptype=np.zeros(n),
                       extra=np.full(n, nm['{"IsLocalLogon":true}']))
        elif profile == "service":
            out.update(ltype=np.full(n, nm["Service"]), proto=np.full(n, nm["Negotiate"]),
                       acct=np.full(n, est.services["svc-backup"]), riptype=np.zeros(n), extra=np.zeros(n))
        elif profile == "batch":
            out.update(ltype=np.full(n, nm["Batch"]), proto=np.full(n, nm["Negotiate"]),
                       acct=np.where(self.user[dev] > 0, self.user[dev], 1), riptype=np.zeros(n), extra=np.zeros(n))
        else:
            raise KeyError(profile)
        return out

    def load_profile(self, profile: str, n: int, rng: np.random.Generator) -> np.ndarray:
        """Modules a long-lived process loads later in its life (delay loads, shell extensions, add-ins)."""
        return self._pick(self.load_profiles[profile], n, rng)

