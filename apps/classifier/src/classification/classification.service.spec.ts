import { EventPublisher, Metrics, NotYetError } from '@app/common';
import { COUNTS, PLAN } from '@app/compiler';
import { CaseBatchPlanned, WatermarkAdvanced } from '@app/contracts';
import { BatchCounts, LedgerEntry, SummaryPipeline } from '@app/engine';
import { JsonRow } from '@app/runner-client';
import { watermarkEvent } from '@app/lifecycle';
import { EngineHandle } from '@app/service-kit';
import { ClassificationService, WindowMismatchError } from './classification.service';

// The classifier as a consumer, on a ledger kept in memory by a stand-in pipeline: a watermark delivered
// twice classifies once and publishes the same plan (same event ids) again; a window that does not continue
// the ledger is refused; batch n+1 waits for batch n. The lease and the classify job on real Spark are
// proven by e2e/faults.int-spec.ts and libs/engine/src/pipeline.lease.int-spec.ts.

/** SPEC §4b's counts of a batch the stand-in classifies with the report-date table. */
const REPORT = { read: 6, rejected: 1, unmatched: 2, vetoes: 1, reresolved: 3 };

/** The classify job's `counts` collect; with the report table its kind 'report' rows too. */
const counts = (rows: Record<'CASE_III' | 'CASE_I' | 'CASE_II', number>, report = false) =>
  Object.entries(rows)
    .map(([name, n]) => ({ kind: 'case', name, month: '2025-01', n }))
    .concat([{ kind: 'input', name: 'input', month: '', n: 10, watermark: '2025-01-31 00:00:00' } as never])
    .concat(
      report ? Object.entries(REPORT).map(([name, n]) => ({ kind: 'report', name, month: null, n }) as never) : [],
    );

class InMemoryLedgerPipeline {
  readonly entries: LedgerEntry[] = [];
  classified: string[] = [];
  /** The arguments of each classify call after the batch id: source start, end (and report start, end). */
  classifyArgs: unknown[][] = [];
  /** `reportDates` set: a pipeline with the report-date table (SPEC §4b); its plan collect records both ranges. */
  constructor(readonly config: { reportDates?: unknown } = {}) {}
  async ledger(): Promise<LedgerEntry[]> {
    return this.entries;
  }
  commit(
    batchId: string,
    step: string,
    end: string | null,
    rows = { CASE_III: 2, CASE_I: 3, CASE_II: 5 },
    report?: { start: string | null; end: string | null },
  ): void {
    const plan = {
      source_end_snapshot_id: end,
      ...(report && { report_start_snapshot_id: report.start, report_end_snapshot_id: report.end }),
    };
    const collected: Record<string, JsonRow[]> =
      step === 'classify' ? { [PLAN]: [plan], [COUNTS]: counts(rows, report !== undefined) } : {};
    this.entries.push({
      batchId,
      step,
      status: 'committed',
      result: { collected },
      recordedAt: `2026-12-01 00:00:0${this.entries.length}`,
    });
  }
  async classify(batchId: string, ...args: Array<string | null>): Promise<BatchCounts> {
    const [, end, reportStart, reportEnd] = args;
    this.classified.push(batchId);
    this.classifyArgs.push(args);
    this.commit(
      batchId,
      'classify',
      end,
      undefined,
      this.config.reportDates ? { start: reportStart ?? null, end: reportEnd ?? null } : undefined,
    );
    const report = this.config.reportDates ? { report: { ...REPORT } } : {};
    return {
      inputRows: 10,
      watermark: '2025-01-31 00:00:00',
      rejects: {},
      cases: { CASE_III: range(2), CASE_I: range(3), CASE_II: range(5) },
      deletes: { CASE_III: 1, CASE_I: 0, CASE_II: 0 },
      ...report,
    };
  }
}
const range = (rows: number) => ({ rows, minMonth: '2025-01', maxMonth: '2025-01', months: { '2025-01': rows } });

/** The service without the lease (a stand-in pipeline has no lease table). */
class Classifier extends ClassificationService {
  protected override underLease<T>(_p: SummaryPipeline, _e: WatermarkAdvanced, work: () => Promise<T>): Promise<T> {
    return work();
  }
}

function classifier(config: { reportDates?: unknown } = {}) {
  const pipeline = new InMemoryLedgerPipeline(config);
  const published: CaseBatchPlanned[] = [];
  const publisher = {
    publish: async (_e: string, value: CaseBatchPlanned) => void published.push(value),
  } as unknown as EventPublisher;
  const service = new Classifier(
    { pipeline: async () => pipeline } as unknown as EngineHandle,
    publisher,
    new Metrics('classifier'),
  );
  return { service, pipeline, published };
}

const watermark = (batchId: string, start: string | null, end: string) =>
  watermarkEvent('cat.raw.src', batchId, { start, end, watermark: '2025-01-31 00:00:00' });
/** SPEC §4b: a watermark with the report-date table's range too. */
const withReport = (
  batchId: string,
  start: string | null,
  end: string,
  reportStart: string | null,
  reportEnd: string | null,
) => watermarkEvent('cat.raw.src', batchId, { start, end, watermark: null, reportStart, reportEnd });
const finish = (pipeline: InMemoryLedgerPipeline, batchId: string) => {
  for (const c of ['CASE_III', 'CASE_I', 'CASE_II']) pipeline.commit(batchId, c, null);
};

describe('ClassificationService', () => {
  it('a watermark delivered twice classifies once and publishes the same plan again', async () => {
    const { service, pipeline, published } = classifier();
    const first = await service.onWatermark(watermark('b-000001', null, '100'));
    const again = await service.onWatermark(watermark('b-000001', null, '100'));
    expect(pipeline.classified).toEqual(['b-000001']);
    expect(again.map((p) => p.eventId)).toEqual(first.map((p) => p.eventId));
    expect(again.map((p) => [p.case, p.rows])).toEqual([
      ['CASE_III', 2],
      ['CASE_I', 3],
      ['CASE_II', 5],
    ]);
    expect(published).toHaveLength(6);
  });

  it('refuses a window that does not continue the ledger, and a redelivered watermark whose window changed', async () => {
    const { service, pipeline } = classifier();
    pipeline.commit('b-000001', 'classify', '100');
    for (const c of ['CASE_III', 'CASE_I', 'CASE_II']) pipeline.commit('b-000001', c, null);
    await expect(service.onWatermark(watermark('b-000002', '99', '120'))).rejects.toThrow(WindowMismatchError);
    await expect(service.onWatermark(watermark('b-000002', '99', '120'))).rejects.toThrow(
      "the event's batch is b-000002 reading source snapshots (99, 120], " +
        "but the ledger's last batch b-000001 ended at source snapshot 100, " +
        'so the next batch is b-000002 reading source snapshots (100, 120]',
    );
    // The right window under a number the ledger's rule does not give (a batch skipped): refused too.
    await expect(service.onWatermark(watermark('b-000003', '100', '120'))).rejects.toThrow(
      /the event's batch is b-000003 .*so the next batch is b-000002 reading source snapshots \(100, 120\]/,
    );
    await expect(service.onWatermark(watermark('b-000001', null, '101'))).rejects.toThrow(
      /classified for source snapshots up to 100, the event says 101/,
    );
    expect(pipeline.classified).toEqual([]);
  });

  it('batch n+1 waits until every case of batch n committed', async () => {
    const { service, pipeline } = classifier();
    pipeline.commit('b-000001', 'classify', '100');
    pipeline.commit('b-000001', 'CASE_III', null);
    await expect(service.onWatermark(watermark('b-000002', '100', '120'))).rejects.toThrow(NotYetError);
    pipeline.commit('b-000001', 'CASE_I', null);
    pipeline.commit('b-000001', 'CASE_II', null);
    expect((await service.onWatermark(watermark('b-000002', '100', '120'))).map((p) => p.batchId)).toEqual([
      'b-000002',
      'b-000002',
      'b-000002',
    ]);
  });

  it('without the report table classifies the source range only, as before, and plans without report counts', async () => {
    const { service, pipeline, published } = classifier();
    await service.onWatermark(watermark('b-000001', null, '100'));
    expect(pipeline.classifyArgs).toEqual([[null, '100']]);
    expect(published.map((p) => p.report)).toEqual([null, null, null]);
  });

  it('refuses a report range when the pipeline has no report-date table (its rows would be dropped)', async () => {
    const { service, pipeline } = classifier();
    await expect(service.onWatermark(withReport('b-000001', null, '100', null, '7'))).rejects.toThrow(
      "the event's batch is b-000001 reading source snapshots (beginning, 100] " +
        'and report-date snapshots (beginning, 7], ' +
        "but this pipeline's config has no report-date table (hist_rpt_dt_table)",
    );
    expect(pipeline.classified).toEqual([]);
  });

  describe('with the report-date table (SPEC §4b)', () => {
    it('passes both ranges to classify, a report-only batch included, each continuing the ledger', async () => {
      const { service, pipeline, published } = classifier({ reportDates: {} });
      await service.onWatermark(withReport('b-000001', null, '100', null, null));
      finish(pipeline, 'b-000001');
      // Report rows alone: an empty source range, the report snapshots from the table's beginning.
      await service.onWatermark(withReport('b-000002', '100', '100', null, '7'));
      finish(pipeline, 'b-000002');
      await service.onWatermark(withReport('b-000003', '100', '120', '7', '9'));
      expect(pipeline.classifyArgs).toEqual([
        [null, '100', null, null],
        ['100', '100', null, '7'],
        ['100', '120', '7', '9'],
      ]);
      expect(published.map((p) => p.batchId)).toEqual([
        'b-000001',
        'b-000001',
        'b-000001',
        'b-000002',
        'b-000002',
        'b-000002',
        'b-000003',
        'b-000003',
        'b-000003',
      ]);
    });

    it("puts classify's report counts on each case event, and the same counts (from the ledger) on a re-published plan", async () => {
      const { service, published } = classifier({ reportDates: {} });
      await service.onWatermark(withReport('b-000001', null, '100', null, '7'));
      await service.onWatermark(withReport('b-000001', null, '100', null, '7'));
      expect(published).toHaveLength(6);
      expect(published.map((p) => p.report)).toEqual(Array(6).fill(REPORT));
    });

    it('reads a batch of the previous release (no report end in its plan) as having read no report snapshot', async () => {
      const { service, pipeline } = classifier({ reportDates: {} });
      pipeline.commit('b-000001', 'classify', '100');
      finish(pipeline, 'b-000001');
      await service.onWatermark(withReport('b-000002', '100', '100', null, '7'));
      expect(pipeline.classifyArgs).toEqual([['100', '100', null, '7']]);
    });

    it('refuses a report range that does not continue the ledger, naming both positions', async () => {
      const { service, pipeline } = classifier({ reportDates: {} });
      pipeline.commit('b-000001', 'classify', '100', undefined, { start: null, end: '7' });
      finish(pipeline, 'b-000001');
      await expect(service.onWatermark(withReport('b-000002', '100', '100', '5', '9'))).rejects.toThrow(
        "the event's batch is b-000002 reading source snapshots (100, 100] and report-date snapshots (5, 9], " +
          "but the ledger's last batch b-000001 ended at source snapshot 100 and report-date snapshot 7, " +
          'so the next batch is b-000002 reading source snapshots (100, 100] and report-date snapshots (7, 9]',
      );
      // A watcher without the report table after one with it: the report range would restart from nothing.
      await expect(service.onWatermark(withReport('b-000002', '100', '120', null, null))).rejects.toThrow(
        WindowMismatchError,
      );
      // Neither table moved since the ledger's batch: no batch to give.
      await expect(service.onWatermark(withReport('b-000002', '100', '100', '7', '7'))).rejects.toThrow(
        /so the next batch is one after snapshot 100/,
      );
      expect(pipeline.classified).toEqual([]);
    });

    it('refuses a redelivered watermark whose report range changed', async () => {
      const { service, pipeline } = classifier({ reportDates: {} });
      await service.onWatermark(withReport('b-000001', null, '100', null, '7'));
      await expect(service.onWatermark(withReport('b-000001', null, '100', null, '8'))).rejects.toThrow(
        /classified for report-date snapshots up to 7, the event says 8/,
      );
      await service.onWatermark(withReport('b-000001', null, '100', null, '7'));
      expect(pipeline.classified).toEqual(['b-000001']);
    });
  });
});
