import { AuditEvent } from '@app/compiler';
import { DecodedEvent } from '@app/contracts';

const TYPES = {
  'watermark-advanced': 'WatermarkAdvanced',
  'case-batch-planned': 'CaseBatchPlanned',
  'job-state-changed': 'JobStateChanged',
  'batch-completed': 'BatchCompleted',
} as const;

const ts = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/**
 * One audit table row per event (columns of `<summary>_audit`, SPEC §1); fields without a column go to
 * `details` as JSON. Example: JobStateChanged{state SUCCEEDED, rowsWritten 42} → status SUCCEEDED, rows 42.
 */
export function auditRow({ event, value }: Pick<DecodedEvent, 'event' | 'value'>): AuditEvent {
  const base = { eventId: value.eventId, eventType: TYPES[event], batchId: value.batchId, occurredAt: ts(value.occurredAt) };
  switch (event) {
    case 'watermark-advanced': {
      const v = value as Extract<DecodedEvent, { event: 'watermark-advanced' }>['value'];
      return { ...base, case: null, status: 'ADVANCED', attempt: null, durationMs: null, rows: null, watermark: v.watermark, details: { sourceTable: v.sourceTable, sourceStartSnapshotId: v.sourceStartSnapshotId, sourceEndSnapshotId: v.sourceEndSnapshotId } };
    }
    case 'case-batch-planned': {
      const v = value as Extract<DecodedEvent, { event: 'case-batch-planned' }>['value'];
      return { ...base, case: v.case, status: v.skipped ? 'SKIPPED' : 'PLANNED', attempt: null, durationMs: null, rows: v.rows, watermark: v.watermark, details: { sequence: v.sequence, minMonth: v.minMonth, maxMonth: v.maxMonth, inputRows: v.inputRows, rejects: v.rejects, deletes: v.deletes } };
    }
    case 'job-state-changed': {
      const v = value as Extract<DecodedEvent, { event: 'job-state-changed' }>['value'];
      return { ...base, case: v.case, status: v.state, attempt: v.attempt, durationMs: v.durationMs, rows: v.rowsWritten, watermark: null, details: { engine: v.engine, jobRunId: v.jobRunId, error: v.error } };
    }
    case 'batch-completed': {
      const v = value as Extract<DecodedEvent, { event: 'batch-completed' }>['value'];
      return { ...base, case: null, status: v.status, attempt: null, durationMs: v.durationMs, rows: Object.values(v.cases).reduce((a, b) => a + (b ?? 0), 0), watermark: null, details: { cases: v.cases, deleted: v.deleted, restored: v.restored } };
    }
  }
}
