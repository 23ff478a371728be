import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { parseConfig } from '@app/config';
import { DEFAULT_ENGINE, repoRoot, runnerEngineConfig } from '@app/engine';
import { formatBatchId as batchIdOf } from '@app/lifecycle';
import { join } from 'node:path';
import { MINUTES, RunCatalog, ServicesRun, withNamespace } from '../services-run';
import { waitFor } from '../service-processes';
import { ClusterStack, awsEnv, clusterSparkProperties, s3CatalogProperties, withS3 } from './cluster-runner';

// Issue 14: the four services as in production with a cluster — the dispatcher submits every case job to
// the Spark standalone master (DISPATCHER_LAUNCHER=spark-submit, cluster deploy mode), the tables live on
// the object store behind the S3 REST catalog, and the services' own runners (classify, audit, the lease)
// reach the same tables through S3FileIO (SUMMARY_CATALOG_PROPERTIES, SUMMARY_JARS_DIR). Needs the cluster
// topology and Kafka with the registry (npm run e2e:cluster starts them).

const COMPONENTS = 'kafka registry s3 catalog-s3 spark-master spark-worker-1 spark-worker-2';

/** The run's catalog on the stack's object store, and the dispatcher's spark-submit settings. */
function clusterCatalog(vars: Record<string, string>, run: string): RunCatalog {
  const stack = vars as unknown as ClusterStack;
  if (!stack.ICEBERG_S3_REST_URI)
    throw new Error('the cluster topology is not up: run npm run e2e:cluster (stack.sh up --cluster)');
  const config = parseConfig(withNamespace(run), 'cluster services config');
  const s3 = s3CatalogProperties(stack);
  // The drivers' engine document: the same catalogs, S3FileIO, and s3a for the job document and result.
  const base = {
    ...DEFAULT_ENGINE,
    catalogType: 'rest' as const,
    catalogUri: stack.ICEBERG_S3_REST_URI,
    shufflePartitions: 2,
    driverMemory: '1g',
  };
  const drivers: Record<string, unknown> = { ...withS3(runnerEngineConfig(config, base), stack) };
  delete drivers.master; // the submission decides
  const pairs = (o: Record<string, string>) =>
    Object.entries(o)
      .map(([k, v]) => `${k}=${v}`)
      .join(';');
  return {
    harness: { catalogUri: stack.ICEBERG_S3_REST_URI, catalogProperties: s3, jarsDir: stack.SPARK_CLUSTER_JARS_DIR },
    harnessEnv: awsEnv(stack),
    services: {
      ...awsEnv(stack),
      SUMMARY_CATALOG_URI: stack.ICEBERG_S3_REST_URI,
      SUMMARY_CATALOG_PROPERTIES: pairs(s3),
      SUMMARY_JARS_DIR: stack.SPARK_CLUSTER_JARS_DIR,
      DISPATCHER_LAUNCHER: 'spark-submit',
      SPARK_SUBMIT_MASTER: stack.SPARK_MASTER_URL,
      SPARK_SUBMIT_REST_URL: stack.SPARK_MASTER_REST_URL,
      SPARK_SUBMIT_ARTIFACTS_S3_URI: `s3://${stack.STACK_S3_BUCKET}/e2e-cluster-services/${run}`,
      SPARK_SUBMIT_S3_ENDPOINT: stack.STACK_S3_ENDPOINT,
      SPARK_SUBMIT_RUNNER_DIR: join(repoRoot(), 'runner'),
      SPARK_SUBMIT_ENGINE_CONFIG: JSON.stringify(drivers),
      SPARK_SUBMIT_PROPERTIES: pairs(clusterSparkProperties(stack)),
      SPARK_SUBMIT_PASS_ENV: Object.keys(awsEnv(stack)).join(','),
      SPARK_SUBMIT_POLL_INTERVAL_MS: '1000',
    },
  };
}

const r = new ServicesRun({
  tag: 'cls',
  accounts: Number(process.env.CLUSTER_ACCOUNTS ?? 16),
  seed: Number(process.env.CLUSTER_SEED ?? 20261202),
  batches: 4,
  components: COMPONENTS,
  catalog: clusterCatalog,
});

describe(`the four services with the spark-submit launcher on the cluster topology (${r.options.accounts} accounts, seed ${r.options.seed})`, () => {
  let s3: S3Client;
  let prefix: string;

  beforeAll(async () => {
    await r.start();
    const stack = r.stack as unknown as ClusterStack;
    s3 = new S3Client({
      endpoint: stack.STACK_S3_ENDPOINT,
      forcePathStyle: true,
      region: stack.STACK_S3_REGION,
      credentials: { accessKeyId: stack.STACK_S3_ACCESS_KEY_ID, secretAccessKey: stack.STACK_S3_SECRET_ACCESS_KEY },
    });
    prefix = `e2e-cluster-services/${r.run}/`;
  }, 15 * MINUTES);

  afterAll(async () => {
    await r.close();
    s3?.destroy();
  }, 5 * MINUTES);

  /** Every submission record the dispatcher left on the store, as `batch/step/attempt-N`. */
  async function submissions(): Promise<string[]> {
    const bucket = (r.stack as unknown as ClusterStack).STACK_S3_BUCKET;
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) if (o.Key?.endsWith('/submission.json')) keys.push(o.Key);
      token = page.NextContinuationToken;
    } while (token);
    return keys.map((k) => k.split('/').slice(-4, -1).join('/')).sort();
  }

  /** The (batch, case) pairs that ran a job, each once, as the dispatcher's events say. */
  function ranCases(upTo: number): string[] {
    const out: string[] = [];
    for (let i = 1; i <= upTo; i++) {
      for (const s of r.log.of('job-state-changed', batchIdOf(i)).filter((e) => e.state === 'SUCCEEDED'))
        out.push(`${s.batchId}/${s.case}`);
    }
    return out.sort();
  }

  it(
    'runs a history load and a mixed batch to exactly the oracle, every case job a driver on the cluster, submitted once',
    async () => {
      for (let i = 0; i < 2; i++) {
        const id = await r.ingestNext();
        const done = await r.completed(id, 10 * MINUTES);
        expect(done.status).toBe('COMPLETED');
        expect(await r.oracleDiffs()).toEqual([]);
      }
      const succeeded = Array.from({ length: r.ingested }, (_, i) => r.log.of('job-state-changed', batchIdOf(i + 1)))
        .flat()
        .filter((s) => s.state === 'SUCCEEDED');
      expect(succeeded.length).toBeGreaterThanOrEqual(3); // the history load's CASE_I, the mixed batch's cases
      for (const s of succeeded)
        expect({ engine: s.engine, run: s.jobRunId }).toEqual({
          engine: 'spark-submit',
          run: expect.stringMatching(/^driver-/),
        });
      // One driver per case job: one submission record each, all of attempt 1.
      const ran = ranCases(r.ingested);
      expect(await submissions()).toEqual(ran.map((k) => `${k}/attempt-1`));
      expect(await r.jobsRunTwice()).toEqual([]);
    },
    25 * MINUTES,
  );

  it(
    'the dispatcher killed after a submission: the restarted one adopts the driver, none is submitted twice',
    async () => {
      const id = await r.ingestNext();
      const submitted = await waitFor(
        `a case job of ${id} to be submitted`,
        () => r.log.of('job-state-changed', id).find((s) => s.state === 'SUBMITTED'),
        10 * MINUTES,
      );
      await r.services.kill('spark-dispatcher');
      r.services.start('spark-dispatcher');
      const done = await r.completed(id, 15 * MINUTES);
      expect(done.status).toBe('COMPLETED');
      expect(await r.oracleDiffs()).toEqual([]);
      expect(await r.jobsRunTwice()).toEqual([]);
      // The killed dispatcher's driver finished the case; the restarted dispatcher found its submission record
      // and read its result instead of submitting again (its lease waits for the driver's to expire first).
      const mine = (await submissions()).filter((k) => k.startsWith(`${id}/${submitted.case}/`));
      expect(mine).toEqual([`${id}/${submitted.case}/attempt-1`]);
      const runs = new Set(
        r.log
          .of('job-state-changed', id)
          .filter((s) => s.case === submitted.case && s.jobRunId)
          .map((s) => s.jobRunId),
      );
      expect([...runs]).toEqual([submitted.jobRunId]);
      expect((await submissions()).map((k) => k.replace(/\/attempt-\d+$/, ''))).toEqual(ranCases(r.ingested));
    },
    25 * MINUTES,
  );
});
