CREATE OR REPLACE TEMPORARY VIEW `__case_rows` AS SELECT * FROM `local`.`demo`.`summary_batches` WHERE batch_id = 'b-000007' AND `case` = 'CASE_I';

CACHE TABLE `__new_rows` OPTIONS ('storageLevel' 'MEMORY_AND_DISK_SER') AS
SELECT
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
    b.`cons_acct_key`,
    b.`acct_dt`,
    b.`rpt_as_of_mo`,
    b.`current_balance`,
    b.`current_dpd`,
    b.`payment_am`,
    b.`status_cd`,
    b.`account_status`,
    b.`created_ts`,
    b.`updated_ts`,
    b.`base_ts`,
    transform(sequence(0, 35), i -> try_element_at(v.vals, b.`__month_int` - i).v0) AS `bal_history`,
    transform(sequence(0, 35), i -> try_element_at(v.vals, b.`__month_int` - i).v1) AS `dpd_history`,
    transform(sequence(0, 35), i -> try_element_at(v.vals, b.`__month_int` - i).v2) AS `payment_history`,
    transform(sequence(0, 35), i -> try_element_at(v.vals, b.`__month_int` - i).v3) AS `status_history`
  FROM `__case_rows` b
  JOIN (SELECT `cons_acct_key`, map_from_entries(collect_list(struct(`__month_int`, named_struct('v0', CAST(`current_balance` AS INT), 'v1', CAST(`current_dpd` AS INT), 'v2', CAST(`payment_am` AS INT), 'v3', CAST(`status_cd` AS STRING))))) AS vals FROM `__case_rows` GROUP BY `cons_acct_key`) v ON v.`cons_acct_key` = b.`cons_acct_key`
) h;

SELECT count(*) AS applied, count(*) AS written, 0 AS stale FROM `__new_rows`;

INSERT INTO `local`.`demo`.`summary`
SELECT * FROM `__new_rows`;

INSERT INTO `local`.`demo`.`latest_summary`
SELECT
  n.`cons_acct_key`,
  n.`rpt_as_of_mo`,
  n.`acct_dt`,
  n.`base_ts`,
  n.`bal_history`,
  n.`dpd_history`,
  n.`payment_history`,
  n.`status_history`,
  n.`current_balance`,
  n.`current_dpd`,
  n.`account_status`
FROM (
  SELECT *, row_number() OVER (PARTITION BY `cons_acct_key` ORDER BY `rpt_as_of_mo` DESC) AS __rank FROM `__new_rows`
) n
WHERE n.__rank = 1;

CLEAR CACHE;
