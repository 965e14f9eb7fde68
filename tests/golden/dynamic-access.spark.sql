WITH `_k0` AS (
  SELECT
    `Timestamp` AS `Timestamp`,
    `AdditionalFields` AS `AdditionalFields`,
    COALESCE(TRY_PARSE_JSON(`AdditionalFields`), CAST(`AdditionalFields` AS VARIANT)) AS `Fields`
  FROM `DeviceEvents`
), `_k1` AS (
  SELECT
    `Timestamp` AS `Timestamp`,
    `Fields` AS `Fields`,
    COALESCE(
      CASE
        WHEN IS_VARIANT_NULL(TRY_VARIANT_GET(`Fields`, '$["Command"]', 'variant'))
        THEN NULL
        WHEN SCHEMA_OF_VARIANT(TRY_VARIANT_GET(`Fields`, '$["Command"]', 'variant')) = 'STRING'
        THEN VARIANT_GET(TRY_VARIANT_GET(`Fields`, '$["Command"]', 'variant'), '$', 'string')
        ELSE TO_JSON(TRY_VARIANT_GET(`Fields`, '$["Command"]', 'variant'))
      END,
      ''
    ) AS `Command`,
    CASE
      WHEN SCHEMA_OF_VARIANT(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant')) IN ('BIGINT', 'INT', 'SMALLINT', 'TINYINT', 'DOUBLE', 'FLOAT')
      OR SCHEMA_OF_VARIANT(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant')) LIKE 'DECIMAL%'
      THEN CAST(CASE
        WHEN TRY_VARIANT_GET(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'), '$', 'double') < 0
        THEN CEIL(
          TRY_VARIANT_GET(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'), '$', 'double')
        )
        ELSE FLOOR(
          TRY_VARIANT_GET(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'), '$', 'double')
        )
      END AS INT)
      ELSE CASE
        WHEN CASE
          WHEN TRIM(
            REGEXP_REPLACE(
              CASE
                WHEN IS_VARIANT_NULL(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
                THEN NULL
                WHEN SCHEMA_OF_VARIANT(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant')) = 'STRING'
                THEN VARIANT_GET(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'), '$', 'string')
                ELSE TO_JSON(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
              END,
              '^\\s+|\\s+$',
              ''
            )
          ) RLIKE '^[+-]?0[xX][0-9a-fA-F]+$'
          THEN (
            CASE
              WHEN TRIM(
                REGEXP_REPLACE(
                  CASE
                    WHEN IS_VARIANT_NULL(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
                    THEN NULL
                    WHEN SCHEMA_OF_VARIANT(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant')) = 'STRING'
                    THEN VARIANT_GET(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'), '$', 'string')
                    ELSE TO_JSON(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
                  END,
                  '^\\s+|\\s+$',
                  ''
                )
              ) LIKE '-%'
              THEN -1
              ELSE 1
            END
          ) * TRY_CAST(CONV(
            REGEXP_EXTRACT(
              TRIM(
                REGEXP_REPLACE(
                  CASE
                    WHEN IS_VARIANT_NULL(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
                    THEN NULL
                    WHEN SCHEMA_OF_VARIANT(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant')) = 'STRING'
                    THEN VARIANT_GET(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'), '$', 'string')
                    ELSE TO_JSON(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
                  END,
                  '^\\s+|\\s+$',
                  ''
                )
              ),
              '0[xX]([0-9a-fA-F]+)'
            ),
            16,
            10
          ) AS BIGINT)
          WHEN TRIM(
            REGEXP_REPLACE(
              CASE
                WHEN IS_VARIANT_NULL(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
                THEN NULL
                WHEN SCHEMA_OF_VARIANT(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant')) = 'STRING'
                THEN VARIANT_GET(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'), '$', 'string')
                ELSE TO_JSON(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
              END,
              '^\\s+|\\s+$',
              ''
            )
          ) RLIKE '^[+-]?[0-9]+$'
          THEN TRY_CAST(TRIM(
            REGEXP_REPLACE(
              CASE
                WHEN IS_VARIANT_NULL(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
                THEN NULL
                WHEN SCHEMA_OF_VARIANT(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant')) = 'STRING'
                THEN VARIANT_GET(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'), '$', 'string')
                ELSE TO_JSON(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
              END,
              '^\\s+|\\s+$',
              ''
            )
          ) AS BIGINT)
          ELSE NULL
        END BETWEEN -2147483648 AND 2147483647
        THEN CAST(CASE
          WHEN TRIM(
            REGEXP_REPLACE(
              CASE
                WHEN IS_VARIANT_NULL(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
                THEN NULL
                WHEN SCHEMA_OF_VARIANT(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant')) = 'STRING'
                THEN VARIANT_GET(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'), '$', 'string')
                ELSE TO_JSON(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
              END,
              '^\\s+|\\s+$',
              ''
            )
          ) RLIKE '^[+-]?0[xX][0-9a-fA-F]+$'
          THEN (
            CASE
              WHEN TRIM(
                REGEXP_REPLACE(
                  CASE
                    WHEN IS_VARIANT_NULL(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
                    THEN NULL
                    WHEN SCHEMA_OF_VARIANT(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant')) = 'STRING'
                    THEN VARIANT_GET(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'), '$', 'string')
                    ELSE TO_JSON(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
                  END,
                  '^\\s+|\\s+$',
                  ''
                )
              ) LIKE '-%'
              THEN -1
              ELSE 1
            END
          ) * TRY_CAST(CONV(
            REGEXP_EXTRACT(
              TRIM(
                REGEXP_REPLACE(
                  CASE
                    WHEN IS_VARIANT_NULL(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
                    THEN NULL
                    WHEN SCHEMA_OF_VARIANT(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant')) = 'STRING'
                    THEN VARIANT_GET(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'), '$', 'string')
                    ELSE TO_JSON(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
                  END,
                  '^\\s+|\\s+$',
                  ''
                )
              ),
              '0[xX]([0-9a-fA-F]+)'
            ),
            16,
            10
          ) AS BIGINT)
          WHEN TRIM(
            REGEXP_REPLACE(
              CASE
                WHEN IS_VARIANT_NULL(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
                THEN NULL
                WHEN SCHEMA_OF_VARIANT(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant')) = 'STRING'
                THEN VARIANT_GET(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'), '$', 'string')
                ELSE TO_JSON(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
              END,
              '^\\s+|\\s+$',
              ''
            )
          ) RLIKE '^[+-]?[0-9]+$'
          THEN TRY_CAST(TRIM(
            REGEXP_REPLACE(
              CASE
                WHEN IS_VARIANT_NULL(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
                THEN NULL
                WHEN SCHEMA_OF_VARIANT(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant')) = 'STRING'
                THEN VARIANT_GET(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'), '$', 'string')
                ELSE TO_JSON(TRY_VARIANT_GET(`Fields`, '$["Count"]', 'variant'))
              END,
              '^\\s+|\\s+$',
              ''
            )
          ) AS BIGINT)
          ELSE NULL
        END AS INT)
        ELSE CAST(NULL AS INT)
      END
    END AS `Count`
  FROM `_k0`
), `_k2` AS (
  SELECT
    `Timestamp` AS `Timestamp`,
    `Command` AS `Command`,
    `Count` AS `Count`
  FROM `_k1`
)
SELECT
  `Timestamp`,
  `Command`,
  `Count`
FROM `_k2`
