WITH `_k0` AS (
  SELECT
    `Timestamp` AS `Timestamp`,
    `DeviceId` AS `DeviceId`,
    `DeviceName` AS `DeviceName`,
    `ActionType` AS `ActionType`,
    `FileName` AS `FileName`,
    `FolderPath` AS `FolderPath`,
    `SHA1` AS `SHA1`,
    `SHA256` AS `SHA256`,
    `MD5` AS `MD5`,
    `FileSize` AS `FileSize`,
    `ProcessVersionInfoCompanyName` AS `ProcessVersionInfoCompanyName`,
    `ProcessVersionInfoProductName` AS `ProcessVersionInfoProductName`,
    `ProcessVersionInfoProductVersion` AS `ProcessVersionInfoProductVersion`,
    `ProcessVersionInfoInternalFileName` AS `ProcessVersionInfoInternalFileName`,
    `ProcessVersionInfoOriginalFileName` AS `ProcessVersionInfoOriginalFileName`,
    `ProcessVersionInfoFileDescription` AS `ProcessVersionInfoFileDescription`,
    `ProcessId` AS `ProcessId`,
    `ProcessCommandLine` AS `ProcessCommandLine`,
    `ProcessIntegrityLevel` AS `ProcessIntegrityLevel`,
    `ProcessTokenElevation` AS `ProcessTokenElevation`,
    `ProcessCreationTime` AS `ProcessCreationTime`,
    `AccountDomain` AS `AccountDomain`,
    `AccountName` AS `AccountName`,
    `AccountSid` AS `AccountSid`,
    `AccountUpn` AS `AccountUpn`,
    `AccountObjectId` AS `AccountObjectId`,
    `LogonId` AS `LogonId`,
    `InitiatingProcessAccountDomain` AS `InitiatingProcessAccountDomain`,
    `InitiatingProcessAccountName` AS `InitiatingProcessAccountName`,
    `InitiatingProcessAccountSid` AS `InitiatingProcessAccountSid`,
    `InitiatingProcessAccountUpn` AS `InitiatingProcessAccountUpn`,
    `InitiatingProcessAccountObjectId` AS `InitiatingProcessAccountObjectId`,
    `InitiatingProcessLogonId` AS `InitiatingProcessLogonId`,
    `InitiatingProcessIntegrityLevel` AS `InitiatingProcessIntegrityLevel`,
    `InitiatingProcessTokenElevation` AS `InitiatingProcessTokenElevation`,
    `InitiatingProcessSHA1` AS `InitiatingProcessSHA1`,
    `InitiatingProcessSHA256` AS `InitiatingProcessSHA256`,
    `InitiatingProcessMD5` AS `InitiatingProcessMD5`,
    `InitiatingProcessFileName` AS `InitiatingProcessFileName`,
    `InitiatingProcessFileSize` AS `InitiatingProcessFileSize`,
    `InitiatingProcessVersionInfoCompanyName` AS `InitiatingProcessVersionInfoCompanyName`,
    `InitiatingProcessVersionInfoProductName` AS `InitiatingProcessVersionInfoProductName`,
    `InitiatingProcessVersionInfoProductVersion` AS `InitiatingProcessVersionInfoProductVersion`,
    `InitiatingProcessVersionInfoInternalFileName` AS `InitiatingProcessVersionInfoInternalFileName`,
    `InitiatingProcessVersionInfoOriginalFileName` AS `InitiatingProcessVersionInfoOriginalFileName`,
    `InitiatingProcessVersionInfoFileDescription` AS `InitiatingProcessVersionInfoFileDescription`,
    `InitiatingProcessId` AS `InitiatingProcessId`,
    `InitiatingProcessCommandLine` AS `InitiatingProcessCommandLine`,
    `InitiatingProcessCreationTime` AS `InitiatingProcessCreationTime`,
    `InitiatingProcessFolderPath` AS `InitiatingProcessFolderPath`,
    `InitiatingProcessParentId` AS `InitiatingProcessParentId`,
    `InitiatingProcessParentFileName` AS `InitiatingProcessParentFileName`,
    `InitiatingProcessParentCreationTime` AS `InitiatingProcessParentCreationTime`,
    `InitiatingProcessSignerType` AS `InitiatingProcessSignerType`,
    `InitiatingProcessSignatureStatus` AS `InitiatingProcessSignatureStatus`,
    `ReportId` AS `ReportId`,
    `AppGuardContainerId` AS `AppGuardContainerId`,
    `AdditionalFields` AS `AdditionalFields`,
    `InitiatingProcessSessionId` AS `InitiatingProcessSessionId`,
    `IsInitiatingProcessRemoteSession` AS `IsInitiatingProcessRemoteSession`,
    `InitiatingProcessRemoteSessionDeviceName` AS `InitiatingProcessRemoteSessionDeviceName`,
    `InitiatingProcessRemoteSessionIP` AS `InitiatingProcessRemoteSessionIP`,
    `CreatedProcessSessionId` AS `CreatedProcessSessionId`,
    `IsProcessRemoteSession` AS `IsProcessRemoteSession`,
    `ProcessRemoteSessionDeviceName` AS `ProcessRemoteSessionDeviceName`,
    `ProcessRemoteSessionIP` AS `ProcessRemoteSessionIP`,
    `ProcessUniqueId` AS `ProcessUniqueId`,
    `InitiatingProcessUniqueId` AS `InitiatingProcessUniqueId`,
    `LogonID~1` AS `LogonID~1`,
    CAST(SPLIT(`FolderPath`, REGEXP_REPLACE('\\', '([\\\\.^$|?*+()\\[\\]{}])', '\\\\$1'), -1) AS VARIANT) AS `Parts`,
    `DeviceName` || '/' || `FileName` AS `Label`
  FROM `DeviceProcessEvents`
), `_k1` AS (
  SELECT
    `Timestamp` AS `Timestamp`,
    `DeviceId` AS `DeviceId`,
    `DeviceName` AS `DeviceName`,
    `ActionType` AS `ActionType`,
    `FileName` AS `FileName`,
    `FolderPath` AS `FolderPath`,
    `SHA1` AS `SHA1`,
    `SHA256` AS `SHA256`,
    `MD5` AS `MD5`,
    `FileSize` AS `FileSize`,
    `ProcessVersionInfoCompanyName` AS `ProcessVersionInfoCompanyName`,
    `ProcessVersionInfoProductName` AS `ProcessVersionInfoProductName`,
    `ProcessVersionInfoProductVersion` AS `ProcessVersionInfoProductVersion`,
    `ProcessVersionInfoInternalFileName` AS `ProcessVersionInfoInternalFileName`,
    `ProcessVersionInfoOriginalFileName` AS `ProcessVersionInfoOriginalFileName`,
    `ProcessVersionInfoFileDescription` AS `ProcessVersionInfoFileDescription`,
    `ProcessId` AS `ProcessId`,
    `ProcessCommandLine` AS `ProcessCommandLine`,
    `ProcessIntegrityLevel` AS `ProcessIntegrityLevel`,
    `ProcessTokenElevation` AS `ProcessTokenElevation`,
    `ProcessCreationTime` AS `ProcessCreationTime`,
    `AccountDomain` AS `AccountDomain`,
    `AccountName` AS `AccountName`,
    `AccountSid` AS `AccountSid`,
    `AccountUpn` AS `AccountUpn`,
    `AccountObjectId` AS `AccountObjectId`,
    `LogonId` AS `LogonId`,
    `InitiatingProcessAccountDomain` AS `InitiatingProcessAccountDomain`,
    `InitiatingProcessAccountName` AS `InitiatingProcessAccountName`,
    `InitiatingProcessAccountSid` AS `InitiatingProcessAccountSid`,
    `InitiatingProcessAccountUpn` AS `InitiatingProcessAccountUpn`,
    `InitiatingProcessAccountObjectId` AS `InitiatingProcessAccountObjectId`,
    `InitiatingProcessLogonId` AS `InitiatingProcessLogonId`,
    `InitiatingProcessIntegrityLevel` AS `InitiatingProcessIntegrityLevel`,
    `InitiatingProcessTokenElevation` AS `InitiatingProcessTokenElevation`,
    `InitiatingProcessSHA1` AS `InitiatingProcessSHA1`,
    `InitiatingProcessSHA256` AS `InitiatingProcessSHA256`,
    `InitiatingProcessMD5` AS `InitiatingProcessMD5`,
    `InitiatingProcessFileName` AS `InitiatingProcessFileName`,
    `InitiatingProcessFileSize` AS `InitiatingProcessFileSize`,
    `InitiatingProcessVersionInfoCompanyName` AS `InitiatingProcessVersionInfoCompanyName`,
    `InitiatingProcessVersionInfoProductName` AS `InitiatingProcessVersionInfoProductName`,
    `InitiatingProcessVersionInfoProductVersion` AS `InitiatingProcessVersionInfoProductVersion`,
    `InitiatingProcessVersionInfoInternalFileName` AS `InitiatingProcessVersionInfoInternalFileName`,
    `InitiatingProcessVersionInfoOriginalFileName` AS `InitiatingProcessVersionInfoOriginalFileName`,
    `InitiatingProcessVersionInfoFileDescription` AS `InitiatingProcessVersionInfoFileDescription`,
    `InitiatingProcessId` AS `InitiatingProcessId`,
    `InitiatingProcessCommandLine` AS `InitiatingProcessCommandLine`,
    `InitiatingProcessCreationTime` AS `InitiatingProcessCreationTime`,
    `InitiatingProcessFolderPath` AS `InitiatingProcessFolderPath`,
    `InitiatingProcessParentId` AS `InitiatingProcessParentId`,
    `InitiatingProcessParentFileName` AS `InitiatingProcessParentFileName`,
    `InitiatingProcessParentCreationTime` AS `InitiatingProcessParentCreationTime`,
    `InitiatingProcessSignerType` AS `InitiatingProcessSignerType`,
    `InitiatingProcessSignatureStatus` AS `InitiatingProcessSignatureStatus`,
    `ReportId` AS `ReportId`,
    `AppGuardContainerId` AS `AppGuardContainerId`,
    `AdditionalFields` AS `AdditionalFields`,
    `InitiatingProcessSessionId` AS `InitiatingProcessSessionId`,
    `IsInitiatingProcessRemoteSession` AS `IsInitiatingProcessRemoteSession`,
    `InitiatingProcessRemoteSessionDeviceName` AS `InitiatingProcessRemoteSessionDeviceName`,
    `InitiatingProcessRemoteSessionIP` AS `InitiatingProcessRemoteSessionIP`,
    `CreatedProcessSessionId` AS `CreatedProcessSessionId`,
    `IsProcessRemoteSession` AS `IsProcessRemoteSession`,
    `ProcessRemoteSessionDeviceName` AS `ProcessRemoteSessionDeviceName`,
    `ProcessRemoteSessionIP` AS `ProcessRemoteSessionIP`,
    `ProcessUniqueId` AS `ProcessUniqueId`,
    `InitiatingProcessUniqueId` AS `InitiatingProcessUniqueId`,
    `LogonID~1` AS `LogonID~1`,
    `Parts` AS `Parts`,
    `Label` AS `Label`,
    COALESCE(
      CASE
        WHEN IS_VARIANT_NULL(
          CASE
            WHEN (
              -1
            ) >= 0
            THEN GET(TRY_CAST(`Parts` AS ARRAY<VARIANT>), CAST((
              -1
            ) AS INT))
            ELSE ELEMENT_AT(TRY_CAST(`Parts` AS ARRAY<VARIANT>), CAST((
              -1
            ) AS INT))
          END
        )
        THEN NULL
        WHEN SCHEMA_OF_VARIANT(
          CASE
            WHEN (
              -1
            ) >= 0
            THEN GET(TRY_CAST(`Parts` AS ARRAY<VARIANT>), CAST((
              -1
            ) AS INT))
            ELSE ELEMENT_AT(TRY_CAST(`Parts` AS ARRAY<VARIANT>), CAST((
              -1
            ) AS INT))
          END
        ) = 'STRING'
        THEN VARIANT_GET(
          CASE
            WHEN (
              -1
            ) >= 0
            THEN GET(TRY_CAST(`Parts` AS ARRAY<VARIANT>), CAST((
              -1
            ) AS INT))
            ELSE ELEMENT_AT(TRY_CAST(`Parts` AS ARRAY<VARIANT>), CAST((
              -1
            ) AS INT))
          END,
          '$',
          'string'
        )
        ELSE TO_JSON(
          CASE
            WHEN (
              -1
            ) >= 0
            THEN GET(TRY_CAST(`Parts` AS ARRAY<VARIANT>), CAST((
              -1
            ) AS INT))
            ELSE ELEMENT_AT(TRY_CAST(`Parts` AS ARRAY<VARIANT>), CAST((
              -1
            ) AS INT))
          END
        )
      END,
      ''
    ) AS `Last`
  FROM `_k0`
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
  `LogonID~1`,
  `Parts`,
  `Label`,
  `Last`
FROM `_k1`
