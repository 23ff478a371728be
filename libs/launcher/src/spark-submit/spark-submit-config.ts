import { parseS3Uri, S3Location } from '../emr/emr-config';

/** What the spark-submit launcher needs (SPARK_SUBMIT_* variables; docs/spark-cluster.md). */
export interface SparkSubmitConfig {
  /** `spark://host:7077`: where the driver's SparkContext connects. */
  master: string;
  /** `http://host:6066`: the master's REST submission server. */
  restUrl: string;
  artifacts: S3Location;
  /** A non-AWS store (SeaweedFS, …): its endpoint, path-style addressing. Absent on AWS. */
  s3Endpoint: string | null;
  region: string;
  /** The runner's directory on every worker (`summary_runner_main.py` + the `summary_runner` package). */
  runnerDir: string;
  /** The runner's engine document; `master` absent or null. */
  engineConfig: Record<string, unknown>;
  /** Spark properties of every submission (executor sizing, extraClassPath of the image's jars, …). */
  sparkProperties: Record<string, string>;
  /** Environment variables copied from the dispatcher to the driver and the executors (e.g. AWS_*). */
  passEnv: string[];
  pollIntervalMs: number;
  /** Kill a driver not finished this long after run() started watching it; 0 = never. */
  jobTimeoutMs: number;
}

export class SparkSubmitConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid spark-submit launcher configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = this.constructor.name;
  }
}

const KNOWN = [
  'SPARK_SUBMIT_MASTER',
  'SPARK_SUBMIT_REST_URL',
  'SPARK_SUBMIT_ARTIFACTS_S3_URI',
  'SPARK_SUBMIT_S3_ENDPOINT',
  'SPARK_SUBMIT_RUNNER_DIR',
  'SPARK_SUBMIT_ENGINE_CONFIG',
  'SPARK_SUBMIT_PROPERTIES',
  'SPARK_SUBMIT_PASS_ENV',
  'SPARK_SUBMIT_PASS_ENV_OVER_HTTP',
  'SPARK_SUBMIT_POLL_INTERVAL_MS',
  'SPARK_SUBMIT_JOB_TIMEOUT_MS',
];

/** An http:// URL whose host is not this machine. Example: 'http://master:6066' → true; 'http://127.0.0.1:6066' → false. */
function plainHttpOffHost(url: string): boolean {
  const match = /^http:\/\/(\[[^\]]+\]|[^/:]+)/.exec(url);
  return match !== null && !['127.0.0.1', 'localhost', '[::1]'].includes(match[1].toLowerCase());
}

/**
 * Reads SPARK_SUBMIT_* once at boot; every problem at once, each naming the variable, what it received
 * and what was expected. An unknown SPARK_SUBMIT_* variable is an error (a typo would be silently ignored).
 * SPARK_SUBMIT_PROPERTIES: `key=value` pairs separated by `;` or newlines.
 */
export function sparkSubmitConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SparkSubmitConfig {
  const problems: string[] = [];
  for (const name of Object.keys(env).filter((k) => k.startsWith('SPARK_SUBMIT_') && !KNOWN.includes(k))) {
    problems.push(`${name} is not a setting of the spark-submit launcher; expected one of ${KNOWN.join(', ')}`);
  }
  const required = (name: string): string => {
    const value = env[name]?.trim();
    if (!value) problems.push(`${name} is required`);
    return value ?? '';
  };
  const master = required('SPARK_SUBMIT_MASTER');
  if (master && !/^spark:\/\/[^/:]+:\d+$/.test(master)) {
    problems.push(
      master.startsWith('k8s://')
        ? `SPARK_SUBMIT_MASTER="${master}": k8s:// masters are not supported yet (issue 14); expected spark://host:port`
        : `SPARK_SUBMIT_MASTER="${master}" is not a standalone master URL; expected spark://host:port`,
    );
  }
  const restUrl = required('SPARK_SUBMIT_REST_URL');
  if (restUrl && !/^https?:\/\/[^/]+\/?$/.test(restUrl))
    problems.push(
      `SPARK_SUBMIT_REST_URL="${restUrl}"; expected http://host:6066 (the master's REST submission server)`,
    );
  const artifactsUri = required('SPARK_SUBMIT_ARTIFACTS_S3_URI');
  const artifacts = parseS3Uri(artifactsUri);
  if (artifactsUri && !artifacts)
    problems.push(`SPARK_SUBMIT_ARTIFACTS_S3_URI="${artifactsUri}"; expected s3://bucket[/prefix]`);
  const s3Endpoint = env.SPARK_SUBMIT_S3_ENDPOINT?.trim() || null;
  if (s3Endpoint && !/^https?:\/\//.test(s3Endpoint))
    problems.push(`SPARK_SUBMIT_S3_ENDPOINT="${s3Endpoint}"; expected http(s)://host:port`);
  const region = env.AWS_REGION?.trim() ?? '';
  if (!region) problems.push("AWS_REGION is required (the artifacts bucket's region; any value for a non-AWS store)");
  const runnerDir = required('SPARK_SUBMIT_RUNNER_DIR');
  if (runnerDir && !runnerDir.startsWith('/'))
    problems.push(`SPARK_SUBMIT_RUNNER_DIR="${runnerDir}"; expected an absolute path on the workers`);
  let engineConfig: Record<string, unknown> = {};
  const engineRaw = required('SPARK_SUBMIT_ENGINE_CONFIG');
  if (engineRaw) {
    try {
      const parsed = JSON.parse(engineRaw);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      engineConfig = parsed;
      if (engineConfig.master !== undefined && engineConfig.master !== null) {
        problems.push(
          `SPARK_SUBMIT_ENGINE_CONFIG sets master "${engineConfig.master}"; expected it absent or null (the submission decides)`,
        );
      }
    } catch (error) {
      problems.push(
        `SPARK_SUBMIT_ENGINE_CONFIG is not a JSON object (${(error as Error).message}); expected the runner's engine document (runner/README.md)`,
      );
    }
  }
  const sparkProperties: Record<string, string> = {};
  for (const part of (env.SPARK_SUBMIT_PROPERTIES ?? '')
    .split(/[;\n]/)
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) problems.push(`SPARK_SUBMIT_PROPERTIES has "${part}"; expected key=value`);
    else sparkProperties[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  const passEnv = (env.SPARK_SUBMIT_PASS_ENV ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of passEnv)
    if (env[name] === undefined)
      problems.push(`SPARK_SUBMIT_PASS_ENV names ${name}, which is not set in the dispatcher's environment`);
  // The values go in the submission's JSON body: in clear text over http to a master on another host.
  if (passEnv.length > 0 && restUrl && plainHttpOffHost(restUrl) && env.SPARK_SUBMIT_PASS_ENV_OVER_HTTP !== '1') {
    problems.push(
      `SPARK_SUBMIT_PASS_ENV would send ${passEnv.join(', ')} in clear text to ${restUrl}; expected an https:// or loopback SPARK_SUBMIT_REST_URL, ` +
        `workers with credentials of their own (instance roles) and no SPARK_SUBMIT_PASS_ENV, or SPARK_SUBMIT_PASS_ENV_OVER_HTTP=1 on a network you trust`,
    );
  }
  const int = (name: string, fallback: number, min: number): number => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) problems.push(`${name}="${raw}"; expected an integer ≥ ${min}`);
    return n;
  };
  const pollIntervalMs = int('SPARK_SUBMIT_POLL_INTERVAL_MS', 5000, 100);
  const jobTimeoutMs = int('SPARK_SUBMIT_JOB_TIMEOUT_MS', 21_600_000, 0);
  if (problems.length) throw new SparkSubmitConfigError(problems);
  return {
    master,
    restUrl,
    artifacts: artifacts!,
    s3Endpoint,
    region,
    runnerDir,
    engineConfig,
    sparkProperties,
    passEnv,
    pollIntervalMs,
    jobTimeoutMs,
  };
}
