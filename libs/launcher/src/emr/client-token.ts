import { createHash } from 'node:crypto';
import { LaunchError, LaunchRequest } from '../launcher';
import { S3Location, keyUnder } from './emr-config';

// emr-containers API model: ClientToken and ResourceNameString are 1-64 characters, a name only of
// [.-_/#A-Za-z0-9]; tag keys ≤ 128 and values ≤ 256 characters.
const CLIENT_TOKEN_MAX = 64;
const RUN_NAME_MAX = 64;
const TAG_VALUE_MAX = 256;
// Path segments of the S3 layout: kept plain so a key never needs escaping in an s3:// URI (which the
// runner hands to Hadoop's Path, which would decode a %xx).
const SEGMENT = /^[A-Za-z0-9._=-]+$/;

/** Everything that names one attempt of one step on EMR and in S3; a pure function of the request. */
export interface RunIdentity {
  pipeline: string;
  batchId: string;
  step: string;
  attempt: number;
  /** StartJobRun name, e.g. `summary-b-000003-CASE_III-a1`. Not unique across pipelines. */
  name: string;
  /** Deterministic idempotency token: EMR returns the same run for the same token. */
  clientToken: string;
  tags: Record<string, string>;
  /** `<prefix>/jobs/<pipeline>/<batchId>/<step>/attempt-<n>/job.json` */
  jobKey: string;
  /** The runner writes its result document here. */
  resultKey: string;
}

/**
 * sha256 over the four identity fields, hex, cut to the API's 64 characters (a sha256 hex is 64).
 * e.g. ('local.demo.summary', 'b-000003', 'CASE_III', 1) → '5c0e…' (always the same 64 characters).
 */
export function clientTokenFor(request: Pick<LaunchRequest, 'pipeline' | 'batchId' | 'step' | 'attempt'>): string {
  const identity = JSON.stringify([request.pipeline, request.batchId, request.step, request.attempt]);
  return createHash('sha256').update(identity).digest('hex').slice(0, CLIENT_TOKEN_MAX);
}

/**
 * `summary-<batchId>-<step>-a<attempt>` with every character EMR does not allow replaced by '-'; a
 * longer name is cut and ends with 8 hex characters of a hash of (batchId, step, attempt), so cut names
 * stay distinct. The pipeline is not part of it: cancel() finds a run by batch, step and attempt.
 * e.g. ('b-000003', 'CASE_III', 2) → 'summary-b-000003-CASE_III-a2'
 */
export function jobRunNameFor(request: Pick<LaunchRequest, 'batchId' | 'step' | 'attempt'>): string {
  const name = `summary-${request.batchId}-${request.step}-a${request.attempt}`.replace(/[^.\-_/#A-Za-z0-9]/g, '-');
  if (name.length <= RUN_NAME_MAX) return name;
  const hash = createHash('sha256')
    .update(JSON.stringify([request.batchId, request.step, request.attempt]))
    .digest('hex');
  return `${name.slice(0, RUN_NAME_MAX - 9)}-${hash.slice(0, 8)}`;
}

export function runIdentity(request: LaunchRequest, artifacts: S3Location): RunIdentity {
  const { pipeline, batchId, step, attempt } = request;
  for (const [field, value] of Object.entries({ pipeline, batchId, step })) {
    if (!SEGMENT.test(value) || value === '.' || value === '..' || value.length > TAG_VALUE_MAX) {
      throw new LaunchError(
        `EMR launcher: request ${field} "${value}" cannot name an S3 path segment or tag; ` +
          `expected 1-${TAG_VALUE_MAX} of [A-Za-z0-9._=-] (not retriable: the request itself is invalid)`,
        false,
      );
    }
  }
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new LaunchError(
      `EMR launcher: request attempt ${attempt} is invalid; expected an integer ≥ 1 (not retriable)`,
      false,
    );
  }
  const dir = keyUnder(artifacts, `jobs/${pipeline}/${batchId}/${step}/attempt-${attempt}`);
  return {
    pipeline,
    batchId,
    step,
    attempt,
    name: jobRunNameFor(request),
    clientToken: clientTokenFor(request),
    tags: { pipeline, batchId, step, attempt: String(attempt) },
    jobKey: `${dir}/job.json`,
    resultKey: `${dir}/result.json`,
  };
}
