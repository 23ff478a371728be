import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { EVENT_PUBLISHER, EventPublisher, METRICS, Metrics, NotYetError, jsonLog } from '@app/common';
import { EngineHandle } from '@app/service-kit';
import { PLAN } from '@app/compiler';
import {
  BatchCounts,
  SummaryPipeline,
  asWriter,
  batchFinished,
  batchesFromLedger,
  ledgerPosition,
  parseCounts,
} from '@app/engine';
import { CaseBatchPlanned, WatermarkAdvanced } from '@app/contracts';
import { describeBatch, nextBatch, parseBatchId, planEvents } from '@app/lifecycle';
import { ENGINE } from './classification.constants';

/** The watermark's window does not continue the ledger: publishing a plan for it could lose or repeat rows. */
export class WindowMismatchError extends Error {
  readonly retriable = false;
  constructor(message: string) {
    super(message);
    this.name = this.constructor.name;
  }
}

/**
 * How long a watermark waits for another writer's lease (a CLI run, the dispatcher's job) before its
 * handler fails with the retriable LeaseHeldError and the transport retries it with backoff.
 */
const LEASE_WAIT_MS = 60_000;

/**
 * WatermarkAdvanced → the classify job → one CaseBatchPlanned per case in run order III, I, II.
 * Idempotent: a batch already classified (ledger) is not classified again, its plan is re-published with
 * the same event ids (consumers drop the duplicates). Batch n+1 waits until every case of batch n
 * committed (SPEC §5).
 */
@Injectable()
export class ClassificationService implements OnApplicationShutdown {
  constructor(
    @Inject(ENGINE) private readonly engine: EngineHandle,
    @Inject(EVENT_PUBLISHER) private readonly publisher: EventPublisher,
    @Inject(METRICS) private readonly metrics: Metrics,
  ) {}

  async onWatermark(event: WatermarkAdvanced): Promise<CaseBatchPlanned[]> {
    const pipeline = await this.engine.pipeline();
    // The ledger check and the classify under one lease (issue 10): no other writer can classify or run
    // the batch between them.
    const counts = await this.underLease(
      pipeline,
      event,
      async () => (await this.alreadyClassified(pipeline, event)) ?? (await this.classify(pipeline, event)),
    );
    const planned = this.plan(event, counts);
    for (const p of planned) await this.publisher.publish('case-batch-planned', p);
    return planned;
  }

  /** The pipeline's writer lease around `work` (libs/engine writer.ts). */
  protected underLease<T>(pipeline: SummaryPipeline, event: WatermarkAdvanced, work: () => Promise<T>): Promise<T> {
    return asWriter(
      pipeline,
      'classifier',
      { waitMs: LEASE_WAIT_MS, onWait: (m) => jsonLog('info', m, { batchId: event.batchId }) },
      work,
    );
  }

  private async alreadyClassified(pipeline: SummaryPipeline, event: WatermarkAdvanced): Promise<BatchCounts | null> {
    const withReport = this.withReport(pipeline, event);
    const batches = batchesFromLedger(await pipeline.ledger());
    const mine = batches.find((b) => b.batchId === event.batchId && b.classify.status === 'committed');
    if (mine) {
      const plan = mine.classify.result!.collected![PLAN][0];
      if (String(plan.source_end_snapshot_id) !== event.sourceEndSnapshotId) {
        throw new WindowMismatchError(
          `batch ${event.batchId} was classified for source snapshots up to ${plan.source_end_snapshot_id}, the event says ${event.sourceEndSnapshotId}`,
        );
      }
      const reportEnd =
        plan.report_end_snapshot_id === undefined || plan.report_end_snapshot_id === null
          ? null
          : String(plan.report_end_snapshot_id);
      if (withReport && reportEnd !== event.reportEndSnapshotId) {
        throw new WindowMismatchError(
          `batch ${event.batchId} was classified for report-date snapshots up to ${reportEnd ?? '(none)'}, ` +
            `the event says ${event.reportEndSnapshotId ?? '(none)'}`,
        );
      }
      jsonLog('info', 'batch already classified: re-publishing its plan', { batchId: event.batchId });
      return parseCounts(mine.classify.result!.collected!['counts'] ?? []);
    }
    const earlier = batches.filter((b) => b.seq < parseBatchId(event.batchId));
    const pending = earlier.filter((b) => b.classify.status !== 'committed' || !batchFinished(b));
    if (pending.length) {
      this.metrics.get('classifierWaiting').set(1);
      throw new NotYetError(
        `batch ${event.batchId} waits: batch ${pending[0].batchId} has not committed every case yet`,
      );
    }
    this.metrics.get('classifierWaiting').set(0);
    // The watcher numbered the event by the rule the ledger numbers by (lifecycle nextBatch), from the
    // last window it published; every earlier batch is committed (checked above), so both must agree.
    // With the report table (SPEC §4b) the rule takes the report end too, and the ledger's position has the
    // report snapshot the last batch ended at (null before any, or for a batch of the previous release).
    const position = ledgerPosition(earlier);
    const expected = withReport
      ? nextBatch(position, event.sourceEndSnapshotId, event.reportEndSnapshotId)
      : nextBatch(position, event.sourceEndSnapshotId);
    const continues =
      expected !== null &&
      expected.batchId === event.batchId &&
      expected.sourceStartSnapshotId === event.sourceStartSnapshotId &&
      (!withReport ||
        (expected.reportStartSnapshotId === event.reportStartSnapshotId &&
          expected.reportEndSnapshotId === event.reportEndSnapshotId));
    if (!continues) {
      const reportPosition = withReport
        ? ` and report-date snapshot ${position?.reportEndSnapshotId ?? '(beginning)'}`
        : '';
      throw new WindowMismatchError(
        `the event's batch is ${describeBatch(event)}, ` +
          `but the ledger's last batch ${position?.batchId ?? '(none)'} ended at source ` +
          `snapshot ${position?.sourceEndSnapshotId ?? '(beginning)'}${reportPosition}, ` +
          `so the next batch is ${expected ? describeBatch(expected) : `one after snapshot ${event.sourceEndSnapshotId}`}; ` +
          `expected the event to continue the ledger`,
      );
    }
    return null;
  }

  /**
   * Whether the batch has a report range to classify (SPEC §4b): the pipeline's config has the report-date
   * table. An event with a report range for a pipeline without one is refused: classify would drop its rows.
   */
  private withReport(pipeline: SummaryPipeline, event: WatermarkAdvanced): boolean {
    if (pipeline.config.reportDates) return true;
    if ((event.reportStartSnapshotId ?? null) !== null || (event.reportEndSnapshotId ?? null) !== null) {
      throw new WindowMismatchError(
        `the event's batch is ${describeBatch(event)}, ` +
          `but this pipeline's config has no report-date table (hist_rpt_dt_table): ` +
          `the watcher and the classifier run different configs`,
      );
    }
    return false;
  }

  private classify(pipeline: SummaryPipeline, event: WatermarkAdvanced): Promise<BatchCounts> {
    if (!pipeline.config.reportDates)
      return pipeline.classify(event.batchId, event.sourceStartSnapshotId, event.sourceEndSnapshotId);
    return pipeline.classify(
      event.batchId,
      event.sourceStartSnapshotId,
      event.sourceEndSnapshotId,
      event.reportStartSnapshotId,
      event.reportEndSnapshotId,
    );
  }

  /**
   * The batch's CaseBatchPlanned events (lifecycle planEvents); each carries the batch's counts: input rows,
   * rejects and SPEC §4b's report counts (null without the report table), from the classify job just run or,
   * for a batch already classified, from its ledger row.
   */
  plan(event: WatermarkAdvanced, counts: BatchCounts): CaseBatchPlanned[] {
    return planEvents(event.sourceTable, event.batchId, counts, event.watermark);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.engine.close();
  }
}
