import { EngineHandle } from '@app/service-kit';
import { RunnerError } from '@app/runner-client';
import { asWriter } from '@app/engine';
import { EngineKind, JobLauncher, JobRunState, LaunchError, LaunchRequest, LaunchResult } from '@app/launcher';

/** How long a case waits for another writer's lease before the retriable LeaseHeldError is thrown. */
export const LEASE_WAIT_MS = 60_000;

/** The default of DISPATCHER_JOB_TIMEOUT_MS: six hours, as SPARK_SUBMIT_JOB_TIMEOUT_MS. */
export const DEFAULT_JOB_TIMEOUT_MS = 21_600_000;

export interface LocalLauncherOptions {
  /** `connect` when the runner is a Spark Connect client (SUMMARY_SPARK_REMOTE): the jobs run on that server. */
  engine: Extract<EngineKind, 'local' | 'connect'>;
  /** A job still running after this long is stopped and retried as a new attempt; 0: no limit. */
  jobTimeoutMs: number;
}

/**
 * The dispatcher's own long-lived Spark runner runs each case job: in-process (local[*], the embedded
 * default) or, with SUMMARY_SPARK_REMOTE, as a session on a Spark Connect server (`connect`: the local
 * stack's, the cluster's, or one on Kubernetes). There is no run id; a dispatcher killed mid-job takes its
 * runner with it (the runner watches its parent), and the job's ledger entry makes the next attempt
 * interrupt what the dead one left running on a Connect server, roll back and run again. A job over the
 * timeout is stopped the same way: its runner is killed (the next job starts a new one).
 */
export class LocalLauncher implements JobLauncher {
  readonly engine: LocalLauncherOptions['engine'];

  constructor(
    private readonly handle: EngineHandle,
    private readonly options: LocalLauncherOptions = { engine: 'local', jobTimeoutMs: DEFAULT_JOB_TIMEOUT_MS },
  ) {
    this.engine = options.engine;
  }

  async run(
    request: LaunchRequest,
    onState?: (state: JobRunState, jobRunId: string | null) => void,
  ): Promise<LaunchResult> {
    const where = `${this.engine === 'connect' ? 'Spark Connect' : 'local'} runner, ${request.batchId} ${request.step} attempt ${request.attempt}`;
    const { jobTimeoutMs } = this.options;
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    try {
      const pipeline = await this.handle.pipeline();
      onState?.('SUBMITTED', null);
      onState?.('RUNNING', null);
      // One writer per pipeline (issue 10): the job runs under the lease and carries its token, so the
      // runner rolls back a dead attempt only while no other writer (a CLI run, a second pod) can run.
      // A LeaseHeldError is not a failed attempt: it passes up, retriable, and the message is retried.
      const result = await asWriter(pipeline, 'spark-dispatcher', { waitMs: LEASE_WAIT_MS }, () => {
        if (jobTimeoutMs > 0)
          timer = setTimeout(() => {
            timedOut = true;
            this.handle.kill();
          }, jobTimeoutMs);
        return pipeline.runner.runJob(pipeline.fenced(request.job));
      });
      return { result, jobRunId: null };
    } catch (error) {
      if (timedOut)
        throw new LaunchError(
          `${where} did not finish within DISPATCHER_JOB_TIMEOUT_MS=${jobTimeoutMs}; killed its runner ` +
            `(a Spark Connect server's statements of it are interrupted by the next attempt, through the ledger); ` +
            `retriable as a new attempt`,
          true,
        );
      if (error instanceof RunnerError) throw new LaunchError(`${where}: ${error.message}`, error.retriable);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Under the lease like a case job: a compaction is a write of summary and latest. */
  async maintain(): Promise<string[]> {
    const pipeline = await this.handle.pipeline();
    const outcome = await asWriter(pipeline, 'spark-dispatcher', { waitMs: LEASE_WAIT_MS }, () => pipeline.maintain());
    return outcome?.calls ?? [];
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
