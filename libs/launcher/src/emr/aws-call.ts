import { setTimeout as delay } from 'node:timers/promises';
import { LaunchError } from '../launcher';

/** Time, injectable so tests run the polling loops on virtual time. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`; rejects (any error) when `signal` aborts first. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => delay(ms, undefined, { signal }),
};

export interface RetryPolicy {
  maxAttempts: number;
  clock: Clock;
  signal: AbortSignal;
  /** [0, 1); Math.random by default. */
  random?: () => number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

interface AwsErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $retryable?: { throttling?: boolean };
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

// Error names the SDK's own retry strategy treats as throttling or transient (@smithy/service-error-
// classification), plus the Node socket errors a dropped connection surfaces as.
const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ProvisionedThroughputExceededException',
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'TransactionInProgressException',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
]);
const TRANSIENT = new Set([
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'InternalError',
  'ServiceUnavailable',
]);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** An error from an AWS call (the SDK's service exceptions) or from the connection beneath it. */
export function isAwsOrNetworkError(error: unknown): error is Error & AwsErrorShape {
  if (!(error instanceof Error)) return false;
  const e = error as AwsErrorShape;
  return (
    e.$metadata !== undefined ||
    e.$fault !== undefined ||
    NETWORK_CODES.has(e.code ?? '') ||
    TRANSIENT.has(e.name ?? '')
  );
}

/** Throttling, 5xx, timeouts and dropped connections: the same call may succeed later. */
export function isRetriableAwsError(error: unknown): boolean {
  if (!isAwsOrNetworkError(error)) return false;
  const status = error.$metadata?.httpStatusCode ?? 0;
  return (
    error.$retryable !== undefined ||
    error.$fault === 'server' ||
    status >= 500 ||
    status === 429 ||
    THROTTLING.has(error.name ?? '') ||
    TRANSIENT.has(error.name ?? '') ||
    NETWORK_CODES.has(error.code ?? '')
  );
}

export function describeAwsError(error: Error & AwsErrorShape): string {
  const status = error.$metadata?.httpStatusCode;
  const request = error.$metadata?.requestId;
  return `${error.name}${status ? ` (HTTP ${status}${request ? `, request ${request}` : ''})` : ''}: ${error.message}`;
}

/** Exponential backoff with "equal jitter": half the doubled delay fixed, half random. */
export function backoffMs(retry: number, policy: Pick<RetryPolicy, 'random' | 'baseDelayMs' | 'maxDelayMs'>): number {
  const cap = Math.min(policy.maxDelayMs ?? 20000, (policy.baseDelayMs ?? 500) * 2 ** (retry - 1));
  return Math.round(cap / 2 + (policy.random ?? Math.random)() * (cap / 2));
}

/**
 * Runs one AWS API call, retrying throttling / 5xx / network errors up to `maxAttempts` in all. Any other
 * AWS error becomes a LaunchError (retriable=false) naming the call and what was sent; an error that does
 * not come from AWS (a bug) passes through untouched.
 *
 * e.g. callAws('EMR StartJobRun', 'name=summary-b-1-CASE_I-a1', () => emr.send(cmd), policy)
 */
export async function callAws<T>(
  call: string,
  sent: string,
  fn: () => Promise<T>,
  policy: RetryPolicy,
  jobRunId: string | null = null,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!isAwsOrNetworkError(error)) throw error;
      const retriable = isRetriableAwsError(error);
      if (!retriable || attempt >= policy.maxAttempts) {
        const verdict = retriable
          ? `gave up after ${attempt} attempt(s) (EMR_API_MAX_ATTEMPTS); retriable: the service may recover`
          : 'not retriable: the service refused the request as sent; check the configuration and permissions';
        const wrapped = new LaunchError(
          `${call} failed: ${describeAwsError(error)}; sent ${sent}; ${verdict}`,
          retriable,
          jobRunId,
        );
        wrapped.cause = error;
        throw wrapped;
      }
      try {
        await policy.clock.sleep(backoffMs(attempt, policy), policy.signal);
      } catch {
        throw new LaunchError(
          `${call}: the launcher was closed while retrying (sent ${sent}); retriable`,
          true,
          jobRunId,
        );
      }
    }
  }
}
