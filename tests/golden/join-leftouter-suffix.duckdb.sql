WITH "_k0" AS (
  SELECT
    "DeviceId" AS "DeviceId",
    "FileName" AS "FileName",
    "Timestamp" AS "Timestamp"
  FROM "DeviceProcessEvents"
), "_k1" AS (
  SELECT
    "DeviceId" AS "DeviceId",
    "FileName" AS "FileName",
    "Timestamp" AS "Timestamp"
  FROM "DeviceFileEvents"
), "_k2" AS (
  SELECT
    "_l"."DeviceId" AS "DeviceId",
    "_l"."FileName" AS "FileName",
    "_l"."Timestamp" AS "Timestamp",
    COALESCE("_r"."DeviceId", '') AS "DeviceId1",
    COALESCE("_r"."FileName", '') AS "FileName1",
    "_r"."Timestamp" AS "Timestamp1"
  FROM "_k0" AS "_l"
  LEFT JOIN "_k1" AS "_r"
    ON "_l"."DeviceId" = "_r"."DeviceId"
)
SELECT
  "DeviceId",
  "FileName",
  "Timestamp",
  "DeviceId1",
  "FileName1",
  "Timestamp1"
FROM "_k2"
