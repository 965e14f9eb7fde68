WITH `_k0` AS (
  SELECT
    *
  FROM `DeviceProcessEvents`
  WHERE
    (
      (
        LOWER(`FileName`) = LOWER('powershell.exe')
      )
    )
    AND (
      CONTAINS(LOWER(`ProcessCommandLine`), '-enc')
      AND `ProcessCommandLine` RLIKE '(?iu)\\-enc(?:$|[^\\pL\\pN])'
    )
), `_k1` AS (
  SELECT
    `Timestamp` AS `Timestamp`,
    `DeviceName` AS `DeviceName`,
    `ProcessCommandLine` AS `ProcessCommandLine`
  FROM `_k0`
)
SELECT
  `Timestamp`,
  `DeviceName`,
  `ProcessCommandLine`
FROM `_k1`
