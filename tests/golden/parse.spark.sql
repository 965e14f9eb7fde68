WITH `_k0` AS (
  SELECT
    `ProcessCommandLine`,
    NAMED_STRUCT('g0', REGEXP_EXTRACT(`ProcessCommandLine`, '(?s).*?\\-k\\ (?<g0>.*?)\\ .*?', 1)) AS `_x`
  FROM `DeviceProcessEvents`
), `_k1` AS (
  SELECT
    `_x`.g0 AS `Group`
  FROM `_k0`
), `_k2` AS (
  SELECT
    `Group` AS `_g0`,
    COUNT(*) AS `_a0`
  FROM `_k1`
  GROUP BY
    1
), `_k3` AS (
  SELECT
    `_g0` AS `Group`,
    `_a0` AS `count_`
  FROM `_k2`
)
SELECT
  `Group`,
  `count_`
FROM `_k3`
