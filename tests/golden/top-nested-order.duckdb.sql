WITH "_k0" AS (
  SELECT
    "FileName" AS "_g0",
    COUNT(*) AS "_a0"
  FROM "DeviceProcessEvents"
  GROUP BY
    1
), "_k1" AS (
  SELECT
    "_g0" AS "FileName",
    "_a0" AS "n"
  FROM "_k0"
), "_k2" AS (
  SELECT
    *
  FROM "_k1"
  ORDER BY
    "n" DESC
  LIMIT 10
)
SELECT
  "FileName",
  "n"
FROM "_k2"
ORDER BY
  "n" DESC
