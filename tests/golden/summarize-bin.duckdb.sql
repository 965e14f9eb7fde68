WITH "_k0" AS (
  SELECT
    *
  FROM "DeviceNetworkEvents"
  WHERE
    (
      "ActionType" = 'ConnectionSuccess'
    )
), "_k1" AS (
  SELECT
    "DeviceName" AS "_g0",
    CASE
      WHEN CAST(36000000000 AS BIGINT) <= 0
      THEN NULL
      ELSE "Timestamp" - (
        (
          "Timestamp" % CAST(36000000000 AS BIGINT)
        ) + CAST(36000000000 AS BIGINT)
      ) % CAST(36000000000 AS BIGINT)
    END AS "_g1",
    COUNT(*) AS "_a0",
    COUNT(DISTINCT "RemoteIP") AS "_a1"
  FROM "_k0"
  GROUP BY
    1,
    2
), "_k2" AS (
  SELECT
    "_g0" AS "DeviceName",
    "_g1" AS "Timestamp",
    "_a0" AS "Connections",
    "_a1" AS "Targets"
  FROM "_k1"
)
SELECT
  "DeviceName",
  "Timestamp",
  "Connections",
  "Targets"
FROM "_k2"
