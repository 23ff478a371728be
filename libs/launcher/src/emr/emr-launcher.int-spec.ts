/**
 * The EMR on EKS launcher against a real moto server (scripts/aws-emulator/moto.sh; or MOTO_URL). moto
 * accepts and stores StartJobRun/DescribeJobRun/ListJobRuns/CancelJobRun but never runs anything — its
 * runs stay RUNNING — so these tests check request shapes, adoption, cancel and timeout; the state
 * machine's lifecycles are the unit tests' (emr-launcher.spec.ts).
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateVirtualClusterCommand,
  DescribeJobRunCommand,
  EMRContainersClient,
  JobRun,
  ListJobRunsCommand,
} from '@aws-sdk/client-emr-containers';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CompiledJob } from '@app/compiler';
import { JobResult, repoRoot } from '@app/runner-client';
import { JobRunState, LaunchError, LaunchRequest, LaunchResult } from '../launcher';
import { EmrConfig } from './emr-config';
import { EmrOnEksLauncher } from './emr-launcher';
import { uploadRunnerArtifacts } from './runner-artifacts';

const MOTO_SCRIPT = join(repoRoot(), 'scripts', 'aws-emulator', 'moto.sh');
const region = 'us-east-1';
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const suffix = randomUUID().slice(0, 8);
const bucket = `emr-int-${suffix}`;

let startedMoto = false;
let emr: EMRContainersClient;
let s3: S3Client;
let config: EmrConfig;
const launchers: EmrOnEksLauncher[] = [];

function moto(command: string): string {
  return execFileSync('bash', [MOTO_SCRIPT, command], {
    encoding: 'utf-8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

function launcher(overrides: Partial<EmrConfig> = {}): EmrOnEksLauncher {
  const made = new EmrOnEksLauncher({ ...config, ...overrides }, { emr, s3 });
  launchers.push(made);
  return made;
}

async function runsOnCluster(virtualClusterId = config.virtualClusterId): Promise<JobRun[]> {
  return (await emr.send(new ListJobRunsCommand({ virtualClusterId }))).jobRuns ?? [];
}

async function describeRun(id: string): Promise<JobRun> {
  return (await emr.send(new DescribeJobRunCommand({ virtualClusterId: config.virtualClusterId, id })))
    .jobRun as JobRun;
}

async function text(key: string): Promise<string> {
  return (await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body?.transformToString()) ?? '';
}

function jobFor(batchId: string): CompiledJob {
  return {
    schemaVersion: 1,
    jobId: `${batchId}-CASE_III`,
    kind: 'case',
    description: 'moto integration test',
    tags: { batchId, case: 'CASE_III' },
    params: {},
    ledger: { table: 'lake.pipeline.summary_runs', batchId, step: 'CASE_III' },
    targets: ['lake.pipeline.summary'],
    steps: [{ name: 'merge_summary', kind: 'sql', sql: 'SELECT 1' }],
  } as CompiledJob;
}

function requestFor(batchId: string): LaunchRequest {
  return { pipeline: 'lake.pipeline.summary', batchId, step: 'CASE_III', attempt: 1, job: jobFor(batchId) };
}

/** Starts run() in the background and resolves once the run is RUNNING in moto. */
async function startRun(target: EmrOnEksLauncher, request: LaunchRequest) {
  const seen: [JobRunState, string | null][] = [];
  const settled = target
    .run(request, (state, id) => seen.push([state, id]))
    .then(
      (result): LaunchResult | Error => result,
      (error: Error) => error,
    );
  const jobRunId = await waitFor(
    'the run to be RUNNING',
    () => seen.find(([state]) => state === 'RUNNING')?.[1] ?? undefined,
  );
  return { jobRunId, seen, settled };
}

beforeAll(async () => {
  let url = process.env.MOTO_URL;
  if (!url) {
    try {
      moto('status');
    } catch {
      moto('up');
      startedMoto = true;
    }
    url = moto('url');
  }
  emr = new EMRContainersClient({ region, endpoint: url, credentials, maxAttempts: 1 });
  s3 = new S3Client({ region, endpoint: url, credentials, forcePathStyle: true, maxAttempts: 1 });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const cluster = await emr.send(
    new CreateVirtualClusterCommand({
      name: `summary-int-${suffix}`,
      clientToken: randomUUID(),
      containerProvider: { type: 'EKS', id: 'summary-eks', info: { eksInfo: { namespace: `summary-${suffix}` } } },
    }),
  );
  config = {
    region,
    virtualClusterId: cluster.id as string,
    executionRoleArn: 'arn:aws:iam::123456789012:role/summary-emr-job',
    releaseLabel: 'emr-7.5.0-latest',
    artifacts: { bucket, prefix: 'summary' },
    runnerEntryPoint: `s3://${bucket}/summary/runner/summary_runner_main.py`,
    runnerPyFiles: `s3://${bucket}/summary/runner/summary_runner.zip`,
    sparkSubmitParameters: '--conf spark.executor.instances=2',
    stepSparkSubmitParameters: {},
    engineConfig: { catalogs: { lake: { type: 'rest', uri: 'https://catalog.example' } }, defaultCatalog: 'lake' },
    pollIntervalMs: 100,
    apiMaxAttempts: 3,
    jobTimeoutMs: 0,
  };
});

afterAll(async () => {
  await Promise.all(launchers.map((l) => l.close()));
  emr?.destroy();
  s3?.destroy();
  if (startedMoto) moto('down');
});

describe('EmrOnEksLauncher on moto', () => {
  it('starts one run that moto accepts as sent, uploads job.json, and a second dispatcher adopts the run', async () => {
    const request = requestFor('b-000001');
    const dir = 'summary/jobs/lake.pipeline.summary/b-000001/CASE_III/attempt-1';
    const first = await startRun(launcher(), request);

    const described = await describeRun(first.jobRunId);
    // The run's own arguments carry the sha256 of the job.json as uploaded: the runner refuses other bytes (issue 25).
    const uploaded = await text(`${dir}/job.json`);
    expect(described).toMatchObject({
      id: first.jobRunId,
      name: 'summary-b-000001-CASE_III-a1',
      virtualClusterId: config.virtualClusterId,
      state: 'RUNNING',
      clientToken: createHash('sha256').update('["lake.pipeline.summary","b-000001","CASE_III",1]').digest('hex'),
      executionRoleArn: 'arn:aws:iam::123456789012:role/summary-emr-job',
      releaseLabel: 'emr-7.5.0-latest',
      tags: { pipeline: 'lake.pipeline.summary', batchId: 'b-000001', step: 'CASE_III', attempt: '1' },
      jobDriver: {
        sparkSubmitJobDriver: {
          entryPoint: `s3://${bucket}/summary/runner/summary_runner_main.py`,
          entryPointArguments: [
            'run',
            '--engine-json',
            '{"catalogs":{"lake":{"type":"rest","uri":"https://catalog.example"}},"defaultCatalog":"lake"}',
            '--job',
            `s3://${bucket}/${dir}/job.json`,
            '--job-sha256',
            createHash('sha256').update(uploaded).digest('hex'),
            '--result',
            `s3://${bucket}/${dir}/result.json`,
          ],
          sparkSubmitParameters: `--py-files s3://${bucket}/summary/runner/summary_runner.zip --conf spark.executor.instances=2`,
        },
      },
    });
    expect(JSON.parse(uploaded)).toEqual(request.job);

    // A restarted dispatcher sends the same attempt again. moto ignores clientToken (every StartJobRun
    // is a new run), so only the ListJobRuns adoption keeps it to one run here.
    const second = await startRun(launcher(), request);

    expect(second.jobRunId).toBe(first.jobRunId);
    expect(second.seen[0]).toEqual(['SUBMITTED', first.jobRunId]);
    expect((await runsOnCluster()).filter((r) => r.name === 'summary-b-000001-CASE_III-a1')).toHaveLength(1);

    // moto never completes a run: write the runner's result ourselves, then end the run with a cancel.
    const result: JobResult = {
      jobId: 'b-000001-CASE_III',
      status: 'committed',
      attempt: 1,
      durationMs: 1,
      steps: [],
      collected: {},
      snapshots: {},
    };
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${dir}/result.json`, Body: JSON.stringify(result) }));
    await expect(launchers[0].cancel('b-000001', 'CASE_III', 1)).resolves.toEqual([first.jobRunId]);

    expect(await first.settled).toEqual({ result, jobRunId: first.jobRunId });
    expect(await second.settled).toEqual({ result, jobRunId: first.jobRunId });
    expect((await describeRun(first.jobRunId)).state).toBe('CANCELLED');
  });

  it('cancel() from another launcher finds the run by name and tags; to the watching launcher that is an outside cancel', async () => {
    const request = requestFor('b-000002');
    const watching = await startRun(launcher(), request);

    await expect(launcher().cancel('b-000002', 'CASE_III', 1, 'lake.pipeline.summary')).resolves.toEqual([
      watching.jobRunId,
    ]);
    const error = await watching.settled;

    expect(error).toBeInstanceOf(LaunchError);
    // Another launcher cancelled it: to this one it is a cancel nobody here asked for.
    expect((error as LaunchError).retriable).toBe(true);
    expect((error as LaunchError).message).toContain('ended CANCELLED without a result document');
    expect((await describeRun(watching.jobRunId)).state).toBe('CANCELLED');
  });

  it('cancels a run that outlives EMR_JOB_TIMEOUT_MS', async () => {
    const outcome = await launcher({ jobTimeoutMs: 300 })
      .run(requestFor('b-000003'))
      .catch((error: Error) => error);

    expect(outcome).toBeInstanceOf(LaunchError);
    const error = outcome as LaunchError;
    expect(error.retriable).toBe(true);
    expect(error.message).toContain('did not finish within EMR_JOB_TIMEOUT_MS=300');
    expect((await describeRun(error.jobRunId as string)).state).toBe('CANCELLED');
  });

  it('surfaces a request moto refuses (unknown virtual cluster) as not retriable, naming StartJobRun', async () => {
    const outcome = await launcher({ virtualClusterId: 'doesnotexist000' })
      .run(requestFor('b-000004'))
      .catch((error: Error) => error);

    expect(outcome).toBeInstanceOf(LaunchError);
    expect((outcome as LaunchError).retriable).toBe(false);
    expect((outcome as LaunchError).message).toMatch(
      /^EMR StartJobRun failed: ResourceNotFoundException \(HTTP 400.*Virtual cluster doesnotexist000 doesn't exist\.; sent virtualClusterId=doesnotexist000 /,
    );
  });

  it('uploads the runner: a zip Python can import summary_runner from, and the entry script', async () => {
    const upload = await uploadRunnerArtifacts(config, s3, join(repoRoot(), 'runner'));

    expect(upload.files).toEqual(
      expect.arrayContaining(['summary_runner/__init__.py', 'summary_runner/__main__.py', 'summary_runner/uris.py']),
    );
    expect(upload.files.some((f) => f.includes('__pycache__'))).toBe(false);
    const archive = await (
      await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'summary/runner/summary_runner.zip' }))
    ).Body?.transformToByteArray();
    const zipFile = join(mkdtempSync(join(tmpdir(), 'emr-runner-')), 'summary_runner.zip');
    writeFileSync(zipFile, archive as Uint8Array);
    const imported = execFileSync(
      process.env.PYTHON ?? 'python3',
      [
        '-c',
        'import sys; sys.path.insert(0, sys.argv[1]); import summary_runner.uris as u; print(u.__file__, u.is_uri("s3://b/k"))',
        zipFile,
      ],
      {
        encoding: 'utf-8',
      },
    );
    expect(imported.trim()).toBe(`${zipFile}/summary_runner/uris.py True`);
    expect(await text('summary/runner/summary_runner_main.py')).toContain('from summary_runner.__main__ import main');
  });
});
