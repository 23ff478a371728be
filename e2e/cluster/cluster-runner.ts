import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PipelineConfig, parseConfig } from '@app/config';
import { SummaryPipeline } from '@app/engine';
import { DEFAULT_ENGINE, RunnerEngineConfig, runnerEngineConfig } from '@app/runner-client';
import { ClusterJobRunner, ClusterStack, awsEnv, clusterStackEnv, withS3 } from '@app/stack';
import { withNamespace } from '../services-run';

// The cluster topology's code lives in libs/stack (shared with `npm run bench -- --cluster`); the e2e adds
// a pipeline of its own namespace on it.
export * from '@app/stack';

export interface ClusterPipeline {
  stack: ClusterStack;
  config: PipelineConfig;
  runner: ClusterJobRunner;
  pipeline: SummaryPipeline;
  dir: string;
  /** The local engine (queries, ingest) on the same catalog and store, for another runner beside it. */
  localEngine: RunnerEngineConfig;
}

/**
 * A pipeline of its own namespace (`run`) on the cluster topology: jobs through the spark-submit launcher,
 * queries and ingest on a local runner. Needs `stack.sh up --cluster` (npm run e2e:cluster).
 */
export async function startClusterPipeline(
  run: string,
  progress: (line: string) => void,
  driverEnv: Record<string, string> = {},
): Promise<ClusterPipeline> {
  const stack = clusterStackEnv();
  const dir = mkdtempSync(join(tmpdir(), 'summary-cluster-'));
  const config = parseConfig(withNamespace(run), 'cluster e2e config');
  const base = {
    ...DEFAULT_ENGINE,
    catalogType: 'rest' as const,
    catalogUri: stack.ICEBERG_S3_REST_URI,
    warehouse: join(dir, 'warehouse'),
    shufflePartitions: 2,
  };
  // Queries and ingest: a local serve-mode runner on the same catalog and store.
  const localEngine = withS3(
    runnerEngineConfig(config, { ...base, master: 'local[2]', driverMemory: '1g' }, stack.SPARK_CLUSTER_JARS_DIR),
    stack,
  );
  // The jobs: master and jars come from the submission (spark.*.extraClassPath), as on a real cluster.
  const cluster = withS3(
    runnerEngineConfig(config, { ...base, master: stack.SPARK_MASTER_URL, driverMemory: '1g' }),
    stack,
  );
  const runner = new ClusterJobRunner(
    localEngine,
    cluster,
    stack,
    `e2e-cluster/${run}`,
    { env: awsEnv(stack), logFile: join(dir, 'runner.log') },
    progress,
    driverEnv,
  );
  await runner.start();
  return { stack, config, runner, pipeline: new SummaryPipeline(config, runner, progress), dir, localEngine };
}
