WITH `_k0` AS (
  SELECT
    `DeviceName`,
    `FileName`,
    `ProcessCommandLine`,
    MONOTONICALLY_INCREASING_ID() AS `_pos`
  FROM `DeviceProcessEvents`
), `_k1` AS (
  SELECT
    `DeviceName` AS `_g0`,
    COALESCE(
      CAST((
        COLLECT_LIST(CAST(`ProcessCommandLine` AS VARIANT)) FILTER(WHERE
          NOT `ProcessCommandLine` IS NULL)
      ) AS VARIANT),
      PARSE_JSON('[]')
    ) AS `_a1`
  FROM `_k0`
  GROUP BY
    1
), `_k2` AS (
  SELECT
    `DeviceName` AS `_g0`,
    `FileName` AS `_v`,
    MIN(`_pos`) AS `_p`
  FROM `_k0`
  WHERE
    NOT `FileName` IS NULL AND NOT `FileName` IS NULL
  GROUP BY
    1,
    2
), `_k3` AS (
  SELECT
    `_g0` AS `_s0_g0`,
    TRANSFORM(
      ARRAY_SORT(
        COLLECT_LIST(STRUCT(`_p` AS p, CAST(`_v` AS VARIANT) AS v)),
        (__kq_a, __kq_b) -> CASE WHEN __kq_a.p < __kq_b.p THEN -1 WHEN __kq_a.p > __kq_b.p THEN 1 ELSE 0 END
      ),
      __kq_e -> __kq_e.v
    ) AS `_s0_v`
  FROM `_k2`
  GROUP BY
    1
), `_k4` AS (
  SELECT
    `_g0` AS `DeviceName`,
    COALESCE(
      CAST(SLICE(`_s0_v`, 1, CAST(CAST(10 AS BIGINT) AS INT)) AS VARIANT),
      PARSE_JSON('[]')
    ) AS `Files`,
    `_a1` AS `Lines`
  FROM `_k1`
  LEFT JOIN `_k3`
    ON `_g0` IS NOT DISTINCT FROM `_s0_g0`
)
SELECT
  `DeviceName`,
  `Files`,
  `Lines`
FROM `_k4`
