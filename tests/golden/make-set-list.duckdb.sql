WITH "_k0" AS (
  SELECT
    "DeviceName" AS "_g0",
    COALESCE(
      TO_JSON(
        LIST_SLICE(
          LIST_FILTER(
            (
              ARRAY_AGG(TO_JSON("FileName")) FILTER(WHERE
                NOT "FileName" IS NULL)
            ),
            LAMBDA __kq_e, __kq_i : LIST_POSITION(
              (
                ARRAY_AGG(TO_JSON("FileName")) FILTER(WHERE
                  NOT "FileName" IS NULL)
              ),
              __kq_e
            ) = __kq_i
          ),
          1,
          CAST(10 AS BIGINT)
        )
      ),
      CAST('[]' AS JSON)
    ) AS "_a0",
    COALESCE(
      TO_JSON(
        ARRAY_AGG(TO_JSON("ProcessCommandLine")) FILTER(WHERE
          NOT "ProcessCommandLine" IS NULL)
      ),
      CAST('[]' AS JSON)
    ) AS "_a1"
  FROM "DeviceProcessEvents"
  GROUP BY
    1
), "_k1" AS (
  SELECT
    "_g0" AS "DeviceName",
    "_a0" AS "Files",
    "_a1" AS "Lines"
  FROM "_k0"
)
SELECT
  "DeviceName",
  "Files",
  "Lines"
FROM "_k1"
