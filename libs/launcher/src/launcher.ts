import { createHash } from 'node:crypto';
import { CompiledJob } from '@app/compiler';
import { JobResult } from '@app/runner-client';

/** Where a compiled job runs (SPEC §8): the embedded local Spark, EMR on EKS, or a Spark master through spark-submit's REST protocol. */
export type EngineKind = 'local' | 'connect' | 'emr-on-eks' | 'spark-submit';

/** States a launcher reports before the run ends (the end is the returned result). */
export type JobRunState = 'SUBMITTED' | 'RUNNING';

export interface LaunchRequest {
  /** The pipeline (summary table, e.g. `local.demo.summary`); part of the run's identity. */
  pipeline: string;
  batchId: string;
  /** The ledger step: CASE_III, CASE_I or CASE_II (or classify). */
  step: string;
  /** 1-based; a retry after a failed attempt is attempt + 1. */
  attempt: number;
  job: CompiledJob;
}

export interface LaunchResult {
  /** The runner's result document (status committed / already_committed / failed). */
  result: JobResult;
  /** The engine's run id (EMR job run id), or null for the local runner. */
  jobRunId: string | null;
}

/**
 * A compiled job as a remote runner reads it (job.json): its text and the sha256 (hex) of its UTF-8 bytes.
 * The launchers put the text where the job run can read it and pass the hash in the run's own arguments
 * (`--job-sha256`), which nothing but the submitter sets: the runner refuses a document that differs, so a
 * job run or anyone else able to write the artifacts prefix cannot change what another job runs (issue 25).
 */
export interface JobDocument {
  text: string;
  sha256: string;
}

export function jobDocument(job: CompiledJob): JobDocument {
  const text = JSON.stringify(job);
  return { text, sha256: createHash('sha256').update(text, 'utf8').digest('hex') };
}

/** An infrastructure failure (not a failed job: that is a result with status failed). */
export class LaunchError extends Error {
  constructor(
    message: string,
    readonly retriable: boolean,
    readonly jobRunId: string | null = null,
  ) {
    super(message);
    this.name = this.constructor.name;
  }
}

/**
 * Runs one compiled job to its end. Implementations must be safe to call again for the same
 * (pipeline, batchId, step, attempt) after a crash of the caller: they adopt the run already started
 * instead of starting a second one (the runner's ledger makes a committed job a no-op in any case).
 */
export interface JobLauncher {
  readonly engine: EngineKind;
  run(request: LaunchRequest, onState?: (state: JobRunState, jobRunId: string | null) => void): Promise<LaunchResult>;
  /** Stops what is in flight (local: the runner; EMR: nothing is cancelled unless asked) and frees resources. */
  close(): Promise<void>;
  /**
   * The table maintenance the pipeline schedules after each completed batch (libs/engine maintenance.ts),
   * where this launcher can run it; absent where it cannot (EMR: the optimize CronJob does it).
   * Returns one line per table that did something; never throws for a failed call.
   */
  maintain?(): Promise<string[]>;
}
