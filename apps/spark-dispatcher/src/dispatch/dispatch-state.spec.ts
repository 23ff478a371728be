import { CASE_ORDER, CaseName } from '@app/compiler';
import { CaseBatchPlanned } from '@app/contracts';
import { DispatchState } from './dispatch-state';

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
  sourceTable: 'local.raw.src',
  report: null,
  occurredAt: 0,
});

/** Feeds events through decide/done like the service does; returns the actions. */
function run(state: DispatchState, events: CaseBatchPlanned[], fail: string[] = []): string[] {
  return events.map((e) => {
    const d = state.decide(e);
    if (d.action === 'run' || d.action === 'skip') {
      if (fail.includes(e.eventId)) {
        state.failed(e);
        return `${e.batchId}:${e.case}:failed`;
      }
      state.done(e);
    }
    return `${e.batchId}:${e.case}:${d.action}`;
  });
}

describe('DispatchState', () => {
  it('runs III, I, II of a batch in order and skips cases without rows', () => {
    const state = new DispatchState();
    expect(
      run(state, [planned('b-000001', 'CASE_III'), planned('b-000001', 'CASE_I', 0), planned('b-000001', 'CASE_II')]),
    ).toEqual(['b-000001:CASE_III:run', 'b-000001:CASE_I:skip', 'b-000001:CASE_II:run']);
  });

  it('reports the last case of a batch', () => {
    const state = new DispatchState();
    expect(state.done(planned('b-000001', 'CASE_III'))).toBe(false);
    expect(state.done(planned('b-000001', 'CASE_I'))).toBe(false);
    expect(state.done(planned('b-000001', 'CASE_II'))).toBe(true);
  });

  it('holds a case that arrives before an earlier case of its batch', () => {
    const state = new DispatchState();
    run(state, [planned('b-000001', 'CASE_III')]);
    expect(state.decide(planned('b-000001', 'CASE_II'))).toMatchObject({
      action: 'hold',
      reason: expect.stringContaining('before CASE_I'),
    });
  });

  it('treats a re-delivered case as a duplicate, never a second run', () => {
    const state = new DispatchState();
    run(state, [planned('b-000001', 'CASE_III'), planned('b-000001', 'CASE_I')]);
    expect(state.decide(planned('b-000001', 'CASE_III')).action).toBe('duplicate');
    expect(state.decide(planned('b-000001', 'CASE_I')).action).toBe('duplicate');
  });

  it('stops the batch after a failed case: later cases and the next batch are held', () => {
    const state = new DispatchState();
    expect(run(state, [planned('b-000001', 'CASE_III'), planned('b-000001', 'CASE_I')], ['b-000001:CASE_III'])).toEqual(
      ['b-000001:CASE_III:failed', 'b-000001:CASE_I:hold'],
    );
    expect(state.decide(planned('b-000002', 'CASE_III'))).toMatchObject({
      action: 'hold',
      reason: expect.stringContaining('b-000001 stopped'),
    });
  });

  it('keeps batches in order: n+1 only after n finished, no gaps', () => {
    const state = new DispatchState();
    run(state, [planned('b-000001', 'CASE_III')]);
    expect(state.decide(planned('b-000002', 'CASE_III'))).toMatchObject({
      action: 'hold',
      reason: expect.stringContaining('before batch b-000001 finished'),
    });
    run(state, [planned('b-000001', 'CASE_I'), planned('b-000001', 'CASE_II')]);
    expect(state.decide(planned('b-000003', 'CASE_III'))).toMatchObject({
      action: 'hold',
      reason: expect.stringContaining('expected b-000002'),
    });
    expect(state.decide(planned('b-000002', 'CASE_III')).action).toBe('run');
    // A batch older than the newest one seen, after a restart forgot it: a redelivery, not work.
    const restarted = new DispatchState();
    run(restarted, [planned('b-000005', 'CASE_III')]);
    expect(restarted.decide(planned('b-000004', 'CASE_III')).action).toBe('duplicate');
  });

  it.each(['b-000000', 'b-12', 'batch-1', ''])('holds an event whose batch id %j is not a batch id', (id) => {
    expect(new DispatchState().decide(planned(id, 'CASE_III'))).toMatchObject({
      action: 'hold',
      reason: expect.stringContaining('is not b-<number>'),
    });
  });

  it('after a restart (empty state) continues mid-batch: earlier cases were committed', () => {
    expect(new DispatchState().decide(planned('b-000007', 'CASE_I')).action).toBe('run');
  });

  it('holds an event whose sequence and case disagree', () => {
    expect(new DispatchState().decide({ ...planned('b-000001', 'CASE_I'), sequence: 0 })).toMatchObject({
      action: 'hold',
    });
  });
});
