WITH "_k0" AS (
  SELECT
    CAST(v AS BIGINT) AS "i"
  FROM (
    SELECT
      CAST(1 AS BIGINT) + __kq_i * CAST(1 AS BIGINT) AS v
    FROM RANGE(
      0,
      CAST(FLOOR((
        CAST(5 AS BIGINT) - CAST(1 AS BIGINT)
      ) / CAST(1 AS BIGINT)) AS BIGINT) + 1
    ) AS __kq_t(__kq_i)
  ) AS "_r"
), "_k1" AS (
  SELECT
    "i" AS "i",
    CAST((
      "i"
    ) AS BIGINT) * (
      "i"
    ) AS "Square",
    CASE
      WHEN (
        (
          "i"
        ) / (
          CAST(2.0 AS DOUBLE)
        )
      ) IS NULL
      THEN ''
      WHEN ISNAN((
        (
          "i"
        ) / (
          CAST(2.0 AS DOUBLE)
        )
      ))
      THEN 'NaN'
      WHEN ISINF((
        (
          "i"
        ) / (
          CAST(2.0 AS DOUBLE)
        )
      ))
      AND (
        (
          "i"
        ) / (
          CAST(2.0 AS DOUBLE)
        )
      ) > 0
      THEN 'Infinity'
      WHEN ISINF((
        (
          "i"
        ) / (
          CAST(2.0 AS DOUBLE)
        )
      ))
      THEN '-Infinity'
      WHEN (
        (
          "i"
        ) / (
          CAST(2.0 AS DOUBLE)
        )
      ) = TRUNC((
        (
          "i"
        ) / (
          CAST(2.0 AS DOUBLE)
        )
      ))
      AND ABS((
        (
          "i"
        ) / (
          CAST(2.0 AS DOUBLE)
        )
      )) < 1e15
      THEN (
        CASE
          WHEN (
            (
              "i"
            ) / (
              CAST(2.0 AS DOUBLE)
            )
          ) = 0
          AND 1 / (
            (
              "i"
            ) / (
              CAST(2.0 AS DOUBLE)
            )
          ) < 0
          THEN '-'
          ELSE ''
        END
      ) || CAST(CAST((
        (
          "i"
        ) / (
          CAST(2.0 AS DOUBLE)
        )
      ) AS BIGINT) AS TEXT) || '.0'
      ELSE CAST((
        (
          "i"
        ) / (
          CAST(2.0 AS DOUBLE)
        )
      ) AS TEXT)
    END AS "Text"
  FROM "_k0"
)
SELECT
  "i",
  "Square",
  "Text"
FROM "_k1"
ORDER BY
  "i" ASC NULLS FIRST
