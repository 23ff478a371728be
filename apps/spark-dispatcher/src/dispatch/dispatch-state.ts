import { CASE_ORDER } from '@app/domain';
import { CaseBatchPlanned } from '@app/contracts';
import { isBatchId, nextBatchId, parseBatchId } from '@app/lifecycle';

export type Decision =
  { action: 'run' } | { action: 'skip' } | { action: 'duplicate'; reason: string } | { action: 'hold'; reason: string };

interface BatchProgress {
  seq: number;
  /** Sequence expected next (cases before it are done). */
  next: number;
  failed: boolean;
}

/**
 * The dispatcher's ordering rules (SPEC §5) as a pure state machine over CaseBatchPlanned events:
 * inside a batch III → I → II (sequence 0, 1, 2), batch n before n+1, nothing after a failed case.
 * It starts empty after a restart: whatever the consumer group committed before is done, because offsets
 * are committed in order and only after a case finished.
 *
 * Example: planned(b-1, seq 0) → run; done; planned(b-1, seq 2) → hold (seq 1 missing);
 * planned(b-1, seq 0) again → duplicate.
 */
export class DispatchState {
  private readonly batches = new Map<string, BatchProgress>();
  private latest?: { batchId: string; seq: number };

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
    return { action: event.skipped ? 'skip' : 'run' };
  }

  /** Records the case as done (committed or skipped); true when it was the batch's last case. */
  done(event: CaseBatchPlanned): boolean {
    const progress = this.track(event);
    progress.next = event.sequence + 1;
    return progress.next >= CASE_ORDER.length;
  }

  failed(event: CaseBatchPlanned): void {
    this.track(event).failed = true;
  }

  private track(event: CaseBatchPlanned): BatchProgress {
    let progress = this.batches.get(event.batchId);
    if (!progress) {
      progress = { seq: parseBatchId(event.batchId), next: event.sequence, failed: false };
      this.batches.set(event.batchId, progress);
      if (!this.latest || progress.seq > this.latest.seq) this.latest = { batchId: event.batchId, seq: progress.seq };
      for (const [id, p] of this.batches) if (p.seq < progress.seq - 10) this.batches.delete(id);
    }
    return progress;
  }
}
