import { createHash } from 'node:crypto';
import {
  CancelJobRunCommand,
  DescribeJobRunCommand,
  EMRContainersClient,
  InternalServerException,
  JobRun,
  ListJobRunsCommand,
  StartJobRunCommand,
  ValidationException,
} from '@aws-sdk/client-emr-containers';
import { GetObjectCommand, GetObjectCommandOutput, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { CompiledJob } from '@app/compiler';
import { JobResult } from '@app/runner-client';
import { JobRunState, LaunchError, LaunchRequest } from '../launcher';
import { Clock } from './aws-call';
import { EmrConfig } from './emr-config';
import { EmrOnEksLauncher } from './emr-launcher';

const emr = mockClient(EMRContainersClient);
const s3 = mockClient(S3Client);

const config: EmrConfig = {
  region: 'eu-west-1',
  virtualClusterId: 'vc0123456789',
  executionRoleArn: 'arn:aws:iam::123456789012:role/summary-emr-job',
  releaseLabel: 'emr-7.5.0-latest',
  artifacts: { bucket: 'artifacts', prefix: 'summary' },
  runnerEntryPoint: 's3://artifacts/summary/runner/summary_runner_main.py',
  runnerPyFiles: 's3://artifacts/summary/runner/summary_runner.zip',
  sparkSubmitParameters: '--conf spark.executor.instances=2',
  stepSparkSubmitParameters: { CASE_III: '--conf spark.executor.instances=8' },
  engineConfig: { catalogs: { lake: { type: 'rest', uri: 'https://catalog.example' } }, defaultCatalog: 'lake' },
  pollIntervalMs: 15000,
  apiMaxAttempts: 3,
  jobTimeoutMs: 3600000,
};

const job = { schemaVersion: 1, jobId: 'b-000003-CASE_III', kind: 'case', steps: [] } as unknown as CompiledJob;
const request: LaunchRequest = {
  pipeline: 'local.demo.summary',
  batchId: 'b-000003',
  step: 'CASE_III',
  attempt: 1,
  job,
};
const attemptDir = 'summary/jobs/local.demo.summary/b-000003/CASE_III/attempt-1';
const token = createHash('sha256').update('["local.demo.summary","b-000003","CASE_III",1]').digest('hex');
const committed: JobResult = {
  jobId: 'b-000003-CASE_III',
  status: 'committed',
  attempt: 1,
  durationMs: 900,
  steps: [],
  collected: {},
  snapshots: {},
};

/** Virtual time: sleep() returns at once and moves the clock; `block` makes it wait for an abort instead. */
class VirtualClock implements Clock {
  time = 0;
  readonly sleeps: number[] = [];
  block = false;
  now(): number {
    return this.time;
  }
  async sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw new Error('aborted');
    this.sleeps.push(ms);
    if (this.block)
      await new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
    this.time += ms;
  }
}

function body(text: string): GetObjectCommandOutput['Body'] {
  return { transformToString: async () => text } as unknown as GetObjectCommandOutput['Body'];
}

function throttled(): Error {
  return Object.assign(new Error('Rate exceeded'), {
    name: 'ThrottlingException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
  });
}

function states(...sequence: Partial<JobRun>[]) {
  let chain = emr.on(DescribeJobRunCommand);
  for (const jobRun of sequence.slice(0, -1)) chain = chain.resolvesOnce({ jobRun });
  chain.resolves({ jobRun: sequence[sequence.length - 1] });
}

async function launchError(promise: Promise<unknown>): Promise<LaunchError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof LaunchError) return error;
    throw error;
  }
  throw new Error('expected a LaunchError');
}

let clock: VirtualClock;
let launcher: EmrOnEksLauncher;
let seen: [JobRunState, string | null][];
const onState = (state: JobRunState, id: string | null) => seen.push([state, id]);

function makeLauncher(overrides: Partial<EmrConfig> = {}): EmrOnEksLauncher {
  return new EmrOnEksLauncher(
    { ...config, ...overrides },
    {
      emr: new EMRContainersClient({ region: 'eu-west-1' }),
      s3: new S3Client({ region: 'eu-west-1' }),
      clock,
      random: () => 0.5,
    },
  );
}

beforeEach(() => {
  emr.reset();
  s3.reset();
  clock = new VirtualClock();
  seen = [];
  launcher = makeLauncher();
  emr.on(ListJobRunsCommand).resolves({ jobRuns: [] });
  emr.on(StartJobRunCommand).resolves({ id: 'run0000000000000001' });
  emr.on(CancelJobRunCommand).resolves({ id: 'run0000000000000001' });
  s3.on(PutObjectCommand).resolves({});
  s3.on(GetObjectCommand).resolves({ Body: body(JSON.stringify(committed)) });
});

describe('EmrOnEksLauncher requests', () => {
  beforeEach(() => states({ state: 'COMPLETED' }));

  it('uploads job.json, then starts one run with the deterministic token, the runner and the step parameters', async () => {
    await launcher.run(request, onState);

    expect(s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input)).toEqual([
      {
        Bucket: 'artifacts',
        Key: `${attemptDir}/job.json`,
        Body: JSON.stringify(job),
        ContentType: 'application/json',
      },
    ]);
    expect(emr.commandCalls(ListJobRunsCommand)[0].args[0].input).toEqual({
      virtualClusterId: 'vc0123456789',
      name: 'summary-b-000003-CASE_III-a1',
      states: ['PENDING', 'SUBMITTED', 'RUNNING', 'COMPLETED'],
      nextToken: undefined,
    });
    expect(emr.commandCalls(StartJobRunCommand).map((c) => c.args[0].input)).toEqual([
      {
        virtualClusterId: 'vc0123456789',
        name: 'summary-b-000003-CASE_III-a1',
        clientToken: token,
        executionRoleArn: 'arn:aws:iam::123456789012:role/summary-emr-job',
        releaseLabel: 'emr-7.5.0-latest',
        jobDriver: {
          sparkSubmitJobDriver: {
            entryPoint: 's3://artifacts/summary/runner/summary_runner_main.py',
            entryPointArguments: [
              'run',
              '--engine-json',
              '{"catalogs":{"lake":{"type":"rest","uri":"https://catalog.example"}},"defaultCatalog":"lake"}',
              '--job',
              `s3://artifacts/${attemptDir}/job.json`,
              '--job-sha256',
              createHash('sha256').update(JSON.stringify(job)).digest('hex'),
              '--result',
              `s3://artifacts/${attemptDir}/result.json`,
            ],
            sparkSubmitParameters:
              '--py-files s3://artifacts/summary/runner/summary_runner.zip --conf spark.executor.instances=8',
          },
        },
        tags: { pipeline: 'local.demo.summary', batchId: 'b-000003', step: 'CASE_III', attempt: '1' },
      },
    ]);
  });

  it('passes the sha256 of the job.json it uploaded, so that the runner refuses a document changed after submission (issue 25)', async () => {
    await launcher.run(request, onState);

    const uploaded = s3.commandCalls(PutObjectCommand)[0].args[0].input.Body as string;
    const args =
      emr.commandCalls(StartJobRunCommand)[0].args[0].input.jobDriver?.sparkSubmitJobDriver?.entryPointArguments ?? [];
    expect(args).toContain('--job-sha256');
    expect(args[args.indexOf('--job-sha256') + 1]).toBe(
      createHash('sha256').update(Buffer.from(uploaded, 'utf8')).digest('hex'),
    );
  });

  it('uses the default parameters for a step without its own, and sends the S3 log location', async () => {
    launcher = makeLauncher({ logS3Uri: 's3://logs/emr' });

    s3.on(GetObjectCommand).resolves({ Body: body(JSON.stringify({ ...committed, jobId: 'b-000003-CASE_I' })) });
    await launcher.run({ ...request, step: 'CASE_I', job: { ...job, jobId: 'b-000003-CASE_I' } });

    const input = emr.commandCalls(StartJobRunCommand)[0].args[0].input;
    expect(input.jobDriver?.sparkSubmitJobDriver?.sparkSubmitParameters).toBe(
      '--py-files s3://artifacts/summary/runner/summary_runner.zip --conf spark.executor.instances=2',
    );
    expect(input.configurationOverrides).toEqual({
      monitoringConfiguration: { s3MonitoringConfiguration: { logUri: 's3://logs/emr' } },
    });
  });

  it('sends the same clientToken again for the same attempt and another one for the next attempt', async () => {
    await launcher.run(request);
    await launcher.run(request);
    await launcher.run({ ...request, attempt: 2 });

    const tokens = emr.commandCalls(StartJobRunCommand).map((c) => c.args[0].input.clientToken);
    expect(tokens[0]).toBe(token);
    expect(tokens[1]).toBe(token);
    expect(tokens[2]).toBe(createHash('sha256').update('["local.demo.summary","b-000003","CASE_III",2]').digest('hex'));
  });
});

describe('EmrOnEksLauncher state machine', () => {
  it('PENDING → RUNNING → COMPLETED: reports SUBMITTED and RUNNING once, polls every interval, returns the S3 result', async () => {
    states(
      { state: 'PENDING' },
      { state: 'SUBMITTED' },
      { state: 'RUNNING' },
      { state: 'RUNNING' },
      { state: 'COMPLETED' },
    );

    const launched = await launcher.run(request, onState);

    expect(launched).toEqual({ result: committed, jobRunId: 'run0000000000000001' });
    expect(seen).toEqual([
      ['SUBMITTED', 'run0000000000000001'],
      ['RUNNING', 'run0000000000000001'],
    ]);
    expect(clock.sleeps).toEqual([15000, 15000, 15000, 15000]);
    expect(s3.commandCalls(GetObjectCommand)[0].args[0].input).toEqual({
      Bucket: 'artifacts',
      Key: `${attemptDir}/result.json`,
    });
  });

  it('FAILED with a result document: returns the failed job result (a failed job, not a launch error)', async () => {
    const failed: JobResult = {
      ...committed,
      status: 'failed',
      error: { type: 'AnalysisException', message: 'no such table', step: 'merge', retriable: false },
    };
    states({ state: 'RUNNING' }, { state: 'FAILED', failureReason: 'USER_ERROR' });
    s3.on(GetObjectCommand).resolves({ Body: body(JSON.stringify(failed)) });

    await expect(launcher.run(request)).resolves.toEqual({ result: failed, jobRunId: 'run0000000000000001' });
  });

  it.each([
    ['CLUSTER_UNAVAILABLE', true],
    ['INTERNAL_ERROR', true],
    ['USER_ERROR', false],
    ['VALIDATION_ERROR', false],
  ] as const)(
    'FAILED without a result document, failureReason %s: LaunchError retriable=%s',
    async (failureReason, retriable) => {
      states({ state: 'FAILED', failureReason, stateDetails: 'Job run failed.' });
      s3.on(GetObjectCommand).rejects(
        new NoSuchKey({ $metadata: { httpStatusCode: 404 }, message: 'The specified key does not exist.' }),
      );

      const error = await launchError(launcher.run(request));

      expect(error.retriable).toBe(retriable);
      expect(error.jobRunId).toBe('run0000000000000001');
      expect(error.message).toContain(
        `b-000003 CASE_III attempt 1 (EMR job run run0000000000000001) ` +
          `ended FAILED without a result document (failureReason=${failureReason}, stateDetails=Job run failed.)`,
      );
    },
  );

  it('CANCELLED by someone else without a result: retriable', async () => {
    states({ state: 'CANCELLED', stateDetails: 'JobRun CANCELLED successfully.' });
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ $metadata: {}, message: 'no key' }));

    expect((await launchError(launcher.run(request))).retriable).toBe(true);
  });

  it('COMPLETED without a result document: not retriable, names the expected location', async () => {
    states({ state: 'COMPLETED' });
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ $metadata: {}, message: 'no key' }));

    const error = await launchError(launcher.run(request));

    expect(error.retriable).toBe(false);
    expect(error.message).toContain(
      `COMPLETED but wrote no result document at s3://artifacts/${attemptDir}/result.json`,
    );
  });

  it('a result document for another job is refused', async () => {
    states({ state: 'COMPLETED' });
    s3.on(GetObjectCommand).resolves({ Body: body(JSON.stringify({ ...committed, jobId: 'b-000002-CASE_III' })) });

    expect((await launchError(launcher.run(request))).message).toContain(
      'is for job "b-000002-CASE_III", expected "b-000003-CASE_III"',
    );
  });
});

describe('EmrOnEksLauncher AWS errors', () => {
  it('retries throttling with growing, jittered backoff, then succeeds', async () => {
    emr
      .on(StartJobRunCommand)
      .rejectsOnce(throttled())
      .rejectsOnce(new InternalServerException({ $metadata: { httpStatusCode: 500 }, message: 'boom' }))
      .resolves({ id: 'run0000000000000002' });
    states({ state: 'COMPLETED' });

    const launched = await launcher.run(request);

    expect(launched.jobRunId).toBe('run0000000000000002');
    expect(emr.commandCalls(StartJobRunCommand)).toHaveLength(3);
    expect(clock.sleeps).toEqual([375, 750]); // base 500 ms doubled per retry: half fixed + random(0.5) × half
  });

  it('gives up after EMR_API_MAX_ATTEMPTS with a retriable LaunchError', async () => {
    emr.on(DescribeJobRunCommand).rejects(throttled());

    const error = await launchError(launcher.run(request));

    expect(emr.commandCalls(DescribeJobRunCommand)).toHaveLength(3);
    expect(error.retriable).toBe(true);
    expect(error.message).toContain(
      'EMR DescribeJobRun failed: ThrottlingException (HTTP 400): Rate exceeded; ' +
        'sent virtualClusterId=vc0123456789 id=run0000000000000001; gave up after 3 attempt(s)',
    );
  });

  it('surfaces a refused request at once, naming the call and what was sent', async () => {
    emr.on(StartJobRunCommand).rejects(
      new ValidationException({
        $metadata: { httpStatusCode: 400 },
        message: 'Virtual cluster vc0123456789 is not in a valid state.',
      }),
    );

    const error = await launchError(launcher.run(request));

    expect(emr.commandCalls(StartJobRunCommand)).toHaveLength(1);
    expect(error.retriable).toBe(false);
    expect(error.message).toBe(
      'EMR StartJobRun failed: ValidationException (HTTP 400): Virtual cluster vc0123456789 is not in a valid state.; ' +
        `sent virtualClusterId=vc0123456789 name=summary-b-000003-CASE_III-a1 clientToken=${token} releaseLabel=emr-7.5.0-latest ` +
        'executionRoleArn=arn:aws:iam::123456789012:role/summary-emr-job entryPoint=s3://artifacts/summary/runner/summary_runner_main.py; ' +
        'not retriable: the service refused the request as sent; check the configuration and permissions',
    );
  });

  it('lets an error that does not come from AWS through untouched', async () => {
    const bug = new TypeError('x is not a function');
    s3.on(PutObjectCommand).rejects(bug);

    await expect(launcher.run(request)).rejects.toBe(bug);
  });
});

describe('EmrOnEksLauncher adoption, timeout, cancel and close', () => {
  const inFlight: JobRun = {
    id: 'run0000000000000009',
    name: 'summary-b-000003-CASE_III-a1',
    state: 'RUNNING',
    clientToken: token,
  };

  it('adopts the run of this attempt found by ListJobRuns: no upload, no StartJobRun', async () => {
    emr.on(ListJobRunsCommand).resolves({ jobRuns: [inFlight] });
    states({ state: 'RUNNING' }, { state: 'COMPLETED' });

    const launched = await launcher.run(request, onState);

    expect(launched).toEqual({ result: committed, jobRunId: 'run0000000000000009' });
    expect(emr.commandCalls(StartJobRunCommand)).toHaveLength(0);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(emr.commandCalls(DescribeJobRunCommand)[0].args[0].input).toEqual({
      virtualClusterId: 'vc0123456789',
      id: 'run0000000000000009',
    });
    expect(seen).toEqual([
      ['SUBMITTED', 'run0000000000000009'],
      ['RUNNING', 'run0000000000000009'],
    ]);
  });

  it("does not adopt a run with the same name but another pipeline's token, and follows the list's pages", async () => {
    const other = { ...inFlight, id: 'run0000000000000008', clientToken: 'f'.repeat(64) };
    emr
      .on(ListJobRunsCommand)
      .resolvesOnce({ jobRuns: [other], nextToken: 'page2' })
      .resolvesOnce({ jobRuns: [] });
    states({ state: 'COMPLETED' });

    const launched = await launcher.run(request);

    expect(launched.jobRunId).toBe('run0000000000000001');
    expect(emr.commandCalls(ListJobRunsCommand).map((c) => c.args[0].input.nextToken)).toEqual([undefined, 'page2']);
    expect(emr.commandCalls(StartJobRunCommand)).toHaveLength(1);
  });

  it('cancels a run that outlives EMR_JOB_TIMEOUT_MS and throws a retriable LaunchError', async () => {
    launcher = makeLauncher({ jobTimeoutMs: 40000 });
    states({ state: 'RUNNING' });

    const error = await launchError(launcher.run(request));

    expect(clock.sleeps).toEqual([15000, 15000, 10000]);
    expect(emr.commandCalls(CancelJobRunCommand).map((c) => c.args[0].input)).toEqual([
      { virtualClusterId: 'vc0123456789', id: 'run0000000000000001' },
    ]);
    expect(error.retriable).toBe(true);
    expect(error.message).toContain(
      'did not finish within EMR_JOB_TIMEOUT_MS=40000 (last state RUNNING); cancelled it; retriable as a new attempt',
    );
  });

  it('cancel() cancels the run in flight; its run() ends with a non-retriable LaunchError', async () => {
    let cancelled = false;
    emr.on(CancelJobRunCommand).callsFake(async () => {
      cancelled = true;
      return { id: 'run0000000000000001' };
    });
    emr.on(DescribeJobRunCommand).callsFake(async () => ({ jobRun: { state: cancelled ? 'CANCELLED' : 'RUNNING' } }));
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ $metadata: {}, message: 'no key' }));
    let cancelling: Promise<string[]> | undefined;

    const error = await launchError(
      launcher.run(request, (state) => {
        if (state === 'RUNNING') cancelling = launcher.cancel('b-000003', 'CASE_III', 1);
      }),
    );

    expect(await cancelling).toEqual(['run0000000000000001']);
    expect(emr.commandCalls(ListJobRunsCommand)).toHaveLength(1); // only run()'s adoption check
    expect(error.retriable).toBe(false);
    expect(error.message).toContain('was CANCELLED on request');
  });

  it('cancel() with nothing in flight here finds the run by name and tags', async () => {
    emr.on(ListJobRunsCommand).resolves({
      jobRuns: [
        { ...inFlight, tags: { pipeline: 'local.demo.summary', batchId: 'b-000003', step: 'CASE_III', attempt: '1' } },
        { ...inFlight, id: 'run0000000000000007', name: 'summary-b-000003-CASE_III-a1x', tags: {} },
      ],
    });

    await expect(launcher.cancel('b-000003', 'CASE_III', 1)).resolves.toEqual(['run0000000000000009']);
    expect(emr.commandCalls(ListJobRunsCommand)[0].args[0].input).toEqual({
      virtualClusterId: 'vc0123456789',
      name: 'summary-b-000003-CASE_III-a1',
      states: ['PENDING', 'SUBMITTED', 'RUNNING'],
      nextToken: undefined,
    });
    expect(emr.commandCalls(CancelJobRunCommand).map((c) => c.args[0].input.id)).toEqual(['run0000000000000009']);
  });

  it('close() stops the polling loop without cancelling the run', async () => {
    states({ state: 'RUNNING' });
    clock.block = true;
    const running = launcher.run(request, onState);
    while (clock.sleeps.length === 0) await new Promise((resolve) => setImmediate(resolve));

    await launcher.close();
    const error = await launchError(running);

    expect(error.retriable).toBe(true);
    expect(error.message).toContain(
      'the launcher was closed while the run was RUNNING; the run goes on, and run() for the same attempt adopts it',
    );
    expect(emr.commandCalls(CancelJobRunCommand)).toHaveLength(0);
    expect((await launchError(launcher.run(request))).message).toContain('EMR launcher is closed');
  });

  it('refuses a request that cannot name an S3 path before calling AWS', async () => {
    const error = await launchError(launcher.run({ ...request, batchId: 'b/1' }));

    expect(error.retriable).toBe(false);
    expect(emr.calls()).toHaveLength(0);
    expect(s3.calls()).toHaveLength(0);
  });
});
