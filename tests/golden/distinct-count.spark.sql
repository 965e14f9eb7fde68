WITH `_k0` AS (
  SELECT DISTINCT
    `DeviceName` AS `DeviceName`,
    `RemoteIP` AS `RemoteIP`
  FROM `DeviceNetworkEvents`
), `_k1` AS (
  SELECT
    COUNT(*) AS `Count`
  FROM `_k0`
)
SELECT
  `Count`
FROM `_k1`
