import { join, resolve } from 'node:path';
import { PipelineConfig, loadConfigFile } from '@app/config';
import {
  CATALOG_AUTH_ENV,
  CatalogType,
  NO_CATALOG_AUTH,
  describeCatalogAuth,
  describeProgress,
  EngineOptions,
  redactRemote,
  RunnerClient,
  RunnerError,
  engineOptionsFromEnv,
  runnerEngineConfig,
} from '@app/runner-client';
import { SummaryPipeline } from '@app/engine';
import { EnvReader, HadoopSnapshotSource, RestSnapshotSource, SnapshotSource, jsonLog } from '@app/common';
import { catalogAuthHeaders } from './catalog-auth-headers';

export interface EngineSettings {
  configFile: string;
  engine: EngineOptions;
  logDir: string;
}

/** SUMMARY_* variables; the services default to the local stack's REST catalog. */
export function engineSettingsFromEnv(env: EnvReader): EngineSettings {
  const configFile = env.string(
    'SUMMARY_CONFIG',
    'config/seed-000.json',
    'pipeline config (seed-v4 JSON format, SPEC §2)',
  );
  const catalogType = env.oneOf(
    'SUMMARY_CATALOG_TYPE',
    ['rest', 'hadoop', 'jdbc'] as const,
    'rest',
    'Iceberg catalog type of every table',
  );
  const catalogUri = env.string('SUMMARY_CATALOG_URI', 'http://127.0.0.1:8181', 'REST (or JDBC) catalog URI');
  const warehouse = env.string(
    'SUMMARY_WAREHOUSE',
    '.runtime/services/warehouse',
    'warehouse directory (hadoop catalog; REST: the server decides)',
  );
  const master = env.string('SUMMARY_SPARK_MASTER', 'local[*]', 'Spark master of the embedded runner');
  const driverMemory = env.string('SUMMARY_DRIVER_MEMORY', '2g', 'driver heap of the embedded runner');
  const partitions = env.int('SUMMARY_SHUFFLE_PARTITIONS', 4, 'spark.sql.shuffle.partitions', 1);
  const logDir = env.string('SUMMARY_LOG_DIR', '.runtime/logs', 'where the runner writes Spark logs');
  const catalogProperties = env.optional(
    'SUMMARY_CATALOG_PROPERTIES',
    'Iceberg catalog properties of every catalog, "key=value; …" (e.g. S3FileIO: io-impl, s3.endpoint, s3.path-style-access, client.region); no secrets',
  );
  const jarsDir = env.optional(
    'SUMMARY_JARS_DIR',
    "the runner's jars (Iceberg runtime; the AWS bundle for S3FileIO); default: the toolchain's",
  );
  const sparkConf = env.optional(
    'SUMMARY_SPARK_CONF',
    'extra Spark settings of the embedded runner, "spark.key=value; …"',
  );
  const sparkUi = env.optional('SUMMARY_SPARK_UI', 'the Spark UI of the embedded runner on (1/true); off by default');
  const remote = env.optional(
    'SUMMARY_SPARK_REMOTE',
    "a Spark Connect server (sc://host:port, e.g. the local stack's sc://127.0.0.1:15002): the runner is its thin " +
      'client and starts no JVM; unset or "local": an in-process Spark',
  );
  // Read here so that they are listed with the settings; their values are never printed (catalog-auth.ts).
  const catalogAuth = Object.fromEntries(CATALOG_AUTH_ENV.map(([name, doc]) => [name, env.optional(name, doc)]));
  const engine = engineOptionsFromEnv({
    ...catalogAuth,
    SUMMARY_CATALOG_TYPE: catalogType,
    SUMMARY_CATALOG_URI: catalogUri,
    SUMMARY_WAREHOUSE: warehouse,
    SUMMARY_SPARK_MASTER: master,
    SUMMARY_DRIVER_MEMORY: driverMemory,
    SUMMARY_SHUFFLE_PARTITIONS: String(partitions),
    SUMMARY_CATALOG_PROPERTIES: catalogProperties,
    SUMMARY_JARS_DIR: jarsDir,
    SUMMARY_SPARK_CONF: sparkConf,
    SUMMARY_SPARK_UI: sparkUi,
    SUMMARY_SPARK_REMOTE: remote,
  });
  return { configFile, engine, logDir };
}

export function snapshotSourceFor(settings: EngineSettings, catalog: string): SnapshotSource {
  const type: CatalogType = settings.engine.catalogType;
  if (type === 'rest')
    return new RestSnapshotSource(
      settings.engine.catalogUri!,
      catalogAuthHeaders(settings.engine.catalogAuth, settings.engine.catalogUri!),
    );
  if (type === 'hadoop') return new HadoopSnapshotSource(join(resolve(settings.engine.warehouse), catalog));
  throw new Error(`SUMMARY_CATALOG_TYPE=${type}: the watcher reads snapshots from rest or hadoop catalogs only`);
}

/**
 * The service's long-lived Spark runner and the pipeline on it. A runner that died (killed, OOM) is
 * started again on the next use; jobs are safe to repeat under the ledger.
 */
export class EngineHandle {
  readonly config: PipelineConfig;
  private runner?: RunnerClient;
  private starting?: Promise<SummaryPipeline>;
  private current?: SummaryPipeline;

  constructor(
    private readonly settings: EngineSettings,
    private readonly service: string,
  ) {
    this.config = loadConfigFile(resolve(settings.configFile));
  }

  /** The pipeline on a running runner (starts or restarts it). */
  async pipeline(): Promise<SummaryPipeline> {
    if (this.current && this.runner && this.runner.alive) return this.current;
    this.starting ??= this.start().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async start(): Promise<SummaryPipeline> {
    const engine = runnerEngineConfig(this.config, this.settings.engine);
    const runner = new RunnerClient(engine, {
      logFile: resolve(this.settings.logDir, `${this.service}-runner.log`),
      onProgress: (p) => jsonLog('info', `job progress: ${describeProgress(p)}`, { ...p }),
    });
    const began = Date.now();
    const auth = describeCatalogAuth(this.settings.engine.catalogAuth ?? NO_CATALOG_AUTH);
    jsonLog('info', 'starting Spark runner', {
      // A Spark Connect client starts no JVM: the server's master and memory apply (its URL without a token).
      ...(engine.remote ? { sparkConnect: redactRemote(engine.remote) } : { master: engine.master }),
      catalog: this.settings.engine.catalogType,
      catalogAuth: auth,
      log: runner.logFile,
    });
    await runner.start();
    jsonLog('info', 'Spark runner ready', {
      seconds: (Date.now() - began) / 1000,
      pid: runner.pid,
      sparkUi: runner.versions?.sparkUi ?? null,
    });
    this.runner = runner;
    this.current = new SummaryPipeline(this.config, runner, (message) => jsonLog('info', message));
    return this.current;
  }

  async ping(): Promise<void> {
    if (this.runner && !this.runner.alive)
      throw new RunnerError('the Spark runner exited; it restarts on the next job', 'RunnerExited', true);
  }

  /** The runner dies at once (a job over its timeout); the next pipeline() starts a new one. */
  kill(): void {
    this.runner?.kill();
  }

  async close(): Promise<void> {
    await this.runner?.close();
  }
}
