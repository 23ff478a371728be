import { createHash } from 'node:crypto';
import { GetObjectCommand, GetObjectCommandOutput, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { CompiledJob } from '@app/compiler';
import { JobResult } from '@app/runner-client';
import { JobRunState, LaunchError, LaunchRequest } from '../launcher';
import { Clock } from '../emr/aws-call';
import { SparkSubmitConfig, sparkSubmitConfigFromEnv } from './spark-submit-config';
import { SparkSubmitLauncher } from './spark-submit-launcher';
import { DriverState, DriverStatus, PythonDriverSubmission, StandaloneRestError } from './standalone-rest';

const s3 = mockClient(S3Client);

// The launcher's configuration as the dispatcher reads it from its environment (the parse is specified in
// spark-submit-config.spec.ts); a short job timeout for the kill-on-timeout test.
const config: SparkSubmitConfig = {
  ...sparkSubmitConfigFromEnv({
    SPARK_SUBMIT_MASTER: 'spark://10.0.0.5:7077',
    SPARK_SUBMIT_REST_URL: 'http://10.0.0.5:6066',
    SPARK_SUBMIT_ARTIFACTS_S3_URI: 's3://artifacts/summary',
    SPARK_SUBMIT_RUNNER_DIR: '/opt/runner',
    SPARK_SUBMIT_ENGINE_CONFIG: JSON.stringify({
      catalogs: { lake: { type: 'rest', uri: 'https://catalog.example' } },
      defaultCatalog: 'lake',
    }),
    SPARK_SUBMIT_PROPERTIES: 'spark.executor.memory=4g',
    SPARK_SUBMIT_PASS_ENV: 'AWS_REGION',
    SPARK_SUBMIT_PASS_ENV_OVER_HTTP: '1', // a master on another host over http: values in clear text, told it is fine here
    AWS_REGION: 'eu-west-1',
  }),
  jobTimeoutMs: 60_000,
};

const job = { schemaVersion: 1, jobId: 'b-000003-CASE_III', kind: 'case', steps: [] } as unknown as CompiledJob;
const request: LaunchRequest = {
  pipeline: 'local.demo.summary',
  batchId: 'b-000003',
  step: 'CASE_III',
  attempt: 1,
  job,
};
const dir = 'summary/jobs/local.demo.summary/b-000003/CASE_III/attempt-1';
const committed: JobResult = {
  jobId: 'b-000003-CASE_III',
  status: 'committed',
  attempt: 1,
  durationMs: 900,
  steps: [],
  collected: {},
  snapshots: {},
};

class VirtualClock implements Clock {
  time = 0;
  readonly sleeps: number[] = [];
  now(): number {
    return this.time;
  }
  async sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw new Error('aborted');
    this.sleeps.push(ms);
    this.time += ms;
  }
}

/** A master whose driver goes through `states` one status call at a time (the last one repeats). */
class FakeMaster {
  readonly created: PythonDriverSubmission[] = [];
  readonly killed: string[] = [];
  states: Array<DriverState | 'unknown'> = ['SUBMITTED', 'RUNNING', 'FINISHED'];
  message: string | null = null;
  onStatus: (calls: number) => void = () => undefined;
  private calls = 0;
  async createPythonDriver(s: PythonDriverSubmission): Promise<string> {
    this.created.push(s);
    return `driver-${this.created.length}`;
  }
  async status(submissionId: string): Promise<DriverStatus> {
    const state = this.states[Math.min(this.calls, this.states.length - 1)];
    this.onStatus(++this.calls);
    if (state === 'unknown') return { submissionId, found: false, state: null, workerId: null, message: null };
    return { submissionId, found: true, state, workerId: 'worker-1', message: this.message };
  }
  async kill(submissionId: string): Promise<boolean> {
    this.killed.push(submissionId);
    return true;
  }
}

let store: Map<string, string>;
let master: FakeMaster;
let clock: VirtualClock;
let seen: [JobRunState, string | null][];
const onState = (state: JobRunState, id: string | null) => seen.push([state, id]);

function launcher(overrides: Partial<SparkSubmitConfig> = {}): SparkSubmitLauncher {
  return new SparkSubmitLauncher(
    { ...config, ...overrides },
    { rest: master, s3: new S3Client({ region: 'eu-west-1' }), clock },
    { AWS_REGION: 'eu-west-1' },
  );
}

async function launchError(promise: Promise<unknown>): Promise<LaunchError> {
  const error = await promise.then(
    () => null,
    (e) => e,
  );
  if (error instanceof LaunchError) return error;
  throw new Error(`expected a LaunchError, got ${error}`);
}

beforeEach(() => {
  s3.reset();
  store = new Map();
  master = new FakeMaster();
  clock = new VirtualClock();
  seen = [];
  s3.on(PutObjectCommand).callsFake((input) => {
    store.set(input.Key, String(input.Body));
    return {};
  });
  s3.on(GetObjectCommand).callsFake((input) => {
    const text = store.get(input.Key);
    if (text === undefined) throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} });
    return { Body: { transformToString: async () => text } as unknown as GetObjectCommandOutput['Body'] };
  });
});

/** The runner writes its result while the driver runs: it is there from the `call`-th status poll on. */
function runnerWritesResultAt(call: number, result: JobResult = committed) {
  master.onStatus = (calls) => {
    if (calls === call) store.set(`${dir}/result.json`, JSON.stringify(result));
  };
}

describe('SparkSubmitLauncher', () => {
  it('puts the job, creates one driver running the runner, records it, polls and returns the result', async () => {
    runnerWritesResultAt(3);
    const out = await launcher().run(request, onState);
    expect(out).toEqual({ result: committed, jobRunId: 'driver-1' });
    expect(JSON.parse(store.get(`${dir}/job.json`)!)).toEqual(job);
    expect(JSON.parse(store.get(`${dir}/submission.json`)!)).toEqual({
      submissionId: 'driver-1',
      master: 'spark://10.0.0.5:7077',
    });
    expect(master.created).toHaveLength(1);
    const submission = master.created[0];
    expect(submission).toMatchObject({
      appName: 'summary-b-000003-CASE_III-a1',
      master: 'spark://10.0.0.5:7077',
      entryPoint: '/opt/runner/summary_runner_main.py',
      pyFiles: ['/opt/runner'],
      environment: { AWS_REGION: 'eu-west-1' },
      sparkProperties: { 'spark.executor.memory': '4g', 'spark.executorEnv.AWS_REGION': 'eu-west-1' },
    });
    expect(submission.args).toEqual([
      'run',
      '--engine-json',
      JSON.stringify({ ...config.engineConfig, master: null }),
      '--job',
      `s3a://artifacts/${dir}/job.json`,
      '--job-sha256',
      createHash('sha256').update(JSON.stringify(job)).digest('hex'),
      '--result',
      `s3a://artifacts/${dir}/result.json`,
    ]);
    expect(seen).toEqual([
      ['SUBMITTED', 'driver-1'],
      ['RUNNING', 'driver-1'],
    ]);
    expect(clock.sleeps).toEqual([5000, 5000]);
  });

  it('passes the sha256 of the job.json it put, so that the runner refuses a document changed after submission (issue 25)', async () => {
    runnerWritesResultAt(3);
    await launcher().run(request, onState);

    const uploaded = store.get(`${dir}/job.json`)!;
    const { args } = master.created[0];
    expect(args).toContain('--job-sha256');
    expect(args[args.indexOf('--job-sha256') + 1]).toBe(
      createHash('sha256').update(Buffer.from(uploaded, 'utf8')).digest('hex'),
    );
  });

  it('adopts the recorded driver of the attempt after a dispatcher restart instead of submitting again', async () => {
    store.set(`${dir}/submission.json`, JSON.stringify({ submissionId: 'driver-7', master: config.master }));
    master.states = ['RUNNING', 'FINISHED'];
    runnerWritesResultAt(2);
    const out = await launcher().run(request, onState);
    expect(out.jobRunId).toBe('driver-7');
    expect(master.created).toEqual([]);
    expect(store.has(`${dir}/job.json`)).toBe(false);
  });

  it("returns a failed job's result (the runner wrote it before exiting 1)", async () => {
    const failed: JobResult = {
      ...committed,
      status: 'failed',
      error: { type: 'AnalysisException', message: 'x', retriable: false },
    };
    master.states = ['RUNNING', 'FAILED'];
    runnerWritesResultAt(2, failed);
    expect((await launcher().run(request)).result).toEqual(failed);
  });

  it('a driver that FAILED without a result (killed mid-job) is retriable, naming the driver and the result it expected', async () => {
    master.states = ['RUNNING', 'FAILED'];
    const error = await launchError(launcher().run(request));
    expect(error.retriable).toBe(true);
    expect(error.jobRunId).toBe('driver-1');
    expect(error.message).toContain(
      `b-000003 CASE_III attempt 1 (driver driver-1 on spark://10.0.0.5:7077) ended FAILED without a result at s3://artifacts/${dir}/result.json`,
    );
  });

  it('a driver that FINISHED without a result is not retriable: the entry point is not the runner', async () => {
    master.states = ['FINISHED'];
    const error = await launchError(launcher().run(request));
    expect(error.retriable).toBe(false);
    expect(error.message).toContain('FINISHED but wrote no result');
  });

  it('a driver the master no longer knows, without a result, is retriable as a new attempt', async () => {
    store.set(`${dir}/submission.json`, JSON.stringify({ submissionId: 'driver-3', master: config.master }));
    master.states = ['unknown'];
    const error = await launchError(launcher().run(request));
    expect(error.retriable).toBe(true);
    expect(error.message).toContain('the master does not know this driver');
  });

  it('kills a driver still running at the timeout and throws a retriable error', async () => {
    master.states = ['RUNNING'];
    const error = await launchError(launcher({ jobTimeoutMs: 12_000 }).run(request));
    expect(master.killed).toEqual(['driver-1']);
    expect(error.retriable).toBe(true);
    expect(error.message).toContain(
      'did not finish within SPARK_SUBMIT_JOB_TIMEOUT_MS=12000 (last state RUNNING); killed it',
    );
    expect(clock.sleeps).toEqual([5000, 5000, 2000]);
  });

  it('a driver killed on request ends not retriable', async () => {
    master.states = ['RUNNING', 'KILLED'];
    const l = launcher();
    master.onStatus = (calls) => {
      if (calls === 1) void l.kill('driver-1');
    };
    const error = await launchError(l.run(request));
    expect(error.retriable).toBe(false);
    expect(error.message).toContain('was KILLED on request');
  });

  it('a master that refuses the submission is a LaunchError with its reason; nothing is recorded', async () => {
    master.createPythonDriver = async () => {
      throw new StandaloneRestError(
        'Spark master http://10.0.0.5:6066 refused the submission of summary-b-000003-CASE_III-a1: Malformed request',
        false,
      );
    };
    const error = await launchError(launcher().run(request));
    expect(error.retriable).toBe(false);
    expect(error.message).toContain(
      'spark-submit launcher: create: Spark master http://10.0.0.5:6066 refused the submission',
    );
    expect(store.has(`${dir}/submission.json`)).toBe(false);
  });
});
