import { CompiledJob } from '@app/compiler';
import { JobResult, JsonRow, RunnerClient } from '@app/runner-client';

export interface RecordedJob {
  job: CompiledJob;
  result: JobResult;
  /** Round trip seen by the client (the runner's durationMs plus the protocol). */
  wallMs: number;
}

export interface Recording {
  jobs: RecordedJob[];
  queries: number;
  queryMs: number;
}

/**
 * The engine's RunnerClient, remembering every job result (with its per-step durations and snapshots)
 * and the time spent in orchestration queries while recording: SummaryPipeline.runPending returns only
 * per-case totals, and the benchmark must run exactly that code, not a copy of it.
 */
export class RecordingRunner extends RunnerClient {
  private current?: Recording;
  /**
   * Where classify and case jobs run instead of this runner when set (`bench --cluster`: submitted to the
   * cluster); every other job (set-up, snapshots, roll-backs, maintenance) and every query stays here.
   */
  remoteJobs?: (job: CompiledJob) => Promise<JobResult>;

  record(): void {
    this.current = { jobs: [], queries: 0, queryMs: 0 };
  }

  stopRecording(): Recording {
    const out = this.current ?? { jobs: [], queries: 0, queryMs: 0 };
    this.current = undefined;
    return out;
  }

  override async runJob(job: CompiledJob): Promise<JobResult> {
    const began = Date.now();
    const remote = this.remoteJobs && (job.kind === 'classify' || job.kind === 'case') ? this.remoteJobs : undefined;
    const result = remote ? await remote(job) : await super.runJob(job);
    this.current?.jobs.push({ job, result, wallMs: Date.now() - began });
    return result;
  }

  override async query(sql: string, maxRows?: number): Promise<JsonRow[]> {
    const began = Date.now();
    try {
      return await super.query(sql, maxRows);
    } finally {
      if (this.current) {
        this.current.queries++;
        this.current.queryMs += Date.now() - began;
      }
    }
  }
}
