import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_ENGINE, JobResult, repoRoot, runnerEngineConfig, toolchain } from '@app/runner-client';
import { LeaseHeldError } from '@app/lease';
import { leaseFor } from '@app/engine';
import { JobLauncher, LaunchRequest, LaunchResult } from '../launcher';
import { ALT_CONFIG, SparkHarness, holdingJob, startHarness } from '@app/testing';
import { LeasedLauncher } from './leased-launcher';

// Issue 10: a dispatcher whose jobs run on a cluster holds the pipeline's lease like every writer, and a
// job it submitted keeps that lease alive from its own driver. Here the "cluster" is the runner's one-shot
// `run` mode in a process of its own (what spark-submit and EMR on EKS start), on the same warehouse.

// Short enough to keep the test short, long enough that a heartbeat late by a few seconds on a loaded 2-core
// machine (a driver JVM starting beside it) does not lapse the lease.
const FAST = { ttlMs: 12_000, renewEveryMs: 1_000, pollMs: 500 };

/** Runs a job as a cluster would: `python -m summary_runner run` in its own process, with its own Spark driver. */
class ProcessLauncher implements JobLauncher {
  readonly engine = 'spark-submit' as const;
  constructor(
    private readonly dir: string,
    private readonly engineFile: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  async run(request: LaunchRequest): Promise<LaunchResult> {
    const jobFile = join(this.dir, `${request.batchId}-${request.step}-a${request.attempt}.json`);
    writeFileSync(jobFile, JSON.stringify(request.job));
    const log = openSync(join(this.dir, 'remote-driver.log'), 'a');
    const child = spawn(
      toolchain().python,
      ['-m', 'summary_runner', 'run', '--engine', this.engineFile, '--job', jobFile],
      {
        cwd: join(repoRoot(), 'runner'),
        env: { ...process.env, ...this.env, PYTHONUNBUFFERED: '1' },
        stdio: ['ignore', 'pipe', log],
      },
    );
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    closeSync(log);
    const last = out.trim().split('\n').pop() ?? '';
    if (!last.startsWith('{'))
      throw new Error(
        `the remote runner exited ${code} without a result; its log ends: ${readFileSync(join(this.dir, 'remote-driver.log'), 'utf8').slice(-2000)}`,
      );
    return { result: JSON.parse(last) as JobResult, jobRunId: String(child.pid) };
  }

  async close(): Promise<void> {}
}

describe('a dispatcher with a remote launcher under the pipeline lease', () => {
  let dispatcher: SparkHarness; // its small runner holds the lease; it runs no job
  let cli: SparkHarness; // a CLI writer on the same warehouse
  let pauseDir: string;
  let engineFile: string;

  beforeAll(async () => {
    dispatcher = await startHarness(ALT_CONFIG);
    cli = await startHarness(ALT_CONFIG, {}, dispatcher.dir);
    pauseDir = join(dispatcher.dir, 'hooks');
    mkdirSync(pauseDir);
    engineFile = join(dispatcher.dir, 'remote-engine.json');
    const engine = runnerEngineConfig(dispatcher.config, {
      ...DEFAULT_ENGINE,
      warehouse: join(dispatcher.dir, 'warehouse'),
      shufflePartitions: 2,
      driverMemory: '1g',
    });
    writeFileSync(engineFile, JSON.stringify({ ...engine, jarsDir: toolchain().jarsDir }));
  });
  afterAll(async () => {
    await cli?.close(true);
    await dispatcher?.close();
  });

  it('the job keeps the lease from its driver after the dispatcher died: a CLI writer is refused until the job ended', async () => {
    const launcher = new LeasedLauncher(
      new ProcessLauncher(dispatcher.dir, engineFile, { SUMMARY_RUNNER_PAUSE_DIR: pauseDir }),
      async () => leaseFor(dispatcher.pipeline, 'spark-dispatcher', FAST),
      FAST,
      { waitMs: 0 },
    );
    const job = holdingJob('remote-keep-alive');
    writeFileSync(join(pauseDir, 'arm-started'), '');
    let ended: unknown = null;
    const running = launcher.run({
      pipeline: dispatcher.config.summaryTable.plain,
      batchId: 'b-000001',
      step: 'CASE_II',
      attempt: 1,
      job,
    });
    running.then(
      (r) => (ended = r),
      (e: unknown) => (ended = e),
    );

    // The remote job passed its lease check and holds at the hook; then the dispatcher dies.
    await until(
      () => {
        if (ended)
          throw new Error(
            `the remote job ended before its first step: ${ended instanceof Error ? ended.message : JSON.stringify(ended)}`,
          );
        return existsSync(join(pauseDir, 'paused-started'));
      },
      180_000,
      'the remote job to reach its first step',
    );
    dispatcher.runner.kill();
    await sleep(FAST.ttlMs + 3_000); // without the driver's heartbeat the lease would have expired by now

    const refused = await leaseFor(cli.pipeline, 'run', FAST)
      .acquire({ waitMs: 0 })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LeaseHeldError);
    expect((refused as Error).message).toMatch(/locked by another writer: "spark-dispatcher" on host \S+ \(pid \d+\)/);

    rmSync(join(pauseDir, 'paused-started'));
    const { result } = await running; // the release cannot reach the dead runner: logged, not thrown
    expect(result.status).toBe('committed');
    expect(result.collected.work).toEqual([{ n: 1000 }]);

    // The driver's heartbeat stopped with the job: the lease expires a TTL later and the CLI takes it over.
    const cliLease = leaseFor(cli.pipeline, 'run', FAST);
    await cliLease.acquire({ waitMs: 60_000 });
    expect(cliLease.previous).toBe('expired');
    await cliLease.release();
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(250);
  }
}
