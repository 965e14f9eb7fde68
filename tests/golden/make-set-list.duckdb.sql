WITH "_k0" AS (
  SELECT
    "DeviceName",
    "FileName",
    "ProcessCommandLine",
    ROW_NUMBER() OVER () AS "_pos"
  FROM "DeviceProcessEvents"
), "_k1" AS (
  SELECT
    "DeviceName" AS "_g0",
    COALESCE(
      TO_JSON(
        ARRAY_AGG(TO_JSON("ProcessCommandLine")) FILTER(WHERE
          NOT "ProcessCommandLine" IS NULL)
      ),
      CAST('[]' AS JSON)
    ) AS "_a1"
  FROM "_k0"
  GROUP BY
    1
), "_k2" AS (
  SELECT
    "DeviceName" AS "_g0",
    "FileName" AS "_v",
    MIN("_pos") AS "_p"
  FROM "_k0"
  WHERE
    NOT "FileName" IS NULL AND NOT "FileName" IS NULL
  GROUP BY
    1,
    2
), "_k3" AS (
  SELECT
    "_g0" AS "_s0_g0",
    ARRAY_AGG(TO_JSON("_v") ORDER BY "_p") AS "_s0_v"
  FROM "_k2"
  GROUP BY
    1
), "_k4" AS (
  SELECT
    "_g0" AS "DeviceName",
    COALESCE(TO_JSON(LIST_SLICE("_s0_v", 1, CAST(10 AS BIGINT))), CAST('[]' AS JSON)) AS "Files",
    "_a1" AS "Lines"
  FROM "_k1"
  LEFT JOIN "_k3"
    ON "_g0" IS NOT DISTINCT FROM "_s0_g0"
)
SELECT
  "DeviceName",
  "Files",
  "Lines"
FROM "_k4"
