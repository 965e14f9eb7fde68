WITH "_k0" AS (
  SELECT
    "DeviceId" AS "_g0",
    MAX("Timestamp") AS "_a0",
    ARG_MAX_NULL("FileName", COALESCE("Timestamp", -4611686018427387904)) AS "_a1",
    ARG_MAX_NULL("ProcessCommandLine", COALESCE("Timestamp", -4611686018427387904)) AS "_a2"
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
