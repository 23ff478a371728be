import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { repoRoot } from '@app/runner-client';
import { getTextOrNull, putObject, systemClock, uploadRunnerArtifacts } from '@app/launcher';
import { ClusterStack, clusterStackEnv } from './cluster-runner';

// The launchers' S3 side against the real object store (SeaweedFS of `stack.sh up --cluster`), not a mock:
// what the EMR launcher uploads and both launchers read back, and a missing key read as "absent" — the
// spark-submit launcher's adoption depends on that answer (no submission.json = submit).

describe("the launchers' S3 side on the object store", () => {
  let stack: ClusterStack;
  let s3: S3Client;
  const prefix = `e2e-objects/${randomUUID().slice(0, 8)}`;
  const policy = () => ({ maxAttempts: 3, clock: systemClock, signal: new AbortController().signal });

  beforeAll(() => {
    stack = clusterStackEnv();
    s3 = new S3Client({
      endpoint: stack.STACK_S3_ENDPOINT,
      forcePathStyle: true,
      region: stack.STACK_S3_REGION,
      maxAttempts: 1,
      credentials: { accessKeyId: stack.STACK_S3_ACCESS_KEY_ID, secretAccessKey: stack.STACK_S3_SECRET_ACCESS_KEY },
    });
  });
  afterAll(() => s3?.destroy());

  it('reads back what it put, and a key that is not there as null', async () => {
    const bucket = stack.STACK_S3_BUCKET;
    await putObject(s3, bucket, `${prefix}/job.json`, '{"jobId":"j1"}', 'application/json', policy());
    expect(await getTextOrNull(s3, bucket, `${prefix}/job.json`, policy(), null)).toBe('{"jobId":"j1"}');
    expect(await getTextOrNull(s3, bucket, `${prefix}/submission.json`, policy(), null)).toBeNull();
  });

  it('uploads the runner (EMR_RUNNER_PY_FILES zip and entry point) byte for byte', async () => {
    const bucket = stack.STACK_S3_BUCKET;
    const config = {
      region: stack.STACK_S3_REGION,
      artifacts: { bucket, prefix },
      runnerEntryPoint: `s3://${bucket}/${prefix}/runner/summary_runner_main.py`,
      runnerPyFiles: `s3://${bucket}/${prefix}/runner/summary_runner.zip`,
    };
    const upload = await uploadRunnerArtifacts(config, s3, join(repoRoot(), 'runner'));
    expect(upload.files).toContain('summary_runner/__main__.py');
    const zip = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}/runner/summary_runner.zip` }));
    const bytes = await zip.Body!.transformToByteArray();
    expect(bytes.length).toBe(upload.zipBytes);
    expect(Buffer.from(bytes.subarray(0, 4)).toString('hex')).toBe('504b0304'); // a zip's local file header
    const entry = await getTextOrNull(s3, bucket, `${prefix}/runner/summary_runner_main.py`, policy(), null);
    expect(entry).toContain('from summary_runner.__main__ import main');
  });
});
