"""What benign machines do, as data: process templates, who spawns them and how often, what they touch.

Rates are events per device-hour at the busiest time of day (interactive rules are scaled down outside
08-18 by `model.hour_weight`), for (workstation, member server, domain controller). Shapes and names follow
section 5.3 of the DCOM domain notes (OTRF recordings): the DcomLaunch churn of B1 dominates the
DcomLaunch-spawned rows; the rest is the ordinary life of a Windows fleet.

None of these rules makes a process whose parent is svchost.exe accept a connection from a non-loopback
address: only the two long-lived role servers (unsecapp on management servers, the COM+ application) do,
and no rule gives those children. Everything the seed rule can fire on is injected by `scenarios.py` and
labelled.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Template:
    """A benign process kind. Its image loads are its executable's module set (modules.py), not listed here."""

    image: str
    cmds: tuple[str, ...]
    identity: str = "user"        # system | network | local | user | parent
    integrity: str = ""           # "" -> the identity's default
    elevation: str = "TokenElevationTypeDefault"
    children: tuple[Child, ...] = ()
    net: tuple[tuple[str, float], ...] = ()    # (network profile, expected rows per instance)
    files: tuple[tuple[str, float], ...] = ()  # (file profile, expected rows per instance)
    werfault: float = 0.0         # probability that this instance crashes (WerFault child)


@dataclass(frozen=True)
class Child:
    template: Template
    p: float
    delay_ms: tuple[int, int] = (20, 2000)


@dataclass(frozen=True)
class Spawn:
    parent: str                                  # model.SLOTS name
    choices: tuple[tuple[Template, float], ...]  # weighted templates
    rate: tuple[float, float, float]             # per hour: workstation, server, DC
    interactive: bool = True


@dataclass(frozen=True)
class Activity:
    owner: str                        # model.SLOTS name
    table: str                        # "net" | "file" | "logon" | "load"
    profile: str
    rate: tuple[float, float, float]
    interactive: bool = True
    roles: tuple[str, ...] = ()       # only on devices with one of these roles (empty: all)


S32 = r"C:\Windows\System32"
CONHOST = Template("conhost.exe", (r"\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1",), "parent")


def _cmd_children(*names: tuple[str, str, float]) -> tuple[Child, ...]:
    return tuple(Child(Template(image, (cmd,), "parent"), p, (300, 20000)) for image, cmd, p in names)


VERCLSID = Template("verclsid.exe", (
    r'"C:\Windows\system32\verclsid.exe" /S /C {0E5AAE11-A475-4C5B-AB00-C66DE400274E} /I {000214E6-0000-0000-C000-000000000046} /X 0x401',
    r'"C:\Windows\system32\verclsid.exe" /S /C {B4BFCC3A-DB2C-424C-B029-7FE99A87C641} /I {000214E6-0000-0000-C000-000000000046} /X 0x401',
), "parent")

# --- B1: DcomLaunch-spawned COM servers (no inbound network, no or benign children) ---------------------------

_DLLHOST_USER = tuple(rf"C:\Windows\system32\DllHost.exe /Processid:{{{appid}}}" for appid in (
    "3EB3C877-1F16-487C-9050-104DBCD66683", "AB8902B4-09CA-4BB6-B78D-A8F59079A8D5", "973D20D7-562D-44B9-B70B-5A0F49CCDF3F",
    "76D0CB12-7604-4048-B83C-1005C7DDC503", "E10F6C3A-F1AE-4ADC-AA9D-2FE65525666E", "1EF75F33-893B-4E8F-9655-C3D602BA4897",
))
_DLLHOST_SYSTEM = tuple(rf"C:\Windows\system32\DllHost.exe /Processid:{{{appid}}}" for appid in (
    "02D4B3F1-FD88-11D1-960D-00805FC79235", "4AA0A5C4-1B9B-4F2E-99D7-99C6AEC83474", "9C38ED61-D565-4728-AEEE-C80952F0ECDE",
))
_CRASH = 0.01  # 0.5-2% of DCOM servers crash (B7)

DCOM_USER = (
    (Template("RuntimeBroker.exe", (rf"{S32}\RuntimeBroker.exe -Embedding",), "user", "Medium",
              children=(Child(VERCLSID, 0.05, (200, 3000)),), werfault=_CRASH), 22.0),
    (Template("backgroundTaskHost.exe", (
        r'"C:\Windows\system32\backgroundTaskHost.exe" -ServerName:App.AppXmtcan0h2tfbfy7k9kn8hbxb6dmzz1zh0.mca',
        r'"C:\Windows\system32\backgroundTaskHost.exe" -ServerName:BackgroundTaskHost.WebAccountProvider',
        r'"C:\Windows\system32\backgroundTaskHost.exe" -ServerName:CortanaUI.AppXy7vb4pc2dr3kc93kfc509b1d0arkfb2x.mca',
    ), "user", "Low", net=(("web_ms", 0.3),), werfault=_CRASH), 12.0),
    (Template("dllhost.exe", _DLLHOST_USER, "user", "Medium", werfault=_CRASH), 16.0),
    (Template("smartscreen.exe", (rf"{S32}\smartscreen.exe -Embedding",), "user", "Medium", net=(("web_ms", 0.6),)), 5.0),
    (Template("SecurityHealthHost.exe", (rf"{S32}\SecurityHealthHost.exe {{08728914-3F57-4D52-9E31-49DAECA5A80A}} -Embedding",),
              "user", "Medium"), 2.0),
    (Template("SettingSyncHost.exe", (rf"{S32}\SettingSyncHost.exe -Embedding",), "user", "Medium"), 2.0),
    (Template("mobsync.exe", (rf"{S32}\mobsync.exe -Embedding",), "user", "High"), 1.0),
    (Template("rundll32.exe", (
        rf"{S32}\rundll32.exe {S32}\shell32.dll,SHCreateLocalServerRunDll {{9aa46009-3ce0-458a-a354-715610a075e6}} -Embedding",
    ), "user", "Medium"), 3.0),
    (Template("ShellExperienceHost.exe", (
        r'"C:\Windows\SystemApps\ShellExperienceHost_cw5n1h2txyewy\ShellExperienceHost.exe" -ServerName:App.AppXtk181tbxbce2qsex02s8tw7hfxa9xb3t.mca',
    ), "user", "Low"), 2.0),
    (Template("StartMenuExperienceHost.exe", (
        r'"C:\Windows\SystemApps\Microsoft.Windows.StartMenuExperienceHost_cw5n1h2txyewy\StartMenuExperienceHost.exe" -ServerName:App.AppXywbrabmsek0gm3tkwpr5kwzbs55tkqay.mca',
    ), "user", "Low"), 2.0),
    (Template("SearchApp.exe", (
        r'"C:\Windows\SystemApps\Microsoft.Windows.Search_cw5n1h2txyewy\SearchApp.exe" -ServerName:CortanaUI.AppX8z9r6jm96hw4bsbneegw0kyxx296wr9t.mca',
    ), "user", "Low", net=(("web_ms", 1.0),)), 3.0),
    (Template("HxTsr.exe", (
        r'"C:\Program Files\WindowsApps\microsoft.windowscommunicationsapps_16005.14326.21904.0_x64__8wekyb3d8bbwe\HxTsr.exe" -ServerName:Hx.IPC.Server',
    ), "user", "Low", net=(("web_office", 1.0),)), 2.0),
    (Template("Microsoft.Photos.exe", (
        r'"C:\Program Files\WindowsApps\Microsoft.Windows.Photos_2024.11050.3002.0_x64__8wekyb3d8bbwe\Microsoft.Photos.exe" -ServerName:App.AppXzst44mncqdg84v7sv6p7yznqwssy6f7f.mca',
    ), "user", "Low"), 1.0),
    (Template("BackgroundTransferHost.exe", ('"BackgroundTransferHost.exe" -ServerName:BackgroundTransferHost.1',), "user", "Low",
              net=(("web_ms", 1.0),)), 2.0),
    (Template("browser_broker.exe", (rf"{S32}\browser_broker.exe -Embedding",), "user", "Medium"), 1.0),
    (Template("OpenWith.exe", (rf"{S32}\OpenWith.exe -Embedding",), "user", "Medium"), 1.0),
    (Template("prevhost.exe", (rf"{S32}\prevhost.exe {{8FC0B734-A0E1-11D1-A7D3-0000F87571E3}} -Embedding",), "user", "Medium"), 1.0),
    (Template("CredentialUIBroker.exe", (rf"{S32}\CredentialUIBroker.exe -Embedding",), "user", "Medium"), 0.5),
    (Template("FileCoAuth.exe", (r'"C:\Program Files\Microsoft OneDrive\24.151.0728.0003\FileCoAuth.exe" -Embedding',), "user",
              "Medium", net=(("web_ms", 0.5),)), 2.0),
    # Local Office automation (a VBA add-in driving Excel): same command line as a remote launch, no inbound.
    (Template("EXCEL.EXE", (r'"C:\Program Files\Microsoft Office\Root\Office16\EXCEL.EXE" /automation -Embedding',), "user",
              "Medium"), 0.3),
)
DCOM_SYSTEM = (
    (Template("WmiPrvSE.exe", (r"C:\Windows\system32\wbem\wmiprvse.exe -secured -Embedding",
                               r"C:\Windows\system32\wbem\wmiprvse.exe -Embedding"), "network", "System",
              werfault=_CRASH), 5.0),
    (Template("dllhost.exe", _DLLHOST_SYSTEM, "system", "System", werfault=_CRASH), 4.0),
    (Template("TiWorker.exe", (
        r"C:\Windows\WinSxS\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.19041.4585_none_7e0c2e6b06d6e2b1\TiWorker.exe -Embedding",
    ), "system", "System", files=(("servicing", 2.0),), net=(("web_wu", 0.5),)), 1.0),
    (Template("SppExtComObj.Exe", (rf"{S32}\SppExtComObj.Exe -Embedding",), "network", "System"), 2.0),
    (Template("usocoreworker.exe", (rf"{S32}\usocoreworker.exe -Embedding",), "system", "System", net=(("web_wu", 1.0),)), 2.0),
    (Template("vdsldr.exe", (rf"{S32}\vdsldr.exe -Embedding",), "system", "System"), 0.5),
    (Template("unsecapp.exe", (r"C:\Windows\system32\wbem\unsecapp.exe -Embedding",), "system", "System"), 0.3),
)

# --- services.exe / task scheduler children --------------------------------------------------------------------

SERVICES = (
    (Template("svchost.exe", (r"C:\Windows\System32\svchost.exe -k WerSvcGroup",), "system", "System"), 1.0),
    (Template("TrustedInstaller.exe", (r"C:\Windows\servicing\TrustedInstaller.exe",), "system", "System"), 1.0),
    (Template("sppsvc.exe", (rf"{S32}\sppsvc.exe",), "network", "System"), 4.0),
    (Template("msiexec.exe", (rf"{S32}\msiexec.exe /V",), "system", "System"), 1.0),
    (Template("svchost.exe", (r"C:\Windows\System32\svchost.exe -k netsvcs -p -s BITS",), "system", "System",
              net=(("web_wu", 2.0),)), 3.0),
    (Template("SearchIndexer.exe", (rf"{S32}\SearchIndexer.exe /Embedding",), "system", "System"), 0.5),
)
SCHEDULED = (
    (Template("taskhostw.exe", ("taskhostw.exe Install $(Arg0)", "taskhostw.exe KEYROAMING",
                                "taskhostw.exe -RegisterDevice -ProtectionStateChanged -FreeNetworkOnly"), "user", "Medium",
              elevation="TokenElevationTypeLimited"), 10.0),
    (Template("MpCmdRun.exe", (
        r'"C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.24070.5-0\MpCmdRun.exe" -IdleTask -TaskName WdCacheMaintenance',
        r'"C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.24070.5-0\MpCmdRun.exe" SignaturesUpdateService -ScheduleJob -RestrictPrivileges',
    ), "system", "System", net=(("web_defender", 1.0),)), 1.0),
    (Template("CompatTelRunner.exe", (r"C:\Windows\system32\compattelrunner.exe -m:appraiser.dll -f:DoScheduledTelemetryRun",),
              "system", "System", net=(("web_ms", 1.0),)), 0.5),
    (Template("wermgr.exe", (r"C:\Windows\system32\wermgr.exe -upload",), "system", "System", net=(("web_ms", 0.5),)), 1.0),
    (Template("MusNotification.exe", (r"C:\Windows\system32\MusNotification.exe",), "system", "System"), 0.5),
    # Remote Assistance's own scheduled task: a process named RAServer.exe that never accepts a connection.
    (Template("RAServer.exe", (r"C:\Windows\system32\RAServer.exe /offerraupdate",), "system", "System"), 0.05),
    (Template("OfficeC2RClient.exe", (
        r'"C:\Program Files\Common Files\Microsoft Shared\ClickToRun\OfficeC2RClient.exe" /frequentupdate SCHEDULEDTASK displaylevel=False',
    ), "system", "System", net=(("web_office", 2.0),)), 0.5),
)

# --- the interactive user ----------------------------------------------------------------------------------------

_SPLWOW = Child(Template("splwow64.exe", (r"C:\Windows\splwow64.exe 8192",), "parent"), 0.04, (5000, 600000))
_CMD_TOOLS = _cmd_children(("ipconfig.exe", "ipconfig  /all", 0.3), ("PING.EXE", "ping  fs01.corp.contoso.com", 0.2),
                           ("nslookup.exe", "nslookup  intranet.corp.contoso.com", 0.1), ("whoami.exe", "whoami", 0.05),
                           ("tasklist.exe", "tasklist", 0.05))
USER = (
    (Template("chrome.exe", (r'"C:\Program Files\Google\Chrome\Application\chrome.exe"',
                             r'"C:\Program Files\Google\Chrome\Application\chrome.exe" --single-argument https://intranet.corp.contoso.com/'),
              "user", "Medium", "TokenElevationTypeLimited", net=(("web_google", 6.0),)), 0.5),
    (Template("notepad.exe", (r'"C:\Windows\system32\NOTEPAD.EXE"', r'"C:\Windows\system32\notepad.exe"'), "user", "Medium",
              "TokenElevationTypeLimited", files=(("docs", 0.5),)), 0.4),
    (Template("cmd.exe", (r'"C:\Windows\system32\cmd.exe"',), "user", "Medium", "TokenElevationTypeLimited",
              children=(Child(CONHOST, 1.0, (5, 60)),) + _CMD_TOOLS), 0.1),
    (Template("powershell.exe", (r'"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe"',), "user", "Medium",
              "TokenElevationTypeLimited", children=(Child(CONHOST, 1.0, (5, 60)),)), 0.08),
    (Template("WINWORD.EXE", (r'"C:\Program Files\Microsoft Office\Root\Office16\WINWORD.EXE" /n',), "user", "Medium",
              "TokenElevationTypeLimited", children=(_SPLWOW,), files=(("docs", 2.0),),
              net=(("web_office", 2.0),)), 0.3),
    (Template("EXCEL.EXE", (r'"C:\Program Files\Microsoft Office\Root\Office16\EXCEL.EXE"',), "user", "Medium",
              "TokenElevationTypeLimited", children=(_SPLWOW,), files=(("docs", 2.0),),
              net=(("web_office", 2.0),)), 0.3),
    (Template("POWERPNT.EXE", (r'"C:\Program Files\Microsoft Office\Root\Office16\POWERPNT.EXE"',), "user", "Medium",
              "TokenElevationTypeLimited", files=(("docs", 1.0),)), 0.1),
    (Template("mstsc.exe", (r'"C:\Windows\system32\mstsc.exe"',), "user", "Medium", "TokenElevationTypeLimited"), 0.05),
    (Template("SnippingTool.exe", (r'"C:\Windows\system32\SnippingTool.exe"',), "user", "Medium", "TokenElevationTypeLimited"), 0.1),
    (Template("mspaint.exe", (r'"C:\Windows\system32\mspaint.exe"',), "user", "Medium", "TokenElevationTypeLimited"), 0.05),
    (Template("7zFM.exe", (r'"C:\Program Files\7-Zip\7zFM.exe"',), "user", "Medium", "TokenElevationTypeLimited",
              files=(("downloads", 1.0),)), 0.05),
    (Template("Acrobat.exe", (r'"C:\Program Files\Adobe\Acrobat DC\Acrobat\Acrobat.exe"',), "user", "Medium",
              "TokenElevationTypeLimited", net=(("web_ms", 1.0),)), 0.1),
    (Template("calc.exe", (r'"C:\Windows\System32\calc.exe"',), "user", "Medium", "TokenElevationTypeLimited"), 0.05),
    # Quick Assist (the user asks the helpdesk for help): outbound to the relay, nothing inbound.
    (Template("quickassist.exe", (r'"C:\Windows\System32\quickassist.exe"',), "user", "Medium", "TokenElevationTypeLimited",
              net=(("web_assist", 4.0),)), 0.02),
)
CHROME_CHILDREN = (
    (Template("chrome.exe", (
        r'"C:\Program Files\Google\Chrome\Application\chrome.exe" --type=renderer --string-annotations --no-pre-read-main-dll --lang=en-US --device-scale-factor=1 --num-raster-threads=4 --enable-main-frame-before-activation --renderer-client-id=7 --mojo-platform-channel-handle=3876 /prefetch:1',
        r'"C:\Program Files\Google\Chrome\Application\chrome.exe" --type=renderer --string-annotations --no-pre-read-main-dll --lang=en-US --device-scale-factor=1 --num-raster-threads=4 --enable-main-frame-before-activation --renderer-client-id=12 --mojo-platform-channel-handle=4412 /prefetch:1',
        r'"C:\Program Files\Google\Chrome\Application\chrome.exe" --type=utility --utility-sub-type=network.mojom.NetworkService --lang=en-US --service-sandbox-type=none --mojo-platform-channel-handle=2152 /prefetch:11',
        r'"C:\Program Files\Google\Chrome\Application\chrome.exe" --type=gpu-process --gpu-preferences=WAAAAAAAAADgAAAMAAAAAAAAAAAAAAAAAABgAAEAAAA4AAAAAAAAAAAAAAAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA --mojo-platform-channel-handle=1980 /prefetch:2',
    ), "parent"), 1.0),
)
EDGE_CHILDREN = (
    (Template("msedge.exe", (
        r'"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe" --type=renderer --lang=en-US --js-flags=--ms-user-locale= --device-scale-factor=1 --num-raster-threads=4 --renderer-client-id=6 --mojo-platform-channel-handle=4756 /prefetch:1',
        r'"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe" --type=utility --utility-sub-type=storage.mojom.StorageService --lang=en-US --service-sandbox-type=service --mojo-platform-channel-handle=2636 /prefetch:8',
    ), "parent"), 1.0),
)

SPAWNS = (
    # B1 DcomLaunch churn: workstation ~160/day (logon bursts and active use), servers ~1/3 of that.
    Spawn("dcomlaunch", DCOM_USER, (9.0, 0.0, 0.0)),
    Spawn("dcomlaunch", DCOM_SYSTEM, (2.0, 3.0, 4.0), interactive=False),
    Spawn("services", SERVICES, (0.4, 0.6, 0.6), interactive=False),
    Spawn("schedule", SCHEDULED, (1.5, 1.5, 1.5), interactive=False),
    Spawn("explorer", USER, (3.0, 0.0, 0.0)),
    Spawn("chrome", CHROME_CHILDREN, (6.0, 0.0, 0.0)),
    Spawn("msedge", EDGE_CHILDREN, (2.0, 0.0, 0.0)),
)

ACTIVITIES = (
    Activity("dnscache", "net", "dns", (30.0, 20.0, 10.0)),
    Activity("chrome", "net", "web_google", (40.0, 0.0, 0.0)),
    Activity("msedge", "net", "web_ms", (10.0, 0.0, 0.0)),
    Activity("teams", "net", "web_teams", (12.0, 0.0, 0.0)),
    Activity("outlook", "net", "web_office", (8.0, 0.0, 0.0)),
    Activity("onedrive", "net", "web_ms", (3.0, 0.0, 0.0)),
    Activity("mssense", "net", "web_defender", (4.0, 4.0, 4.0), interactive=False),
    Activity("msmpeng", "net", "web_defender", (1.0, 1.0, 1.0), interactive=False),
    Activity("wuauserv", "net", "web_wu", (0.5, 0.5, 0.5), interactive=False),
    Activity("system", "net", "smb_in", (1.0, 6.0, 20.0)),
    Activity("system", "net", "smb_out", (2.0, 2.0, 1.0)),
    Activity("lsass", "net", "dc_in", (0.0, 0.0, 200.0), interactive=False),
    Activity("unsecapp", "net", "unsecapp_in", (0.0, 60.0, 60.0), interactive=False, roles=("mgmt",)),
    Activity("complus", "net", "complus_in", (0.0, 40.0, 40.0), roles=("complus",)),
    # Inbound beyond private IPv4 over TCP (all to services, System or lsass, never to a DCOM server): NetBIOS
    # broadcasts and LLMNR/mDNS queries from the link (IPv6 link-local or IPv4), the DC's DNS, CLDAP/Kerberos and
    # NTP over UDP, the DC talking to itself (link-local, ::1, its own IPv4), loopback SMB/WSD over 127.0.0.1 and ::1.
    Activity("system", "net", "netbios_in", (0.6, 0.6, 1.0), interactive=False),
    Activity("dnscache", "net", "llmnr_in", (1.2, 0.5, 0.5), interactive=False),
    Activity("dnsserver", "net", "dns_in", (0.0, 0.0, 120.0), interactive=False),
    Activity("lsass", "net", "dc_udp_in", (0.0, 0.0, 25.0), interactive=False),
    Activity("w32time", "net", "ntp_in", (0.0, 0.0, 10.0), interactive=False),
    Activity("lsass", "net", "self_ldap", (0.0, 0.0, 12.0), interactive=False),
    Activity("system", "net", "self_smb", (0.0, 0.0, 3.0), interactive=False),
    Activity("rpcss", "net", "self_epm", (0.0, 0.0, 3.0), interactive=False),
    Activity("system", "net", "loop_in", (0.6, 0.8, 1.0), interactive=False),
    Activity("teams", "net", "loopback", (1.0, 0.0, 0.0)),
    Activity("chrome", "net", "self", (0.3, 0.0, 0.0)),
    Activity("chrome", "file", "downloads", (1.0, 0.0, 0.0)),
    Activity("explorer", "file", "docs", (2.0, 0.0, 0.0)),
    Activity("outlook", "file", "attachments", (0.8, 0.0, 0.0)),
    Activity("msmpeng", "file", "defs", (0.5, 0.5, 0.5), interactive=False),
    Activity("wuauserv", "file", "wu", (0.5, 0.5, 0.5), interactive=False),
    Activity("system", "file", "smb_write", (0.1, 0.3, 0.3)),
    Activity("explorer", "load", "shell", (2.0, 0.0, 0.0)),
    Activity("chrome", "load", "browser", (1.0, 0.0, 0.0)),
    Activity("outlook", "load", "office", (0.5, 0.0, 0.0)),
    Activity("msmpeng", "load", "native", (0.5, 0.5, 0.5), interactive=False),
    Activity("lsass", "logon", "net_mgmt", (2.0, 6.0, 10.0), interactive=False),
    Activity("lsass", "logon", "net_machine", (1.0, 10.0, 150.0), interactive=False),
    Activity("winlogon", "logon", "unlock", (0.6, 0.0, 0.0)),
    Activity("services", "logon", "service", (0.1, 0.3, 0.3), interactive=False),
    Activity("lsass", "logon", "failed", (0.02, 0.1, 0.5), interactive=False),
    Activity("schedule", "logon", "batch", (0.2, 0.3, 0.3), interactive=False),
)

# Compound background activities (several tables and processes at once), per device-hour.
RPC_MANAGEMENT = (1.5, 15.0, 60.0)   # B2: inbound :135 from management hosts, WMI dynamic port, WmiPrvSE spawn
WINRM_SESSIONS = (0.0, 0.3, 0.3)     # B5: PowerShell remoting into servers
LOOPBACK_DCOM = 1.0                  # B4: a local product driving wsmprovhost over 127.0.0.1 (loopdcom devices)

