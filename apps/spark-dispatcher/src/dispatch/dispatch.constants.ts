import { PipelineConfig } from '@app/config';

export const LAUNCHER = Symbol('LAUNCHER');
export const DISPATCH_OPTIONS = Symbol('DISPATCH_OPTIONS');

export interface DispatchOptions {
  config: PipelineConfig;
  /** Attempts per case before the batch stops (retriable failures only). */
  maxAttempts: number;
  /** First retry delay, doubled per attempt up to retryMaxBackoffMs. */
  retryBackoffMs: number;
  retryMaxBackoffMs?: number;
}
