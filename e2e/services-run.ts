import * as fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { EventCodec, schemaRegistry } from '@app/contracts';
import { EngineOptions } from '@app/runner-client';
import { formatBatchId as batchIdOf } from '@app/lifecycle';
import {
  ALT_CONFIG,
  ALT_ORACLE_SPEC,
  Row,
  SparkHarness,
  diffRows,
  oracle,
  scenarioArb,
  startHarness,
} from '@app/testing';
import { EventLog } from './event-log';
import { SERVICES, ServiceProcesses, freePortBlock, stackUp, waitFor } from './service-processes';

export const MINUTES = 60000;

export interface ServicesRunOptions {
  /** Names this run's topics, consumer groups and namespaces (with a time and pid suffix). */
  tag: string;
  accounts: number;
  seed: number;
  /** Batches the scenario generator makes; the empty ones are dropped. */
  batches: number;
  /** Stack components to start (stack.sh STACK_COMPONENTS). */
  components: string;
  /** Extra service settings (on top of the run's own). */
  env?: NodeJS.ProcessEnv;
  /** The pipeline config, in ALT_CONFIG's namespaces (the run gets its own: withNamespace). Default ALT_CONFIG. */
  config?: Record<string, unknown>;
  /**
   * Where the tables live, from the started stack and the run's name: the harness's engine settings, its
   * runner's environment and the services' settings. Default: the stack's REST catalog on local disk.
   */
  catalog?: (stack: Record<string, string>, run: string) => RunCatalog;
}

/** The catalog of a run, as the harness and the services reach it. */
export interface RunCatalog {
  harness: Partial<EngineOptions>;
  /** The harness runner's environment (e.g. the object store's AWS_* credentials). */
  harnessEnv: NodeJS.ProcessEnv;
  services: NodeJS.ProcessEnv;
}

/** ALT_CONFIG (or a config in its namespaces) with its sources and tables in namespaces of their own (one run, one set of tables). */
export function withNamespace(tag: string, config: Record<string, unknown> = ALT_CONFIG): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(config)
      .replace(/local\.raw_alt\./g, `local.raw_${tag}.`)
      .replace(/local\.alt\./g, `local.alt_${tag}.`),
  );
}

export const summaryKey = (r: Record<string, unknown>) => `${r.acct_id}|${r.period}`;
export const latestKey = (r: Record<string, unknown>) => `${r.acct_id}`;

/**
 * The four services as processes on the real stack, with the test's own Spark harness (ingest, reading the
 * tables back) and an event log of every topic. Shared by the end-to-end suites (services, faults) and the soak (e2e/soak): each
 * run has its own topic prefix, consumer groups and namespaces, so runs never see each other's data.
 */
export class ServicesRun {
  readonly run: string;
  readonly dir = mkdtempSync(join(tmpdir(), 'summary-e2e-'));
  readonly batches: Row[][];
  readonly configFile: string;
  readonly serviceEnv: NodeJS.ProcessEnv;
  stack!: Record<string, string>;
  h!: SparkHarness;
  services!: ServiceProcesses;
  log!: EventLog;
  kafka!: Kafka;
  ingested = 0;

  constructor(readonly options: ServicesRunOptions) {
    this.run = `${options.tag}${Date.now().toString(36)}${process.pid}`;
    this.batches = fc
      .sample(scenarioArb({ accounts: options.accounts, batches: options.batches }), {
        seed: options.seed,
        numRuns: 1,
      })[0]
      .filter((b) => b.length > 0);
    this.configFile = join(this.dir, 'config.json');
    this.serviceEnv = {};
  }

  /** Starts the stack, creates the tables, starts the four services (on free ports) and waits until each is ready. */
  async start(): Promise<void> {
    this.stack = stackUp(this.options.components);
    const config = withNamespace(this.run, this.options.config);
    writeFileSync(this.configFile, JSON.stringify(config, null, 2));
    const catalog = this.options.catalog?.(this.stack, this.run);
    this.h = await startHarness(config, catalog?.harnessEnv ?? {}, this.dir, {
      catalogType: 'rest',
      catalogUri: this.stack.ICEBERG_REST_URI,
      ...catalog?.harness,
    });
    await this.h.pipeline.init();
    Object.assign(this.serviceEnv, {
      SUMMARY_CONFIG: this.configFile,
      SUMMARY_CATALOG_TYPE: 'rest',
      SUMMARY_CATALOG_URI: this.stack.ICEBERG_REST_URI,
      SUMMARY_WAREHOUSE: join(this.dir, 'warehouse'),
      SUMMARY_LOG_DIR: join(this.dir, 'logs'),
      SUMMARY_DRIVER_MEMORY: '1g',
      SUMMARY_SHUFFLE_PARTITIONS: '2',
      KAFKA_BROKERS: this.stack.KAFKA_BROKERS,
      SCHEMA_REGISTRY_URL: this.stack.SCHEMA_REGISTRY_URL,
      TOPIC_PREFIX: this.run,
      WATCHER_POLL_INTERVAL_MS: '1000',
      DISPATCHER_RETRY_BACKOFF_MS: '500',
      // A service killed mid-job holds the pipeline lease until it expires: 20 s, not 120 s, before the
      // restarted one takes it over (renewed every 3 s meanwhile).
      SUMMARY_LEASE_TTL_SECONDS: '20',
      ...catalog?.services,
      ...this.options.env,
    });
    this.services = new ServiceProcesses(
      this.serviceEnv,
      join(this.dir, 'services'),
      await freePortBlock(SERVICES.length),
    );
    this.services.startAll();
    await this.allReady();
    this.kafka = new Kafka({
      clientId: `${this.run}-test`,
      brokers: this.stack.KAFKA_BROKERS.split(','),
      logLevel: logLevel.NOTHING,
    });
    this.log = new EventLog(
      this.kafka,
      new EventCodec(schemaRegistry({ host: this.stack.SCHEMA_REGISTRY_URL }), { topicPrefix: `${this.run}.` }),
    );
    await this.log.start(`${this.run}.test-reader`);
  }

  async allReady(timeoutMs = 5 * MINUTES): Promise<void> {
    for (const s of ['ingest-watcher', 'classifier', 'spark-dispatcher', 'auditor'] as const) {
      await waitFor(`${s} to be ready`, async () => ((await this.services.ready(s)) ? true : undefined), timeoutMs);
    }
  }

  /** Each step bounded, so a stuck disconnect cannot hold the suite (the runner exits with its parent). */
  async close(): Promise<void> {
    const bounded = (p: Promise<unknown> | undefined, ms: number) =>
      Promise.race([p?.catch(() => undefined), new Promise((r) => setTimeout(r, ms).unref())]);
    await bounded(this.services?.stopAll(60000), 90000);
    await bounded(this.log?.stop(), 30000);
    await bounded(this.h?.close(), 60000);
  }

  /** Ingests the next scenario batch and returns the batch id the watcher will give it. */
  async ingestNext(): Promise<string> {
    if (this.ingested >= this.batches.length)
      throw new Error(`scenario has only ${this.batches.length} non-empty batches; raise the generator's batch count`);
    await this.h.ingest(this.batches[this.ingested++]);
    return batchIdOf(this.ingested);
  }

  /** The batch's BatchCompleted; fails at once when a service crashed, and says what the services logged on a timeout. */
  async completed(id: string, timeoutMs = 6 * MINUTES) {
    try {
      return await waitFor(
        `batch ${id} to complete`,
        () => {
          this.services.assertAlive();
          return this.log.completed(id);
        },
        timeoutMs,
      );
    } catch (error) {
      const tails = SERVICES.map((s) => `--- ${s} (${this.services.logFile(s)}):\n${this.services.logTail(s)}`).join(
        '\n',
      );
      throw new Error(`${(error as Error).message}\nthe services' last warnings and errors:\n${tails}`, {
        cause: error,
      });
    }
  }

  /**
   * How summary and latest differ from the oracle over every batch ingested so far, at most `limit` lines
   * (missing, unexpected and changed rows); empty when equal.
   */
  async oracleDiffs(limit = 10): Promise<string[]> {
    const expected = oracle(ALT_ORACLE_SPEC, this.batches.slice(0, this.ingested));
    return [
      ...diffRows(await this.h.summary(), expected.summary, summaryKey, limit),
      ...diffRows(await this.h.latest(), expected.latest, latestKey, limit),
    ];
  }

  /** Ingests the next `count` batches one at a time, each COMPLETED and leaving the tables equal to the oracle. */
  async nextBatchesToOracle(count: number, timeoutMs = 10 * MINUTES): Promise<void> {
    for (let i = 0; i < count; i++) {
      const id = await this.ingestNext();
      const done = await this.completed(id, timeoutMs);
      if (done.status !== 'COMPLETED') throw new Error(`batch ${id} ended ${done.status}, not COMPLETED`);
      const diffs = await this.oracleDiffs();
      if (diffs.length) throw new Error(`batch ${id}: the tables differ from the oracle:\n${diffs.join('\n')}`);
    }
  }

  /** The job-state events of every batch ingested so far that say a case job SUCCEEDED. */
  succeededJobs() {
    return Array.from({ length: this.ingested }, (_, i) => this.log.of('job-state-changed', batchIdOf(i + 1)))
      .flat()
      .filter((s) => s.state === 'SUCCEEDED');
  }

  /** (batch, step) pairs the ledger holds two commits of: a job that ran twice. Empty when none did. */
  async jobsRunTwice(): Promise<Array<Record<string, unknown>>> {
    return this.h.runner.query(
      `SELECT batch_id, step, count(*) AS n FROM ${this.h.config.tables.ledger.sql} WHERE status = 'committed' GROUP BY batch_id, step HAVING count(*) > 1`,
    );
  }
}
