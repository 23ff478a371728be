import { CASE_ORDER } from '@app/domain';
import {
  CATALOG_SECRET_ENV,
  CatalogAuth,
  CatalogAuthError,
  CatalogSecretProperty,
  catalogAuthFromEnv,
  catalogAuthSparkConf,
  withCatalogAuth,
} from '@app/runner-client';

/**
 * Settings of the EMR on EKS launcher, read from the environment once at boot and validated strictly
 * (STYLE.md §10): every problem names its variable, what was received and what was expected.
 * docs/emr-on-eks.md describes each variable and the S3 layout.
 */

/** A bucket and a key prefix without leading or trailing slashes ('' = the bucket's root). */
export interface S3Location {
  bucket: string;
  prefix: string;
}

/** Steps with their own spark-submit parameters (EMR_SPARK_SUBMIT_PARAMETERS_<STEP>). */
export const PER_STEP_PARAMETER_STEPS: readonly string[] = [...CASE_ORDER, 'CLASSIFY'];

export interface EmrArtifactsConfig {
  region: string;
  /** EMR_ARTIFACTS_S3_URI: compiled jobs, results and the runner live under it. */
  artifacts: S3Location;
  /** S3 (or local://) URI of runner/summary_runner_main.py. */
  runnerEntryPoint: string;
  /** S3 (or local://) URI of the zipped summary_runner package, passed as --py-files. */
  runnerPyFiles: string;
}

export interface EmrConfig extends EmrArtifactsConfig {
  virtualClusterId: string;
  executionRoleArn: string;
  releaseLabel: string;
  /** Spark-submit parameters for every step without its own entry in `stepSparkSubmitParameters`. */
  sparkSubmitParameters: string;
  /** Upper-cased step name (CASE_III, CASE_I, CASE_II, CLASSIFY) → spark-submit parameters. */
  stepSparkSubmitParameters: Record<string, string>;
  /** The runner's engine document (runner/README.md), passed inline as `--engine-json`. */
  engineConfig: Record<string, unknown>;
  pollIntervalMs: number;
  apiMaxAttempts: number;
  /** monitoringConfiguration.s3MonitoringConfiguration.logUri, or none. */
  logS3Uri?: string;
  /** A run still unfinished this long after run() started watching it is cancelled; 0 = never. */
  jobTimeoutMs: number;
}

export const EMR_DEFAULTS = {
  releaseLabel: 'emr-7.5.0-latest',
  // EMR images ship Iceberg but do not load it by default (EMR on EKS guide, "Using Apache Iceberg").
  sparkSubmitParameters:
    '--jars local:///usr/share/aws/iceberg/lib/iceberg-spark3-runtime.jar --conf spark.executor.instances=2 ' +
    '--conf spark.executor.cores=2 --conf spark.executor.memory=4G --conf spark.driver.cores=1 --conf spark.driver.memory=4G',
  pollIntervalMs: 15000,
  apiMaxAttempts: 5,
  jobTimeoutMs: 6 * 60 * 60 * 1000,
} as const;

// Limits from the emr-containers API model (botocore service-2.json): EntryPointPath ≤ 256 characters,
// EntryPointArgument ≤ 10280, ResourceIdString [0-9a-z]{1,64}, ReleaseLabel [.-_/A-Za-z0-9]{1,64}.
export const ENTRY_POINT_MAX_CHARS = 256;
export const ENTRY_POINT_ARGUMENT_MAX_CHARS = 10280;

// The runner's engine document (runner/summary_runner/session.py ENGINE_KEYS); it refuses any other key.
const ENGINE_KEYS = ['appName', 'master', 'catalogs', 'defaultCatalog', 'sparkConf', 'jarsDir'];

const KNOWN = new Set([
  'EMR_VIRTUAL_CLUSTER_ID',
  'EMR_EXECUTION_ROLE_ARN',
  'EMR_RELEASE_LABEL',
  'EMR_ARTIFACTS_S3_URI',
  'EMR_RUNNER_ENTRYPOINT',
  'EMR_RUNNER_PY_FILES',
  'EMR_SPARK_SUBMIT_PARAMETERS',
  ...PER_STEP_PARAMETER_STEPS.map((s) => `EMR_SPARK_SUBMIT_PARAMETERS_${s}`),
  'EMR_ENGINE_CONFIG',
  'EMR_POLL_INTERVAL_MS',
  'EMR_API_MAX_ATTEMPTS',
  'EMR_LOG_S3_URI',
  'EMR_JOB_TIMEOUT_MS',
  'EMR_CATALOG_CREDENTIAL_SECRET',
  'EMR_CATALOG_TOKEN_SECRET',
]);

// The Kubernetes Secret (in the virtual cluster's namespace) and key a catalog secret comes from.
const EMR_SECRET_REF: Record<CatalogSecretProperty, string> = {
  credential: 'EMR_CATALOG_CREDENTIAL_SECRET',
  token: 'EMR_CATALOG_TOKEN_SECRET',
};

export class EmrConfigError extends Error {
  readonly retriable = false;

  constructor(readonly problems: string[]) {
    super(
      `Invalid EMR on EKS configuration (${problems.length} problem(s); see docs/emr-on-eks.md):\n  - ${problems.join('\n  - ')}`,
    );
    this.name = this.constructor.name;
  }
}

/**
 * `s3://bucket/some/prefix/` → { bucket: 'bucket', prefix: 'some/prefix' }; anything else → null.
 * Bucket names as S3 allows them: 3-63 of [a-z0-9.-], starting and ending with a letter or digit.
 */
export function parseS3Uri(uri: string): S3Location | null {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(uri);
  if (!match) return null;
  return { bucket: match[1], prefix: (match[2] ?? '').replace(/^\/+|\/+$/g, '') };
}

export function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** The key of `name` under a location's prefix. */
export function keyUnder(location: S3Location, name: string): string {
  return location.prefix ? `${location.prefix}/${name}` : name;
}

/** Collects problems while reading; `done()` throws them all at once. */
class Reader {
  readonly problems: string[] = [];

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  value(name: string): string | undefined {
    const raw = this.env[name];
    return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
  }

  required(name: string, what: string): string {
    const value = this.value(name);
    if (value === undefined) this.problems.push(`${name}: required, not set (expected ${what})`);
    return value ?? '';
  }

  matching(name: string, value: string, pattern: RegExp, what: string): string {
    if (value !== '' && !pattern.test(value)) this.problems.push(`${name}: expected ${what}, received "${value}"`);
    return value;
  }

  int(name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const raw = this.value(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max) {
      this.problems.push(`${name}: expected an integer in [${min}, ${max}], received "${raw}"`);
      return fallback;
    }
    return n;
  }

  /** An S3 URI (or `local://` for a file baked into a custom EMR image) of a single object. */
  objectUri(name: string, fallback: string): string {
    const value = this.value(name) ?? fallback;
    const s3 = parseS3Uri(value);
    if (!(s3 && s3.prefix) && !/^local:\/\/\/\S+$/.test(value)) {
      this.problems.push(`${name}: expected an object URI s3://bucket/key or local:///path, received "${value}"`);
    } else if (value.length > ENTRY_POINT_MAX_CHARS) {
      this.problems.push(
        `${name}: at most ${ENTRY_POINT_MAX_CHARS} characters (EMR's limit), received ${value.length}`,
      );
    }
    return value;
  }

  sparkSubmitParameters(name: string, fallback?: string): string | undefined {
    const value = this.value(name) ?? fallback;
    if (value !== undefined && /(^|\s)--py-files(\s|=|$)/.test(value)) {
      this.problems.push(
        `${name}: must not contain --py-files (the launcher adds EMR_RUNNER_PY_FILES), received "${value}"`,
      );
    }
    return value;
  }

  get(name: string): string | undefined {
    return this.value(name);
  }

  get environment(): NodeJS.ProcessEnv {
    return this.env;
  }

  unknownEmrVariables(): void {
    for (const name of Object.keys(this.env)) {
      if (name.startsWith('EMR_') && !KNOWN.has(name)) {
        this.problems.push(`${name}: unknown variable (a typo?); expected one of ${[...KNOWN].join(', ')}`);
      }
    }
  }

  done(): void {
    if (this.problems.length > 0) throw new EmrConfigError(this.problems);
  }
}

function readArtifacts(r: Reader): EmrArtifactsConfig {
  const region = r.matching(
    'AWS_REGION',
    r.required('AWS_REGION', 'the region of the virtual cluster, e.g. eu-west-1'),
    /^[a-z]{2}(-[a-z]+)+-\d$/,
    'a region such as eu-west-1',
  );
  const artifactsUri = r.required('EMR_ARTIFACTS_S3_URI', 's3://bucket/prefix');
  const artifacts = parseS3Uri(artifactsUri);
  if (artifactsUri && !artifacts)
    r.problems.push(`EMR_ARTIFACTS_S3_URI: expected s3://bucket[/prefix], received "${artifactsUri}"`);
  const base = artifacts ?? { bucket: 'invalid', prefix: '' };
  return {
    region,
    artifacts: base,
    runnerEntryPoint: r.objectUri(
      'EMR_RUNNER_ENTRYPOINT',
      s3Uri(base.bucket, keyUnder(base, 'runner/summary_runner_main.py')),
    ),
    runnerPyFiles: r.objectUri('EMR_RUNNER_PY_FILES', s3Uri(base.bucket, keyUnder(base, 'runner/summary_runner.zip'))),
  };
}

/** Only what uploading the runner needs (AWS_REGION, EMR_ARTIFACTS_S3_URI, EMR_RUNNER_*). */
export function emrArtifactsConfigFromEnv(env: NodeJS.ProcessEnv = process.env): EmrArtifactsConfig {
  const r = new Reader(env);
  const config = readArtifacts(r);
  r.done();
  return config;
}

export function emrConfigFromEnv(env: NodeJS.ProcessEnv = process.env): EmrConfig {
  const r = new Reader(env);
  r.unknownEmrVariables();
  const artifacts = readArtifacts(r);
  const virtualClusterId = r.matching(
    'EMR_VIRTUAL_CLUSTER_ID',
    r.required('EMR_VIRTUAL_CLUSTER_ID', 'the virtual cluster id'),
    /^[0-9a-z]{1,64}$/,
    '1-64 of [0-9a-z] (the id, not the name or ARN)',
  );
  const executionRoleArn = r.matching(
    'EMR_EXECUTION_ROLE_ARN',
    r.required('EMR_EXECUTION_ROLE_ARN', 'the job execution role ARN'),
    /^arn:aws[a-zA-Z0-9-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/,
    'an IAM role ARN arn:aws:iam::<account>:role/<name>',
  );
  const releaseLabel = r.matching(
    'EMR_RELEASE_LABEL',
    r.value('EMR_RELEASE_LABEL') ?? EMR_DEFAULTS.releaseLabel,
    /^emr-[\w.-]{1,60}$/,
    'an EMR release label such as emr-7.5.0-latest',
  );
  const sparkSubmitParameters = r.sparkSubmitParameters(
    'EMR_SPARK_SUBMIT_PARAMETERS',
    EMR_DEFAULTS.sparkSubmitParameters,
  ) as string;
  const stepSparkSubmitParameters: Record<string, string> = {};
  for (const step of PER_STEP_PARAMETER_STEPS) {
    const value = r.sparkSubmitParameters(`EMR_SPARK_SUBMIT_PARAMETERS_${step}`);
    if (value !== undefined) stepSparkSubmitParameters[step] = value;
  }
  const logS3Uri = r.value('EMR_LOG_S3_URI');
  if (logS3Uri !== undefined && !parseS3Uri(logS3Uri))
    r.problems.push(`EMR_LOG_S3_URI: expected s3://bucket[/prefix], received "${logS3Uri}"`);
  const auth = readCatalogAuth(r);
  const secretConf = catalogSecretSubmitParameters(r, auth);
  for (const step of Object.keys(stepSparkSubmitParameters))
    stepSparkSubmitParameters[step] = `${stepSparkSubmitParameters[step]}${secretConf}`;
  const config: EmrConfig = {
    ...artifacts,
    virtualClusterId,
    executionRoleArn,
    releaseLabel,
    sparkSubmitParameters: `${sparkSubmitParameters}${secretConf}`,
    stepSparkSubmitParameters,
    engineConfig: engineWithCatalogAuth(r, readEngineConfig(r), auth),
    pollIntervalMs: r.int('EMR_POLL_INTERVAL_MS', EMR_DEFAULTS.pollIntervalMs, 100),
    apiMaxAttempts: r.int('EMR_API_MAX_ATTEMPTS', EMR_DEFAULTS.apiMaxAttempts, 1, 20),
    logS3Uri,
    jobTimeoutMs: r.int('EMR_JOB_TIMEOUT_MS', EMR_DEFAULTS.jobTimeoutMs, 0),
  };
  r.done();
  return config;
}

function readEngineConfig(r: Reader): Record<string, unknown> {
  const name = 'EMR_ENGINE_CONFIG';
  const raw = r.required(name, 'the runner engine document as JSON, e.g. {"catalogs":{...},"defaultCatalog":"..."}');
  if (raw === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    r.problems.push(`${name}: expected a JSON object, received invalid JSON (${(error as Error).message})`);
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    r.problems.push(
      `${name}: expected a JSON object, received ${Array.isArray(parsed) ? 'an array' : JSON.stringify(parsed)}`,
    );
    return {};
  }
  const engine = parsed as Record<string, unknown>;
  const unknown = Object.keys(engine).filter((key) => !ENGINE_KEYS.includes(key));
  if (unknown.length > 0) {
    r.problems.push(
      `${name}: unknown key(s) ${unknown.join(', ')}; expected only ${ENGINE_KEYS.join(', ')} (runner/README.md "Engine config")`,
    );
  }
  if (engine.master !== undefined && engine.master !== null) {
    r.problems.push(
      `${name}: "master" must be absent or null on EMR (spark-submit decides it), received ${JSON.stringify(engine.master)}`,
    );
  }
  const compact = JSON.stringify(engine);
  if (compact.length > ENTRY_POINT_ARGUMENT_MAX_CHARS) {
    r.problems.push(
      `${name}: at most ${ENTRY_POINT_ARGUMENT_MAX_CHARS} characters as compact JSON (EMR's limit for one entry point argument), received ${compact.length}`,
    );
  }
  return engine;
}

/** SUMMARY_CATALOG_AUTH and its settings (libs/runner-client catalog-auth.ts); the secrets are references here. */
function readCatalogAuth(r: Reader): CatalogAuth {
  let auth: CatalogAuth = { mode: 'none', properties: {}, propertiesFromEnv: {} };
  try {
    auth = catalogAuthFromEnv(r.environment, { secretsInEnv: false });
  } catch (error) {
    if (!(error instanceof CatalogAuthError)) throw error;
    r.problems.push(...error.problems);
  }
  const refs = (Object.keys(EMR_SECRET_REF) as CatalogSecretProperty[]).filter(
    (p) => r.get(EMR_SECRET_REF[p]) !== undefined,
  );
  if (auth.mode === 'oauth2' && refs.length !== 1) {
    r.problems.push(
      `SUMMARY_CATALOG_AUTH=oauth2 on EMR needs exactly one of EMR_CATALOG_CREDENTIAL_SECRET or ` +
        `EMR_CATALOG_TOKEN_SECRET (<secret>:<key> of a Kubernetes Secret in the virtual cluster's ` +
        `namespace); ${refs.length === 0 ? 'neither is set' : 'both are set'}`,
    );
  }
  if (auth.mode !== 'oauth2')
    for (const p of refs)
      r.problems.push(
        `${EMR_SECRET_REF[p]} is set but SUMMARY_CATALOG_AUTH is "${auth.mode}"; it applies to oauth2 only`,
      );
  for (const p of refs) {
    r.matching(
      EMR_SECRET_REF[p],
      r.get(EMR_SECRET_REF[p]) as string,
      /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?:[-._a-zA-Z0-9]+$/,
      '<secret name>:<key>, e.g. summary-catalog:credential',
    );
    if (auth.mode === 'oauth2') auth.propertiesFromEnv[p] = CATALOG_SECRET_ENV[p];
  }
  return auth;
}

/**
 * The driver gets each catalog secret as an environment variable from a Kubernetes Secret (Spark on
 * Kubernetes: spark.kubernetes.driver.secretKeyRef.<ENV>=<secret>:<key>), so the value never appears in
 * the StartJobRun request. Example: EMR_CATALOG_CREDENTIAL_SECRET=summary-catalog:credential →
 * " --conf spark.kubernetes.driver.secretKeyRef.SUMMARY_CATALOG_CREDENTIAL=summary-catalog:credential".
 */
function catalogSecretSubmitParameters(r: Reader, auth: CatalogAuth): string {
  return Object.keys(auth.propertiesFromEnv)
    .map(
      (p) =>
        ` --conf spark.kubernetes.driver.secretKeyRef.${CATALOG_SECRET_ENV[p as CatalogSecretProperty]}=${r.get(EMR_SECRET_REF[p as CatalogSecretProperty])}`,
    )
    .join('');
}

function engineWithCatalogAuth(r: Reader, engine: Record<string, unknown>, auth: CatalogAuth): Record<string, unknown> {
  if (auth.mode === 'none' || typeof engine.catalogs !== 'object' || engine.catalogs === null) return engine;
  const catalogs: Record<string, unknown> = {};
  for (const [name, catalog] of Object.entries(
    engine.catalogs as Record<string, { type?: unknown; properties?: Record<string, string> }>,
  )) {
    try {
      catalogs[name] = withCatalogAuth(name, catalog, auth);
    } catch (error) {
      r.problems.push(`EMR_ENGINE_CONFIG: ${(error as Error).message}`);
      catalogs[name] = catalog;
    }
  }
  const sparkConf = {
    ...((engine.sparkConf as Record<string, string> | undefined) ?? {}),
    ...catalogAuthSparkConf(auth),
  };
  return { ...engine, catalogs, sparkConf };
}

/** The spark-submit parameters of a step: its own EMR_SPARK_SUBMIT_PARAMETERS_<STEP>, else the default. */
export function sparkSubmitParametersFor(config: EmrConfig, step: string): string {
  return config.stepSparkSubmitParameters[step.toUpperCase()] ?? config.sparkSubmitParameters;
}
