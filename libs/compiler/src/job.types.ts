/** Version of the compiled-job document (docs/compiled-job-format.md); the runner refuses others. */
export const JOB_SCHEMA_VERSION = 1;

import type { CaseName } from '@app/domain';

/** SPEC §5's cases and their order (libs/domain), as the compiled jobs name them. */
export type { CaseName } from '@app/domain';
export { CASE_ORDER } from '@app/domain';
export type StepName = 'classify' | CaseName;

export type JobStep =
  | { name: string; kind: 'sql'; sql: string }
  | { name: string; kind: 'collect'; sql: string; maxRows: number }
  | {
      name: string;
      kind: 'incremental_view';
      view: string;
      table: string;
      startSnapshotId: string | null;
      endSnapshotId: string;
    }
  /** Creates the ledger table if missing; its columns are the runner's (runner/summary_runner/ledger.py). */
  | { name: string; kind: 'ledger_table'; table: string };

export interface CompiledJob {
  schemaVersion: typeof JOB_SCHEMA_VERSION;
  jobId: string;
  kind: 'init' | 'classify' | 'case' | 'append';
  description: string;
  tags: Record<string, string>;
  params: Record<string, unknown>;
  ledger: { table: string; batchId: string; step: string } | null;
  targets: string[];
  steps: JobStep[];
  /**
   * Set by the engine when it runs the job, not by the compiler: the runner executes the job only if this
   * writer holds the pipeline's lease (docs/compiled-job-format.md "Lease").
   */
  lease?: JobLease | null;
}

/** The lease a job's writer holds: its table, the pipeline it guards and the holder's token. */
export interface JobLease {
  table: string;
  pipeline: string;
  token: string;
  /**
   * Set for a job that runs on a cluster: its driver renews the lease itself while the job runs, so a
   * submitter that dies mid-job does not let another writer in beside it (docs/compiled-job-format.md "Lease").
   */
  keepAlive?: { ttlMs: number; everyMs: number };
}

/** What the classifier decided for one batch; the input of the case jobs. */
export interface BatchPlan {
  batchId: string;
  /** Source snapshot range (start exclusive, null = from the beginning; end inclusive). */
  sourceStartSnapshotId: string | null;
  sourceEndSnapshotId: string;
  /**
   * SPEC §4b: the report-date table's snapshot range, like the source's (null end: no report snapshot
   * yet). Absent without the report table. A range with start = end reads nothing (a batch of one table).
   */
  reportStartSnapshotId?: string | null;
  reportEndSnapshotId?: string | null;
}

/** Per case, the months it touches (from the classify counts), so a job can prune partitions. */
export interface CaseRange {
  minMonth: string;
  maxMonth: string;
  rows: number;
}
