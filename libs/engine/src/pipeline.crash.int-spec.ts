import * as fc from 'fast-check';
import { ALT_CONFIG, ALT_ORACLE_SPEC, Row, SparkHarness, diffRows, oracle, scenarioArb, startHarness } from '@app/testing';

// SPEC §6: a job that dies half-way leaves the tables as before it (rolled back on the next attempt)
// and its retry completes it. The runner dies (exit 137, as with kill -9) right after a job's first
// write, before its second: the worst moment for consistency between summary and latest.

const batches: Row[][] = fc.sample(scenarioArb({ accounts: 60, batches: 3 }), { seed: 7, numRuns: 1 })[0];

describe('crash mid-merge and run again', () => {
  let h: SparkHarness;
  beforeAll(async () => {
    h = await startHarness(ALT_CONFIG);
    await h.pipeline.init();
    await h.ingest(batches[0]);
    await h.pipeline.runPending();
  });
  afterAll(async () => h?.close());

  // "patch latest" is CASE_III's first write; "append summary" the first write of CASE_I / CASE_II.
  it.each([
    ['patch latest', 1],
    ['append summary', 2],
  ])('dying after step "%s", then running again, gives the oracle result', async (step, batch) => {
    await h.ingest(batches[batch]);
    await h.runner.close();
    await h.restart({ SUMMARY_RUNNER_CRASH_AFTER_STEP: step });
    const before = await h.snapshot('summary');
    await expect(h.pipeline.runPending()).rejects.toThrow(/exited/);

    await h.restart();
    const ledger = await h.pipeline.ledger();
    expect(ledger.filter((e) => e.status === 'started').length).toBe(1); // the job that died
    const outcomes = await h.pipeline.runPending();
    expect(outcomes.map((o) => o.batchId)).toEqual([`b-00000${batch + 1}`]);
    expect(await h.snapshot('summary')).not.toBe(before);
    const expected = oracle(ALT_ORACLE_SPEC, batches.slice(0, batch + 1));
    expect(diffRows(await h.summary(), expected.summary, (r) => `${r.acct_id}|${r.period}`)).toEqual([]);
    expect(diffRows(await h.latest(), expected.latest, (r) => `${r.acct_id}`)).toEqual([]);
  });
});
