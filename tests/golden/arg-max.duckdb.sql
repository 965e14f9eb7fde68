WITH "_k0" AS (
  SELECT
    "DeviceId" AS "_g0",
    MAX("Timestamp") AS "_a0",
    CASE
      WHEN COUNT("Timestamp") = 0
      THEN FIRST("FileName")
      ELSE ARG_MAX_NULL("FileName", "Timestamp")
    END AS "_a1",
    CASE
      WHEN COUNT("Timestamp") = 0
      THEN FIRST("ProcessCommandLine")
      ELSE ARG_MAX_NULL("ProcessCommandLine", "Timestamp")
    END AS "_a2"
  FROM "DeviceProcessEvents"
  GROUP BY
    1
), "_k1" AS (
  SELECT
    "_g0" AS "DeviceId",
    "_a0" AS "Timestamp",
    "_a1" AS "FileName",
    "_a2" AS "ProcessCommandLine"
  FROM "_k0"
)
SELECT
  "DeviceId",
  "Timestamp",
  "FileName",
  "ProcessCommandLine"
FROM "_k1"
