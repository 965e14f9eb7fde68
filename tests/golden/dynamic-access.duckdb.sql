WITH "_k0" AS (
  SELECT
    "Timestamp" AS "Timestamp",
    "AdditionalFields" AS "AdditionalFields",
    COALESCE(TRY_CAST("AdditionalFields" AS JSON), TO_JSON("AdditionalFields")) AS "Fields"
  FROM "DeviceEvents"
), "_k1" AS (
  SELECT
    "Timestamp" AS "Timestamp",
    "Fields" AS "Fields",
    COALESCE((
      "Fields" -> '$."Command"'
    ) ->> '$', '') AS "Command",
    CASE
      WHEN JSON_TYPE("Fields" -> '$."Count"') IN ('BIGINT', 'UBIGINT', 'DOUBLE')
      THEN TRY_CAST(TRUNC(TRY_CAST((
        "Fields" -> '$."Count"'
      ) ->> '$' AS DOUBLE)) AS INT)
      ELSE CASE
        WHEN CASE
          WHEN REGEXP_MATCHES(
            TRIM(
              TRIM(
                (
                  "Fields" -> '$."Count"'
                ) ->> '$',
                ' ' || CHR(9) || CHR(10) || CHR(12) || CHR(13)
              )
            ),
            '^[+-]?0[xX][0-9a-fA-F]+$'
          )
          THEN TRY_CAST((
            '0x' || REGEXP_EXTRACT(
              TRIM(
                TRIM(
                  (
                    "Fields" -> '$."Count"'
                  ) ->> '$',
                  ' ' || CHR(9) || CHR(10) || CHR(12) || CHR(13)
                )
              ),
              '0[xX]([0-9a-fA-F]+)',
              1
            )
          ) AS BIGINT)
          WHEN REGEXP_MATCHES(
            TRIM(
              TRIM(
                (
                  "Fields" -> '$."Count"'
                ) ->> '$',
                ' ' || CHR(9) || CHR(10) || CHR(12) || CHR(13)
              )
            ),
            '^[+-]?[0-9]+$'
          )
          THEN TRY_CAST(TRIM(
            TRIM(
              (
                "Fields" -> '$."Count"'
              ) ->> '$',
              ' ' || CHR(9) || CHR(10) || CHR(12) || CHR(13)
            )
          ) AS BIGINT)
          ELSE NULL
        END BETWEEN -2147483648 AND 2147483647
        THEN CAST(CASE
          WHEN REGEXP_MATCHES(
            TRIM(
              TRIM(
                (
                  "Fields" -> '$."Count"'
                ) ->> '$',
                ' ' || CHR(9) || CHR(10) || CHR(12) || CHR(13)
              )
            ),
            '^[+-]?0[xX][0-9a-fA-F]+$'
          )
          THEN TRY_CAST((
            '0x' || REGEXP_EXTRACT(
              TRIM(
                TRIM(
                  (
                    "Fields" -> '$."Count"'
                  ) ->> '$',
                  ' ' || CHR(9) || CHR(10) || CHR(12) || CHR(13)
                )
              ),
              '0[xX]([0-9a-fA-F]+)',
              1
            )
          ) AS BIGINT)
          WHEN REGEXP_MATCHES(
            TRIM(
              TRIM(
                (
                  "Fields" -> '$."Count"'
                ) ->> '$',
                ' ' || CHR(9) || CHR(10) || CHR(12) || CHR(13)
              )
            ),
            '^[+-]?[0-9]+$'
          )
          THEN TRY_CAST(TRIM(
            TRIM(
              (
                "Fields" -> '$."Count"'
              ) ->> '$',
              ' ' || CHR(9) || CHR(10) || CHR(12) || CHR(13)
            )
          ) AS BIGINT)
          ELSE NULL
        END AS INT)
        ELSE CAST(NULL AS INT)
      END
    END AS "Count"
  FROM "_k0"
), "_k2" AS (
  SELECT
    "Timestamp" AS "Timestamp",
    "Command" AS "Command",
    "Count" AS "Count"
  FROM "_k1"
)
SELECT
  "Timestamp",
  "Command",
  "Count"
FROM "_k2"
