import { SparkSubmitConfigError, sparkSubmitConfigFromEnv } from './spark-submit-config';

const valid = {
  SPARK_SUBMIT_MASTER: 'spark://10.0.0.5:7077',
  SPARK_SUBMIT_REST_URL: 'http://10.0.0.5:6066',
  SPARK_SUBMIT_ARTIFACTS_S3_URI: 's3://artifacts/summary',
  SPARK_SUBMIT_RUNNER_DIR: '/opt/runner',
  SPARK_SUBMIT_ENGINE_CONFIG: '{"catalogs":{"lake":{"type":"rest","uri":"http://c:8181"}},"defaultCatalog":"lake"}',
  AWS_REGION: 'eu-west-1',
};

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    sparkSubmitConfigFromEnv(env);
  } catch (error) {
    if (error instanceof SparkSubmitConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('sparkSubmitConfigFromEnv', () => {
  it('reads a complete configuration with its defaults', () => {
    expect(
      sparkSubmitConfigFromEnv({
        ...valid,
        SPARK_SUBMIT_PROPERTIES: 'spark.executor.memory=4g; spark.cores.max=8',
        SPARK_SUBMIT_PASS_ENV: 'AWS_REGION',
        SPARK_SUBMIT_PASS_ENV_OVER_HTTP: '1',
      }),
    ).toEqual({
      master: 'spark://10.0.0.5:7077',
      restUrl: 'http://10.0.0.5:6066',
      artifacts: { bucket: 'artifacts', prefix: 'summary' },
      s3Endpoint: null,
      region: 'eu-west-1',
      runnerDir: '/opt/runner',
      engineConfig: { catalogs: { lake: { type: 'rest', uri: 'http://c:8181' } }, defaultCatalog: 'lake' },
      sparkProperties: { 'spark.executor.memory': '4g', 'spark.cores.max': '8' },
      passEnv: ['AWS_REGION'],
      pollIntervalMs: 5000,
      jobTimeoutMs: 21_600_000,
    });
  });

  it('reports every problem at once, naming the variable and what was expected', () => {
    expect(
      problems({
        SPARK_SUBMIT_MASTER: 'k8s://https://api:6443',
        SPARK_SUBMIT_REST_URL: 'http://m:6066',
        SPARK_SUBMIT_ARTIFACTS_S3_URI: 'artifacts/summary',
        SPARK_SUBMIT_RUNNER_DIR: 'runner',
        SPARK_SUBMIT_ENGINE_CONFIG: '{"master":"local[*]"}',
        SPARK_SUBMIT_PROPERTIES: 'spark.executor.memory',
        SPARK_SUBMIT_PASS_ENV: 'NOT_SET_HERE',
        SPARK_SUBMIT_POLL_INTERVAL_MS: '10',
        SPARK_SUBMIT_TIMEOUT: '5',
      }),
    ).toEqual([
      'SPARK_SUBMIT_TIMEOUT is not a setting of the spark-submit launcher; ' +
        'expected one of SPARK_SUBMIT_MASTER, SPARK_SUBMIT_REST_URL, SPARK_SUBMIT_ARTIFACTS_S3_URI, ' +
        'SPARK_SUBMIT_S3_ENDPOINT, SPARK_SUBMIT_RUNNER_DIR, SPARK_SUBMIT_ENGINE_CONFIG, ' +
        'SPARK_SUBMIT_PROPERTIES, SPARK_SUBMIT_PASS_ENV, SPARK_SUBMIT_PASS_ENV_OVER_HTTP, ' +
        'SPARK_SUBMIT_POLL_INTERVAL_MS, SPARK_SUBMIT_JOB_TIMEOUT_MS',
      'SPARK_SUBMIT_MASTER="k8s://https://api:6443": k8s:// masters are not supported yet (issue 14); expected spark://host:port',
      'SPARK_SUBMIT_ARTIFACTS_S3_URI="artifacts/summary"; expected s3://bucket[/prefix]',
      "AWS_REGION is required (the artifacts bucket's region; any value for a non-AWS store)",
      'SPARK_SUBMIT_RUNNER_DIR="runner"; expected an absolute path on the workers',
      'SPARK_SUBMIT_ENGINE_CONFIG sets master "local[*]"; expected it absent or null (the submission decides)',
      'SPARK_SUBMIT_PROPERTIES has "spark.executor.memory"; expected key=value',
      "SPARK_SUBMIT_PASS_ENV names NOT_SET_HERE, which is not set in the dispatcher's environment",
      'SPARK_SUBMIT_PASS_ENV would send NOT_SET_HERE in clear text to http://m:6066; ' +
        'expected an https:// or loopback SPARK_SUBMIT_REST_URL, ' +
        'workers with credentials of their own (instance roles) and no SPARK_SUBMIT_PASS_ENV, ' +
        'or SPARK_SUBMIT_PASS_ENV_OVER_HTTP=1 on a network you trust',
      'SPARK_SUBMIT_POLL_INTERVAL_MS="10"; expected an integer ≥ 100',
    ]);
  });

  it('names each missing required variable', () => {
    expect(problems({ AWS_REGION: 'eu-west-1' })).toEqual(
      [
        'SPARK_SUBMIT_MASTER',
        'SPARK_SUBMIT_REST_URL',
        'SPARK_SUBMIT_ARTIFACTS_S3_URI',
        'SPARK_SUBMIT_RUNNER_DIR',
        'SPARK_SUBMIT_ENGINE_CONFIG',
      ].map((v) => `${v} is required`),
    );
  });

  it('refuses to send SPARK_SUBMIT_PASS_ENV values over plain http to another host, unless told the network is trusted', () => {
    const secrets = { ...valid, AWS_SECRET_ACCESS_KEY: 'x', SPARK_SUBMIT_PASS_ENV: 'AWS_SECRET_ACCESS_KEY' };
    expect(problems(secrets)).toEqual([
      expect.stringMatching(
        /^SPARK_SUBMIT_PASS_ENV would send AWS_SECRET_ACCESS_KEY in clear text to http:\/\/10\.0\.0\.5:6066; /,
      ),
    ]);
    expect(problems({ ...secrets, SPARK_SUBMIT_PASS_ENV_OVER_HTTP: '1' })).toEqual([]);
    expect(problems({ ...secrets, SPARK_SUBMIT_REST_URL: 'https://10.0.0.5:6066' })).toEqual([]);
    expect(problems({ ...secrets, SPARK_SUBMIT_REST_URL: 'http://127.0.0.1:6066' })).toEqual([]); // the local stack's master
    expect(problems({ ...valid, AWS_SECRET_ACCESS_KEY: 'x' })).toEqual([]); // nothing passed, nothing sent
  });
});
