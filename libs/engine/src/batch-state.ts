import { COUNTS, CaseRange, PLAN } from '@app/compiler';
import { CASE_ORDER, CaseName } from '@app/domain';
import { BatchPosition, isBatchId, parseBatchId } from '@app/lifecycle';
import { JsonRow } from '@app/runner-client';

/** Counts the classify job collected for one batch. */
export interface BatchCounts {
  inputRows: number;
  watermark: string | null;
  rejects: Record<string, number>;
  cases: Record<CaseName, CaseRange & { months: Record<string, number> }>;
  /** SPEC §4a: the batch's delete rows (after the in-batch dedupe) per case; all 0 with soft delete off. */
  deletes: Record<CaseName, number>;
  /** SPEC §4b: report rows read and rejected, unmatched (waiting), new vetoes and re-resolved cells; null without the report table. */
  report?: ReportBatchCounts | null;
}

export interface ReportBatchCounts {
  read: number;
  rejected: number;
  unmatched: number;
  vetoes: number;
  reresolved: number;
}

/** Turns the classify job's `counts` rows into per-case ranges: {kind: 'case', name, month, n}, and {kind: 'delete', name, month, n}. */
export function parseCounts(rows: JsonRow[]): BatchCounts {
  const empty = (): CaseRange & { months: Record<string, number> } => ({
    minMonth: '',
    maxMonth: '',
    rows: 0,
    months: {},
  });
  const counts: BatchCounts = {
    inputRows: 0,
    watermark: null,
    rejects: {},
    cases: { CASE_III: empty(), CASE_I: empty(), CASE_II: empty() },
    deletes: { CASE_III: 0, CASE_I: 0, CASE_II: 0 },
    report: null,
  };
  for (const r of rows) {
    const n = Number(r.n);
    if (r.kind === 'input') {
      counts.inputRows = n;
      counts.watermark = (r.watermark as string | null) ?? null;
    } else if (r.kind === 'reject') counts.rejects[String(r.name)] = n;
    else if (r.kind === 'report') {
      counts.report ??= { read: 0, rejected: 0, unmatched: 0, vetoes: 0, reresolved: 0 };
      const name = String(r.name) as keyof ReportBatchCounts;
      if (name in counts.report) counts.report[name] = n;
    } else if (r.kind === 'delete' && CASE_ORDER.includes(r.name as CaseName)) counts.deletes[r.name as CaseName] += n;
    else if (r.kind === 'case' && CASE_ORDER.includes(r.name as CaseName)) {
      const c = counts.cases[r.name as CaseName];
      const month = String(r.month);
      c.rows += n;
      c.months[month] = n;
      if (!c.minMonth || month < c.minMonth) c.minMonth = month;
      if (!c.maxMonth || month > c.maxMonth) c.maxMonth = month;
    }
  }
  return counts;
}

/** Newest ledger row per (batch, step). */
export interface LedgerEntry {
  batchId: string;
  step: string;
  status: 'started' | 'committed' | 'failed';
  result: { collected?: Record<string, JsonRow[]> } | null;
  recordedAt: string;
}

export interface BatchState {
  batchId: string;
  seq: number;
  classify: LedgerEntry;
  steps: Map<string, LedgerEntry>;
}

/** Groups the ledger into batches, oldest first. */
export function batchesFromLedger(entries: LedgerEntry[]): BatchState[] {
  const byBatch = new Map<string, BatchState>();
  for (const e of entries) {
    if (!isBatchId(e.batchId)) continue; // ledger rows of loads and maintenance
    const state = byBatch.get(e.batchId) ?? {
      batchId: e.batchId,
      seq: parseBatchId(e.batchId),
      classify: undefined as unknown as LedgerEntry,
      steps: new Map(),
    };
    if (e.step === 'classify') state.classify = e;
    else state.steps.set(e.step, e);
    byBatch.set(e.batchId, state);
  }
  return [...byBatch.values()].filter((b) => b.classify).sort((a, b) => a.seq - b.seq);
}

/** Every case with rows has committed (a case without rows never runs). */
export function batchFinished(batch: BatchState): boolean {
  const counts = parseCounts(batch.classify.result?.collected?.[COUNTS] ?? []);
  return CASE_ORDER.every((c) => counts.cases[c].rows === 0 || batch.steps.get(c)?.status === 'committed');
}

/**
 * Where the ledger's batches stand: the last batch whose classify committed, and the source snapshot its
 * window ended at. The next batch (lifecycle nextBatch) reads the snapshots after it (an Iceberg
 * incremental append scan from it), so that snapshot must outlive any expiry. Null before the first batch.
 */
export function ledgerPosition(batches: BatchState[]): BatchPosition | null {
  const committed = batches.filter((b) => b.classify.status === 'committed');
  const last = committed[committed.length - 1];
  const plan = last?.classify.result?.collected?.[PLAN]?.[0];
  if (!plan) return null;
  const report = plan.report_end_snapshot_id;
  return {
    batchId: last.batchId,
    sourceEndSnapshotId: String(plan.source_end_snapshot_id),
    reportEndSnapshotId: report === undefined || report === null ? null : String(report),
  };
}

/** The source snapshot the ledger's last committed classify ended at (ledgerPosition); null before the first. */
export function classifiedUpTo(batches: BatchState[]): string | null {
  return ledgerPosition(batches)?.sourceEndSnapshotId ?? null;
}
