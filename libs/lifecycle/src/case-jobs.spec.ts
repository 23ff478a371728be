import { parseConfig } from '@app/config';
import { ALT_CONFIG } from '@app/testing';
import { batchMachineFor, compileCaseJob } from './case-jobs';
import { PlanCounts, planEvents } from './batch-events';

describe('compileCaseJob', () => {
  const config = parseConfig(ALT_CONFIG, 'ALT_CONFIG');
  const range = { rows: 3, minMonth: '2024-01', maxMonth: '2024-03' };

  it.each([
    ['CASE_III', 'merge summary'],
    ['CASE_I', 'append latest'],
    ['CASE_II', 'advance latest'],
  ] as const)('compiles %s of a batch into its own job (step "%s"), under the batch id and the case', (c, step) => {
    const job = compileCaseJob(config, 'b-000007', c, range);
    expect(job.jobId).toBe(`b-000007-${c}`);
    expect(job.ledger).toMatchObject({ batchId: 'b-000007', step: c });
    expect(job.steps.map((s) => s.name)).toContain(step);
  });

  it('bounds the backfill by the batch month range; the other cases do not depend on it', () => {
    const sql = (c: 'CASE_III' | 'CASE_I', r = range) =>
      compileCaseJob(config, 'b-000007', c, r)
        .steps.map((s) => ('sql' in s ? s.sql : ''))
        .join('\n');
    expect(sql('CASE_III')).toContain("BETWEEN '2024-01' AND");
    expect(sql('CASE_III', { ...range, minMonth: '2023-11' })).toContain("BETWEEN '2023-11' AND");
    expect(sql('CASE_I', { ...range, minMonth: '2023-11' })).toBe(sql('CASE_I'));
  });

  it('runs a CASE_II without rows only when it keeps the unbounded history (batchMachineFor)', () => {
    const none = { rows: 0, minMonth: '', maxMonth: '' };
    const counts: PlanCounts = {
      inputRows: 1,
      watermark: null,
      rejects: {},
      cases: { CASE_III: range, CASE_I: none, CASE_II: none },
      deletes: { CASE_III: 0, CASE_I: 0, CASE_II: 0 },
    };
    const decide = (machine: ReturnType<typeof batchMachineFor>) =>
      planEvents('local.raw.src', 'b-000001', counts).map((p) => {
        const d = machine.decide(p);
        machine.started(p, 0);
        machine.done(p, 0);
        return d.action;
      });
    expect(decide(batchMachineFor(config))).toEqual(['run', 'skip', 'skip']);
    const unbounded = parseConfig({ ...ALT_CONFIG, unbounded_history: { table: 'alt.acct_unbounded' } }, 'test');
    expect(decide(batchMachineFor(unbounded))).toEqual(['run', 'skip', 'run']);
  });
});
