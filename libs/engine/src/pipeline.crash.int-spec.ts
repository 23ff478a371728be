import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fc from 'fast-check';
import {
  ALT_CONFIG,
  ALT_ORACLE_SPEC,
  Row,
  SparkHarness,
  diffRows,
  oracle,
  scenarioArb,
  startHarness,
} from '@app/testing';
import { readLedger, validate } from '@app/table-ops';

// SPEC §6: a job that dies half-way leaves the tables as before it (rolled back on the next attempt)
// and its retry completes it. The runner dies (exit 137, as with kill -9) right after a job's first
// write, before its second: the worst moment for consistency between summary and latest; after a job's
// last step, before the ledger's `committed` row (every write of the job is in the tables, and the
// ledger says it never finished); and in the middle of classify, after the batch was staged.

const batches: Row[][] = fc.sample(scenarioArb({ accounts: 60, batches: 5 }), { seed: 7, numRuns: 1 })[0];

describe('crash mid-merge and run again', () => {
  let h: SparkHarness;
  // The runner's crash hook: a file crash-<step> here makes it exit 137 after that step, once.
  const hooks = mkdtempSync(join(tmpdir(), 'summary-crash-'));
  const env = { SUMMARY_RUNNER_PAUSE_DIR: hooks };
  beforeAll(async () => {
    h = await startHarness(ALT_CONFIG, env);
    await h.pipeline.init();
    await h.ingest(batches[0]);
    await h.pipeline.runPending();
  });
  afterAll(async () => {
    await h?.close();
    rmSync(hooks, { recursive: true, force: true });
  });

  // "move latest" is CASE_III's first write with soft delete on, as the ALT config has it ("patch latest"
  // without); "append summary" the first write of CASE_I / CASE_II;
  // "release caches" the last step of every case job (after its commits, before the ledger row); "stage
  // batch" classify's write of the staged rows (its rejects are written before, its plan collected after).
  it.each([
    ['move latest', 1],
    ['append summary', 2],
    ['release caches', 3],
    ['stage batch', 4],
  ])('dying after step "%s", then running again, gives the oracle result', async (step, batch) => {
    await h.ingest(batches[batch]);
    writeFileSync(join(hooks, `crash-${step}`), '');
    const before = await h.snapshot('summary');
    await expect(h.pipeline.runPending()).rejects.toThrow(/exited/);
    expect(existsSync(join(hooks, `crashed-${step}`))).toBe(true); // it died where the test said

    await h.restart(env);
    const ledger = await h.pipeline.ledger();
    expect(ledger.filter((e) => e.status === 'started').length).toBe(1); // the job that died
    const outcomes = await h.pipeline.runPending();
    expect(outcomes.map((o) => o.batchId)).toEqual([`b-00000${batch + 1}`]);
    expect(await h.snapshot('summary')).not.toBe(before);
    const expected = oracle(ALT_ORACLE_SPEC, batches.slice(0, batch + 1));
    expect(diffRows(await h.summary(), expected.summary, (r) => `${r.acct_id}|${r.period}`)).toEqual([]);
    expect(diffRows(await h.latest(), expected.latest, (r) => `${r.acct_id}`)).toEqual([]);
    // Nothing twice: one committed ledger row per (batch, step), no staged row or reject doubled.
    const committed = (await readLedger(h.pipeline))
      .filter((r) => r.status === 'committed')
      .map((r) => `${r.batchId} ${r.step}`);
    expect(committed.length).toBe(new Set(committed).size);
    expect((await validate(h.pipeline)).filter((v) => v.count > 0)).toEqual([]);
  });
});
