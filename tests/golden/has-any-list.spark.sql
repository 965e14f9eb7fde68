WITH `_k0` AS (
  SELECT
    *
  FROM `DeviceProcessEvents`
  WHERE
    (
      LOWER(`FileName`) IN (
        LOWER('certutil.exe'),
        LOWER('mshta.exe'),
        LOWER('regsvr32.exe'),
        LOWER('rundll32.exe')
      )
    )
    OR (
      (
        `ProcessCommandLine` RLIKE '(?iu)(?:^|[^\\pL\\pN])certutil\\.exe(?:$|[^\\pL\\pN])'
        OR `ProcessCommandLine` RLIKE '(?iu)(?:^|[^\\pL\\pN])mshta\\.exe(?:$|[^\\pL\\pN])'
        OR `ProcessCommandLine` RLIKE '(?iu)(?:^|[^\\pL\\pN])regsvr32\\.exe(?:$|[^\\pL\\pN])'
        OR `ProcessCommandLine` RLIKE '(?iu)(?:^|[^\\pL\\pN])rundll32\\.exe(?:$|[^\\pL\\pN])'
      )
    )
)
SELECT
  `Timestamp`,
  `DeviceId`,
  `DeviceName`,
  `ActionType`,
  `FileName`,
  `FolderPath`,
  `SHA1`,
  `SHA256`,
  `MD5`,
  `FileSize`,
  `ProcessVersionInfoCompanyName`,
  `ProcessVersionInfoProductName`,
  `ProcessVersionInfoProductVersion`,
  `ProcessVersionInfoInternalFileName`,
  `ProcessVersionInfoOriginalFileName`,
  `ProcessVersionInfoFileDescription`,
  `ProcessId`,
  `ProcessCommandLine`,
  `ProcessIntegrityLevel`,
  `ProcessTokenElevation`,
  `ProcessCreationTime`,
  `AccountDomain`,
  `AccountName`,
  `AccountSid`,
  `AccountUpn`,
  `AccountObjectId`,
  `LogonId`,
  `InitiatingProcessAccountDomain`,
  `InitiatingProcessAccountName`,
  `InitiatingProcessAccountSid`,
  `InitiatingProcessAccountUpn`,
  `InitiatingProcessAccountObjectId`,
  `InitiatingProcessLogonId`,
  `InitiatingProcessIntegrityLevel`,
  `InitiatingProcessTokenElevation`,
  `InitiatingProcessSHA1`,
  `InitiatingProcessSHA256`,
  `InitiatingProcessMD5`,
  `InitiatingProcessFileName`,
  `InitiatingProcessFileSize`,
  `InitiatingProcessVersionInfoCompanyName`,
  `InitiatingProcessVersionInfoProductName`,
  `InitiatingProcessVersionInfoProductVersion`,
  `InitiatingProcessVersionInfoInternalFileName`,
  `InitiatingProcessVersionInfoOriginalFileName`,
  `InitiatingProcessVersionInfoFileDescription`,
  `InitiatingProcessId`,
  `InitiatingProcessCommandLine`,
  `InitiatingProcessCreationTime`,
  `InitiatingProcessFolderPath`,
  `InitiatingProcessParentId`,
  `InitiatingProcessParentFileName`,
  `InitiatingProcessParentCreationTime`,
  `InitiatingProcessSignerType`,
  `InitiatingProcessSignatureStatus`,
  `ReportId`,
  `AppGuardContainerId`,
  `AdditionalFields`,
  `InitiatingProcessSessionId`,
  `IsInitiatingProcessRemoteSession`,
  `InitiatingProcessRemoteSessionDeviceName`,
  `InitiatingProcessRemoteSessionIP`,
  `CreatedProcessSessionId`,
  `IsProcessRemoteSession`,
  `ProcessRemoteSessionDeviceName`,
  `ProcessRemoteSessionIP`,
  `ProcessUniqueId`,
  `InitiatingProcessUniqueId`,
  `LogonID~1`
FROM `_k0`
