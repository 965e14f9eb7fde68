WITH "_k0" AS (
  SELECT
    "Timestamp" AS "Timestamp",
    "DeviceId" AS "DeviceId",
    "DeviceName" AS "DeviceName",
    "ActionType" AS "ActionType",
    "FileName" AS "FileName",
    "FolderPath" AS "FolderPath",
    "SHA1" AS "SHA1",
    "SHA256" AS "SHA256",
    "MD5" AS "MD5",
    "FileSize" AS "FileSize",
    "AccountDomain" AS "AccountDomain",
    "AccountName" AS "AccountName",
    "AccountSid" AS "AccountSid",
    "RemoteUrl" AS "RemoteUrl",
    "RemoteDeviceName" AS "RemoteDeviceName",
    "ProcessId" AS "ProcessId",
    "ProcessCommandLine" AS "ProcessCommandLine",
    "ProcessCreationTime" AS "ProcessCreationTime",
    "ProcessTokenElevation" AS "ProcessTokenElevation",
    "LogonId" AS "LogonId",
    "RegistryKey" AS "RegistryKey",
    "RegistryValueName" AS "RegistryValueName",
    "RegistryValueData" AS "RegistryValueData",
    "RemoteIP" AS "RemoteIP",
    "RemotePort" AS "RemotePort",
    "LocalIP" AS "LocalIP",
    "LocalPort" AS "LocalPort",
    "FileOriginUrl" AS "FileOriginUrl",
    "FileOriginIP" AS "FileOriginIP",
    "InitiatingProcessSHA1" AS "InitiatingProcessSHA1",
    "InitiatingProcessSHA256" AS "InitiatingProcessSHA256",
    "InitiatingProcessMD5" AS "InitiatingProcessMD5",
    "InitiatingProcessFileName" AS "InitiatingProcessFileName",
    "InitiatingProcessFileSize" AS "InitiatingProcessFileSize",
    "InitiatingProcessFolderPath" AS "InitiatingProcessFolderPath",
    "InitiatingProcessId" AS "InitiatingProcessId",
    "InitiatingProcessCommandLine" AS "InitiatingProcessCommandLine",
    "InitiatingProcessCreationTime" AS "InitiatingProcessCreationTime",
    "InitiatingProcessAccountDomain" AS "InitiatingProcessAccountDomain",
    "InitiatingProcessAccountName" AS "InitiatingProcessAccountName",
    "InitiatingProcessAccountSid" AS "InitiatingProcessAccountSid",
    "InitiatingProcessAccountUpn" AS "InitiatingProcessAccountUpn",
    "InitiatingProcessAccountObjectId" AS "InitiatingProcessAccountObjectId",
    "InitiatingProcessVersionInfoCompanyName" AS "InitiatingProcessVersionInfoCompanyName",
    "InitiatingProcessVersionInfoProductName" AS "InitiatingProcessVersionInfoProductName",
    "InitiatingProcessVersionInfoProductVersion" AS "InitiatingProcessVersionInfoProductVersion",
    "InitiatingProcessVersionInfoInternalFileName" AS "InitiatingProcessVersionInfoInternalFileName",
    "InitiatingProcessVersionInfoOriginalFileName" AS "InitiatingProcessVersionInfoOriginalFileName",
    "InitiatingProcessVersionInfoFileDescription" AS "InitiatingProcessVersionInfoFileDescription",
    "InitiatingProcessParentId" AS "InitiatingProcessParentId",
    "InitiatingProcessParentFileName" AS "InitiatingProcessParentFileName",
    "InitiatingProcessParentCreationTime" AS "InitiatingProcessParentCreationTime",
    "InitiatingProcessLogonId" AS "InitiatingProcessLogonId",
    "ReportId" AS "ReportId",
    "AppGuardContainerId" AS "AppGuardContainerId",
    "AdditionalFields" AS "AdditionalFields",
    "InitiatingProcessSessionId" AS "InitiatingProcessSessionId",
    "IsInitiatingProcessRemoteSession" AS "IsInitiatingProcessRemoteSession",
    "InitiatingProcessRemoteSessionDeviceName" AS "InitiatingProcessRemoteSessionDeviceName",
    "InitiatingProcessRemoteSessionIP" AS "InitiatingProcessRemoteSessionIP",
    "CreatedProcessSessionId" AS "CreatedProcessSessionId",
    "IsProcessRemoteSession" AS "IsProcessRemoteSession",
    "ProcessRemoteSessionDeviceName" AS "ProcessRemoteSessionDeviceName",
    "ProcessRemoteSessionIP" AS "ProcessRemoteSessionIP",
    "InitiatingProcessUniqueId" AS "InitiatingProcessUniqueId",
    COALESCE(TRY_CAST("AdditionalFields" AS JSON), TO_JSON("AdditionalFields")) AS "Fields"
  FROM "DeviceEvents"
), "_k1" AS (
  SELECT
    "Timestamp" AS "Timestamp",
    "DeviceId" AS "DeviceId",
    "DeviceName" AS "DeviceName",
    "ActionType" AS "ActionType",
    "FileName" AS "FileName",
    "FolderPath" AS "FolderPath",
    "SHA1" AS "SHA1",
    "SHA256" AS "SHA256",
    "MD5" AS "MD5",
    "FileSize" AS "FileSize",
    "AccountDomain" AS "AccountDomain",
    "AccountName" AS "AccountName",
    "AccountSid" AS "AccountSid",
    "RemoteUrl" AS "RemoteUrl",
    "RemoteDeviceName" AS "RemoteDeviceName",
    "ProcessId" AS "ProcessId",
    "ProcessCommandLine" AS "ProcessCommandLine",
    "ProcessCreationTime" AS "ProcessCreationTime",
    "ProcessTokenElevation" AS "ProcessTokenElevation",
    "LogonId" AS "LogonId",
    "RegistryKey" AS "RegistryKey",
    "RegistryValueName" AS "RegistryValueName",
    "RegistryValueData" AS "RegistryValueData",
    "RemoteIP" AS "RemoteIP",
    "RemotePort" AS "RemotePort",
    "LocalIP" AS "LocalIP",
    "LocalPort" AS "LocalPort",
    "FileOriginUrl" AS "FileOriginUrl",
    "FileOriginIP" AS "FileOriginIP",
    "InitiatingProcessSHA1" AS "InitiatingProcessSHA1",
    "InitiatingProcessSHA256" AS "InitiatingProcessSHA256",
    "InitiatingProcessMD5" AS "InitiatingProcessMD5",
    "InitiatingProcessFileName" AS "InitiatingProcessFileName",
    "InitiatingProcessFileSize" AS "InitiatingProcessFileSize",
    "InitiatingProcessFolderPath" AS "InitiatingProcessFolderPath",
    "InitiatingProcessId" AS "InitiatingProcessId",
    "InitiatingProcessCommandLine" AS "InitiatingProcessCommandLine",
    "InitiatingProcessCreationTime" AS "InitiatingProcessCreationTime",
    "InitiatingProcessAccountDomain" AS "InitiatingProcessAccountDomain",
    "InitiatingProcessAccountName" AS "InitiatingProcessAccountName",
    "InitiatingProcessAccountSid" AS "InitiatingProcessAccountSid",
    "InitiatingProcessAccountUpn" AS "InitiatingProcessAccountUpn",
    "InitiatingProcessAccountObjectId" AS "InitiatingProcessAccountObjectId",
    "InitiatingProcessVersionInfoCompanyName" AS "InitiatingProcessVersionInfoCompanyName",
    "InitiatingProcessVersionInfoProductName" AS "InitiatingProcessVersionInfoProductName",
    "InitiatingProcessVersionInfoProductVersion" AS "InitiatingProcessVersionInfoProductVersion",
    "InitiatingProcessVersionInfoInternalFileName" AS "InitiatingProcessVersionInfoInternalFileName",
    "InitiatingProcessVersionInfoOriginalFileName" AS "InitiatingProcessVersionInfoOriginalFileName",
    "InitiatingProcessVersionInfoFileDescription" AS "InitiatingProcessVersionInfoFileDescription",
    "InitiatingProcessParentId" AS "InitiatingProcessParentId",
    "InitiatingProcessParentFileName" AS "InitiatingProcessParentFileName",
    "InitiatingProcessParentCreationTime" AS "InitiatingProcessParentCreationTime",
    "InitiatingProcessLogonId" AS "InitiatingProcessLogonId",
    "ReportId" AS "ReportId",
    "AppGuardContainerId" AS "AppGuardContainerId",
    "AdditionalFields" AS "AdditionalFields",
    "InitiatingProcessSessionId" AS "InitiatingProcessSessionId",
    "IsInitiatingProcessRemoteSession" AS "IsInitiatingProcessRemoteSession",
    "InitiatingProcessRemoteSessionDeviceName" AS "InitiatingProcessRemoteSessionDeviceName",
    "InitiatingProcessRemoteSessionIP" AS "InitiatingProcessRemoteSessionIP",
    "CreatedProcessSessionId" AS "CreatedProcessSessionId",
    "IsProcessRemoteSession" AS "IsProcessRemoteSession",
    "ProcessRemoteSessionDeviceName" AS "ProcessRemoteSessionDeviceName",
    "ProcessRemoteSessionIP" AS "ProcessRemoteSessionIP",
    "InitiatingProcessUniqueId" AS "InitiatingProcessUniqueId",
    "Fields" AS "Fields",
    COALESCE((
      "Fields" -> '$."Command"'
    ) ->> '$', '') AS "Command",
    CASE
      WHEN JSON_TYPE("Fields" -> '$."Count"') IN ('BIGINT', 'UBIGINT', 'DOUBLE')
      THEN TRY_CAST(TRUNC(TRY_CAST((
        "Fields" -> '$."Count"'
      ) ->> '$' AS DOUBLE)) AS INT)
      ELSE CASE
        WHEN CASE
          WHEN REGEXP_MATCHES(
            TRIM(
              TRIM(
                (
                  "Fields" -> '$."Count"'
                ) ->> '$',
                ' ' || CHR(9) || CHR(10) || CHR(12) || CHR(13)
              )
            ),
            '^[+-]?0[xX][0-9a-fA-F]+$'
          )
          THEN TRY_CAST((
            '0x' || REGEXP_EXTRACT(
              TRIM(
                TRIM(
                  (
                    "Fields" -> '$."Count"'
                  ) ->> '$',
                  ' ' || CHR(9) || CHR(10) || CHR(12) || CHR(13)
                )
              ),
              '0[xX]([0-9a-fA-F]+)',
              1
            )
          ) AS BIGINT)
          WHEN REGEXP_MATCHES(
            TRIM(
              TRIM(
                (
                  "Fields" -> '$."Count"'
                ) ->> '$',
                ' ' || CHR(9) || CHR(10) || CHR(12) || CHR(13)
              )
            ),
            '^[+-]?[0-9]+$'
          )
          THEN TRY_CAST(TRIM(
            TRIM(
              (
                "Fields" -> '$."Count"'
              ) ->> '$',
              ' ' || CHR(9) || CHR(10) || CHR(12) || CHR(13)
            )
          ) AS BIGINT)
          ELSE NULL
        END BETWEEN -2147483648 AND 2147483647
        THEN CAST(CASE
          WHEN REGEXP_MATCHES(
            TRIM(
              TRIM(
                (
                  "Fields" -> '$."Count"'
                ) ->> '$',
                ' ' || CHR(9) || CHR(10) || CHR(12) || CHR(13)
              )
            ),
            '^[+-]?0[xX][0-9a-fA-F]+$'
          )
          THEN TRY_CAST((
            '0x' || REGEXP_EXTRACT(
              TRIM(
                TRIM(
                  (
                    "Fields" -> '$."Count"'
                  ) ->> '$',
                  ' ' || CHR(9) || CHR(10) || CHR(12) || CHR(13)
                )
              ),
              '0[xX]([0-9a-fA-F]+)',
              1
            )
          ) AS BIGINT)
          WHEN REGEXP_MATCHES(
            TRIM(
              TRIM(
                (
                  "Fields" -> '$."Count"'
                ) ->> '$',
                ' ' || CHR(9) || CHR(10) || CHR(12) || CHR(13)
              )
            ),
            '^[+-]?[0-9]+$'
          )
          THEN TRY_CAST(TRIM(
            TRIM(
              (
                "Fields" -> '$."Count"'
              ) ->> '$',
              ' ' || CHR(9) || CHR(10) || CHR(12) || CHR(13)
            )
          ) AS BIGINT)
          ELSE NULL
        END AS INT)
        ELSE CAST(NULL AS INT)
      END
    END AS "Count"
  FROM "_k0"
), "_k2" AS (
  SELECT
    "Timestamp" AS "Timestamp",
    "Command" AS "Command",
    "Count" AS "Count"
  FROM "_k1"
)
SELECT
  "Timestamp",
  "Command",
  "Count"
FROM "_k2"
