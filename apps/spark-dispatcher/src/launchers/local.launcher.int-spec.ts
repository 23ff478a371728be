import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_ENGINE, sparkRemote } from '@app/runner-client';
import { EngineHandle } from '@app/service-kit';
import { LaunchError, LaunchRequest } from '@app/launcher';
import { ALT_CONFIG, SparkHarness, holdingJob, startHarness } from '@app/testing';
import { LocalLauncher } from './local.launcher';

// The dispatcher's own runner as a launcher (`local`, or `connect` with SUMMARY_SPARK_REMOTE: the test command
// runs this on the stack's Spark Connect server): a job over DISPATCHER_JOB_TIMEOUT_MS is stopped — its runner
// killed — and reported retriable, and the next attempt runs on a new runner and commits.

describe('the local/connect launcher: a job over its timeout', () => {
  let h: SparkHarness; // creates the pipeline's tables (ledger, lease), then steps aside
  let handle: EngineHandle;
  let hooks: string;
  const remote = sparkRemote(process.env.SUMMARY_SPARK_REMOTE);
  const engine = remote ? ('connect' as const) : ('local' as const);

  beforeAll(async () => {
    h = await startHarness(ALT_CONFIG);
    await h.pipeline.init();
    await h.close(true);
    hooks = join(h.dir, 'hooks');
    mkdirSync(hooks);
    const configFile = join(h.dir, 'config.json');
    writeFileSync(configFile, JSON.stringify(ALT_CONFIG));
    // The runner the handle starts inherits this process's environment: the pause hook reaches it.
    process.env.SUMMARY_RUNNER_PAUSE_DIR = hooks;
    // The killed attempt cannot release its lease: the next one takes it over once it expired (as after a crash).
    process.env.SUMMARY_LEASE_TTL_SECONDS = '10';
    handle = new EngineHandle(
      {
        configFile,
        engine: {
          ...DEFAULT_ENGINE,
          warehouse: join(h.dir, 'warehouse'),
          shufflePartitions: 2,
          driverMemory: '1g',
          remote,
        },
        logDir: h.dir,
      },
      'spark-dispatcher',
    );
  });
  afterAll(async () => {
    delete process.env.SUMMARY_RUNNER_PAUSE_DIR;
    delete process.env.SUMMARY_LEASE_TTL_SECONDS;
    await handle?.close();
    rmSync(h.dir, { recursive: true, force: true });
  });

  const job = holdingJob('dispatcher-timeout');
  const request = (attempt: number): LaunchRequest => ({
    pipeline: h.config.summaryTable.plain,
    batchId: 'b-000001',
    step: 'CASE_II',
    attempt,
    job,
  });

  it(`stops a job held past DISPATCHER_JOB_TIMEOUT_MS (retriable), and the next attempt commits on a new runner (${engine})`, async () => {
    const first = await handle.pipeline();
    const pid = (first.runner as { pid?: number }).pid;
    expect(pid).toEqual(expect.any(Number));
    writeFileSync(join(hooks, 'arm-started'), '');
    const timed = new LocalLauncher(handle, { engine, jobTimeoutMs: 8_000 });
    expect(timed.engine).toBe(engine);
    const began = Date.now();
    const error = await timed.run(request(1)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LaunchError);
    expect((error as LaunchError).retriable).toBe(true);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^${engine === 'connect' ? 'Spark Connect' : 'local'} runner, b-000001 CASE_II attempt 1 did not finish within DISPATCHER_JOB_TIMEOUT_MS=8000`,
      ),
    );
    // It held at the hook (the job really was running), and it was stopped at the timeout, not at its end.
    expect(existsSync(join(hooks, 'paused-started'))).toBe(true);
    expect(Date.now() - began).toBeLessThan(60_000);

    rmSync(join(hooks, 'arm-started'), { force: true }); // the hook consumes it
    rmSync(join(hooks, 'paused-started'), { force: true });
    const next = new LocalLauncher(handle, { engine, jobTimeoutMs: 0 });
    const { result, jobRunId } = await next.run(request(2));
    expect(jobRunId).toBeNull();
    expect(result.status).toBe('committed');
    expect(result.collected.work).toEqual([{ n: 1000 }]);
    const second = await handle.pipeline();
    expect((second.runner as { pid?: number }).pid).not.toBe(pid);
  });
});
