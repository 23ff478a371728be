import type { OracleSpec } from './oracle';

/** The oracle for config/seed-000.json: preparation is a plain rename plus acct_dt year < 1000 → NULL. */
export const SEED_ORACLE_SPEC: OracleSpec = {
  keyColumn: 'cons_acct_key',
  monthColumn: 'rpt_as_of_mo',
  tsColumn: 'base_ts',
  dateColumn: 'acct_dt',
  rolling: [
    { name: 'bal', mapperColumn: 'current_balance', length: 36, type: 'Integer' },
    { name: 'dpd', mapperColumn: 'current_dpd', length: 36, type: 'Integer' },
    { name: 'payment', mapperColumn: 'payment_am', length: 36, type: 'Integer' },
    { name: 'status', mapperColumn: 'status_cd', length: 36, type: 'String' },
  ],
  grids: [],
  latestColumns: ['current_balance', 'current_dpd', 'account_status'],
  tieBreakColumns: [
    'acct_dt',
    'current_balance',
    'current_dpd',
    'payment_am',
    'status_cd',
    'account_status',
    'created_ts',
    'updated_ts',
  ],
  prepare: (r) => ({
    ...r,
    acct_dt: typeof r.acct_dt === 'string' && Number(r.acct_dt.slice(0, 4)) < 1000 ? null : r.acct_dt,
  }),
};
