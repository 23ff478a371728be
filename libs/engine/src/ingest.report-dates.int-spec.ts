import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, parseConfig } from '@app/config';
import { SparkHarness, startHarness } from '@app/testing';
import { IngestError, WATERMARK_PROPERTY } from '@app/ingest';
import { SummaryPipeline } from './pipeline';
import { readSnapshots } from './snapshots';
import seed000 from '../../../config/seed-000.json';

// `ingest --into report-dates` (SPEC §4b) on real Spark + Iceberg: init creates the report table from the
// config, the file lands exactly as checked, a refused file appends nothing, and the main source is untouched.

const MAX_BIGINT = '9223372036854775807';
const REPORT = {
  ...seed000,
  hist_rpt_dt_table: 'local.demo.hist_rpt',
  hist_rpt_dt_cols: ['cons_acct_key', 'acct_dt', 'base_ts', 'update_dt'],
  hist_rpt_dt_schema: { cons_acct_key: 'BIGINT', acct_dt: 'DATE', base_ts: 'TIMESTAMP', update_dt: 'DATE' },
};

function line(key: string, date: string, ts: string, extra = ''): string {
  return `{"cons_acct_key": ${key}, "acct_dt": "${date}", "base_ts": "${ts}", "update_dt": null${extra}}`;
}

describe('ingest --into report-dates (real Spark)', () => {
  let h: SparkHarness;
  const file = (name: string, lines: string[]) => {
    const path = join(h.dir, name);
    writeFileSync(path, lines.join('\n') + '\n');
    return path;
  };
  const table = () => h.config.reportDates!.table;
  const rows = () =>
    h.runner.query(
      `SELECT CAST(cons_acct_key AS STRING) AS k, CAST(acct_dt AS STRING) AS d, CAST(base_ts AS STRING) AS ts, update_dt FROM ${table().sql} ORDER BY k`,
    );

  beforeAll(async () => {
    h = await startHarness(REPORT);
    await h.pipeline.init();
  });
  afterAll(async () => h?.close());

  it("init creates the report table with the config's columns, partitioned by the month of its date", async () => {
    const described = await h.runner.query(`DESCRIBE TABLE ${table().sql}`);
    expect(described.slice(0, 4).map((r) => [r.col_name, r.data_type])).toEqual([
      ['cons_acct_key', 'bigint'],
      ['acct_dt', 'date'],
      ['base_ts', 'timestamp'],
      ['update_dt', 'date'],
    ]);
    expect(described.map((r) => String(r.data_type))).toContain('months(acct_dt)');
  });

  it('appends the rows checked, exactly, with the snapshot watermark; the source gets nothing', async () => {
    const r = await h.pipeline.ingest(
      file('report.jsonl', [
        line(MAX_BIGINT, '2024-02-20', '2025-01-02 03:04:05'),
        line('7', '2024-02-10', '2025-01-01 00:00:00'),
      ]),
      {},
      'report-dates',
    );

    expect(r.rows).toBe(2);
    expect(await rows()).toEqual([
      { k: '7', d: '2024-02-10', ts: '2025-01-01 00:00:00', update_dt: null },
      { k: MAX_BIGINT, d: '2024-02-20', ts: '2025-01-02 03:04:05', update_dt: null },
    ]);
    const snapshot = (await readSnapshots(h.runner, table())).find((s) => s.id === r.snapshotId)!;
    expect(snapshot.summary[WATERMARK_PROPERTY]).toBe('2025-01-02 03:04:05');
    expect(await h.pipeline.currentSnapshot(h.config.sourceTable)).toBeNull();
  });

  it("refuses a line with the main source's month or a missing column, appending nothing", async () => {
    const before = await h.pipeline.currentSnapshot(table());
    const withMonth = line('8', '2024-03-01', '2025-01-03 00:00:00', ', "rpt_as_of_mo": "2024-03"');
    const missing = line('9', '2024-03-01', '2025-01-03 00:00:00').replace(', "update_dt": null', '');
    const refused = h.pipeline.ingest(
      file('bad.jsonl', [line('8', '2024-03-01', '2025-01-03 00:00:00'), withMonth, missing]),
      {},
      'report-dates',
    );
    await expect(refused).rejects.toBeInstanceOf(IngestError);
    await expect(refused).rejects.toThrow(
      'bad.jsonl: nothing was appended.\n' +
        '  - line 2: unknown column "rpt_as_of_mo"; expected one of cons_acct_key, acct_dt, base_ts, update_dt\n' +
        '  - line 3: missing column "update_dt"',
    );

    expect(await h.pipeline.currentSnapshot(table())).toBe(before);
    expect(await rows()).toHaveLength(2);
  });

  it('an existing table without a column hist_rpt_dt_cols names, or a missing one, is a config error on its key', async () => {
    const more = new SummaryPipeline(
      parseConfig(
        { ...REPORT, hist_rpt_dt_cols: [...REPORT.hist_rpt_dt_cols, 'update_time'], hist_rpt_dt_schema: undefined },
        't',
      ),
      h.runner,
    );
    const refused = more.ingest(
      file('one.jsonl', [line('10', '2024-03-01', '2025-01-03 00:00:00')]),
      {},
      'report-dates',
    );
    await expect(refused).rejects.toBeInstanceOf(ConfigError);
    await expect(refused).rejects.toThrow(
      'hist_rpt_dt_cols[4]: expected a column of local.demo.hist_rpt (it has cons_acct_key, acct_dt, base_ts, update_dt); received "update_time"',
    );

    const elsewhere = new SummaryPipeline(
      parseConfig({ ...REPORT, hist_rpt_dt_table: 'local.demo.hist_rpt_missing' }, 't'),
      h.runner,
    );
    await expect(elsewhere.init(false)).rejects.toThrow(
      'hist_rpt_dt_table: expected an existing table: init creates it only with --create-source (local runs, tests); received "local.demo.hist_rpt_missing"',
    );
    const plain = new SummaryPipeline(parseConfig(seed000, 't'), h.runner);
    await expect(
      plain.ingest(file('two.jsonl', [line('11', '2024-03-01', '2025-01-03 00:00:00')]), {}, 'report-dates'),
    ).rejects.toThrow(
      'hist_rpt_dt_table: expected the report-date table (SPEC §4b) with hist_rpt_dt_cols, which ingest --into report-dates needs',
    );
  });
});
