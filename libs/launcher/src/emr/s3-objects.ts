import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { JobResult } from '@app/runner-client';
import { LaunchError } from '../launcher';
import { RetryPolicy, callAws } from './aws-call';
import { s3Uri } from './emr-config';

const RESULT_STATUSES = ['committed', 'already_committed', 'failed'];

export async function putObject(
  s3: S3Client,
  bucket: string,
  key: string,
  body: string | Uint8Array,
  contentType: string,
  policy: RetryPolicy,
): Promise<void> {
  await callAws(
    'S3 PutObject',
    `${s3Uri(bucket, key)} (${body.length} bytes, ${contentType})`,
    () => s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType })),
    policy,
  );
}

/** The object's text, or null when there is no such key. */
export async function getTextOrNull(
  s3: S3Client,
  bucket: string,
  key: string,
  policy: RetryPolicy,
  jobRunId: string | null,
): Promise<string | null> {
  return callAws(
    'S3 GetObject',
    s3Uri(bucket, key),
    async () => {
      try {
        const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return out.Body ? await out.Body.transformToString('utf-8') : '';
      } catch (error) {
        const name = (error as Error).name;
        if (name === 'NoSuchKey' || name === 'NotFound') return null;
        throw error;
      }
    },
    policy,
    jobRunId,
  );
}

/**
 * The runner's result document (docs/compiled-job-format.md "Result"), checked to be one for `jobId`.
 * A document that is not one is a LaunchError (not retriable: the run wrote something else).
 */
export function parseResultDocument(text: string, where: string, jobId: string, jobRunId: string): JobResult {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new LaunchError(
      `result document ${where} of EMR job run ${jobRunId} is not JSON (${(error as Error).message}); received "${text.slice(0, 200)}"; not retriable`,
      false,
      jobRunId,
    );
  }
  const result = doc as Partial<JobResult> | null;
  if (
    typeof result !== 'object' ||
    result === null ||
    typeof result.jobId !== 'string' ||
    !RESULT_STATUSES.includes(result.status as string)
  ) {
    throw new LaunchError(
      `result document ${where} of EMR job run ${jobRunId} is not a runner result: expected {jobId, ` +
        `status: ${RESULT_STATUSES.join(' | ')}, ...}, received ${text.slice(0, 200)}; not retriable`,
      false,
      jobRunId,
    );
  }
  if (result.jobId !== jobId) {
    throw new LaunchError(
      `result document ${where} of EMR job run ${jobRunId} is for job "${result.jobId}", expected "${jobId}"; not retriable`,
      false,
      jobRunId,
    );
  }
  return result as JobResult;
}
