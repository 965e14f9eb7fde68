WITH `_k0` AS (
  SELECT
    *
  FROM `DeviceProcessEvents`
  WHERE
    LOWER(`FileName`) IN (LOWER('mshta.exe'), LOWER('wscript.exe'))
), `_k1` AS (
  SELECT
    COUNT(*) AS `Count`
  FROM `_k0`
)
SELECT
  `Count`
FROM `_k1`
