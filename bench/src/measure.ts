import { CASE_ORDER, CaseName, CompiledJob } from '@app/compiler';
import { TableName } from '@app/config';
import { BatchOutcome, CaseOutcome, ReportBatchCounts } from '@app/engine';
import { SnapshotRow, WriteStats, commitsPerStep, readSnapshots, snapshotsBetween, writeStats } from './iceberg-stats';
import { TableSet } from './table-set';

export type JobLabel = 'classify' | CaseName | 'audit' | 'maintenance' | 'other';

/** One job of a pipeline run: the runner's timings and what its commits wrote. */
export interface JobSample {
  label: JobLabel;
  jobId: string;
  durationMs: number;
  wallMs: number;
  /** Per step: its time, the Spark jobs it ran (null: not counted) and its commits on the job's targets. */
  steps: StepSample[];
  /** durationMs − Σ steps: the runner's ledger and snapshot bookkeeping. */
  overheadMs: number;
  /** Per target table (plain name). */
  writes: Record<string, WriteStats>;
}

export interface StepSample {
  name: string;
  durationMs: number;
  sparkJobs: number | null;
  commits: number;
}

/** What runPending's own maintenance did after a batch (BatchOutcome.maintenance); null: nothing was due. */
export interface Maintenance {
  durationMs: number;
  calls: string[];
}

/**
 * BatchOutcome.maintenance, or null when nothing was due or the engine does not schedule maintenance (an
 * outcome without the field, from before it existed).
 */
export function maintenanceOf(outcome: BatchOutcome): Maintenance | null {
  const m = (outcome as BatchOutcome & { maintenance?: Maintenance | null }).maintenance;
  return m && typeof m.durationMs === 'number'
    ? { durationMs: m.durationMs, calls: Array.isArray(m.calls) ? m.calls.map(String) : [] }
    : null;
}

/** One `runPending` of one batch. */
export interface RunSample {
  /** runPending's wall time minus its maintenance: the batch. */
  wallMs: number;
  /** The maintenance runPending ran after the batch (0 when none was due). */
  maintenanceMs: number;
  maintenanceCalls: string[] | null;
  batchId: string;
  inputRows: number;
  caseRows: Record<CaseName, number>;
  /** SPEC §4b: classify's report counts (read, rejected, unmatched, vetoes, re-resolved); absent or null without the report table. */
  report?: ReportBatchCounts | null;
  cases: CaseOutcome[];
  jobs: JobSample[];
  /** Orchestration queries (ledger, current snapshot) made by the pipeline during the run. */
  queries: number;
  queryMs: number;
}

/** Iceberg maintenance procedures: a job running one is the pipeline's maintenance, not part of the batch. */
const MAINTENANCE_CALL =
  /\bCALL\b[\s\S]*\.system\.(rewrite_data_files|rewrite_position_delete_files|rewrite_manifests|expire_snapshots|remove_orphan_files)\b/i;

export function jobLabel(job: CompiledJob): JobLabel {
  if (job.kind === 'classify') return 'classify';
  if (job.kind === 'case' && CASE_ORDER.includes(job.tags.case as CaseName)) return job.tags.case as CaseName;
  if (job.jobId.startsWith('audit-')) return 'audit';
  if (job.steps.some((s) => 'sql' in s && typeof s.sql === 'string' && MAINTENANCE_CALL.test(s.sql)))
    return 'maintenance';
  return 'other';
}

/**
 * Runs SummaryPipeline.runPending — exactly what `summary-pipeline run` does — on the set's pending source
 * snapshots, timing it as a whole and per job, then reads the Iceberg snapshot summaries of every commit
 * the jobs made (after the clock stopped). Expects exactly one batch.
 */
export async function measurePending(set: TableSet): Promise<RunSample> {
  set.runner.record();
  const began = Date.now();
  const outcomes = await set.pipeline.runPending();
  const totalMs = Date.now() - began;
  const recording = set.runner.stopRecording();
  if (outcomes.length !== 1)
    throw new Error(`expected one pending batch in ${set.label}; runPending ran ${outcomes.length}`);
  const [batch] = outcomes;
  const maintenance = maintenanceOf(batch);

  const snapshots = new Map<string, SnapshotRow[]>();
  const tables = new Map(
    [set.config.sourceTable, set.config.summaryTable, set.config.latestTable, ...Object.values(set.config.tables)].map(
      (t) => [t.plain, t],
    ),
  );
  const rowsOf = async (plain: string) => {
    if (!snapshots.has(plain))
      snapshots.set(
        plain,
        await readSnapshots(
          set.runner,
          tables.get(plain) ?? (TableName.parse(plain, set.config.defaultCatalog) as TableName),
        ),
      );
    return snapshots.get(plain)!;
  };
  const jobs: JobSample[] = [];
  for (const { job, result, wallMs: jobWall } of recording.jobs) {
    const writes: Record<string, WriteStats> = {};
    const commitTimes: (number | null)[] = [];
    for (const [plain, snap] of Object.entries(result.snapshots ?? {})) {
      if (result.status !== 'committed' || snap.before === snap.after) continue;
      const made = snapshotsBetween(await rowsOf(plain), snap.before, snap.after);
      writes[plain] = writeStats(made);
      commitTimes.push(...made.map((m) => m.committedAtMs));
    }
    const reported = result.steps ?? [];
    const commits = commitsPerStep(
      reported.map((st) => st.startedAtMs),
      commitTimes,
    );
    const steps = reported.map((st, i) => ({
      name: st.name,
      durationMs: st.durationMs,
      sparkJobs: st.sparkJobs ?? null,
      commits: commits[i],
    }));
    jobs.push({
      label: jobLabel(job),
      jobId: job.jobId,
      durationMs: result.durationMs,
      wallMs: jobWall,
      steps,
      overheadMs: result.durationMs - steps.reduce((a, s) => a + s.durationMs, 0),
      writes,
    });
  }
  return {
    wallMs: totalMs - (maintenance?.durationMs ?? 0),
    maintenanceMs: maintenance?.durationMs ?? 0,
    maintenanceCalls: maintenance?.calls ?? null,
    batchId: batch.batchId,
    inputRows: batch.counts.inputRows,
    caseRows: Object.fromEntries(CASE_ORDER.map((c) => [c, batch.counts.cases[c].rows])) as Record<CaseName, number>,
    report: batch.counts.report ?? null,
    cases: batch.cases,
    jobs,
    queries: recording.queries,
    queryMs: recording.queryMs,
  };
}
