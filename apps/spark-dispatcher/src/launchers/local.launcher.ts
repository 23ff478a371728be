import { EngineHandle } from '@app/service-kit';
import { RunnerError } from '@app/runner-client';
import { asWriter } from '@app/engine';
import { JobLauncher, JobRunState, LaunchError, LaunchRequest, LaunchResult } from '@app/launcher';

/** How long a case waits for another writer's lease before the retriable LeaseHeldError is thrown. */
export const LEASE_WAIT_MS = 60_000;

/**
 * The embedded default: the service's own long-lived Spark runner (local[*]). There is no run id; a
 * dispatcher killed mid-job takes its runner with it (the runner watches its parent) and the job's
 * ledger entry makes the next attempt roll back and run again.
 */
export class LocalLauncher implements JobLauncher {
  readonly engine = 'local' as const;

  constructor(private readonly handle: EngineHandle) {}

  async run(
    request: LaunchRequest,
    onState?: (state: JobRunState, jobRunId: string | null) => void,
  ): Promise<LaunchResult> {
    try {
      const pipeline = await this.handle.pipeline();
      onState?.('SUBMITTED', null);
      onState?.('RUNNING', null);
      // One writer per pipeline (issue 10): the job runs under the lease and carries its token, so the
      // runner rolls back a dead attempt only while no other writer (a CLI run, a second pod) can run.
      // A LeaseHeldError is not a failed attempt: it passes up, retriable, and the message is retried.
      const result = await asWriter(pipeline, 'spark-dispatcher', { waitMs: LEASE_WAIT_MS }, () =>
        pipeline.runner.runJob(pipeline.fenced(request.job)),
      );
      return { result, jobRunId: null };
    } catch (error) {
      if (error instanceof RunnerError)
        throw new LaunchError(
          `local runner, ${request.batchId} ${request.step} attempt ${request.attempt}: ${error.message}`,
          error.retriable,
        );
      throw error;
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
