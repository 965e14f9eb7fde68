WITH "_k0" AS (
  SELECT
    "DeviceName" AS "_g0",
    COUNT(*) AS "_a0",
    COUNT(*) FILTER(WHERE
      (
        "ProcessTokenElevation" = 'TokenElevationTypeFull'
      )) AS "_a1",
    CAST(COALESCE(SUM("FileSize"), 0) AS BIGINT) AS "_a2"
  FROM "DeviceProcessEvents"
  GROUP BY
    1
), "_k1" AS (
  SELECT
    "_g0" AS "DeviceName",
    "_a0" AS "Total",
    "_a1" AS "Elevated",
    "_a2" AS "Size"
  FROM "_k0"
)
SELECT
  "DeviceName",
  "Total",
  "Elevated",
  "Size"
FROM "_k1"
