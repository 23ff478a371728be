import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fc from 'fast-check';
import { parseConfig, PipelineConfig } from '@app/config';
import { DEFAULT_ENGINE, RunnerEngineConfig, SummaryPipeline, exportQuery, runnerEngineConfig } from '@app/engine';
import { ALT_ORACLE_SPEC, Row, diffRows, oracle, scenarioArb } from '@app/testing';
import { ClusterJobRunner, ClusterStack, awsEnv, clusterStackEnv, s3CatalogProperties, s3aSparkConf } from './cluster-runner';
import { latestKey, summaryKey, withNamespace } from '../services-run';

// Issue 14's first proof: the compiled jobs (init, classify, the cases) run on a Spark standalone cluster in
// cluster deploy mode — the driver on one worker, executors in other JVMs — with the tables on SeaweedFS
// through the REST catalog's S3FileIO and each job document and result on the object store; summary and
// latest equal the oracle. Needs `bash scripts/stack/stack.sh up --cluster` (npm run e2e:cluster).

const ACCOUNTS = Number(process.env.CLUSTER_ACCOUNTS ?? 12);
const BATCHES = Number(process.env.CLUSTER_BATCHES ?? 1);
const SEED = Number(process.env.CLUSTER_SEED ?? 20261201);
const RUN = `cl${Date.now().toString(36)}`;

function withS3(engine: RunnerEngineConfig, stack: ClusterStack): RunnerEngineConfig {
  const catalogs = Object.fromEntries(
    Object.entries(engine.catalogs).map(([name, c]) => [name, { ...c, properties: { ...(c.properties ?? {}), ...s3CatalogProperties(stack) } }]),
  );
  return { ...engine, catalogs, sparkConf: { ...engine.sparkConf, ...s3aSparkConf(stack) } };
}

describe(`compiled jobs on the Spark standalone cluster, tables on S3: ${ACCOUNTS} accounts × ${BATCHES} batches (seed ${SEED})`, () => {
  const batches: Row[][] = fc.sample(scenarioArb({ accounts: ACCOUNTS, batches: BATCHES }), { seed: SEED, numRuns: 1 })[0];
  const dir = mkdtempSync(join(tmpdir(), 'summary-cluster-'));
  const progress = (line: string) => process.stderr.write(`[e2e:cluster] ${line}\n`);
  let stack: ClusterStack;
  let config: PipelineConfig;
  let runner: ClusterJobRunner;
  let pipeline: SummaryPipeline;

  beforeAll(async () => {
    stack = clusterStackEnv();
    config = parseConfig(withNamespace(RUN), 'cluster e2e config');
    const base = { ...DEFAULT_ENGINE, catalogType: 'rest' as const, catalogUri: stack.ICEBERG_S3_REST_URI, warehouse: join(dir, 'warehouse'), shufflePartitions: 2 };
    // Queries and ingest: a local serve-mode runner on the same catalog and store.
    const local = withS3(runnerEngineConfig(config, { ...base, master: 'local[2]', driverMemory: '1g' }, stack.SPARK_CLUSTER_JARS_DIR), stack);
    // The jobs: master and jars come from the submission (spark.*.extraClassPath), as on a real cluster.
    const cluster = withS3(runnerEngineConfig(config, { ...base, master: stack.SPARK_MASTER_URL, driverMemory: '1g' }), stack);
    runner = new ClusterJobRunner(local, cluster, stack, `e2e-cluster/${RUN}`, { env: awsEnv(stack), logFile: join(dir, 'runner.log') }, progress);
    await runner.start();
    pipeline = new SummaryPipeline(config, runner, progress);
  });
  afterAll(async () => runner?.close());

  it('init runs on the cluster and creates the tables on the object store', async () => {
    await pipeline.init();
    expect(runner.submissions.map((s) => [s.jobId.split(':')[0], s.finalState])).toEqual([[expect.any(String), 'FINISHED']]);
    const ns = config.summaryTable.plain.split('.').slice(1, -1).join('.');
    const table = config.summaryTable.plain.split('.').pop();
    const res = await fetch(`${stack.ICEBERG_S3_REST_URI}/v1/namespaces/${ns}/tables/${table}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { 'metadata-location': string };
    expect(body['metadata-location']).toMatch(new RegExp(`^s3://${stack.STACK_S3_BUCKET}/warehouse/`));
  });

  it('every batch, run on the cluster, leaves summary and latest equal to the oracle', async () => {
    for (let i = 0; i < batches.length; i++) {
      const file = join(dir, `batch-${i + 1}.jsonl`);
      writeFileSync(file, batches[i].map((r) => JSON.stringify(r)).join('\n') + '\n');
      await pipeline.ingest(file);
      const before = runner.submissions.length;
      const outcomes = await pipeline.runPending();
      expect(outcomes).toHaveLength(1);
      const jobs = runner.submissions.slice(before);
      // classify + each case with rows, each one driver that finished on the cluster.
      expect(jobs.length).toBeGreaterThanOrEqual(2);
      expect(jobs.map((s) => s.finalState)).toEqual(jobs.map(() => 'FINISHED'));
      const expected = oracle(ALT_ORACLE_SPEC, batches.slice(0, i + 1));
      const summary = await runner.query(exportQuery(config, 'summary'), 1_000_000);
      const latest = await runner.query(exportQuery(config, 'latest_summary'), 1_000_000);
      expect({ batch: i + 1, diffs: diffRows(summary, expected.summary, summaryKey) }).toEqual({ batch: i + 1, diffs: [] });
      expect({ batch: i + 1, diffs: diffRows(latest, expected.latest, latestKey) }).toEqual({ batch: i + 1, diffs: [] });
      expect(summary.length).toBe(expected.summary.length);
    }
    // One submission per job: no job was submitted twice.
    const ids = runner.submissions.map((s) => s.jobId);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
