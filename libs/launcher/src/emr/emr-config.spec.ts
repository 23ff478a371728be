import {
  EmrConfigError,
  emrArtifactsConfigFromEnv,
  emrConfigFromEnv,
  parseS3Uri,
  sparkSubmitParametersFor,
} from './emr-config';

const minimal = {
  AWS_REGION: 'eu-west-1',
  EMR_VIRTUAL_CLUSTER_ID: 'abc123def456',
  EMR_EXECUTION_ROLE_ARN: 'arn:aws:iam::123456789012:role/summary-emr-job',
  EMR_ARTIFACTS_S3_URI: 's3://summary-artifacts/prod/',
  EMR_ENGINE_CONFIG: '{"catalogs":{"lake":{"type":"rest","uri":"https://catalog.example"}},"defaultCatalog":"lake"}',
};

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    emrConfigFromEnv(env);
  } catch (error) {
    if (error instanceof EmrConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected an EmrConfigError');
}

describe('emrConfigFromEnv', () => {
  it('fills the documented defaults from the required variables', () => {
    const config = emrConfigFromEnv(minimal);

    expect(config).toEqual({
      region: 'eu-west-1',
      virtualClusterId: 'abc123def456',
      executionRoleArn: 'arn:aws:iam::123456789012:role/summary-emr-job',
      releaseLabel: 'emr-7.5.0-latest',
      artifacts: { bucket: 'summary-artifacts', prefix: 'prod' },
      runnerEntryPoint: 's3://summary-artifacts/prod/runner/summary_runner_main.py',
      runnerPyFiles: 's3://summary-artifacts/prod/runner/summary_runner.zip',
      sparkSubmitParameters:
        '--jars local:///usr/share/aws/iceberg/lib/iceberg-spark3-runtime.jar --conf spark.executor.instances=2 --conf spark.executor.cores=2 ' +
        '--conf spark.executor.memory=4G --conf spark.driver.cores=1 --conf spark.driver.memory=4G',
      stepSparkSubmitParameters: {},
      engineConfig: { catalogs: { lake: { type: 'rest', uri: 'https://catalog.example' } }, defaultCatalog: 'lake' },
      pollIntervalMs: 15000,
      apiMaxAttempts: 5,
      logS3Uri: undefined,
      jobTimeoutMs: 21600000,
    });
  });

  it('takes per-step spark-submit parameters, falling back to the default for other steps', () => {
    const config = emrConfigFromEnv({
      ...minimal,
      EMR_SPARK_SUBMIT_PARAMETERS: '--conf spark.executor.instances=2',
      EMR_SPARK_SUBMIT_PARAMETERS_CASE_III: '--conf spark.executor.instances=10',
      EMR_SPARK_SUBMIT_PARAMETERS_CLASSIFY: '--conf spark.executor.instances=1',
    });

    expect(sparkSubmitParametersFor(config, 'CASE_III')).toBe('--conf spark.executor.instances=10');
    expect(sparkSubmitParametersFor(config, 'classify')).toBe('--conf spark.executor.instances=1');
    expect(sparkSubmitParametersFor(config, 'CASE_I')).toBe('--conf spark.executor.instances=2');
  });

  it('names every missing required variable', () => {
    expect(problemsOf({})).toEqual([
      'AWS_REGION: required, not set (expected the region of the virtual cluster, e.g. eu-west-1)',
      'EMR_ARTIFACTS_S3_URI: required, not set (expected s3://bucket/prefix)',
      'EMR_VIRTUAL_CLUSTER_ID: required, not set (expected the virtual cluster id)',
      'EMR_EXECUTION_ROLE_ARN: required, not set (expected the job execution role ARN)',
      'EMR_ENGINE_CONFIG: required, not set (expected the runner engine document as JSON, e.g. {"catalogs":{...},"defaultCatalog":"..."})',
    ]);
  });

  it.each([
    [
      'EMR_ARTIFACTS_S3_URI',
      'https://bucket/prefix',
      'EMR_ARTIFACTS_S3_URI: expected s3://bucket[/prefix], received "https://bucket/prefix"',
    ],
    ['EMR_VIRTUAL_CLUSTER_ID', 'arn:aws:emr-containers:x', 'EMR_VIRTUAL_CLUSTER_ID: expected 1-64 of [0-9a-z]'],
    ['EMR_EXECUTION_ROLE_ARN', 'summary-emr-job', 'EMR_EXECUTION_ROLE_ARN: expected an IAM role ARN'],
    [
      'EMR_RELEASE_LABEL',
      '7.5.0',
      'EMR_RELEASE_LABEL: expected an EMR release label such as emr-7.5.0-latest, received "7.5.0"',
    ],
    [
      'EMR_RUNNER_ENTRYPOINT',
      's3://bucket',
      'EMR_RUNNER_ENTRYPOINT: expected an object URI s3://bucket/key or local:///path, received "s3://bucket"',
    ],
    [
      'EMR_RUNNER_PY_FILES',
      `s3://bucket/${'x'.repeat(260)}`,
      "EMR_RUNNER_PY_FILES: at most 256 characters (EMR's limit), received 272",
    ],
    [
      'EMR_SPARK_SUBMIT_PARAMETERS_CASE_I',
      '--py-files s3://b/x.zip',
      'EMR_SPARK_SUBMIT_PARAMETERS_CASE_I: must not contain --py-files',
    ],
    ['EMR_ENGINE_CONFIG', '{catalogs', 'EMR_ENGINE_CONFIG: expected a JSON object, received invalid JSON'],
    ['EMR_ENGINE_CONFIG', '[1]', 'EMR_ENGINE_CONFIG: expected a JSON object, received an array'],
    [
      'EMR_ENGINE_CONFIG',
      '{"catalog":{}}',
      'EMR_ENGINE_CONFIG: unknown key(s) catalog; expected only appName, master, catalogs, defaultCatalog, sparkConf, jarsDir',
    ],
    [
      'EMR_ENGINE_CONFIG',
      '{"master":"local[*]"}',
      'EMR_ENGINE_CONFIG: "master" must be absent or null on EMR (spark-submit decides it), received "local[*]"',
    ],
    [
      'EMR_ENGINE_CONFIG',
      JSON.stringify({ sparkConf: { 'spark.x': 'y'.repeat(10300) } }),
      'EMR_ENGINE_CONFIG: at most 10280 characters as compact JSON',
    ],
    [
      'EMR_POLL_INTERVAL_MS',
      '15s',
      'EMR_POLL_INTERVAL_MS: expected an integer in [100, 9007199254740991], received "15s"',
    ],
    ['EMR_API_MAX_ATTEMPTS', '0', 'EMR_API_MAX_ATTEMPTS: expected an integer in [1, 20], received "0"'],
    ['EMR_LOG_S3_URI', 'logs/', 'EMR_LOG_S3_URI: expected s3://bucket[/prefix], received "logs/"'],
    ['EMR_JOB_TIMEOUT_MS', '-1', 'EMR_JOB_TIMEOUT_MS: expected an integer in [0, 9007199254740991], received "-1"'],
    [
      'EMR_SPARK_SUBMIT_PARAMETER_CASE_I',
      '--conf a=b',
      'EMR_SPARK_SUBMIT_PARAMETER_CASE_I: unknown variable (a typo?)',
    ],
  ])('names %s when it is "%s"', (name, value, expected) => {
    const problems = problemsOf({ ...minimal, [name]: value });

    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(expected);
  });

  it('reports every problem at once in one error', () => {
    expect(() => emrConfigFromEnv({ ...minimal, AWS_REGION: 'Europe', EMR_API_MAX_ATTEMPTS: 'many' })).toThrow(
      'Invalid EMR on EKS configuration (2 problem(s); see docs/emr-on-eks.md):\n' +
        '  - AWS_REGION: expected a region such as eu-west-1, received "Europe"\n' +
        '  - EMR_API_MAX_ATTEMPTS: expected an integer in [1, 20], received "many"',
    );
  });

  it('accepts a null master and an S3 log location', () => {
    const config = emrConfigFromEnv({
      ...minimal,
      EMR_ENGINE_CONFIG: '{"master":null}',
      EMR_LOG_S3_URI: 's3://logs-bucket/emr',
    });

    expect(config.engineConfig).toEqual({ master: null });
    expect(config.logS3Uri).toBe('s3://logs-bucket/emr');
  });
});

describe('emrArtifactsConfigFromEnv', () => {
  it('needs only the region and the artifacts location', () => {
    expect(emrArtifactsConfigFromEnv({ AWS_REGION: 'us-east-1', EMR_ARTIFACTS_S3_URI: 's3://bucket' })).toEqual({
      region: 'us-east-1',
      artifacts: { bucket: 'bucket', prefix: '' },
      runnerEntryPoint: 's3://bucket/runner/summary_runner_main.py',
      runnerPyFiles: 's3://bucket/runner/summary_runner.zip',
    });
  });
});

describe('parseS3Uri', () => {
  it.each([
    ['s3://bucket', { bucket: 'bucket', prefix: '' }],
    ['s3://my.bucket-1/a/b/', { bucket: 'my.bucket-1', prefix: 'a/b' }],
    ['s3a://bucket/a', null],
    ['s3://Bucket/a', null],
    ['s3://b/a', null],
  ])('%s → %j', (uri, expected) => {
    expect(parseS3Uri(uri)).toEqual(expected);
  });
});

describe('emrConfigFromEnv with catalog authentication', () => {
  const oauth2 = {
    ...minimal,
    SUMMARY_CATALOG_AUTH: 'oauth2',
    SUMMARY_CATALOG_SCOPE: 'catalog',
    EMR_CATALOG_CREDENTIAL_SECRET: 'summary-catalog:credential',
  };

  it('passes OAuth2 as catalog properties and the secret as a Kubernetes secret reference of the driver', () => {
    const config = emrConfigFromEnv({
      ...oauth2,
      EMR_SPARK_SUBMIT_PARAMETERS_CASE_III: '--conf spark.executor.instances=40',
    });

    expect(config.engineConfig).toEqual({
      catalogs: {
        lake: {
          type: 'rest',
          uri: 'https://catalog.example',
          properties: { scope: 'catalog' },
          propertiesFromEnv: { credential: 'SUMMARY_CATALOG_CREDENTIAL' },
        },
      },
      defaultCatalog: 'lake',
      sparkConf: { 'spark.redaction.regex': '(?i)secret|password|token|access[.]key|credential' },
    });
    const ref = ' --conf spark.kubernetes.driver.secretKeyRef.SUMMARY_CATALOG_CREDENTIAL=summary-catalog:credential';
    expect(config.sparkSubmitParameters.endsWith(ref)).toBe(true);
    expect(sparkSubmitParametersFor(config, 'case_iii')).toBe(`--conf spark.executor.instances=40${ref}`);
  });

  it('never puts a secret the dispatcher happens to hold into the job run', () => {
    const config = emrConfigFromEnv({ ...oauth2, SUMMARY_CATALOG_CREDENTIAL: 'id:do-not-send-me' });
    expect(JSON.stringify(config)).not.toContain('do-not-send-me');
  });

  it('passes SigV4 as catalog properties, with no secret', () => {
    const config = emrConfigFromEnv({
      ...minimal,
      SUMMARY_CATALOG_AUTH: 'sigv4',
      SUMMARY_CATALOG_SIGNING_NAME: 'glue',
    });

    expect((config.engineConfig.catalogs as Record<string, unknown>).lake).toEqual({
      type: 'rest',
      uri: 'https://catalog.example',
      properties: { 'rest.sigv4-enabled': 'true', 'rest.signing-region': 'eu-west-1', 'rest.signing-name': 'glue' },
    });
    expect(config.sparkSubmitParameters).not.toContain('secretKeyRef');
  });

  it.each([
    [
      { ...minimal, SUMMARY_CATALOG_AUTH: 'oauth2' },
      'SUMMARY_CATALOG_AUTH=oauth2 on EMR needs exactly one of EMR_CATALOG_CREDENTIAL_SECRET or EMR_CATALOG_TOKEN_SECRET',
    ],
    [
      { ...oauth2, EMR_CATALOG_CREDENTIAL_SECRET: 'Summary Catalog' },
      'EMR_CATALOG_CREDENTIAL_SECRET: expected <secret name>:<key>',
    ],
    [
      { ...minimal, EMR_CATALOG_TOKEN_SECRET: 'summary-catalog:token' },
      'EMR_CATALOG_TOKEN_SECRET is set but SUMMARY_CATALOG_AUTH is "none"',
    ],
    [
      { ...oauth2, EMR_ENGINE_CONFIG: '{"catalogs":{"lake":{"type":"hadoop","warehouse":"s3://w"}}}' },
      'EMR_ENGINE_CONFIG: catalog lake: SUMMARY_CATALOG_AUTH=oauth2 applies to REST catalogs only',
    ],
  ])('refuses inconsistent settings (case %#), naming the variable', (env, expected) => {
    expect(problemsOf(env).join('\n')).toContain(expected);
  });
});
