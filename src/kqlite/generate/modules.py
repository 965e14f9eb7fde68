"""Which DLLs a process loads when it starts (DeviceImageLoadEvents), as data.

A catalogue of real Windows, .NET, Office and browser module names (with their real folders) and, per
executable, a module set: the modules every instance loads (in load order) and those an instance loads
with some probability. Sizes follow real process starts: console tools ~15-30 modules, service hosts and
COM servers ~30-60, GUI programs ~60-100, Office applications ~100-150. Rare but benign loads (third-party
shell extensions and hooks, printer drivers, Office add-ins, MSI custom-action DLLs, Microsoft DLLs under
user profiles) give rarity and side-loading logic a long tail to get wrong.

Why: with a few dozen DLL names overall, any new module is rare and any process's module list is tiny, so
rules keyed on rarity or on "a DCOM server loaded something" are perfect by construction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from kqlite.generate.catalog import (
    DEFENDER,
    OFFICE,
    SYS32,
    WBEM,
    FileEntry,
    office,
    third_party,
    unsigned,
    windows,
)

SYSWOW64 = r"C:\Windows\SysWOW64"
NET64 = r"C:\Windows\Microsoft.NET\Framework64\v4.0.30319"
NATIVE_IMAGES = r"C:\Windows\assembly\NativeImages_v4.0.30319_64"
OFFICE_SHARED = r"C:\Program Files\Common Files\Microsoft Shared\Office16"
OFFICE_VFS_SHARED = r"C:\Program Files\Microsoft Office\root\vfs\ProgramFilesCommonX64\Microsoft Shared\OFFICE16"
CHROME_DIR = r"C:\Program Files\Google\Chrome\Application\127.0.6533.89"
EDGE_DIR = r"C:\Program Files (x86)\Microsoft\Edge\Application\127.0.2651.98"
IE_DIR = r"C:\Program Files\Internet Explorer"
COMCTL = r"C:\Windows\WinSxS\amd64_microsoft.windows.common-controls_6595b64144ccf1df_6.0.19041.4355_none_60b8b9eb71f62e16"


def _size(name: str) -> int:
    return 24_576 + int.from_bytes(hashlib.sha1(name.lower().encode()).digest()[:4], "big") % 3_500_000


def _lines(block: str) -> list[tuple[str, str]]:
    return [tuple(part.strip() for part in line.split("|", 1)) for line in block.strip().splitlines()]  # type: ignore[misc]


# --- the catalogue: name | FileDescription (System32 unless said otherwise) -----------------------------------------

_SYSTEM = _lines("""
ntdll.dll | NT Layer DLL
kernel32.dll | Windows NT BASE API Client DLL
KernelBase.dll | Windows NT BASE API Client DLL
msvcrt.dll | Windows NT CRT DLL
ucrtbase.dll | Microsoft® C Runtime Library
msvcp_win.dll | Microsoft® C Runtime Library
advapi32.dll | Advanced Windows 32 Base API
sechost.dll | Host for SCM/SDDL/LSA Lookup APIs
rpcrt4.dll | Remote Procedure Call Runtime
bcryptprimitives.dll | Windows Cryptographic Primitives Library
combase.dll | Microsoft COM for Windows
win32u.dll | Win32u
gdi32.dll | GDI Client DLL
gdi32full.dll | GDI Client DLL
user32.dll | Multi-User Windows USER API Client DLL
imm32.dll | Multi-User Windows IMM32 API Client DLL
ole32.dll | Microsoft OLE for Windows
oleaut32.dll | OLEAUT32.DLL
clbcatq.dll | COM+ Configuration Catalog
kernel.appcore.dll | AppModel API Host
cryptbase.dll | Base cryptographic API DLL
powrprof.dll | Power Profile Helper DLL
umpdc.dll | User Mode Power Dependency Coordinator
SHCore.dll | SHCORE
shlwapi.dll | Shell Light-weight Utility Library
profapi.dll | User Profile Basic API
windows.storage.dll | Microsoft WinRT Storage API
wldp.dll | Windows Lockdown Policy
WinTypes.dll | Windows Base Types DLL
rmclient.dll | Resource Manager Client
OneCoreCommonProxyStub.dll | OneCore Common Proxy Stub
OneCoreUAPCommonProxyStub.dll | OneCoreUAP Common Proxy Stub
msctf.dll | MSCTF Server DLL
uxtheme.dll | Microsoft UxTheme Library
sspicli.dll | Security Support Provider Interface
cryptsp.dll | Cryptographic Service Provider API
rsaenh.dll | Microsoft Enhanced Cryptographic Provider
bcrypt.dll | Windows Cryptographic Primitives Library
crypt32.dll | Crypto API32
msasn1.dll | ASN.1 Runtime APIs
wintrust.dll | Microsoft Trust Verification APIs
ntmarta.dll | Windows NT MARTA provider
userenv.dll | Userenv
dpapi.dll | Data Protection API
gpapi.dll | Group Policy Client API
ncrypt.dll | Windows NCrypt Router
ntasn1.dll | Microsoft ASN.1 API
cryptnet.dll | Crypto Network Related API
authz.dll | Authorization Framework
samcli.dll | Security Accounts Manager Client DLL
samlib.dll | SAM Library DLL
secur32.dll | Security Support Provider Interface
kerberos.dll | Kerberos Security Package
msv1_0.dll | Microsoft Authentication Package v1.0
negoexts.dll | NegoExtender Security Package
cryptdll.dll | Cryptography Manager
schannel.dll | TLS / SSL Security Provider
mskeyprotect.dll | Microsoft Key Protection Provider
ncryptsslp.dll | Microsoft SChannel Provider
vaultcli.dll | Credential Vault Client Library
dsparse.dll | Active Directory Domain Services API
ws2_32.dll | Windows Socket 2.0 32-Bit DLL
mswsock.dll | Microsoft Windows Sockets 2.0 Service Provider
IPHLPAPI.DLL | IP Helper API
nsi.dll | NSI User-mode interface DLL
dnsapi.dll | DNS Client API DLL
winnsi.dll | Network Store Information RPC interface
rasadhlp.dll | Remote Access AutoDial Helper
FWPUCLNT.DLL | FWP/IPsec User-Mode API
dhcpcsvc.dll | DHCP Client Service
dhcpcsvc6.dll | DHCPv6 Client
webio.dll | Web Transfer Protocols API
winhttp.dll | Windows HTTP Services
wininet.dll | Internet Extensions for Win32
iertutil.dll | Run time utility for Internet Explorer
urlmon.dll | OLE32 Extensions for Win32
netutils.dll | Net Win32 API Helpers DLL
srvcli.dll | Server Service Client DLL
wkscli.dll | Workstation Service Client DLL
netapi32.dll | Net Win32 API DLL
logoncli.dll | Net Logon Client DLL
OnDemandConnRouteHelper.dll | On Demand Connction Route Helper
winrnr.dll | LDAP RnR Provider DLL
pnrpnsp.dll | PNRP Name Space Provider
NapiNSP.dll | E-mail Naming Shim Provider
wshbth.dll | Windows Sockets Helper DLL
nlaapi.dll | Network Location Awareness 2
netprofm.dll | Network List Manager
npmproxy.dll | Network List Manager Proxy
mpr.dll | Multiple Provider Router DLL
wldap32.dll | Win32 LDAP API DLL
dsreg.dll | AD/AAD User Device Registration
shell32.dll | Windows Shell Common Dll
propsys.dll | Microsoft Property System
dwmapi.dll | Microsoft Desktop Window Manager API
TextInputFramework.dll | "TextInputFramework.DYNLINK"
CoreMessaging.dll | Microsoft CoreMessaging Dll
CoreUIComponents.dll | Microsoft Core UI Components Dll
twinapi.appcore.dll | twinapi.appcore
textshaping.dll | Text Shaping
edputil.dll | EDP util
apphelp.dll | Application Compatibility Client Library
version.dll | Version Checking and File Installation Libraries
cfgmgr32.dll | Configuration Manager DLL
devobj.dll | Device Information Set DLL
setupapi.dll | Windows Setup API
sxs.dll | Fusion 2.5
windowscodecs.dll | Microsoft Windows Codecs Library
oleacc.dll | Active Accessibility Core Component
dxgi.dll | DirectX Graphics Infrastructure
d3d11.dll | Direct3D 11 Runtime
d2d1.dll | Microsoft D2D Library
DWrite.dll | Microsoft DirectX Typography Services
dcomp.dll | Microsoft DirectComposition Library
DataExchange.dll | Data exchange
wtsapi32.dll | Windows Remote Desktop Session Host Server SDK APIs
winsta.dll | Winstation Library
ExplorerFrame.dll | ExplorerFrame
thumbcache.dll | Microsoft Thumbnail Cache
policymanager.dll | Policy Manager DLL
msvcp110_win.dll | Microsoft® C Runtime Library
Windows.UI.dll | Windows Runtime UI Foundation DLL
InputHost.dll | InputHost
BCP47Langs.dll | BCP47 Language Classes
BCP47mrm.dll | BCP47 Language Classes for Resource Management
MrmCoreR.dll | Microsoft Windows MRM
ntshrui.dll | Shell extensions for sharing
cscapi.dll | Offline Files Win32 API
linkinfo.dll | Windows Volume Tracking
StructuredQuery.dll | Structured Query
Windows.StateRepositoryPS.dll | Windows StateRepository API Proxy Stub
Windows.StateRepositoryCore.dll | Windows StateRepository API Core
dui70.dll | Microsoft DirectUI Engine
duser.dll | Windows DirectUser Engine
msimg32.dll | GDIEXT Client DLL
dbghelp.dll | Windows Image Helper
dbgcore.dll | Windows Core Debugging Helpers
atlthunk.dll | atlthunk.dll
atl.dll | ATL Module for Windows XP (Unicode)
xmllite.dll | Microsoft XmlLite Library
msxml6.dll | MSXML 6.0 SP3
mlang.dll | Multi Language Support DLL
msls31.dll | Microsoft Line Services library file
mshtml.dll | MSHTML
ieframe.dll | Internet Browser
ieproxy.dll | IE ActiveX Interface Marshaling Library
ieui.dll | Internet Explorer UI Engine
MSIMTF.dll | Microsoft MSIMTF DLL
jscript9.dll | Microsoft (R) JScript
jscript.dll | Microsoft (R) JScript
vbscript.dll | Microsoft (R) VBScript
msscript.ocx | Microsoft (R) Script Control
mscoree.dll | Microsoft .NET Runtime Execution Engine
ucrtbase_clr0400.dll | Microsoft® C Runtime Library
vcruntime140_clr0400.dll | Microsoft® C Runtime Library
amsi.dll | Anti-Malware Scan Interface
psapi.dll | Process Status Helper
pdh.dll | Windows Performance Data Helper DLL
tdh.dll | Event Trace Helper Library
wevtapi.dll | Eventing Consumption and Configuration API
framedynos.dll | WMI SDK Provider Framework
wbemcomn.dll | WMI
ncobjapi.dll | Non-COM Object API
mi.dll | Management Infrastructure
miutils.dll | Management Infrastructure Utilities
wmidcom.dll | WMI
Windows.ApplicationModel.dll | Windows ApplicationModel API Server
Windows.Globalization.dll | Windows Globalization
Windows.Networking.Connectivity.dll | Windows Networking Connectivity Runtime
Windows.Web.dll | Web Client DLL
Windows.Storage.ApplicationData.dll | Windows Storage ApplicationData API
threadpoolwinrt.dll | Windows WinRT Threadpool
biwinrt.dll | Windows Background Broker WinRT Library
rometadata.dll | Microsoft MetaData Library
AppResolver.dll | App Resolver
Windows.Shell.ServiceHostBuilder.dll | Windows Shell ServiceHostBuilder
taskschd.dll | Task Scheduler COM API
schedcli.dll | Scheduler Service Client DLL
slc.dll | Software Licensing Client Dll
sppc.dll | Software Licensing Client Dll
spp.dll | Microsoft® Windows Shared Protection Point Library
vssapi.dll | Microsoft® Volume Shadow Copy Requestor/Writer Services API DLL
vsstrace.dll | Volume Shadow Copy Service Tracing Library
srclient.dll | Microsoft® Windows System Restore Client Library
msi.dll | Windows Installer
msisip.dll | MSI Signature SIP Provider
pwrshsip.dll | Microsoft PowerShell SIP Provider
AppxSip.dll | Appx Subject Interface Package
OpcServices.dll | Native Code OPC Services Library
wshext.dll | Microsoft Shell Extension for SIPs
utcutil.dll | Connected User Experiences and Telemetry Utility
dcntel.dll | Device Census Telemetry
winbrand.dll | Windows Branding Resources
fltLib.dll | Filter Library
cldapi.dll | Windows Cloud API
dusmapi.dll | Data Usage Service API
rasapi32.dll | Remote Access API
rasman.dll | Remote Access Connection Manager
rtutils.dll | Routing Utilities
winmm.dll | MCI API DLL
MMDevAPI.dll | MMDevice API
AudioSes.dll | Windows Audio Session API
avrt.dll | Multimedia Realtime Runtime
mfplat.dll | Media Foundation Platform DLL
hid.dll | Hid User Library
WinSCard.dll | Microsoft Smart Card API
wer.dll | Windows Error Reporting DLL
faultrep.dll | Windows User Mode Crash Reporting DLL
wmsgapi.dll | WinLogon IPC Client
winspool.drv | Windows Spooler Driver
mscms.dll | Microsoft Color Matching System DLL
comdlg32.dll | Common Dialogs DLL
PrintConfig.dll | PrintConfig User Interface
ESENT.dll | Extensible Storage Engine for Microsoft(R) Windows(R)
lsasrv.dll | LSA Server DLL
samsrv.dll | SAM Server DLL
msprivs.dll | Microsoft Privilege Translations
pku2u.dll | Pku2u Security Package
cloudAP.dll | Cloud AP Security Package
wdigest.dll | Microsoft Digest Access
tspkg.dll | Web Service Security Package
efslsaext.dll | EFS LSA extension
scecli.dll | Windows Security Configuration Editor Client Engine
scesrv.dll | Windows Security Configuration Editor Engine
ntdsapi.dll | Active Directory Domain Services API
dsrole.dll | DS Role Client DLL
certpoleng.dll | Certificate Policy Engine
rpcss.dll | Distributed COM Services
umpnpmgr.dll | User-mode Plug-and-Play Service
dnsrslvr.dll | DNS Caching Resolver Service
schedsvc.dll | Task Scheduler Service
wuaueng.dll | Windows Update Agent
qmgr.dll | Background Intelligent Transfer Service
WsmSvc.dll | WinRM Service
WsmAuto.dll | Microsoft WSMAN Automation Component
wsmplpxy.dll | wsmplpxy
pwrshplugin.dll | pwrshplugin.dll
w32time.dll | Windows Time Service
wersvc.dll | Windows Error Reporting Service
nsisvc.dll | NSI server service DLL
lmhsvc.dll | TCPIP NetBIOS Helper
AudioEndpointBuilder.dll | Audio Endpoint Builder
Wcmsvc.dll | Windows Connection Manager Service
NcaSvc.dll | Network Connectivity Assistant Service
bfe.dll | Base Filtering Engine
mpssvc.dll | Microsoft Protection Service
usermgr.dll | UserMgr
sysmain.dll | Superfetch Service Host
CoreMessagingRegistrar.dll | Microsoft CoreMessaging Registrar
pcasvc.dll | Program Compatibility Assistant Service
themeservice.dll | Windows Shell Theme Service Dll
wlidsvc.dll | Microsoft® Account Service
usocoreps.dll | Update Session Orchestrator Proxy Stub
appxdeploymentclient.dll | AppX Deployment Client DLL
CSRSRV.dll | Client Server Runtime Process
basesrv.dll | Windows NT BASE API Server DLL
winsrv.dll | Multi-User Windows Server DLL
winsrvext.dll | Multi-User Windows Server Extensions DLL
sxssrv.dll | Windows SxS Server DLL
dwmcore.dll | Windows DWM Core Library
dwmredir.dll | Redirection Surface Manager
wininitext.dll | Wininit Extension DLL
winlogonext.dll | Winlogon Extension DLL
firewallapi.dll | Windows Firewall API
cabinet.dll | Microsoft® Cabinet File API
msdelta.dll | Microsoft Patch Engine
""")
# Modules that live elsewhere: key | folder | FileDescription (Windows-signed unless a builder says otherwise).
_ELSEWHERE = (
    ("wbemprox.dll", WBEM, "WMI"), ("wbemsvc.dll", WBEM, "WMI"), ("fastprox.dll", WBEM, "WMI Custom Marshaller"),
    ("wmiutils.dll", WBEM, "WMI"), ("cimwin32.dll", WBEM, "WMI Win32 Provider"), ("stdprov.dll", WBEM, "WMI"),
    ("wmiprvsd.dll", WBEM, "WMI"), ("esscli.dll", WBEM, "WMI"), ("wbemcore.dll", WBEM, "WMI"),
    ("wmisvc.dll", WBEM, "WMI"), ("repdrvfs.dll", WBEM, "WMI Repository Driver"), ("wmiprov.dll", WBEM, "WMI"),
    ("comctl32.dll", COMCTL, "User Experience Controls Library"),
    ("MpOAV.dll", DEFENDER, "IOfficeAntiVirus Module"), ("MpClient.dll", DEFENDER, "Client Interface"),
    ("MpSvc.dll", DEFENDER, "Service Module"), ("MpRtp.dll", DEFENDER, "Real-time Protection Module"),
    ("CbsApi.dll", r"C:\Windows\servicing", "Windows Servicing API"),
    ("CbsCore.dll", r"C:\Windows\WinSxS\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.19041.4585_none_7e0c2e6b06d6e2b1",
     "CBS Core"),
    ("wcp.dll", r"C:\Windows\WinSxS\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.19041.4585_none_7e0c2e6b06d6e2b1",
     "Windows Componentization Platform Servicing API"),
)
_NET_FRAMEWORK = ("mscoreei.dll", "clr.dll", "clrjit.dll", "diasymreader.dll", "WMINet_Utils.dll")
GAC64 = r"C:\Windows\Microsoft.NET\assembly\GAC_64"
_NATIVE_IMAGES = ("mscorlib", "System", "System.Core", "System.Configuration", "System.Xml", "System.Management",
                  "System.Management.Automation", "Microsoft.PowerShell.ConsoleHost", "Microsoft.PowerShell.Commands.Utility",
                  "Microsoft.PowerShell.Commands.Management", "Microsoft.PowerShell.Security", "System.DirectoryServices",
                  "System.Numerics", "System.Transactions", "Microsoft.Management.Infrastructure")
_OFFICE_MODULES = (
    # (key, folder, description)
    ("AppVIsvSubsystems64.dll", OFFICE, "Client Virtualization Subsystems"), ("C2R64.dll", OFFICE, "Microsoft Office Click-to-Run"),
    ("mso20win32client.dll", OFFICE_SHARED, "Microsoft Office 2016 component"),
    ("mso30win32client.dll", OFFICE_SHARED, "Microsoft Office 2016 component"),
    ("mso40uiwin32client.dll", OFFICE_SHARED, "Microsoft Office 2016 component"),
    ("mso50win32client.dll", OFFICE_SHARED, "Microsoft Office 2016 component"),
    ("mso98win32client.dll", OFFICE_SHARED, "Microsoft Office 2016 component"),
    ("mso99lwin32client.dll", OFFICE_SHARED, "Microsoft Office 2016 component"),
    ("MSOINTL.DLL", rf"{OFFICE_SHARED}\1033", "Microsoft Office 2016 component"),
    ("Mso.dll", OFFICE_SHARED, "Microsoft Office 2016 component"), ("MSPTLS.DLL", OFFICE_VFS_SHARED, "Microsoft Office 2016 component"),
    ("RICHED20.DLL", OFFICE_VFS_SHARED, "Microsoft Office 2016 component"), ("OART.DLL", OFFICE, "Microsoft OfficeArt"),
    ("msvcp140.dll", OFFICE, "Microsoft® C Runtime Library"), ("vcruntime140.dll", OFFICE, "Microsoft® C Runtime Library"),
    ("vcruntime140_1.dll", OFFICE, "Microsoft® C Runtime Library"), ("d3d10warp.dll", SYS32, "Direct3D Rasterizer"),
    ("XLINTL32.DLL", rf"{OFFICE}\1033", "Microsoft Excel International"), ("XLCALL32.DLL", OFFICE, "Microsoft Excel"),
    ("WWLIB.DLL", OFFICE, "Microsoft Word"), ("WWINTL.DLL", rf"{OFFICE}\1033", "Microsoft Word International"),
    ("PPCORE.DLL", OFFICE, "Microsoft PowerPoint"), ("PPINTL.DLL", rf"{OFFICE}\1033", "Microsoft PowerPoint International"),
    ("OUTLLIB.DLL", OFFICE, "Microsoft Outlook"), ("OLMAPI32.DLL", OFFICE, "Microsoft Outlook MAPI"),
    ("EMSMDB32.DLL", OFFICE, "Microsoft Exchange Server MAPI"), ("MSPST32.DLL", OFFICE, "Microsoft Personal Folder/Address Book"),
    ("OUTLLIBR.DLL", rf"{OFFICE}\1033", "Microsoft Outlook International"), ("VISLIB.DLL", OFFICE, "Microsoft Visio"),
    ("VISINTL.DLL", rf"{OFFICE}\1033", "Microsoft Visio International"), ("GFX.DLL", OFFICE, "Microsoft Office Graphics"),
    ("MSOSB.DLL", OFFICE, "Microsoft Office Sandbox"), ("CHART.DLL", OFFICE, "Microsoft Office Charting"),
)
_BROWSER_MODULES = (  # (catalog key, file name, folder, description, company, version)
    ("chrome.dll", "chrome.dll", CHROME_DIR, "Google Chrome", "Google LLC", "127.0.6533.89"),
    ("chrome_wer.dll", "chrome_wer.dll", CHROME_DIR, "Google Chrome", "Google LLC", "127.0.6533.89"),
    ("chrome_libEGL.dll", "libEGL.dll", CHROME_DIR, "ANGLE libEGL Dynamic Link Library", "Google LLC", "127.0.6533.89"),
    ("chrome_libGLESv2.dll", "libGLESv2.dll", CHROME_DIR, "ANGLE libGLESv2 Dynamic Link Library", "Google LLC", "127.0.6533.89"),
    ("chrome_d3dcompiler_47.dll", "d3dcompiler_47.dll", CHROME_DIR, "Direct3D HLSL Compiler", "Microsoft Corporation",
     "10.0.10586.0"),
    ("msedge.dll", "msedge.dll", EDGE_DIR, "Microsoft Edge", "Microsoft Corporation", "127.0.2651.98"),
    ("msedge_libEGL.dll", "libEGL.dll", EDGE_DIR, "ANGLE libEGL Dynamic Link Library", "Microsoft Corporation", "127.0.2651.98"),
    ("msedge_libGLESv2.dll", "libGLESv2.dll", EDGE_DIR, "ANGLE libGLESv2 Dynamic Link Library", "Microsoft Corporation",
     "127.0.2651.98"),
    ("msedge_telclient.dll", "telclient.dll", EDGE_DIR, "Microsoft Edge Telemetry Client", "Microsoft Corporation", "127.0.2651.98"),
)
# 32-bit processes load the 64-bit ntdll and the WOW64 layer from System32, the rest from SysWOW64.
_WOW64_LAYER = (("wow64.dll", "Win32 Emulation on NT64"), ("wow64base.dll", "Wow64 base library"),
                ("wow64con.dll", "Wow64 Console and Win32 API Logging"), ("wow64cpu.dll", "AMD64 Wow64 CPU"),
                ("wow64win.dll", "Wow64 Console and Win32 API Logging"))
_WOW64_MIRRORED = ("ntdll.dll", "kernel32.dll", "KernelBase.dll", "msvcrt.dll", "ucrtbase.dll", "msvcp_win.dll", "advapi32.dll",
                   "sechost.dll", "rpcrt4.dll", "bcryptprimitives.dll", "combase.dll", "win32u.dll", "gdi32.dll", "gdi32full.dll",
                   "user32.dll", "imm32.dll", "ole32.dll", "oleaut32.dll", "shell32.dll", "shlwapi.dll", "SHCore.dll",
                   "windows.storage.dll", "kernel.appcore.dll", "uxtheme.dll", "msctf.dll", "cryptbase.dll", "sspicli.dll",
                   "iertutil.dll", "urlmon.dll", "wininet.dll", "mshtml.dll", "ieframe.dll", "ws2_32.dll", "version.dll",
                   "profapi.dll", "powrprof.dll", "propsys.dll", "dwmapi.dll", "clbcatq.dll", "netapi32.dll")

# Rare but benign: loaded by a few processes now and then (third-party hooks and shell extensions, printer
# drivers, add-ins, Microsoft DLLs under a user profile). key -> FileEntry.
_RARE: dict[str, FileEntry] = {
    "ContosoDlpHook64.dll": third_party("ContosoDlpHook64.dll", r"C:\Program Files\Contoso\DLP Agent", "Contoso DLP user-mode hook",
                                        412_160, "Contoso Ltd", "7.2.1.408"),
    "FileSyncShell64.dll": third_party("FileSyncShell64.dll", r"C:\Program Files\Microsoft OneDrive\24.151.0728.0003",
                                       "Microsoft OneDrive Shell Extension", 2_617_168, "Microsoft Corporation", "24.151.0728.0003"),
    "7-zip.dll": third_party("7-zip.dll", r"C:\Program Files\7-Zip", "7-Zip Shell Extension", 101_376, "Igor Pavlov", "23.01"),
    "AcroPDFImpl64.dll": third_party("AcroPDFImpl64.dll", r"C:\Program Files\Adobe\Acrobat DC\Acrobat", "Adobe PDF Preview Handler",
                                     1_310_720, "Adobe Inc.", "24.2.20991.0"),
    "UNIDRV.DLL": windows("UNIDRV.DLL", "Unidrv Printer Driver", 631_808, folder=r"C:\Windows\System32\spool\drivers\x64\3"),
    "mxdwdrv.dll": windows("mxdwdrv.dll", "Microsoft XPS Document Writer", 844_800, folder=r"C:\Windows\System32\spool\drivers\x64\3"),
    "PrintConfig.dll#driverstore": windows(
        "PrintConfig.dll", "PrintConfig User Interface", 3_090_432,
        folder=r"C:\Windows\System32\DriverStore\FileRepository\prnms003.inf_amd64_9d9bd2ab52b41d1f\Amd64"),
    "Microsoft.Teams.AddinLoader.dll": FileEntry(
        "Microsoft.Teams.AddinLoader.dll", r"C:\Users\Public\AppData\Local\Microsoft\TeamsMeetingAddin\1.0.24151.2\x64",
        "Microsoft Teams Meeting Add-in for Microsoft Office", 46_520, "Microsoft Corporation", "Microsoft Teams", "1.0.24151.2",
        "Microsoft.Teams.AddinLoader", "Microsoft.Teams.AddinLoader.dll", "Microsoft", "Valid"),
    "PDFMOfficeAddin.dll": third_party("PDFMOfficeAddin.dll", r"C:\Program Files\Adobe\Acrobat DC\PDFMaker\Office\x64",
                                       "PDFMaker for Office", 1_456_640, "Adobe Inc.", "24.2.20991.0"),
    "MSI4F2A.tmp": third_party("MSI4F2A.tmp", r"C:\Windows\Installer", "Contoso Agent installer custom actions", 236_032,
                               "Contoso Ltd", "7.2.1.408"),
    "MSIB713.tmp": third_party("MSIB713.tmp", r"C:\Windows\Installer", "WiX Toolset custom action", 182_784,
                               ".NET Foundation", "3.14.0.8606"),
    "OrderPlugin.dll": unsigned("OrderPlugin.dll", r"C:\Program Files\Contoso\OrderService", 88_064),
    "ContosoCredProv.dll": third_party("ContosoCredProv.dll", r"C:\Program Files\Contoso\Auth", "Contoso credential provider",
                                       301_568, "Contoso Ltd", "2.0.5.0"),
    "nvldumdx.dll": third_party("nvldumdx.dll", r"C:\Windows\System32\DriverStore\FileRepository\nv_dispi.inf_amd64_0d6a4b0a6b1d2c6e",
                                "NVIDIA Driver Loader", 1_032_840, "NVIDIA Corporation", "31.0.15.3623"),
    "igdumdim64.dll": third_party("igdumdim64.dll", r"C:\Windows\System32\DriverStore\FileRepository\iigd_dch.inf_amd64_83b5b4f2d8c7a1e2",
                                  "User Mode Driver for Intel(R) Graphics Technology", 1_894_400, "Intel Corporation", "31.0.101.4502"),
    "tmumh.dll": third_party("tmumh.dll", r"C:\Program Files (x86)\Trend Micro\Security Agent\Module\20019\1.5.1395", "Trend Micro UMH Driver",
                             398_848, "Trend Micro Inc.", "1.5.1395"),
}


def module_entries() -> dict[str, FileEntry]:
    """Every module of the catalogue, by catalog key (file names; SysWOW64 copies under 'SysWOW64\\<name>')."""
    out: dict[str, FileEntry] = {}
    for name, description in _SYSTEM:
        out[name] = windows(name, description, _size(name))
    for name, folder, description in _ELSEWHERE:
        out[name] = windows(name, description, _size(name), folder=folder)
    for name in _NET_FRAMEWORK:
        out[name] = FileEntry(name, NET64, f"Microsoft .NET Runtime ({name})", _size(name), "Microsoft Corporation",
                              "Microsoft® .NET Framework", "4.8.9232.0", name.rsplit(".", 1)[0], name, "Microsoft", "Valid")
    for assembly in ("System.Data", "System.Transactions"):
        name = f"{assembly}.dll"
        out[name] = FileEntry(name, rf"{GAC64}\{assembly}\v4.0_4.0.0.0__b77a5c561934e089", assembly, _size(name),
                              "Microsoft Corporation", "Microsoft® .NET Framework", "4.8.9232.0", name, name, "Microsoft", "Valid")
    for assembly in _NATIVE_IMAGES:
        name = f"{assembly}.ni.dll"
        folder = rf"{NATIVE_IMAGES}\{assembly[:24]}\{hashlib.md5(assembly.encode()).hexdigest()}"
        out[name] = FileEntry(name, folder, assembly, _size(name), "Microsoft Corporation", "Microsoft® .NET Framework", "4.8.9232.0",
                              f"{assembly}.dll", f"{assembly}.dll", "Microsoft", "Valid")
    for key, folder, description in _OFFICE_MODULES:
        out[key] = office(key, description, _size(key), folder=folder)
    for key, name, folder, description, company, version in _BROWSER_MODULES:
        out[key] = third_party(name, folder, description, _size(key), company, version)
    for name, description in _WOW64_LAYER:
        out[name] = windows(name, description, _size(name))
    for name in _WOW64_MIRRORED:
        base = out[name]
        out[f"SysWOW64\\{name}"] = windows(name, base.description, _size("wow" + name), folder=SYSWOW64)
    out.update(_RARE)
    return out


# --- module sets ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModuleSet:
    core: tuple[str, ...]          # loaded by every instance, in this order, within the first ~0.3 s
    optional: tuple[str, ...] = ()  # each loaded with probability p, within the first few seconds
    p: float = 0.5
    rare: float = 0.0              # probability that an instance also loads one module of the rare list


BASE = ("ntdll.dll", "kernel32.dll", "KernelBase.dll", "msvcrt.dll", "ucrtbase.dll", "msvcp_win.dll", "advapi32.dll", "sechost.dll",
        "rpcrt4.dll", "bcryptprimitives.dll", "combase.dll")
USER = ("win32u.dll", "gdi32.dll", "gdi32full.dll", "user32.dll", "imm32.dll")
COM = ("ole32.dll", "oleaut32.dll", "clbcatq.dll", "kernel.appcore.dll", "cryptbase.dll", "powrprof.dll", "umpdc.dll", "SHCore.dll",
       "shlwapi.dll", "profapi.dll", "WinTypes.dll", "OneCoreCommonProxyStub.dll")
SECURITY = ("sspicli.dll", "cryptsp.dll", "rsaenh.dll", "bcrypt.dll", "crypt32.dll", "msasn1.dll", "wintrust.dll", "ntmarta.dll",
            "userenv.dll", "dpapi.dll", "gpapi.dll", "ncrypt.dll", "ntasn1.dll")
SECURITY_MORE = ("cryptnet.dll", "authz.dll", "samcli.dll", "samlib.dll", "secur32.dll", "kerberos.dll", "msv1_0.dll", "negoexts.dll",
                 "cryptdll.dll", "schannel.dll", "mskeyprotect.dll", "ncryptsslp.dll", "vaultcli.dll", "dsparse.dll")
NETWORK = ("ws2_32.dll", "mswsock.dll", "IPHLPAPI.DLL", "nsi.dll", "dnsapi.dll", "winnsi.dll", "rasadhlp.dll", "FWPUCLNT.DLL")
NETWORK_MORE = ("dhcpcsvc.dll", "dhcpcsvc6.dll", "webio.dll", "winhttp.dll", "wininet.dll", "iertutil.dll", "urlmon.dll",
                "netutils.dll", "srvcli.dll", "wkscli.dll", "netapi32.dll", "logoncli.dll", "OnDemandConnRouteHelper.dll", "winrnr.dll",
                "pnrpnsp.dll", "NapiNSP.dll", "wshbth.dll", "nlaapi.dll", "netprofm.dll", "npmproxy.dll", "mpr.dll", "wldap32.dll",
                "dsreg.dll")
SHELL = ("shell32.dll", "windows.storage.dll", "wldp.dll", "uxtheme.dll", "msctf.dll", "propsys.dll", "dwmapi.dll",
         "TextInputFramework.dll", "CoreMessaging.dll", "CoreUIComponents.dll", "twinapi.appcore.dll", "textshaping.dll", "comctl32.dll",
         "version.dll", "cfgmgr32.dll", "apphelp.dll", "edputil.dll", "windowscodecs.dll", "sxs.dll", "rmclient.dll",
         "OneCoreUAPCommonProxyStub.dll")
SHELL_MORE = ("devobj.dll", "setupapi.dll", "oleacc.dll", "dxgi.dll", "d3d11.dll", "d2d1.dll", "DWrite.dll", "dcomp.dll",
              "DataExchange.dll", "wtsapi32.dll", "winsta.dll", "ExplorerFrame.dll", "thumbcache.dll", "policymanager.dll",
              "msvcp110_win.dll", "Windows.UI.dll", "InputHost.dll", "BCP47Langs.dll", "BCP47mrm.dll", "MrmCoreR.dll", "ntshrui.dll",
              "cscapi.dll", "linkinfo.dll", "StructuredQuery.dll", "Windows.StateRepositoryPS.dll", "dui70.dll", "duser.dll",
              "msimg32.dll", "atlthunk.dll", "xmllite.dll", "winmm.dll", "MMDevAPI.dll", "AudioSes.dll", "avrt.dll", "hid.dll",
              "comdlg32.dll", "winspool.drv", "mscms.dll", "dbghelp.dll", "AppResolver.dll", "Windows.StateRepositoryCore.dll",
              "mpr.dll", "MpOAV.dll", "amsi.dll", "urlmon.dll", "iertutil.dll")
WINRT = ("Windows.ApplicationModel.dll", "Windows.Globalization.dll", "Windows.Networking.Connectivity.dll", "Windows.Web.dll",
         "Windows.Storage.ApplicationData.dll", "threadpoolwinrt.dll", "biwinrt.dll", "rometadata.dll", "Windows.StateRepositoryPS.dll",
         "Windows.Shell.ServiceHostBuilder.dll", "BCP47Langs.dll", "MrmCoreR.dll", "AppResolver.dll")
WMI = ("wbemprox.dll", "wbemcomn.dll", "wbemsvc.dll", "fastprox.dll", "wmiutils.dll", "framedynos.dll", "ncobjapi.dll", "mi.dll",
       "miutils.dll", "wmidcom.dll", "wmiprvsd.dll", "esscli.dll")
WMI_MORE = ("cimwin32.dll", "stdprov.dll", "wmiprov.dll", "pdh.dll", "tdh.dll", "ntdsapi.dll", "dsrole.dll", "wevtapi.dll", "psapi.dll")
DOTNET = ("mscoree.dll", "mscoreei.dll", "clr.dll", "ucrtbase_clr0400.dll", "vcruntime140_clr0400.dll", "mscorlib.ni.dll", "clrjit.dll",
          "System.ni.dll", "System.Core.ni.dll", "amsi.dll", "MpOAV.dll", "MpClient.dll")
POWERSHELL = ("System.Management.Automation.ni.dll", "Microsoft.PowerShell.ConsoleHost.ni.dll", "System.Configuration.ni.dll",
              "System.Xml.ni.dll", "Microsoft.PowerShell.Commands.Utility.ni.dll", "Microsoft.PowerShell.Commands.Management.ni.dll",
              "Microsoft.PowerShell.Security.ni.dll", "System.Management.ni.dll", "System.DirectoryServices.ni.dll",
              "System.Numerics.ni.dll", "System.Transactions.ni.dll", "Microsoft.Management.Infrastructure.ni.dll", "pwrshsip.dll",
              "System.Data.dll", "diasymreader.dll")
OFFICE_CORE = ("AppVIsvSubsystems64.dll", "C2R64.dll", "vcruntime140.dll", "vcruntime140_1.dll", "msvcp140.dll", "Mso.dll",
               "mso20win32client.dll", "mso30win32client.dll", "mso40uiwin32client.dll", "mso50win32client.dll", "mso98win32client.dll",
               "mso99lwin32client.dll", "MSOINTL.DLL", "MSPTLS.DLL", "RICHED20.DLL", "OART.DLL", "GFX.DLL", "MSOSB.DLL")
OFFICE_MORE = ("CHART.DLL", "VBE7.DLL", "d3d10warp.dll", "msxml6.dll", "mlang.dll", "winspool.drv", "mscms.dll", "comdlg32.dll",
               "WinSCard.dll", "mfplat.dll", "vaultcli.dll", "cryptnet.dll", "schannel.dll", "mskeyprotect.dll", "ncryptsslp.dll")
IE = ("mshtml.dll", "ieframe.dll", "ieproxy.dll", "ieui.dll", "msls31.dll", "mlang.dll", "MSIMTF.dll", "urlmon.dll", "wininet.dll")
SVC_DLLS = ("rpcss.dll", "umpnpmgr.dll", "dnsrslvr.dll", "schedsvc.dll", "wuaueng.dll", "qmgr.dll", "WsmSvc.dll", "w32time.dll",
            "wersvc.dll", "nsisvc.dll", "lmhsvc.dll", "AudioEndpointBuilder.dll", "Wcmsvc.dll", "NcaSvc.dll", "bfe.dll", "mpssvc.dll",
            "usermgr.dll", "sysmain.dll", "CoreMessagingRegistrar.dll", "pcasvc.dll", "themeservice.dll", "wlidsvc.dll", "wmisvc.dll",
            "wbemcore.dll", "repdrvfs.dll", "ESENT.dll", "firewallapi.dll", "taskschd.dll", "xmllite.dll", "wevtapi.dll")

_GUI_CORE = BASE + USER + COM[:9] + SHELL[:14]
_GUI_OPTIONAL = COM[9:] + SHELL[14:] + SHELL_MORE + SECURITY + NETWORK

SETS: dict[str, ModuleSet] = {
    "tiny": ModuleSet(("ntdll.dll",)),
    "csrss": ModuleSet(("ntdll.dll", "CSRSRV.dll", "basesrv.dll", "winsrv.dll", "winsrvext.dll", "kernel32.dll", "KernelBase.dll",
                        "sxssrv.dll", "sxs.dll", "rpcrt4.dll", "msvcrt.dll", "win32u.dll", "gdi32.dll", "user32.dll")),
    "console": ModuleSet(BASE, USER + ("cryptbase.dll", "sspicli.dll", "kernel.appcore.dll", "version.dll", "netapi32.dll", "netutils.dll",
                                       "wkscli.dll", "srvcli.dll", "samcli.dll", "ws2_32.dll", "IPHLPAPI.DLL", "dnsapi.dll", "nsi.dll",
                                       "oleaut32.dll", "ole32.dll", "winbrand.dll", "apphelp.dll", "mpr.dll", "profapi.dll"), 0.35),
    "conhost": ModuleSet(BASE + USER + ("uxtheme.dll", "msctf.dll", "ole32.dll", "oleaut32.dll", "kernel.appcore.dll", "SHCore.dll",
                                        "TextInputFramework.dll", "CoreMessaging.dll", "CoreUIComponents.dll", "WinTypes.dll",
                                        "ntmarta.dll", "cryptbase.dll"), ("dwmapi.dll", "textshaping.dll", "clbcatq.dll", "shlwapi.dll"),
                         0.5),
    "service": ModuleSet(BASE + SECURITY[:8] + ("kernel.appcore.dll", "cryptbase.dll", "powrprof.dll", "umpdc.dll", "ole32.dll",
                                                 "oleaut32.dll", "clbcatq.dll", "profapi.dll"),
                         NETWORK + NETWORK_MORE + SECURITY[8:] + SECURITY_MORE + SVC_DLLS + USER + ("shlwapi.dll", "SHCore.dll",
                                                                                                       "WinTypes.dll"), 0.16),
    "lsass": ModuleSet(BASE + SECURITY + SECURITY_MORE + ("lsasrv.dll", "samsrv.dll", "msprivs.dll", "pku2u.dll", "cloudAP.dll",
                                                           "wdigest.dll", "tspkg.dll", "efslsaext.dll", "scecli.dll", "dsrole.dll",
                                                           "certpoleng.dll", "ESENT.dll", "wldap32.dll", "netutils.dll", "logoncli.dll"),
                       NETWORK + ("ntdsapi.dll", "wevtapi.dll", "dsreg.dll"), 0.5),
    "session": ModuleSet(BASE + USER + SECURITY[:6] + ("kernel.appcore.dll", "cryptbase.dll", "profapi.dll", "ole32.dll",
                                                       "wininitext.dll", "winlogonext.dll", "wmsgapi.dll", "scesrv.dll", "userenv.dll",
                                                       "powrprof.dll", "umpdc.dll", "winsta.dll", "firewallapi.dll", "dwmcore.dll",
                                                       "dwmredir.dll", "dxgi.dll", "d3d11.dll", "uxtheme.dll")),
    "com": ModuleSet(BASE + COM + SECURITY[:5] + ("wldp.dll", "windows.storage.dll"),
                     USER + SHELL + SECURITY[5:] + NETWORK + WINRT[:6] + ("thumbcache.dll", "dxgi.dll", "d3d11.dll", "policymanager.dll",
                                                                         "msvcp110_win.dll", "MpOAV.dll", "amsi.dll", "xmllite.dll"),
                     0.3, rare=0.01),
    "winrt": ModuleSet(BASE + COM + USER[:4] + WINRT[:7] + ("windows.storage.dll", "wldp.dll", "rmclient.dll", "twinapi.appcore.dll",
                                                             "OneCoreUAPCommonProxyStub.dll", "sspicli.dll", "bcrypt.dll"),
                       WINRT[7:] + SHELL + NETWORK + ("CoreMessaging.dll", "Windows.UI.dll", "InputHost.dll", "dcomp.dll", "d2d1.dll",
                                                      "DWrite.dll", "dxgi.dll", "d3d11.dll", "MMDevAPI.dll", "AudioSes.dll"), 0.4),
    "wmi": ModuleSet(BASE + COM[:8] + SECURITY[:6] + WMI, WMI_MORE + NETWORK + SECURITY[6:] + DOTNET[:7] + ("WMINet_Utils.dll",),
                     0.35),
    "dotnet": ModuleSet(BASE + USER + COM[:8] + DOTNET + SECURITY[:5] + ("wldp.dll", "windows.storage.dll", "uxtheme.dll",
                                                                         "version.dll", "psapi.dll"),
                        POWERSHELL + SHELL + NETWORK + WMI[:6] + ("CoreMessaging.dll", "msctf.dll", "ntmarta.dll", "gpapi.dll",
                                                                   "mscms.dll", "xmllite.dll"), 0.55),
    "gui": ModuleSet(_GUI_CORE, _GUI_OPTIONAL, 0.45, rare=0.02),
    "explorer": ModuleSet(_GUI_CORE + SHELL[14:] + ("ExplorerFrame.dll", "thumbcache.dll", "StructuredQuery.dll", "ntshrui.dll",
                                                    "cscapi.dll", "linkinfo.dll", "dui70.dll", "duser.dll", "AppResolver.dll"),
                          SHELL_MORE + NETWORK + SECURITY + WINRT, 0.6, rare=0.3),
    "browser_chrome": ModuleSet(BASE + USER + COM[:8] + ("chrome_elf.dll", "chrome.dll", "chrome_wer.dll", "version.dll", "winmm.dll",
                                                          "ws2_32.dll", "dbghelp.dll", "dbgcore.dll") + SECURITY[:6] + NETWORK,
                                SHELL + SHELL_MORE[:20] + ("chrome_libEGL.dll", "chrome_libGLESv2.dll", "chrome_d3dcompiler_47.dll",
                                                           "dxgi.dll", "d3d11.dll", "hid.dll", "WinSCard.dll", "mfplat.dll"), 0.4),
    "browser_edge": ModuleSet(BASE + USER + COM[:8] + ("msedge_elf.dll", "msedge.dll", "msedge_telclient.dll", "version.dll", "winmm.dll",
                                                        "ws2_32.dll", "dbghelp.dll", "dbgcore.dll") + SECURITY[:6] + NETWORK,
                              SHELL + SHELL_MORE[:20] + ("msedge_libEGL.dll", "msedge_libGLESv2.dll", "dxgi.dll", "d3d11.dll",
                                                         "hid.dll", "mfplat.dll"), 0.4),
    # mshta: no script engine in the set (an HTA's script engine is loaded by the attack scenario that runs it)
    "script": ModuleSet(_GUI_CORE + IE + ("msxml6.dll", "wldp.dll", "amsi.dll"), SHELL_MORE[:25] + NETWORK, 0.4),
    "ie": ModuleSet(_GUI_CORE + tuple(m for m in IE if m != "urlmon.dll") + ("msxml6.dll",), SHELL_MORE[:25] + NETWORK, 0.4),
    "wow64": ModuleSet(("ntdll.dll",) + tuple(name for name, _ in _WOW64_LAYER) +
                       tuple(f"SysWOW64\\{m}" for m in _WOW64_MIRRORED)),
    "msiexec": ModuleSet(BASE + COM[:8] + SECURITY + ("msi.dll", "msisip.dll", "srclient.dll", "vssapi.dll", "vsstrace.dll",
                                                      "cabinet.dll", "xmllite.dll", "version.dll"),
                         NETWORK + USER + ("MSI4F2A.tmp", "MSIB713.tmp", "wshext.dll", "AppxSip.dll", "OpcServices.dll",
                                           "pwrshsip.dll"), 0.3),
    "wer": ModuleSet(BASE + USER + COM[:8] + ("wer.dll", "faultrep.dll", "dbghelp.dll", "dbgcore.dll", "version.dll", "sspicli.dll"),
                     SECURITY + NETWORK + ("winhttp.dll", "webio.dll", "utcutil.dll", "dcntel.dll"), 0.3),
    "defender": ModuleSet(BASE + SECURITY + ("MpSvc.dll", "MpRtp.dll", "MpClient.dll", "ESENT.dll", "version.dll",
                                             "wevtapi.dll", "ole32.dll", "oleaut32.dll", "psapi.dll", "tdh.dll", "fltLib.dll"),
                          NETWORK + NETWORK_MORE + WMI[:6], 0.5),
    "servicing": ModuleSet(BASE + SECURITY[:8] + COM[:8] + ("CbsApi.dll", "CbsCore.dll", "wcp.dll", "xmllite.dll", "msdelta.dll",
                                                            "cabinet.dll", "version.dll", "cfgmgr32.dll", "devobj.dll", "setupapi.dll"),
                           NETWORK + ("wintrust.dll", "AppxSip.dll", "OpcServices.dll", "msisip.dll", "wshext.dll", "pwrshsip.dll"), 0.4),
    "scheduled": ModuleSet(BASE + COM + SECURITY[:6] + ("taskschd.dll", "xmllite.dll", "version.dll"),
                           NETWORK + NETWORK_MORE[:10] + USER + ("slc.dll", "sppc.dll", "spp.dll", "utcutil.dll", "dcntel.dll", "wer.dll",
                                                                 "cldapi.dll", "dusmapi.dll"), 0.25),
}
_OFFICE_APP = {"EXCEL.EXE": ("XLINTL32.DLL", "XLCALL32.DLL"), "WINWORD.EXE": ("WWLIB.DLL", "WWINTL.DLL"),
               "POWERPNT.EXE": ("PPCORE.DLL", "PPINTL.DLL"), "VISIO.EXE": ("VISLIB.DLL", "VISINTL.DLL"),
               "OUTLOOK.EXE": ("OUTLLIB.DLL", "OLMAPI32.DLL", "EMSMDB32.DLL", "MSPST32.DLL", "OUTLLIBR.DLL")}
for _image, _own in _OFFICE_APP.items():
    # Outlook's set leaves out the script/CLR modules an in-memory attack (A10b) loads explicitly.
    _extra = () if _image == "OUTLOOK.EXE" else DOTNET[:5]
    SETS[_image] = ModuleSet(_GUI_CORE + OFFICE_CORE + _own + SHELL[14:] + SECURITY[:8] + NETWORK[:6],
                             COM[9:] + SHELL_MORE + SECURITY[8:] + NETWORK[6:] + NETWORK_MORE + OFFICE_MORE + _extra +
                             ("Microsoft.Teams.AddinLoader.dll", "PDFMOfficeAddin.dll"), 0.4, rare=0.03)

# Executable -> module set (anything else that is an .exe: "console").
IMAGE_SETS: dict[str, str] = {
    "System": "", "smss.exe": "tiny", "csrss.exe": "csrss", "wininit.exe": "session", "winlogon.exe": "session",
    "services.exe": "service", "lsass.exe": "lsass", "svchost.exe": "service", "spoolsv.exe": "service", "dns.exe": "service",
    "sppsvc.exe": "service", "SearchIndexer.exe": "service", "fontdrvhost.exe": "tiny", "dwm.exe": "session",
    "MsMpEng.exe": "defender", "MpCmdRun.exe": "defender", "MsSense.exe": "defender",
    "userinit.exe": "console", "explorer.exe": "explorer",
    "RuntimeBroker.exe": "winrt", "backgroundTaskHost.exe": "winrt", "ShellExperienceHost.exe": "winrt",
    "StartMenuExperienceHost.exe": "winrt", "SearchApp.exe": "winrt", "HxTsr.exe": "winrt", "Microsoft.Photos.exe": "winrt",
    "BackgroundTransferHost.exe": "winrt",
    "dllhost.exe": "com", "smartscreen.exe": "com", "SecurityHealthHost.exe": "com", "SettingSyncHost.exe": "com", "mobsync.exe": "com",
    "rundll32.exe": "com", "SppExtComObj.Exe": "com", "usocoreworker.exe": "com", "browser_broker.exe": "com", "OpenWith.exe": "gui",
    "prevhost.exe": "com", "vdsldr.exe": "com", "CredentialUIBroker.exe": "gui", "FileCoAuth.exe": "com", "verclsid.exe": "com",
    "taskhostw.exe": "scheduled", "CompatTelRunner.exe": "scheduled", "MusNotification.exe": "scheduled", "wermgr.exe": "wer",
    "WerFault.exe": "wer", "werfault.exe": "wer", "WerFaultSecure.exe": "wer", "RAServer.exe": "com", "raserver.exe": "com",
    "OfficeC2RClient.exe": "scheduled", "AppVDllSurrogate64.exe": "com",
    "WmiPrvSE.exe": "wmi", "unsecapp.exe": "wmi", "wsmprovhost.exe": "dotnet", "powershell.exe": "dotnet",
    "TiWorker.exe": "servicing", "TrustedInstaller.exe": "servicing", "msiexec.exe": "msiexec",
    "conhost.exe": "conhost",
    "notepad.exe": "gui", "calc.exe": "gui", "mspaint.exe": "gui", "SnippingTool.exe": "gui", "mstsc.exe": "gui", "7zFM.exe": "gui",
    "Acrobat.exe": "gui", "quickassist.exe": "gui", "msra.exe": "gui", "mmc.exe": "gui", "splwow64.exe": "com",
    "OneDrive.exe": "gui", "ms-teams.exe": "winrt",
    "chrome.exe": "browser_chrome", "msedge.exe": "browser_edge", "mshta.exe": "script", "iexplore.exe": "ie",
    "IEXPLORE.EXE": "wow64", "ielowutil.exe": "wow64",
    **{image: image for image in _OFFICE_APP},
}
RARE = tuple(_RARE)

# Later loads of long-lived processes (delay-loaded modules): activity load profile -> candidate modules.
LATER_LOADS = {"shell": SHELL_MORE + ("FileSyncShell64.dll", "7-zip.dll", "AcroPDFImpl64.dll", "windowscodecs.dll", "thumbcache.dll"),
               "browser": SHELL_MORE[:20] + ("hid.dll", "WinSCard.dll", "mfplat.dll", "MMDevAPI.dll", "AudioSes.dll"),
               "office": OFFICE_MORE + NETWORK_MORE + ("Microsoft.Teams.AddinLoader.dll", "PDFMOfficeAddin.dll", "mshtml.dll"),
               "native": NETWORK_MORE + SECURITY_MORE + ("MpRtp.dll", "wevtapi.dll", "tdh.dll")}
