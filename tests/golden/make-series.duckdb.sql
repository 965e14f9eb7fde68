WITH "_k0" AS (
  SELECT
    CAST(638501184000000000 AS BIGINT) AS "_start",
    CAST(36000000000 AS BIGINT) AS "_step",
    CAST(GREATEST(
      CEIL(
        (
          CAST(638502048000000000 AS BIGINT) - CAST(638501184000000000 AS BIGINT)
        ) / CAST(36000000000 AS BIGINT)
      ),
      0
    ) AS BIGINT) AS "_n"
), "_k1" AS (
  SELECT
    "DeviceName" AS "_g0",
    CAST(FLOOR((
      "Timestamp" - "_p"."_start"
    ) / "_p"."_step") AS BIGINT) AS "_b",
    COUNT(*) AS "_a0"
  FROM "DeviceNetworkEvents"
  CROSS JOIN "_k0" AS "_p"
  WHERE
    "Timestamp" >= "_p"."_start"
    AND "Timestamp" < "_p"."_start" + "_p"."_n" * "_p"."_step"
  GROUP BY
    1,
    2
), "_k2" AS (
  SELECT DISTINCT
    "DeviceName" AS "_g0"
  FROM "DeviceNetworkEvents"
), "_k3" AS (
  SELECT
    *,
    UNNEST(RANGE(0, "_p"."_n")) AS "_i"
  FROM "_k2"
  CROSS JOIN "_k0" AS "_p"
), "_k4" AS (
  SELECT
    "_c"."_g0" AS "DeviceName",
    TO_JSON(ARRAY_AGG(COALESCE("_x"."_a0", CAST(0 AS BIGINT)) ORDER BY "_c"."_i")) AS "Connections",
    TO_JSON(
      ARRAY_AGG(
        CASE
          WHEN CAST("_c"."_start" + "_c"."_i" * "_c"."_step" AS BIGINT) IS NULL
          THEN NULL
          ELSE TO_JSON(
            STRFTIME(
              MAKE_TIMESTAMP(
                CAST("_c"."_start" + "_c"."_i" * "_c"."_step" AS BIGINT) // 10 - 62135596800000000
              ),
              '%Y-%m-%dT%H:%M:%S'
            ) || '.' || LPAD(
              CAST(CAST("_c"."_start" + "_c"."_i" * "_c"."_step" AS BIGINT) % 10000000 AS TEXT),
              7,
              '0'
            ) || 'Z'
          )
        END ORDER BY "_c"."_i"
      )
    ) AS "Timestamp"
  FROM "_k3" AS "_c"
  LEFT JOIN "_k1" AS "_x"
    ON "_x"."_b" = "_c"."_i" AND "_x"."_g0" IS NOT DISTINCT FROM "_c"."_g0"
  GROUP BY
    "_c"."_g0"
)
SELECT
  "DeviceName",
  "Connections",
  "Timestamp"
FROM "_k4"
