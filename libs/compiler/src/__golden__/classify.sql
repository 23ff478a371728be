-- incremental_view __batch_src local.demo.accounts_all (11, 22]

CACHE TABLE `__prepared` OPTIONS ('storageLevel' 'MEMORY_AND_DISK_SER') AS
SELECT
  `cons_acct_key`,
  `acct_dt`,
  `rpt_as_of_mo`,
  `current_balance`,
  `current_dpd`,
  `payment_am`,
  `status_cd`,
  `account_status`,
  `created_ts`,
  `updated_ts`,
  `base_ts`,
  `__source_row`,
  CASE WHEN `rpt_as_of_mo` RLIKE '^[0-9]{4}-(0[1-9]|1[0-2])$' THEN (CAST(substr(`rpt_as_of_mo`, 1, 4) AS INT) * 12 + CAST(substr(`rpt_as_of_mo`, 6, 2) AS INT) - 1) END AS `__month_int`,
  CASE
      WHEN `cons_acct_key` IS NULL THEN 'NULL_KEY'
      WHEN `rpt_as_of_mo` IS NULL OR NOT (CAST(`rpt_as_of_mo` AS STRING) RLIKE '^[0-9]{4}-(0[1-9]|1[0-2])$') THEN 'INVALID_MONTH'
      WHEN `base_ts` IS NULL THEN 'NULL_TIMESTAMP'
    END AS `__reject_reason`
FROM (
SELECT
  `cons_acct_key`,
  (CASE WHEN year(`acct_dt`) < 1000 THEN NULL ELSE CAST(`acct_dt` AS DATE) END) AS `acct_dt`,
  `rpt_as_of_mo`,
  `current_balance`,
  `current_dpd`,
  `payment_am`,
  `status_cd`,
  `account_status`,
  `created_ts`,
  `updated_ts`,
  `base_ts`,
  `__source_row`
FROM (
SELECT
  `cons_acct_key`,
  `acct_dt`,
  `rpt_as_of_mo`,
  (current_balance) AS `current_balance`,
  (current_dpd) AS `current_dpd`,
  (payment_am) AS `payment_am`,
  (status_cd) AS `status_cd`,
  `account_status`,
  `created_ts`,
  `updated_ts`,
  `base_ts`,
  `__source_row`
FROM (
SELECT
  `cons_acct_key` AS `cons_acct_key`,
  `acct_dt` AS `acct_dt`,
  `rpt_as_of_mo` AS `rpt_as_of_mo`,
  `current_balance` AS `current_balance`,
  `current_dpd` AS `current_dpd`,
  `payment_am` AS `payment_am`,
  `status_cd` AS `status_cd`,
  `account_status` AS `account_status`,
  `created_ts` AS `created_ts`,
  `updated_ts` AS `updated_ts`,
  `base_ts` AS `base_ts`,
  to_json(struct(*), map('timestampFormat', 'yyyy-MM-dd HH:mm:ss', 'dateFormat', 'yyyy-MM-dd')) AS `__source_row`
FROM `__batch_src`
) p0
) p1
) p2;

DELETE FROM `local`.`demo`.`summary_rejects` WHERE batch_id = 'b-000007';

INSERT INTO `local`.`demo`.`summary_rejects`
SELECT
  'b-000007' AS batch_id,
  `__reject_reason` AS reason,
  CAST(`cons_acct_key` AS STRING) AS key,
  CAST(`rpt_as_of_mo` AS STRING) AS month,
  `__source_row` AS source_row,
  current_timestamp() AS rejected_at
FROM `__prepared`
WHERE `__reject_reason` IS NOT NULL;

DELETE FROM `local`.`demo`.`summary_batches` WHERE batch_id = 'b-000007';

INSERT INTO `local`.`demo`.`summary_batches`
SELECT
  'b-000007' AS batch_id,
  CASE
    WHEN l.`cons_acct_key` IS NULL THEN 'CASE_I'
    WHEN w.`__month_int` > (CAST(substr(l.`rpt_as_of_mo`, 1, 4) AS INT) * 12 + CAST(substr(l.`rpt_as_of_mo`, 6, 2) AS INT) - 1) THEN 'CASE_II'
    ELSE 'CASE_III'
  END AS `case`,
  w.`__month_int`,
  w.`cons_acct_key`,
  w.`acct_dt`,
  w.`rpt_as_of_mo`,
  w.`current_balance`,
  w.`current_dpd`,
  w.`payment_am`,
  w.`status_cd`,
  w.`account_status`,
  w.`created_ts`,
  w.`updated_ts`,
  w.`base_ts`
FROM (
  SELECT *, row_number() OVER (PARTITION BY `cons_acct_key`, `rpt_as_of_mo` ORDER BY `base_ts` DESC, `acct_dt` DESC NULLS LAST, `current_balance` DESC NULLS LAST, `current_dpd` DESC NULLS LAST, `payment_am` DESC NULLS LAST, `status_cd` DESC NULLS LAST, `account_status` DESC NULLS LAST, `created_ts` DESC NULLS LAST, `updated_ts` DESC NULLS LAST) AS __rank
  FROM `__prepared`
  WHERE `__reject_reason` IS NULL
) w
LEFT JOIN `local`.`demo`.`latest_summary` l ON l.`cons_acct_key` = w.`cons_acct_key`
WHERE w.__rank = 1;

SELECT 'case' AS kind, `case` AS name, `rpt_as_of_mo` AS month, count(*) AS n, CAST(max(`base_ts`) AS STRING) AS watermark
FROM (SELECT * FROM `local`.`demo`.`summary_batches` WHERE batch_id = 'b-000007') c GROUP BY `case`, `rpt_as_of_mo`
UNION ALL
SELECT 'reject' AS kind, `__reject_reason` AS name, NULL AS month, count(*) AS n, NULL AS watermark
FROM `__prepared` WHERE `__reject_reason` IS NOT NULL GROUP BY `__reject_reason`
UNION ALL
SELECT 'input' AS kind, 'rows' AS name, NULL AS month, count(*) AS n, CAST(max(`base_ts`) AS STRING) AS watermark
FROM `__prepared`;

SELECT 'b-000007' AS batch_id, '11' AS source_start_snapshot_id, '22' AS source_end_snapshot_id;

UNCACHE TABLE IF EXISTS `__prepared`;
