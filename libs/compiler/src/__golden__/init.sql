CREATE NAMESPACE IF NOT EXISTS `local`.`demo`;

CREATE TABLE IF NOT EXISTS `local`.`demo`.`accounts_all` (
  `cons_acct_key` BIGINT,
  `acct_dt` DATE,
  `rpt_as_of_mo` STRING,
  `current_balance` INT,
  `current_dpd` INT,
  `payment_am` INT,
  `status_cd` STRING,
  `account_status` STRING,
  `created_ts` TIMESTAMP,
  `updated_ts` TIMESTAMP,
  `base_ts` TIMESTAMP
) USING iceberg
PARTITIONED BY (`rpt_as_of_mo`)
TBLPROPERTIES ('format-version' = '2');

CREATE OR REPLACE TEMPORARY VIEW `__init_src` AS SELECT * FROM `local`.`demo`.`accounts_all` WHERE false;

CREATE OR REPLACE TEMPORARY VIEW `__init_prepared` AS
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
  `base_ts`
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
  `base_ts`
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
  `base_ts` AS `base_ts`
FROM `__init_src`
) p0
) p1
) p2;

CREATE TABLE IF NOT EXISTS `local`.`demo`.`summary`
USING iceberg
PARTITIONED BY (`rpt_as_of_mo`)
TBLPROPERTIES ('format-version' = '2', 'write.merge.mode' = 'merge-on-read', 'write.update.mode' = 'merge-on-read', 'write.delete.mode' = 'merge-on-read', 'write.delete.granularity' = 'file', 'summary-pipeline.layout-version' = '2', 'write.distribution-mode' = 'hash')
AS SELECT
  h.`cons_acct_key`,
  h.`acct_dt`,
  h.`rpt_as_of_mo`,
  h.`current_balance`,
  h.`current_dpd`,
  h.`payment_am`,
  h.`status_cd`,
  h.`account_status`,
  h.`created_ts`,
  h.`updated_ts`,
  h.`base_ts`,
  h.`bal_history`,
  h.`dpd_history`,
  h.`payment_history`,
  h.`status_history`
FROM (
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
  transform(sequence(0, 35), i -> CAST(`current_balance` AS INT)) AS `bal_history`,
  transform(sequence(0, 35), i -> CAST(`current_dpd` AS INT)) AS `dpd_history`,
  transform(sequence(0, 35), i -> CAST(`payment_am` AS INT)) AS `payment_history`,
  transform(sequence(0, 35), i -> CAST(`status_cd` AS STRING)) AS `status_history`
FROM `__init_prepared`
) h;

CREATE TABLE IF NOT EXISTS `local`.`demo`.`latest_summary`
USING iceberg
TBLPROPERTIES ('format-version' = '2', 'write.merge.mode' = 'merge-on-read', 'write.update.mode' = 'merge-on-read', 'write.delete.mode' = 'merge-on-read', 'write.delete.granularity' = 'file', 'summary-pipeline.layout-version' = '2')
AS SELECT
  `cons_acct_key`,
  `rpt_as_of_mo`,
  `acct_dt`,
  `base_ts`,
  `bal_history`,
  `dpd_history`,
  `payment_history`,
  `status_history`,
  `current_balance`,
  `current_dpd`,
  `account_status`
FROM `local`.`demo`.`summary` WHERE false;

ALTER TABLE `local`.`demo`.`summary` SET TBLPROPERTIES ('format-version' = '2', 'write.merge.mode' = 'merge-on-read', 'write.update.mode' = 'merge-on-read', 'write.delete.mode' = 'merge-on-read', 'write.delete.granularity' = 'file', 'summary-pipeline.layout-version' = '2');

ALTER TABLE `local`.`demo`.`summary` WRITE LOCALLY ORDERED BY `cons_acct_key`;

ALTER TABLE `local`.`demo`.`latest_summary` SET TBLPROPERTIES ('format-version' = '2', 'write.merge.mode' = 'merge-on-read', 'write.update.mode' = 'merge-on-read', 'write.delete.mode' = 'merge-on-read', 'write.delete.granularity' = 'file', 'summary-pipeline.layout-version' = '2');

ALTER TABLE `local`.`demo`.`latest_summary` WRITE LOCALLY ORDERED BY `cons_acct_key`;

CREATE TABLE IF NOT EXISTS `local`.`demo`.`summary_batches`
USING iceberg
PARTITIONED BY (`batch_id`)
TBLPROPERTIES ('format-version' = '2')
AS SELECT
  CAST(NULL AS STRING) AS `batch_id`,
  CAST(NULL AS STRING) AS `case`,
  CAST(NULL AS INT) AS `__month_int`,
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
  `base_ts`
FROM `__init_prepared`;

CREATE TABLE IF NOT EXISTS `local`.`demo`.`summary_rejects` (
  batch_id STRING, reason STRING, key STRING, month STRING, source_row STRING, rejected_at TIMESTAMP
) USING iceberg
PARTITIONED BY (batch_id)
TBLPROPERTIES ('format-version' = '2');

CREATE TABLE IF NOT EXISTS `local`.`demo`.`summary_audit` (
  event_id STRING, event_type STRING, batch_id STRING, `case` STRING, status STRING, attempt INT,
  occurred_at TIMESTAMP, duration_ms BIGINT, `rows` BIGINT, watermark STRING, details STRING
) USING iceberg
PARTITIONED BY (days(occurred_at))
TBLPROPERTIES ('format-version' = '2');

-- ledger_table local.demo.summary_runs
