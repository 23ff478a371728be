import { FAULT_KINDS, INJECTED_KINDS, NOT_IMPLEMENTED, describeTarget, kindsOf, planFaults } from './plan';

describe('planFaults', () => {
  it('is a function of the seed: the same seed gives the same schedule, another seed another', () => {
    expect(planFaults(42, 50, 30)).toEqual(planFaults(42, 50, 30));
    expect(planFaults(43, 50, 30)).not.toEqual(planFaults(42, 50, 30));
  });

  it('covers every injected kind once the count allows, strikes only before the last day, in order', () => {
    const plan = planFaults(7, 50, 30);
    expect(plan).toHaveLength(30);
    expect(new Set(plan.map((f) => f.target.kind))).toEqual(new Set(INJECTED_KINDS));
    expect(plan.map((f) => f.index)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    for (const [a, b] of plan.slice(1).map((f, i) => [plan[i], f]))
      expect(a.batch * 1e6 + a.delayMs).toBeLessThanOrEqual(b.batch * 1e6 + b.delayMs);
    expect(Math.max(...plan.map((f) => f.batch))).toBeLessThanOrEqual(49);
    expect(Math.min(...plan.map((f) => f.batch))).toBeGreaterThanOrEqual(1);
  });

  it('spreads the faults over the days rather than piling them up', () => {
    const days = new Set(planFaults(3, 50, 30).map((f) => f.batch));
    expect(days.size).toBeGreaterThanOrEqual(20);
  });

  it('injects every kind it knows in one topology or the other, disk-full included, with an outage of 5 to 30 s', () => {
    expect(NOT_IMPLEMENTED.size).toBe(0);
    expect(new Set([...kindsOf('local'), ...kindsOf('cluster')])).toEqual(new Set(FAULT_KINDS));
    expect([...INJECTED_KINDS]).toEqual(kindsOf('local'));
    const disk = planFaults(7, 50, 30).filter((f) => f.target.kind === 'disk-full');
    expect(disk.length).toBeGreaterThanOrEqual(1);
    for (const f of disk) expect(f.target).toEqual({ kind: 'disk-full', outageMs: expect.any(Number) });
    for (const f of disk) expect((f.target as { outageMs: number }).outageMs).toBeGreaterThanOrEqual(5_000);
  });

  it('plans only the kinds it is given (a soak without root leaves disk-full out)', () => {
    const kinds = INJECTED_KINDS.filter((k) => k !== 'disk-full');
    for (let seed = 0; seed < 20; seed++)
      expect(planFaults(seed, 10, 20, kinds).some((f) => f.target.kind === 'disk-full')).toBe(false);
    expect(new Set(planFaults(7, 50, 30, kinds).map((f) => f.target.kind))).toEqual(new Set(kinds));
  });

  it('the local topology plans the kinds of the soaks before --cluster, so their seeds replay the same schedule', () => {
    expect(kindsOf('local')).toEqual([
      'kill-service',
      'kill-runner',
      'kill-before-ledger',
      'kafka-restart',
      'registry-down',
      'catalog-restart',
      'cli-writer',
      'duplicate-events',
      'reorder-events',
      'malformed-event',
      'disk-full',
    ]);
  });

  it('the cluster topology adds the object store restart and the driver kill, and has no disk of its own to fill', () => {
    const cluster = kindsOf('cluster');
    expect(cluster).toEqual(expect.arrayContaining(['object-store-restart', 'kill-driver', 'catalog-restart']));
    expect(cluster).not.toContain('disk-full');
    const plan = planFaults(9, 12, 14, cluster);
    expect(new Set(plan.map((f) => f.target.kind))).toEqual(new Set(cluster));
    for (const f of plan.filter((p) => p.target.kind === 'object-store-restart'))
      expect((f.target as { outageMs: number }).outageMs).toBeGreaterThanOrEqual(1_000);
    expect(describeTarget({ kind: 'object-store-restart', outageMs: 4_200 })).toBe('object-store-restart for 4.2 s');
    expect(describeTarget({ kind: 'kill-driver' })).toBe('kill-driver');
  });

  it('refuses faults with a single batch: no batch after the fault would show the recovery', () => {
    expect(() => planFaults(1, 1, 3)).toThrow(/--batches 1: a soak with faults needs at least 2 batches/);
    expect(planFaults(1, 1, 0)).toEqual([]);
  });

  it('describes each target in one line', () => {
    expect(describeTarget({ kind: 'registry-down', outageMs: 12_873 })).toBe('registry-down for 12.9 s');
    expect(describeTarget({ kind: 'disk-full', outageMs: 20_000 })).toBe('disk-full for 20.0 s');
    expect(describeTarget({ kind: 'kill-runner', service: 'auditor' })).toBe('kill-runner auditor');
    expect(describeTarget({ kind: 'malformed-event', topic: 'job-state-changed', malformed: 'huge-count' })).toBe(
      'malformed-event huge-count on job-state-changed',
    );
  });
});
