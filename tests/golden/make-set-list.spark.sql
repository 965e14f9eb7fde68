WITH `_k0` AS (
  SELECT
    `DeviceName` AS `_g0`,
    COALESCE(
      CAST(SLICE(
        TRANSFORM(
          ARRAY_DISTINCT(
            TRANSFORM(
              (
                COLLECT_LIST(CAST(`FileName` AS VARIANT)) FILTER(WHERE
                  NOT `FileName` IS NULL)
              ),
              __kq_e -> TO_JSON(__kq_e)
            )
          ),
          __kq_t -> PARSE_JSON(__kq_t)
        ),
        1,
        CAST(CAST(10 AS BIGINT) AS INT)
      ) AS VARIANT),
      PARSE_JSON('[]')
    ) AS `_a0`,
    COALESCE(
      CAST((
        COLLECT_LIST(CAST(`ProcessCommandLine` AS VARIANT)) FILTER(WHERE
          NOT `ProcessCommandLine` IS NULL)
      ) AS VARIANT),
      PARSE_JSON('[]')
    ) AS `_a1`
  FROM `DeviceProcessEvents`
  GROUP BY
    1
), `_k1` AS (
  SELECT
    `_g0` AS `DeviceName`,
    `_a0` AS `Files`,
    `_a1` AS `Lines`
  FROM `_k0`
)
SELECT
  `DeviceName`,
  `Files`,
  `Lines`
FROM `_k1`
