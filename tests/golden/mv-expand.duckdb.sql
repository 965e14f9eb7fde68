WITH "_k0" AS (
  SELECT
    "AdditionalFields" AS "AdditionalFields",
    COALESCE(TRY_CAST("AdditionalFields" AS JSON), TO_JSON("AdditionalFields")) AS "Fields"
  FROM "DeviceEvents"
), "_k1" AS (
  SELECT
    "Fields",
    CASE
      WHEN JSON_TYPE("Fields") = 'OBJECT'
      THEN TO_JSON(JSON_KEYS("Fields"))
      ELSE NULL
    END AS "_d0"
  FROM "_k0"
), "_k2" AS (
  SELECT
    "_d0",
    CASE LEFT("_d0", 1)
      WHEN '{'
      THEN 'OBJECT'
      WHEN '['
      THEN 'ARRAY'
      ELSE JSON_TYPE("_d0")
    END AS "_t0"
  FROM "_k1"
), "_k3" AS (
  SELECT
    CASE
      WHEN "_d0" IS NULL OR "_t0" = 'NULL'
      THEN [CAST(NULL AS JSON)]
      WHEN "_t0" = 'ARRAY'
      THEN CAST("_d0" AS JSON[])
      WHEN "_t0" = 'OBJECT'
      THEN "_d0" -> '$.*'
      ELSE ["_d0"]
    END AS "_l0",
    CASE WHEN "_t0" = 'OBJECT' THEN JSON_KEYS("_d0") ELSE NULL END AS "_q0"
  FROM "_k2"
), "_k4" AS (
  SELECT
    UNNEST("_l0") AS "_x0",
    UNNEST("_q0") AS "_y0"
  FROM "_k3"
), "_k5" AS (
  SELECT
    "_y0" AS "__kq_key_Key",
    "_x0" AS "__kq_value_Key"
  FROM "_k4"
), "_k6" AS (
  SELECT
    COALESCE(
      CASE
        WHEN NOT "__kq_key_Key" IS NULL
        THEN JSON_OBJECT((
          "__kq_key_Key"
        ), "__kq_value_Key")
        ELSE "__kq_value_Key"
      END ->> '$',
      ''
    ) AS "Key"
  FROM "_k5"
), "_k7" AS (
  SELECT
    "Key" AS "_g0",
    COUNT(*) AS "_a0"
  FROM "_k6"
  GROUP BY
    1
), "_k8" AS (
  SELECT
    "_g0" AS "Key",
    "_a0" AS "count_"
  FROM "_k7"
)
SELECT
  "Key",
  "count_"
FROM "_k8"
