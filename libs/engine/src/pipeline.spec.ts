import { APPLIED, AuditEvent, CompiledJob, COUNTS, PLAN } from '@app/compiler';
import { parseConfig } from '@app/config';
import { CaseName } from '@app/domain';
import { JobResult, JsonRow, RunnerClient } from '@app/runner-client';
import { ALT_CONFIG } from '@app/testing';
import { DEFAULT_MAINTENANCE } from './maintenance';
import { CaseOutcome, JobFailedError, SummaryPipeline } from './pipeline';

// The CLI's batch loop (runPending) on a runner kept in memory: what it prints, audits and returns for a batch,
// a failed case, a resumed batch and two batches in a row. The jobs themselves on real Spark are the engine's
// pipeline.*.int-spec.ts; here the loop around them, which the dispatcher's loop must match (lifecycle).

const config = parseConfig(ALT_CONFIG, 'ALT_CONFIG');
const REPORT = { read: 6, rejected: 1, unmatched: 2, vetoes: 1, reresolved: 3 };

/** What a case job reports: its applied counts, or a failure. */
type CaseScript =
  { applied: number; stale: number; written: number; deleted: number; restored: number; already?: boolean } | 'fail';

/**
 * A runner in memory: the ledger the jobs commit to, the source's snapshots (the next one on each look after
 * the first batch), classify's counts per batch and each case job's scripted outcome. The clock moves 1 s a job.
 */
class MemoryRunner {
  readonly ledger: JsonRow[] = [];
  readonly jobs: string[] = [];
  clock = Date.UTC(2025, 5, 1);
  constructor(
    readonly snapshots: string[],
    readonly counts: (batchId: string) => JsonRow[],
    readonly cases: Record<string, CaseScript>,
  ) {}

  async query(sql: string): Promise<JsonRow[]> {
    if (sql.includes('is_current_ancestor'))
      return [{ id: this.snapshots.length > 1 ? this.snapshots.shift()! : this.snapshots[0] }];
    if (sql.includes('row_number()')) return this.ledger;
    throw new Error(`unexpected query ${sql}`);
  }

  async runJob(job: CompiledJob): Promise<JobResult> {
    this.jobs.push(job.jobId);
    this.clock += 1000;
    const base = { jobId: job.jobId, attempt: 1, durationMs: 900, steps: [], snapshots: {} };
    const batchId = job.ledger?.batchId ?? '';
    if (job.kind === 'classify') {
      const start = job.params.sourceStartSnapshotId ?? null;
      const plan = { source_start_snapshot_id: start, source_end_snapshot_id: job.params.sourceEndSnapshotId };
      const collected = { [PLAN]: [plan], [COUNTS]: this.counts(batchId) };
      this.commit(batchId, 'classify', collected);
      return { ...base, status: 'committed', collected };
    }
    if (job.kind !== 'case') return { ...base, status: 'committed', collected: {} };
    const script = this.cases[job.jobId];
    if (script === 'fail')
      return {
        ...base,
        status: 'failed',
        collected: {},
        error: { type: 'AnalysisException', message: 'no such column', step: 'merge summary', retriable: false },
      };
    const { already, ...applied } = script;
    const collected = { [APPLIED]: [applied] };
    this.commit(batchId, job.ledger!.step, collected);
    return { ...base, status: already ? 'already_committed' : 'committed', collected };
  }

  commit(batchId: string, step: string, collected: Record<string, JsonRow[]>): void {
    const result = JSON.stringify({ collected });
    this.ledger.push({ batch_id: batchId, step, status: 'committed', result, recorded_at: String(this.clock) });
  }
}

const caseRows = (rows: Partial<Record<CaseName, number>>, month = '2025-03'): JsonRow[] =>
  Object.entries(rows).map(([name, n]) => ({ kind: 'case', name, month, n }));
const counts = (rows: Partial<Record<CaseName, number>>, deletes = 0, report = false): JsonRow[] => [
  { kind: 'input', name: 'rows', month: null, n: 12, watermark: '2025-03-31 00:00:00' },
  { kind: 'reject', name: 'NULL_KEY', month: null, n: 1 },
  ...caseRows(rows),
  ...(deletes ? [{ kind: 'delete', name: 'CASE_III', month: '2025-03', n: deletes }] : []),
  ...(report ? Object.entries(REPORT).map(([name, n]) => ({ kind: 'report', name, month: null, n })) : []),
];

function pipeline(runner: MemoryRunner) {
  const printed: string[] = [];
  const audited: AuditEvent[] = [];
  const p = new SummaryPipeline(config, runner as unknown as RunnerClient, (m) => printed.push(m), {
    ...DEFAULT_MAINTENANCE,
    enabled: false,
  });
  const audit = p.audit.bind(p);
  p.audit = async (events) => {
    audited.push(...events);
    return audit(events);
  };
  jest.spyOn(Date, 'now').mockImplementation(() => runner.clock);
  return { p, printed, audited };
}

/** An audit row in one line: type, case, status, attempt, rows, duration, watermark. */
const brief = (e: AuditEvent) =>
  [e.eventType, e.case ?? '-', e.status, e.attempt ?? '-', e.rows ?? '-', e.durationMs ?? '-', e.watermark ?? '-'].join(
    ' ',
  );

/** A case outcome in one line: case, status, rows, applied, stale, written, deleted, restored, duration. */
const line = (c: CaseOutcome) =>
  [c.case, c.status, c.rows, c.applied, c.stale, c.written, c.deleted, c.restored, c.durationMs].join(' ');
const completed = (audited: AuditEvent[]) =>
  audited.filter((e) => e.eventType === 'BatchCompleted').map((e) => [e.eventId, e.details]);
const SOURCE = config.sourceTable.plain;

afterEach(() => jest.restoreAllMocks());

describe('SummaryPipeline.runPending (the CLI’s batch loop)', () => {
  it('runs III, I, II in order, skips a case without rows, and prints, audits and returns its counts', async () => {
    const runner = new MemoryRunner(['7'], () => counts({ CASE_III: 2, CASE_II: 3 }, 1, true), {
      'b-000001-CASE_III': { applied: 2, stale: 0, written: 4, deleted: 1, restored: 0 },
      'b-000001-CASE_II': { applied: 3, stale: 1, written: 2, deleted: 0, restored: 2 },
    });
    const { p, printed, audited } = pipeline(runner);
    const outcomes = await p.runPending();

    expect(printed).toEqual([
      'batch b-000001: classifying source snapshots (beginning, 7]',
      'batch b-000001: 12 input row(s), 1 rejected (NULL_KEY 1); CASE_III 2, CASE_I 0, CASE_II 3; 1 delete(s); ' +
        'report rows: 6 read, 1 rejected, 2 unmatched, 1 veto(es), 3 re-resolved; watermark 2025-03-31 00:00:00',
      'batch b-000001: CASE_III running (2 row(s), months 2025-03..2025-03)',
      'batch b-000001: CASE_III committed in 0.9 s: 2 applied, 0 stale, 4 row(s) written, 1 deleted, 0 restored',
      'batch b-000001: CASE_I skipped (no rows)',
      'batch b-000001: CASE_II running (3 row(s), months 2025-03..2025-03)',
      'batch b-000001: CASE_II committed in 0.9 s: 3 applied, 1 stale, 2 row(s) written, 0 deleted, 2 restored',
      'nothing pending: every source snapshot is processed',
    ]);
    expect(audited.map(brief)).toEqual([
      'WatermarkAdvanced - ADVANCED - - - 2025-03-31 00:00:00',
      'CaseBatchPlanned CASE_III PLANNED - 2 - 2025-03-31 00:00:00',
      'CaseBatchPlanned CASE_I SKIPPED - 0 - 2025-03-31 00:00:00',
      'CaseBatchPlanned CASE_II PLANNED - 3 - 2025-03-31 00:00:00',
      'JobStateChanged CASE_III SUCCEEDED 1 4 900 -',
      'JobStateChanged CASE_I SKIPPED 1 - - -',
      'JobStateChanged CASE_II SUCCEEDED 1 2 900 -',
      'BatchCompleted - COMPLETED - 6 2000 2025-03-31 00:00:00',
    ]);
    expect(audited.map((e) => e.occurredAt).slice(-2)).toEqual(['2025-06-01 00:00:03', '2025-06-01 00:00:03']);
    expect(completed(audited)).toEqual([
      [
        `${SOURCE}:b-000001:batch-completed:COMPLETED`,
        { cases: { CASE_III: 4, CASE_II: 2 }, deleted: 1, restored: 2, report: REPORT },
      ],
    ]);
    expect(outcomes.map((o) => [o.batchId, o.durationMs, o.counts.report, o.maintenance])).toEqual([
      ['b-000001', 3000, REPORT, null],
    ]);
    expect(outcomes[0].cases.map(line)).toEqual([
      'CASE_III committed 2 2 0 4 1 0 900',
      'CASE_I skipped 0 0 0 0 0 0 0',
      'CASE_II committed 3 3 1 2 0 2 900',
    ]);
  });

  it('stops the batch at a failed case: audits the failure and BatchCompleted FAILED with the cases before it', async () => {
    const runner = new MemoryRunner(['7'], () => counts({ CASE_III: 2, CASE_I: 1, CASE_II: 3 }, 1), {
      'b-000001-CASE_III': { applied: 2, stale: 0, written: 4, deleted: 1, restored: 1 },
      'b-000001-CASE_I': { applied: 1, stale: 0, written: 1, deleted: 0, restored: 0 },
      'b-000001-CASE_II': 'fail',
    });
    const { p, printed, audited } = pipeline(runner);
    const failure = p.runPending();
    await expect(failure).rejects.toThrow(JobFailedError);
    await expect(failure).rejects.toThrow(
      'b-000001-CASE_II failed at step "merge summary": AnalysisException: no such column',
    );
    expect(printed.slice(2)).toEqual([
      'batch b-000001: CASE_III running (2 row(s), months 2025-03..2025-03)',
      'batch b-000001: CASE_III committed in 0.9 s: 2 applied, 0 stale, 4 row(s) written, 1 deleted, 1 restored',
      'batch b-000001: CASE_I running (1 row(s), months 2025-03..2025-03)',
      'batch b-000001: CASE_I committed in 0.9 s: 1 applied, 0 stale, 1 row(s) written',
      'batch b-000001: CASE_II running (3 row(s), months 2025-03..2025-03)',
    ]);
    expect(audited.map(brief).slice(4)).toEqual([
      'JobStateChanged CASE_III SUCCEEDED 1 4 900 -',
      'JobStateChanged CASE_I SUCCEEDED 1 1 900 -',
      'JobStateChanged CASE_II FAILED 1 - 900 -',
      'BatchCompleted - FAILED - 5 3000 2025-03-31 00:00:00',
    ]);
    expect(audited[6].details).toEqual({
      engine: 'local',
      jobRunId: null,
      error: 'AnalysisException at step "merge summary": no such column',
    });
    expect(completed(audited)).toEqual([
      [`${SOURCE}:b-000001:batch-completed:FAILED`, { cases: { CASE_III: 4, CASE_I: 1 }, deleted: 1, restored: 1 }],
    ]);
    expect(runner.jobs).toEqual([
      'b-000001-classify',
      'b-000001-CASE_III',
      'b-000001-CASE_I',
      'b-000001-CASE_II',
      `audit-${SOURCE}:b-000001:watermark-advanced`,
    ]);
  });

  it('resumes a batch whose classify committed: every case again, a committed one already_committed', async () => {
    const rows = { CASE_III: 2, CASE_I: 1 };
    const runner = new MemoryRunner(['7'], () => counts(rows), {
      'b-000001-CASE_III': { applied: 2, stale: 0, written: 3, deleted: 0, restored: 0, already: true },
      'b-000001-CASE_I': { applied: 1, stale: 0, written: 1, deleted: 0, restored: 0 },
    });
    const plan = { source_start_snapshot_id: null, source_end_snapshot_id: '7' };
    runner.commit('b-000001', 'classify', { [PLAN]: [plan], [COUNTS]: counts(rows) });
    runner.commit('b-000001', 'CASE_III', {});
    const { p, printed, audited } = pipeline(runner);
    const outcomes = await p.runPending();

    expect(printed).toEqual([
      'batch b-000001: resuming unfinished cases',
      'batch b-000001: CASE_III running (2 row(s), months 2025-03..2025-03)',
      'batch b-000001: CASE_III already_committed in 0.9 s: 2 applied, 0 stale, 3 row(s) written',
      'batch b-000001: CASE_I running (1 row(s), months 2025-03..2025-03)',
      'batch b-000001: CASE_I committed in 0.9 s: 1 applied, 0 stale, 1 row(s) written',
      'batch b-000001: CASE_II skipped (no rows)',
      'nothing pending: every source snapshot is processed',
    ]);
    expect(audited.map(brief).slice(4)).toEqual([
      'JobStateChanged CASE_III SUCCEEDED 1 3 900 -',
      'JobStateChanged CASE_I SUCCEEDED 1 1 900 -',
      'JobStateChanged CASE_II SKIPPED 1 - - -',
      'BatchCompleted - COMPLETED - 4 2000 2025-03-31 00:00:00',
    ]);
    expect(completed(audited)).toEqual([
      [`${SOURCE}:b-000001:batch-completed:COMPLETED`, { cases: { CASE_III: 3, CASE_I: 1 }, deleted: 0, restored: 0 }],
    ]);
    expect(outcomes[0].cases.map(line)).toEqual([
      'CASE_III already_committed 2 2 0 3 0 0 900',
      'CASE_I committed 1 1 0 1 0 0 900',
      'CASE_II skipped 0 0 0 0 0 0 0',
    ]);
  });

  it('runs batch n+1 after batch n in one run, each with its own totals', async () => {
    const runner = new MemoryRunner(
      ['7', '9'],
      (b) => (b === 'b-000001' ? counts({ CASE_I: 5 }) : counts({ CASE_III: 1, CASE_II: 2 })),
      {
        'b-000001-CASE_I': { applied: 5, stale: 0, written: 5, deleted: 0, restored: 0 },
        'b-000002-CASE_III': { applied: 1, stale: 0, written: 2, deleted: 0, restored: 0 },
        'b-000002-CASE_II': { applied: 2, stale: 0, written: 2, deleted: 0, restored: 0 },
      },
    );
    const { p, printed, audited } = pipeline(runner);
    const outcomes = await p.runPending();

    expect(printed.filter((m) => m.includes('classifying'))).toEqual([
      'batch b-000001: classifying source snapshots (beginning, 7]',
      'batch b-000002: classifying source snapshots (7, 9]',
    ]);
    expect(audited.filter((e) => e.eventType !== 'CaseBatchPlanned').map((e) => `${e.batchId} ${brief(e)}`)).toEqual([
      'b-000001 WatermarkAdvanced - ADVANCED - - - 2025-03-31 00:00:00',
      'b-000001 JobStateChanged CASE_III SKIPPED 1 - - -',
      'b-000001 JobStateChanged CASE_I SUCCEEDED 1 5 900 -',
      'b-000001 JobStateChanged CASE_II SKIPPED 1 - - -',
      'b-000001 BatchCompleted - COMPLETED - 5 1000 2025-03-31 00:00:00',
      'b-000002 WatermarkAdvanced - ADVANCED - - - 2025-03-31 00:00:00',
      'b-000002 JobStateChanged CASE_III SUCCEEDED 1 2 900 -',
      'b-000002 JobStateChanged CASE_I SKIPPED 1 - - -',
      'b-000002 JobStateChanged CASE_II SUCCEEDED 1 2 900 -',
      'b-000002 BatchCompleted - COMPLETED - 4 2000 2025-03-31 00:00:00',
    ]);
    expect(completed(audited)).toEqual([
      [`${SOURCE}:b-000001:batch-completed:COMPLETED`, { cases: { CASE_I: 5 }, deleted: 0, restored: 0 }],
      [`${SOURCE}:b-000002:batch-completed:COMPLETED`, { cases: { CASE_III: 2, CASE_II: 2 }, deleted: 0, restored: 0 }],
    ]);
    expect(outcomes.map((o) => [o.batchId, o.sourceStartSnapshotId, o.sourceEndSnapshotId, o.durationMs])).toEqual([
      ['b-000001', null, '7', 2000],
      ['b-000002', '7', '9', 3000],
    ]);
  });
});
