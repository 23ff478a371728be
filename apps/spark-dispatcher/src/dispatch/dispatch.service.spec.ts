import { EventPublisher, HoldPartitionError, Metrics } from '@app/common';
import { APPLIED } from '@app/compiler';
import { parseConfig } from '@app/config';
import { CaseBatchPlanned } from '@app/contracts';
import { JobResult } from '@app/runner-client';
import { JobLauncher, LaunchRequest, LaunchResult } from '@app/launcher';
import { ALT_CONFIG } from '@app/testing';
import { DispatchService } from './dispatch.service';

// The dispatcher's retries: a retriable failure is retried with a doubling delay capped at
// retryMaxBackoffMs, up to maxAttempts; then the batch stops (FAILED, and the partition is held).

const config = parseConfig(ALT_CONFIG, 'ALT_CONFIG');

/** Plays the given outcomes in order, one per attempt, and records when each attempt started. */
class ScriptedLauncher implements JobLauncher {
  readonly engine = 'local' as const;
  readonly attempts: Array<{ request: LaunchRequest; at: number }> = [];
  /** `applied`: a case's applied counts as its job collects them (none: the job collected nothing). */
  constructor(
    private readonly outcomes: Array<'ok' | 'retriable' | 'fatal'>,
    private readonly applied: Record<string, Record<string, number>> = {},
  ) {}
  async run(request: LaunchRequest): Promise<LaunchResult> {
    this.attempts.push({ request, at: Date.now() });
    const outcome = this.outcomes[this.attempts.length - 1] ?? 'ok';
    const applied = this.applied[request.step];
    const collected = applied ? { [APPLIED]: [applied] } : {};
    const base = { jobId: request.job.jobId, attempt: request.attempt, steps: [], collected, snapshots: {} };
    if (outcome === 'ok') return { result: { ...base, status: 'committed' } as unknown as JobResult, jobRunId: null };
    const error = {
      type: outcome === 'retriable' ? 'RuntimeIOException' : 'AnalysisException',
      message: 'catalog unreachable',
      retriable: outcome === 'retriable',
      step: 'merge summary',
    };
    return { result: { ...base, status: 'failed', error } as unknown as JobResult, jobRunId: null };
  }
  async close(): Promise<void> {}
}

function dispatcher(
  launcher: JobLauncher,
  options: { maxAttempts: number; retryBackoffMs: number; retryMaxBackoffMs?: number },
) {
  const published: Array<{ event: string; value: Record<string, unknown> }> = [];
  const publisher = {
    publish: async (event: string, value: Record<string, unknown>) => void published.push({ event, value }),
  } as unknown as EventPublisher;
  return {
    service: new DispatchService(launcher, { config, ...options }, publisher, new Metrics('spark-dispatcher')),
    published,
  };
}

const planned = (sequence: number, c: CaseBatchPlanned['case']): CaseBatchPlanned => ({
  eventId: `src:b-000001:${c}:planned`,
  batchId: 'b-000001',
  sequence,
  case: c,
  rows: 5,
  minMonth: '2024-01',
  maxMonth: '2024-03',
  skipped: false,
  inputRows: 5,
  rejects: {},
  watermark: null,
  deletes: 0,
  sourceTable: '',
  report: null,
  occurredAt: 0,
});

describe('DispatchService retries', () => {
  it('retries a retriable failure with doubling delays capped at the maximum, then runs the case once', async () => {
    const launcher = new ScriptedLauncher(['retriable', 'retriable', 'retriable', 'ok']);
    const { service, published } = dispatcher(launcher, { maxAttempts: 8, retryBackoffMs: 40, retryMaxBackoffMs: 100 });
    await service.onPlanned(planned(0, 'CASE_III'));
    expect(launcher.attempts.map((a) => a.request.attempt)).toEqual([1, 2, 3, 4]);
    const gaps = launcher.attempts.slice(1).map((a, i) => a.at - launcher.attempts[i].at);
    expect(gaps[0]).toBeGreaterThanOrEqual(38);
    expect(gaps[1]).toBeGreaterThanOrEqual(78);
    expect(gaps[2]).toBeGreaterThanOrEqual(98); // 160 ms doubled, capped at 100
    expect(gaps[2]).toBeLessThan(160);
    expect(published.map((p) => `${p.value.state}:${p.value.attempt}`)).toEqual([
      'FAILED:1',
      'FAILED:2',
      'FAILED:3',
      'SUCCEEDED:4',
    ]);
  });

  it('stops the batch after maxAttempts retriable failures: BatchCompleted FAILED and the partition held', async () => {
    const launcher = new ScriptedLauncher(['retriable', 'retriable', 'retriable']);
    const { service, published } = dispatcher(launcher, { maxAttempts: 3, retryBackoffMs: 1 });
    await expect(service.onPlanned(planned(0, 'CASE_III'))).rejects.toThrow(HoldPartitionError);
    expect(launcher.attempts).toHaveLength(3);
    expect(published.filter((p) => p.event === 'batch-completed').map((p) => p.value.status)).toEqual(['FAILED']);
    // Nothing later runs: the next case of the batch is held, not launched.
    await expect(service.onPlanned(planned(1, 'CASE_I'))).rejects.toThrow(/stopped after a failed case/);
    expect(launcher.attempts).toHaveLength(3);
  });

  it("holds a plan of another pipeline (its source table) without running it, and builds ids from the plan's source table", async () => {
    const launcher = new ScriptedLauncher(['ok']);
    const { service, published } = dispatcher(launcher, { maxAttempts: 1, retryBackoffMs: 1 });
    await expect(service.onPlanned({ ...planned(0, 'CASE_III'), sourceTable: 'other.raw.src' })).rejects.toThrow(
      /planned for source table other\.raw\.src, this dispatcher runs local\.raw_alt\./,
    );
    expect(launcher.attempts).toHaveLength(0);
    await service.onPlanned({ ...planned(0, 'CASE_III'), sourceTable: config.sourceTable.plain });
    expect(published.map((p) => p.value.eventId)).toEqual([
      `${config.sourceTable.plain}:b-000001:CASE_III:SUCCEEDED:1`,
    ]);
  });

  it("a plan delivered twice runs its case once; a plan of the previous schema version (no source table) runs as its own pipeline's", async () => {
    const launcher = new ScriptedLauncher(['ok', 'ok']);
    const { service, published } = dispatcher(launcher, { maxAttempts: 1, retryBackoffMs: 1 });
    const old = { ...planned(0, 'CASE_III'), sourceTable: '' }; // v2 decoded with the v3 schema: the default
    await service.onPlanned(old);
    await service.onPlanned(old);
    expect(launcher.attempts).toHaveLength(1);
    expect(published.map((p) => p.value.eventId)).toEqual([
      `${config.sourceTable.plain}:b-000001:CASE_III:SUCCEEDED:1`,
    ]);
  });

  it('BatchCompleted carries the report counts (SPEC §4b) and the watermark its plans carry; null from plans without them', async () => {
    const report = { read: 8, rejected: 1, unmatched: 2, vetoes: 1, reresolved: 3 };
    const launcher = new ScriptedLauncher([]);
    const { service, published } = dispatcher(launcher, { maxAttempts: 1, retryBackoffMs: 1 });
    const plans = (['CASE_III', 'CASE_I', 'CASE_II'] as const).map((c, i) => ({
      ...planned(i, c),
      watermark: '2025-03-01 00:00:00',
      report,
    }));
    for (const plan of plans) await service.onPlanned(plan);
    const completed = published.filter((p) => p.event === 'batch-completed').map((p) => p.value);
    expect(completed).toEqual([
      expect.objectContaining({ status: 'COMPLETED', watermark: '2025-03-01 00:00:00', report }),
    ]);
    // A plan of v3 (decoded with v4: report null) or of a pipeline without the report table: null, audited as before.
    for (const plan of plans)
      await service.onPlanned({
        ...plan,
        eventId: plan.eventId.replace('b-000001', 'b-000002'),
        batchId: 'b-000002',
        report: null,
      });
    expect(published.filter((p) => p.event === 'batch-completed').map((p) => p.value.report)).toEqual([report, null]);
  });

  it('a batch that fails carries its report counts in BatchCompleted FAILED too', async () => {
    const report = { read: 3, rejected: 0, unmatched: 0, vetoes: 0, reresolved: 1 };
    const { service, published } = dispatcher(new ScriptedLauncher(['fatal']), { maxAttempts: 1, retryBackoffMs: 1 });
    await expect(service.onPlanned({ ...planned(0, 'CASE_III'), report })).rejects.toThrow(HoldPartitionError);
    expect(published.filter((p) => p.event === 'batch-completed').map((p) => [p.value.status, p.value.report])).toEqual(
      [['FAILED', report]],
    );
  });

  it("BatchCompleted adds up what the batch's cases wrote, deleted and restored (their applied counts); a skipped case adds nothing", async () => {
    const launcher = new ScriptedLauncher([], {
      CASE_III: { applied: 3, stale: 1, written: 4, deleted: 2, restored: 0 },
      CASE_II: { applied: 2, stale: 0, written: 2, deleted: 0, restored: 1 },
    });
    const { service, published } = dispatcher(launcher, { maxAttempts: 1, retryBackoffMs: 1 });
    await service.onPlanned(planned(0, 'CASE_III'));
    await service.onPlanned({ ...planned(1, 'CASE_I'), rows: 0, skipped: true });
    await service.onPlanned(planned(2, 'CASE_II'));
    expect(published.map((p) => [p.event, p.value.case ?? p.value.status, p.value.rowsWritten])).toEqual([
      ['job-state-changed', 'CASE_III', 4],
      ['job-state-changed', 'CASE_I', null],
      ['job-state-changed', 'CASE_II', 2],
      ['batch-completed', 'COMPLETED', undefined],
    ]);
    expect(published[3].value).toMatchObject({ cases: { CASE_III: 4, CASE_II: 2 }, deleted: 2, restored: 1 });
    expect(Object.keys(published[3].value.cases as object)).toEqual(['CASE_III', 'CASE_II']);
  });

  it('a batch picked up mid-way (after a restart) adds up the cases run since; FAILED carries the cases before the failure', async () => {
    const launcher = new ScriptedLauncher(['ok', 'fatal'], {
      CASE_I: { applied: 5, stale: 0, written: 5, deleted: 1, restored: 2 },
    });
    const { service, published } = dispatcher(launcher, { maxAttempts: 1, retryBackoffMs: 1 });
    await service.onPlanned(planned(1, 'CASE_I'));
    await expect(service.onPlanned(planned(2, 'CASE_II'))).rejects.toThrow(HoldPartitionError);
    const completed = published.filter((p) => p.event === 'batch-completed').map((p) => p.value);
    expect(completed).toEqual([
      expect.objectContaining({ status: 'FAILED', cases: { CASE_I: 5 }, deleted: 1, restored: 2, watermark: null }),
    ]);
  });

  it('BatchCompleted takes its duration from the first case this dispatcher started of the batch', async () => {
    let clock = Date.UTC(2025, 5, 1);
    jest.spyOn(Date, 'now').mockImplementation(() => clock);
    const launcher = new ScriptedLauncher([]);
    const run = launcher.run.bind(launcher);
    launcher.run = async (request) => {
      clock += 1000;
      return run(request);
    };
    const { service, published } = dispatcher(launcher, { maxAttempts: 1, retryBackoffMs: 1 });
    try {
      await service.onPlanned({ ...planned(0, 'CASE_III'), rows: 0, skipped: true });
      clock += 500;
      await service.onPlanned(planned(1, 'CASE_I'));
      await service.onPlanned(planned(2, 'CASE_II'));
    } finally {
      jest.restoreAllMocks();
    }
    expect(published.map((p) => [p.value.state ?? p.value.status, p.value.durationMs])).toEqual([
      ['SKIPPED', null],
      ['SUCCEEDED', 1000],
      ['SUCCEEDED', 1000],
      ['COMPLETED', 2500],
    ]);
  });

  it('does not retry a failure that is not retriable', async () => {
    const launcher = new ScriptedLauncher(['fatal', 'ok']);
    const { service } = dispatcher(launcher, { maxAttempts: 8, retryBackoffMs: 1 });
    await expect(service.onPlanned(planned(0, 'CASE_III'))).rejects.toThrow(/not retriable/);
    expect(launcher.attempts).toHaveLength(1);
  });
});
