import * as fc from 'fast-check';
import { ALT_CONFIG, ALT_ORACLE_SPEC, Row, SparkHarness, diffRows, oracle, scenarioArb, startHarness } from '@app/testing';

// SPEC §6: a job that dies half-way leaves the tables as before it (rolled back on the next attempt)
// and its retry completes it. The runner is made to die (exit 137, as with kill -9) right after the
// summary write of a case job, before latest is written: the worst moment for consistency.

const batches: Row[][] = fc.sample(scenarioArb({ accounts: 60, batches: 3 }), { seed: 7, numRuns: 1 })[0];

describe('crash mid-merge and run again', () => {
  let h: SparkHarness;
  afterAll(async () => h?.close());

  // "patch latest" is CASE_III's first write; "append summary" the first write of CASE_I / CASE_II.
  it.each(['patch latest', 'append summary'])('dying after step "%s", then running again, gives the oracle result', async (step) => {
    h = await startHarness(ALT_CONFIG);
    await h.pipeline.init();
    await h.ingest(batches[0]);
    await h.pipeline.runPending();
    await h.ingest(batches[1]);
    await h.runner.close();

    await h.restart({ SUMMARY_RUNNER_CRASH_AFTER_STEP: step });
    await expect(h.pipeline.runPending()).rejects.toThrow(/exited/);

    await h.restart();
    const outcomes = await h.pipeline.runPending();
    expect(outcomes.map((o) => o.batchId)).toEqual(['b-000002']);
    const expected = oracle(ALT_ORACLE_SPEC, batches.slice(0, 2));
    expect(diffRows(await h.summary(), expected.summary, (r) => `${r.acct_id}|${r.period}`)).toEqual([]);
    expect(diffRows(await h.latest(), expected.latest, (r) => `${r.acct_id}`)).toEqual([]);
    await h.close();
  });
});
