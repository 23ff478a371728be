import { ReportCounts, WatermarkAdvanced } from '@app/contracts';
import {
  ALT_CONFIG_REPORT,
  ALT_ORACLE_SPEC,
  ALT_REPORT_SPEC,
  MixedBatch,
  UnboundedSpec,
  diffRows,
  reportCounts,
  reportOracle,
  reportScenario,
} from '@app/testing';
import { waitFor } from './service-processes';
import { MINUTES, ServicesRun, latestKey, summaryKey } from './services-run';

// Issue 23: SPEC §4b (the report-date table) and §4c (unbounded history) through the four services on the
// real stack, as pipeline.oracle.report-dates.int-spec.ts proves them through the CLI: main rows and report
// rows (reportScenario: before, with and after their main row, batches of report rows alone). A scenario
// batch is two commits, main rows then report rows: the first mixed one is ingested under the running
// watcher, which announces it as one batch or two as its poll falls (in practice two: main rows, then the
// report rows alone); a later one while the watcher is stopped, so that one batch reads both (report rows
// with their main row) and the restarted watcher resumes from its last event's report snapshot. After each
// scenario batch, summary, latest and the unbounded table equal reportOracle.

const UNBOUNDED: UnboundedSpec = { suffix: '_history_unbounded', maxLength: null };
const r = new ServicesRun({
  tag: 'rpt',
  accounts: 8,
  // Seed 14 gives four batches with every situation the first test checks (most seeds lack one at this size).
  seed: Number(process.env.E2E_SEED ?? 14),
  batches: 2,
  components: 'kafka registry catalog',
  config: {
    ...ALT_CONFIG_REPORT,
    unbounded_history: { table: 'local.alt.acct_unbounded', suffix: UNBOUNDED.suffix, max_length: UNBOUNDED.maxLength },
  },
  // The dispatcher's maintenance after each batch is the services e2e's subject, not this one's.
  env: { SUMMARY_MAINTENANCE: 'off' },
});
const BATCHES: MixedBatch[] = reportScenario(r.batches, r.options.seed);
/** Ingested while the watcher is stopped: every batch with main rows but the first. */
const joint = (i: number) => i > 0 && BATCHES[i].source.length > 0;

/** Per batch, its report rows whose cell (key, month) gets its first main row in a later batch (they wait) and in this one. */
function reportsByMainRow(batches: MixedBatch[]): Array<{ before: number; with: number }> {
  const firstMain = new Map<string, number>();
  batches.forEach((b, i) =>
    b.source.forEach((row) => firstMain.has(`${row.id}@${row.per}`) || firstMain.set(`${row.id}@${row.per}`, i)),
  );
  const mainBatch = (row: Record<string, unknown>) =>
    firstMain.get(`${row.acct_id}@${String(row.as_of_dt).slice(0, 7)}`) ?? -1;
  return batches.map((b, i) => ({
    before: b.reports.filter((row) => mainBatch(row) > i).length,
    with: b.reports.filter((row) => mainBatch(row) === i).length,
  }));
}

describe(`SPEC §4b and §4c through the four services (${r.options.accounts} accounts, ${BATCHES.length} batches, seed ${r.options.seed})`, () => {
  beforeAll(async () => r.start(), 10 * MINUTES);
  afterAll(async () => r.close(), 5 * MINUTES);

  it('the scenario has report rows alone, before and with their main row, vetoes and re-resolved cells', () => {
    const counts = reportCounts(ALT_ORACLE_SPEC, ALT_REPORT_SPEC, BATCHES);
    const total = (k: keyof (typeof counts)[number]) => counts.reduce((n, c) => n + c[k], 0);
    const byMain = reportsByMainRow(BATCHES);
    expect({
      reportOnlyBatches: BATCHES.filter((b) => b.source.length === 0).length >= 1,
      beforeTheirMainRow: byMain.some((b) => b.before > 0),
      withTheirMainRowInOneServiceBatch: byMain.some((b, i) => joint(i) && b.with > 0),
      unmatched: total('unmatched') > 0,
      vetoes: total('vetoes') > 0,
      reResolved: total('reResolved') > 0,
    }).toEqual({
      reportOnlyBatches: true,
      beforeTheirMainRow: true,
      withTheirMainRowInOneServiceBatch: true,
      unmatched: true,
      vetoes: true,
      reResolved: true,
    });
  });

  it(
    'summary, latest and the unbounded table equal reportOracle after every batch, and the audit has every batch',
    async () => {
      const { h, log } = r;
      let source: string | null = null;
      let report: string | null = null;
      for (let i = 0; i < BATCHES.length; i++) {
        if (joint(i)) await r.services.stop('ingest-watcher');
        if (BATCHES[i].source.length) source = await h.ingest(BATCHES[i].source);
        report = await h.ingest(BATCHES[i].reports, 'report-dates');
        if (joint(i)) {
          r.services.start('ingest-watcher');
          await r.allReady();
        }
        // The batch that reads up to both commits; an earlier one may hold the main rows alone.
        const reaches = (w: WatermarkAdvanced) => w.sourceEndSnapshotId === source && w.reportEndSnapshotId === report;
        const last = await waitFor(
          `the watcher to announce scenario batch ${i + 1}`,
          () => {
            r.services.assertAlive();
            return log.of('watermark-advanced').find(reaches);
          },
          3 * MINUTES,
        );
        expect((await r.completed(last.batchId)).status).toBe('COMPLETED');
        const expected = reportOracle(ALT_ORACLE_SPEC, ALT_REPORT_SPEC, BATCHES.slice(0, i + 1), UNBOUNDED);
        expect({ batch: i + 1, diffs: diffRows(await h.summary(), expected.summary, summaryKey) }).toEqual({
          batch: i + 1,
          diffs: [],
        });
        expect({ batch: i + 1, diffs: diffRows(await h.latest(), expected.latest, latestKey) }).toEqual({
          batch: i + 1,
          diffs: [],
        });
        expect({ batch: i + 1, diffs: diffRows(await h.unbounded(), expected.unbounded, latestKey) }).toEqual({
          batch: i + 1,
          diffs: [],
        });
      }
      const watermarks = log.of('watermark-advanced');
      // Every batch completed once; the services ran report rows alone (an empty source range) and with main rows.
      expect(watermarks.map((w) => [w.batchId, log.completed(w.batchId)?.status])).toEqual(
        watermarks.map((w) => [w.batchId, 'COMPLETED']),
      );
      const moved = (w: WatermarkAdvanced) => [
        w.sourceStartSnapshotId !== w.sourceEndSnapshotId,
        w.reportStartSnapshotId !== w.reportEndSnapshotId,
      ];
      expect(watermarks.map(moved)).toEqual(
        expect.arrayContaining([
          [false, true],
          [true, true],
        ]),
      );
      expect(await r.jobsRunTwice()).toEqual([]);

      // The auditor merged every event once; each batch has its window (with the report range) and its completion.
      const audit = h.config.tables.audit.sql;
      const published = new Set(log.events.map((e) => e.value.eventId)).size;
      const [counted] = await waitFor(
        'the audit table to hold every event',
        async () => {
          const rows = await h.runner.query(`SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM ${audit}`);
          return Number(rows[0].d) >= published ? rows : undefined;
        },
        3 * MINUTES,
      );
      expect([Number(counted.n), Number(counted.d)]).toEqual([published, published]);
      const rows = await h.runner.query(
        `SELECT event_type, batch_id, status, details FROM ${audit} WHERE event_type IN ('WatermarkAdvanced', 'BatchCompleted')`,
      );
      const audited = rows.map((row) => {
        const details = JSON.parse(String(row.details)) as Record<string, unknown>;
        return [
          row.event_type,
          row.batch_id,
          row.status,
          details.reportStartSnapshotId ?? null,
          details.reportEndSnapshotId ?? null,
        ];
      });
      const expected = watermarks.flatMap((w) => [
        ['WatermarkAdvanced', w.batchId, 'ADVANCED', w.reportStartSnapshotId, w.reportEndSnapshotId],
        ['BatchCompleted', w.batchId, 'COMPLETED', null, null],
      ]);
      expect(audited.map((a) => JSON.stringify(a)).sort()).toEqual(expected.map((e) => JSON.stringify(e)).sort());

      // SPEC §4b's counts: each batch's completion carries classify's, the audit keeps them, the auditor counts them.
      // The services may split a scenario batch in two, so the totals are compared: every report row read once, the
      // oracle's rejects.
      const completions = watermarks.map((w) => log.completed(w.batchId)!);
      const sum = (k: keyof ReportCounts) => completions.reduce((n, c) => n + (c.report?.[k] ?? 0), 0);
      const oracleCounts = reportCounts(ALT_ORACLE_SPEC, ALT_REPORT_SPEC, BATCHES);
      expect({ read: sum('read'), rejected: sum('rejected') }).toEqual({
        read: BATCHES.reduce((n, b) => n + b.reports.length, 0),
        rejected: oracleCounts.reduce((n, c) => n + c.rejected, 0),
      });
      const completedRows = await h.runner.query(
        `SELECT batch_id, details FROM ${audit} WHERE event_type = 'BatchCompleted'`,
      );
      const auditedReport = (row: Record<string, unknown>) =>
        (JSON.parse(String(row.details)) as { report?: unknown }).report ?? null;
      expect(Object.fromEntries(completedRows.map((row) => [row.batch_id, auditedReport(row)]))).toEqual(
        Object.fromEntries(completions.map((c) => [c.batchId, c.report])),
      );
      const metrics = await r.services.metrics('auditor');
      const outcomes = {
        read: 'read',
        rejected: 'rejected',
        unmatched: 'unmatched',
        vetoed: 'vetoes',
        reresolved: 'reresolved',
      } as const;
      for (const [outcome, k] of Object.entries(outcomes)) {
        const counter = new RegExp(`summary_report_rows_total\\{outcome="${outcome}",service="auditor"\\} (\\d+)`);
        expect({ outcome, value: metrics.match(counter)?.[1] }).toEqual({ outcome, value: String(sum(k)) });
      }
    },
    20 * MINUTES,
  );
});
