WITH `_k0` AS (
  SELECT
    CAST(v AS BIGINT) AS `i`
  FROM (
    SELECT
      CAST(1 AS BIGINT) + id * CAST(1 AS BIGINT) AS v
    FROM RANGE(
      0,
      CAST(FLOOR((
        CAST(5 AS BIGINT) - CAST(1 AS BIGINT)
      ) / CAST(1 AS BIGINT)) AS BIGINT) + 1
    )
  ) AS `_r`
), `_k1` AS (
  SELECT
    `i` AS `i`,
    CAST((
      `i`
    ) AS BIGINT) * (
      `i`
    ) AS `Square`,
    CASE
      WHEN CASE
        WHEN (
          CAST(2.0 AS DOUBLE)
        ) = 0
        THEN (
          CASE
            WHEN (
              `i`
            ) > 0
            THEN CAST('Infinity' AS DOUBLE)
            WHEN (
              `i`
            ) < 0
            THEN CAST('-Infinity' AS DOUBLE)
            ELSE CAST('NaN' AS DOUBLE)
          END
        )
        ELSE CAST((
          `i`
        ) AS DOUBLE) / (
          CAST(2.0 AS DOUBLE)
        )
      END IS NULL
      THEN ''
      WHEN ISNAN(
        CASE
          WHEN (
            CAST(2.0 AS DOUBLE)
          ) = 0
          THEN (
            CASE
              WHEN (
                `i`
              ) > 0
              THEN CAST('Infinity' AS DOUBLE)
              WHEN (
                `i`
              ) < 0
              THEN CAST('-Infinity' AS DOUBLE)
              ELSE CAST('NaN' AS DOUBLE)
            END
          )
          ELSE CAST((
            `i`
          ) AS DOUBLE) / (
            CAST(2.0 AS DOUBLE)
          )
        END
      )
      THEN 'NaN'
      WHEN CASE
        WHEN (
          CAST(2.0 AS DOUBLE)
        ) = 0
        THEN (
          CASE
            WHEN (
              `i`
            ) > 0
            THEN CAST('Infinity' AS DOUBLE)
            WHEN (
              `i`
            ) < 0
            THEN CAST('-Infinity' AS DOUBLE)
            ELSE CAST('NaN' AS DOUBLE)
          END
        )
        ELSE CAST((
          `i`
        ) AS DOUBLE) / (
          CAST(2.0 AS DOUBLE)
        )
      END = CAST('Infinity' AS DOUBLE)
      THEN 'Infinity'
      WHEN CASE
        WHEN (
          CAST(2.0 AS DOUBLE)
        ) = 0
        THEN (
          CASE
            WHEN (
              `i`
            ) > 0
            THEN CAST('Infinity' AS DOUBLE)
            WHEN (
              `i`
            ) < 0
            THEN CAST('-Infinity' AS DOUBLE)
            ELSE CAST('NaN' AS DOUBLE)
          END
        )
        ELSE CAST((
          `i`
        ) AS DOUBLE) / (
          CAST(2.0 AS DOUBLE)
        )
      END = CAST('-Infinity' AS DOUBLE)
      THEN '-Infinity'
      WHEN ABS(
        CASE
          WHEN (
            CAST(2.0 AS DOUBLE)
          ) = 0
          THEN (
            CASE
              WHEN (
                `i`
              ) > 0
              THEN CAST('Infinity' AS DOUBLE)
              WHEN (
                `i`
              ) < 0
              THEN CAST('-Infinity' AS DOUBLE)
              ELSE CAST('NaN' AS DOUBLE)
            END
          )
          ELSE CAST((
            `i`
          ) AS DOUBLE) / (
            CAST(2.0 AS DOUBLE)
          )
        END
      ) < 1e15
      AND CASE
        WHEN (
          CAST(2.0 AS DOUBLE)
        ) = 0
        THEN (
          CASE
            WHEN (
              `i`
            ) > 0
            THEN CAST('Infinity' AS DOUBLE)
            WHEN (
              `i`
            ) < 0
            THEN CAST('-Infinity' AS DOUBLE)
            ELSE CAST('NaN' AS DOUBLE)
          END
        )
        ELSE CAST((
          `i`
        ) AS DOUBLE) / (
          CAST(2.0 AS DOUBLE)
        )
      END = FLOOR(
        CASE
          WHEN (
            CAST(2.0 AS DOUBLE)
          ) = 0
          THEN (
            CASE
              WHEN (
                `i`
              ) > 0
              THEN CAST('Infinity' AS DOUBLE)
              WHEN (
                `i`
              ) < 0
              THEN CAST('-Infinity' AS DOUBLE)
              ELSE CAST('NaN' AS DOUBLE)
            END
          )
          ELSE CAST((
            `i`
          ) AS DOUBLE) / (
            CAST(2.0 AS DOUBLE)
          )
        END
      )
      THEN (
        CASE
          WHEN CASE
            WHEN (
              CAST(2.0 AS DOUBLE)
            ) = 0
            THEN (
              CASE
                WHEN (
                  `i`
                ) > 0
                THEN CAST('Infinity' AS DOUBLE)
                WHEN (
                  `i`
                ) < 0
                THEN CAST('-Infinity' AS DOUBLE)
                ELSE CAST('NaN' AS DOUBLE)
              END
            )
            ELSE CAST((
              `i`
            ) AS DOUBLE) / (
              CAST(2.0 AS DOUBLE)
            )
          END = 0
          AND 1 / CASE
            WHEN (
              CAST(2.0 AS DOUBLE)
            ) = 0
            THEN (
              CASE
                WHEN (
                  `i`
                ) > 0
                THEN CAST('Infinity' AS DOUBLE)
                WHEN (
                  `i`
                ) < 0
                THEN CAST('-Infinity' AS DOUBLE)
                ELSE CAST('NaN' AS DOUBLE)
              END
            )
            ELSE CAST((
              `i`
            ) AS DOUBLE) / (
              CAST(2.0 AS DOUBLE)
            )
          END < 0
          THEN '-'
          ELSE ''
        END
      ) || CAST(CAST(CASE
        WHEN (
          CAST(2.0 AS DOUBLE)
        ) = 0
        THEN (
          CASE
            WHEN (
              `i`
            ) > 0
            THEN CAST('Infinity' AS DOUBLE)
            WHEN (
              `i`
            ) < 0
            THEN CAST('-Infinity' AS DOUBLE)
            ELSE CAST('NaN' AS DOUBLE)
          END
        )
        ELSE CAST((
          `i`
        ) AS DOUBLE) / (
          CAST(2.0 AS DOUBLE)
        )
      END AS BIGINT) AS STRING) || '.0'
      ELSE CAST(CASE
        WHEN (
          CAST(2.0 AS DOUBLE)
        ) = 0
        THEN (
          CASE
            WHEN (
              `i`
            ) > 0
            THEN CAST('Infinity' AS DOUBLE)
            WHEN (
              `i`
            ) < 0
            THEN CAST('-Infinity' AS DOUBLE)
            ELSE CAST('NaN' AS DOUBLE)
          END
        )
        ELSE CAST((
          `i`
        ) AS DOUBLE) / (
          CAST(2.0 AS DOUBLE)
        )
      END AS STRING)
    END AS `Text`
  FROM `_k0`
)
SELECT
  `i`,
  `Square`,
  `Text`
FROM `_k1`
ORDER BY
  `i` ASC
