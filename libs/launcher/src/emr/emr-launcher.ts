import {
  CancelJobRunCommand,
  DescribeJobRunCommand,
  EMRContainersClient,
  JobRun,
  JobRunState as EmrJobRunState,
  ListJobRunsCommand,
  StartJobRunCommand,
  StartJobRunRequest,
} from '@aws-sdk/client-emr-containers';
import { S3Client } from '@aws-sdk/client-s3';
import { JobResult } from '@app/runner-client';
import { JobLauncher, JobRunState, LaunchError, LaunchRequest, LaunchResult, jobDocument } from '../launcher';
import { Clock, RetryPolicy, callAws, systemClock } from './aws-call';
import { RunIdentity, jobRunNameFor, runIdentity } from './client-token';
import { EmrConfig, emrConfigFromEnv, s3Uri, sparkSubmitParametersFor } from './emr-config';
import { getTextOrNull, parseResultDocument, putObject } from './s3-objects';

export interface EmrLauncherDeps {
  emr: EMRContainersClient;
  s3: S3Client;
  clock?: Clock;
  /** [0, 1) for backoff jitter. */
  random?: () => number;
  /** Destroy the clients on close() (they were made for this launcher). */
  ownsClients?: boolean;
}

// A run in one of these states may still become a result: adopt it instead of starting another.
const ADOPTABLE: EmrJobRunState[] = ['PENDING', 'SUBMITTED', 'RUNNING', 'COMPLETED'];
const ACTIVE: EmrJobRunState[] = ['PENDING', 'SUBMITTED', 'RUNNING'];
// EMR failureReason values (API reference, JobRun.failureReason): the cluster or the service failed,
// so the same job may succeed later; USER_ERROR / VALIDATION_ERROR fail the same way every time.
const RETRIABLE_FAILURES = new Set(['CLUSTER_UNAVAILABLE', 'INTERNAL_ERROR']);

/**
 * Runs compiled jobs as EMR on EKS job runs of the Python runner (`summary_runner_main.py run`), one run
 * per (pipeline, batchId, step, attempt):
 *   upload job.json → adopt a run of this attempt (ListJobRuns) or StartJobRun with a deterministic
 *   clientToken → poll DescribeJobRun → read result.json.
 * The run's arguments carry job.json's sha256 (`--job-sha256`): the runner refuses a document that another
 * writer of the artifacts prefix changed after the upload.
 * A dispatcher that crashes and calls run() again for the same attempt gets the same run back.
 */
export class EmrOnEksLauncher implements JobLauncher {
  readonly engine = 'emr-on-eks' as const;
  private readonly closing = new AbortController();
  private readonly clock: Clock;
  private readonly inFlight = new Map<string, RunIdentity>();
  private readonly cancelRequested = new Set<string>();

  constructor(
    readonly config: EmrConfig,
    private readonly deps: EmrLauncherDeps,
  ) {
    this.clock = deps.clock ?? systemClock;
  }

  /** From EMR_* and AWS_REGION (emrConfigFromEnv); the SDK's own retries are off, callAws retries. */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): EmrOnEksLauncher {
    const config = emrConfigFromEnv(env);
    return new EmrOnEksLauncher(config, {
      emr: new EMRContainersClient({ region: config.region, maxAttempts: 1 }),
      s3: new S3Client({ region: config.region, maxAttempts: 1 }),
      ownsClients: true,
    });
  }

  private policy(): RetryPolicy {
    return {
      maxAttempts: this.config.apiMaxAttempts,
      clock: this.clock,
      signal: this.closing.signal,
      random: this.deps.random,
    };
  }

  async run(
    request: LaunchRequest,
    onState?: (state: JobRunState, jobRunId: string | null) => void,
  ): Promise<LaunchResult> {
    this.assertOpen(request);
    const run = runIdentity(request, this.config.artifacts);
    const existing = await this.findRuns(run, ADOPTABLE);
    let jobRunId: string;
    if (existing.length > 0) {
      // A crash after StartJobRun: the run of this attempt is already there (the job.json it reads too).
      jobRunId = existing[0].id as string;
    } else {
      const document = jobDocument(request.job);
      await putObject(
        this.deps.s3,
        this.config.artifacts.bucket,
        run.jobKey,
        document.text,
        'application/json',
        this.policy(),
      );
      jobRunId = await this.start(run, document.sha256);
    }
    this.inFlight.set(jobRunId, run);
    try {
      onState?.('SUBMITTED', jobRunId);
      return { result: await this.watch(run, jobRunId, request.job.jobId, onState), jobRunId };
    } finally {
      this.inFlight.delete(jobRunId);
      this.cancelRequested.delete(jobRunId);
    }
  }

  /**
   * Cancels the active run(s) of (batchId, step, attempt) — of one pipeline if given — and returns their
   * ids. A run() watching one of them then ends with LaunchError(retriable=false).
   */
  async cancel(batchId: string, step: string, attempt: number, pipeline?: string): Promise<string[]> {
    const matches = (r: Pick<RunIdentity, 'batchId' | 'step' | 'attempt' | 'pipeline'>) =>
      r.batchId === batchId &&
      r.step === step &&
      r.attempt === attempt &&
      (pipeline === undefined || r.pipeline === pipeline);
    let ids = [...this.inFlight.entries()].filter(([, r]) => matches(r)).map(([id]) => id);
    if (ids.length === 0) {
      const runs = await this.listRuns(jobRunNameFor({ batchId, step, attempt }), ACTIVE);
      ids = runs
        .filter((r) =>
          matches({
            batchId: r.tags?.batchId ?? '',
            step: r.tags?.step ?? '',
            attempt: Number(r.tags?.attempt),
            pipeline: r.tags?.pipeline ?? '',
          }),
        )
        .map((r) => r.id as string);
    }
    for (const id of ids) {
      this.cancelRequested.add(id);
      await this.cancelRun(id);
    }
    return ids;
  }

  /** Stops every polling loop; the runs go on on EMR (a later run() for the same attempt adopts them). */
  async close(): Promise<void> {
    this.closing.abort();
    if (this.deps.ownsClients) {
      this.deps.emr.destroy();
      this.deps.s3.destroy();
    }
  }

  private assertOpen(request: LaunchRequest): void {
    if (this.closing.signal.aborted) {
      throw new LaunchError(
        `EMR launcher is closed; cannot run ${request.batchId} ${request.step} attempt ${request.attempt} (retriable on a new launcher)`,
        true,
      );
    }
  }

  /** The StartJobRun request of one attempt (exported shape for tests and `plan`-style printing); `jobSha256` is job.json's (jobDocument). */
  startJobRunRequest(run: RunIdentity, jobSha256: string): StartJobRunRequest {
    const { config } = this;
    const bucket = config.artifacts.bucket;
    return {
      virtualClusterId: config.virtualClusterId,
      name: run.name,
      clientToken: run.clientToken,
      executionRoleArn: config.executionRoleArn,
      releaseLabel: config.releaseLabel,
      jobDriver: {
        sparkSubmitJobDriver: {
          entryPoint: config.runnerEntryPoint,
          entryPointArguments: [
            'run',
            '--engine-json',
            JSON.stringify(config.engineConfig),
            '--job',
            s3Uri(bucket, run.jobKey),
            '--job-sha256',
            jobSha256,
            '--result',
            s3Uri(bucket, run.resultKey),
          ],
          sparkSubmitParameters:
            `--py-files ${config.runnerPyFiles} ${sparkSubmitParametersFor(config, run.step)}`.trim(),
        },
      },
      ...(config.logS3Uri
        ? {
            configurationOverrides: {
              monitoringConfiguration: { s3MonitoringConfiguration: { logUri: config.logS3Uri } },
            },
          }
        : {}),
      tags: run.tags,
    };
  }

  private async start(run: RunIdentity, jobSha256: string): Promise<string> {
    const input = this.startJobRunRequest(run, jobSha256);
    const sent =
      `virtualClusterId=${input.virtualClusterId} name=${input.name} clientToken=${input.clientToken} ` +
      `releaseLabel=${input.releaseLabel} executionRoleArn=${input.executionRoleArn} ` +
      `entryPoint=${this.config.runnerEntryPoint}`;
    const out = await callAws(
      'EMR StartJobRun',
      sent,
      () => this.deps.emr.send(new StartJobRunCommand(input)),
      this.policy(),
    );
    if (!out.id) throw new LaunchError(`EMR StartJobRun returned no job run id (sent ${sent}); retriable`, true);
    return out.id;
  }

  /** Runs of this attempt in `states`: same name, and the same clientToken (or, if not listed, tags). */
  private async findRuns(run: RunIdentity, states: EmrJobRunState[]): Promise<JobRun[]> {
    const runs = await this.listRuns(run.name, states);
    return runs.filter(
      (r) =>
        r.name === run.name &&
        (r.clientToken
          ? r.clientToken === run.clientToken
          : r.tags?.pipeline === run.pipeline && r.tags?.attempt === String(run.attempt)),
    );
  }

  private async listRuns(name: string, states: EmrJobRunState[]): Promise<JobRun[]> {
    const runs: JobRun[] = [];
    let nextToken: string | undefined;
    do {
      const sent = `virtualClusterId=${this.config.virtualClusterId} name=${name} states=${states.join(',')}`;
      const page = await callAws(
        'EMR ListJobRuns',
        sent,
        () =>
          this.deps.emr.send(
            new ListJobRunsCommand({ virtualClusterId: this.config.virtualClusterId, name, states, nextToken }),
          ),
        this.policy(),
      );
      runs.push(...(page.jobRuns ?? []).filter((r) => r.name === name));
      nextToken = page.nextToken;
    } while (nextToken);
    return runs;
  }

  private async describe(jobRunId: string): Promise<JobRun> {
    const out = await callAws(
      'EMR DescribeJobRun',
      `virtualClusterId=${this.config.virtualClusterId} id=${jobRunId}`,
      () =>
        this.deps.emr.send(new DescribeJobRunCommand({ virtualClusterId: this.config.virtualClusterId, id: jobRunId })),
      this.policy(),
      jobRunId,
    );
    if (!out.jobRun)
      throw new LaunchError(`EMR DescribeJobRun returned no jobRun for ${jobRunId}; retriable`, true, jobRunId);
    return out.jobRun;
  }

  private async cancelRun(jobRunId: string): Promise<void> {
    await callAws(
      'EMR CancelJobRun',
      `virtualClusterId=${this.config.virtualClusterId} id=${jobRunId}`,
      () =>
        this.deps.emr.send(new CancelJobRunCommand({ virtualClusterId: this.config.virtualClusterId, id: jobRunId })),
      this.policy(),
      jobRunId,
    );
  }

  /** Polls the run until it ends; returns its result document or throws why there is none. */
  private async watch(
    run: RunIdentity,
    jobRunId: string,
    jobId: string,
    onState?: (state: JobRunState, jobRunId: string | null) => void,
  ): Promise<JobResult> {
    const { jobTimeoutMs, pollIntervalMs } = this.config;
    const deadline = jobTimeoutMs > 0 ? this.clock.now() + jobTimeoutMs : Number.POSITIVE_INFINITY;
    let reportedRunning = false;
    const where = `${run.batchId} ${run.step} attempt ${run.attempt} (EMR job run ${jobRunId})`;
    while (true) {
      const jobRun = await this.describe(jobRunId);
      switch (jobRun.state) {
        case 'PENDING':
        case 'SUBMITTED':
        case 'CANCEL_PENDING':
          break;
        case 'RUNNING':
          if (!reportedRunning) onState?.('RUNNING', jobRunId);
          reportedRunning = true;
          break;
        case 'COMPLETED': {
          const result = await this.readResult(run, jobRunId, jobId);
          if (result) return result;
          throw new LaunchError(
            `${where} COMPLETED but wrote no result document ` +
              `at ${s3Uri(this.config.artifacts.bucket, run.resultKey)}; ` +
              `expected the runner's result JSON (is EMR_RUNNER_ENTRYPOINT the summary runner?); not retriable`,
            false,
            jobRunId,
          );
        }
        case 'FAILED':
        case 'CANCELLED': {
          // The runner writes a failed job's result before it exits non-zero: that is a failed job, not a launch failure.
          const result = await this.readResult(run, jobRunId, jobId);
          if (result) return result;
          throw this.endedWithoutResult(where, jobRun, jobRunId);
        }
        default:
          throw new LaunchError(
            `${where} is in state ${jobRun.state}; expected one of PENDING, SUBMITTED, RUNNING, CANCEL_PENDING, COMPLETED, FAILED, CANCELLED; not retriable`,
            false,
            jobRunId,
          );
      }
      const now = this.clock.now();
      if (now >= deadline) throw await this.timedOut(where, jobRun, jobRunId);
      try {
        await this.clock.sleep(Math.min(pollIntervalMs, deadline - now), this.closing.signal);
      } catch {
        throw new LaunchError(
          `${where}: the launcher was closed while the run was ${jobRun.state}; the run goes on, and run() for the same attempt adopts it; retriable`,
          true,
          jobRunId,
        );
      }
    }
  }

  private async readResult(run: RunIdentity, jobRunId: string, jobId: string): Promise<JobResult | null> {
    const bucket = this.config.artifacts.bucket;
    const text = await getTextOrNull(this.deps.s3, bucket, run.resultKey, this.policy(), jobRunId);
    return text === null ? null : parseResultDocument(text, s3Uri(bucket, run.resultKey), jobId, jobRunId);
  }

  private async timedOut(where: string, jobRun: JobRun, jobRunId: string): Promise<LaunchError> {
    let cancelled = 'cancelled it';
    try {
      await this.cancelRun(jobRunId);
    } catch (error) {
      if (!(error instanceof LaunchError)) throw error;
      cancelled = `could not cancel it: ${error.message}`;
    }
    const limit = `EMR_JOB_TIMEOUT_MS=${this.config.jobTimeoutMs}`;
    return new LaunchError(
      `${where} did not finish within ${limit} (last state ${jobRun.state}); ${cancelled}; retriable as a new attempt`,
      true,
      jobRunId,
    );
  }

  private endedWithoutResult(where: string, jobRun: JobRun, jobRunId: string): LaunchError {
    const details = `failureReason=${jobRun.failureReason ?? 'none'}, stateDetails=${jobRun.stateDetails ?? 'none'}`;
    if (jobRun.state === 'CANCELLED' && this.cancelRequested.has(jobRunId)) {
      return new LaunchError(`${where} was CANCELLED on request (${details}); not retriable`, false, jobRunId);
    }
    // A cancel nobody here asked for (an operator, the cluster going away) says nothing about the job.
    const retriable =
      jobRun.state === 'CANCELLED'
        ? jobRun.failureReason === undefined || RETRIABLE_FAILURES.has(jobRun.failureReason)
        : RETRIABLE_FAILURES.has(jobRun.failureReason ?? '');
    const expected = retriable
      ? 'retriable: EMR or the cluster failed, not the job'
      : 'not retriable: the job or its configuration was refused (USER_ERROR / VALIDATION_ERROR); see the driver log under EMR_LOG_S3_URI';
    return new LaunchError(
      `${where} ended ${jobRun.state} without a result document (${details}); ${expected}`,
      retriable,
      jobRunId,
    );
  }
}
