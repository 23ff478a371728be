import { APPLIED } from '@app/compiler';
import { CASE_ORDER, CaseName } from '@app/domain';
import { BatchStatus, CaseBatchPlanned } from '@app/contracts';
import { BatchTotals } from './batch-events';
import { isBatchId, nextBatchId, parseBatchId } from './batch-id';

/**
 * One batch state machine for whoever drives a batch: the dispatcher (a CaseBatchPlanned at a time, from Kafka)
 * and the CLI's orchestrator (the plans of a batch it just classified, in order). Events in, decisions and totals
 * out, no I/O: the drivers run the jobs and state the events, the machine says what runs, what a job's result
 * counts, when a batch ends and what it did.
 *
 *   decide(plan)              run, skip, duplicate or hold (SPEC §5's order); changes nothing
 *   started(plan, now)        the driver acts on a run or skip: the batch's clock starts with its first case
 *   succeeded(plan, result)   the case's job committed: its applied counts decoded once, counted in the batch
 *   skipped(plan)             the case has no rows
 *   done(plan, now)           the case is done (its events stated); the batch's end when it was its last case
 *   failed(plan, now)         the case failed for good: the batch's end (FAILED); nothing after it runs
 */

export type Decision =
  { action: 'run' } | { action: 'skip' } | { action: 'duplicate'; reason: string } | { action: 'hold'; reason: string };

/** A case job's result as the runner returns it (runner-client's JobResult): its status, duration and collects. */
export interface CaseJobResult {
  status: 'committed' | 'already_committed' | 'failed';
  durationMs: number;
  collected: Record<string, ReadonlyArray<Record<string, unknown>>>;
}

/**
 * What a case job applied, its `applied` collect (compiler APPLIED): rows applied and stale (lost on base_ts),
 * rows written, and SPEC §4a's months deleted (delete rows that won) and restored (a deleted month's new winner).
 */
export interface AppliedCounts {
  applied: number;
  stale: number;
  written: number;
  deleted: number;
  restored: number;
}

/** Example: {collected: {applied: [{applied: 3, written: '2'}]}} → {applied 3, stale 0, written 2, deleted 0, restored 0}. */
export function appliedCounts(result: Pick<CaseJobResult, 'collected'>): AppliedCounts {
  const row = result.collected[APPLIED]?.[0] ?? {};
  const n = (k: keyof AppliedCounts) => Number(row[k] ?? 0);
  return {
    applied: n('applied'),
    stale: n('stale'),
    written: n('written'),
    deleted: n('deleted'),
    restored: n('restored'),
  };
}

/** One case of a batch as it ended: skipped (no rows) or committed (already, on a re-run), its rows and counts. */
export interface CaseOutcome extends AppliedCounts {
  case: CaseName;
  status: 'committed' | 'already_committed' | 'skipped';
  /** The rows the plan gave the case. */
  rows: number;
  /** The job's run time as the runner measured it; 0 for a skipped case. */
  durationMs: number;
}

/**
 * A batch that ended: COMPLETED after its last case, FAILED at the case that failed. `totals` are what
 * BatchCompleted carries; `cases` every case the machine saw of the batch, in run order.
 */
export interface BatchEnd {
  batchId: string;
  status: BatchStatus;
  /** From the first case started to the end. */
  durationMs: number;
  totals: BatchTotals;
  cases: CaseOutcome[];
}

interface BatchProgress {
  seq: number;
  /** Sequence expected next (cases before it are done). */
  next: number;
  failed: boolean;
  startedAt: number | null;
  /** Per case, so a case that runs again (a redelivery after its events failed) counts once. */
  outcomes: Map<CaseName, CaseOutcome>;
}

/**
 * The ordering rules (SPEC §5): inside a batch III → I → II (sequence 0, 1, 2), batch n before n+1, nothing
 * after a failed case. It starts empty after a restart: whatever the dispatcher's consumer group committed
 * before is done, because offsets are committed in order and only after a case finished; the CLI starts one
 * machine per run and feeds each batch from its first case.
 *
 * Example: planned(b-1, seq 0) → run; done; planned(b-1, seq 2) → hold (seq 1 missing);
 * planned(b-1, seq 0) again → duplicate.
 */
export class BatchMachine {
  private readonly batches = new Map<string, BatchProgress>();
  private latest?: { batchId: string; seq: number };

  /**
   * `unboundedHistory` (SPEC §4c on): a batch's last case (CASE_II) runs even without rows, because its job keeps
   * the unbounded history of the whole batch (compiler withUnboundedHistory); every other case without rows skips.
   */
  constructor(private readonly options: { unboundedHistory?: boolean } = {}) {}

  decide(event: CaseBatchPlanned): Decision {
    if (!isBatchId(event.batchId)) return { action: 'hold', reason: `batch id ${event.batchId} is not b-<number>` };
    const seq = parseBatchId(event.batchId);
    if (CASE_ORDER[event.sequence] !== event.case) {
      return {
        action: 'hold',
        reason: `sequence ${event.sequence} is ${CASE_ORDER[event.sequence] ?? 'no case'}, the event says ${event.case}`,
      };
    }
    const progress = this.batches.get(event.batchId);
    if (progress) {
      if (progress.failed) return { action: 'hold', reason: `batch ${event.batchId} stopped after a failed case` };
      if (event.sequence < progress.next)
        return { action: 'duplicate', reason: `${event.case} of ${event.batchId} already done` };
      if (event.sequence > progress.next)
        return {
          action: 'hold',
          reason: `${event.case} of ${event.batchId} arrived before ${CASE_ORDER[progress.next]}`,
        };
    } else if (this.latest) {
      const previous = this.batches.get(this.latest.batchId)!;
      if (seq < this.latest.seq)
        return { action: 'duplicate', reason: `batch ${event.batchId} is older than ${this.latest.batchId}` };
      if (previous.failed)
        return {
          action: 'hold',
          reason: `batch ${this.latest.batchId} stopped after a failed case; ${event.batchId} must wait`,
        };
      if (previous.next < CASE_ORDER.length)
        return {
          action: 'hold',
          reason: `batch ${event.batchId} arrived before batch ${this.latest.batchId} finished`,
        };
      if (seq !== this.latest.seq + 1)
        return {
          action: 'hold',
          reason: `batch ${event.batchId} follows ${this.latest.batchId}: expected ${nextBatchId(this.latest.batchId)}`,
        };
      if (event.sequence !== 0)
        return {
          action: 'hold',
          reason: `batch ${event.batchId} starts with ${event.case}, expected ${CASE_ORDER[0]}`,
        };
    }
    // First event after a (re)start: earlier sequences of this batch were committed before.
    const keepsUnbounded = this.options.unboundedHistory && event.sequence === CASE_ORDER.length - 1;
    return { action: event.skipped && !keepsUnbounded ? 'skip' : 'run' };
  }

  /** The driver runs (or skips) the case from `now` on; the batch's duration counts from its first case. */
  started(event: CaseBatchPlanned, now: number): void {
    const progress = this.track(event);
    progress.startedAt ??= now;
  }

  /** The case's job committed (or had committed before): its outcome, counted in the batch's totals. */
  succeeded(event: CaseBatchPlanned, result: CaseJobResult): CaseOutcome {
    if (result.status === 'failed') throw new Error(`${event.batchId} ${event.case}: a failed job did not succeed`);
    return this.record(event, {
      case: event.case,
      status: result.status,
      rows: event.rows,
      ...appliedCounts(result),
      durationMs: result.durationMs,
    });
  }

  /** The case has no rows: nothing ran, nothing counted. */
  skipped(event: CaseBatchPlanned): CaseOutcome {
    return this.record(event, {
      case: event.case,
      status: 'skipped',
      rows: 0,
      applied: 0,
      stale: 0,
      written: 0,
      deleted: 0,
      restored: 0,
      durationMs: 0,
    });
  }

  /** Records the case as done (committed or skipped); the batch's end (COMPLETED) when it was its last case. */
  done(event: CaseBatchPlanned, now: number): BatchEnd | null {
    const progress = this.track(event);
    progress.next = event.sequence + 1;
    return progress.next >= CASE_ORDER.length ? this.end(event, progress, 'COMPLETED', now) : null;
  }

  /** The case failed for good: the batch stops here (later cases and batches are held); its end (FAILED). */
  failed(event: CaseBatchPlanned, now: number): BatchEnd {
    const progress = this.track(event);
    progress.failed = true;
    return this.end(event, progress, 'FAILED', now);
  }

  private record(event: CaseBatchPlanned, outcome: CaseOutcome): CaseOutcome {
    this.track(event).outcomes.set(event.case, outcome);
    return outcome;
  }

  /**
   * What the batch did: rows written per case that ran, months deleted and restored, and what classify counted
   * of the batch (watermark, SPEC §4b's report counts), which each of its plans carries alike.
   */
  private end(event: CaseBatchPlanned, progress: BatchProgress, status: BatchStatus, now: number): BatchEnd {
    const cases = [...progress.outcomes.values()];
    const written: BatchTotals['cases'] = {};
    for (const c of cases) if (c.status !== 'skipped') written[c.case] = c.written;
    return {
      batchId: event.batchId,
      status,
      durationMs: now - (progress.startedAt ?? now),
      totals: {
        cases: written,
        deleted: cases.reduce((n, c) => n + c.deleted, 0),
        restored: cases.reduce((n, c) => n + c.restored, 0),
        watermark: event.watermark,
        report: event.report,
      },
      cases,
    };
  }

  private track(event: CaseBatchPlanned): BatchProgress {
    let progress = this.batches.get(event.batchId);
    if (!progress) {
      const seq = parseBatchId(event.batchId);
      progress = { seq, next: event.sequence, failed: false, startedAt: null, outcomes: new Map() };
      this.batches.set(event.batchId, progress);
      if (!this.latest || progress.seq > this.latest.seq) this.latest = { batchId: event.batchId, seq: progress.seq };
      for (const [id, p] of this.batches) if (p.seq < progress.seq - 10) this.batches.delete(id);
    }
    return progress;
  }
}
