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
    `AccountDomain` AS `AccountDomain`,
    `AccountName` AS `AccountName`,
    `AccountSid` AS `AccountSid`,
    `RemoteUrl` AS `RemoteUrl`,
    `RemoteDeviceName` AS `RemoteDeviceName`,
    `ProcessId` AS `ProcessId`,
    `ProcessCommandLine` AS `ProcessCommandLine`,
    `ProcessCreationTime` AS `ProcessCreationTime`,
    `ProcessTokenElevation` AS `ProcessTokenElevation`,
    `LogonId` AS `LogonId`,
    `RegistryKey` AS `RegistryKey`,
    `RegistryValueName` AS `RegistryValueName`,
    `RegistryValueData` AS `RegistryValueData`,
    `RemoteIP` AS `RemoteIP`,
    `RemotePort` AS `RemotePort`,
    `LocalIP` AS `LocalIP`,
    `LocalPort` AS `LocalPort`,
    `FileOriginUrl` AS `FileOriginUrl`,
    `FileOriginIP` AS `FileOriginIP`,
    `InitiatingProcessSHA1` AS `InitiatingProcessSHA1`,
    `InitiatingProcessSHA256` AS `InitiatingProcessSHA256`,
    `InitiatingProcessMD5` AS `InitiatingProcessMD5`,
    `InitiatingProcessFileName` AS `InitiatingProcessFileName`,
    `InitiatingProcessFileSize` AS `InitiatingProcessFileSize`,
    `InitiatingProcessFolderPath` AS `InitiatingProcessFolderPath`,
    `InitiatingProcessId` AS `InitiatingProcessId`,
    `InitiatingProcessCommandLine` AS `InitiatingProcessCommandLine`,
    `InitiatingProcessCreationTime` AS `InitiatingProcessCreationTime`,
    `InitiatingProcessAccountDomain` AS `InitiatingProcessAccountDomain`,
    `InitiatingProcessAccountName` AS `InitiatingProcessAccountName`,
    `InitiatingProcessAccountSid` AS `InitiatingProcessAccountSid`,
    `InitiatingProcessAccountUpn` AS `InitiatingProcessAccountUpn`,
    `InitiatingProcessAccountObjectId` AS `InitiatingProcessAccountObjectId`,
    `InitiatingProcessVersionInfoCompanyName` AS `InitiatingProcessVersionInfoCompanyName`,
    `InitiatingProcessVersionInfoProductName` AS `InitiatingProcessVersionInfoProductName`,
    `InitiatingProcessVersionInfoProductVersion` AS `InitiatingProcessVersionInfoProductVersion`,
    `InitiatingProcessVersionInfoInternalFileName` AS `InitiatingProcessVersionInfoInternalFileName`,
    `InitiatingProcessVersionInfoOriginalFileName` AS `InitiatingProcessVersionInfoOriginalFileName`,
    `InitiatingProcessVersionInfoFileDescription` AS `InitiatingProcessVersionInfoFileDescription`,
    `InitiatingProcessParentId` AS `InitiatingProcessParentId`,
    `InitiatingProcessParentFileName` AS `InitiatingProcessParentFileName`,
    `InitiatingProcessParentCreationTime` AS `InitiatingProcessParentCreationTime`,
    `InitiatingProcessLogonId` AS `InitiatingProcessLogonId`,
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
    `InitiatingProcessUniqueId` AS `InitiatingProcessUniqueId`,
    COALESCE(TRY_PARSE_JSON(`AdditionalFields`), CAST(`AdditionalFields` AS VARIANT)) AS `Fields`
  FROM `DeviceEvents`
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
    `AccountDomain` AS `AccountDomain`,
    `AccountName` AS `AccountName`,
    `AccountSid` AS `AccountSid`,
    `RemoteUrl` AS `RemoteUrl`,
    `RemoteDeviceName` AS `RemoteDeviceName`,
    `ProcessId` AS `ProcessId`,
    `ProcessCommandLine` AS `ProcessCommandLine`,
    `ProcessCreationTime` AS `ProcessCreationTime`,
    `ProcessTokenElevation` AS `ProcessTokenElevation`,
    `LogonId` AS `LogonId`,
    `RegistryKey` AS `RegistryKey`,
    `RegistryValueName` AS `RegistryValueName`,
    `RegistryValueData` AS `RegistryValueData`,
    `RemoteIP` AS `RemoteIP`,
    `RemotePort` AS `RemotePort`,
    `LocalIP` AS `LocalIP`,
    `LocalPort` AS `LocalPort`,
    `FileOriginUrl` AS `FileOriginUrl`,
    `FileOriginIP` AS `FileOriginIP`,
    `InitiatingProcessSHA1` AS `InitiatingProcessSHA1`,
    `InitiatingProcessSHA256` AS `InitiatingProcessSHA256`,
    `InitiatingProcessMD5` AS `InitiatingProcessMD5`,
    `InitiatingProcessFileName` AS `InitiatingProcessFileName`,
    `InitiatingProcessFileSize` AS `InitiatingProcessFileSize`,
    `InitiatingProcessFolderPath` AS `InitiatingProcessFolderPath`,
    `InitiatingProcessId` AS `InitiatingProcessId`,
    `InitiatingProcessCommandLine` AS `InitiatingProcessCommandLine`,
    `InitiatingProcessCreationTime` AS `InitiatingProcessCreationTime`,
    `InitiatingProcessAccountDomain` AS `InitiatingProcessAccountDomain`,
    `InitiatingProcessAccountName` AS `InitiatingProcessAccountName`,
    `InitiatingProcessAccountSid` AS `InitiatingProcessAccountSid`,
    `InitiatingProcessAccountUpn` AS `InitiatingProcessAccountUpn`,
    `InitiatingProcessAccountObjectId` AS `InitiatingProcessAccountObjectId`,
    `InitiatingProcessVersionInfoCompanyName` AS `InitiatingProcessVersionInfoCompanyName`,
    `InitiatingProcessVersionInfoProductName` AS `InitiatingProcessVersionInfoProductName`,
    `InitiatingProcessVersionInfoProductVersion` AS `InitiatingProcessVersionInfoProductVersion`,
    `InitiatingProcessVersionInfoInternalFileName` AS `InitiatingProcessVersionInfoInternalFileName`,
    `InitiatingProcessVersionInfoOriginalFileName` AS `InitiatingProcessVersionInfoOriginalFileName`,
    `InitiatingProcessVersionInfoFileDescription` AS `InitiatingProcessVersionInfoFileDescription`,
    `InitiatingProcessParentId` AS `InitiatingProcessParentId`,
    `InitiatingProcessParentFileName` AS `InitiatingProcessParentFileName`,
    `InitiatingProcessParentCreationTime` AS `InitiatingProcessParentCreationTime`,
    `InitiatingProcessLogonId` AS `InitiatingProcessLogonId`,
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
    `InitiatingProcessUniqueId` AS `InitiatingProcessUniqueId`,
    `Fields` AS `Fields`,
    COALESCE(
      CASE
        WHEN IS_VARIANT_NULL(TRY_VARIANT_GET(`Fields`, '$["Command"]', 'variant'))
        THEN NULL
        WHEN SCHEMA_OF_VARIANT(TRY_VARIANT_GET(`Fields`, '$["Command"]', 'variant')) = 'STRING'
        THEN VARIANT_GET(TRY_VARIANT_GET(`Fields`, '$["Command"]', 'variant'), '$', 'string')
        ELSE TO_JSON(TRY_VARIANT_GET(`Fields`, '$["Command"]', 'variant'))
      END,
      ''
    ) AS `Command`,
    CASE
      WHEN SCHEMA_OF_VARIANT(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant')) IN ('BIGINT', 'INT', 'SMALLINT', 'TINYINT', 'DOUBLE', 'FLOAT')
      OR SCHEMA_OF_VARIANT(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant')) LIKE 'DECIMAL%'
      THEN CAST(CASE
        WHEN TRY_VARIANT_GET(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'), '$', 'double') < 0
        THEN CEIL(
          TRY_VARIANT_GET(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'), '$', 'double')
        )
        ELSE FLOOR(
          TRY_VARIANT_GET(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'), '$', 'double')
        )
      END AS INT)
      ELSE CASE
        WHEN CASE
          WHEN TRIM(
            REGEXP_REPLACE(
              CASE
                WHEN IS_VARIANT_NULL(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
                THEN NULL
                WHEN SCHEMA_OF_VARIANT(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant')) = 'STRING'
                THEN VARIANT_GET(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'), '$', 'string')
                ELSE TO_JSON(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
              END,
              '^\\s+|\\s+$',
              ''
            )
          ) RLIKE '^[+-]?0[xX][0-9a-fA-F]+$'
          THEN (
            CASE
              WHEN TRIM(
                REGEXP_REPLACE(
                  CASE
                    WHEN IS_VARIANT_NULL(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
                    THEN NULL
                    WHEN SCHEMA_OF_VARIANT(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant')) = 'STRING'
                    THEN VARIANT_GET(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'), '$', 'string')
                    ELSE TO_JSON(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
                  END,
                  '^\\s+|\\s+$',
                  ''
                )
              ) LIKE '-%'
              THEN -1
              ELSE 1
            END
          ) * TRY_CAST(CONV(
            REGEXP_EXTRACT(
              TRIM(
                REGEXP_REPLACE(
                  CASE
                    WHEN IS_VARIANT_NULL(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
                    THEN NULL
                    WHEN SCHEMA_OF_VARIANT(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant')) = 'STRING'
                    THEN VARIANT_GET(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'), '$', 'string')
                    ELSE TO_JSON(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
                  END,
                  '^\\s+|\\s+$',
                  ''
                )
              ),
              '0[xX]([0-9a-fA-F]+)'
            ),
            16,
            10
          ) AS BIGINT)
          WHEN TRIM(
            REGEXP_REPLACE(
              CASE
                WHEN IS_VARIANT_NULL(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
                THEN NULL
                WHEN SCHEMA_OF_VARIANT(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant')) = 'STRING'
                THEN VARIANT_GET(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'), '$', 'string')
                ELSE TO_JSON(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
              END,
              '^\\s+|\\s+$',
              ''
            )
          ) RLIKE '^[+-]?[0-9]+$'
          THEN TRY_CAST(TRIM(
            REGEXP_REPLACE(
              CASE
                WHEN IS_VARIANT_NULL(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
                THEN NULL
                WHEN SCHEMA_OF_VARIANT(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant')) = 'STRING'
                THEN VARIANT_GET(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'), '$', 'string')
                ELSE TO_JSON(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
              END,
              '^\\s+|\\s+$',
              ''
            )
          ) AS BIGINT)
          ELSE NULL
        END BETWEEN -2147483648 AND 2147483647
        THEN CAST(CASE
          WHEN TRIM(
            REGEXP_REPLACE(
              CASE
                WHEN IS_VARIANT_NULL(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
                THEN NULL
                WHEN SCHEMA_OF_VARIANT(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant')) = 'STRING'
                THEN VARIANT_GET(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'), '$', 'string')
                ELSE TO_JSON(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
              END,
              '^\\s+|\\s+$',
              ''
            )
          ) RLIKE '^[+-]?0[xX][0-9a-fA-F]+$'
          THEN (
            CASE
              WHEN TRIM(
                REGEXP_REPLACE(
                  CASE
                    WHEN IS_VARIANT_NULL(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
                    THEN NULL
                    WHEN SCHEMA_OF_VARIANT(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant')) = 'STRING'
                    THEN VARIANT_GET(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'), '$', 'string')
                    ELSE TO_JSON(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
                  END,
                  '^\\s+|\\s+$',
                  ''
                )
              ) LIKE '-%'
              THEN -1
              ELSE 1
            END
          ) * TRY_CAST(CONV(
            REGEXP_EXTRACT(
              TRIM(
                REGEXP_REPLACE(
                  CASE
                    WHEN IS_VARIANT_NULL(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
                    THEN NULL
                    WHEN SCHEMA_OF_VARIANT(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant')) = 'STRING'
                    THEN VARIANT_GET(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'), '$', 'string')
                    ELSE TO_JSON(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
                  END,
                  '^\\s+|\\s+$',
                  ''
                )
              ),
              '0[xX]([0-9a-fA-F]+)'
            ),
            16,
            10
          ) AS BIGINT)
          WHEN TRIM(
            REGEXP_REPLACE(
              CASE
                WHEN IS_VARIANT_NULL(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
                THEN NULL
                WHEN SCHEMA_OF_VARIANT(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant')) = 'STRING'
                THEN VARIANT_GET(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'), '$', 'string')
                ELSE TO_JSON(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
              END,
              '^\\s+|\\s+$',
              ''
            )
          ) RLIKE '^[+-]?[0-9]+$'
          THEN TRY_CAST(TRIM(
            REGEXP_REPLACE(
              CASE
                WHEN IS_VARIANT_NULL(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
                THEN NULL
                WHEN SCHEMA_OF_VARIANT(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant')) = 'STRING'
                THEN VARIANT_GET(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'), '$', 'string')
                ELSE TO_JSON(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
              END,
              '^\\s+|\\s+$',
              ''
            )
          ) AS BIGINT)
          ELSE NULL
        END AS INT)
        ELSE CAST(NULL AS INT)
      END
    END AS `Count`
  FROM `_k0`
), `_k2` AS (
  SELECT
    `Timestamp` AS `Timestamp`,
    `Command` AS `Command`,
    `Count` AS `Count`
  FROM `_k1`
)
SELECT
  `Timestamp`,
  `Command`,
  `Count`
FROM `_k2`
