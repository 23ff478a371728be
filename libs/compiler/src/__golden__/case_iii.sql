CREATE OR REPLACE TEMPORARY VIEW `__case_rows` AS SELECT * FROM `local`.`demo`.`summary_batches` WHERE batch_id = 'b-000007' AND `case` = 'CASE_III';

CACHE TABLE `__window` OPTIONS ('storageLevel' 'MEMORY_AND_DISK_SER') AS
SELECT /*+ BROADCAST(k) */ s.`cons_acct_key`, s.`acct_dt`, s.`rpt_as_of_mo`, s.`current_balance`, s.`current_dpd`, s.`payment_am`, s.`status_cd`, s.`account_status`, s.`created_ts`, s.`updated_ts`, s.`base_ts`, (CAST(substr(s.`rpt_as_of_mo`, 1, 4) AS INT) * 12 + CAST(substr(s.`rpt_as_of_mo`, 6, 2) AS INT) - 1) AS `__month_int`
FROM `local`.`demo`.`summary` s
JOIN (SELECT `cons_acct_key`, min(`__month_int`) AS lo, max(`__month_int`) AS hi FROM `__case_rows` GROUP BY `cons_acct_key`) k ON k.`cons_acct_key` = s.`cons_acct_key`
WHERE s.`rpt_as_of_mo` BETWEEN '2021-04' AND '2027-04'
  AND (CAST(substr(s.`rpt_as_of_mo`, 1, 4) AS INT) * 12 + CAST(substr(s.`rpt_as_of_mo`, 6, 2) AS INT) - 1) BETWEEN k.lo - 35 AND k.hi + 35;

CACHE TABLE `__applied` OPTIONS ('storageLevel' 'MEMORY_AND_DISK_SER') AS
SELECT b.*
FROM `__case_rows` b
LEFT JOIN `__window` e ON e.`cons_acct_key` = b.`cons_acct_key` AND e.`__month_int` = b.`__month_int`
WHERE e.`cons_acct_key` IS NULL OR b.`base_ts` > e.`base_ts`;

CACHE TABLE `__values` OPTIONS ('storageLevel' 'MEMORY_AND_DISK_SER') AS
SELECT `cons_acct_key`, map_from_entries(collect_list(struct(month_int, vals))) AS vals, collect_list(CASE WHEN changed THEN month_int END) AS changed_months
FROM (
  SELECT e.`cons_acct_key`, e.`__month_int` AS month_int, named_struct('v0', CAST(e.`current_balance` AS INT), 'v1', CAST(e.`current_dpd` AS INT), 'v2', CAST(e.`payment_am` AS INT), 'v3', CAST(e.`status_cd` AS STRING)) AS vals, false AS changed
  FROM `__window` e LEFT ANTI JOIN `__applied` a ON a.`cons_acct_key` = e.`cons_acct_key` AND a.`__month_int` = e.`__month_int`
  UNION ALL
  SELECT a.`cons_acct_key`, a.`__month_int` AS month_int, named_struct('v0', CAST(a.`current_balance` AS INT), 'v1', CAST(a.`current_dpd` AS INT), 'v2', CAST(a.`payment_am` AS INT), 'v3', CAST(a.`status_cd` AS STRING)) AS vals, true AS changed
  FROM `__applied` a
) GROUP BY `cons_acct_key`;

CACHE TABLE `__rebuilt` OPTIONS ('storageLevel' 'MEMORY_AND_DISK_SER') AS
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
    a.`cons_acct_key`,
    a.`acct_dt`,
    a.`rpt_as_of_mo`,
    a.`current_balance`,
    a.`current_dpd`,
    a.`payment_am`,
    a.`status_cd`,
    a.`account_status`,
    a.`created_ts`,
    a.`updated_ts`,
    a.`base_ts`,
    transform(sequence(0, 35), i -> try_element_at(v.vals, a.`__month_int` - i).v0) AS `bal_history`,
    transform(sequence(0, 35), i -> try_element_at(v.vals, a.`__month_int` - i).v1) AS `dpd_history`,
    transform(sequence(0, 35), i -> try_element_at(v.vals, a.`__month_int` - i).v2) AS `payment_history`,
    transform(sequence(0, 35), i -> try_element_at(v.vals, a.`__month_int` - i).v3) AS `status_history`
  FROM `__applied` a JOIN `__values` v ON v.`cons_acct_key` = a.`cons_acct_key`
  UNION ALL
  SELECT
    e.`cons_acct_key`,
    e.`acct_dt`,
    e.`rpt_as_of_mo`,
    e.`current_balance`,
    e.`current_dpd`,
    e.`payment_am`,
    e.`status_cd`,
    e.`account_status`,
    e.`created_ts`,
    e.`updated_ts`,
    e.`base_ts`,
    transform(sequence(0, 35), i -> try_element_at(v.vals, e.`__month_int` - i).v0) AS `bal_history`,
    transform(sequence(0, 35), i -> try_element_at(v.vals, e.`__month_int` - i).v1) AS `dpd_history`,
    transform(sequence(0, 35), i -> try_element_at(v.vals, e.`__month_int` - i).v2) AS `payment_history`,
    transform(sequence(0, 35), i -> try_element_at(v.vals, e.`__month_int` - i).v3) AS `status_history`
  FROM `__window` e JOIN `__values` v ON v.`cons_acct_key` = e.`cons_acct_key`
  LEFT ANTI JOIN `__applied` a ON a.`cons_acct_key` = e.`cons_acct_key` AND a.`__month_int` = e.`__month_int`
  WHERE exists(v.changed_months, m -> m < e.`__month_int` AND m > e.`__month_int` - 36)
) h;

SELECT count_if(`__src` = 0) AS applied, count_if(`__src` = 1) AS written, count_if(`__src` = 2) - count_if(`__src` = 0) AS stale
FROM (
  SELECT 0 AS `__src` FROM `__applied`
  UNION ALL SELECT 1 FROM `__rebuilt`
  UNION ALL SELECT 2 FROM `__case_rows`
);

MERGE INTO `local`.`demo`.`latest_summary` t
USING (SELECT
  r.`cons_acct_key`,
  r.`rpt_as_of_mo`,
  r.`acct_dt`,
  r.`base_ts`,
  r.`bal_history`,
  r.`dpd_history`,
  r.`payment_history`,
  r.`status_history`,
  r.`current_balance`,
  r.`current_dpd`,
  r.`account_status`
FROM `__rebuilt` r) s
ON t.`cons_acct_key` = s.`cons_acct_key` AND t.`rpt_as_of_mo` = s.`rpt_as_of_mo`
WHEN MATCHED THEN UPDATE SET *;

MERGE INTO `local`.`demo`.`summary` t
USING `__rebuilt` s
ON t.`cons_acct_key` = s.`cons_acct_key` AND t.`rpt_as_of_mo` = s.`rpt_as_of_mo` AND t.`rpt_as_of_mo` BETWEEN '2024-03' AND '2027-04'
WHEN MATCHED THEN UPDATE SET *
WHEN NOT MATCHED THEN INSERT *;

CLEAR CACHE;
