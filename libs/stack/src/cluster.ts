import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { S3Client } from '@aws-sdk/client-s3';
import { CompiledJob } from '@app/compiler';
import { JobResult, RunnerClient, RunnerClientOptions, RunnerEngineConfig, repoRoot } from '@app/runner-client';
import {
  DriverStatus,
  JobLauncher,
  LaunchRequest,
  SparkSubmitConfig,
  SparkSubmitLauncher,
  StandaloneRestClient,
} from '@app/launcher';

// The local stack's cluster topology (`bash scripts/stack/stack.sh up --cluster`, docs/spark-cluster.md) as
// code sees it: its variables, the engine and submission settings that reach its object store and master,
// and the compiled jobs run on it through the spark-submit launcher. Shared by the cluster e2e and
// `npm run bench -- --cluster`.

/** `stack.sh up|down` of some of the local stack's components (`STACK_COMPONENTS`), e.g. a fault test's outage. */
export function stackComponents(action: 'up' | 'down', components: string): void {
  const out = spawnSync('bash', ['scripts/stack/stack.sh', action], {
    cwd: repoRoot(),
    encoding: 'utf8',
    env: { ...process.env, STACK_COMPONENTS: components },
  });
  if (out.status !== 0) throw new Error(`stack.sh ${action} ${components} exited ${out.status}:\n${out.stderr}`);
}

/** What `scripts/stack/env.sh` says about the cluster topology (`stack.sh up --cluster`). */
export interface ClusterStack {
  STACK_HOME: string;
  STACK_S3_ENDPOINT: string;
  STACK_S3_BUCKET: string;
  STACK_S3_REGION: string;
  STACK_S3_ACCESS_KEY_ID: string;
  STACK_S3_SECRET_ACCESS_KEY: string;
  ICEBERG_S3_REST_URI: string;
  SPARK_MASTER_URL: string;
  SPARK_MASTER_REST_URL: string;
  SPARK_CLUSTER_JARS_DIR: string;
  SPARK_CLUSTER_PYTHON: string;
  /** The cluster's own Spark Connect server (`stack.sh up --cluster-connect`) and its web UI (REST API). */
  SPARK_CONNECT_CLUSTER_URL: string;
  SPARK_CONNECT_CLUSTER_UI_URL: string;
}

export function clusterStackEnv(): ClusterStack {
  const out = spawnSync('bash', ['scripts/stack/env.sh'], { cwd: repoRoot(), encoding: 'utf8' });
  const vars: Record<string, string> = {};
  for (const m of out.stdout.matchAll(/^export (\w+)=(.*)$/gm)) vars[m[1]] = m[2].replace(/^'(.*)'$/, '$1');
  if (!vars.ICEBERG_S3_REST_URI) {
    throw new Error(
      `scripts/stack/env.sh names no cluster topology for STACK_HOME=${vars.STACK_HOME}: ` +
        `start it with 'bash scripts/stack/stack.sh up --cluster' ` +
        `(npm run e2e:cluster and npm run bench -- --cluster do)`,
    );
  }
  return vars as unknown as ClusterStack;
}

/** Iceberg catalog properties for S3FileIO on the stack's store; the keys come from the environment (AWS_*). */
export function s3CatalogProperties(stack: ClusterStack): Record<string, string> {
  return {
    'io-impl': 'org.apache.iceberg.aws.s3.S3FileIO',
    's3.endpoint': stack.STACK_S3_ENDPOINT,
    's3.path-style-access': 'true',
    'client.region': stack.STACK_S3_REGION,
  };
}

/** Hadoop's s3a (the runner reads job documents and writes results through it) on the stack's store. */
export function s3aSparkConf(stack: ClusterStack): Record<string, string> {
  return {
    'spark.hadoop.fs.s3a.endpoint': stack.STACK_S3_ENDPOINT,
    'spark.hadoop.fs.s3a.path.style.access': 'true',
    'spark.hadoop.fs.s3a.connection.ssl.enabled': 'false',
    'spark.hadoop.fs.s3a.endpoint.region': stack.STACK_S3_REGION,
  };
}

/** The credentials as every AWS SDK (v1 in s3a, v2 in S3FileIO, JS here) reads them from the environment. */
export function awsEnv(stack: ClusterStack): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: stack.STACK_S3_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: stack.STACK_S3_SECRET_ACCESS_KEY,
    AWS_REGION: stack.STACK_S3_REGION,
  };
}

/** The engine config with the catalogs on the stack's object store (S3FileIO) and s3a for job documents. */
export function withS3(engine: RunnerEngineConfig, stack: ClusterStack): RunnerEngineConfig {
  const catalogs = Object.fromEntries(
    Object.entries(engine.catalogs).map(([name, c]) => [
      name,
      { ...c, properties: { ...(c.properties ?? {}), ...s3CatalogProperties(stack) } },
    ]),
  );
  return { ...engine, catalogs, sparkConf: { ...engine.sparkConf, ...s3aSparkConf(stack) } };
}

/** Spark properties of every submission to the stack's cluster: sizing for two 1-core workers, the image's jars and Python. */
export function clusterSparkProperties(stack: ClusterStack): Record<string, string> {
  const jars = `${stack.SPARK_CLUSTER_JARS_DIR}/*`;
  return {
    'spark.driver.memory': '1g',
    'spark.driver.cores': '1',
    'spark.executor.memory': '1g',
    'spark.executor.cores': '1',
    // One executor per worker: the driver shares a worker with one of them.
    'spark.cores.max': '2',
    'spark.driver.extraClassPath': jars,
    'spark.executor.extraClassPath': jars,
    'spark.pyspark.python': stack.SPARK_CLUSTER_PYTHON,
  };
}

export interface ClusterSubmission {
  jobId: string;
  /** The driver's submission id on the master. */
  submissionId: string;
  /** The driver's state once run() returned (FINISHED for a job that ended well). */
  finalState: DriverStatus['state'];
}

/**
 * Compiled jobs run through the spark-submit launcher on the Spark standalone cluster in cluster deploy mode
 * (the driver on a worker, executors on both), job document and result on the object store: one submission
 * per call, its attempt counted per batch and step, every driver and its final state recorded.
 */
export class ClusterJobs {
  readonly submissions: ClusterSubmission[] = [];
  readonly launcher: SparkSubmitLauncher;
  /** The driver of the job running now (set once the master accepted it), for the fault tests. */
  active: string | null = null;
  private readonly rest: StandaloneRestClient;
  private readonly attempts = new Map<string, number>();
  private readonly submitConfig: SparkSubmitConfig;
  private readonly launcherEnv: NodeJS.ProcessEnv;

  constructor(
    clusterEngine: RunnerEngineConfig,
    private readonly stack: ClusterStack,
    /** Where on the stack's bucket job documents and results go. */
    prefix: string,
    private readonly progress: (line: string) => void = () => undefined,
    /** Passed to every driver (e.g. the runner's test hooks, SUMMARY_RUNNER_PAUSE_DIR). */
    driverEnv: Record<string, string> = {},
  ) {
    this.submitConfig = {
      master: stack.SPARK_MASTER_URL,
      restUrl: stack.SPARK_MASTER_REST_URL,
      artifacts: { bucket: stack.STACK_S3_BUCKET, prefix },
      s3Endpoint: stack.STACK_S3_ENDPOINT,
      region: stack.STACK_S3_REGION,
      runnerDir: join(repoRoot(), 'runner'),
      engineConfig: { ...clusterEngine } as unknown as Record<string, unknown>,
      sparkProperties: clusterSparkProperties(stack),
      passEnv: [...Object.keys(awsEnv(stack)), ...Object.keys(driverEnv)],
      pollIntervalMs: 1000,
      jobTimeoutMs: 600_000,
    };
    this.launcherEnv = { ...process.env, ...awsEnv(stack), ...driverEnv };
    this.rest = new StandaloneRestClient(stack.SPARK_MASTER_REST_URL);
    this.launcher = this.newLauncher();
  }

  /** Another launcher with this one's settings, as a restarted dispatcher would have. */
  newLauncher(): SparkSubmitLauncher {
    const { stack } = this;
    const s3 = new S3Client({
      endpoint: stack.STACK_S3_ENDPOINT,
      forcePathStyle: true,
      region: stack.STACK_S3_REGION,
      maxAttempts: 1,
      credentials: { accessKeyId: stack.STACK_S3_ACCESS_KEY_ID, secretAccessKey: stack.STACK_S3_SECRET_ACCESS_KEY },
    });
    return new SparkSubmitLauncher(
      this.submitConfig,
      { rest: new StandaloneRestClient(stack.SPARK_MASTER_REST_URL), s3, ownsClients: true },
      this.launcherEnv,
    );
  }

  /** The launch identity of a job's next attempt (counted per batch and step). */
  launchRequest(job: CompiledJob): LaunchRequest {
    // The dispatcher's identity of a case job; a job outside the ledger (init, the audit's append) by its kind.
    const batchId = job.ledger?.batchId ?? job.kind;
    const step = job.ledger?.step ?? job.kind;
    const attempt = (this.attempts.get(`${batchId}/${step}`) ?? 0) + 1;
    this.attempts.set(`${batchId}/${step}`, attempt);
    return { pipeline: this.stackPipeline(job), batchId, step, attempt, job };
  }

  runJob(job: CompiledJob): Promise<JobResult> {
    return this.launch(this.launcher, this.launchRequest(job));
  }

  /** Runs one attempt through `launcher`, recording its driver and final state. */
  async launch(launcher: JobLauncher, request: LaunchRequest): Promise<JobResult> {
    const { job } = request;
    const started = Date.now();
    let submissionId = '';
    try {
      const out = await launcher.run(request, (state, id) => {
        submissionId = id ?? '';
        this.active = submissionId || null;
        this.progress(`cluster: ${job.jobId} attempt ${request.attempt} ${state} (${id})`);
      });
      return out.result;
    } catch (error) {
      const log = submissionId ? driverLog(this.stack, submissionId) : null;
      throw new Error(
        `cluster: ${job.jobId} (${submissionId || 'not submitted'}): ${(error as Error).message}; driver log: ${log ?? 'none found'}`,
        { cause: error },
      );
    } finally {
      this.active = null;
      if (submissionId) {
        const status = await this.rest.status(submissionId);
        this.submissions.push({ jobId: job.jobId, submissionId, finalState: status.state });
        this.progress(`cluster: ${job.jobId} ${status.state} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      }
    }
  }

  close(): Promise<void> {
    return this.launcher.close();
  }

  private stackPipeline(job: CompiledJob): string {
    return (job.ledger?.table ?? job.targets[0] ?? 'pipeline').replace(/[^A-Za-z0-9._=-]/g, '-');
  }
}

/**
 * A runner whose compiled jobs run on the cluster (ClusterJobs); queries and ingest stay on the local
 * serve-mode runner, against the same REST catalog.
 */
export class ClusterJobRunner extends RunnerClient {
  readonly jobs: ClusterJobs;

  constructor(
    localEngine: RunnerEngineConfig,
    clusterEngine: RunnerEngineConfig,
    stack: ClusterStack,
    prefix: string,
    options: RunnerClientOptions = {},
    progress: (line: string) => void = () => undefined,
    driverEnv: Record<string, string> = {},
  ) {
    super(localEngine, options);
    this.jobs = new ClusterJobs(clusterEngine, stack, prefix, progress, driverEnv);
  }

  get submissions(): ClusterSubmission[] {
    return this.jobs.submissions;
  }

  get active(): string | null {
    return this.jobs.active;
  }

  newLauncher(): SparkSubmitLauncher {
    return this.jobs.newLauncher();
  }

  launchRequest(job: CompiledJob): LaunchRequest {
    return this.jobs.launchRequest(job);
  }

  launch(launcher: JobLauncher, request: LaunchRequest): Promise<JobResult> {
    return this.jobs.launch(launcher, request);
  }

  override runJob(job: CompiledJob): Promise<JobResult> {
    return this.jobs.runJob(job);
  }

  override async close(): Promise<void> {
    await this.jobs.close();
    await super.close();
  }
}

/** The worker (1 or 2) whose work dir holds this driver, or null. */
export function driverWorker(stack: ClusterStack, submissionId: string): number | null {
  const log = driverLog(stack, submissionId);
  const m = log?.match(/worker-(\d+)/);
  return m ? Number(m[1]) : null;
}

/** The workers (1, 2) whose work dir holds an executor of this application (`$STACK_HOME/spark/worker-<n>/<app id>/`). */
export function applicationWorkers(stack: ClusterStack, appId: string): number[] {
  const spark = join(stack.STACK_HOME, 'spark');
  if (!existsSync(spark)) return [];
  return readdirSync(spark)
    .filter((d) => d.startsWith('worker-') && existsSync(join(spark, d, appId)))
    .map((d) => Number(d.slice('worker-'.length)))
    .sort();
}

/** `$STACK_HOME/spark/worker-<n>/<driver id>/stderr`, where the worker ran the driver. */
export function driverLog(stack: ClusterStack, submissionId: string): string | null {
  const spark = join(stack.STACK_HOME, 'spark');
  if (!existsSync(spark)) return null;
  for (const worker of readdirSync(spark).filter((d) => d.startsWith('worker-'))) {
    const file = join(spark, worker, submissionId, 'stderr');
    if (existsSync(file)) return file;
  }
  return null;
}
