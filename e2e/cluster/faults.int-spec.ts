import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as fc from 'fast-check';
import { PipelineConfig } from '@app/config';
import { LeaseHeldError } from '@app/lease';
import { SummaryPipeline, leaseFor } from '@app/engine';
import { exportQuery, readLedger, validate } from '@app/table-ops';
import { RunnerClient, RunnerEngineConfig, repoRoot } from '@app/runner-client';
import { ALT_ORACLE_SPEC, Row, diffRows, holdingJob, oracle, scenarioArb } from '@app/testing';
import { LeasedLauncher } from '@app/launcher';
import {
  ClusterJobRunner,
  ClusterStack,
  awsEnv,
  driverLog,
  driverWorker,
  stackComponents,
  startClusterPipeline,
} from './cluster-runner';
import { latestKey, summaryKey } from '../services-run';
import { waitFor } from '../service-processes';

// Issue 14, the faults of a real cluster, each ending equal to the oracle with no job submitted twice:
// the driver killed mid-job, a worker (and its executor) killed mid-job, the object store restarted
// between two jobs, the dispatcher killed after a submission (the driver is adopted); and issue 10 on the
// cluster: a job keeps its dispatcher's lease alive from its driver after that dispatcher died.
// The runner's test hooks (SUMMARY_RUNNER_PAUSE_DIR, passed to every driver) hold a driver at a step or
// make it die there; the workers run on this machine, so the drivers see the test's hook files.

const SEED = Number(process.env.CLUSTER_SEED ?? 20261202);
const RUN = `cf${Date.now().toString(36)}`;
const LEASE = { ttlMs: 10_000, renewEveryMs: 2_000, pollMs: 500 };

describe('faults on the Spark standalone cluster, tables on S3', () => {
  const batches: Row[][] = fc.sample(scenarioArb({ accounts: 10, batches: 4 }), { seed: SEED, numRuns: 1 })[0];
  const progress = (line: string) => process.stderr.write(`[e2e:cluster faults] ${line}\n`);
  let stack: ClusterStack;
  let config: PipelineConfig;
  let runner: ClusterJobRunner;
  let pipeline: SummaryPipeline;
  let dir: string;
  let localEngine: RunnerEngineConfig;
  let hooks: string;
  let files = 0;

  beforeAll(async () => {
    hooks = join(repoRoot(), '.runtime', 'cluster-hooks', RUN);
    mkdirSync(hooks, { recursive: true });
    ({ stack, config, runner, pipeline, dir, localEngine } = await startClusterPipeline(RUN, progress, {
      SUMMARY_RUNNER_PAUSE_DIR: hooks,
    }));
    await pipeline.init();
    await ingest(0);
    await pipeline.runPending();
    await expectOracle(1);
  });
  afterAll(async () => {
    await runner?.close();
    rmSync(hooks, { recursive: true, force: true });
  });

  async function ingest(batch: number): Promise<void> {
    const file = join(dir, `batch-${++files}.jsonl`);
    writeFileSync(file, batches[batch].map((r) => JSON.stringify(r)).join('\n') + '\n');
    await pipeline.ingest(file);
  }

  async function expectOracle(upTo: number): Promise<void> {
    const expected = oracle(ALT_ORACLE_SPEC, batches.slice(0, upTo));
    const summary = await runner.query(exportQuery(config, 'summary'), 1_000_000);
    const latest = await runner.query(exportQuery(config, 'latest_summary'), 1_000_000);
    expect({ upTo, diffs: diffRows(summary, expected.summary, summaryKey) }).toEqual({ upTo, diffs: [] });
    expect({ upTo, diffs: diffRows(latest, expected.latest, latestKey) }).toEqual({ upTo, diffs: [] });
    // Nothing twice: one committed ledger row per (batch, step), nothing staged or rejected twice.
    const committed = (await readLedger(pipeline))
      .filter((r) => r.status === 'committed')
      .map((r) => `${r.batchId} ${r.step}`);
    expect(committed.length).toBe(new Set(committed).size);
    expect((await validate(pipeline)).filter((v) => v.count > 0)).toEqual([]);
  }

  /** One driver per attempt: no (job, attempt) was submitted twice. */
  function expectOneDriverPerAttempt(): void {
    const drivers = new Map<string, Set<string>>();
    for (const s of runner.submissions)
      drivers.set(s.submissionId, (drivers.get(s.submissionId) ?? new Set()).add(s.jobId));
    expect([...drivers.values()].filter((jobs) => jobs.size > 1)).toEqual([]);
  }

  it(
    'the driver dies mid-job (after its commits, before the ledger row): the attempt fails, ' +
      'the next one rolls back and the result equals the oracle',
    async () => {
      await ingest(1);
      writeFileSync(join(hooks, 'crash-release caches'), '');
      await expect(pipeline.runPending()).rejects.toThrow(/ended FAILED without a result/);
      expect(existsSync(join(hooks, 'crashed-release caches'))).toBe(true);
      // The case job's driver died (the audit of the failure ran after it, as its own driver).
      expect(
        runner.submissions
          .filter((s) => s.jobId.startsWith('b-000002-'))
          .map((s) => s.finalState)
          .at(-1),
      ).toBe('FAILED');

      const outcomes = await pipeline.runPending();
      expect(outcomes.map((o) => o.batchId)).toEqual(['b-000002']);
      await expectOracle(2);
      expectOneDriverPerAttempt();
    },
  );

  it('a worker is killed mid-job (its executor lost): the job goes on with the executors left and the result equals the oracle', async () => {
    await ingest(2);
    writeFileSync(join(hooks, 'arm-stage batch'), '');
    const running = pipeline.runPending();
    await waitFor(
      'classify to hold after "stage batch"',
      () => (existsSync(join(hooks, 'paused-stage batch')) && runner.active !== null) || undefined,
      240_000,
      250,
    );
    const driver = runner.active!;
    const hosting = driverWorker(stack, driver);
    expect(hosting).not.toBeNull();
    const victim = hosting === 1 ? 2 : 1;
    const pid = Number(readFileSync(join(stack.STACK_HOME, 'run', `spark-worker-${victim}.pid`), 'utf8').trim());
    progress(`killing spark-worker-${victim} (pid ${pid}); the driver ${driver} runs on worker ${hosting}`);
    process.kill(pid, 'SIGKILL');
    rmSync(join(hooks, 'paused-stage batch'));
    try {
      const outcomes = await running;
      expect(outcomes.map((o) => o.batchId)).toEqual(['b-000003']);
    } finally {
      stackUp(`spark-worker-${victim}`);
    }
    expect(readFileSync(driverLog(stack, driver)!, 'utf8')).toMatch(/lost executor|executor \S+ removed|worker lost/i);
    await expectOracle(3);
    expectOneDriverPerAttempt();
  });

  it('the object store restarts between two jobs: the next batch equals the oracle', async () => {
    await ingest(3);
    stackDown('s3');
    stackUp('s3');
    const outcomes = await pipeline.runPending();
    expect(outcomes.map((o) => o.batchId)).toEqual(['b-000004']);
    await expectOracle(4);
    expectOneDriverPerAttempt();
  });

  it('the dispatcher dies after a submission: a restarted one adopts the driver, nothing is submitted twice', async () => {
    const job = holdingJob(`adopt-${Date.now().toString(36)}`, 'adopt held', 100);
    const request = runner.launchRequest(job);
    writeFileSync(join(hooks, 'arm-adopt held'), '');
    const first = runner.newLauncher();
    const died = runner.launch(first, request).catch((e: unknown) => e);
    await waitFor(
      'the job to hold on the cluster',
      () => (existsSync(join(hooks, 'paused-adopt held')) && runner.active !== null) || undefined,
      180_000,
      250,
    );
    const submitted = runner.active!;
    await first.close(); // the dispatcher is gone; its driver runs on
    expect(String(await died)).toMatch(
      /the launcher was closed while the driver was RUNNING; it goes on, and run\(\) for the same attempt adopts it/,
    );

    const second = runner.newLauncher();
    const adopted = runner.launch(second, request);
    await waitFor(
      'the restarted launcher to adopt the driver',
      () => runner.active === submitted || undefined,
      30_000,
      250,
    );
    rmSync(join(hooks, 'paused-adopt held'));
    const result = await adopted;
    await second.close();
    expect(result.status).toBe('committed');
    expect(runner.submissions.filter((s) => s.jobId === job.jobId).map((s) => s.submissionId)).toEqual([
      submitted,
      submitted,
    ]);
  });

  it("a job on the cluster keeps its dispatcher's lease alive after the dispatcher died; a CLI writer gets it only after the job ended", async () => {
    const leaseRunner = new RunnerClient(localEngine, { env: awsEnv(stack), logFile: join(dir, 'lease-runner.log') });
    await leaseRunner.start();
    const dispatcherPipeline = new SummaryPipeline(config, leaseRunner);
    const launcher = new LeasedLauncher(
      runner.newLauncher(),
      async () => leaseFor(dispatcherPipeline, 'spark-dispatcher', LEASE),
      LEASE,
      { waitMs: 0 },
    );
    const job = holdingJob(`lease-${Date.now().toString(36)}`, 'lease held', 100);
    writeFileSync(join(hooks, 'arm-lease held'), '');
    const running = runner.launch(launcher, runner.launchRequest(job));
    try {
      await waitFor(
        'the job to hold on the cluster',
        () => existsSync(join(hooks, 'paused-lease held')) || undefined,
        180_000,
        250,
      );
      leaseRunner.kill(); // the dispatcher's runner, and with it its heartbeat
      await sleep(LEASE.ttlMs + 4_000);
      const refused = await leaseFor(pipeline, 'run', LEASE)
        .acquire({ waitMs: 0 })
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(LeaseHeldError);
      expect((refused as Error).message).toMatch(
        /locked by another writer: "spark-dispatcher" on host \S+ \(pid \d+\)/,
      );
    } finally {
      rmSync(join(hooks, 'paused-lease held'), { force: true });
    }
    expect((await running).status).toBe('committed');
    const cli = leaseFor(pipeline, 'run', LEASE);
    await cli.acquire({ waitMs: 90_000 });
    expect(cli.previous).toBe('expired');
    await cli.release();
    await launcher.close();
  });
});

function stackUp(component: string): void {
  stackComponents('up', component);
}

function stackDown(component: string): void {
  stackComponents('down', component);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
