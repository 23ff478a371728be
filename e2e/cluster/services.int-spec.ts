import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { formatBatchId as batchIdOf } from '@app/lifecycle';
import { MINUTES, ServicesRun } from '../services-run';
import { waitFor } from '../service-processes';
import { ClusterStack } from './cluster-runner';
import { CLUSTER_SERVICES_COMPONENTS, clusterCatalog } from './services-catalog';

// Issue 14: the four services as in production with a cluster (services-catalog.ts): every case job a driver
// on the Spark standalone master, the tables on the object store. Needs the cluster topology and Kafka with
// the registry (npm run e2e:cluster starts them).

const r = new ServicesRun({
  tag: 'cls',
  accounts: Number(process.env.CLUSTER_ACCOUNTS ?? 16),
  seed: Number(process.env.CLUSTER_SEED ?? 20261202),
  batches: 4,
  components: CLUSTER_SERVICES_COMPONENTS,
  catalog: (vars, run) => clusterCatalog(vars, run),
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
      await r.nextBatchesToOracle(2);
      const succeeded = r.succeededJobs();
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
