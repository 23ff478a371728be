import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CaseOutcome } from '@app/engine';
import { dataShape, reportComposition, reportRowsSql } from './generator';
import { RunSample } from './measure';
import { checkComposition } from './phases';
import { mergeChecks, reportChecks, reportRaw } from './report-batch';
import { stateTables, tableRoles, variantConfig } from './table-set';

const raw = JSON.parse(readFileSync(join(__dirname, '..', '..', 'config', 'seed-000.json'), 'utf8'));
const shape = dataShape(1);

describe('reportRaw', () => {
  it("adds soft delete, a report table of the key, date, base_ts and delete column typed as the source's, and unbounded history", () => {
    const r = reportRaw(raw);
    expect(r.soft_delete).toEqual({ column: 'account_status', codes: ['D'] });
    expect(r.hist_rpt_dt_table).toBe('local.demo.summary_report_dates');
    expect(r.hist_rpt_dt_cols).toEqual(['cons_acct_key', 'acct_dt', 'base_ts', 'account_status']);
    expect(r.hist_rpt_dt_schema).toEqual({
      cons_acct_key: 'BIGINT',
      acct_dt: 'DATE',
      base_ts: 'TIMESTAMP',
      account_status: 'STRING',
    });
    expect(r.unbounded_history).toEqual({ table: 'local.demo.summary_unbounded' });
  });

  it("keeps a config's own report table and unbounded history", () => {
    const own = {
      ...raw,
      hist_rpt_dt_table: 'demo.rpt',
      hist_rpt_dt_cols: ['cons_acct_key', 'acct_dt', 'base_ts', 'account_status'],
      unbounded_history: { table: 'demo.unb', max_length: 60 },
    };
    const r = reportRaw({ ...own, soft_delete: { column: 'account_status', codes: ['D'] } });
    expect([r.hist_rpt_dt_table, r.hist_rpt_dt_schema, r.unbounded_history]).toEqual([
      'demo.rpt',
      undefined,
      { table: 'demo.unb', max_length: 60 },
    ]);
  });
});

describe('variantConfig with the report table and unbounded history', () => {
  const c = variantConfig(reportRaw(raw), 'bench_report');

  it('moves them to the namespace; the run writes the report winners and unbounded tables too', () => {
    expect(c.reportDates!.table.plain).toBe('local.bench_report.summary_report_dates');
    expect(c.unboundedHistory!.table.plain).toBe('local.bench_report.summary_unbounded');
    expect(
      stateTables(c)
        .map((t) => t.plain)
        .slice(-2),
    ).toEqual(['local.bench_report.summary_report_winners', 'local.bench_report.summary_unbounded']);
    expect(tableRoles([c]).get('local.bench_report.summary_unbounded')).toBe('unbounded history');
  });

  it('moves the report table with the source', () => {
    expect(variantConfig(reportRaw(raw), 'x', 'y').reportDates!.table.plain).toBe('local.y.summary_report_dates');
  });

  it('leaves a config without them as it was', () => {
    expect(stateTables(variantConfig(raw, 'b'))).toHaveLength(6);
  });
});

describe('reportComposition', () => {
  it('is 1,000 rows with 100 vetoes at scale 1, the rest half on the batch, half on existing cells', () => {
    expect(reportComposition(1, 100, 10_000)).toEqual({ rows: 1000, vetoes: 100, batchCells: 450, existingCells: 450 });
    expect(reportComposition(0.02, 2, 200)).toEqual({ rows: 20, vetoes: 2, batchCells: 9, existingCells: 9 });
  });

  it('has at most the batch deletes as vetoes, and at least one of each', () => {
    expect(reportComposition(1, 40, 10_000).vetoes).toBe(40);
    expect(reportComposition(0.0001, 1, 100)).toEqual({ rows: 1, vetoes: 1, batchCells: 0, existingCells: 0 });
    expect(reportComposition(0.01, 1, 12)).toEqual({ rows: 10, vetoes: 1, batchCells: 5, existingCells: 4 });
  });
});

describe('reportRowsSql', () => {
  const c = variantConfig(reportRaw(raw), 'bench_report');
  const sql = reportRowsSql(c, shape, { rows: 1000, vetoes: 100, batchCells: 450, existingCells: 450 });

  it("inserts the report table's columns in its order, each cast to its type", () => {
    expect(
      sql.startsWith(
        'INSERT INTO `local`.`bench_report`.`summary_report_dates`\nSELECT\n  CAST(c.`__key` AS BIGINT) AS `cons_acct_key`',
      ),
    ).toBe(true);
    expect(sql).toContain(
      "CAST(date_add(trunc(c.`__date`, 'MM'), CAST(pmod(xxhash64(1, c.`__key`, c.`__date`, 'report-date'), 28) AS INT)) AS DATE) AS `acct_dt`",
    );
    expect(sql).toContain(
      "CAST(CASE WHEN CAST(pmod(xxhash64(1, c.`__key`, c.`__date`, 'report-code'), 7) AS STRING) IN ('D') THEN NULL ELSE",
    );
  });

  it("takes the vetoes from the batch's delete rows, the batch cells from its other rows, the existing cells from summary outside the batch's accounts", () => {
    expect(sql).toContain(
      "WHERE coalesce(CAST(`account_status` AS STRING) IN ('D'), false) ORDER BY xxhash64(1, " +
        "`cons_acct_key`, `acct_dt`, 'report-veto'), `cons_acct_key`, `acct_dt` LIMIT 100)",
    );
    expect(sql).toContain(
      "WHERE NOT coalesce(CAST(`account_status` AS STRING) IN ('D'), false) ORDER BY xxhash64(1, " +
        "`cons_acct_key`, `acct_dt`, 'report-batch'), `cons_acct_key`, `acct_dt` LIMIT 450)",
    );
    expect(sql).toContain(
      'FROM `local`.`bench_report`.`summary` s\n    LEFT ANTI JOIN (SELECT DISTINCT `cons_acct_key` AS k FROM `local`.`bench_report`.`accounts_all`) b',
    );
    expect(sql.match(/UNION ALL/g)).toHaveLength(2);
  });

  it('leaves out empty parts and refuses a config without the report table', () => {
    expect(reportRowsSql(c, shape, { rows: 1, vetoes: 1, batchCells: 0, existingCells: 0 })).not.toContain('UNION ALL');
    expect(() =>
      reportRowsSql(variantConfig(raw, 'b'), shape, { rows: 1, vetoes: 1, batchCells: 0, existingCells: 0 }),
    ).toThrow('the config needs hist_rpt_dt_table and soft_delete');
  });
});

const outcome = (deleted: number): CaseOutcome => ({
  case: 'CASE_III',
  status: 'committed',
  rows: 0,
  applied: 0,
  stale: 0,
  written: 0,
  deleted,
  restored: 0,
  durationMs: 0,
});
const sample = (report: RunSample['report'], deleted = 0, caseIII = 1000): RunSample => ({
  wallMs: 1,
  maintenanceMs: 0,
  maintenanceCalls: null,
  batchId: 'b',
  inputRows: 10_000,
  caseRows: { CASE_I: 500, CASE_II: 8500, CASE_III: caseIII },
  report,
  cases: [outcome(deleted)],
  jobs: [],
  queries: 0,
  queryMs: 0,
});
const want = { composition: { rows: 1000, vetoes: 100, batchCells: 450, existingCells: 450 }, deletes: 100 };

describe('reportChecks', () => {
  it('passes a run that read and vetoed what was generated, deleted the unvetoed deletes, and kept unbounded = latest', () => {
    const checks = reportChecks(
      sample({ read: 1000, rejected: 0, unmatched: 0, vetoes: 100, reresolved: 210 }),
      { unboundedRows: 5, latestRows: 5 },
      want,
    );
    expect(checks.map((c) => [c.name, c.ok])).toEqual([
      ['report batch: report counts as generated', true],
      ['report batch: deletes less vetoes', true],
      ['report batch: unbounded rows = latest rows', true],
    ]);
  });

  it('fails on other counts, and without report counts', () => {
    const off = reportChecks(
      sample({ read: 1000, rejected: 0, unmatched: 3, vetoes: 100, reresolved: 0 }, 2),
      { unboundedRows: 4, latestRows: 5 },
      want,
    );
    expect(off.map((c) => c.ok)).toEqual([false, false, false]);
    expect(off[0].detail).toContain('unmatched 3');
    expect(reportChecks(sample(null), { unboundedRows: 5, latestRows: 5 }, want)[0]).toMatchObject({
      ok: false,
      detail: 'classify reported no report counts',
    });
  });
});

describe('mergeChecks', () => {
  it('keeps one check per name, failed when any run failed it', () => {
    const a = { name: 'a', ok: true, detail: 'run 1' };
    const b = { name: 'b', ok: true, detail: 'run 1' };
    expect(
      mergeChecks([
        [a, b],
        [{ ...a, ok: false, detail: 'run 2' }, b],
        [{ ...a, ok: false, detail: 'run 3' }, b],
      ]),
    ).toEqual([{ name: 'a', ok: false, detail: 'run 2' }, b]);
  });
});

describe('checkComposition with report rows', () => {
  it("counts the re-resolved cells in CASE_III's records", () => {
    expect(() =>
      checkComposition(
        sample({ read: 1000, rejected: 0, unmatched: 0, vetoes: 100, reresolved: 210 }, 0, 1210),
        10_000,
      ),
    ).not.toThrow();
    expect(() => checkComposition(sample(null, 0, 1210), 10_000)).toThrow('classify counted');
  });
});
