import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MINUTES, ServicesRun } from '../services-run';
import { stackDown, stackUp } from '../service-processes';
import { PauseHook } from '../faults';
import { ClusterStack, applicationWorkers } from './cluster-runner';
import { CLUSTER_CONNECT_SERVICES_COMPONENTS, clusterConnectCatalog } from './services-catalog';

// Issue 21 on the cluster topology: the four services as thin clients of the cluster's own Spark Connect server
// (stack.sh's spark-connect-cluster: one long-lived application of the standalone master, its executor on a
// worker), the dispatcher's case jobs sessions on it (DISPATCHER_LAUNCHER=connect), the tables on the object
// store. Each fault ends equal to the oracle with no job committed twice. The suite starts the server and stops
// it again, so that the spark-submit suites beside it have both workers.

const PAUSE = mkdtempSync(join(tmpdir(), 'summary-pause-'));
const pause = new PauseHook(PAUSE);

const r = new ServicesRun({
  tag: 'clc',
  accounts: Number(process.env.CLUSTER_ACCOUNTS ?? 16),
  seed: Number(process.env.CLUSTER_SEED ?? 20261207),
  batches: 5,
  components: CLUSTER_CONNECT_SERVICES_COMPONENTS,
  catalog: (vars) => clusterConnectCatalog(vars),
  env: { SUMMARY_RUNNER_PAUSE_DIR: PAUSE },
});

interface SparkApplication {
  id: string;
}

describe(`the four services with the connect launcher on the cluster's Spark Connect server (${r.options.accounts} accounts, seed ${r.options.seed})`, () => {
  let stack: ClusterStack;
  let appId: string;

  /** Spark jobs the server's application has run so far (its REST API). */
  async function serverJobs(): Promise<number> {
    const res = await fetch(`${stack.SPARK_CONNECT_CLUSTER_UI_URL}/api/v1/applications/${appId}/jobs`);
    if (!res.ok) throw new Error(`the Connect server's UI answered ${res.status}`);
    return ((await res.json()) as unknown[]).length;
  }

  beforeAll(async () => {
    await r.start();
    stack = r.stack as unknown as ClusterStack;
    const res = await fetch(`${stack.SPARK_CONNECT_CLUSTER_UI_URL}/api/v1/applications`);
    const apps = (await res.json()) as SparkApplication[];
    expect(apps).toHaveLength(1);
    appId = apps[0].id;
  }, 15 * MINUTES);

  afterAll(async () => {
    pause.clear();
    await r.close();
    rmSync(PAUSE, { recursive: true, force: true });
    stackDown('spark-connect-cluster');
  }, 5 * MINUTES);

  it(
    'runs a history load and a mixed batch to exactly the oracle, every case job a session on the cluster server',
    async () => {
      const before = await serverJobs();
      await r.nextBatchesToOracle(2);
      const succeeded = r.succeededJobs();
      expect(succeeded.length).toBeGreaterThanOrEqual(3); // the history load's CASE_I, the mixed batch's cases
      for (const s of succeeded)
        expect({ engine: s.engine, run: s.jobRunId }).toEqual({ engine: 'connect', run: null });
      // The work ran on the server's application (its executor on a worker), not in a process of the services.
      expect(await serverJobs()).toBeGreaterThan(before);
      expect(applicationWorkers(stack, appId).length).toBeGreaterThanOrEqual(1);
      expect(await r.jobsRunTwice()).toEqual([]);
    },
    25 * MINUTES,
  );

  it(
    'the dispatcher killed in a case job: the restarted one rolls it back and runs it again, once',
    async () => {
      pause.arm('release caches'); // after the job's writes, before its ledger commit
      const id = await r.ingestNext();
      const job = await pause.paused('release caches', 10 * MINUTES);
      expect(job.startsWith(`${id}-CASE_`)).toBe(true);
      await r.services.kill('spark-dispatcher');
      pause.release('release caches');
      r.services.start('spark-dispatcher');
      const done = await r.completed(id, 15 * MINUTES);
      expect(done.status).toBe('COMPLETED');
      expect(await r.oracleDiffs()).toEqual([]);
      expect(await r.jobsRunTwice()).toEqual([]);
    },
    25 * MINUTES,
  );

  it(
    "the worker of the server's executor is killed mid-job: the master starts one on the other worker, the batch ends equal to the oracle",
    async () => {
      const [hosting, ...others] = applicationWorkers(stack, appId);
      expect(others).toEqual([]);
      pause.arm('stage batch'); // classify, a session on the server like every job
      const id = await r.ingestNext();
      await pause.paused('stage batch', 10 * MINUTES);
      const pid = Number(readFileSync(join(stack.STACK_HOME, 'run', `spark-worker-${hosting}.pid`), 'utf8').trim());
      process.stderr.write(`[e2e:cluster connect] killing spark-worker-${hosting} (pid ${pid}), the executor's\n`);
      process.kill(pid, 'SIGKILL');
      try {
        pause.release('stage batch');
        const done = await r.completed(id, 15 * MINUTES);
        expect(done.status).toBe('COMPLETED');
        expect(await r.oracleDiffs()).toEqual([]);
        expect(await r.jobsRunTwice()).toEqual([]);
        // The application went on with an executor on the other worker.
        expect(applicationWorkers(stack, appId)).toEqual([1, 2]);
      } finally {
        stackUp(`spark-worker-${hosting}`);
      }
    },
    25 * MINUTES,
  );

  it(
    'the object store restarts between two batches: the next batch equals the oracle',
    async () => {
      stackDown('s3');
      stackUp('s3');
      const id = await r.ingestNext();
      const done = await r.completed(id, 15 * MINUTES);
      expect(done.status).toBe('COMPLETED');
      expect(await r.oracleDiffs()).toEqual([]);
      expect(await r.jobsRunTwice()).toEqual([]);
    },
    25 * MINUTES,
  );
});
