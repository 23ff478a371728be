import {
  AuditEvent,
  CASE_ORDER,
  CaseName,
  COUNTS,
  CompiledJob,
  PLAN,
  compileAuditAppend,
  compileClassify,
  compileInit,
  compileReportUpgrade,
  compileUnboundedRebuild,
  RERESOLVE,
} from '@app/compiler';
import {
  ConfigError,
  PipelineConfig,
  ReportDates,
  TableName,
  checkReportTable,
  columnModel,
  quoteIdent as q,
} from '@app/config';
import { DecodedEvent, JobStateChanged } from '@app/contracts';
import {
  BatchEnd,
  BatchMachine,
  batchMachineFor,
  CaseOutcome,
  auditRow,
  compileCaseJob,
  completedEvent,
  jobErrorText,
  jobStateEvent,
  nextBatch,
  planEvents,
  watermarkEvent,
} from '@app/lifecycle';
import {
  BatchCounts,
  BatchState,
  LedgerEntry,
  batchFinished,
  batchesFromLedger,
  ledgerPosition,
  parseCounts,
} from './batch-state';
import { ColumnType, IngestOptions, WATERMARK_PROPERTY, withStagedJsonl } from '@app/ingest';
import { PipelineLease } from '@app/lease';
import { MaintenanceOutcome, MaintenancePolicy, maintainTables, maintenancePolicyFromEnv } from './maintenance';
import { JobResult, RunnerClient } from '@app/runner-client';

export type Progress = (message: string) => void;

/** A job that did not commit; the batch stops here (SPEC §5: no forward on an uncorrected history). */
export class JobFailedError extends Error {
  constructor(
    readonly job: CompiledJob,
    readonly result: JobResult,
  ) {
    const where = result.error?.step
      ? `at step "${result.error.step}"`
      : 'outside its steps (lease, ledger, rollback or snapshots)';
    const error = `${result.error?.type ?? 'Error'}: ${result.error?.message ?? 'unknown error'}`;
    super(`${job.jobId} failed ${where}: ${error}${result.error?.retriable ? ' (retriable: run again)' : ''}`);
    this.name = this.constructor.name;
  }

  /** The runner's verdict: e.g. a commit conflict or an unreachable catalog can pass on a re-run. */
  get retriable(): boolean {
    return this.result.error?.retriable ?? false;
  }
}

/** A case of a batch as it ended (lifecycle's BatchMachine records it), as runPending returns it. */
export type { CaseOutcome };

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

/** What `ingest --into` appends to: the main source, or SPEC §4b's report-date table. */
export const INGEST_TARGETS = ['source', 'report-dates'] as const;
export type IngestTarget = (typeof INGEST_TARGETS)[number];

/** The engine a batch of the CLI's orchestrator runs on, as JobStateChanged names it (the local launcher's). */
const ENGINE = 'local';

/**
 * Runs the compiled jobs in the order the services do: classify a batch of every source snapshot not yet
 * processed, then CASE_III, CASE_I, CASE_II; a batch is finished before the next is classified. All
 * state lives in Iceberg (ledger, batches), so a restart resumes where the last run stopped.
 */
export class SummaryPipeline {
  /** The writer's lease (@app/lease); while held, every job carries it and the runner checks it first. */
  lease: PipelineLease | null = null;

  constructor(
    readonly config: PipelineConfig,
    readonly runner: RunnerClient,
    private readonly progress: Progress = () => undefined,
    readonly maintenance: MaintenancePolicy = maintenancePolicyFromEnv(),
  ) {}

  /**
   * Runs init; then a configured report-date table (SPEC §4b) must exist, created by this init (with
   * createSource) or already there (production), with every column hist_rpt_dt_cols lists.
   */
  async init(createSource = true): Promise<void> {
    const report = this.config.reportDates;
    // Checked first: init reads the report table's columns to create the report winners table.
    if (report) {
      const exists = (await this.describe(report.table)) !== null;
      if (!exists && !createSource) {
        throw new ConfigError(
          report.table.plain,
          [
            {
              key: 'hist_rpt_dt_table',
              expected: 'an existing table: init creates it only with --create-source (local runs, tests)',
              received: report.table.plain,
            },
          ],
          'The report-date table is missing:',
        );
      }
      if (exists) await this.reportSchema();
    }
    const job = compileInit(this.config, { createSource });
    await this.mustCommit(job);
    if (report) {
      await this.reportSchema();
      await this.addReportColumns();
    }
    // SPEC §4c turned on for a pipeline that has rows already: the batches keep the unbounded table from here on,
    // and it starts as the rebuild from summary.
    const unbounded = this.config.unboundedHistory;
    if (unbounded) {
      const probe = (t: TableName) => `(SELECT count(*) FROM (SELECT 1 FROM ${t.sql} LIMIT 1))`;
      const [row] = await this.runner.query(
        `SELECT ${probe(this.config.latestTable)} AS latest, ${probe(unbounded.table)} AS unbounded`,
        1,
      );
      if (Number(row.latest) > 0 && Number(row.unbounded) === 0) {
        this.progress(
          `init: ${unbounded.table.plain} is empty beside rows in ${this.config.latestTable.plain}: rebuilding it from summary (SPEC §4c)`,
        );
        await this.rebuildUnbounded();
      }
    }
  }

  /** SPEC §4c: the unbounded-history table rebuilt from summary alone (`rebuild-unbounded`); returns its rows. */
  async rebuildUnbounded(): Promise<number> {
    const unbounded = this.config.unboundedHistory;
    if (!unbounded)
      throw new ConfigError(
        this.config.summaryTable.plain,
        [{ key: 'unbounded_history', expected: '{"table": <name>} (SPEC §4c) to rebuild it', received: 'absent' }],
        'Nothing to rebuild:',
      );
    await this.mustCommit(compileUnboundedRebuild(this.config));
    const [row] = await this.runner.query(`SELECT count(*) AS n FROM ${unbounded.table.sql}`, 1);
    return Number(row.n);
  }

  /**
   * SPEC §4b on a pipeline of an earlier release: summary and batches get the internal columns they lack
   * (ALTER TABLE … ADD COLUMNS, no rebuild; docs/report-dates.md). Nothing when they have them.
   */
  private async addReportColumns(): Promise<void> {
    const model = columnModel(this.config);
    const summary = (await this.describe(this.config.summaryTable)) ?? [];
    const batches = (await this.describe(this.config.tables.batches)) ?? [];
    const lacks = (have: ColumnType[], wanted: string[]) =>
      wanted.filter((c) => !have.some((h) => h.name.toLowerCase() === c.toLowerCase()));
    const typeOf = (column: string) =>
      summary.find((c) => c.name.toLowerCase() === column.toLowerCase())?.type ?? 'STRING';
    const job = compileReportUpgrade(
      this.config,
      { summary: lacks(summary, model.internal), batches: lacks(batches, [...model.internal, RERESOLVE]) },
      typeOf,
    );
    if (!job) return;
    this.progress(`init: ${job.steps.map((s) => s.name).join('; ')} (SPEC §4b turned on)`);
    await this.mustCommit(job);
  }

  /** The source table's columns as the catalog has them (or as the config declares, before init). */
  async sourceSchema(): Promise<ColumnType[]> {
    return (await this.describe(this.config.sourceTable)) ?? this.config.sourceSchema;
  }

  /**
   * The report-date table's columns as the catalog has them, each of hist_rpt_dt_cols among them (else a
   * ConfigError on hist_rpt_dt_cols[i]); as the config declares before init, like sourceSchema.
   */
  async reportSchema(): Promise<ColumnType[]> {
    const report = this.reportDates('reportSchema');
    const described = await this.describe(report.table);
    if (!described) return report.schema;
    const issues = checkReportTable(
      report,
      described.map((c) => c.name),
    );
    if (issues.length)
      throw new ConfigError(
        report.table.plain,
        issues,
        'The report-date table does not have the columns the config names:',
      );
    return described;
  }

  /** A table's columns (DESCRIBE), or null when it cannot be described (it does not exist yet). */
  private async describe(table: TableName): Promise<ColumnType[] | null> {
    try {
      const rows = await this.runner.query(`DESCRIBE TABLE ${table.sql}`);
      const cols: ColumnType[] = [];
      for (const r of rows) {
        const name = String(r.col_name ?? '');
        if (name === '' || name.startsWith('#')) break;
        cols.push({ name, type: String(r.data_type) });
      }
      return cols;
    } catch {
      return null;
    }
  }

  private reportDates(what: string): ReportDates {
    if (this.config.reportDates) return this.config.reportDates;
    throw new ConfigError(
      '(config)',
      [
        {
          key: 'hist_rpt_dt_table',
          expected: `the report-date table (SPEC §4b) with hist_rpt_dt_cols, which ${what} needs`,
        },
      ],
      'The config has no report-date table:',
    );
  }

  /**
   * Appends a JSON-lines file to the source as one commit: checked and normalised by the ingest's one
   * reader (ingest.ts), then Spark appends exactly the rows checked (runner append.py).
   */
  async ingest(
    file: string,
    options: IngestOptions = {},
    into: IngestTarget = 'source',
  ): Promise<{ rows: number; snapshotId: string | null }> {
    if (into === 'report-dates') return this.ingestReportDates(file, options);
    const schema = await this.sourceSchema();
    const tsSource = this.config.columns.find((c) => c.dest === this.config.tsColumn)?.source ?? this.config.tsColumn;
    const allowMissing = [...this.config.ingestOptionalColumns, ...(options.allowMissing ?? [])];
    return withStagedJsonl(file, schema, { ...options, allowMissing }, (staged) => {
      this.progress(`ingest: ${staged.rows} row(s) from ${file} valid; appending to ${this.config.sourceTable.plain}`);
      return this.runner.appendJsonl(
        this.config.sourceTable.plain,
        staged.path,
        schema,
        staged.rows,
        {},
        { watermark: { column: tsSource, property: WATERMARK_PROPERTY } },
      );
    });
  }

  /**
   * Appends a JSON-lines file to the report-date table (SPEC §4b) as one commit, by the main ingest's checks:
   * the table's columns exactly (the catalog's, or hist_rpt_dt_schema's before init), each of its type,
   * nothing silently lost; only `allowMissing` may be left out (ingest_optional_columns name source columns).
   */
  private async ingestReportDates(
    file: string,
    options: IngestOptions,
  ): Promise<{ rows: number; snapshotId: string | null }> {
    const report = this.reportDates('ingest --into report-dates');
    const schema = await this.reportSchema();
    return withStagedJsonl(file, schema, options, (staged) => {
      this.progress(`ingest: ${staged.rows} report row(s) from ${file} valid; appending to ${report.table.plain}`);
      return this.runner.appendJsonl(
        report.table.plain,
        staged.path,
        schema,
        staged.rows,
        {},
        { watermark: { column: report.tsColumn, property: WATERMARK_PROPERTY } },
      );
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
    // The batch state machine the dispatcher drives too (lifecycle): one per run, each batch fed from its first case.
    const machine = batchMachineFor(this.config);
    for (;;) {
      const batches = batchesFromLedger(await this.ledger());
      const last = batches[batches.length - 1];
      if (last && last.classify.status === 'committed' && !this.finished(last)) {
        const plan = last.classify.result!.collected![PLAN][0];
        this.progress(`batch ${last.batchId}: resuming unfinished cases`);
        const reportId = (v: unknown) => (v === undefined || v === null ? null : String(v));
        const report = {
          reportStart: reportId(plan.report_start_snapshot_id),
          reportEnd: reportId(plan.report_end_snapshot_id),
        };
        outcomes.push(
          await this.runCases(
            machine,
            last.batchId,
            plan.source_start_snapshot_id as string | null,
            String(plan.source_end_snapshot_id),
            parseCounts(last.classify.result!.collected![COUNTS]),
            report,
          ),
        );
        continue;
      }
      // An unfinished classify (crashed or failed) has no position: its batch is handed out again.
      // SPEC §4b: the report table's new snapshots make a batch too.
      const report = this.config.reportDates;
      const next = report
        ? nextBatch(
            ledgerPosition(batches),
            await this.currentSnapshot(this.config.sourceTable),
            await this.currentSnapshot(report.table),
          )
        : nextBatch(ledgerPosition(batches), await this.currentSnapshot(this.config.sourceTable));
      if (!next) {
        this.progress('nothing pending: every source snapshot is processed');
        return outcomes;
      }
      outcomes.push(
        await this.runBatch(
          machine,
          next.batchId,
          next.sourceStartSnapshotId,
          next.sourceEndSnapshotId,
          next.reportStartSnapshotId,
          next.reportEndSnapshotId,
        ),
      );
    }
  }

  private finished(batch: BatchState): boolean {
    return batchFinished(batch);
  }

  async classify(
    id: string,
    start: string | null,
    end: string,
    reportStart?: string | null,
    reportEnd?: string | null,
  ): Promise<BatchCounts> {
    const report =
      reportEnd === undefined ? {} : { reportStartSnapshotId: reportStart ?? null, reportEndSnapshotId: reportEnd };
    const job = compileClassify(this.config, {
      batchId: id,
      sourceStartSnapshotId: start,
      sourceEndSnapshotId: end,
      ...report,
    });
    this.progress(
      `batch ${id}: classifying source snapshots ` +
        `(${start ?? 'beginning'}, ${end}]${reportEnd === undefined ? '' : `, report snapshots (${reportStart ?? 'beginning'}, ${reportEnd ?? 'none'}]`}`,
    );
    const result = await this.mustCommit(job);
    const counts = parseCounts(result.collected[COUNTS] ?? []);
    const rejected = Object.values(counts.rejects).reduce((a, b) => a + b, 0);
    const deletes = CASE_ORDER.reduce((n, c) => n + counts.deletes[c], 0);
    this.progress(
      `batch ${id}: ${counts.inputRows} input row(s), ${rejected} rejected${
        rejected
          ? ` (${Object.entries(counts.rejects)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ')})`
          : ''
      }; ` +
        CASE_ORDER.map((c) => `${c} ${counts.cases[c].rows}`).join(', ') +
        (deletes ? `; ${deletes} delete(s)` : '') +
        (counts.report
          ? `; report rows: ${counts.report.read} read, ${counts.report.rejected} ` +
            `rejected, ${counts.report.unmatched} unmatched, ${counts.report.vetoes} ` +
            `veto(es), ${counts.report.reresolved} re-resolved`
          : '') +
        `; watermark ${counts.watermark ?? '-'}`,
    );
    return counts;
  }

  private async runBatch(
    machine: BatchMachine,
    id: string,
    start: string | null,
    end: string,
    reportStart?: string | null,
    reportEnd?: string | null,
  ): Promise<BatchOutcome> {
    const counts = await this.classify(id, start, end, reportStart, reportEnd);
    return this.runCases(machine, id, start, end, counts, { reportStart, reportEnd });
  }

  compileCase(id: string, c: CaseName, counts: BatchCounts): CompiledJob {
    return compileCaseJob(this.config, id, c, counts.cases[c]);
  }

  /**
   * The batch's cases through the batch state machine (`machine`, lifecycle): it decides each case, decodes each
   * job's result and adds up the batch; this states the events and runs the jobs. `report`: the batch's
   * report-date range (SPEC §4b), stated in its watermark fact as the watcher states it.
   */
  private async runCases(
    machine: BatchMachine,
    id: string,
    start: string | null,
    end: string,
    counts: BatchCounts,
    report: { reportStart?: string | null; reportEnd?: string | null } = {},
  ): Promise<BatchOutcome> {
    const began = Date.now();
    // The batch's facts as the services state them (lifecycle), audited through the same auditRow.
    const source = this.config.sourceTable.plain;
    const facts: Array<Pick<DecodedEvent, 'event' | 'value'>> = [
      {
        event: 'watermark-advanced',
        value: watermarkEvent(source, id, { start, end, watermark: counts.watermark, ...report }),
      },
    ];
    const plans = planEvents(source, id, counts);
    facts.push(...plans.map((value) => ({ event: 'case-batch-planned' as const, value })));
    const stated = (value: JobStateChanged) => facts.push({ event: 'job-state-changed', value });
    const completed = ({ status, durationMs, totals }: BatchEnd) =>
      facts.push({ event: 'batch-completed', value: completedEvent(source, id, status, durationMs, totals) });
    let ended: BatchEnd | null = null;
    let failure: unknown = null;
    try {
      for (const plan of plans) {
        const c = plan.case;
        const decision = machine.decide(plan);
        if (decision.action !== 'run' && decision.action !== 'skip')
          throw new Error(`batch ${id}: the batch state machine says ${decision.action} to ${c}: ${decision.reason}`);
        machine.started(plan, Date.now());
        if (decision.action === 'skip') {
          this.progress(`batch ${id}: ${c} skipped (no rows)`);
          machine.skipped(plan);
          stated(jobStateEvent(source, plan, 'SKIPPED', 1, ENGINE));
          ended = machine.done(plan, Date.now());
          continue;
        }
        const rows = counts.cases[c].rows;
        const job = this.compileCase(id, c, counts);
        this.progress(
          rows
            ? `batch ${id}: ${c} running (${rows} row(s), months ${counts.cases[c].minMonth}..${counts.cases[c].maxMonth})`
            : `batch ${id}: ${c} running (no rows of its own: the batch's unbounded history, SPEC §4c)`,
        );
        let result: JobResult;
        try {
          result = await this.mustCommit(job);
        } catch (err) {
          if (err instanceof JobFailedError) {
            stated(
              jobStateEvent(source, plan, 'FAILED', err.result.attempt ?? 1, ENGINE, {
                durationMs: err.result.durationMs,
                error: jobErrorText(err.result.error),
              }),
            );
            completed(machine.failed(plan, Date.now()));
          }
          throw err;
        }
        const outcome = machine.succeeded(plan, result);
        stated(
          jobStateEvent(source, plan, 'SUCCEEDED', result.attempt ?? 1, ENGINE, {
            durationMs: result.durationMs,
            rowsWritten: outcome.written,
          }),
        );
        this.progress(
          `batch ${id}: ${c} ${outcome.status} in ${(result.durationMs / 1000).toFixed(1)} ` +
            `s: ${outcome.applied} applied, ${outcome.stale} stale, ${outcome.written} row(s) written` +
            (outcome.deleted || outcome.restored ? `, ${outcome.deleted} deleted, ${outcome.restored} restored` : ''),
        );
        ended = machine.done(plan, Date.now());
      }
      if (!ended) throw new Error(`batch ${id}: its last case ran and the batch did not end`);
      completed(ended);
    } catch (err) {
      failure = err;
      throw err;
    } finally {
      const rows = facts.map(auditRow);
      // The job's failure is the error to report: an audit append that fails after it (a full disk fails both) must
      // not replace it. The attempt's audit rows are then lost; the batch's retry audits its own.
      await this.audit(rows).catch((auditError: unknown) => {
        if (failure === null) throw auditError;
        this.progress(
          `batch ${id}: the audit rows of the failed attempt were not written either: ${auditError instanceof Error ? auditError.message : String(auditError)}`,
        );
      });
    }
    const durationMs = Date.now() - began;
    const cases = ended.cases;
    const wrote = cases.some((c) => c.status === 'committed');
    return {
      batchId: id,
      sourceStartSnapshotId: start,
      sourceEndSnapshotId: end,
      counts,
      cases,
      durationMs,
      maintenance: wrote ? await this.maintain() : null,
    };
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
