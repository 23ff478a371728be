import { EngineHandle } from '@app/common';
import { RunnerError } from '@app/engine';
import { JobLauncher, JobRunState, LaunchError, LaunchRequest, LaunchResult } from '@app/launcher';

/**
 * The embedded default: the service's own long-lived Spark runner (local[*]). There is no run id; a
 * dispatcher killed mid-job takes its runner with it (the runner watches its parent) and the job's
 * ledger entry makes the next attempt roll back and run again.
 */
export class LocalLauncher implements JobLauncher {
  readonly engine = 'local' as const;

  constructor(private readonly handle: EngineHandle) {}

  async run(request: LaunchRequest, onState?: (state: JobRunState, jobRunId: string | null) => void): Promise<LaunchResult> {
    try {
      const pipeline = await this.handle.pipeline();
      onState?.('SUBMITTED', null);
      onState?.('RUNNING', null);
      return { result: await pipeline.runner.runJob(request.job), jobRunId: null };
    } catch (error) {
      if (error instanceof RunnerError) throw new LaunchError(`local runner, ${request.batchId} ${request.step} attempt ${request.attempt}: ${error.message}`, error.retriable);
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
