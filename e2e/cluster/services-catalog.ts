import { join } from 'node:path';
import { parseConfig } from '@app/config';
import { DEFAULT_ENGINE, repoRoot, runnerEngineConfig } from '@app/runner-client';
import { ClusterStack, awsEnv, clusterSparkProperties, s3CatalogProperties, withS3 } from '@app/stack';
import { RunCatalog, withNamespace } from '../services-run';

// The four services as in production with a cluster (issue 14): the dispatcher submits every case job to the
// Spark standalone master (DISPATCHER_LAUNCHER=spark-submit, cluster deploy mode), the tables live on the
// object store behind the S3 REST catalog, and the services' own runners (classify, audit, the lease) reach
// the same tables through S3FileIO. Used by e2e/cluster/services.int-spec.ts and the soak's `--cluster`.

/** The stack components of that topology (stack.sh STACK_COMPONENTS). */
export const CLUSTER_SERVICES_COMPONENTS = 'kafka registry s3 catalog-s3 spark-master spark-worker-1 spark-worker-2';

/**
 * The run's catalog on the stack's object store, and the dispatcher's spark-submit settings. `passEnv` names
 * more of the services' variables to hand to every driver (e.g. the runner's test hooks, SUMMARY_RUNNER_PAUSE_DIR:
 * the workers run on this machine, so the drivers see the hook files).
 */
export function clusterCatalog(
  vars: Record<string, string>,
  run: string,
  tag = 'e2e-cluster-services',
  passEnv: readonly string[] = [],
): RunCatalog {
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
      SPARK_SUBMIT_ARTIFACTS_S3_URI: `s3://${stack.STACK_S3_BUCKET}/${tag}/${run}`,
      SPARK_SUBMIT_S3_ENDPOINT: stack.STACK_S3_ENDPOINT,
      SPARK_SUBMIT_RUNNER_DIR: join(repoRoot(), 'runner'),
      SPARK_SUBMIT_ENGINE_CONFIG: JSON.stringify(drivers),
      SPARK_SUBMIT_PROPERTIES: pairs(clusterSparkProperties(stack)),
      SPARK_SUBMIT_PASS_ENV: [...Object.keys(awsEnv(stack)), ...passEnv].join(','),
      SPARK_SUBMIT_POLL_INTERVAL_MS: '1000',
    },
  };
}

/** The stack components of the four services with the `connect` launcher: the cluster and its Connect server. */
export const CLUSTER_CONNECT_SERVICES_COMPONENTS = `${CLUSTER_SERVICES_COMPONENTS} spark-connect-cluster`;

/**
 * The four services as thin clients of the cluster's Spark Connect server (issue 21): every service's runner
 * is a session on it (SUMMARY_SPARK_REMOTE), and the dispatcher's case jobs run there
 * (DISPATCHER_LAUNCHER=connect), on its executor on a worker; the tables on the object store through the
 * S3 REST catalog. The server holds the store's keys (stack.sh's spark-connect-cluster): no client passes
 * any. The harness (ingest, the oracle's reads) is a client of the same server.
 */
export function clusterConnectCatalog(vars: Record<string, string>): RunCatalog {
  const stack = vars as unknown as ClusterStack;
  if (!stack.ICEBERG_S3_REST_URI || !stack.SPARK_CONNECT_CLUSTER_URL)
    throw new Error(
      'the cluster topology is not up: run npm run e2e:cluster (stack.sh up --cluster --cluster-connect)',
    );
  const s3 = s3CatalogProperties(stack);
  const pairs = Object.entries(s3)
    .map(([k, v]) => `${k}=${v}`)
    .join(';');
  return {
    harness: { catalogUri: stack.ICEBERG_S3_REST_URI, catalogProperties: s3, remote: stack.SPARK_CONNECT_CLUSTER_URL },
    harnessEnv: {},
    services: {
      SUMMARY_SPARK_REMOTE: stack.SPARK_CONNECT_CLUSTER_URL,
      SUMMARY_CATALOG_URI: stack.ICEBERG_S3_REST_URI,
      SUMMARY_CATALOG_PROPERTIES: pairs,
      DISPATCHER_LAUNCHER: 'connect',
    },
  };
}
