WITH `_k0` AS (
  SELECT
    CAST(638501184000000000 AS BIGINT) AS `_start`,
    CAST(36000000000 AS BIGINT) AS `_step`,
    CAST(GREATEST(
      CEIL(
        (
          CAST(638502048000000000 AS BIGINT) - CAST(638501184000000000 AS BIGINT)
        ) / CAST(36000000000 AS BIGINT)
      ),
      0
    ) AS BIGINT) AS `_n`
), `_k1` AS (
  SELECT
    `DeviceName` AS `_g0`,
    CAST(FLOOR((
      `Timestamp` - `_p`.`_start`
    ) / `_p`.`_step`) AS BIGINT) AS `_b`,
    COUNT(*) AS `_a0`
  FROM `DeviceNetworkEvents`
  CROSS JOIN `_k0` AS `_p`
  WHERE
    `Timestamp` >= `_p`.`_start`
    AND `Timestamp` < `_p`.`_start` + `_p`.`_n` * `_p`.`_step`
  GROUP BY
    1,
    2
), `_k2` AS (
  SELECT DISTINCT
    `DeviceName` AS `_g0`
  FROM `DeviceNetworkEvents`
), `_k3` AS (
  SELECT
    *,
    EXPLODE(FILTER(SEQUENCE(0, GREATEST(`_p`.`_n`, 1)), __kq_i -> __kq_i < `_p`.`_n`)) AS `_i`
  FROM `_k2`
  CROSS JOIN `_k0` AS `_p`
), `_k4` AS (
  SELECT
    `_c`.`_g0` AS `DeviceName`,
    CAST(TRANSFORM(
      ARRAY_SORT(
        COLLECT_LIST(STRUCT(`_c`.`_i` AS i, COALESCE(`_x`.`_a0`, CAST(0 AS BIGINT)) AS v)),
        (__kq_l, __kq_r) -> CASE WHEN __kq_l.i < __kq_r.i THEN -1 WHEN __kq_l.i > __kq_r.i THEN 1 ELSE 0 END
      ),
      __kq_x -> __kq_x.v
    ) AS VARIANT) AS `Connections`,
    CAST(TRANSFORM(
      ARRAY_SORT(
        COLLECT_LIST(
          STRUCT(
            `_c`.`_i` AS i,
            CASE
              WHEN CAST(`_c`.`_start` + `_c`.`_i` * `_c`.`_step` AS BIGINT) IS NULL
              THEN NULL
              ELSE CAST(DATE_FORMAT(
                TIMESTAMP_MICROS(
                  CAST(`_c`.`_start` + `_c`.`_i` * `_c`.`_step` AS BIGINT) DIV 10 - 62135596800000000
                ),
                'yyyy-MM-dd\'T\'HH:mm:ss'
              ) || '.' || LPAD(
                CAST(PMOD(CAST(`_c`.`_start` + `_c`.`_i` * `_c`.`_step` AS BIGINT), 10000000) AS STRING),
                7,
                '0'
              ) || 'Z' AS VARIANT)
            END AS v
          )
        ),
        (__kq_l, __kq_r) -> CASE WHEN __kq_l.i < __kq_r.i THEN -1 WHEN __kq_l.i > __kq_r.i THEN 1 ELSE 0 END
      ),
      __kq_x -> __kq_x.v
    ) AS VARIANT) AS `Timestamp`
  FROM `_k3` AS `_c`
  LEFT JOIN `_k1` AS `_x`
    ON `_x`.`_b` = `_c`.`_i` AND `_x`.`_g0` IS NOT DISTINCT FROM `_c`.`_g0`
  GROUP BY
    `_c`.`_g0`
)
SELECT
  `DeviceName`,
  `Connections`,
  `Timestamp`
FROM `_k4`
