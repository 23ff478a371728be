// Hand-written mirrors of contracts/<event>/v<current>.avsc; contracts.spec.ts checks the recorded
// fixtures against both. Longs are JS numbers (exact up to 2^53) and timestamp-millis stays epoch
// milliseconds: the codec does not turn on avsc's logical types.
import type { CaseName } from '@app/domain';

/** The Avro enum Case: SPEC §5's cases (libs/domain). */
export type Case = CaseName;
export type JobState = 'SUBMITTED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'SKIPPED';
export type BatchStatus = 'COMPLETED' | 'FAILED';

export interface WatermarkAdvanced {
  eventId: string;
  batchId: string;
  sourceTable: string;
  sourceStartSnapshotId: string | null;
  sourceEndSnapshotId: string;
  /** Max base_ts of the batch, 'YYYY-MM-DD HH:MM:SS'. */
  watermark: string | null;
  /**
   * v2: the report-date table's snapshots (start, end] the batch reads (SPEC §4b); both null without the
   * report table (and when written by v1), the end null while that table has no snapshot.
   */
  reportStartSnapshotId: string | null;
  reportEndSnapshotId: string | null;
  occurredAt: number;
}

/**
 * The Avro record ReportCounts: SPEC §4b's counts of a batch's report-date rows, as its classify job made them.
 * Example: a report row alone that vetoes the delete of a stored month → {read 1, rejected 0, unmatched 0, vetoes 1, reresolved 1}.
 */
export interface ReportCounts {
  /** Report-date rows read, rejected ones included. */
  read: number;
  /** Sent to rejects (REPORT_NULL_KEY, REPORT_NULL_DATE, REPORT_NULL_TIMESTAMP). */
  rejected: number;
  /** Valid rows whose (key, month) has no main-source row yet: they wait. */
  unmatched: number;
  /** Cells newly vetoed: the main winner is a delete row, the effective row is not. */
  vetoes: number;
  /** Cells whose main winner stayed and whose effective date or delete code changed. */
  reresolved: number;
}

export interface CaseBatchPlanned {
  eventId: string;
  batchId: string;
  sequence: number;
  case: Case;
  rows: number;
  minMonth: string | null;
  maxMonth: string | null;
  skipped: boolean;
  /** v2: the batch's input rows, rejects by reason and watermark (same on each case event of the batch). */
  inputRows: number;
  rejects: Record<string, number>;
  watermark: string | null;
  /** v3: delete rows (SPEC §4a) among this case's rows. */
  deletes: number;
  /** v3: the pipeline's source table, as WatermarkAdvanced names it ('' when written by v1/v2). */
  sourceTable: string;
  /** v4: the batch's report-date counts (same on each case event of the batch); null without the report table (and when written by v1–v3). */
  report: ReportCounts | null;
  occurredAt: number;
}

export interface JobStateChanged {
  eventId: string;
  batchId: string;
  case: Case;
  state: JobState;
  attempt: number;
  durationMs: number | null;
  rowsWritten: number | null;
  error: string | null;
  engine: string;
  jobRunId: string | null;
  occurredAt: number;
}

export interface BatchCompleted {
  eventId: string;
  batchId: string;
  status: BatchStatus;
  durationMs: number;
  cases: Partial<Record<Case, number>>;
  /** v2: months the batch deleted and restored (SPEC §4a). */
  deleted: number;
  restored: number;
  /** v2: the pipeline's source table ('' when written by v1) and the batch's watermark (classify's). */
  sourceTable: string;
  watermark: string | null;
  /** v3: the batch's report-date counts, as its plan carries them; null without the report table (and when written by v1/v2). */
  report: ReportCounts | null;
  occurredAt: number;
}

export interface EventPayloads {
  'watermark-advanced': WatermarkAdvanced;
  'case-batch-planned': CaseBatchPlanned;
  'job-state-changed': JobStateChanged;
  'batch-completed': BatchCompleted;
}

export type EventName = keyof EventPayloads;

export const EVENT_NAMES: readonly EventName[] = [
  'watermark-advanced',
  'case-batch-planned',
  'job-state-changed',
  'batch-completed',
];

/** What `EventCodec.decode` returns: narrowing on `event` types `value`. */
export type DecodedEvent = {
  [E in EventName]: { event: E; value: EventPayloads[E]; schemaId: number };
}[EventName];
