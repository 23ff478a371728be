import {
  APPLIED, AuditEvent, CASE_ORDER, CaseName, COUNTS, CompiledJob, PLAN, compileAuditAppend, compileBackfill, compileClassify,
  compileForward, compileInit, compileNewAccounts,
} from '@app/compiler';
import { PipelineConfig, TableName, quoteIdent as q } from '@app/config';
import { BatchCounts, BatchState, LedgerEntry, batchFinished, batchId, batchesFromLedger, classifiedUpTo, parseCounts } from './batch-state';
import { ColumnType, IngestOptions, WATERMARK_PROPERTY, withStagedJsonl } from './ingest';
import { PipelineLease } from './lease';
import { MaintenanceOutcome, MaintenancePolicy, maintainTables, maintenancePolicyFromEnv } from './maintenance';
import { JobResult, JsonRow, RunnerClient } from './runner-client';

export type Progress = (message: string) => void;

/** A job that did not commit; the batch stops here (SPEC §5: no forward on an uncorrected history). */
export class JobFailedError extends Error {
  constructor(
    readonly job: CompiledJob,
    readonly result: JobResult,
  ) {
    super(`${job.jobId} failed at step "${result.error?.step ?? '?'}": ${result.error?.type ?? 'Error'}: ${result.error?.message ?? 'unknown error'}${result.error?.retriable ? ' (retriable: run again)' : ''}`);
    this.name = this.constructor.name;
  }

  /** The runner's verdict: e.g. a commit conflict or an unreachable catalog can pass on a re-run. */
  get retriable(): boolean {
    return this.result.error?.retriable ?? false;
  }
}

export interface CaseOutcome {
  case: CaseName;
  status: 'committed' | 'already_committed' | 'skipped';
  rows: number;
  applied: number;
  stale: number;
  written: number;
  /** SPEC §4a: months this job deleted (delete rows that won) and restored (a deleted month's new winner). */
  deleted: number;
  restored: number;
  durationMs: number;
}

export interface BatchOutcome {
  batchId: string;
  sourceStartSnapshotId: string | null;
  sourceEndSnapshotId: string;
  counts: BatchCounts;
  cases: CaseOutcome[];
  durationMs: number;
  /** The maintenance run after the batch (maintenance.ts); null when off or nothing was committed. */
  maintenance: MaintenanceOutcome | null;
}

const nowTs = () => new Date().toISOString().slice(0, 19).replace('T', ' ');

/**
 * Runs the compiled jobs in the order the services do: classify a batch of every source snapshot not yet
 * processed, then CASE_III, CASE_I, CASE_II; a batch is finished before the next is classified. All
 * state lives in Iceberg (ledger, batches), so a restart resumes where the last run stopped.
 */
export class SummaryPipeline {
  /** The writer's lease (lease.ts); while held, every job carries it and the runner checks it first. */
  lease: PipelineLease | null = null;

  constructor(
    readonly config: PipelineConfig,
    readonly runner: RunnerClient,
    private readonly progress: Progress = () => undefined,
    readonly maintenance: MaintenancePolicy = maintenancePolicyFromEnv(),
  ) {}

  async init(createSource = true): Promise<void> {
    const job = compileInit(this.config, { createSource });
    await this.mustCommit(job);
  }

  /** The source table's columns as the catalog has them (or as the config declares, before init). */
  async sourceSchema(): Promise<ColumnType[]> {
    try {
      const rows = await this.runner.query(`DESCRIBE TABLE ${this.config.sourceTable.sql}`);
      const cols: ColumnType[] = [];
      for (const r of rows) {
        const name = String(r.col_name ?? '');
        if (name === '' || name.startsWith('#')) break;
        cols.push({ name, type: String(r.data_type) });
      }
      return cols;
    } catch {
      return this.config.sourceSchema;
    }
  }

  /**
   * Appends a JSON-lines file to the source as one commit: checked and normalised by the ingest's one
   * reader (ingest.ts), then Spark appends exactly the rows checked (runner append.py).
   */
  async ingest(file: string, options: IngestOptions = {}): Promise<{ rows: number; snapshotId: string | null }> {
    const schema = await this.sourceSchema();
    const tsSource = this.config.columns.find((c) => c.dest === this.config.tsColumn)?.source ?? this.config.tsColumn;
    const allowMissing = [...this.config.ingestOptionalColumns, ...(options.allowMissing ?? [])];
    return withStagedJsonl(file, schema, { ...options, allowMissing }, (staged) => {
      this.progress(`ingest: ${staged.rows} row(s) from ${file} valid; appending to ${this.config.sourceTable.plain}`);
      return this.runner.appendJsonl(this.config.sourceTable.plain, staged.path, schema, staged.rows, {}, { watermark: { column: tsSource, property: WATERMARK_PROPERTY } });
    });
  }

  async currentSnapshot(table: TableName): Promise<string | null> {
    const rows = await this.runner.query(
      `SELECT CAST(snapshot_id AS STRING) AS id FROM ${table.sql}.${q('history')} WHERE is_current_ancestor ORDER BY made_current_at DESC LIMIT 1`,
    );
    return rows.length ? String(rows[0].id) : null;
  }

  async ledger(): Promise<LedgerEntry[]> {
    const rows = await this.runner.query(
      `SELECT batch_id, step, status, result, CAST(recorded_at AS STRING) AS recorded_at FROM (
         SELECT *, row_number() OVER (PARTITION BY batch_id, step ORDER BY recorded_at DESC, attempt DESC) AS rn
         FROM ${this.config.tables.ledger.sql} WHERE status <> 'superseded') WHERE rn = 1`,
      1000000,
    );
    return rows.map((r) => ({
      batchId: String(r.batch_id),
      step: String(r.step),
      status: r.status as LedgerEntry['status'],
      result: typeof r.result === 'string' ? JSON.parse(r.result) : null,
      recordedAt: String(r.recorded_at),
    }));
  }

  /** Processes everything pending; returns the batches it ran (or finished). */
  async runPending(): Promise<BatchOutcome[]> {
    const outcomes: BatchOutcome[] = [];
    for (;;) {
      const batches = batchesFromLedger(await this.ledger());
      const last = batches[batches.length - 1];
      if (last && last.classify.status === 'committed' && !this.finished(last)) {
        const plan = last.classify.result!.collected![PLAN][0];
        this.progress(`batch ${last.batchId}: resuming unfinished cases`);
        outcomes.push(await this.runCases(last.batchId, plan.source_start_snapshot_id as string | null, String(plan.source_end_snapshot_id), parseCounts(last.classify.result!.collected![COUNTS])));
        continue;
      }
      const start = classifiedUpTo(batches);
      const end = await this.currentSnapshot(this.config.sourceTable);
      if (end === null || end === start) {
        this.progress('nothing pending: every source snapshot is processed');
        return outcomes;
      }
      // An unfinished classify (crashed or failed) is retried under the same batch id.
      const seq = last && last.classify.status !== 'committed' ? last.seq : (last?.seq ?? 0) + 1;
      outcomes.push(await this.runBatch(batchId(seq), start, end));
    }
  }

  private finished(batch: BatchState): boolean {
    return batchFinished(batch);
  }

  async classify(id: string, start: string | null, end: string): Promise<BatchCounts> {
    const job = compileClassify(this.config, { batchId: id, sourceStartSnapshotId: start, sourceEndSnapshotId: end });
    this.progress(`batch ${id}: classifying source snapshots (${start ?? 'beginning'}, ${end}]`);
    const result = await this.mustCommit(job);
    const counts = parseCounts(result.collected[COUNTS] ?? []);
    const rejected = Object.values(counts.rejects).reduce((a, b) => a + b, 0);
    const deletes = CASE_ORDER.reduce((n, c) => n + counts.deletes[c], 0);
    this.progress(
      `batch ${id}: ${counts.inputRows} input row(s), ${rejected} rejected${rejected ? ` (${Object.entries(counts.rejects).map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}; ` +
        CASE_ORDER.map((c) => `${c} ${counts.cases[c].rows}`).join(', ') +
        (deletes ? `; ${deletes} delete(s)` : '') +
        `; watermark ${counts.watermark ?? '-'}`,
    );
    return counts;
  }

  private async runBatch(id: string, start: string | null, end: string): Promise<BatchOutcome> {
    const counts = await this.classify(id, start, end);
    return this.runCases(id, start, end, counts);
  }

  compileCase(id: string, c: CaseName, counts: BatchCounts): CompiledJob {
    if (c === 'CASE_III') return compileBackfill(this.config, id, counts.cases.CASE_III);
    if (c === 'CASE_I') return compileNewAccounts(this.config, id);
    return compileForward(this.config, id);
  }

  private async runCases(id: string, start: string | null, end: string, counts: BatchCounts): Promise<BatchOutcome> {
    const began = Date.now();
    const cases: CaseOutcome[] = [];
    const events: AuditEvent[] = [];
    const event = (type: string, c: CaseName | null, status: string, extra: Partial<AuditEvent> = {}): AuditEvent => ({
      eventId: `${id}:${c ?? 'batch'}:${type}:${status}`,
      eventType: type,
      batchId: id,
      case: c,
      status,
      attempt: null,
      occurredAt: nowTs(),
      durationMs: null,
      rows: null,
      watermark: counts.watermark,
      details: {},
      ...extra,
    });
    events.push(event('BatchPlanned', null, 'planned', { rows: counts.inputRows, details: { sourceStartSnapshotId: start, sourceEndSnapshotId: end, rejects: counts.rejects, deletes: counts.deletes } }));
    try {
      for (const c of CASE_ORDER) {
        const rows = counts.cases[c].rows;
        if (rows === 0) {
          this.progress(`batch ${id}: ${c} skipped (no rows)`);
          cases.push({ case: c, status: 'skipped', rows: 0, applied: 0, stale: 0, written: 0, deleted: 0, restored: 0, durationMs: 0 });
          events.push(event('JobStateChanged', c, 'skipped', { rows: 0 }));
          continue;
        }
        const job = this.compileCase(id, c, counts);
        this.progress(`batch ${id}: ${c} running (${rows} row(s), months ${counts.cases[c].minMonth}..${counts.cases[c].maxMonth})`);
        let result: JobResult;
        try {
          result = await this.mustCommit(job);
        } catch (err) {
          if (err instanceof JobFailedError) events.push(event('JobStateChanged', c, 'failed', { attempt: err.result.attempt ?? null, durationMs: err.result.durationMs, details: { error: err.result.error } }));
          throw err;
        }
        const applied = (result.collected[APPLIED]?.[0] ?? {}) as JsonRow;
        const outcome: CaseOutcome = {
          case: c,
          status: result.status === 'already_committed' ? 'already_committed' : 'committed',
          rows,
          applied: Number(applied.applied ?? 0),
          stale: Number(applied.stale ?? 0),
          written: Number(applied.written ?? 0),
          deleted: Number(applied.deleted ?? 0),
          restored: Number(applied.restored ?? 0),
          durationMs: result.durationMs,
        };
        cases.push(outcome);
        events.push(event('JobStateChanged', c, 'succeeded', { attempt: result.attempt ?? null, durationMs: result.durationMs, rows: outcome.written, details: { applied: outcome.applied, stale: outcome.stale, deleted: outcome.deleted, restored: outcome.restored, snapshots: result.snapshots } }));
        this.progress(
          `batch ${id}: ${c} ${outcome.status} in ${(result.durationMs / 1000).toFixed(1)} s: ${outcome.applied} applied, ${outcome.stale} stale, ${outcome.written} row(s) written` +
            (outcome.deleted || outcome.restored ? `, ${outcome.deleted} deleted, ${outcome.restored} restored` : ''),
        );
      }
      const total = (k: 'deleted' | 'restored') => cases.reduce((n, c) => n + c[k], 0);
      events.push(event('BatchCompleted', null, 'completed', { durationMs: Date.now() - began, details: { deleted: total('deleted'), restored: total('restored') } }));
    } finally {
      await this.audit(events);
    }
    const durationMs = Date.now() - began;
    const wrote = cases.some((c) => c.status === 'committed');
    return { batchId: id, sourceStartSnapshotId: start, sourceEndSnapshotId: end, counts, cases, durationMs, maintenance: wrote ? await this.maintain() : null };
  }

  /** The scheduled maintenance of summary and latest (maintenance.ts), after a batch that wrote them. */
  async maintain(): Promise<MaintenanceOutcome | null> {
    if (!this.maintenance.enabled) return null;
    const outcome = await maintainTables(this.runner, this.config, this.maintenance);
    for (const line of outcome.calls) this.progress(`maintenance: ${line}`);
    return outcome;
  }

  async audit(events: AuditEvent[]): Promise<void> {
    if (!events.length) return;
    await this.mustCommit(compileAuditAppend(this.config, events));
  }

  async mustCommit(job: CompiledJob): Promise<JobResult> {
    const result = await this.runner.runJob(this.fenced(job));
    if (result.status === 'failed') throw new JobFailedError(job, result);
    return result;
  }

  /** The job with this writer's lease attached, if it holds one. */
  fenced(job: CompiledJob): CompiledJob {
    const token = this.lease?.record?.token;
    return token ? { ...job, lease: { table: this.lease!.table, pipeline: this.lease!.pipeline, token } } : job;
  }
}
