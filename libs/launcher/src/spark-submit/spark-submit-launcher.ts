import { S3Client } from '@aws-sdk/client-s3';
import { JobResult } from '@app/runner-client';
import { JobLauncher, JobRunState, LaunchError, LaunchRequest, LaunchResult, jobDocument } from '../launcher';
import { Clock, RetryPolicy, systemClock } from '../emr/aws-call';
import { RunIdentity, runIdentity } from '../emr/client-token';
import { s3Uri } from '../emr/emr-config';
import { getTextOrNull, parseResultDocument, putObject } from '../emr/s3-objects';
import { SparkSubmitConfig, sparkSubmitConfigFromEnv } from './spark-submit-config';
import { DriverStatus, FINAL_DRIVER_STATES, StandaloneRestClient, StandaloneRestError } from './standalone-rest';

export interface SparkSubmitLauncherDeps {
  rest: Pick<StandaloneRestClient, 'createPythonDriver' | 'status' | 'kill'>;
  s3: S3Client;
  clock?: Clock;
  ownsClients?: boolean;
}

/** Written next to job.json right after the master accepted the driver: what a restarted dispatcher adopts. */
interface SubmissionRecord {
  submissionId: string;
  master: string;
}

/**
 * Runs compiled jobs as drivers on a Spark standalone master in cluster deploy mode (the runner's `run` mode,
 * job and result on S3), one driver per (pipeline, batchId, step, attempt):
 *   submission.json of this attempt exists → adopt that driver; else put job.json → create the driver →
 *   put submission.json → poll its state → read result.json.
 * The master has no idempotency token (EMR's clientToken) and no listing by name, so the record is the
 * identity. A dispatcher killed between the create and the record's put leaves a driver nobody adopts; the
 * next run() submits again, and the runner's ledger and lease keep the second one from committing twice.
 */
export class SparkSubmitLauncher implements JobLauncher {
  readonly engine = 'spark-submit' as const;
  private readonly closing = new AbortController();
  private readonly clock: Clock;
  private readonly killRequested = new Set<string>();

  constructor(
    readonly config: SparkSubmitConfig,
    private readonly deps: SparkSubmitLauncherDeps,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.clock = deps.clock ?? systemClock;
  }

  static fromEnv(env: NodeJS.ProcessEnv = process.env): SparkSubmitLauncher {
    const config = sparkSubmitConfigFromEnv(env);
    const s3 = new S3Client({
      region: config.region,
      maxAttempts: 1,
      ...(config.s3Endpoint ? { endpoint: config.s3Endpoint, forcePathStyle: true } : {}),
    });
    return new SparkSubmitLauncher(
      config,
      { rest: new StandaloneRestClient(config.restUrl), s3, ownsClients: true },
      env,
    );
  }

  private policy(): RetryPolicy {
    return { maxAttempts: 5, clock: this.clock, signal: this.closing.signal };
  }

  async run(
    request: LaunchRequest,
    onState?: (state: JobRunState, jobRunId: string | null) => void,
  ): Promise<LaunchResult> {
    if (this.closing.signal.aborted) {
      throw new LaunchError(
        `spark-submit launcher is closed; cannot run ${request.batchId} ${request.step} attempt ${request.attempt} (retriable on a new launcher)`,
        true,
      );
    }
    const run = runIdentity(request, this.config.artifacts);
    const bucket = this.config.artifacts.bucket;
    const recordKey = run.jobKey.replace(/job\.json$/, 'submission.json');
    const recorded = await getTextOrNull(this.deps.s3, bucket, recordKey, this.policy(), null);
    let submissionId: string;
    if (recorded !== null) {
      // A dispatcher restarted after the submission: the driver of this attempt is already there.
      submissionId = (JSON.parse(recorded) as SubmissionRecord).submissionId;
    } else {
      const document = jobDocument(request.job);
      await putObject(this.deps.s3, bucket, run.jobKey, document.text, 'application/json', this.policy());
      submissionId = await this.rest('create', () =>
        this.deps.rest.createPythonDriver(this.submission(run, document.sha256)),
      );
      const record: SubmissionRecord = { submissionId, master: this.config.master };
      await putObject(this.deps.s3, bucket, recordKey, JSON.stringify(record), 'application/json', this.policy());
    }
    try {
      onState?.('SUBMITTED', submissionId);
      return { result: await this.watch(run, submissionId, request.job.jobId, onState), jobRunId: submissionId };
    } finally {
      this.killRequested.delete(submissionId);
    }
  }

  /**
   * The REST submission of one attempt; its arguments are those of the EMR launcher's StartJobRun, job.json's
   * sha256 (jobDocument) included: the runner refuses a document changed after the put.
   */
  submission(run: RunIdentity, jobSha256: string) {
    const { config } = this;
    const uri = (key: string) => `s3a://${config.artifacts.bucket}/${key}`;
    const env = Object.fromEntries(config.passEnv.map((name) => [name, this.env[name] ?? '']));
    return {
      appName: run.name,
      master: config.master,
      entryPoint: `${config.runnerDir}/summary_runner_main.py`,
      pyFiles: [config.runnerDir],
      args: [
        'run',
        '--engine-json',
        JSON.stringify({ ...config.engineConfig, master: null }),
        '--job',
        uri(run.jobKey),
        '--job-sha256',
        jobSha256,
        '--result',
        uri(run.resultKey),
      ],
      environment: env,
      sparkProperties: {
        ...config.sparkProperties,
        ...Object.fromEntries(Object.entries(env).map(([k, v]) => [`spark.executorEnv.${k}`, v])),
      },
    };
  }

  /** Kills the driver; a run() watching it ends with LaunchError(retriable=false). */
  async kill(submissionId: string): Promise<boolean> {
    this.killRequested.add(submissionId);
    return this.rest('kill', () => this.deps.rest.kill(submissionId));
  }

  async close(): Promise<void> {
    this.closing.abort();
    if (this.deps.ownsClients) this.deps.s3.destroy();
  }

  private async rest<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof StandaloneRestError)
        throw new LaunchError(`spark-submit launcher: ${what}: ${error.message}`, error.retriable);
      throw error;
    }
  }

  private async watch(
    run: RunIdentity,
    submissionId: string,
    jobId: string,
    onState?: (state: JobRunState, jobRunId: string | null) => void,
  ): Promise<JobResult> {
    const { jobTimeoutMs, pollIntervalMs } = this.config;
    const deadline = jobTimeoutMs > 0 ? this.clock.now() + jobTimeoutMs : Number.POSITIVE_INFINITY;
    const where = `${run.batchId} ${run.step} attempt ${run.attempt} (driver ${submissionId} on ${this.config.master})`;
    let reportedRunning = false;
    for (;;) {
      const status = await this.rest('status', () => this.deps.rest.status(submissionId));
      if (!status.found) {
        const result = await this.readResult(run, submissionId, jobId);
        if (result) return result;
        // A restarted master forgets its drivers (no recovery mode here): whatever ran is gone.
        throw new LaunchError(
          `${where}: the master does not know this driver (restarted?) and there is no result; retriable as a new attempt`,
          true,
          submissionId,
        );
      }
      if (status.state === 'RUNNING' && !reportedRunning) {
        onState?.('RUNNING', submissionId);
        reportedRunning = true;
      }
      if (status.state && FINAL_DRIVER_STATES.has(status.state)) {
        // The runner writes a failed job's result before it exits 1: a failed job, not a launch failure.
        const result = await this.readResult(run, submissionId, jobId);
        if (result) return result;
        throw this.endedWithoutResult(where, status, submissionId, s3Uri(this.config.artifacts.bucket, run.resultKey));
      }
      const now = this.clock.now();
      if (now >= deadline) {
        const killed = await this.kill(submissionId).catch((e: Error) => `could not kill it: ${e.message}`);
        throw new LaunchError(
          `${where} did not finish within SPARK_SUBMIT_JOB_TIMEOUT_MS=${jobTimeoutMs} ` +
            `(last state ${status.state}); ${killed === true ? 'killed it' : killed}; retriable as a new attempt`,
          true,
          submissionId,
        );
      }
      try {
        await this.clock.sleep(Math.min(pollIntervalMs, deadline - now), this.closing.signal);
      } catch {
        throw new LaunchError(
          `${where}: the launcher was closed while the driver was ${status.state}; it goes on, and run() for the same attempt adopts it; retriable`,
          true,
          submissionId,
        );
      }
    }
  }

  private async readResult(run: RunIdentity, submissionId: string, jobId: string): Promise<JobResult | null> {
    const bucket = this.config.artifacts.bucket;
    const text = await getTextOrNull(this.deps.s3, bucket, run.resultKey, this.policy(), submissionId);
    return text === null ? null : parseResultDocument(text, s3Uri(bucket, run.resultKey), jobId, submissionId);
  }

  private endedWithoutResult(
    where: string,
    status: DriverStatus,
    submissionId: string,
    resultUri: string,
  ): LaunchError {
    const said = status.message ? ` (${status.message.split('\n')[0]})` : '';
    if (status.state === 'KILLED' && this.killRequested.has(submissionId)) {
      return new LaunchError(`${where} was KILLED on request${said}; not retriable`, false, submissionId);
    }
    if (status.state === 'FINISHED') {
      return new LaunchError(
        `${where} FINISHED but wrote no result at ${resultUri}; ` +
          `expected the runner's result JSON (is SPARK_SUBMIT_RUNNER_DIR the summary runner?); not retriable`,
        false,
        submissionId,
      );
    }
    // FAILED without a result: the driver died (killed, lost with its worker, out of memory) or the runner
    // refused its input (exit 2); ERROR: the worker could not launch it; KILLED by someone else. The next
    // attempt rolls back what a dead driver left (the ledger), and DISPATCHER_MAX_ATTEMPTS bounds a job that
    // fails the same way every time: its driver's stderr (in its worker's work dir) says why.
    return new LaunchError(
      `${where} ended ${status.state} without a result at ${resultUri}${said}; retriable as a new attempt; the driver's stderr is in its worker's work dir`,
      true,
      submissionId,
    );
  }
}
