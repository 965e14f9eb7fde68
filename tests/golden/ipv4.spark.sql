WITH `_k0` AS (
  SELECT
    *
  FROM `DeviceNetworkEvents`
  WHERE
    (
      (
        (
          CASE
            WHEN CASE
              WHEN TRIM(`RemoteIP`) RLIKE '^\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}(/\\d{1,2})?$'
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 1) AS BIGINT) <= 255
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 2) AS BIGINT) <= 255
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 3) AS BIGINT) <= 255
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 4) AS BIGINT) <= 255
              THEN CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 1) AS BIGINT) * 16777216 + CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 2) AS BIGINT) * 65536 + CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 3) AS BIGINT) * 256 + CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 4) AS BIGINT) * 1
              ELSE NULL
            END IS NULL
            OR CASE
              WHEN TRIM('10.0.0.0/8') RLIKE '^\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}(/\\d{1,2})?$'
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM('10.0.0.0/8'), '/', 1), '.', 1) AS BIGINT) <= 255
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM('10.0.0.0/8'), '/', 1), '.', 2) AS BIGINT) <= 255
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM('10.0.0.0/8'), '/', 1), '.', 3) AS BIGINT) <= 255
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM('10.0.0.0/8'), '/', 1), '.', 4) AS BIGINT) <= 255
              THEN CAST(SPLIT_PART(SPLIT_PART(TRIM('10.0.0.0/8'), '/', 1), '.', 1) AS BIGINT) * 16777216 + CAST(SPLIT_PART(SPLIT_PART(TRIM('10.0.0.0/8'), '/', 1), '.', 2) AS BIGINT) * 65536 + CAST(SPLIT_PART(SPLIT_PART(TRIM('10.0.0.0/8'), '/', 1), '.', 3) AS BIGINT) * 256 + CAST(SPLIT_PART(SPLIT_PART(TRIM('10.0.0.0/8'), '/', 1), '.', 4) AS BIGINT) * 1
              ELSE NULL
            END IS NULL
            OR CASE
              WHEN CONTAINS('10.0.0.0/8', '/')
              THEN LEAST(TRY_CAST(SPLIT_PART('10.0.0.0/8', '/', 2) AS BIGINT), 32)
              ELSE 32
            END IS NULL
            THEN NULL
            ELSE CASE
              WHEN TRIM(`RemoteIP`) RLIKE '^\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}(/\\d{1,2})?$'
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 1) AS BIGINT) <= 255
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 2) AS BIGINT) <= 255
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 3) AS BIGINT) <= 255
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 4) AS BIGINT) <= 255
              THEN CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 1) AS BIGINT) * 16777216 + CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 2) AS BIGINT) * 65536 + CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 3) AS BIGINT) * 256 + CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 4) AS BIGINT) * 1
              ELSE NULL
            END DIV CAST(POWER(
              2,
              32 - CASE
                WHEN CONTAINS('10.0.0.0/8', '/')
                THEN LEAST(TRY_CAST(SPLIT_PART('10.0.0.0/8', '/', 2) AS BIGINT), 32)
                ELSE 32
              END
            ) AS BIGINT) = CASE
              WHEN TRIM('10.0.0.0/8') RLIKE '^\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}(/\\d{1,2})?$'
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM('10.0.0.0/8'), '/', 1), '.', 1) AS BIGINT) <= 255
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM('10.0.0.0/8'), '/', 1), '.', 2) AS BIGINT) <= 255
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM('10.0.0.0/8'), '/', 1), '.', 3) AS BIGINT) <= 255
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM('10.0.0.0/8'), '/', 1), '.', 4) AS BIGINT) <= 255
              THEN CAST(SPLIT_PART(SPLIT_PART(TRIM('10.0.0.0/8'), '/', 1), '.', 1) AS BIGINT) * 16777216 + CAST(SPLIT_PART(SPLIT_PART(TRIM('10.0.0.0/8'), '/', 1), '.', 2) AS BIGINT) * 65536 + CAST(SPLIT_PART(SPLIT_PART(TRIM('10.0.0.0/8'), '/', 1), '.', 3) AS BIGINT) * 256 + CAST(SPLIT_PART(SPLIT_PART(TRIM('10.0.0.0/8'), '/', 1), '.', 4) AS BIGINT) * 1
              ELSE NULL
            END DIV CAST(POWER(
              2,
              32 - CASE
                WHEN CONTAINS('10.0.0.0/8', '/')
                THEN LEAST(TRY_CAST(SPLIT_PART('10.0.0.0/8', '/', 2) AS BIGINT), 32)
                ELSE 32
              END
            ) AS BIGINT)
          END
          OR CASE
            WHEN CASE
              WHEN TRIM(`RemoteIP`) RLIKE '^\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}(/\\d{1,2})?$'
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 1) AS BIGINT) <= 255
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 2) AS BIGINT) <= 255
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 3) AS BIGINT) <= 255
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 4) AS BIGINT) <= 255
              THEN CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 1) AS BIGINT) * 16777216 + CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 2) AS BIGINT) * 65536 + CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 3) AS BIGINT) * 256 + CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 4) AS BIGINT) * 1
              ELSE NULL
            END IS NULL
            OR CASE
              WHEN TRIM('172.16.0.0/12') RLIKE '^\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}(/\\d{1,2})?$'
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM('172.16.0.0/12'), '/', 1), '.', 1) AS BIGINT) <= 255
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM('172.16.0.0/12'), '/', 1), '.', 2) AS BIGINT) <= 255
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM('172.16.0.0/12'), '/', 1), '.', 3) AS BIGINT) <= 255
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM('172.16.0.0/12'), '/', 1), '.', 4) AS BIGINT) <= 255
              THEN CAST(SPLIT_PART(SPLIT_PART(TRIM('172.16.0.0/12'), '/', 1), '.', 1) AS BIGINT) * 16777216 + CAST(SPLIT_PART(SPLIT_PART(TRIM('172.16.0.0/12'), '/', 1), '.', 2) AS BIGINT) * 65536 + CAST(SPLIT_PART(SPLIT_PART(TRIM('172.16.0.0/12'), '/', 1), '.', 3) AS BIGINT) * 256 + CAST(SPLIT_PART(SPLIT_PART(TRIM('172.16.0.0/12'), '/', 1), '.', 4) AS BIGINT) * 1
              ELSE NULL
            END IS NULL
            OR CASE
              WHEN CONTAINS('172.16.0.0/12', '/')
              THEN LEAST(TRY_CAST(SPLIT_PART('172.16.0.0/12', '/', 2) AS BIGINT), 32)
              ELSE 32
            END IS NULL
            THEN NULL
            ELSE CASE
              WHEN TRIM(`RemoteIP`) RLIKE '^\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}(/\\d{1,2})?$'
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 1) AS BIGINT) <= 255
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 2) AS BIGINT) <= 255
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 3) AS BIGINT) <= 255
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 4) AS BIGINT) <= 255
              THEN CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 1) AS BIGINT) * 16777216 + CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 2) AS BIGINT) * 65536 + CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 3) AS BIGINT) * 256 + CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 4) AS BIGINT) * 1
              ELSE NULL
            END DIV CAST(POWER(
              2,
              32 - CASE
                WHEN CONTAINS('172.16.0.0/12', '/')
                THEN LEAST(TRY_CAST(SPLIT_PART('172.16.0.0/12', '/', 2) AS BIGINT), 32)
                ELSE 32
              END
            ) AS BIGINT) = CASE
              WHEN TRIM('172.16.0.0/12') RLIKE '^\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}(/\\d{1,2})?$'
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM('172.16.0.0/12'), '/', 1), '.', 1) AS BIGINT) <= 255
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM('172.16.0.0/12'), '/', 1), '.', 2) AS BIGINT) <= 255
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM('172.16.0.0/12'), '/', 1), '.', 3) AS BIGINT) <= 255
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM('172.16.0.0/12'), '/', 1), '.', 4) AS BIGINT) <= 255
              THEN CAST(SPLIT_PART(SPLIT_PART(TRIM('172.16.0.0/12'), '/', 1), '.', 1) AS BIGINT) * 16777216 + CAST(SPLIT_PART(SPLIT_PART(TRIM('172.16.0.0/12'), '/', 1), '.', 2) AS BIGINT) * 65536 + CAST(SPLIT_PART(SPLIT_PART(TRIM('172.16.0.0/12'), '/', 1), '.', 3) AS BIGINT) * 256 + CAST(SPLIT_PART(SPLIT_PART(TRIM('172.16.0.0/12'), '/', 1), '.', 4) AS BIGINT) * 1
              ELSE NULL
            END DIV CAST(POWER(
              2,
              32 - CASE
                WHEN CONTAINS('172.16.0.0/12', '/')
                THEN LEAST(TRY_CAST(SPLIT_PART('172.16.0.0/12', '/', 2) AS BIGINT), 32)
                ELSE 32
              END
            ) AS BIGINT)
          END
          OR CASE
            WHEN CASE
              WHEN TRIM(`RemoteIP`) RLIKE '^\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}(/\\d{1,2})?$'
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 1) AS BIGINT) <= 255
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 2) AS BIGINT) <= 255
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 3) AS BIGINT) <= 255
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 4) AS BIGINT) <= 255
              THEN CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 1) AS BIGINT) * 16777216 + CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 2) AS BIGINT) * 65536 + CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 3) AS BIGINT) * 256 + CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 4) AS BIGINT) * 1
              ELSE NULL
            END IS NULL
            OR CASE
              WHEN TRIM('192.168.0.0/16') RLIKE '^\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}(/\\d{1,2})?$'
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM('192.168.0.0/16'), '/', 1), '.', 1) AS BIGINT) <= 255
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM('192.168.0.0/16'), '/', 1), '.', 2) AS BIGINT) <= 255
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM('192.168.0.0/16'), '/', 1), '.', 3) AS BIGINT) <= 255
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM('192.168.0.0/16'), '/', 1), '.', 4) AS BIGINT) <= 255
              THEN CAST(SPLIT_PART(SPLIT_PART(TRIM('192.168.0.0/16'), '/', 1), '.', 1) AS BIGINT) * 16777216 + CAST(SPLIT_PART(SPLIT_PART(TRIM('192.168.0.0/16'), '/', 1), '.', 2) AS BIGINT) * 65536 + CAST(SPLIT_PART(SPLIT_PART(TRIM('192.168.0.0/16'), '/', 1), '.', 3) AS BIGINT) * 256 + CAST(SPLIT_PART(SPLIT_PART(TRIM('192.168.0.0/16'), '/', 1), '.', 4) AS BIGINT) * 1
              ELSE NULL
            END IS NULL
            OR CASE
              WHEN CONTAINS('192.168.0.0/16', '/')
              THEN LEAST(TRY_CAST(SPLIT_PART('192.168.0.0/16', '/', 2) AS BIGINT), 32)
              ELSE 32
            END IS NULL
            THEN NULL
            ELSE CASE
              WHEN TRIM(`RemoteIP`) RLIKE '^\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}(/\\d{1,2})?$'
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 1) AS BIGINT) <= 255
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 2) AS BIGINT) <= 255
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 3) AS BIGINT) <= 255
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 4) AS BIGINT) <= 255
              THEN CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 1) AS BIGINT) * 16777216 + CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 2) AS BIGINT) * 65536 + CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 3) AS BIGINT) * 256 + CAST(SPLIT_PART(SPLIT_PART(TRIM(`RemoteIP`), '/', 1), '.', 4) AS BIGINT) * 1
              ELSE NULL
            END DIV CAST(POWER(
              2,
              32 - CASE
                WHEN CONTAINS('192.168.0.0/16', '/')
                THEN LEAST(TRY_CAST(SPLIT_PART('192.168.0.0/16', '/', 2) AS BIGINT), 32)
                ELSE 32
              END
            ) AS BIGINT) = CASE
              WHEN TRIM('192.168.0.0/16') RLIKE '^\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}(/\\d{1,2})?$'
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM('192.168.0.0/16'), '/', 1), '.', 1) AS BIGINT) <= 255
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM('192.168.0.0/16'), '/', 1), '.', 2) AS BIGINT) <= 255
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM('192.168.0.0/16'), '/', 1), '.', 3) AS BIGINT) <= 255
              AND CAST(SPLIT_PART(SPLIT_PART(TRIM('192.168.0.0/16'), '/', 1), '.', 4) AS BIGINT) <= 255
              THEN CAST(SPLIT_PART(SPLIT_PART(TRIM('192.168.0.0/16'), '/', 1), '.', 1) AS BIGINT) * 16777216 + CAST(SPLIT_PART(SPLIT_PART(TRIM('192.168.0.0/16'), '/', 1), '.', 2) AS BIGINT) * 65536 + CAST(SPLIT_PART(SPLIT_PART(TRIM('192.168.0.0/16'), '/', 1), '.', 3) AS BIGINT) * 256 + CAST(SPLIT_PART(SPLIT_PART(TRIM('192.168.0.0/16'), '/', 1), '.', 4) AS BIGINT) * 1
              ELSE NULL
            END DIV CAST(POWER(
              2,
              32 - CASE
                WHEN CONTAINS('192.168.0.0/16', '/')
                THEN LEAST(TRY_CAST(SPLIT_PART('192.168.0.0/16', '/', 2) AS BIGINT), 32)
                ELSE 32
              END
            ) AS BIGINT)
          END
        ) = FALSE
      )
    )
    AND (
      CASE
        WHEN CASE
          WHEN TRIM(`LocalIP`) RLIKE '^\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}(/\\d{1,2})?$'
          AND CAST(SPLIT_PART(SPLIT_PART(TRIM(`LocalIP`), '/', 1), '.', 1) AS BIGINT) <= 255
          AND CAST(SPLIT_PART(SPLIT_PART(TRIM(`LocalIP`), '/', 1), '.', 2) AS BIGINT) <= 255
          AND CAST(SPLIT_PART(SPLIT_PART(TRIM(`LocalIP`), '/', 1), '.', 3) AS BIGINT) <= 255
          AND CAST(SPLIT_PART(SPLIT_PART(TRIM(`LocalIP`), '/', 1), '.', 4) AS BIGINT) <= 255
          THEN CAST(SPLIT_PART(SPLIT_PART(TRIM(`LocalIP`), '/', 1), '.', 1) AS BIGINT) * 16777216 + CAST(SPLIT_PART(SPLIT_PART(TRIM(`LocalIP`), '/', 1), '.', 2) AS BIGINT) * 65536 + CAST(SPLIT_PART(SPLIT_PART(TRIM(`LocalIP`), '/', 1), '.', 3) AS BIGINT) * 256 + CAST(SPLIT_PART(SPLIT_PART(TRIM(`LocalIP`), '/', 1), '.', 4) AS BIGINT) * 1
          ELSE NULL
        END IS NULL
        OR CASE
          WHEN TRIM('10.0.0.0/8') RLIKE '^\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}(/\\d{1,2})?$'
          AND CAST(SPLIT_PART(SPLIT_PART(TRIM('10.0.0.0/8'), '/', 1), '.', 1) AS BIGINT) <= 255
          AND CAST(SPLIT_PART(SPLIT_PART(TRIM('10.0.0.0/8'), '/', 1), '.', 2) AS BIGINT) <= 255
          AND CAST(SPLIT_PART(SPLIT_PART(TRIM('10.0.0.0/8'), '/', 1), '.', 3) AS BIGINT) <= 255
          AND CAST(SPLIT_PART(SPLIT_PART(TRIM('10.0.0.0/8'), '/', 1), '.', 4) AS BIGINT) <= 255
          THEN CAST(SPLIT_PART(SPLIT_PART(TRIM('10.0.0.0/8'), '/', 1), '.', 1) AS BIGINT) * 16777216 + CAST(SPLIT_PART(SPLIT_PART(TRIM('10.0.0.0/8'), '/', 1), '.', 2) AS BIGINT) * 65536 + CAST(SPLIT_PART(SPLIT_PART(TRIM('10.0.0.0/8'), '/', 1), '.', 3) AS BIGINT) * 256 + CAST(SPLIT_PART(SPLIT_PART(TRIM('10.0.0.0/8'), '/', 1), '.', 4) AS BIGINT) * 1
          ELSE NULL
        END IS NULL
        OR CASE
          WHEN CONTAINS('10.0.0.0/8', '/')
          THEN LEAST(TRY_CAST(SPLIT_PART('10.0.0.0/8', '/', 2) AS BIGINT), 32)
          ELSE 32
        END IS NULL
        THEN NULL
        ELSE CASE
          WHEN TRIM(`LocalIP`) RLIKE '^\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}(/\\d{1,2})?$'
          AND CAST(SPLIT_PART(SPLIT_PART(TRIM(`LocalIP`), '/', 1), '.', 1) AS BIGINT) <= 255
          AND CAST(SPLIT_PART(SPLIT_PART(TRIM(`LocalIP`), '/', 1), '.', 2) AS BIGINT) <= 255
          AND CAST(SPLIT_PART(SPLIT_PART(TRIM(`LocalIP`), '/', 1), '.', 3) AS BIGINT) <= 255
          AND CAST(SPLIT_PART(SPLIT_PART(TRIM(`LocalIP`), '/', 1), '.', 4) AS BIGINT) <= 255
          THEN CAST(SPLIT_PART(SPLIT_PART(TRIM(`LocalIP`), '/', 1), '.', 1) AS BIGINT) * 16777216 + CAST(SPLIT_PART(SPLIT_PART(TRIM(`LocalIP`), '/', 1), '.', 2) AS BIGINT) * 65536 + CAST(SPLIT_PART(SPLIT_PART(TRIM(`LocalIP`), '/', 1), '.', 3) AS BIGINT) * 256 + CAST(SPLIT_PART(SPLIT_PART(TRIM(`LocalIP`), '/', 1), '.', 4) AS BIGINT) * 1
          ELSE NULL
        END DIV CAST(POWER(
          2,
          32 - CASE
            WHEN CONTAINS('10.0.0.0/8', '/')
            THEN LEAST(TRY_CAST(SPLIT_PART('10.0.0.0/8', '/', 2) AS BIGINT), 32)
            ELSE 32
          END
        ) AS BIGINT) = CASE
          WHEN TRIM('10.0.0.0/8') RLIKE '^\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}(/\\d{1,2})?$'
          AND CAST(SPLIT_PART(SPLIT_PART(TRIM('10.0.0.0/8'), '/', 1), '.', 1) AS BIGINT) <= 255
          AND CAST(SPLIT_PART(SPLIT_PART(TRIM('10.0.0.0/8'), '/', 1), '.', 2) AS BIGINT) <= 255
          AND CAST(SPLIT_PART(SPLIT_PART(TRIM('10.0.0.0/8'), '/', 1), '.', 3) AS BIGINT) <= 255
          AND CAST(SPLIT_PART(SPLIT_PART(TRIM('10.0.0.0/8'), '/', 1), '.', 4) AS BIGINT) <= 255
          THEN CAST(SPLIT_PART(SPLIT_PART(TRIM('10.0.0.0/8'), '/', 1), '.', 1) AS BIGINT) * 16777216 + CAST(SPLIT_PART(SPLIT_PART(TRIM('10.0.0.0/8'), '/', 1), '.', 2) AS BIGINT) * 65536 + CAST(SPLIT_PART(SPLIT_PART(TRIM('10.0.0.0/8'), '/', 1), '.', 3) AS BIGINT) * 256 + CAST(SPLIT_PART(SPLIT_PART(TRIM('10.0.0.0/8'), '/', 1), '.', 4) AS BIGINT) * 1
          ELSE NULL
        END DIV CAST(POWER(
          2,
          32 - CASE
            WHEN CONTAINS('10.0.0.0/8', '/')
            THEN LEAST(TRY_CAST(SPLIT_PART('10.0.0.0/8', '/', 2) AS BIGINT), 32)
            ELSE 32
          END
        ) AS BIGINT)
      END
    )
)
SELECT
  `Timestamp`,
  `DeviceId`,
  `DeviceName`,
  `ActionType`,
  `RemoteIP`,
  `RemotePort`,
  `RemoteUrl`,
  `LocalIP`,
  `LocalPort`,
  `Protocol`,
  `LocalIPType`,
  `RemoteIPType`,
  `InitiatingProcessSHA1`,
  `InitiatingProcessSHA256`,
  `InitiatingProcessMD5`,
  `InitiatingProcessFileName`,
  `InitiatingProcessFileSize`,
  `InitiatingProcessVersionInfoCompanyName`,
  `InitiatingProcessVersionInfoProductName`,
  `InitiatingProcessVersionInfoProductVersion`,
  `InitiatingProcessVersionInfoInternalFileName`,
  `InitiatingProcessVersionInfoOriginalFileName`,
  `InitiatingProcessVersionInfoFileDescription`,
  `InitiatingProcessId`,
  `InitiatingProcessCommandLine`,
  `InitiatingProcessCreationTime`,
  `InitiatingProcessFolderPath`,
  `InitiatingProcessParentFileName`,
  `InitiatingProcessParentId`,
  `InitiatingProcessParentCreationTime`,
  `InitiatingProcessAccountDomain`,
  `InitiatingProcessAccountName`,
  `InitiatingProcessAccountSid`,
  `InitiatingProcessAccountUpn`,
  `InitiatingProcessAccountObjectId`,
  `InitiatingProcessIntegrityLevel`,
  `InitiatingProcessTokenElevation`,
  `ReportId`,
  `AppGuardContainerId`,
  `AdditionalFields`,
  `InitiatingProcessSessionId`,
  `IsInitiatingProcessRemoteSession`,
  `InitiatingProcessRemoteSessionDeviceName`,
  `InitiatingProcessRemoteSessionIP`,
  `InitiatingProcessUniqueId`,
  `LogonID`
FROM `_k0`
