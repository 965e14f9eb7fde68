WITH "_k0" AS (
  SELECT
    *
  FROM "DeviceNetworkEvents"
  WHERE
    (
      "RemotePort" = CAST(135 AS BIGINT)
    )
), "_k1" AS (
  SELECT
    "DeviceId",
    "DeviceName",
    "FileName",
    ROW_NUMBER() OVER () AS "_rn"
  FROM "DeviceProcessEvents"
), "_k2" AS (
  SELECT
    "DeviceId",
    "DeviceName",
    "FileName"
  FROM "_k1"
  QUALIFY
    ROW_NUMBER() OVER (PARTITION BY "DeviceId" ORDER BY "_rn") = 1
), "_k3" AS (
  SELECT
    "_l"."DeviceId" AS "DeviceId",
    "_l"."DeviceName" AS "DeviceName",
    "_l"."FileName" AS "FileName",
    "_r"."RemoteIP" AS "RemoteIP"
  FROM "_k2" AS "_l"
  JOIN "_k0" AS "_r"
    ON "_l"."DeviceId" = "_r"."DeviceId"
), "_k4" AS (
  SELECT
    "DeviceName" AS "DeviceName",
    "FileName" AS "FileName",
    "RemoteIP" AS "RemoteIP"
  FROM "_k3"
)
SELECT
  "DeviceName",
  "FileName",
  "RemoteIP"
FROM "_k4"
