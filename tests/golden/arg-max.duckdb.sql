WITH "_k0" AS (
  SELECT
    "DeviceId" AS "_g0",
    COALESCE(
      ARG_MAX({'f0': "Timestamp", 'f1': "FileName", 'f2': "ProcessCommandLine"}, "Timestamp"),
      FIRST({'f0': "Timestamp", 'f1': "FileName", 'f2': "ProcessCommandLine"})
    ) AS "_a0"
  FROM "DeviceProcessEvents"
  GROUP BY
    1
), "_k1" AS (
  SELECT
    "_g0" AS "DeviceId",
    "_a0".f0 AS "Timestamp",
    "_a0".f1 AS "FileName",
    "_a0".f2 AS "ProcessCommandLine"
  FROM "_k0"
)
SELECT
  "DeviceId",
  "Timestamp",
  "FileName",
  "ProcessCommandLine"
FROM "_k1"
