import { PipelineConfig, TableName, tablesOf } from '@app/config';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { CatalogAuth, NO_CATALOG_AUTH, SPARK_REDACTION_REGEX, catalogAuthFromEnv } from './catalog-auth';
import { cdsArchive } from './toolchain';

export type CatalogType = 'hadoop' | 'rest' | 'jdbc';

/** How to reach Spark and the Iceberg catalog(s); CLI flags and SUMMARY_* env vars fill it. */
export interface EngineOptions {
  /** Local warehouse directory (hadoop catalogs: one sub-folder per catalog name). */
  warehouse: string;
  catalogType: CatalogType;
  /** REST or JDBC catalog URI. */
  catalogUri?: string;
  /** REST catalog authentication (catalog-auth.ts); none when absent. */
  catalogAuth?: CatalogAuth;
  master: string;
  driverMemory: string;
  shufflePartitions: number;
  /** Extra Spark settings; win over everything else. */
  sparkConf: Record<string, string>;
  /**
   * Iceberg catalog properties of every catalog (spark.sql.catalog.<name>.<key>), e.g. S3FileIO on an
   * object store: io-impl, s3.endpoint, s3.path-style-access, client.region. No secrets: credentials come
   * from the default AWS chain (the pod's role, AWS_* variables) or SUMMARY_CATALOG_AUTH.
   */
  catalogProperties?: Record<string, string>;
  /** The jars of the runner's Spark (Iceberg runtime and, for S3FileIO, the AWS bundle); the toolchain's when absent. */
  jarsDir?: string;
  /**
   * A Spark Connect server (`sc://host:port`, SUMMARY_SPARK_REMOTE): the runner is its thin client and starts no
   * JVM; `master`, the driver's memory and JVM options are the server's then (`stack.sh up --connect`).
   */
  remote?: string;
}

export const DEFAULT_ENGINE: EngineOptions = {
  warehouse: '.warehouse',
  catalogType: 'hadoop',
  master: 'local[*]',
  driverMemory: '4g',
  shufflePartitions: 4,
  sparkConf: {},
};

/**
 * `key=value` pairs separated by newlines or `;` (blank parts skipped), each key checked by `keyOk`.
 * Example: pairs('a=1; b = 2', …) → {a: '1', b: '2'}.
 */
function pairs(
  raw: string | undefined,
  keyOk: (key: string) => boolean,
  refused: (part: string) => string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (raw ?? '')
    .split(/[;\n]/)
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = part.indexOf('=');
    const key = eq > 0 ? part.slice(0, eq).trim() : '';
    if (!keyOk(key)) throw new Error(refused(part));
    out[key] = part.slice(eq + 1).trim();
  }
  return out;
}

/**
 * SUMMARY_SPARK_CONF: extra Spark settings as `key=value` pairs separated by newlines or `;`.
 * Example: 'spark.sql.adaptive.enabled=false; spark.sql.codegen.wholeStage=false' → {…: 'false', …: 'false'}.
 */
export function parseSparkConfEnv(raw: string | undefined): Record<string, string> {
  return pairs(
    raw,
    (key) => key.startsWith('spark.'),
    (part) => `SUMMARY_SPARK_CONF: expected "spark.key=value" pairs separated by ";"; received "${part}"`,
  );
}

/** Property names that hold secrets: never in SUMMARY_CATALOG_PROPERTIES (a plain variable, printed with the settings). */
const SECRET_PROPERTY = /secret|password|credential|token/i;

/**
 * SUMMARY_CATALOG_PROPERTIES: Iceberg catalog properties of every catalog, `key=value` pairs separated by
 * newlines or `;`. Keys are Iceberg property names (lower case, digits, `.`, `-`, `_`); secrets are refused.
 * Example: 'io-impl=org.apache.iceberg.aws.s3.S3FileIO; s3.endpoint=http://127.0.0.1:8333' →
 * {'io-impl': 'org.apache.iceberg.aws.s3.S3FileIO', 's3.endpoint': 'http://127.0.0.1:8333'}.
 */
export function parseCatalogPropertiesEnv(raw: string | undefined): Record<string, string> {
  const out = pairs(
    raw,
    (key) => /^[a-z0-9][a-z0-9._-]*$/.test(key),
    (part) =>
      `SUMMARY_CATALOG_PROPERTIES: expected "key=value" pairs of Iceberg catalog properties (e.g. ` +
      `"s3.endpoint=http://host:8333") separated by ";"; received "${part}"`,
  );
  const secret = Object.keys(out).find((key) => SECRET_PROPERTY.test(key));
  if (secret) {
    throw new Error(
      `SUMMARY_CATALOG_PROPERTIES: "${secret}" is a secret and this variable is printed with the ` +
        `settings; give S3 credentials through the default AWS chain (the pod's role, ` +
        `AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) and the catalog's through SUMMARY_CATALOG_AUTH (docs/security.md)`,
    );
  }
  return out;
}

/**
 * Reads SUMMARY_WAREHOUSE, SUMMARY_CATALOG_TYPE, SUMMARY_CATALOG_URI, SUMMARY_CATALOG_PROPERTIES, SUMMARY_JARS_DIR,
 * SUMMARY_SPARK_MASTER, SUMMARY_DRIVER_MEMORY, SUMMARY_SHUFFLE_PARTITIONS, SUMMARY_SPARK_CONF and the catalog
 * authentication (SUMMARY_CATALOG_AUTH and its settings, catalog-auth.ts).
 */
export function engineOptionsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  base: EngineOptions = DEFAULT_ENGINE,
): EngineOptions {
  const type = env.SUMMARY_CATALOG_TYPE ?? base.catalogType;
  if (!['hadoop', 'rest', 'jdbc'].includes(type))
    throw new Error(`SUMMARY_CATALOG_TYPE: expected hadoop, rest or jdbc; received "${type}"`);
  const partitions = env.SUMMARY_SHUFFLE_PARTITIONS ? Number(env.SUMMARY_SHUFFLE_PARTITIONS) : base.shufflePartitions;
  if (!Number.isInteger(partitions) || partitions < 1)
    throw new Error(
      `SUMMARY_SHUFFLE_PARTITIONS: expected a positive integer; received "${env.SUMMARY_SHUFFLE_PARTITIONS}"`,
    );
  // Always read, so that a secret set without SUMMARY_CATALOG_AUTH fails at start instead of being ignored.
  const auth = catalogAuthFromEnv(env);
  return {
    ...base,
    warehouse: env.SUMMARY_WAREHOUSE ?? base.warehouse,
    catalogType: type as CatalogType,
    catalogUri: env.SUMMARY_CATALOG_URI ?? base.catalogUri,
    catalogAuth: auth.mode === 'none' ? base.catalogAuth : auth,
    master: env.SUMMARY_SPARK_MASTER ?? base.master,
    driverMemory: env.SUMMARY_DRIVER_MEMORY ?? base.driverMemory,
    shufflePartitions: partitions,
    sparkConf: {
      ...base.sparkConf,
      ...sparkUiConf(env.SUMMARY_SPARK_UI),
      ...parseSparkConfEnv(env.SUMMARY_SPARK_CONF),
    },
    catalogProperties: { ...base.catalogProperties, ...parseCatalogPropertiesEnv(env.SUMMARY_CATALOG_PROPERTIES) },
    jarsDir: env.SUMMARY_JARS_DIR ? resolve(env.SUMMARY_JARS_DIR) : base.jarsDir,
    remote: sparkRemote(env.SUMMARY_SPARK_REMOTE) ?? base.remote,
  };
}

/** SUMMARY_SPARK_REMOTE's value that asks for an in-process Spark even where the local stack's server runs. */
export const IN_PROCESS = 'local';

/**
 * SUMMARY_SPARK_REMOTE: a Spark Connect server as `sc://host:port` (optionally `/;key=value` parameters), or
 * `local` / unset / empty for an in-process Spark (the CLI first looks for the local stack's server when unset:
 * stackConnectServer). Example: 'sc://127.0.0.1:15002' → 'sc://127.0.0.1:15002'; 'local' → undefined.
 */
export function sparkRemote(raw: string | undefined): string | undefined {
  const value = raw?.trim();
  if (!value || value === IN_PROCESS) return undefined;
  if (!/^sc:\/\/[A-Za-z0-9.\-[\]:]+:[0-9]{1,5}(\/;.*)?$/.test(value)) {
    throw new Error(
      `SUMMARY_SPARK_REMOTE: expected a Spark Connect URL like "sc://127.0.0.1:15002" (stack.sh up), or "${IN_PROCESS}" ` +
        `for an in-process Spark; received "${value}"`,
    );
  }
  return value;
}

/**
 * The local stack's Spark Connect server (`stack.sh up`; port STACK_SPARK_CONNECT_PORT, default 15002) when
 * SUMMARY_SPARK_REMOTE leaves the choice open (unset or empty) and something accepts connections on that port
 * of 127.0.0.1 within `timeoutMs`; undefined otherwise (then an in-process Spark). A refused port answers at
 * once, so a machine without the stack pays well under a millisecond.
 * Example: with `stack.sh up` running and nothing set → 'sc://127.0.0.1:15002'.
 */
export async function stackConnectServer(
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 500,
): Promise<string | undefined> {
  if (env.SUMMARY_SPARK_REMOTE?.trim()) return undefined;
  const port = Number(env.STACK_SPARK_CONNECT_PORT ?? 15002);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`STACK_SPARK_CONNECT_PORT: expected a port number; received "${env.STACK_SPARK_CONNECT_PORT}"`);
  const open = await new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
  return open ? `sc://127.0.0.1:${port}` : undefined;
}

/**
 * A Spark Connect URL fit for a log line: the value of its `token=` parameter (a client's credential, which the
 * pyspark 3.5 client takes from the URL only) replaced by `***`.
 * Example: 'sc://h:15002/;use_ssl=true;token=abc' → 'sc://h:15002/;use_ssl=true;token=***'.
 */
export function redactRemote(url: string): string {
  return url.replace(/;token=[^;]*/g, ';token=***');
}

/**
 * SUMMARY_SPARK_UI=1 (or `--spark-ui`): the Spark UI on, which local runners switch off by default; its URL
 * is printed at start (port 4040, or the next free one).
 */
export function sparkUiConf(raw: string | undefined): Record<string, string> {
  if (raw === undefined || raw === '' || raw === '0' || raw === 'false') return {};
  if (raw === '1' || raw === 'true') return { 'spark.ui.enabled': 'true' };
  throw new Error(`SUMMARY_SPARK_UI: expected 1/true or 0/false; received "${raw}"`);
}

/** One catalog of the runner's engine document (runner/summary_runner/session.py CATALOG_KEYS). */
export interface RunnerCatalog {
  type: CatalogType;
  warehouse?: string;
  uri?: string;
  /** Extra Iceberg catalog properties (spark.sql.catalog.<name>.<key>). */
  properties?: Record<string, string>;
  /** Iceberg catalog property → the environment variable the runner reads its (secret) value from. */
  propertiesFromEnv?: Record<string, string>;
}

/**
 * Adds the REST catalog authentication to every catalog: the non-secret properties as they are, the secret
 * ones by variable name. Example: oauth2 with a credential → {…, properties: {scope: 'catalog'},
 * propertiesFromEnv: {credential: 'SUMMARY_CATALOG_CREDENTIAL'}}. Only REST catalogs authenticate.
 */
export function withCatalogAuth<C extends { type?: unknown; properties?: Record<string, string> }>(
  name: string,
  catalog: C,
  auth: CatalogAuth,
): C {
  if (auth.mode === 'none') return catalog;
  if (catalog.type !== 'rest')
    throw new Error(
      `catalog ${name}: SUMMARY_CATALOG_AUTH=${auth.mode} applies to REST catalogs only; this one is ${JSON.stringify(catalog.type)}`,
    );
  const fromEnv =
    Object.keys(auth.propertiesFromEnv).length > 0 ? { propertiesFromEnv: { ...auth.propertiesFromEnv } } : {};
  return { ...catalog, properties: { ...catalog.properties, ...auth.properties }, ...fromEnv };
}

/** Spark settings a catalog authentication needs: the redaction of its secret from the UI and event logs. */
export function catalogAuthSparkConf(auth: CatalogAuth): Record<string, string> {
  return Object.keys(auth.propertiesFromEnv).length > 0 ? { 'spark.redaction.regex': SPARK_REDACTION_REGEX } : {};
}

/** The runner's engine document (runner/README.md). */
export interface RunnerEngineConfig {
  appName: string;
  master: string;
  catalogs: Record<string, RunnerCatalog>;
  defaultCatalog: string;
  sparkConf: Record<string, string>;
  jarsDir?: string;
  remote?: string;
}

/**
 * Settings of the config's `spark` section that a local Spark takes: query tuning only, by an allow-list
 * (adaptive execution, file splits, joins, the optimizer, Parquet writing, bucketing). Catalog wiring (Glue,
 * S3FileIO), executor sizing and anything else (e.g. spark.sql.variable.substitute, spark.sql.warehouse.dir)
 * belong to the cluster or the runner and are not applied.
 */
export function localSparkSettings(spark: Record<string, string>): Record<string, string> {
  const tuning = /^spark\.sql\.(adaptive|files|join|optimizer|parquet|sources\.bucketing)\.[A-Za-z0-9.]+$/;
  // A setting that names a class (spark.sql.adaptive.customCostEvaluatorClass, spark.sql.parquet.output.committer.class)
  // would load any class on the class path: not tuning, never applied.
  const namesAClass = /class/i;
  return Object.fromEntries(Object.entries(spark).filter(([k]) => tuning.test(k) && !namesAClass.test(k)));
}

/**
 * A warehouse as the catalogs take it: a URI (`s3://bucket/warehouse`, `file:///w`) as given, a local path
 * made absolute. path.resolve alone turned `s3://bucket/w` into `<cwd>/s3:/bucket/w`, a local directory.
 * Example: 's3://b/w' → 's3://b/w'; '.warehouse' → '/repo/.warehouse'.
 */
export function warehouseLocation(warehouse: string): string {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(warehouse) ? warehouse.replace(/\/+$/, '') : resolve(warehouse);
}

/**
 * Every catalog a table of the config lives in becomes an Iceberg catalog of the chosen type; with
 * hadoop each gets `<warehouse>/<catalog>`. Example: tables in spark_catalog and primary_catalog →
 * catalogs {spark_catalog: {hadoop, /w/spark_catalog}, primary_catalog: {hadoop, /w/primary_catalog}}.
 */
export function runnerEngineConfig(
  config: PipelineConfig,
  options: EngineOptions,
  jarsDir = options.jarsDir,
): RunnerEngineConfig {
  const tables: TableName[] = tablesOf(config);
  const warehouse = warehouseLocation(options.warehouse);
  const catalogs: RunnerEngineConfig['catalogs'] = {};
  const auth = options.catalogAuth ?? NO_CATALOG_AUTH;
  for (const name of new Set([config.defaultCatalog, ...tables.map((t) => t.catalog)])) {
    if (options.catalogType === 'hadoop') catalogs[name] = { type: 'hadoop', warehouse: `${warehouse}/${name}` };
    else {
      if (!options.catalogUri)
        throw new Error(
          `catalog type ${options.catalogType} needs a catalog URI (--catalog-uri or SUMMARY_CATALOG_URI)`,
        );
      catalogs[name] = { type: options.catalogType, uri: options.catalogUri, warehouse: `${warehouse}/${name}` };
    }
    if (options.catalogProperties && Object.keys(options.catalogProperties).length > 0) {
      catalogs[name] = {
        ...catalogs[name],
        properties: { ...catalogs[name].properties, ...options.catalogProperties },
      };
    }
    catalogs[name] = withCatalogAuth(name, catalogs[name], auth);
  }
  const local = options.master.startsWith('local');
  const javaOptions = local ? localDriverJavaOptions(cdsArchive()) : '';
  return {
    appName: config.spark['app_name'] ?? 'summary-pipeline',
    master: options.master,
    catalogs,
    defaultCatalog: config.defaultCatalog,
    sparkConf: {
      ...localSparkSettings(config.spark),
      'spark.driver.memory': options.driverMemory,
      'spark.sql.shuffle.partitions': String(options.shufflePartitions),
      ...(javaOptions ? { 'spark.driver.extraJavaOptions': javaOptions } : {}),
      // A batch's rebuilt rows (~17K wide rows for the 10K batch, ~14 MB) over Spark's 10 MB default made
      // CASE_III's patch of latest a shuffle join of the whole table; on one machine 64 MB broadcasts it.
      ...(local ? { 'spark.sql.autoBroadcastJoinThreshold': '64m' } : {}),
      ...catalogAuthSparkConf(auth),
      ...options.sparkConf,
    },
    jarsDir,
    ...(options.remote ? { remote: options.remote } : {}),
  };
}

/**
 * JVM options of a local driver (the CLI's and the services' embedded Spark): the CDS archive when
 * setup made one, which takes seconds off every start (issue #9, cold run), then SUMMARY_DRIVER_JAVA_OPTIONS
 * (e.g. `-XX:TieredStopAtLevel=1`, which the test command sets: C1 only, ~30% less time for small jobs).
 * A JVM that stops below C2 (TieredStopAtLevel 1–3) sizes its code cache for a client, 48 MiB, which a driver
 * that lives through many jobs fills: its next job fails with "Out of space in CodeCache for adapters" (seen in
 * CI). Unless the options size the cache themselves, such a driver gets the server's 240 MiB (reserved, not used).
 * Example: '/t/.toolchain/spark-cds.jsa' → '-XX:SharedArchiveFile=/t/.toolchain/spark-cds.jsa -Xshare:auto'.
 */
export function localDriverJavaOptions(
  archive: string | null,
  extra = process.env.SUMMARY_DRIVER_JAVA_OPTIONS,
): string {
  const options = extra?.trim() ?? '';
  const clientCodeCache = /-XX:TieredStopAtLevel=[123]\b/.test(options) && !/-XX:ReservedCodeCacheSize=/.test(options);
  return [
    archive ? `-XX:SharedArchiveFile=${archive} -Xshare:auto` : '',
    options,
    clientCodeCache ? `-XX:ReservedCodeCacheSize=${SERVER_CODE_CACHE}` : '',
  ]
    .filter(Boolean)
    .join(' ');
}

/** The code cache a tiered (C1 + C2) JVM reserves by default. */
const SERVER_CODE_CACHE = '240m';
