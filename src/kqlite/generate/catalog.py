"""Files on disk: executables, DLLs and documents, with stable hashes and version information.

Why one catalog: a process row, its children's InitiatingProcess* columns, an image load and a file event
all describe files; giving each file one index keeps every copy of its path, hashes and version info
identical, which is what joins on SHA1/FolderPath in real hunting rely on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from kqlite.generate.columns import EntityTable

SYS32 = r"C:\Windows\System32"
WBEM = rf"{SYS32}\wbem"
OFFICE = r"C:\Program Files\Microsoft Office\root\Office16"
DEFENDER = r"C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.24070.5-0"
WIN_VERSION = "10.0.19041.4648"
WIN_PRODUCT = "Microsoft® Windows® Operating System"
OFFICE_VERSION = "16.0.17928.20114"

IMAGE_ATTRIBUTES = (
    "FileName", "FolderPath", "SHA1", "SHA256", "MD5", "Company", "Product", "ProductVersion",
    "InternalFileName", "OriginalFileName", "Description", "SignerType", "SignatureStatus",
)


@dataclass(frozen=True)
class FileEntry:
    file_name: str
    folder: str  # directory; FolderPath columns hold the full path (a quirk of real Defender rows)
    description: str = ""
    size: int | None = None
    company: str = ""
    product: str = ""
    version: str = ""
    internal_name: str = ""
    original_name: str = ""
    signer: str = ""
    signature: str = ""
    salt: str = ""  # makes the hashes of look-alike files (a planted DLL) differ from the real one

    @property
    def path(self) -> str:
        return f"{self.folder}\\{self.file_name}" if self.folder else ""

    def digest(self, algorithm: str) -> str:
        if not self.folder:  # the kernel pseudo-process and "no file" have no hashes
            return ""
        return hashlib.new(algorithm, f"{self.path.lower()}|{self.version}|{self.salt}".encode()).hexdigest()


def windows(file_name: str, description: str, size: int, folder: str = SYS32, **more: str) -> FileEntry:
    stem = file_name.rsplit(".", 1)[0]
    return FileEntry(
        file_name, folder, description, size, "Microsoft Corporation", WIN_PRODUCT, WIN_VERSION,
        more.pop("internal_name", stem), more.pop("original_name", file_name), "OsVendor", "Valid", **more,
    )


def office(file_name: str, description: str, size: int, folder: str = OFFICE) -> FileEntry:
    return FileEntry(
        file_name, folder, description, size, "Microsoft Corporation", "Microsoft Office", OFFICE_VERSION,
        file_name.rsplit(".", 1)[0], file_name, "Microsoft", "Valid",
    )


def third_party(file_name: str, folder: str, description: str, size: int, company: str, version: str) -> FileEntry:
    return FileEntry(
        file_name, folder, description, size, company, description, version, file_name.rsplit(".", 1)[0],
        file_name, "ThirdParty", "Valid",
    )


def unsigned(file_name: str, folder: str, size: int, salt: str = "") -> FileEntry:
    return FileEntry(file_name, folder, "", size, signer="Unknown", signature="Unsigned", salt=salt or file_name)


def plain(file_name: str, folder: str, size: int) -> FileEntry:
    """A data file (document, log, cab): no version information."""
    return FileEntry(file_name, folder, size=size)


_MS_APPS = r"C:\Program Files\WindowsApps"
_SYSTEM_APPS = r"C:\Windows\SystemApps"

PROCESSES: dict[str, FileEntry] = {
    "System": FileEntry("System", "", "NT Kernel & System"),
    "smss.exe": windows("smss.exe", "Windows Session Manager", 152064),
    "csrss.exe": windows("csrss.exe", "Client Server Runtime Process", 17448),
    "wininit.exe": windows("wininit.exe", "Windows Start-Up Application", 444416),
    "winlogon.exe": windows("winlogon.exe", "Windows Logon Application", 912384),
    "services.exe": windows("services.exe", "Services and Controller app", 721376),
    "lsass.exe": windows("lsass.exe", "Local Security Authority Process", 59920),
    "svchost.exe": windows("svchost.exe", "Host Process for Windows Services", 55320),
    "userinit.exe": windows("userinit.exe", "Userinit Logon Application", 31744),
    "explorer.exe": windows("explorer.exe", "Windows Explorer", 5436872, folder=r"C:\Windows", original_name="EXPLORER.EXE"),
    "dwm.exe": windows("dwm.exe", "Desktop Window Manager", 94720),
    "fontdrvhost.exe": windows("fontdrvhost.exe", "Usermode Font Driver Host", 827392),
    "spoolsv.exe": windows("spoolsv.exe", "Spooler SubSystem App", 929792),
    "dns.exe": windows("dns.exe", "Domain Name System (DNS) Server", 3011584),
    "MsMpEng.exe": windows("MsMpEng.exe", "Antimalware Service Executable", 133432, folder=DEFENDER),
    "MpCmdRun.exe": windows("MpCmdRun.exe", "Microsoft Malware Protection Command Line Utility", 1528760, folder=DEFENDER),
    "MsSense.exe": windows(
        "MsSense.exe", "Windows Defender Advanced Threat Protection Service Executable", 5196256,
        folder=r"C:\Program Files\Windows Defender Advanced Threat Protection",
    ),
    "RuntimeBroker.exe": windows("RuntimeBroker.exe", "Runtime Broker", 138512),
    "backgroundTaskHost.exe": windows("backgroundTaskHost.exe", "Background Task Host", 19352),
    "dllhost.exe": windows("dllhost.exe", "COM Surrogate", 21312),
    "WmiPrvSE.exe": windows("WmiPrvSE.exe", "WMI Provider Host", 496640, folder=WBEM, original_name="Wmiprvse.exe"),
    "unsecapp.exe": windows("unsecapp.exe", "Sink to receive asynchronous callbacks for WMI client application", 49152, folder=WBEM),
    "TiWorker.exe": windows(
        "TiWorker.exe", "Windows Modules Installer Worker", 236856,
        folder=r"C:\Windows\WinSxS\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.19041.4585_none_7e0c2e6b06d6e2b1",
    ),
    "mobsync.exe": windows("mobsync.exe", "Microsoft Sync Center", 103936),
    "smartscreen.exe": windows("smartscreen.exe", "Windows Defender SmartScreen", 2527024),
    "SecurityHealthHost.exe": windows("SecurityHealthHost.exe", "Windows Security Health Host", 66048),
    "SettingSyncHost.exe": windows("SettingSyncHost.exe", "Host Process for Setting Synchronization", 690688),
    "rundll32.exe": windows("rundll32.exe", "Windows host process (Rundll32)", 71680, original_name="RUNDLL32.EXE"),
    "ShellExperienceHost.exe": windows(
        "ShellExperienceHost.exe", "Windows Shell Experience Host", 878080,
        folder=rf"{_SYSTEM_APPS}\ShellExperienceHost_cw5n1h2txyewy",
    ),
    "StartMenuExperienceHost.exe": windows(
        "StartMenuExperienceHost.exe", "Start", 1057280,
        folder=rf"{_SYSTEM_APPS}\Microsoft.Windows.StartMenuExperienceHost_cw5n1h2txyewy",
    ),
    "SearchApp.exe": windows("SearchApp.exe", "Search application", 4052944, folder=rf"{_SYSTEM_APPS}\Microsoft.Windows.Search_cw5n1h2txyewy"),
    "HxTsr.exe": FileEntry(
        "HxTsr.exe", rf"{_MS_APPS}\microsoft.windowscommunicationsapps_16005.14326.21904.0_x64__8wekyb3d8bbwe",
        "Microsoft Outlook Communications", 7552, "Microsoft Corporation", "Microsoft Outlook Communications",
        "16005.14326.21904.0", "HxTsr", "HxTsr.exe", "Microsoft", "Valid",
    ),
    "Microsoft.Photos.exe": FileEntry(
        "Microsoft.Photos.exe", rf"{_MS_APPS}\Microsoft.Windows.Photos_2024.11050.3002.0_x64__8wekyb3d8bbwe",
        "Microsoft.Photos.exe", 67584, "Microsoft Corporation", "Microsoft Photos", "2024.11050.3002.0",
        "Microsoft.Photos", "Microsoft.Photos.exe", "Microsoft", "Valid",
    ),
    "BackgroundTransferHost.exe": windows("BackgroundTransferHost.exe", "Download/Upload Host", 35640),
    "SppExtComObj.Exe": windows("SppExtComObj.Exe", "KMS Connection Broker", 638976, original_name="SppExtComObj.exe"),
    "usocoreworker.exe": windows("usocoreworker.exe", "UsoCoreWorker.exe", 1155584),
    "browser_broker.exe": windows("browser_broker.exe", "Browser_Broker", 56832),
    "OpenWith.exe": windows("OpenWith.exe", "Pick an app", 119296),
    "prevhost.exe": windows("prevhost.exe", "Preview Handler Surrogate Host", 18944),
    "vdsldr.exe": windows("vdsldr.exe", "Virtual Disk Service Loader", 23552),
    "CredentialUIBroker.exe": windows("CredentialUIBroker.exe", "Credential Manager UI Host", 95744),
    "FileCoAuth.exe": third_party(
        "FileCoAuth.exe", r"C:\Program Files\Microsoft OneDrive\24.151.0728.0003", "Microsoft OneDriveFile Co-Authoring Executable",
        1193296, "Microsoft Corporation", "24.151.0728.0003",
    ),
    "verclsid.exe": windows("verclsid.exe", "Extension CLSID Verification Host", 39936),
    "WerFault.exe": windows("WerFault.exe", "Windows Problem Reporting", 561488),
    # The on-disk name of the same binary as Defender sometimes reports it (case differs): the seed's
    # `FileName != "WerFault.exe"` does not exclude it.
    "werfault.exe": windows("werfault.exe", "Windows Problem Reporting", 561488, original_name="WerFault.exe"),
    "WerFaultSecure.exe": windows("WerFaultSecure.exe", "Windows Fault Reporting", 196912),
    "wermgr.exe": windows("wermgr.exe", "Windows Problem Reporting", 207360),
    "taskhostw.exe": windows("taskhostw.exe", "Host Process for Windows Tasks", 99712),
    "CompatTelRunner.exe": windows("CompatTelRunner.exe", "Microsoft Compatibility Telemetry", 162616),
    "MusNotification.exe": windows("MusNotification.exe", "MusNotification.exe", 286720),
    "sppsvc.exe": windows("sppsvc.exe", "Microsoft Software Protection Platform Service", 4623872),
    "TrustedInstaller.exe": windows("TrustedInstaller.exe", "Windows Modules Installer", 124928, folder=r"C:\Windows\servicing"),
    "msiexec.exe": windows("msiexec.exe", "Windows® installer", 66048),
    "SearchIndexer.exe": windows("SearchIndexer.exe", "Microsoft Windows Search Indexer", 879104),
    "wsmprovhost.exe": windows("wsmprovhost.exe", "Host process for WinRM plug-ins", 51712),
    "conhost.exe": windows("conhost.exe", "Console Window Host", 869376, original_name="CONHOST.EXE"),
    "cmd.exe": windows("cmd.exe", "Windows Command Processor", 289792, original_name="Cmd.Exe"),
    "powershell.exe": windows(
        "powershell.exe", "Windows PowerShell", 452608, folder=rf"{SYS32}\WindowsPowerShell\v1.0",
        internal_name="POWERSHELL", original_name="PowerShell.EXE",
    ),
    "whoami.exe": windows("whoami.exe", "whoami - displays logged on user information", 74752),
    "ipconfig.exe": windows("ipconfig.exe", "IP Configuration Utility", 35328),
    "PING.EXE": windows("PING.EXE", "TCP/IP Ping Command", 21504, original_name="ping.exe"),
    "nslookup.exe": windows("nslookup.exe", "nslookup", 92160),
    "net.exe": windows("net.exe", "Net Command", 57344),
    "net1.exe": windows("net1.exe", "Net Command", 175104),
    "HOSTNAME.EXE": windows("HOSTNAME.EXE", "Hostname APP", 13824, original_name="hostname.exe"),
    "systeminfo.exe": windows("systeminfo.exe", "Displays system information", 89600),
    "tasklist.exe": windows("tasklist.exe", "Lists the current running tasks", 89600),
    "notepad.exe": windows("notepad.exe", "Notepad", 201216, original_name="NOTEPAD.EXE"),
    "calc.exe": windows("calc.exe", "Windows Calculator", 27648, original_name="CALC.EXE"),
    "mspaint.exe": windows("mspaint.exe", "Paint", 988160, original_name="MSPAINT.EXE"),
    "SnippingTool.exe": windows("SnippingTool.exe", "Snipping Tool", 3097088),
    "mstsc.exe": windows("mstsc.exe", "Remote Desktop Connection", 1343488),
    "regsvr32.exe": windows("regsvr32.exe", "Microsoft(C) Register Server", 25600, original_name="REGSVR32.EXE"),
    "mshta.exe": windows("mshta.exe", "Microsoft (R) HTML Application host", 45056, original_name="MSHTA.EXE"),
    "msra.exe": windows("msra.exe", "Windows Remote Assistance", 587264),
    "raserver.exe": windows("raserver.exe", "Windows Remote Assistance COM Server", 126976),
    # The on-disk spelling used by the scheduled task `%windir%\system32\RAServer.exe /offerraupdate`.
    "RAServer.exe": windows("RAServer.exe", "Windows Remote Assistance COM Server", 126976, original_name="raserver.exe"),
    "quickassist.exe": windows("quickassist.exe", "Quick Assist", 1074176),
    "mmc.exe": windows("mmc.exe", "Microsoft Management Console", 1961984, internal_name="MMC", original_name="MMC.EXE"),
    "splwow64.exe": windows("splwow64.exe", "Print driver host for applications", 167936, folder=r"C:\Windows"),
    "chrome.exe": third_party(
        "chrome.exe", r"C:\Program Files\Google\Chrome\Application", "Google Chrome", 3027232, "Google LLC", "127.0.6533.89",
    ),
    "msedge.exe": third_party(
        "msedge.exe", r"C:\Program Files (x86)\Microsoft\Edge\Application", "Microsoft Edge", 4127160,
        "Microsoft Corporation", "127.0.2651.98",
    ),
    "ms-teams.exe": third_party(
        "ms-teams.exe", rf"{_MS_APPS}\MSTeams_24215.1007.3082.1590_x64__8wekyb3d8bbwe", "Microsoft Teams", 1018216,
        "Microsoft Corporation", "24215.1007.3082.1590",
    ),
    "OneDrive.exe": third_party(
        "OneDrive.exe", r"C:\Program Files\Microsoft OneDrive", "Microsoft OneDrive", 3345224, "Microsoft Corporation",
        "24.151.0728.0003",
    ),
    "7zFM.exe": third_party("7zFM.exe", r"C:\Program Files\7-Zip", "7-Zip File Manager", 966144, "Igor Pavlov", "23.01"),
    "Acrobat.exe": third_party(
        "Acrobat.exe", r"C:\Program Files\Adobe\Acrobat DC\Acrobat", "Adobe Acrobat", 5872184, "Adobe Inc.", "24.2.20991.0",
    ),
    "EXCEL.EXE": office("EXCEL.EXE", "Microsoft Excel", 66129256),
    "WINWORD.EXE": office("WINWORD.EXE", "Microsoft Word", 1635688),
    "POWERPNT.EXE": office("POWERPNT.EXE", "Microsoft PowerPoint", 1914712),
    "OUTLOOK.EXE": office("OUTLOOK.EXE", "Microsoft Outlook", 43041640),
    "VISIO.EXE": office("VISIO.EXE", "Microsoft Visio", 1462128),
    "AppVDllSurrogate64.exe": office(
        "AppVDllSurrogate64.exe", "Microsoft Application Virtualization DLL Surrogate", 230712,
        folder=r"C:\Program Files\Microsoft Office\root\Client",
    ),
    "OfficeC2RClient.exe": office(
        "OfficeC2RClient.exe", "Microsoft Office Click-to-Run Client", 26719056,
        folder=r"C:\Program Files\Common Files\microsoft shared\ClickToRun",
    ),
    "iexplore.exe": windows("iexplore.exe", "Internet Explorer", 825232, folder=r"C:\Program Files\Internet Explorer"),
    "IEXPLORE.EXE": windows("IEXPLORE.EXE", "Internet Explorer", 813464, folder=r"C:\Program Files (x86)\Internet Explorer",
                            original_name="IEXPLORE.EXE"),
    "ielowutil.exe": windows("ielowutil.exe", "Internet Low-Mic Utility Tool", 222720,
                             folder=r"C:\Program Files (x86)\Internet Explorer"),
    "OrderSvcHelper.exe": third_party(
        "OrderSvcHelper.exe", r"C:\Program Files\Contoso\OrderService", "Order Service Helper", 412672,
        "Contoso Ltd", "3.4.1.0",
    ),
    "FOXPROW.EXE": unsigned("FOXPROW.EXE", OFFICE, 73216),
}

_NET = r"C:\Windows\Microsoft.NET\Framework64\v4.0.30319"
DLLS: dict[str, FileEntry] = {
    name: entry
    for name, entry in {
        "ntdll.dll": windows("ntdll.dll", "NT Layer DLL", 2174192),
        "kernel32.dll": windows("kernel32.dll", "Windows NT BASE API Client DLL", 770336),
        "KernelBase.dll": windows("KernelBase.dll", "Windows NT BASE API Client DLL", 3018752),
        "combase.dll": windows("combase.dll", "Microsoft COM for Windows", 3593216),
        "rpcrt4.dll": windows("rpcrt4.dll", "Remote Procedure Call Runtime", 1179648),
        "ole32.dll": windows("ole32.dll", "Microsoft OLE for Windows", 1573888),
        "oleaut32.dll": windows("oleaut32.dll", "OLEAUT32.DLL", 829440),
        "advapi32.dll": windows("advapi32.dll", "Advanced Windows 32 Base API", 679936),
        "sechost.dll": windows("sechost.dll", "Host for SCM/SDDL/LSA Lookup APIs", 647168),
        "bcrypt.dll": windows("bcrypt.dll", "Windows Cryptographic Primitives Library", 155648),
        "crypt32.dll": windows("crypt32.dll", "Crypto API32", 1441792),
        "wininet.dll": windows("wininet.dll", "Internet Extensions for Win32", 4780032),
        "winhttp.dll": windows("winhttp.dll", "Windows HTTP Services", 1016832),
        "shell32.dll": windows("shell32.dll", "Windows Shell Common Dll", 7611392),
        "windows.storage.dll": windows("windows.storage.dll", "Microsoft WinRT Storage API", 7831552),
        "wldp.dll": windows("wldp.dll", "Windows Lockdown Policy", 312320),
        "amsi.dll": windows("amsi.dll", "Anti-Malware Scan Interface", 90112),
        "wbemprox.dll": windows("wbemprox.dll", "WMI", 62976, folder=WBEM),
        "fastprox.dll": windows("fastprox.dll", "WMI Custom Marshaller", 974848, folder=WBEM),
        "jscript9.dll": windows("jscript9.dll", "Microsoft (R) JScript", 5640704),
        "jscript.dll": windows("jscript.dll", "Microsoft (R) JScript", 987648),
        "vbscript.dll": windows("vbscript.dll", "Microsoft (R) VBScript", 593920),
        "msscript.ocx": windows("msscript.ocx", "Microsoft (R) Script Control", 98304),
        "iertutil.dll": windows("iertutil.dll", "Run time utility for Internet Explorer", 3107840),
        "mscoree.dll": windows("mscoree.dll", "Microsoft .NET Runtime Execution Engine", 442880),
        "mscoreei.dll": FileEntry("mscoreei.dll", _NET, "Microsoft .NET Runtime Execution Engine", 518584,
                                  "Microsoft Corporation", "Microsoft® .NET Framework", "4.8.9232.0", "mscoreei.dll",
                                  "mscoreei.dll", "Microsoft", "Valid"),
        "clr.dll": FileEntry("clr.dll", _NET, "Microsoft .NET Runtime Common Language Runtime - WorkStation", 10655912,
                             "Microsoft Corporation", "Microsoft® .NET Framework", "4.8.9232.0", "clr.dll", "clr.dll",
                             "Microsoft", "Valid"),
        "clrjit.dll": FileEntry("clrjit.dll", _NET, "Microsoft .NET Runtime Just-In-Time Compiler", 2207000,
                                "Microsoft Corporation", "Microsoft® .NET Framework", "4.8.9232.0", "clrjit.dll",
                                "clrjit.dll", "Microsoft", "Valid"),
        "MpOAV.dll": windows("MpOAV.dll", "IOfficeAntiVirus Module", 424856, folder=DEFENDER),
        "VBE7.DLL": office("VBE7.DLL", "Visual Basic for Applications Runtime", 3352440,
                           folder=r"C:\Program Files\Common Files\microsoft shared\VBA\VBA7.1"),
        "mso20win32client.dll": office("mso20win32client.dll", "Microsoft Office 2016 component", 5071224,
                                       folder=r"C:\Program Files\Common Files\Microsoft Shared\Office16"),
        "chrome_elf.dll": third_party("chrome_elf.dll", r"C:\Program Files\Google\Chrome\Application\127.0.6533.89",
                                      "Google Chrome", 1321560, "Google LLC", "127.0.6533.89"),
        "msedge_elf.dll": third_party("msedge_elf.dll", r"C:\Program Files (x86)\Microsoft\Edge\Application\127.0.2651.98",
                                      "Microsoft Edge", 1765936, "Microsoft Corporation", "127.0.2651.98"),
    }.items()
}


class Catalog:
    """Every file the run mentions, by key; index 0 is "no file". Extendable until `table()` is first used."""

    def __init__(self) -> None:
        from kqlite.generate.modules import (
            module_entries,  # the module catalogue builds on this module's helpers
        )

        self._entries: list[FileEntry] = [FileEntry("", "")]
        self._index: dict[str, int] = {}
        self._table: EntityTable | None = None
        for key, entry in {**PROCESSES, **DLLS}.items():
            self.add(key, entry)
        for key, entry in module_entries().items():  # names already above keep their entry
            self.add(key, entry)

    def add(self, key: str, entry: FileEntry) -> int:
        if key in self._index:
            return self._index[key]
        if self._table is not None:
            raise RuntimeError("catalog is frozen")
        self._index[key] = len(self._entries)
        self._entries.append(entry)
        return self._index[key]

    def __getitem__(self, key: str) -> int:
        return self._index[key]

    def __contains__(self, key: str) -> bool:
        return key in self._index

    def entry(self, index: int) -> FileEntry:
        return self._entries[index]

    def __len__(self) -> int:
        return len(self._entries)

    def table(self) -> EntityTable:
        if self._table is None:
            entries = self._entries
            self._table = EntityTable(
                {
                    "FileName": [e.file_name for e in entries],
                    "FolderPath": [e.path for e in entries],
                    "SHA1": [e.digest("sha1") for e in entries],
                    "SHA256": [e.digest("sha256") for e in entries],
                    "MD5": [e.digest("md5") for e in entries],
                    "Company": [e.company for e in entries],
                    "Product": [e.product for e in entries],
                    "ProductVersion": [e.version for e in entries],
                    "InternalFileName": [e.internal_name for e in entries],
                    "OriginalFileName": [e.original_name for e in entries],
                    "Description": [e.description for e in entries],
                    "SignerType": [e.signer for e in entries],
                    "SignatureStatus": [e.signature for e in entries],
                },
                {"FileSize": [e.size for e in entries]},
            )
        return self._table
