import { JobLease } from '@app/compiler';
import { AcquireOptions, LeaseOptions, PipelineLease, SuspendedLease } from '@app/lease';
import { RunnerError } from '@app/runner-client';
import { jsonLog } from '@app/common';
import { EngineKind, JobLauncher, JobRunState, LaunchError, LaunchRequest, LaunchResult } from '../launcher';

/**
 * One writer per pipeline for a dispatcher whose jobs run elsewhere (EMR on EKS, spark-submit): the
 * dispatcher takes the pipeline's lease with a small Spark runner of its own (lease only, no job runs on
 * it), each job carries the token, and the job's driver keeps the lease alive itself while it runs
 * (job.lease.keepAlive). So a CLI writer waits while a job runs on the cluster, even after the dispatcher
 * that submitted it died: the lease expires a TTL after the job ended, not after the dispatcher did.
 *
 * After a retriable LaunchError the job may still run (the launcher lost track of it, or its driver has not
 * started yet): the lease is not released but suspended. The next attempt takes a new lease (a new token,
 * so a late driver of the old attempt fails its lease check) and may reclaim the suspended one before it
 * expires, but only once nobody renewed it for 1.5 heartbeats: a driver that still runs renews it.
 */
export class LeasedLauncher implements JobLauncher {
  readonly engine: EngineKind;
  private suspended: SuspendedLease | null = null;

  constructor(
    private readonly inner: JobLauncher,
    /** A new lease object on the dispatcher's lease runner (started or restarted on demand). */
    private readonly newLease: () => Promise<PipelineLease>,
    private readonly lease: Pick<LeaseOptions, 'ttlMs' | 'renewEveryMs'>,
    private readonly acquire: AcquireOptions,
    private readonly onClose: () => Promise<void> = async () => undefined,
  ) {
    this.engine = inner.engine;
  }

  async run(
    request: LaunchRequest,
    onState?: (state: JobRunState, jobRunId: string | null) => void,
  ): Promise<LaunchResult> {
    let lease: PipelineLease;
    try {
      lease = await this.newLease();
      await lease.acquire({ ...this.acquire, reclaim: this.suspended ?? undefined });
      this.suspended = null;
    } catch (error) {
      // The lease runner died or the catalog did not answer: an attempt that failed before submitting.
      if (error instanceof RunnerError)
        throw new LaunchError(
          `lease runner, ${request.batchId} ${request.step} attempt ${request.attempt}: ${error.message}`,
          error.retriable,
        );
      throw error;
    }
    const fence: JobLease = {
      table: lease.table,
      pipeline: lease.pipeline,
      token: lease.token,
      keepAlive: { ttlMs: this.lease.ttlMs, everyMs: this.lease.renewEveryMs },
    };
    let inFlight = false;
    try {
      return await this.inner.run({ ...request, job: { ...request.job, lease: fence } }, onState);
    } catch (error) {
      inFlight = error instanceof LaunchError && error.retriable;
      throw error;
    } finally {
      const where = { batchId: request.batchId, case: request.step, attempt: request.attempt, lease: lease.pipeline };
      if (inFlight) {
        // The job may still run and renew the lease from its driver: keep it, without our heartbeat.
        this.suspended = await lease.suspend(Math.round(this.lease.renewEveryMs * 1.5)).catch((e: unknown) => {
          jsonLog('warn', 'lease heartbeat could not be stopped; the lease expires by itself', {
            ...where,
            error: String(e),
          });
          return null;
        });
      } else {
        // The job ended (a result, or an error that says the run is over or never started): the next writer may go.
        await lease
          .release()
          .catch((e: unknown) =>
            jsonLog('warn', 'lease not released; it expires by itself', { ...where, error: String(e) }),
          );
      }
    }
  }

  /** The lease stays as it is: a job still running on the cluster keeps it alive, or it expires. */
  async close(): Promise<void> {
    await this.inner.close();
    await this.onClose();
  }
}
