WITH `_k0` AS (
  SELECT
    `DeviceId` AS `_g0`,
    COALESCE(
      MAX_BY(
        STRUCT(`Timestamp` AS f0, `FileName` AS f1, `ProcessCommandLine` AS f2),
        `Timestamp`
      ),
      FIRST(STRUCT(`Timestamp` AS f0, `FileName` AS f1, `ProcessCommandLine` AS f2))
    ) AS `_a0`
  FROM `DeviceProcessEvents`
  GROUP BY
    1
), `_k1` AS (
  SELECT
    `_g0` AS `DeviceId`,
    `_a0`.f0 AS `Timestamp`,
    `_a0`.f1 AS `FileName`,
    `_a0`.f2 AS `ProcessCommandLine`
  FROM `_k0`
)
SELECT
  `DeviceId`,
  `Timestamp`,
  `FileName`,
  `ProcessCommandLine`
FROM `_k1`
