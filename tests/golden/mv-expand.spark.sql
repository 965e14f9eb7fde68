WITH `_k0` AS (
  SELECT
    `AdditionalFields` AS `AdditionalFields`,
    COALESCE(TRY_PARSE_JSON(`AdditionalFields`), CAST(`AdditionalFields` AS VARIANT)) AS `Fields`
  FROM `DeviceEvents`
), `_k1` AS (
  SELECT
    `Fields`,
    CASE
      WHEN TRY_CAST(`Fields` AS MAP<STRING, VARIANT>) IS NULL
      THEN NULL
      ELSE CAST(MAP_KEYS(TRY_CAST(`Fields` AS MAP<STRING, VARIANT>)) AS VARIANT)
    END AS `_d0`
  FROM `_k0`
), `_k2` AS (
  SELECT
    `_d0`,
    CASE
      WHEN `_d0` IS NULL
      THEN NULL
      WHEN IS_VARIANT_NULL(`_d0`)
      THEN 'NULL'
      WHEN NOT TRY_CAST(`_d0` AS ARRAY<VARIANT>) IS NULL
      THEN 'ARRAY'
      WHEN NOT TRY_CAST(`_d0` AS MAP<STRING, VARIANT>) IS NULL
      THEN 'OBJECT'
      WHEN SCHEMA_OF_VARIANT(`_d0`) = 'STRING'
      THEN 'VARCHAR'
      WHEN SCHEMA_OF_VARIANT(`_d0`) IN ('BIGINT', 'INT', 'SMALLINT', 'TINYINT')
      THEN 'BIGINT'
      WHEN SCHEMA_OF_VARIANT(`_d0`) = 'BOOLEAN'
      THEN 'BOOLEAN'
      ELSE 'DOUBLE'
    END AS `_t0`
  FROM `_k1`
), `_k3` AS (
  SELECT
    CASE
      WHEN `_d0` IS NULL OR `_t0` = 'NULL'
      THEN ARRAY(CAST(NULL AS VARIANT))
      WHEN `_t0` = 'ARRAY'
      THEN CAST(`_d0` AS ARRAY<VARIANT>)
      WHEN `_t0` = 'OBJECT'
      THEN MAP_VALUES(CAST(`_d0` AS MAP<STRING, VARIANT>))
      ELSE ARRAY(`_d0`)
    END AS `_l0`,
    CASE
      WHEN `_t0` = 'OBJECT'
      THEN MAP_KEYS(CAST(`_d0` AS MAP<STRING, VARIANT>))
      ELSE NULL
    END AS `_q0`
  FROM `_k2`
), `_k4` AS (
  SELECT
    `_l0`,
    `_q0`,
    EXPLODE(FILTER(SEQUENCE(0, GREATEST(SIZE(`_l0`), 1)), __kq_i -> __kq_i < SIZE(`_l0`))) AS `_i`
  FROM `_k3`
), `_k5` AS (
  SELECT
    GET(`_q0`, CAST(`_i` AS INT)) AS `__kq_key_Key`,
    GET(`_l0`, CAST(`_i` AS INT)) AS `__kq_value_Key`
  FROM `_k4`
), `_k6` AS (
  SELECT
    COALESCE(
      CASE
        WHEN IS_VARIANT_NULL(
          CASE
            WHEN NOT `__kq_key_Key` IS NULL
            THEN PARSE_JSON(TO_JSON(MAP(`__kq_key_Key`, `__kq_value_Key`)))
            ELSE `__kq_value_Key`
          END
        )
        THEN NULL
        WHEN SCHEMA_OF_VARIANT(
          CASE
            WHEN NOT `__kq_key_Key` IS NULL
            THEN PARSE_JSON(TO_JSON(MAP(`__kq_key_Key`, `__kq_value_Key`)))
            ELSE `__kq_value_Key`
          END
        ) = 'STRING'
        THEN VARIANT_GET(
          CASE
            WHEN NOT `__kq_key_Key` IS NULL
            THEN PARSE_JSON(TO_JSON(MAP(`__kq_key_Key`, `__kq_value_Key`)))
            ELSE `__kq_value_Key`
          END,
          '$',
          'string'
        )
        ELSE TO_JSON(
          CASE
            WHEN NOT `__kq_key_Key` IS NULL
            THEN PARSE_JSON(TO_JSON(MAP(`__kq_key_Key`, `__kq_value_Key`)))
            ELSE `__kq_value_Key`
          END
        )
      END,
      ''
    ) AS `Key`
  FROM `_k5`
), `_k7` AS (
  SELECT
    `Key` AS `_g0`,
    COUNT(*) AS `_a0`
  FROM `_k6`
  GROUP BY
    1
), `_k8` AS (
  SELECT
    `_g0` AS `Key`,
    `_a0` AS `count_`
  FROM `_k7`
)
SELECT
  `Key`,
  `count_`
FROM `_k8`
