// The property-test configuration. Its names and history length deliberately differ from the production
// defaults (reference/summary_config.production-example.json: cons_acct_key, rpt_as_of_mo, base_ts, 36),
// so a name or a length hard-coded in the engine shows up as a failing property.
import { OracleSpec, Row, Scalar, clearAncientDate } from './oracle';
import type { ReportSpec } from './oracle.report-dates';

// Mutable and widened on purpose (no `as const`): it is handed to the config loader as parsed JSON would be.
export const ALT_CONFIG = {
  source_table: 'local.raw_alt.feed_rows',
  destination_table: 'local.alt.acct_hist',
  latest_history_table: 'local.alt.acct_latest',
  partition_column: 'period',
  primary_column: 'acct_id',
  primary_date_column: 'as_of_dt',
  max_identifier_column: 'load_ts',
  history_length: 6,
  columns: {
    id: 'acct_id',
    per: 'period',
    lts: 'load_ts',
    aod: 'as_of_dt',
    bal: 'balance',
    dpd: 'days_late',
    st: 'status_cd',
    opn: 'opened_dt',
    del: 'del_cd',
  },
  source_schema: {
    id: 'BIGINT',
    per: 'STRING',
    lts: 'TIMESTAMP',
    aod: 'DATE',
    bal: 'INT',
    dpd: 'INT',
    st: 'STRING',
    opn: 'DATE',
    del: 'INT',
  },
  // SPEC §4a on an INT column: the codes are compared with the value as a string.
  soft_delete: { column: 'del_cd', codes: ['1', '4'] } as { column: string; codes: string[] } | false,
  // Rows written by hand elsewhere (seed-style tests) may leave the delete code out.
  ingest_optional_columns: ['del'],
  column_transformations: [
    { name: 'balance', mapper_expr: 'CASE WHEN balance IN (-1, -999) THEN NULL ELSE balance END' },
  ],
  inferred_columns: [
    {
      name: 'rating',
      mapper_expr:
        "CASE WHEN days_late IS NULL THEN NULL WHEN days_late < 30 THEN '0' WHEN days_late < 60 THEN '1' ELSE '2' END",
    },
  ],
  date_col_list: ['opened_dt'],
  latest_history_addon_cols: ['balance', 'status_cd', 'rating_grid'],
  rolling_columns: [
    { name: 'balance', mapper_expr: 'balance', mapper_column: 'balance', num_cols: 6, type: 'Integer' },
    { name: 'dpd', mapper_expr: 'days_late', mapper_column: 'days_late', num_cols: 6, type: 'Integer' },
    { name: 'rating', mapper_expr: 'rating', mapper_column: 'rating', num_cols: 6, type: 'String' },
  ],
  grid_columns: [{ name: 'rating_grid', mapper_rolling_column: 'rating', placeholder: '-', separator: '|' }],
};

const BALANCE_SENTINELS: readonly number[] = [-1, -999];

/**
 * days_late → rating, as ALT_CONFIG.inferred_columns[0].
 *
 * altRating(29) === '0'; altRating(30) === '1'; altRating(60) === '2'; altRating(null) === null
 */
export function altRating(daysLate: Scalar): Scalar {
  if (daysLate === null) return null;
  const n = Number(daysLate);
  if (n < 30) return '0';
  if (n < 60) return '1';
  return '2';
}

/**
 * SPEC §3 for ALT_CONFIG, written by hand (not derived from the config, so it checks the compiler):
 * 1 rename (del → del_cd: the soft-delete code), 2 balance sentinels → NULL, 3 rating from days_late, 4 rolling mapper_exprs (all identities
 * here), 5 opened_dt with year < 1000 → NULL.
 *
 * altPrepare({ id: 1, per: '2024-01', lts: '2025-01-01 00:00:00', aod: '2024-01-31', bal: -999, dpd: 45,
 *              st: 'A', opn: '0999-01-01' })
 *   → { acct_id: 1, period: '2024-01', load_ts: '2025-01-01 00:00:00', as_of_dt: '2024-01-31',
 *       balance: null, days_late: 45, status_cd: 'A', opened_dt: null, rating: '1' }
 */
export function altPrepare(source: Row): Row {
  const renamed: Row = {};
  for (const [from, to] of Object.entries(ALT_CONFIG.columns)) renamed[to] = source[from] ?? null;
  const balance = renamed.balance;
  if (typeof balance === 'number' && BALANCE_SENTINELS.includes(balance)) renamed.balance = null;
  renamed.rating = altRating(renamed.days_late);
  renamed.opened_dt = clearAncientDate(renamed.opened_dt);
  return renamed;
}

export const ALT_ORACLE_SPEC: OracleSpec = {
  keyColumn: 'acct_id',
  monthColumn: 'period',
  tsColumn: 'load_ts',
  rolling: [
    { name: 'balance', mapperColumn: 'balance', length: 6, type: 'Integer' },
    { name: 'dpd', mapperColumn: 'days_late', length: 6, type: 'Integer' },
    { name: 'rating', mapperColumn: 'rating', length: 6, type: 'String' },
  ],
  grids: [{ name: 'rating_grid', rollingName: 'rating', placeholder: '-', separator: '|' }],
  latestColumns: ['balance', 'status_cd', 'rating_grid'],
  dateColumn: 'as_of_dt',
  tieBreakColumns: ['as_of_dt', 'balance', 'days_late', 'status_cd', 'opened_dt', 'del_cd', 'rating'],
  prepare: altPrepare,
  softDelete: { column: 'del_cd', codes: ['1', '4'] },
};

/** ALT_CONFIG with soft delete switched off (`"soft_delete": false`): a delete code is an ordinary value. */
export const ALT_CONFIG_NO_SOFT_DELETE = { ...ALT_CONFIG, soft_delete: false as const };
export const ALT_ORACLE_SPEC_NO_SOFT_DELETE: OracleSpec = { ...ALT_ORACLE_SPEC, softDelete: null };

/**
 * ALT_CONFIG with SPEC §4b's report-date table: key, date, base_ts, the delete column and one ordering
 * column (update_dt), typed by hist_rpt_dt_schema (the project creates the table in tests).
 */
export const ALT_CONFIG_REPORT = {
  ...ALT_CONFIG,
  hist_rpt_dt_table: 'local.raw_alt.report_rows',
  hist_rpt_dt_cols: ['acct_id', 'as_of_dt', 'load_ts', 'del_cd', 'update_dt'],
  hist_rpt_dt_schema: { acct_id: 'BIGINT', as_of_dt: 'DATE', load_ts: 'TIMESTAMP', del_cd: 'INT', update_dt: 'DATE' },
};
/** ALT_CONFIG_REPORT's report table for reportOracle (with soft delete off: deleteColumn null). */
export const ALT_REPORT_SPEC: ReportSpec = {
  keyColumn: 'acct_id',
  dateColumn: 'as_of_dt',
  tsColumn: 'load_ts',
  deleteColumn: 'del_cd',
  orderColumns: ['update_dt'],
};
/** With soft delete off the report table has no delete column (SPEC §4b carries only `soft_del_cd`, which ALT_CONFIG lacks). */
export const ALT_CONFIG_REPORT_NO_SOFT_DELETE = {
  ...ALT_CONFIG_REPORT,
  soft_delete: false as const,
  hist_rpt_dt_cols: ['acct_id', 'as_of_dt', 'load_ts', 'update_dt'],
  hist_rpt_dt_schema: { acct_id: 'BIGINT', as_of_dt: 'DATE', load_ts: 'TIMESTAMP', update_dt: 'DATE' },
};
