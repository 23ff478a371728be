import { AuditEvent, CaseRange } from '@app/compiler';
import { CASE_ORDER, CaseName } from '@app/domain';
import {
  BatchCompleted,
  BatchStatus,
  CaseBatchPlanned,
  DecodedEvent,
  JobState,
  JobStateChanged,
  ReportCounts,
  WatermarkAdvanced,
} from '@app/contracts';

/**
 * The facts of a batch's life as events, built once for whoever states them: the watcher, the classifier
 * and the dispatcher publish them; the CLI's orchestrator, which runs a batch without Kafka, builds the same
 * events and audits them through the same `auditRow`. One fact has one event id whoever states it, so the
 * auditor's MERGE by id keeps it once, and the CLI's audit rows read like the services'.
 */

/** What a plan needs of the classify job's counts (engine's BatchCounts has it). */
export interface PlanCounts {
  inputRows: number;
  watermark: string | null;
  rejects: Record<string, number>;
  cases: Record<CaseName, CaseRange>;
  /** Delete rows (SPEC §4a) among each case's rows. */
  deletes: Record<CaseName, number>;
  /** SPEC §4b's counts of the batch's report-date rows; null or absent without the report table. */
  report?: ReportCounts | null;
}

/** One fact, one id: `<source table>:<batch id>:…`. */
export const eventIds = {
  watermark: (source: string, batchId: string) => `${source}:${batchId}:watermark-advanced`,
  planned: (source: string, batchId: string, c: CaseName) => `${source}:${batchId}:${c}:planned`,
  jobState: (source: string, batchId: string, c: CaseName, state: JobState, attempt: number) =>
    `${source}:${batchId}:${c}:${state}:${attempt}`,
  completed: (source: string, batchId: string, status: BatchStatus) => `${source}:${batchId}:batch-completed:${status}`,
};

/** A batch's window as its WatermarkAdvanced states it; `reportStart`/`reportEnd` (SPEC §4b) only with the report table. */
export interface WatermarkWindow {
  start: string | null;
  end: string;
  watermark: string | null;
  reportStart?: string | null;
  reportEnd?: string | null;
}

/** Example: ('s', 'b-000004', {start '7', end '7', watermark null, reportStart '3', reportEnd '5'}) → a batch of report rows alone. */
export function watermarkEvent(
  source: string,
  batchId: string,
  window: WatermarkWindow,
  now = Date.now(),
): WatermarkAdvanced {
  return {
    eventId: eventIds.watermark(source, batchId),
    batchId,
    sourceTable: source,
    sourceStartSnapshotId: window.start,
    sourceEndSnapshotId: window.end,
    watermark: window.watermark,
    reportStartSnapshotId: window.reportStart ?? null,
    reportEndSnapshotId: window.reportEnd ?? null,
    occurredAt: now,
  };
}

/**
 * One CaseBatchPlanned per case in run order III, I, II; a case without rows is planned as skipped. The
 * watermark is the one classify computed from the rows it read; `fallbackWatermark` (the watcher's, from the
 * snapshot property) only when classify had none. The batch's counts (input rows, rejects, SPEC §4b's report
 * counts) are the same on each of its events.
 */
export function planEvents(
  source: string,
  batchId: string,
  counts: PlanCounts,
  fallbackWatermark: string | null = null,
  now = Date.now(),
): CaseBatchPlanned[] {
  return CASE_ORDER.map((c, sequence) => {
    const range = counts.cases[c];
    return {
      eventId: eventIds.planned(source, batchId, c),
      batchId,
      sequence,
      case: c,
      rows: range.rows,
      minMonth: range.rows ? range.minMonth : null,
      maxMonth: range.rows ? range.maxMonth : null,
      skipped: range.rows === 0,
      inputRows: counts.inputRows,
      rejects: counts.rejects,
      watermark: counts.watermark ?? fallbackWatermark,
      deletes: counts.deletes[c],
      sourceTable: source,
      report: counts.report ?? null,
      occurredAt: now,
    };
  });
}

export function jobStateEvent(
  source: string,
  planned: Pick<CaseBatchPlanned, 'batchId' | 'case'>,
  state: JobState,
  attempt: number,
  engine: string,
  extra: Partial<Pick<JobStateChanged, 'durationMs' | 'rowsWritten' | 'error' | 'jobRunId'>> = {},
  now = Date.now(),
): JobStateChanged {
  return {
    eventId: eventIds.jobState(source, planned.batchId, planned.case, state, attempt),
    batchId: planned.batchId,
    case: planned.case,
    state,
    attempt,
    durationMs: null,
    rowsWritten: null,
    error: null,
    engine,
    jobRunId: null,
    occurredAt: now,
    ...extra,
  };
}

/** A failed job's error as JobStateChanged carries it: `Type at step "name": message`. */
export function jobErrorText(
  error: { type?: string; step?: string | null; message?: string } | null | undefined,
): string {
  return `${error?.type ?? 'Error'} at step "${error?.step ?? '?'}": ${error?.message ?? 'unknown'}`;
}

/**
 * What a batch did: rows written per case that ran, months deleted and restored (SPEC §4a), its watermark
 * and its report-date counts (SPEC §4b; null without the report table), the last two as its plan carries them.
 */
export interface BatchTotals {
  cases: BatchCompleted['cases'];
  deleted: number;
  restored: number;
  watermark: string | null;
  report: ReportCounts | null;
}

export function completedEvent(
  source: string,
  batchId: string,
  status: BatchStatus,
  durationMs: number,
  totals: BatchTotals,
  now = Date.now(),
): BatchCompleted {
  return {
    eventId: eventIds.completed(source, batchId, status),
    batchId,
    status,
    durationMs,
    ...totals,
    sourceTable: source,
    occurredAt: now,
  };
}

const AUDIT_TYPES = {
  'watermark-advanced': 'WatermarkAdvanced',
  'case-batch-planned': 'CaseBatchPlanned',
  'job-state-changed': 'JobStateChanged',
  'batch-completed': 'BatchCompleted',
} as const;

/** The audit vocabulary: `event_type` values and the `status` each event type has. */
export type AuditType = (typeof AUDIT_TYPES)[keyof typeof AUDIT_TYPES];

const ts = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/**
 * One audit table row per event (columns of `<summary>_audit`, SPEC §1); fields without a column go to
 * `details` as JSON. Statuses: WatermarkAdvanced ADVANCED; CaseBatchPlanned PLANNED or SKIPPED;
 * JobStateChanged its state (SUBMITTED, RUNNING, SUCCEEDED, FAILED, SKIPPED); BatchCompleted COMPLETED or
 * FAILED. Example: JobStateChanged{state SUCCEEDED, rowsWritten 42} → status SUCCEEDED, rows 42.
 */
export function auditRow({ event, value }: Pick<DecodedEvent, 'event' | 'value'>): AuditEvent {
  const base = {
    eventId: value.eventId,
    eventType: AUDIT_TYPES[event],
    batchId: value.batchId,
    occurredAt: ts(value.occurredAt),
  };
  switch (event) {
    case 'watermark-advanced': {
      const v = value as WatermarkAdvanced;
      // SPEC §4b: the report range only when the batch has one, so the audit without the report table is as before.
      const report =
        v.reportStartSnapshotId === null && v.reportEndSnapshotId === null
          ? {}
          : { reportStartSnapshotId: v.reportStartSnapshotId, reportEndSnapshotId: v.reportEndSnapshotId };
      return {
        ...base,
        case: null,
        status: 'ADVANCED',
        attempt: null,
        durationMs: null,
        rows: null,
        watermark: v.watermark,
        details: {
          sourceTable: v.sourceTable,
          sourceStartSnapshotId: v.sourceStartSnapshotId,
          sourceEndSnapshotId: v.sourceEndSnapshotId,
          ...report,
        },
      };
    }
    case 'case-batch-planned': {
      const v = value as CaseBatchPlanned;
      return {
        ...base,
        case: v.case,
        status: v.skipped ? 'SKIPPED' : 'PLANNED',
        attempt: null,
        durationMs: null,
        rows: v.rows,
        watermark: v.watermark,
        details: {
          sequence: v.sequence,
          minMonth: v.minMonth,
          maxMonth: v.maxMonth,
          inputRows: v.inputRows,
          rejects: v.rejects,
          deletes: v.deletes,
        },
      };
    }
    case 'job-state-changed': {
      const v = value as JobStateChanged;
      return {
        ...base,
        case: v.case,
        status: v.state,
        attempt: v.attempt,
        durationMs: v.durationMs,
        rows: v.rowsWritten,
        watermark: null,
        details: { engine: v.engine, jobRunId: v.jobRunId, error: v.error },
      };
    }
    case 'batch-completed': {
      const v = value as BatchCompleted;
      // SPEC §4b: the report counts only when the batch has them, so the audit without the report table is as before.
      const report = v.report ? { report: v.report } : {};
      return {
        ...base,
        case: null,
        status: v.status,
        attempt: null,
        durationMs: v.durationMs,
        rows: Object.values(v.cases).reduce((a, b) => a + (b ?? 0), 0),
        watermark: v.watermark ?? null,
        details: { cases: v.cases, deleted: v.deleted, restored: v.restored, ...report },
      };
    }
  }
}
