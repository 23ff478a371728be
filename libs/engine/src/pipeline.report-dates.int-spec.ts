import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '@app/config';
import {
  ALT_CONFIG,
  ALT_CONFIG_REPORT,
  ALT_ORACLE_SPEC,
  MixedBatch,
  OutputRow,
  ReportSpec,
  Row,
  SparkHarness,
  diffRows,
  reportCounts,
  reportOracle,
  startHarness,
} from '@app/testing';
import { SummaryPipeline } from './pipeline';
import { exportQuery } from '@app/table-ops';

// SPEC §4b's worked example through the CLI pipeline on real Spark + Iceberg, with H = 4 and `bal`
// (ALT_CONFIG's balance): months 01, 02, 03 with 100, 200, 300, then a delete row at 02 (210, 02-10,
// code 4) and a report row (02-20, active). Each key plays it in another arrival order; after every batch
// summary and latest equal reportOracle, and the SPEC's numbers are checked by hand at the end.

const H = 4;
const withH = <T extends typeof ALT_CONFIG>(c: T) => ({
  ...c,
  history_length: H,
  rolling_columns: c.rolling_columns.map((r) => ({ ...r, num_cols: H })),
});
const REPORT_CONFIG = withH(ALT_CONFIG_REPORT);
const PLAIN_CONFIG = withH(ALT_CONFIG);
const SPEC = { ...ALT_ORACLE_SPEC, rolling: ALT_ORACLE_SPEC.rolling.map((r) => ({ ...r, length: H })) };
const REPORT: ReportSpec = {
  keyColumn: 'acct_id',
  dateColumn: 'as_of_dt',
  tsColumn: 'load_ts',
  deleteColumn: 'del_cd',
  orderColumns: ['update_dt'],
};

const T1 = '2025-01-01 00:00:00';
const T2 = '2025-02-01 00:00:00';
const main = (id: number, month: string, bal: number, date: string, ts: string, del: number | null = null): Row => ({
  id,
  per: month,
  lts: ts,
  aod: date,
  bal,
  dpd: 10,
  st: 'A',
  opn: '2020-01-01',
  del,
});
const three = (id: number) => [
  main(id, '2024-01', 100, '2024-01-15', T1),
  main(id, '2024-02', 200, '2024-02-15', T1),
  main(id, '2024-03', 300, '2024-03-15', T1),
];
const deleteRow = (id: number) => main(id, '2024-02', 210, '2024-02-10', T2, 4);
const reportRow = (id: number): Row => ({
  acct_id: id,
  as_of_dt: '2024-02-20',
  load_ts: T2,
  del_cd: null,
  update_dt: null,
});

// Key 1: report row with its delete row; key 2: no report row (a tombstone); key 3: the report row three
// batches before its delete row; key 4: the report row alone, a batch after the delete row.
const BATCHES: MixedBatch[] = [
  {
    source: [
      ...three(1),
      ...three(2),
      main(3, '2024-01', 100, '2024-01-15', T1),
      main(3, '2024-03', 300, '2024-03-15', T1),
      ...three(4),
    ],
    reports: [reportRow(3)],
  },
  {
    source: [deleteRow(1), deleteRow(2), deleteRow(4), main(3, '2024-02', 200, '2024-02-15', T1)],
    reports: [reportRow(1)],
  },
  { source: [], reports: [reportRow(4)] },
  { source: [deleteRow(3)], reports: [] },
];

const summaryKey = (r: Record<string, unknown>) => `${r.acct_id}|${r.period}`;
const latestKey = (r: Record<string, unknown>) => `${r.acct_id}`;

function writeLines(dir: string, name: string, rows: Row[]): string {
  const file = join(dir, name);
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return file;
}

describe('SPEC §4b worked example through the pipeline (real Spark)', () => {
  let h: SparkHarness;
  let files = 0;
  beforeAll(async () => {
    h = await startHarness(REPORT_CONFIG);
    await h.pipeline.init();
  });
  afterAll(async () => h?.close());

  it('equals reportOracle after every batch, report rows before, with and after their main row', async () => {
    for (let i = 0; i < BATCHES.length; i++) {
      if (BATCHES[i].source.length) await h.ingest(BATCHES[i].source);
      if (BATCHES[i].reports.length)
        await h.pipeline.ingest(writeLines(h.dir, `report-${++files}.jsonl`, BATCHES[i].reports), {}, 'report-dates');
      const outcomes = await h.pipeline.runPending();
      expect(outcomes).toHaveLength(1);
      const expected = reportOracle(SPEC, REPORT, BATCHES.slice(0, i + 1));
      expect({ batch: i + 1, diffs: diffRows(await h.summary(), expected.summary, summaryKey) }).toEqual({
        batch: i + 1,
        diffs: [],
      });
      expect({ batch: i + 1, diffs: diffRows(await h.latest(), expected.latest, latestKey) }).toEqual({
        batch: i + 1,
        diffs: [],
      });
      const counted = reportCounts(SPEC, REPORT, BATCHES.slice(0, i + 1))[i];
      const c = outcomes[0].counts.report!;
      expect({
        batch: i + 1,
        read: c.read,
        rejected: c.rejected,
        unmatched: c.unmatched,
        vetoes: c.vetoes,
        reResolved: c.reresolved,
      }).toEqual({ batch: i + 1, ...counted });
    }
  });

  it(
    "has the SPEC's numbers: E(02) = bal 210, date 02-20, active; 03's history [300, 210, 100, NULL]; " +
      'without the report row [300, NULL, 100, NULL]',
    async () => {
      const rows = await h.summary();
      const at = (id: number, month: string) => rows.find((r) => r.acct_id === id && r.period === month)!;
      for (const id of [1, 3, 4]) {
        expect({
          id,
          bal: at(id, '2024-02').balance,
          date: at(id, '2024-02').as_of_dt,
          del: at(id, '2024-02').del_cd,
        }).toEqual({ id, bal: 210, date: '2024-02-20', del: null });
        expect({ id, history: at(id, '2024-03').balance_history }).toEqual({ id, history: [300, 210, 100, null] });
      }
      expect(at(2, '2024-02').del_cd).toBe(4);
      expect(at(2, '2024-03').balance_history).toEqual([300, null, 100, null]);
    },
  );

  it('running again with nothing pending commits nothing', async () => {
    const before = [await h.snapshot('summary'), await h.snapshot('latest')];
    expect(await h.pipeline.runPending()).toEqual([]);
    expect([await h.snapshot('summary'), await h.snapshot('latest')]).toEqual(before);
  });
});

describe('SPEC §4b turned on for a pipeline of the previous release, without a rebuild (real Spark)', () => {
  let h: SparkHarness;
  afterAll(async () => h?.close());

  it('init adds the internal columns; report rows then re-resolve stored cells as the oracle says', async () => {
    h = await startHarness(PLAIN_CONFIG);
    await h.pipeline.init();
    // The previous release: no report table; two batches of main rows (key 4's 02 becomes a tombstone).
    for (const b of BATCHES.slice(0, 2)) {
      await h.ingest(b.source);
      await h.pipeline.runPending();
    }
    const config = parseConfig(REPORT_CONFIG, 'report config');
    const pipeline = new SummaryPipeline(config, h.runner);
    await pipeline.init();
    const later: MixedBatch[] = [
      { source: [], reports: [reportRow(1), reportRow(3), reportRow(4)] },
      { source: [deleteRow(3)], reports: [] },
    ];
    for (let i = 0; i < later.length; i++) {
      if (later[i].source.length) await h.ingest(later[i].source);
      if (later[i].reports.length)
        await pipeline.ingest(writeLines(h.dir, `upgrade-${i}.jsonl`, later[i].reports), {}, 'report-dates');
      expect(await pipeline.runPending()).toHaveLength(1);
      const all = [...BATCHES.slice(0, 2).map((b) => ({ source: b.source, reports: [] })), ...later.slice(0, i + 1)];
      const expected = reportOracle(SPEC, REPORT, all);
      const summary = (await h.runner.query(exportQuery(config, 'summary'))) as OutputRow[];
      const latest = (await h.runner.query(exportQuery(config, 'latest_summary'))) as OutputRow[];
      expect({ batch: i + 1, diffs: diffRows(summary, expected.summary, summaryKey) }).toEqual({
        batch: i + 1,
        diffs: [],
      });
      expect({ batch: i + 1, diffs: diffRows(latest, expected.latest, latestKey) }).toEqual({
        batch: i + 1,
        diffs: [],
      });
    }
  });
});

// SPEC §4c's worked example through the pipeline (seed-case style), with H = 4: key 5 has 2023-11 (bal 5), 2024-01 (1),
// 2024-02 deleted, 2024-05 (50) and 2024-07 deleted (after latest). Its unbounded row runs from latest's month back to
// the first month not deleted, NULL for gaps and deleted months; a report row that vetoes 02's delete puts 02 back; a
// delete of 2023-11 moves the first month up. Each batch also equals reportOracle, and a rebuild equals what the
// batches kept.
describe('SPEC §4c worked example through the pipeline (real Spark)', () => {
  const UNBOUNDED = { suffix: '_all', maxLength: null };
  const config = {
    ...REPORT_CONFIG,
    unbounded_history: { table: 'alt.acct_unbounded', suffix: UNBOUNDED.suffix, max_length: UNBOUNDED.maxLength },
  };
  const key5: MixedBatch[] = [
    {
      source: [
        main(5, '2023-11', 5, '2023-11-15', T1),
        main(5, '2024-01', 1, '2024-01-15', T1),
        main(5, '2024-02', 2, '2024-02-15', T1, 4),
        main(5, '2024-05', 50, '2024-05-15', T1),
        main(5, '2024-07', 70, '2024-07-15', T1, 1),
      ],
      reports: [],
    },
    { source: [], reports: [{ ...reportRow(5), as_of_dt: '2024-02-20' }] },
    { source: [main(5, '2023-11', 5, '2023-11-15', T2, 4)], reports: [] },
  ];
  const hand = [
    [50, null, null, null, 1, null, 5], // 05 back to 2023-11: 04, 03 gaps, 02 deleted, 12 a gap
    [50, null, null, 2, 1, null, 5], // the report row vetoes 02's delete: its own balance again
    [50, null, null, 2, 1], // 2023-11 deleted: the first month is 2024-01
  ];
  let h: SparkHarness;
  let files = 0;
  beforeAll(async () => {
    h = await startHarness(config);
    await h.pipeline.init();
  });
  afterAll(async () => h?.close());

  it('keeps the unbounded row with every batch: the hand-worked arrays and reportOracle', async () => {
    for (let i = 0; i < key5.length; i++) {
      if (key5[i].source.length) await h.ingest(key5[i].source);
      if (key5[i].reports.length)
        await h.pipeline.ingest(
          writeLines(h.dir, `unbounded-report-${++files}.jsonl`, key5[i].reports),
          {},
          'report-dates',
        );
      expect(await h.pipeline.runPending()).toHaveLength(1);
      const rows = await h.unbounded();
      expect({ batch: i + 1, month: rows.map((r) => r.period), all: rows.map((r) => r.balance_all) }).toEqual({
        batch: i + 1,
        month: ['2024-05'],
        all: [hand[i]],
      });
      const expected = reportOracle(SPEC, REPORT, key5.slice(0, i + 1), UNBOUNDED);
      expect({ batch: i + 1, diffs: diffRows(rows, expected.unbounded, latestKey) }).toEqual({
        batch: i + 1,
        diffs: [],
      });
    }
  });

  it('rebuild-unbounded from summary alone gives the same table', async () => {
    const kept = await h.unbounded();
    await h.pipeline.rebuildUnbounded();
    expect(diffRows(await h.unbounded(), kept, latestKey)).toEqual([]);
  });
});
