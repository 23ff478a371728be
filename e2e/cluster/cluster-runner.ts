import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { S3Client } from '@aws-sdk/client-s3';
import { CompiledJob } from '@app/compiler';
import { JobResult, RunnerClient, RunnerClientOptions, RunnerEngineConfig, repoRoot } from '@app/engine';
import { DriverStatus, SparkSubmitConfig, SparkSubmitLauncher, StandaloneRestClient } from '@app/launcher';

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
}

export function clusterStackEnv(): ClusterStack {
  const out = spawnSync('bash', ['scripts/stack/env.sh'], { cwd: repoRoot(), encoding: 'utf8' });
  const vars: Record<string, string> = {};
  for (const m of out.stdout.matchAll(/^export (\w+)=(.*)$/gm)) vars[m[1]] = m[2].replace(/^'(.*)'$/, '$1');
  if (!vars.ICEBERG_S3_REST_URI) {
    throw new Error(`scripts/stack/env.sh names no cluster topology for STACK_HOME=${vars.STACK_HOME}: start it with 'bash scripts/stack/stack.sh up --cluster' (npm run e2e:cluster does)`);
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
  return { AWS_ACCESS_KEY_ID: stack.STACK_S3_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: stack.STACK_S3_SECRET_ACCESS_KEY, AWS_REGION: stack.STACK_S3_REGION };
}

export interface ClusterSubmission {
  jobId: string;
  /** The driver's submission id on the master. */
  submissionId: string;
  /** The driver's state once run() returned (FINISHED for a job that ended well). */
  finalState: DriverStatus['state'];
}

/**
 * A runner whose compiled jobs run through the spark-submit launcher on the Spark standalone cluster in
 * cluster deploy mode (the driver on a worker, executors on both), job document and result on the object
 * store; queries and ingest stay on the local serve-mode runner, against the same REST catalog.
 */
export class ClusterJobRunner extends RunnerClient {
  readonly submissions: ClusterSubmission[] = [];
  readonly launcher: SparkSubmitLauncher;
  private readonly rest: StandaloneRestClient;
  private readonly attempts = new Map<string, number>();

  constructor(
    localEngine: RunnerEngineConfig,
    clusterEngine: RunnerEngineConfig,
    private readonly stack: ClusterStack,
    prefix: string,
    options: RunnerClientOptions = {},
    private readonly progress: (line: string) => void = () => undefined,
  ) {
    super(localEngine, options);
    const jars = `${stack.SPARK_CLUSTER_JARS_DIR}/*`;
    const config: SparkSubmitConfig = {
      master: stack.SPARK_MASTER_URL,
      restUrl: stack.SPARK_MASTER_REST_URL,
      artifacts: { bucket: stack.STACK_S3_BUCKET, prefix },
      s3Endpoint: stack.STACK_S3_ENDPOINT,
      region: stack.STACK_S3_REGION,
      runnerDir: join(repoRoot(), 'runner'),
      engineConfig: { ...clusterEngine } as unknown as Record<string, unknown>,
      sparkProperties: {
        'spark.driver.memory': '1g',
        'spark.driver.cores': '1',
        'spark.executor.memory': '1g',
        'spark.executor.cores': '1',
        // One executor per worker: the driver shares a worker with one of them.
        'spark.cores.max': '2',
        'spark.driver.extraClassPath': jars,
        'spark.executor.extraClassPath': jars,
        'spark.pyspark.python': stack.SPARK_CLUSTER_PYTHON,
      },
      passEnv: Object.keys(awsEnv(stack)),
      pollIntervalMs: 1000,
      jobTimeoutMs: 600_000,
    };
    const s3 = new S3Client({
      endpoint: stack.STACK_S3_ENDPOINT,
      forcePathStyle: true,
      region: stack.STACK_S3_REGION,
      maxAttempts: 1,
      credentials: { accessKeyId: stack.STACK_S3_ACCESS_KEY_ID, secretAccessKey: stack.STACK_S3_SECRET_ACCESS_KEY },
    });
    this.rest = new StandaloneRestClient(stack.SPARK_MASTER_REST_URL);
    this.launcher = new SparkSubmitLauncher(config, { rest: this.rest, s3, ownsClients: true }, { ...process.env, ...awsEnv(stack) });
  }

  override async runJob(job: CompiledJob): Promise<JobResult> {
    // The dispatcher's identity of a case job; a job outside the ledger (init, the audit's append) by its kind.
    const batchId = job.ledger?.batchId ?? job.kind;
    const step = job.ledger?.step ?? job.kind;
    const attempt = (this.attempts.get(`${batchId}/${step}`) ?? 0) + 1;
    this.attempts.set(`${batchId}/${step}`, attempt);
    const started = Date.now();
    let submissionId = '';
    try {
      const out = await this.launcher.run({ pipeline: this.stackPipeline(job), batchId, step, attempt, job }, (state, id) => {
        submissionId = id ?? '';
        this.progress(`cluster: ${job.jobId} ${state} (${id})`);
      });
      return out.result;
    } catch (error) {
      const log = submissionId ? driverLog(this.stack, submissionId) : null;
      throw new Error(`cluster: ${job.jobId} (${submissionId || 'not submitted'}): ${(error as Error).message}; driver log: ${log ?? 'none found'}`, { cause: error });
    } finally {
      if (submissionId) {
        const status = await this.rest.status(submissionId);
        this.submissions.push({ jobId: job.jobId, submissionId, finalState: status.state });
        this.progress(`cluster: ${job.jobId} ${status.state} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      }
    }
  }

  override async close(): Promise<void> {
    await this.launcher.close();
    await super.close();
  }

  private stackPipeline(job: CompiledJob): string {
    return (job.ledger?.table ?? job.targets[0] ?? 'pipeline').replace(/[^A-Za-z0-9._=-]/g, '-');
  }
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
