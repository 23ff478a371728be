import * as fc from 'fast-check';
import { ALT_CONFIG, ALT_ORACLE_SPEC, Row, SparkHarness, describeScenario, diffRows, oracle, scenarioArb, startHarness } from '@app/testing';

// SPEC §4 on real Spark + Iceberg: random histories cut into batches, pushed through ingest + run, and
// after EVERY batch summary and latest must equal the oracle of all rows ingested so far. The config
// (ALT_CONFIG) renames every table and column and uses a 6-month history.

const ACCOUNTS = Number(process.env.ORACLE_ACCOUNTS ?? 200);
const BATCHES = Number(process.env.ORACLE_BATCHES ?? 5);
const SEED = Number(process.env.ORACLE_SEED ?? 20261122);

const summaryKey = (r: Record<string, unknown>) => `${r.acct_id}|${r.period}`;
const latestKey = (r: Record<string, unknown>) => `${r.acct_id}`;

describe(`oracle equality: ${ACCOUNTS} accounts × ${BATCHES} batches (seed ${SEED})`, () => {
  let h: SparkHarness;
  const batches: Row[][] = fc.sample(scenarioArb({ accounts: ACCOUNTS, batches: BATCHES }), { seed: SEED, numRuns: 1 })[0];

  beforeAll(async () => {
    h = await startHarness(ALT_CONFIG);
    await h.pipeline.init();
  });
  afterAll(async () => h?.close());

  it('the generated scenario covers every feature the issue lists', () => {
    const d = describeScenario(batches);
    const missing = Object.entries(d).filter(([, n]) => n === 0).map(([k]) => k);
    expect(missing).toEqual([]);
    expect(d.accounts).toBeGreaterThanOrEqual(200);
  });

  it('summary and latest equal the oracle after every batch', async () => {
    for (let i = 0; i < batches.length; i++) {
      await h.ingest(batches[i]);
      const outcomes = await h.pipeline.runPending();
      expect(outcomes).toHaveLength(1);
      const expected = oracle(ALT_ORACLE_SPEC, batches.slice(0, i + 1));
      const summary = await h.summary();
      const latest = await h.latest();
      expect({ batch: i + 1, diffs: diffRows(summary, expected.summary, summaryKey) }).toEqual({ batch: i + 1, diffs: [] });
      expect({ batch: i + 1, diffs: diffRows(latest, expected.latest, latestKey) }).toEqual({ batch: i + 1, diffs: [] });
      expect(summary.length).toBe(expected.summary.length);
      const rejected = Object.values(outcomes[0].counts.rejects).reduce((a, b) => a + b, 0);
      expect(rejected).toBe(expected.rejects.filter((r) => r.batch === i).length);
    }
  });

  it('running again with nothing pending commits nothing', async () => {
    const before = [await h.snapshot('summary'), await h.snapshot('latest')];
    expect(await h.pipeline.runPending()).toEqual([]);
    expect([await h.snapshot('summary'), await h.snapshot('latest')]).toEqual(before);
  });

  it('re-running a committed case job changes nothing', async () => {
    const ledger = await h.pipeline.ledger();
    const last = ledger.filter((e) => e.step === 'classify').map((e) => e.batchId).sort().pop()!;
    const counts = (await import('./batch-state')).parseCounts(ledger.find((e) => e.batchId === last && e.step === 'classify')!.result!.collected!.counts);
    const before = [await h.snapshot('summary'), await h.snapshot('latest')];
    for (const c of ['CASE_III', 'CASE_I', 'CASE_II'] as const) {
      if (!counts.cases[c].rows) continue;
      const result = await h.runner.runJob(h.pipeline.compileCase(last, c, counts));
      expect(result.status).toBe('already_committed');
    }
    expect([await h.snapshot('summary'), await h.snapshot('latest')]).toEqual(before);
  });
});
