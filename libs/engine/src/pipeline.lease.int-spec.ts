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
import { LeaseHeldError, leaseTable } from '@app/lease';
import { planRepair, readLedger, runRepair, validate } from '@app/table-ops';
import { BatchOutcome } from './pipeline';
import { asWriter } from './writer';

// Issue 10, one writer per pipeline: two writers (two runners, as two `summary-pipeline run`s) on one
// warehouse at once. Before the lease both classified the same batch, doubling its staged rows and
// rejects, and every later run failed with DUPLICATED_MAP_KEY while validate said OK.

const batches: Row[][] = fc.sample(scenarioArb({ accounts: 60, batches: 4 }), { seed: 1010, numRuns: 1 })[0];
const summaryKey = (r: Record<string, unknown>) => `${r.acct_id}|${r.period}`;
const latestKey = (r: Record<string, unknown>) => `${r.acct_id}`;
const FAST = { ttlMs: 8_000, renewEveryMs: 1_000, pollMs: 500 };
// The holder that dies: the next writer looks right after the death, so a TTL a few renewals long is still
// live when it looks (it waits, then takes the lease over once the TTL has passed).
const DYING = { ...FAST, ttlMs: 15_000 };

describe('two writers on one pipeline', () => {
  let a: SparkHarness;
  let b: SparkHarness;

  beforeAll(async () => {
    a = await startHarness(ALT_CONFIG);
    b = await startHarness(ALT_CONFIG, {}, a.dir);
    await a.pipeline.init();
  });
  afterAll(async () => {
    await b?.close(true);
    await a?.close();
  });

  async function expectOracle(upTo: number): Promise<void> {
    const expected = oracle(ALT_ORACLE_SPEC, batches.slice(0, upTo));
    expect(diffRows(await a.summary(), expected.summary, summaryKey)).toEqual([]);
    expect(diffRows(await a.latest(), expected.latest, latestKey)).toEqual([]);
  }

  async function expectLedgerOnce(): Promise<void> {
    const committed = (await readLedger(a.pipeline))
      .filter((r) => r.status === 'committed')
      .map((r) => `${r.batchId} ${r.step}`);
    expect(committed.length).toBe(new Set(committed).size);
    expect((await validate(a.pipeline)).filter((v) => v.count > 0)).toEqual([]);
  }

  it('two runs at once: one proceeds, the other stops naming the holder; the result equals the oracle', async () => {
    await a.ingest(batches[0]);
    const results = await Promise.allSettled([
      asWriter(a.pipeline, 'run (writer A)', { waitMs: 0 }, () => a.pipeline.runPending(), FAST),
      asWriter(b.pipeline, 'run (writer B)', { waitMs: 0 }, () => b.pipeline.runPending(), FAST),
    ]);
    const done = results.filter((r): r is PromiseFulfilledResult<BatchOutcome[]> => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    // The reasons, not just a count, so a failure says why both writers were refused.
    expect(refused.map((r) => String(r.reason).split('\n')[0])).toEqual([
      expect.stringMatching(/is locked by another writer/),
    ]);
    expect(done).toHaveLength(1);
    expect(done[0].value.map((o) => o.batchId)).toEqual(['b-000001']);
    expect(refused).toHaveLength(1);
    expect(refused[0].reason).toBeInstanceOf(LeaseHeldError);
    const winner = results[0].status === 'fulfilled' ? 'writer A' : 'writer B';
    expect((refused[0].reason as Error).message).toMatch(
      new RegExp(
        `^pipeline local\\.\\w+\\.\\w+ is locked by another writer: "run \\(${winner}\\)" on host \\S+ \\(pid \\d+\\) since `,
      ),
    );
    await expectOracle(1);
    await expectLedgerOnce();
  });

  it('with --wait the second run waits for the first and then finds nothing pending', async () => {
    await a.ingest(batches[1]);
    const results = await Promise.allSettled([
      asWriter(a.pipeline, 'run (writer A)', { waitMs: 300_000 }, () => a.pipeline.runPending(), FAST),
      asWriter(b.pipeline, 'run (writer B)', { waitMs: 300_000 }, () => b.pipeline.runPending(), FAST),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    const ran = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
    expect(ran.map((o) => o.batchId)).toEqual(['b-000002']);
    await expectOracle(2);
    await expectLedgerOnce();
  });

  it('a job whose writer does not hold the lease is refused before the ledger: nothing rolled back, nothing run', async () => {
    await a.ingest(batches[2]);
    const before = await a.snapshot('summary');
    await asWriter(
      a.pipeline,
      'run (writer A)',
      { waitMs: 0 },
      async () => {
        const job = b.pipeline.compileCase('b-000002', 'CASE_II', {
          inputRows: 0,
          watermark: null,
          rejects: {},
          cases: { CASE_III: empty(), CASE_I: empty(), CASE_II: empty() },
          deletes: { CASE_III: 0, CASE_I: 0, CASE_II: 0 },
        });
        const result = await b.runner.runJob({
          ...job,
          lease: { table: leaseTable(b.config).plain, pipeline: b.config.summaryTable.plain, token: 'not-the-holder' },
        });
        expect(result.status).toBe('failed');
        expect(result.error).toMatchObject({ type: 'LeaseNotHeldError', retriable: true });
        expect(result.error!.message).toMatch(
          /held by 'run \(writer A\)' on host \S+ \(pid \d+, lease epoch \d+, live\)/,
        );
      },
      FAST,
    );
    expect(await a.snapshot('summary')).toBe(before);
  });

  it('a holder that dies loses its lease when it expires; the next writer takes it over and runs', async () => {
    let held = false;
    const died = asWriter(
      b.pipeline,
      'run (writer B)',
      { waitMs: 0 },
      async () => {
        held = true;
        b.runner.kill(); // as kill -9: the heartbeat stops with it
      },
      DYING,
    );
    await expect(died).rejects.toThrow(/runner exited/); // its release cannot reach the dead runner
    expect(held).toBe(true);
    // A looks at once: the dead holder's lease is still live (B stays dead; nothing below needs it).
    const messages: string[] = [];
    const outcomes = await asWriter(
      a.pipeline,
      'run (writer A)',
      { waitMs: 120_000, onWait: (m) => messages.push(m) },
      async () => {
        expect(a.pipeline.lease!.previous).toBe('expired');
        return a.pipeline.runPending();
      },
      FAST,
    );
    expect(messages[0]).toMatch(/held by "run \(writer B\)"/);
    expect(outcomes.map((o) => o.batchId)).toEqual(['b-000003']);
    await expectOracle(3);
  });

  it('validate reports the state two writers of an older version left; repair fixes it, idempotently; then run reaches the oracle', async () => {
    await a.ingest(batches[3]);
    const t = a.config.tables;
    // Batch 4 classified, then again by a second writer without the lease (what an older version did):
    // a second started + committed classify, its staged rows and its rejects appended once more.
    await a.pipeline.classify('b-000004', await lastEnd(), (await a.pipeline.currentSnapshot(a.config.sourceTable))!);
    await a.runner.query(
      `INSERT INTO ${t.ledger.sql} SELECT batch_id, step, status, job_id, attempt, pre_snapshots, ` +
        `post_snapshots, result, error, recorded_at + INTERVAL 1 SECOND FROM ${t.ledger.sql} ` +
        `WHERE batch_id = 'b-000004'`,
    );
    await a.runner.query(`INSERT INTO ${t.batches.sql} SELECT * FROM ${t.batches.sql} WHERE batch_id = 'b-000004'`);
    await a.runner.query(
      `INSERT INTO ${t.rejects.sql} SELECT batch_id, reason, key, month, source_row, ` +
        `rejected_at + INTERVAL 1 SECOND FROM ${t.rejects.sql} WHERE batch_id = 'b-000004'`,
    );
    const rejected =
      Number((await a.runner.query(`SELECT count(*) AS n FROM ${t.rejects.sql} WHERE batch_id = 'b-000004'`))[0].n) / 2;

    const failing = (await validate(a.pipeline)).filter((v) => v.count > 0).map((v) => v.check);
    expect(failing).toEqual(
      expect.arrayContaining([
        'two committed ledger rows for one (batch, step)',
        'duplicate staged (batch, key, month)',
        ...(rejected ? ['rejects of a batch beyond what its classify counted'] : []),
      ]),
    );

    await asWriter(
      a.pipeline,
      'repair',
      { waitMs: 0 },
      async () => {
        const plan = await planRepair(a.pipeline);
        expect(plan.notes).toEqual([]);
        await runRepair(a.pipeline, plan.actions, () => undefined);
        expect((await planRepair(a.pipeline)).actions).toEqual([]); // a second repair finds nothing
      },
      FAST,
    );
    expect((await validate(a.pipeline)).filter((v) => v.count > 0)).toEqual([]);
    expect(
      Number((await a.runner.query(`SELECT count(*) AS n FROM ${t.rejects.sql} WHERE batch_id = 'b-000004'`))[0].n),
    ).toBe(rejected);

    const outcomes = await asWriter(a.pipeline, 'run', { waitMs: 0 }, () => a.pipeline.runPending(), FAST);
    expect(outcomes.map((o) => o.batchId)).toEqual(['b-000004']);
    await expectOracle(4);
    await expectLedgerOnce();
  });

  async function lastEnd(): Promise<string> {
    const windows = (await readLedger(a.pipeline)).filter(
      (r) => r.step === 'classify' && r.status === 'committed' && r.batchId === 'b-000003',
    );
    return String(windows[0].result!.collected!.plan[0].source_end_snapshot_id);
  }
});

function empty() {
  return { minMonth: '', maxMonth: '', rows: 0, months: {} };
}
