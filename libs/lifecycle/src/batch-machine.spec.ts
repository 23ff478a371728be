import { APPLIED } from '@app/compiler';
import { CASE_ORDER, CaseName } from '@app/domain';
import { CaseBatchPlanned } from '@app/contracts';
import { PlanCounts, planEvents } from './batch-events';
import { BatchEnd, BatchMachine, CaseJobResult, appliedCounts } from './batch-machine';

// The batch state machine both drivers share: the dispatcher (CaseBatchPlanned events one at a time, from Kafka:
// duplicates, out of order, after a restart) and the CLI's orchestrator (engine pipeline.ts: the plans of a batch
// it just classified, in order). Its order rules, what it counts of the jobs' results, and the same batch fed
// both ways ending the same.

const SOURCE = 'local.raw.src';

const planned = (batchId: string, c: CaseName, rows = 5): CaseBatchPlanned => ({
  eventId: `${batchId}:${c}`,
  batchId,
  sequence: CASE_ORDER.indexOf(c),
  case: c,
  rows,
  minMonth: rows ? '2024-01' : null,
  maxMonth: rows ? '2024-02' : null,
  skipped: rows === 0,
  inputRows: 10,
  rejects: {},
  watermark: null,
  deletes: 0,
  sourceTable: SOURCE,
  report: null,
  occurredAt: 0,
});

/** A committed case job's result with its applied counts, as the runner returns it. */
const committed = (applied: Record<string, unknown>, status: CaseJobResult['status'] = 'committed'): CaseJobResult => ({
  status,
  durationMs: 900,
  collected: { [APPLIED]: [applied] },
});
const OK = committed({ applied: 5, stale: 0, written: 5, deleted: 0, restored: 0 });

/** Feeds events through decide, started, succeeded or skipped, done (failed for those in `fail`); returns the actions. */
function run(machine: BatchMachine, events: CaseBatchPlanned[], fail: string[] = []): string[] {
  return events.map((e) => {
    const d = machine.decide(e);
    if (d.action === 'run' || d.action === 'skip') {
      machine.started(e, 0);
      if (fail.includes(e.eventId)) {
        machine.failed(e, 0);
        return `${e.batchId}:${e.case}:failed`;
      }
      if (d.action === 'skip') machine.skipped(e);
      else machine.succeeded(e, OK);
      machine.done(e, 0);
    }
    return `${e.batchId}:${e.case}:${d.action}`;
  });
}

describe('BatchMachine: the order of cases and batches (SPEC §5)', () => {
  it('runs III, I, II of a batch in order and skips cases without rows', () => {
    const machine = new BatchMachine();
    expect(
      run(machine, [planned('b-000001', 'CASE_III'), planned('b-000001', 'CASE_I', 0), planned('b-000001', 'CASE_II')]),
    ).toEqual(['b-000001:CASE_III:run', 'b-000001:CASE_I:skip', 'b-000001:CASE_II:run']);
  });

  it('runs CASE_II without rows when it keeps the unbounded history of the batch (SPEC §4c), after a restart too', () => {
    const events = [
      planned('b-000001', 'CASE_III'),
      planned('b-000001', 'CASE_I', 0),
      planned('b-000001', 'CASE_II', 0),
    ];
    expect(run(new BatchMachine({ unboundedHistory: true }), events)).toEqual([
      'b-000001:CASE_III:run',
      'b-000001:CASE_I:skip',
      'b-000001:CASE_II:run',
    ]);
    expect(run(new BatchMachine({ unboundedHistory: true }), [events[2]])).toEqual(['b-000001:CASE_II:run']);
    expect(run(new BatchMachine(), events).at(-1)).toBe('b-000001:CASE_II:skip');
  });

  it('reports the last case of a batch', () => {
    const machine = new BatchMachine();
    expect(machine.done(planned('b-000001', 'CASE_III'), 0)).toBeNull();
    expect(machine.done(planned('b-000001', 'CASE_I'), 0)).toBeNull();
    expect(machine.done(planned('b-000001', 'CASE_II'), 0)).toMatchObject({ batchId: 'b-000001', status: 'COMPLETED' });
  });

  it('holds a case that arrives before an earlier case of its batch', () => {
    const machine = new BatchMachine();
    run(machine, [planned('b-000001', 'CASE_III')]);
    expect(machine.decide(planned('b-000001', 'CASE_II'))).toMatchObject({
      action: 'hold',
      reason: expect.stringContaining('before CASE_I'),
    });
  });

  it('treats a re-delivered case as a duplicate, never a second run', () => {
    const machine = new BatchMachine();
    run(machine, [planned('b-000001', 'CASE_III'), planned('b-000001', 'CASE_I')]);
    expect(machine.decide(planned('b-000001', 'CASE_III')).action).toBe('duplicate');
    expect(machine.decide(planned('b-000001', 'CASE_I')).action).toBe('duplicate');
  });

  it('stops the batch after a failed case: later cases and the next batch are held', () => {
    const machine = new BatchMachine();
    expect(
      run(machine, [planned('b-000001', 'CASE_III'), planned('b-000001', 'CASE_I')], ['b-000001:CASE_III']),
    ).toEqual(['b-000001:CASE_III:failed', 'b-000001:CASE_I:hold']);
    expect(machine.decide(planned('b-000002', 'CASE_III'))).toMatchObject({
      action: 'hold',
      reason: expect.stringContaining('b-000001 stopped'),
    });
  });

  it('keeps batches in order: n+1 only after n finished, no gaps', () => {
    const machine = new BatchMachine();
    run(machine, [planned('b-000001', 'CASE_III')]);
    expect(machine.decide(planned('b-000002', 'CASE_III'))).toMatchObject({
      action: 'hold',
      reason: expect.stringContaining('before batch b-000001 finished'),
    });
    run(machine, [planned('b-000001', 'CASE_I'), planned('b-000001', 'CASE_II')]);
    expect(machine.decide(planned('b-000003', 'CASE_III'))).toMatchObject({
      action: 'hold',
      reason: expect.stringContaining('expected b-000002'),
    });
    expect(machine.decide(planned('b-000002', 'CASE_III')).action).toBe('run');
    // A batch older than the newest one seen, after a restart forgot it: a redelivery, not work.
    const restarted = new BatchMachine();
    run(restarted, [planned('b-000005', 'CASE_III')]);
    expect(restarted.decide(planned('b-000004', 'CASE_III')).action).toBe('duplicate');
  });

  it.each(['b-000000', 'b-12', 'batch-1', ''])('holds an event whose batch id %j is not a batch id', (id) => {
    expect(new BatchMachine().decide(planned(id, 'CASE_III'))).toMatchObject({
      action: 'hold',
      reason: expect.stringContaining('is not b-<number>'),
    });
  });

  it('after a restart (empty state) continues mid-batch: earlier cases were committed', () => {
    expect(new BatchMachine().decide(planned('b-000007', 'CASE_I')).action).toBe('run');
  });

  it('holds an event whose sequence and case disagree', () => {
    expect(new BatchMachine().decide({ ...planned('b-000001', 'CASE_I'), sequence: 0 })).toMatchObject({
      action: 'hold',
    });
  });

  it('decides without changing anything: a case is done only when the driver says so', () => {
    const machine = new BatchMachine();
    const plan = planned('b-000001', 'CASE_III');
    expect([machine.decide(plan).action, machine.decide(plan).action]).toEqual(['run', 'run']);
    machine.started(plan, 0);
    machine.succeeded(plan, OK);
    // Its events not stated yet (a publish failed): the redelivery runs it again, and it counts once.
    expect(machine.decide(plan).action).toBe('run');
    machine.succeeded(plan, committed({ written: 5 }, 'already_committed'));
    machine.done(plan, 0);
    expect(machine.decide(plan).action).toBe('duplicate');
  });
});

describe("BatchMachine: a case job's result and the batch's totals", () => {
  it('decodes the applied counts a case job collects; a count it did not collect is 0', () => {
    expect(appliedCounts(committed({ applied: 3, stale: '1', written: '4', deleted: 2, restored: null }))).toEqual({
      applied: 3,
      stale: 1,
      written: 4,
      deleted: 2,
      restored: 0,
    });
    expect(appliedCounts({ collected: {} })).toEqual({ applied: 0, stale: 0, written: 0, deleted: 0, restored: 0 });
  });

  it("records a case's outcome: committed or already_committed, the plan's rows, the job's counts and run time", () => {
    const machine = new BatchMachine();
    const plan = planned('b-000001', 'CASE_III', 7);
    expect(machine.succeeded(plan, committed({ applied: 6, stale: 1, written: 9, deleted: 2, restored: 1 }))).toEqual({
      case: 'CASE_III',
      status: 'committed',
      rows: 7,
      applied: 6,
      stale: 1,
      written: 9,
      deleted: 2,
      restored: 1,
      durationMs: 900,
    });
    expect(machine.succeeded(plan, committed({}, 'already_committed')).status).toBe('already_committed');
    expect(() => machine.succeeded(plan, committed({}, 'failed'))).toThrow(/a failed job did not succeed/);
    expect(machine.skipped(planned('b-000001', 'CASE_I', 0))).toEqual({
      case: 'CASE_I',
      status: 'skipped',
      rows: 0,
      applied: 0,
      stale: 0,
      written: 0,
      deleted: 0,
      restored: 0,
      durationMs: 0,
    });
  });

  it("adds up the batch: rows written per case that ran, deleted, restored, the plans' watermark and report counts", () => {
    const report = { read: 8, rejected: 1, unmatched: 2, vetoes: 1, reresolved: 3 };
    const plans = (['CASE_III', 'CASE_I', 'CASE_II'] as const).map((c) => ({
      ...planned('b-000004', c, c === 'CASE_I' ? 0 : 5),
      watermark: '2025-03-01 00:00:00',
      report,
    }));
    const machine = new BatchMachine();
    machine.started(plans[0], 1000);
    machine.succeeded(plans[0], committed({ written: 4, deleted: 2, restored: 0 }));
    expect(machine.done(plans[0], 1900)).toBeNull();
    machine.started(plans[1], 1900);
    machine.skipped(plans[1]);
    expect(machine.done(plans[1], 1900)).toBeNull();
    machine.started(plans[2], 1900);
    machine.succeeded(plans[2], committed({ written: 2, deleted: 0, restored: 1 }));
    const end = machine.done(plans[2], 3500)!;
    expect(end).toMatchObject({ batchId: 'b-000004', status: 'COMPLETED', durationMs: 2500 });
    expect(end.totals).toEqual({
      cases: { CASE_III: 4, CASE_II: 2 },
      deleted: 2,
      restored: 1,
      watermark: '2025-03-01 00:00:00',
      report,
    });
    expect(end.cases.map((c) => `${c.case} ${c.status} ${c.written}`)).toEqual([
      'CASE_III committed 4',
      'CASE_I skipped 0',
      'CASE_II committed 2',
    ]);
  });

  it('ends a failed batch with the cases before the failure, the clock from its first case', () => {
    const machine = new BatchMachine();
    const [iii, i] = [planned('b-000002', 'CASE_III'), planned('b-000002', 'CASE_I')];
    machine.started(iii, 100);
    machine.succeeded(iii, committed({ written: 3, deleted: 1, restored: 1 }));
    machine.done(iii, 200);
    machine.started(i, 200);
    const end = machine.failed(i, 700);
    expect(end).toEqual({
      batchId: 'b-000002',
      status: 'FAILED',
      durationMs: 600,
      totals: { cases: { CASE_III: 3 }, deleted: 1, restored: 1, watermark: null, report: null },
      cases: [expect.objectContaining({ case: 'CASE_III', written: 3 })],
    });
  });
});

// The drivers' event sequences. A clock that moves only while a job runs, so both drivers see the same durations.

type Script = Partial<Record<CaseName, CaseJobResult | 'fail'>>;

/**
 * The CLI's way (engine pipeline.ts runCases): a batch it just classified, planned from classify's counts, each
 * case in order; stops at a failed case. Returns the decisions and the batch's end.
 */
function cliBatch(machine: BatchMachine, batchId: string, counts: PlanCounts, script: Script, clock = { now: 0 }) {
  const decisions: string[] = [];
  let end: BatchEnd | null = null;
  for (const plan of planEvents(SOURCE, batchId, counts, null, 0)) {
    const decision = machine.decide(plan);
    decisions.push(decision.action);
    if (decision.action !== 'run' && decision.action !== 'skip') throw new Error(`${plan.case} ${decision.action}`);
    machine.started(plan, clock.now);
    if (decision.action === 'skip') machine.skipped(plan);
    else {
      const result = script[plan.case]!;
      clock.now += 1000;
      if (result === 'fail') return { decisions, end: machine.failed(plan, clock.now) };
      machine.succeeded(plan, result);
    }
    end = machine.done(plan, clock.now);
  }
  return { decisions, end };
}

/**
 * The dispatcher's way (apps/spark-dispatcher DispatchService.onPlanned): CaseBatchPlanned deliveries one at a
 * time, a held one delivered again later, a duplicate acknowledged. Returns each delivery's action and the ends.
 */
function dispatch(machine: BatchMachine, deliveries: CaseBatchPlanned[], script: Script, clock = { now: 0 }) {
  const actions: string[] = [];
  const ends: BatchEnd[] = [];
  for (const plan of deliveries) {
    const decision = machine.decide(plan);
    actions.push(`${plan.batchId} ${plan.case} ${decision.action}`);
    if (decision.action !== 'run' && decision.action !== 'skip') continue;
    machine.started(plan, clock.now);
    if (decision.action === 'skip') machine.skipped(plan);
    else {
      const result = script[plan.case]!;
      clock.now += 1000;
      if (result === 'fail') {
        ends.push(machine.failed(plan, clock.now));
        continue;
      }
      machine.succeeded(plan, result);
    }
    const end = machine.done(plan, clock.now);
    if (end) ends.push(end);
  }
  return { actions, ends };
}

const range = (rows: number) => ({ rows, minMonth: rows ? '2025-01' : '', maxMonth: rows ? '2025-02' : '' });
const COUNTS: PlanCounts = {
  inputRows: 14,
  watermark: '2025-02-28 00:00:00',
  rejects: { NULL_KEY: 1 },
  cases: { CASE_III: range(4), CASE_I: range(0), CASE_II: range(9) },
  deletes: { CASE_III: 2, CASE_I: 0, CASE_II: 0 },
  report: { read: 3, rejected: 0, unmatched: 1, vetoes: 1, reresolved: 2 },
};
const SCRIPT: Script = {
  CASE_III: committed({ applied: 4, stale: 0, written: 6, deleted: 2, restored: 0 }),
  CASE_II: committed({ applied: 8, stale: 1, written: 8, deleted: 0, restored: 1 }),
};

describe("BatchMachine driven by the CLI's events", () => {
  it('plans a batch from classify’s counts, runs its cases in order and ends it with its totals', () => {
    const { decisions, end } = cliBatch(new BatchMachine(), 'b-000001', COUNTS, SCRIPT);
    expect(decisions).toEqual(['run', 'skip', 'run']);
    expect(end).toMatchObject({ status: 'COMPLETED', durationMs: 2000 });
    expect(end!.totals).toEqual({
      cases: { CASE_III: 6, CASE_II: 8 },
      deleted: 2,
      restored: 1,
      watermark: '2025-02-28 00:00:00',
      report: COUNTS.report,
    });
    expect(end!.cases.map((c) => [c.case, c.status, c.rows, c.applied, c.stale, c.written])).toEqual([
      ['CASE_III', 'committed', 4, 4, 0, 6],
      ['CASE_I', 'skipped', 0, 0, 0, 0],
      ['CASE_II', 'committed', 9, 8, 1, 8],
    ]);
  });

  it('runs batch n+1 on the same machine after batch n; a failed case ends its batch FAILED', () => {
    const machine = new BatchMachine();
    expect(cliBatch(machine, 'b-000001', COUNTS, SCRIPT).end?.status).toBe('COMPLETED');
    const { decisions, end } = cliBatch(machine, 'b-000002', COUNTS, { ...SCRIPT, CASE_II: 'fail' });
    expect(decisions).toEqual(['run', 'skip', 'run']);
    expect(end).toMatchObject({ status: 'FAILED', totals: { cases: { CASE_III: 6 }, deleted: 2, restored: 0 } });
    // The CLI's next run starts a new machine: the failed batch is resumed from its first case.
    expect(cliBatch(new BatchMachine(), 'b-000002', COUNTS, SCRIPT).end?.status).toBe('COMPLETED');
  });
});

describe("BatchMachine driven by the dispatcher's events", () => {
  const [iii, i, ii] = planEvents(SOURCE, 'b-000001', COUNTS, null, 0);

  it('holds a case delivered early, acknowledges duplicates, and completes the batch once', () => {
    const { actions, ends } = dispatch(new BatchMachine(), [iii, ii, iii, i, ii, ii, i], SCRIPT);
    expect(actions).toEqual([
      'b-000001 CASE_III run',
      'b-000001 CASE_II hold',
      'b-000001 CASE_III duplicate',
      'b-000001 CASE_I skip',
      'b-000001 CASE_II run',
      'b-000001 CASE_II duplicate',
      'b-000001 CASE_I duplicate',
    ]);
    expect(ends.map((e) => [e.status, e.durationMs, e.totals.cases])).toEqual([
      ['COMPLETED', 2000, { CASE_III: 6, CASE_II: 8 }],
    ]);
  });

  it('after a failed case holds the rest of the batch and the next batch', () => {
    const next = planEvents(SOURCE, 'b-000002', COUNTS, null, 0);
    const { actions, ends } = dispatch(new BatchMachine(), [iii, i, ii, ii, next[0]], { ...SCRIPT, CASE_II: 'fail' });
    expect(actions).toEqual([
      'b-000001 CASE_III run',
      'b-000001 CASE_I skip',
      'b-000001 CASE_II run',
      'b-000001 CASE_II hold',
      'b-000002 CASE_III hold',
    ]);
    expect(ends).toEqual([
      expect.objectContaining({
        status: 'FAILED',
        totals: expect.objectContaining({ cases: { CASE_III: 6 }, deleted: 2, restored: 0 }),
      }),
    ]);
  });

  it('after a restart mid-batch counts the cases it ran since', () => {
    const { actions, ends } = dispatch(new BatchMachine(), [i, ii], SCRIPT);
    expect(actions).toEqual(['b-000001 CASE_I skip', 'b-000001 CASE_II run']);
    expect(ends.map((e) => e.totals)).toEqual([
      { cases: { CASE_II: 8 }, deleted: 0, restored: 1, watermark: COUNTS.watermark, report: COUNTS.report },
    ]);
  });
});

describe('BatchMachine: the same batch fed both ways ends the same', () => {
  it.each([
    ['completed', SCRIPT],
    ['failed at CASE_II', { ...SCRIPT, CASE_II: 'fail' } as Script],
    ['failed at CASE_III', { CASE_III: 'fail' } as Script],
  ])('%s', (_name, script) => {
    const cli = cliBatch(new BatchMachine(), 'b-000003', COUNTS, script).end;
    const [iii, i, ii] = planEvents(SOURCE, 'b-000003', COUNTS, null, 0);
    const { ends } = dispatch(new BatchMachine(), [iii, ii, iii, i, i, ii, ii], script);
    expect(ends).toEqual([cli]);
  });
});
