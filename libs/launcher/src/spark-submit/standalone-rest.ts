/**
 * The Spark standalone master's REST submission server (spark.master.rest.enabled, port 6066): create a
 * driver in cluster deploy mode, read its state, kill it. It is what `spark-submit --deploy-mode cluster
 * --master spark://host:6066` speaks (Spark's RestSubmissionClient), called directly because spark-submit
 * refuses a Python application in cluster mode on a standalone master ("Cluster deploy mode is currently not
 * supported for python applications on standalone clusters", SparkSubmit.scala). The driver runs Spark's own
 * `org.apache.spark.deploy.PythonRunner`, which is what spark-submit itself runs for a .py in client mode.
 */

/** Driver states of the standalone master (Spark's DriverState). */
export type DriverState =
  'SUBMITTED' | 'RUNNING' | 'FINISHED' | 'RELAUNCHING' | 'UNKNOWN' | 'KILLED' | 'FAILED' | 'ERROR';

export const FINAL_DRIVER_STATES: ReadonlySet<DriverState> = new Set(['FINISHED', 'KILLED', 'FAILED', 'ERROR']);

export interface PythonDriverSubmission {
  /** `spark.app.name`. */
  appName: string;
  /** `spark://host:port` of the master (not the REST port): the driver's SparkContext connects there. */
  master: string;
  /** The Python entry point, a path that exists on every worker (e.g. runner/summary_runner_main.py). */
  entryPoint: string;
  /** Paths on the workers put on the driver's PYTHONPATH (the runner's package directory or zip). */
  pyFiles: string[];
  /** The entry point's own arguments. */
  args: string[];
  sparkProperties: Record<string, string>;
  /** The driver's environment (e.g. AWS_* for an S3 client that reads them). */
  environment: Record<string, string>;
}

export interface DriverStatus {
  submissionId: string;
  /** `success: false` with no state: the master does not know this id. */
  found: boolean;
  state: DriverState | null;
  /** The worker running the driver, when the master says. */
  workerId: string | null;
  /** The master's message (e.g. the exception of a driver in ERROR). */
  message: string | null;
}

export class StandaloneRestError extends Error {
  constructor(
    message: string,
    readonly retriable: boolean,
  ) {
    super(message);
    this.name = this.constructor.name;
  }
}

/**
 * The JVM flags spark-submit gives every JVM it starts on Java 17 (Spark 3.5's
 * org.apache.spark.launcher.JavaModuleOptions). A driver started by a worker from a REST submission gets
 * none of them, and its SparkContext then fails with "IllegalAccessError: class
 * org.apache.spark.storage.StorageUtils$ cannot access class sun.nio.ch.DirectBuffer". Executors get them
 * from the SparkContext itself.
 */
export const JAVA_17_MODULE_OPTIONS = [
  '-XX:+IgnoreUnrecognizedVMOptions',
  ...[
    'java.lang',
    'java.lang.invoke',
    'java.lang.reflect',
    'java.io',
    'java.net',
    'java.nio',
    'java.util',
    'java.util.concurrent',
    'java.util.concurrent.atomic',
    'jdk.internal.ref',
    'sun.nio.ch',
    'sun.nio.cs',
    'sun.security.action',
    'sun.util.calendar',
  ].map((pkg) => `--add-opens=java.base/${pkg}=ALL-UNNAMED`),
  '-Djdk.reflect.useDirectMethodHandle=false',
].join(' ');

/** The Spark version the request claims; the master only logs a mismatch. */
const CLIENT_SPARK_VERSION = '3.5.7';

type Fetch = typeof fetch;

export class StandaloneRestClient {
  /** `restUrl`: http://host:6066 of the master's REST submission server. */
  constructor(
    readonly restUrl: string,
    private readonly fetchImpl: Fetch = fetch,
    private readonly timeoutMs = 30_000,
  ) {}

  /** Creates the driver; returns the master's submission id (`driver-<time>-<seq>`). */
  async createPythonDriver(s: PythonDriverSubmission): Promise<string> {
    const body = {
      action: 'CreateSubmissionRequest',
      clientSparkVersion: CLIENT_SPARK_VERSION,
      appResource: `file:${s.entryPoint}`,
      mainClass: 'org.apache.spark.deploy.PythonRunner',
      // PythonRunner's arguments: the script, its comma-separated py-files, then the script's own.
      appArgs: [s.entryPoint, s.pyFiles.join(','), ...s.args],
      environmentVariables: s.environment,
      sparkProperties: {
        ...s.sparkProperties,
        'spark.driver.extraJavaOptions': [
          JAVA_17_MODULE_OPTIONS,
          s.sparkProperties['spark.driver.extraJavaOptions'] ?? '',
        ]
          .join(' ')
          .trim(),
        'spark.app.name': s.appName,
        'spark.master': s.master,
        'spark.submit.deployMode': 'cluster',
        'spark.submit.pyFiles': s.pyFiles.join(','),
      },
    };
    const answer = await this.call('POST', '/v1/submissions/create', body);
    if (answer.success !== true || typeof answer.submissionId !== 'string') {
      throw new StandaloneRestError(
        `Spark master ${this.restUrl} refused the submission of ${s.appName}: ${answer.message ?? JSON.stringify(answer)}`,
        false,
      );
    }
    return answer.submissionId;
  }

  async status(submissionId: string): Promise<DriverStatus> {
    const answer = await this.call('GET', `/v1/submissions/status/${encodeURIComponent(submissionId)}`);
    const state = typeof answer.driverState === 'string' ? (answer.driverState as DriverState) : null;
    return {
      submissionId,
      found: answer.success === true && state !== null,
      state,
      workerId: typeof answer.workerId === 'string' ? answer.workerId : null,
      message: typeof answer.message === 'string' ? answer.message : null,
    };
  }

  /** Asks the master to kill the driver; true when it accepted (false: unknown or already finished). */
  async kill(submissionId: string): Promise<boolean> {
    const answer = await this.call('POST', `/v1/submissions/kill/${encodeURIComponent(submissionId)}`);
    return answer.success === true;
  }

  private async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Record<string, unknown>> {
    const url = `${this.restUrl.replace(/\/$/, '')}${path}`;
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        method,
        headers: body === undefined ? undefined : { 'Content-Type': 'application/json;charset=UTF-8' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new StandaloneRestError(
        `Spark master REST ${method} ${url} got no answer: ${(err as Error).message}; retriable: is the master up (stack.sh status)?`,
        true,
      );
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new StandaloneRestError(
        `Spark master REST ${method} ${url} answered HTTP ${response.status} with a body that is not JSON: ${text.slice(0, 300)}`,
        response.status >= 500,
      );
    }
    if (!parsed || typeof parsed !== 'object') {
      throw new StandaloneRestError(
        `Spark master REST ${method} ${url} answered ${text.slice(0, 300)}; expected a JSON object`,
        false,
      );
    }
    // An ErrorResponse (HTTP 400/500) still carries a message worth showing.
    if (!response.ok && (parsed as Record<string, unknown>).action === 'ErrorResponse') {
      throw new StandaloneRestError(
        `Spark master REST ${method} ${url} answered HTTP ${response.status}: ${(parsed as Record<string, unknown>).message}`,
        response.status >= 500,
      );
    }
    return parsed as Record<string, unknown>;
  }
}
