import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as fc from 'fast-check';
import { PipelineConfig } from '@app/config';
import { SummaryPipeline } from '@app/engine';
import { exportQuery } from '@app/table-ops';
import { ALT_ORACLE_SPEC, Row, diffRows, oracle, scenarioArb } from '@app/testing';
import { ClusterJobRunner, ClusterStack, startClusterPipeline } from './cluster-runner';
import { latestKey, summaryKey } from '../services-run';

// Issue 14's first proof: the compiled jobs (init, classify, the cases) run on a Spark standalone cluster in
// cluster deploy mode — the driver on one worker, executors in other JVMs — with the tables on SeaweedFS
// through the REST catalog's S3FileIO and each job document and result on the object store; summary and
// latest equal the oracle. Needs `bash scripts/stack/stack.sh up --cluster` (npm run e2e:cluster).

const ACCOUNTS = Number(process.env.CLUSTER_ACCOUNTS ?? 12);
const BATCHES = Number(process.env.CLUSTER_BATCHES ?? 1);
const SEED = Number(process.env.CLUSTER_SEED ?? 20261201);
const RUN = `cl${Date.now().toString(36)}`;

describe(`compiled jobs on the Spark standalone cluster, tables on S3: ${ACCOUNTS} accounts × ${BATCHES} batches (seed ${SEED})`, () => {
  const batches: Row[][] = fc.sample(scenarioArb({ accounts: ACCOUNTS, batches: BATCHES }), {
    seed: SEED,
    numRuns: 1,
  })[0];
  const progress = (line: string) => process.stderr.write(`[e2e:cluster] ${line}\n`);
  let stack: ClusterStack;
  let config: PipelineConfig;
  let runner: ClusterJobRunner;
  let pipeline: SummaryPipeline;
  let dir: string;

  beforeAll(async () => {
    ({ stack, config, runner, pipeline, dir } = await startClusterPipeline(RUN, progress));
  });
  afterAll(async () => runner?.close());

  it('init runs on the cluster and creates the tables on the object store', async () => {
    await pipeline.init();
    expect(runner.submissions.map((s) => [s.jobId.split(':')[0], s.finalState])).toEqual([
      [expect.any(String), 'FINISHED'],
    ]);
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
      expect({ batch: i + 1, diffs: diffRows(summary, expected.summary, summaryKey) }).toEqual({
        batch: i + 1,
        diffs: [],
      });
      expect({ batch: i + 1, diffs: diffRows(latest, expected.latest, latestKey) }).toEqual({
        batch: i + 1,
        diffs: [],
      });
      expect(summary.length).toBe(expected.summary.length);
    }
    // One submission per job: no job was submitted twice.
    const ids = runner.submissions.map((s) => s.jobId);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
