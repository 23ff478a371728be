import type { OracleSpec, Row, Scalar } from './oracle';

// SPEC §3 for the production example config, written by hand from the file (not derived from the loaded
// config, so it checks the compiler), for the rows `sample` makes. Its report table (§4b) gets no rows
// in apps/cli's test, so every effective row is the main source's winner.
const PRODUCTION_RENAMES: Record<string, string> = {
  cons_acct_key: 'cons_acct_key',
  bureau_mbr_id: 'bureau_member_id',
  port_type_cd: 'portfolio_rating_type_cd',
  acct_type_dtl_cd: 'acct_type_dtl_cd',
  acct_open_dt: 'open_dt',
  acct_closed_dt: 'closed_dt',
  pymt_terms_cd: 'pymt_terms_cd',
  pymt_terms_dtl_cd: 'pymt_terms_dtl_cd',
  acct_dt: 'acct_dt',
  acct_stat_cd: 'acct_stat_cd',
  acct_pymt_stat_cd: 'acct_pymt_stat_cd',
  acct_pymt_stat_dtl_cd: 'acct_pymt_stat_dtl_cd',
  acct_credit_ext_am: 'credit_limit_am',
  acct_bal_am: 'balance_am',
  past_due_am: 'past_due_am',
  actual_pymt_am: 'actual_payment_am',
  last_pymt_dt: 'last_payment_dt',
  schd_pymt_dt: 'schd_pymt_dt',
  next_schd_pymt_am: 'emi_amt',
  collateral_cd: 'collateral_cd',
  orig_pymt_due_dt: 'orig_pymt_due_dt',
  write_off_dt: 'dflt_status_dt',
  write_off_am: 'write_off_am',
  asset_class_cd_4in: 'asset_class_cd',
  days_past_due_ct_4in: 'days_past_due',
  high_credit_am_4in: 'hi_credit_am',
  cash_limit_am_4in: 'cash_limit_am',
  collateral_am_4in: 'collateral_am',
  total_write_off_am_4in: 'charge_off_am',
  principal_write_off_am_4in: 'principal_write_off_am',
  settled_am_4in: 'settled_am',
  interest_rate_4in: 'interest_rate',
  suit_filed_wilful_def_stat_cd_4in: 'suit_filed_willful_dflt',
  wo_settled_stat_cd_4in: 'written_off_and_settled_status',
  soft_del_cd: 'soft_del_cd',
  base_ts: 'base_ts',
  rpt_as_of_mo: 'rpt_as_of_mo',
};
const SENTINELS = ['-2147483647', '-214748364', '-21474836', '-1'];
const DATES = [
  'open_dt',
  'closed_dt',
  'acct_dt',
  'last_payment_dt',
  'schd_pymt_dt',
  'orig_pymt_due_dt',
  'dflt_status_dt',
];

/** payment_rating_cd: from days_past_due, or from asset_class_cd when days_past_due ≤ −1. */
function paymentRating(dpd: Scalar, assetClass: Scalar): Scalar {
  if (dpd === null) return null;
  const d = Number(dpd);
  if (d <= -1) {
    const a = assetClass === null ? null : String(assetClass);
    const mapped: [string[], string][] = [
      [['1', '01', 'S'], 'S'],
      [['2', '02', 'B'], 'B'],
      [['3', '03', 'D'], 'D'],
      [['4', '04', 'D'], 'L'],
      [['5', '05', 'M'], 'M'],
    ];
    for (const [codes, rating] of mapped) if (a !== null && codes.includes(a)) return rating;
    return a !== null && ['0', '1', '2', '3', '4', '5', '6', 'G', 'L', 'C'].includes(a) ? a : null;
  }
  return String(Math.min(6, Math.floor(d / 30)));
}

function productionPrepare(source: Row): Row {
  const row: Row = {};
  for (const [from, to] of Object.entries(PRODUCTION_RENAMES)) row[to] = source[from] ?? null;
  if (row.acct_type_dtl_cd === null || row.acct_type_dtl_cd === '') row.acct_type_dtl_cd = '999';
  for (const c of ['charge_off_am', 'credit_limit_am', 'emi_amt', 'balance_am', 'actual_payment_am', 'past_due_am']) {
    if (row[c] !== null && SENTINELS.includes(String(row[c]))) row[c] = null;
  }
  // A STRING and an INT branch: the column is a STRING.
  const loan = ['5', '214', '220', '213', '224'].includes(String(row.acct_type_dtl_cd))
    ? row.hi_credit_am
    : row.credit_limit_am;
  row.orig_loan_am = loan === null ? null : String(loan);
  row.payment_rating_cd = paymentRating(row.days_past_due, row.asset_class_cd);
  for (const c of DATES) if (typeof row[c] === 'string' && Number(String(row[c]).slice(0, 4)) < 1000) row[c] = null;
  return row;
}

/** The oracle for ../shared/reference/summary_config.production-example.json (SPEC §3, §4, §4a). */
export const PRODUCTION_ORACLE_SPEC: OracleSpec = {
  keyColumn: 'cons_acct_key',
  monthColumn: 'rpt_as_of_mo',
  tsColumn: 'base_ts',
  dateColumn: 'acct_dt',
  rolling: [
    { name: 'actual_payment_am', mapperColumn: 'actual_payment_am', length: 36, type: 'Integer' },
    { name: 'balance_am', mapperColumn: 'balance_am', length: 36, type: 'Integer' },
    { name: 'credit_limit_am', mapperColumn: 'credit_limit_am', length: 36, type: 'Integer' },
    { name: 'past_due_am', mapperColumn: 'past_due_am', length: 36, type: 'Integer' },
    { name: 'payment_rating_cd', mapperColumn: 'payment_rating_cd', length: 36, type: 'String' },
    { name: 'days_past_due', mapperColumn: 'days_past_due', length: 36, type: 'Integer' },
    { name: 'asset_class_cd_4in', mapperColumn: 'asset_class_cd', length: 36, type: 'String' },
  ],
  grids: [{ name: 'payment_history_grid', rollingName: 'payment_rating_cd', placeholder: '?', separator: '' }],
  latestColumns: [
    'emi_amt',
    'bureau_member_id',
    'open_dt',
    'acct_pymt_stat_cd',
    'acct_type_dtl_cd',
    'acct_stat_cd',
    'pymt_terms_cd',
    'balance_am',
    'closed_dt',
    'dflt_status_dt',
    'last_payment_dt',
    'asset_class_cd',
    'days_past_due',
    'past_due_am',
    'charge_off_am',
    'suit_filed_willful_dflt',
    'written_off_and_settled_status',
    'portfolio_rating_type_cd',
    'actual_payment_am',
    'credit_limit_am',
    'interest_rate',
    'orig_loan_am',
    'payment_history_grid',
  ],
  tieBreakColumns: [
    ...Object.values(PRODUCTION_RENAMES).filter((c) => !['cons_acct_key', 'rpt_as_of_mo', 'base_ts'].includes(c)),
    'orig_loan_am',
    'payment_rating_cd',
  ],
  prepare: productionPrepare,
  softDelete: { column: 'soft_del_cd', codes: ['1', '4'] },
};
