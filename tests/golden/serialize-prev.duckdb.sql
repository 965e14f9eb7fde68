WITH "_k0" AS (
  SELECT
    *
  FROM "DeviceLogonEvents"
  ORDER BY
    "DeviceName" ASC NULLS FIRST,
    "Timestamp" ASC NULLS FIRST
), "_k1" AS (
  SELECT
    "Timestamp" AS "Timestamp",
    "DeviceId" AS "DeviceId",
    "DeviceName" AS "DeviceName",
    "ActionType" AS "ActionType",
    "LogonType" AS "LogonType",
    "AccountDomain" AS "AccountDomain",
    "AccountName" AS "AccountName",
    "AccountSid" AS "AccountSid",
    "Protocol" AS "Protocol",
    "FailureReason" AS "FailureReason",
    "IsLocalAdmin" AS "IsLocalAdmin",
    "LogonId" AS "LogonId",
    "RemoteDeviceName" AS "RemoteDeviceName",
    "RemoteIP" AS "RemoteIP",
    "RemoteIPType" AS "RemoteIPType",
    "RemotePort" AS "RemotePort",
    "InitiatingProcessAccountDomain" AS "InitiatingProcessAccountDomain",
    "InitiatingProcessAccountName" AS "InitiatingProcessAccountName",
    "InitiatingProcessAccountSid" AS "InitiatingProcessAccountSid",
    "InitiatingProcessAccountUpn" AS "InitiatingProcessAccountUpn",
    "InitiatingProcessAccountObjectId" AS "InitiatingProcessAccountObjectId",
    "InitiatingProcessIntegrityLevel" AS "InitiatingProcessIntegrityLevel",
    "InitiatingProcessTokenElevation" AS "InitiatingProcessTokenElevation",
    "InitiatingProcessSHA1" AS "InitiatingProcessSHA1",
    "InitiatingProcessSHA256" AS "InitiatingProcessSHA256",
    "InitiatingProcessMD5" AS "InitiatingProcessMD5",
    "InitiatingProcessFileName" AS "InitiatingProcessFileName",
    "InitiatingProcessFileSize" AS "InitiatingProcessFileSize",
    "InitiatingProcessVersionInfoCompanyName" AS "InitiatingProcessVersionInfoCompanyName",
    "InitiatingProcessVersionInfoProductName" AS "InitiatingProcessVersionInfoProductName",
    "InitiatingProcessVersionInfoProductVersion" AS "InitiatingProcessVersionInfoProductVersion",
    "InitiatingProcessVersionInfoInternalFileName" AS "InitiatingProcessVersionInfoInternalFileName",
    "InitiatingProcessVersionInfoOriginalFileName" AS "InitiatingProcessVersionInfoOriginalFileName",
    "InitiatingProcessVersionInfoFileDescription" AS "InitiatingProcessVersionInfoFileDescription",
    "InitiatingProcessId" AS "InitiatingProcessId",
    "InitiatingProcessCommandLine" AS "InitiatingProcessCommandLine",
    "InitiatingProcessCreationTime" AS "InitiatingProcessCreationTime",
    "InitiatingProcessFolderPath" AS "InitiatingProcessFolderPath",
    "InitiatingProcessParentId" AS "InitiatingProcessParentId",
    "InitiatingProcessParentFileName" AS "InitiatingProcessParentFileName",
    "InitiatingProcessParentCreationTime" AS "InitiatingProcessParentCreationTime",
    "ReportId" AS "ReportId",
    "AppGuardContainerId" AS "AppGuardContainerId",
    "AdditionalFields" AS "AdditionalFields",
    "InitiatingProcessSessionId" AS "InitiatingProcessSessionId",
    "IsInitiatingProcessRemoteSession" AS "IsInitiatingProcessRemoteSession",
    "InitiatingProcessRemoteSessionDeviceName" AS "InitiatingProcessRemoteSessionDeviceName",
    "InitiatingProcessRemoteSessionIP" AS "InitiatingProcessRemoteSessionIP",
    "InitiatingProcessUniqueId" AS "InitiatingProcessUniqueId",
    LAG("Timestamp", 1) OVER (ORDER BY "DeviceName" ASC NULLS FIRST, "Timestamp" ASC NULLS FIRST) AS "Previous",
    (
      "Timestamp"
    ) - (
      LAG("Timestamp", 1) OVER (ORDER BY "DeviceName" ASC NULLS FIRST, "Timestamp" ASC NULLS FIRST)
    ) AS "Gap"
  FROM "_k0"
), "_k2" AS (
  SELECT
    *
  FROM "_k1"
  WHERE
    (
      "Gap" < CAST(600000000 AS BIGINT)
    )
)
SELECT
  "Timestamp",
  "DeviceId",
  "DeviceName",
  "ActionType",
  "LogonType",
  "AccountDomain",
  "AccountName",
  "AccountSid",
  "Protocol",
  "FailureReason",
  "IsLocalAdmin",
  "LogonId",
  "RemoteDeviceName",
  "RemoteIP",
  "RemoteIPType",
  "RemotePort",
  "InitiatingProcessAccountDomain",
  "InitiatingProcessAccountName",
  "InitiatingProcessAccountSid",
  "InitiatingProcessAccountUpn",
  "InitiatingProcessAccountObjectId",
  "InitiatingProcessIntegrityLevel",
  "InitiatingProcessTokenElevation",
  "InitiatingProcessSHA1",
  "InitiatingProcessSHA256",
  "InitiatingProcessMD5",
  "InitiatingProcessFileName",
  "InitiatingProcessFileSize",
  "InitiatingProcessVersionInfoCompanyName",
  "InitiatingProcessVersionInfoProductName",
  "InitiatingProcessVersionInfoProductVersion",
  "InitiatingProcessVersionInfoInternalFileName",
  "InitiatingProcessVersionInfoOriginalFileName",
  "InitiatingProcessVersionInfoFileDescription",
  "InitiatingProcessId",
  "InitiatingProcessCommandLine",
  "InitiatingProcessCreationTime",
  "InitiatingProcessFolderPath",
  "InitiatingProcessParentId",
  "InitiatingProcessParentFileName",
  "InitiatingProcessParentCreationTime",
  "ReportId",
  "AppGuardContainerId",
  "AdditionalFields",
  "InitiatingProcessSessionId",
  "IsInitiatingProcessRemoteSession",
  "InitiatingProcessRemoteSessionDeviceName",
  "InitiatingProcessRemoteSessionIP",
  "InitiatingProcessUniqueId",
  "Previous",
  "Gap"
FROM "_k2"
ORDER BY
  "DeviceName" ASC NULLS FIRST,
  "Timestamp" ASC NULLS FIRST
