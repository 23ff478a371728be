import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CASE_ORDER, CompiledJob } from '@app/compiler';
import { parseConfig } from '@app/config';
import {
  DEFAULT_ENGINE,
  JobResult,
  RunnerClient,
  RunnerEngineConfig,
  engineOptionsFromEnv,
  runnerEngineConfig,
} from '@app/runner-client';
import {
  ClusterJobs,
  ClusterStack,
  awsEnv,
  clusterStackEnv,
  s3CatalogProperties,
  stackComponents,
  withS3,
} from '@app/stack';
import { median } from './stats';
import { BenchContext, Log, appendBatch, buildTable, measureNoop, phase, repeatBatch } from './phases';
import { BenchOptions, BenchSizes, SEED_SIMULATION, benchSizes } from './options';
import { RecordingRunner } from './recording-runner';
import { RunSample } from './measure';
import { Checksum, readRawConfig } from './table-set';
import { dataShape } from './generator';

// `npm run bench -- --cluster` (issue 14): the same small workload on three topologies of this one machine,
// so the difference is what a real cluster adds, not speed: the embedded local Spark on local disk (what
// `npm run bench` measures), the same local Spark with the tables on the object store through the S3 REST
// catalog (S3FileIO), and every classify and case job submitted to the Spark standalone master in cluster
// deploy mode (a driver JVM per job on a worker, executors on both workers; job document and result on the
// object store), the tables on the object store. The tables are built and rolled back with a local runner in
// every topology: only the batch's jobs and the no-op jobs are measured where they run. Issue 21 adds a fourth:
// the jobs as sessions on the cluster's own long-lived Spark Connect server (stack.sh's spark-connect-cluster,
// started after the spark-submit topology, which needs both workers, and stopped again).

export type TopologyName = 'local-disk' | 'local-s3' | 'cluster' | 'cluster-connect';

export const TOPOLOGIES: Record<TopologyName, string> = {
  'local-disk': 'local Spark (local[2], one long-lived runner), tables on local disk (Hadoop catalog)',
  'local-s3':
    'local Spark (local[2], one long-lived runner), tables on SeaweedFS S3 through the REST catalog (S3FileIO)',
  cluster:
    'each job spark-submitted to the standalone master (cluster deploy mode: its own driver on a worker, 2 executors × 1 core), tables on SeaweedFS S3',
  'cluster-connect':
    "each job a session on the cluster's long-lived Spark Connect server (an application of the standalone master, " +
    'one 2-core executor on a worker), tables on SeaweedFS S3',
};

/** Where a topology's classify and case jobs run (null: on the local runner that built the tables). */
interface JobsOn {
  runJob(job: CompiledJob): Promise<JobResult>;
}

export interface TopologyResult {
  topology: TopologyName;
  description: string;
  /** No-op jobs under the ledger: client-side round trip (submission to result) and the runner's own duration. */
  noop: { wall_s: number[]; runner_s: number[] };
  /** The mixed batch, `repeat` times from the same snapshots: runPending's wall time and each job's. */
  batch: { wall_s: number[]; jobs: Record<string, { wall_s: number[]; runner_s: number[] }> };
  checksums: { summary: Checksum; latest: Checksum };
}

export interface ClusterBenchDocument {
  kind: 'cluster';
  generated_at: string;
  parameters: {
    scale: number;
    repeat: number;
    seed: number;
    config: string;
    accounts: number;
    summary_rows: number;
    batch_rows: number;
    cluster: Record<string, string>;
  };
  topologies: TopologyResult[];
  /** Every topology ended with the same summary and latest (row count and checksum). */
  same_result: boolean;
}

const secs = (ms: number) => ms / 1000;
const JOB_LABELS = ['classify', ...CASE_ORDER];

export function topologyResult(
  topology: TopologyName,
  noop: { durationMs: number[]; wallMs: number[] },
  samples: RunSample[],
  checksums: TopologyResult['checksums'],
): TopologyResult {
  const jobs: TopologyResult['batch']['jobs'] = {};
  for (const label of JOB_LABELS) {
    const of = samples.map((s) => s.jobs.filter((j) => j.label === label));
    if (of.every((js) => js.length === 0)) continue;
    jobs[label] = {
      wall_s: of.map((js) => secs(js.reduce((a, j) => a + j.wallMs, 0))),
      runner_s: of.map((js) => secs(js.reduce((a, j) => a + j.durationMs, 0))),
    };
  }
  return {
    topology,
    description: TOPOLOGIES[topology],
    noop: { wall_s: noop.wallMs.map(secs), runner_s: noop.durationMs.map(secs) },
    batch: { wall_s: samples.map((s) => secs(s.wallMs)), jobs },
    checksums,
  };
}

/** The base table and the headline batch only (no batch or table series on the cluster). */
export function clusterSizes(o: BenchOptions): BenchSizes {
  return benchSizes({ ...o, tableFactors: [1], batchSizes: [SEED_SIMULATION.batchRows] });
}

interface Workload {
  o: BenchOptions;
  raw: Record<string, unknown>;
  log: Log;
  namespace: string;
}

/** Builds the table with `runner`, appends the batch, then measures no-op jobs and the batch on each of `measured`. */
async function measureOn(
  w: Workload,
  runner: RecordingRunner,
  measured: { topology: TopologyName; jobs: JobsOn | null; prepare?: () => Promise<JobsOn> }[],
): Promise<{ results: TopologyResult[]; summaryRows: number }> {
  const sizes = clusterSizes(w.o);
  const ctx: BenchContext = {
    runner,
    raw: w.raw,
    shape: dataShape(w.o.seed),
    sizes,
    repeat: w.o.repeat,
    log: w.log,
    pipelineLog: w.o.verbose ? (m) => w.log(`  ${m}`) : () => undefined,
  };
  const base = await phase(
    w.log,
    `${measured[0].topology}: table of ${sizes.accounts.toLocaleString('en-US')} accounts (built with the local runner)`,
    () => buildTable(ctx, w.namespace, 1),
  );
  const { set } = base;
  await appendBatch(ctx, set, sizes.batchRows);
  const withBatch = await set.save();
  const results: TopologyResult[] = [];
  for (const m of measured) {
    const { topology } = m;
    const jobs = m.prepare ? await phase(w.log, `${topology}: starting`, m.prepare) : m.jobs;
    runner.remoteJobs = jobs ? (job) => jobs.runJob(job) : undefined;
    try {
      const noop = await phase(w.log, `${topology}: no-op jobs × ${Math.max(3, w.o.repeat)}`, () =>
        measureNoop(set, withBatch, Math.max(3, w.o.repeat)),
      );
      const batch = await phase(w.log, `${topology}: batch of ${sizes.batchRows} × ${w.o.repeat}`, () =>
        repeatBatch(ctx, set, withBatch, topology, { rows: sizes.batchRows, checksums: true }),
      );
      results.push(topologyResult(topology, noop, batch.samples, batch.checksums!));
    } finally {
      runner.remoteJobs = undefined;
    }
  }
  if (!w.o.keep) await set.drop(true);
  return { results, summaryRows: base.summaryRows };
}

function localEngine(raw: Record<string, unknown>, o: BenchOptions, warehouse: string): RunnerEngineConfig {
  const env = engineOptionsFromEnv();
  return runnerEngineConfig(parseConfig(raw, o.config), {
    ...env,
    master: 'local[2]',
    driverMemory: '2g',
    shufflePartitions: 2,
    warehouse,
  });
}

function s3Engines(
  raw: Record<string, unknown>,
  o: BenchOptions,
  stack: ClusterStack,
  warehouse: string,
): { local: RunnerEngineConfig; cluster: RunnerEngineConfig } {
  const config = parseConfig(raw, o.config);
  const base = {
    ...DEFAULT_ENGINE,
    catalogType: 'rest' as const,
    catalogUri: stack.ICEBERG_S3_REST_URI,
    warehouse,
    shufflePartitions: 2,
  };
  return {
    local: withS3(
      runnerEngineConfig(config, { ...base, master: 'local[2]', driverMemory: '2g' }, stack.SPARK_CLUSTER_JARS_DIR),
      stack,
    ),
    // Master and jars come from the submission (clusterSparkProperties), as on a real cluster.
    cluster: withS3(runnerEngineConfig(config, { ...base, master: stack.SPARK_MASTER_URL, driverMemory: '1g' }), stack),
  };
}

/** Runs the topologies one after the other and returns the document of cluster.json. */
export async function runClusterBench(o: BenchOptions, log: Log): Promise<ClusterBenchDocument> {
  const stack = clusterStackEnv();
  const raw = readRawConfig(o.config);
  const run = `bench_cluster_${Date.now().toString(36)}`;
  const w: Workload = { o, raw, log, namespace: run };
  const scratch = resolve(o.warehouse, '..', 'cluster');
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  const results: TopologyResult[] = [];

  const disk = new RecordingRunner(localEngine(raw, o, join(scratch, 'warehouse')), {
    logFile: join(scratch, 'runner-disk.log'),
  });
  await disk.start();
  const summaryRows = await measureOn(w, disk, [{ topology: 'local-disk', jobs: null }])
    .then((out) => {
      results.push(...out.results);
      return out.summaryRows;
    })
    .finally(() => disk.close());

  const engines = s3Engines(raw, o, stack, join(scratch, 'warehouse-s3'));
  const s3 = new RecordingRunner(engines.local, { env: awsEnv(stack), logFile: join(scratch, 'runner-s3.log') });
  // The Connect client: a session per job on the cluster's server with the S3 catalog; the server holds the keys.
  let connect: RunnerClient | undefined;
  const startConnect = async (): Promise<JobsOn> => {
    stackComponents('up', 'spark-connect-cluster');
    const config = parseConfig(raw, o.config);
    connect = new RunnerClient(
      runnerEngineConfig(config, {
        ...DEFAULT_ENGINE,
        catalogType: 'rest',
        catalogUri: stack.ICEBERG_S3_REST_URI,
        catalogProperties: s3CatalogProperties(stack),
        shufflePartitions: 2,
        remote: stack.SPARK_CONNECT_CLUSTER_URL,
      }),
      { logFile: join(scratch, 'runner-cluster-connect.log') },
    );
    await connect.start();
    return connect;
  };
  const jobs = new ClusterJobs(
    engines.cluster,
    stack,
    `bench-cluster/${run}`,
    o.verbose ? (m) => log(`  ${m}`) : () => undefined,
  );
  await s3.start();
  try {
    const out = await measureOn(w, s3, [
      { topology: 'local-s3', jobs: null },
      { topology: 'cluster', jobs },
      { topology: 'cluster-connect', jobs: null, prepare: startConnect },
    ]);
    results.push(...out.results);
    const failed = jobs.submissions.filter((s) => s.finalState !== 'FINISHED');
    if (failed.length)
      throw new Error(
        `cluster: ${failed.length} driver(s) did not finish: ${failed.map((s) => `${s.jobId} ${s.submissionId} ${s.finalState}`).join(', ')}`,
      );
  } finally {
    await jobs.close();
    await connect?.close();
    if (connect) stackComponents('down', 'spark-connect-cluster');
    await s3.close();
  }

  const sizes = clusterSizes(o);
  const [first] = results;
  const same = results.every((r) => JSON.stringify(r.checksums) === JSON.stringify(first.checksums));
  const { scale, repeat, seed, config } = o;
  return {
    kind: 'cluster',
    generated_at: new Date().toISOString(),
    parameters: {
      scale,
      repeat,
      seed,
      config,
      accounts: sizes.accounts,
      summary_rows: summaryRows,
      batch_rows: sizes.batchRows,
      cluster: { master: stack.SPARK_MASTER_URL, store: stack.STACK_S3_ENDPOINT, catalog: stack.ICEBERG_S3_REST_URI },
    },
    topologies: results,
    same_result: same,
  };
}

const f2 = (x: number) => x.toFixed(2);
const cell = (xs: number[]) => (xs.length ? `${f2(median(xs))} (${f2(Math.min(...xs))}–${f2(Math.max(...xs))})` : '–');

/** cluster.md: one column per topology, median (min–max) seconds. */
export function renderClusterMarkdown(d: ClusterBenchDocument): string {
  const p = d.parameters;
  const t = d.topologies;
  const header = `| median (min–max) s | ${t.map((r) => r.topology).join(' | ')} |`;
  const rows = [
    `| no-op job under the ledger, round trip | ${t.map((r) => cell(r.noop.wall_s)).join(' | ')} |`,
    `| no-op job, inside the runner | ${t.map((r) => cell(r.noop.runner_s)).join(' | ')} |`,
    `| **the batch (runPending, wall)** | ${t.map((r) => `**${cell(r.batch.wall_s)}**`).join(' | ')} |`,
    ...JOB_LABELS.map((label) => {
      const cells = t.map((r) => {
        const job = r.batch.jobs[label];
        return job ? `${f2(median(job.wall_s))} / ${f2(median(job.runner_s))}` : '–';
      });
      return `| ${label}: round trip / inside the runner | ${cells.join(' | ')} |`;
    }),
  ];
  return [
    `# Cluster benchmark (${d.generated_at.slice(0, 10)})`,
    '',
    `\`npm run bench -- --cluster\`: scale ${p.scale} ` +
      `(${p.accounts.toLocaleString('en-US')} accounts, ${p.summary_rows.toLocaleString('en-US')} summary ` +
      `rows), a ${p.batch_rows}-record mixed batch (5% new, 85% forward, ` +
      `10% backfill), ${p.repeat} repeats from the same snapshots, seed ${p.seed}, config ${p.config}. ` +
      `All on this one machine: the point is what submission and object storage add, not speed.`,
    '',
    ...t.map((r) => `- **${r.topology}**: ${r.description}`),
    '',
    header,
    `|---|${t.map(() => '---:').join('|')}|`,
    ...rows,
    '',
    `Same summary and latest in every topology ` +
      `(row count and checksum): ${d.same_result ? 'yes' : '**NO**'} ` +
      `(${t.map((r) => `${r.topology} ${r.checksums.summary.rows} / ${r.checksums.latest.rows} rows`).join('; ')}).`,
    '',
    'Round trip: from the client handing the job over to its result (on the cluster: ' +
      'the job document and runner upload to the object store, the submission to the master, ' +
      'the driver JVM start on a worker, executors, the result read back); ' +
      'inside the runner: the duration the job itself reports (its steps and ledger commits; ' +
      'on the cluster each job is a cold driver, so this includes the warm-up of its first Spark actions, ' +
      'which the long-lived local runner paid once).',
    '',
  ].join('\n');
}
