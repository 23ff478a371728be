import { JAVA_17_MODULE_OPTIONS, StandaloneRestClient, StandaloneRestError } from './standalone-rest';

interface Seen {
  url: string;
  method: string;
  body: Record<string, unknown> | null;
}

/** A fetch that records each request and answers from the queue (status, body text). */
function fakeFetch(answers: Array<[number, string]>): { fetchImpl: typeof fetch; seen: Seen[] } {
  const seen: Seen[] = [];
  const fetchImpl = (async (url: string, init: RequestInit) => {
    seen.push({ url, method: String(init.method), body: init.body ? JSON.parse(String(init.body)) : null });
    const next = answers.shift();
    if (!next) throw new Error('connect ECONNREFUSED 127.0.0.1:6066');
    return new Response(next[1], { status: next[0] });
  }) as unknown as typeof fetch;
  return { fetchImpl, seen };
}

const submission = {
  appName: 'summary-b-000001-CASE_I-a1',
  master: 'spark://127.0.0.1:7077',
  entryPoint: '/opt/runner/summary_runner_main.py',
  pyFiles: ['/opt/runner'],
  args: ['run', '--job', 's3a://b/job.json'],
  sparkProperties: { 'spark.executor.memory': '1g', 'spark.driver.extraJavaOptions': '-Dx=1' },
  environment: { AWS_REGION: 'us-east-1' },
};

describe('StandaloneRestClient', () => {
  it("creates a Python driver run by Spark's PythonRunner, in cluster deploy mode", async () => {
    const { fetchImpl, seen } = fakeFetch([
      [200, '{"action":"CreateSubmissionResponse","success":true,"submissionId":"driver-20261201-0001"}'],
    ]);
    const id = await new StandaloneRestClient('http://127.0.0.1:6066/', fetchImpl).createPythonDriver(submission);
    expect(id).toBe('driver-20261201-0001');
    expect(seen[0].url).toBe('http://127.0.0.1:6066/v1/submissions/create');
    expect(seen[0].method).toBe('POST');
    expect(seen[0].body).toMatchObject({
      action: 'CreateSubmissionRequest',
      appResource: 'file:/opt/runner/summary_runner_main.py',
      mainClass: 'org.apache.spark.deploy.PythonRunner',
      appArgs: ['/opt/runner/summary_runner_main.py', '/opt/runner', 'run', '--job', 's3a://b/job.json'],
      environmentVariables: { AWS_REGION: 'us-east-1' },
      sparkProperties: {
        'spark.executor.memory': '1g',
        // Java 17's module flags that spark-submit would add, before the submission's own options.
        'spark.driver.extraJavaOptions': `${JAVA_17_MODULE_OPTIONS} -Dx=1`,
        'spark.app.name': 'summary-b-000001-CASE_I-a1',
        'spark.master': 'spark://127.0.0.1:7077',
        'spark.submit.deployMode': 'cluster',
        'spark.submit.pyFiles': '/opt/runner',
      },
    });
  });

  it('refuses a submission the master did not accept, with its message, not retriable', async () => {
    const { fetchImpl } = fakeFetch([
      [
        200,
        '{"action":"CreateSubmissionResponse","success":false,"message":"Can only accept driver submissions in ALIVE state. Current state: STANDBY."}',
      ],
    ]);
    const err = await new StandaloneRestClient('http://m:6066', fetchImpl)
      .createPythonDriver(submission)
      .catch((e) => e);
    expect(err).toBeInstanceOf(StandaloneRestError);
    expect(err.message).toContain(
      'refused the submission of summary-b-000001-CASE_I-a1: Can only accept driver submissions in ALIVE state',
    );
    expect(err.retriable).toBe(false);
  });

  it("reads a driver's state and worker", async () => {
    const { fetchImpl, seen } = fakeFetch([
      [
        200,
        '{"action":"SubmissionStatusResponse","driverState":"RUNNING","success":true,"submissionId":"driver-1","workerId":"worker-1"}',
      ],
    ]);
    expect(await new StandaloneRestClient('http://m:6066', fetchImpl).status('driver-1')).toEqual({
      submissionId: 'driver-1',
      found: true,
      state: 'RUNNING',
      workerId: 'worker-1',
      message: null,
    });
    expect(seen[0]).toMatchObject({ url: 'http://m:6066/v1/submissions/status/driver-1', method: 'GET' });
  });

  it('tells an id the master does not know (success false, no state)', async () => {
    const { fetchImpl } = fakeFetch([
      [200, '{"action":"SubmissionStatusResponse","success":false,"submissionId":"driver-x"}'],
    ]);
    expect(await new StandaloneRestClient('http://m:6066', fetchImpl).status('driver-x')).toMatchObject({
      found: false,
      state: null,
    });
  });

  it('kills a driver: true only when the master accepted', async () => {
    const { fetchImpl, seen } = fakeFetch([
      [200, '{"action":"KillSubmissionResponse","success":true,"submissionId":"driver-1"}'],
      [
        200,
        '{"action":"KillSubmissionResponse","success":false,"message":"Driver driver-2 has already finished or does not exist","submissionId":"driver-2"}',
      ],
    ]);
    const client = new StandaloneRestClient('http://m:6066', fetchImpl);
    expect(await client.kill('driver-1')).toBe(true);
    expect(await client.kill('driver-2')).toBe(false);
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'POST http://m:6066/v1/submissions/kill/driver-1',
      'POST http://m:6066/v1/submissions/kill/driver-2',
    ]);
  });

  it('a master that does not answer is retriable; an ErrorResponse names the HTTP status', async () => {
    const down = await new StandaloneRestClient('http://m:6066', fakeFetch([]).fetchImpl)
      .status('driver-1')
      .catch((e) => e);
    expect(down).toMatchObject({ retriable: true });
    expect(down.message).toContain('GET http://m:6066/v1/submissions/status/driver-1 got no answer');
    const bad = await new StandaloneRestClient(
      'http://m:6066',
      fakeFetch([[400, '{"action":"ErrorResponse","message":"Malformed request: missing appResource"}']]).fetchImpl,
    )
      .createPythonDriver(submission)
      .catch((e) => e);
    expect(bad).toMatchObject({ retriable: false });
    expect(bad.message).toContain('answered HTTP 400: Malformed request: missing appResource');
  });
});
