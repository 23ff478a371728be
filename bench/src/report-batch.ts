import { sourceName } from '@app/compiler';
import { TableName, parseConfig, quoteIdent as q } from '@app/config';
import { ResultCheck } from './document';
import { benchJob, dropJob } from './bench-jobs';
import { ReportComposition, batchSql, reportRowsSql } from './generator';
import { RunSample } from './measure';
import { BenchContext, RepeatResult, repeatBatch, softDeleteRaw } from './phases';
import { SavedState, TableSet, inputTables, stateTables, variantConfig } from './table-set';

type Json = Record<string, unknown>;

/**
 * Issue 23's config: the delete batch's (softDeleteRaw) with SPEC §4b's report table — unless the config
 * has one — of the key, primary date, base_ts and §4a's delete column, typed as the source types them
 * (`hist_rpt_dt_schema`, so init creates it), named `<summary>_report_dates` beside summary; and §4c's
 * unbounded history, unless configured, in `<summary>_unbounded`.
 * Example (seed 000): hist_rpt_dt_cols [cons_acct_key, acct_dt, base_ts, account_status],
 * unbounded_history {table: 'local.demo.summary_unbounded'}.
 */
export function reportRaw(raw: Json): Json {
  const sd = softDeleteRaw(raw);
  const probe = parseConfig(sd, 'benchmark config (report batch)');
  const t = probe.summaryTable;
  const beside = (suffix: string) => `${t.catalog}.${t.namespace}.${t.table}${suffix}`;
  const out: Json = { ...sd };
  if (sd.hist_rpt_dt_table === undefined) {
    const cols = [probe.keyColumn, probe.dateColumn, probe.tsColumn, probe.softDelete!.column];
    const typeOf = (dest: string) =>
      probe.sourceSchema.find((c) => c.name.toLowerCase() === sourceName(probe, dest).toLowerCase())?.type;
    const missing = cols.filter((c) => !typeOf(c));
    if (missing.length)
      throw new Error(
        `the report batch types its report table from source_schema; it has no type for ${missing.join(', ')}`,
      );
    out.hist_rpt_dt_table = beside('_report_dates');
    out.hist_rpt_dt_cols = cols;
    out.hist_rpt_dt_schema = Object.fromEntries(cols.map((c) => [c, typeOf(c)]));
  }
  if (sd.unbounded_history === undefined) out.unbounded_history = { table: beside('_unbounded') };
  return out;
}

/** What the report batch's runs must show; each a check in latest.json. */
export interface ReportExpectations {
  composition: ReportComposition;
  deletes: number;
}

/** What a run of the report batch saw beside the sample: the unbounded table's and latest's row counts after it. */
export interface ReportRunCounts {
  unboundedRows: number;
  latestRows: number;
}

/**
 * The report batch's checks on one run: classify read every generated report row, rejected none, left none
 * unmatched and counted the generated vetoes; the batch deleted its deletes less the vetoed ones; the
 * unbounded table has a row per latest row.
 */
export function reportChecks(sample: RunSample, counts: ReportRunCounts, want: ReportExpectations): ResultCheck[] {
  const c = want.composition;
  const r = sample.report;
  const deleted = sample.cases.reduce((n, x) => n + (x.deleted ?? 0), 0);
  const countsOk = !!r && r.read === c.rows && r.vetoes === c.vetoes && r.rejected === 0 && r.unmatched === 0;
  return [
    {
      name: 'report batch: report counts as generated',
      ok: countsOk,
      detail: r
        ? `read ${r.read} (generated ${c.rows}), vetoes ${r.vetoes} (generated ${c.vetoes}), ` +
          `rejected ${r.rejected}, unmatched ${r.unmatched}, re-resolved ${r.reresolved}`
        : 'classify reported no report counts',
    },
    {
      name: 'report batch: deletes less vetoes',
      ok: deleted === want.deletes - c.vetoes,
      detail: `${deleted} month(s) deleted; ${want.deletes} deletes, ${c.vetoes} of them vetoed`,
    },
    {
      name: 'report batch: unbounded rows = latest rows',
      ok: counts.unboundedRows === counts.latestRows,
      detail: `unbounded history ${counts.unboundedRows} rows, latest ${counts.latestRows}`,
    },
  ];
}

/** Every check of every run, one per name: failed if any run failed it (the first failing run's detail). */
export function mergeChecks(runs: ResultCheck[][]): ResultCheck[] {
  const byName = new Map<string, ResultCheck>();
  for (const checks of runs) {
    for (const c of checks) {
      const seen = byName.get(c.name);
      if (!seen || (seen.ok && !c.ok)) byName.set(c.name, c);
    }
  }
  return [...byName.values()];
}

export interface ReportBatchResult extends RepeatResult {
  composition: ReportComposition;
  deletes: number;
  deleted: number;
  /** Of the first run (the same in every repeat). */
  report: NonNullable<RunSample['report']>;
  unboundedRows: number;
  latestRows: number;
  /** Data files of the base set's summary (before any batch) and of its copy the report batch runs on: the layout compared. */
  summaryDataFiles: { base: number | null; copy: number | null };
  checks: ResultCheck[];
}

/** total-data-files of a table's snapshot (Iceberg's snapshot summary); null when unknown. */
async function dataFiles(set: TableSet, table: TableName, snapshotId: string | null): Promise<number | null> {
  if (snapshotId === null) return null;
  const rows = await set.runner.query(
    `SELECT summary['total-data-files'] AS n FROM ${table.sql}.${q('snapshots')} WHERE snapshot_id = ${BigInt(snapshotId)}`,
    1,
  );
  const n = Number(rows[0]?.n);
  return Number.isFinite(n) ? n : null;
}

/**
 * Issue 23's row: the delete batch (the same records and deletes as measureDeleteBatch) with report rows
 * beside it and unbounded history on, in a namespace of its own so no other set's schema changes (init with
 * the report table ALTERs summary). Its summary and latest are copies of the base set's at `empty`
 * (inserted into tables an init without the report table made, so they have the base set's layout); init
 * with reportRaw then adds the internal columns, the report and report winners tables and the unbounded
 * table, rebuilt from summary. The batch and the report rows are appended as one snapshot each, then run
 * `repeat` times from the same snapshots (the report winners and unbounded tables restored with the rest).
 * The namespace's tables are dropped at the end.
 */
export async function measureReportBatch(
  ctx: BenchContext,
  base: TableSet,
  namespace: string,
  main: { empty: SavedState; rows: number; deletes: number; composition: ReportComposition },
): Promise<ReportBatchResult> {
  const plain = new TableSet(namespace, variantConfig(softDeleteRaw(ctx.raw), namespace), ctx.runner, ctx.pipelineLog);
  const set = new TableSet(namespace, variantConfig(reportRaw(ctx.raw), namespace), ctx.runner, ctx.pipelineLog);
  const c = main.composition;
  try {
    await plain.pipeline.init(true);
    const copies = [base.config.summaryTable, base.config.latestTable].map((t, i) => {
      const id = main.empty.get(t.plain)?.id;
      if (!id) throw new Error(`the report batch copies ${t.plain} at its empty state; it has no saved snapshot`);
      const into = [plain.config.summaryTable, plain.config.latestTable][i];
      return {
        name: `copy ${t.plain}`,
        kind: 'sql' as const,
        sql: `INSERT INTO ${into.sql}\nSELECT * FROM ${t.sql} VERSION AS OF ${BigInt(id)}`,
      };
    });
    await set.run(
      benchJob('bench-copy', `copy summary and latest into ${namespace}`, copies, [
        plain.config.summaryTable,
        plain.config.latestTable,
      ]),
    );
    await set.pipeline.init(true);
    const initial = {
      unbounded: await set.count(set.config.unboundedHistory!.table),
      latest: await set.count(set.config.latestTable),
    };
    ctx.log(
      `report batch: ${namespace} ready: ${initial.latest.toLocaleString('en-US')} latest ` +
        `rows, ${initial.unbounded.toLocaleString('en-US')} unbounded-history rows rebuilt from summary`,
    );
    if (initial.unbounded !== initial.latest)
      throw new Error(`init rebuilt ${initial.unbounded} unbounded-history rows beside ${initial.latest} latest rows`);
    const summaryDataFiles = {
      base: await dataFiles(set, base.config.summaryTable, main.empty.get(base.config.summaryTable.plain)?.id ?? null),
      copy: await dataFiles(
        set,
        set.config.summaryTable,
        (await set.save([set.config.summaryTable])).get(set.config.summaryTable.plain)!.id,
      ),
    };
    ctx.log(
      `report batch: summary data files: ${summaryDataFiles.base ?? '?'} in the base set before any batch, ${summaryDataFiles.copy ?? '?'} in its copy`,
    );

    const batch = await set.append(
      batchSql(set.config, ctx.shape, main.rows, ctx.sizes.accounts, main.deletes),
      `generate a batch of ${main.rows} records with ${main.deletes} deletes`,
    );
    if (batch.rows !== main.rows)
      throw new Error(`the batch generator appended ${batch.rows} rows; expected ${main.rows}`);
    const report = set.config.reportDates!.table;
    const rows = await set.append(
      reportRowsSql(set.config, ctx.shape, c),
      `generate ${c.rows} report rows (${c.vetoes} vetoes)`,
      report,
    );
    if (rows.rows !== c.rows)
      throw new Error(`the report generator appended ${rows.rows} rows; expected ${c.rows} (${JSON.stringify(c)})`);

    const runChecks: ResultCheck[][] = [];
    const what = `batch with ${main.deletes} deletes and ${c.rows} report rows`;
    const result = await repeatBatch(ctx, set, await set.save(), what, {
      rows: main.rows,
      afterRun: async (sample) => {
        const counts = {
          unboundedRows: await set.count(set.config.unboundedHistory!.table),
          latestRows: await set.count(set.config.latestTable),
        };
        const checks = reportChecks(sample, counts, { composition: c, deletes: main.deletes });
        runChecks.push(checks);
        const r = sample.report;
        ctx.log(
          `${what}: report rows ${r?.read ?? '?'} read, ${r?.vetoes ?? '?'} veto(es), ${r?.reresolved ?? '?'} ` +
            `re-resolved; unbounded ${counts.unboundedRows} rows, latest ${counts.latestRows}`,
        );
        return counts;
      },
    });
    const first = result.samples[0];
    const [counts] = result.afterRuns as ReportRunCounts[];
    return {
      ...result,
      composition: c,
      deletes: main.deletes,
      deleted: first.cases.reduce((n, x) => n + (x.deleted ?? 0), 0),
      report: first.report ?? { read: 0, rejected: 0, unmatched: 0, vetoes: 0, reresolved: 0 },
      unboundedRows: counts.unboundedRows,
      latestRows: counts.latestRows,
      summaryDataFiles,
      checks: mergeChecks(runChecks),
    };
  } finally {
    await set.run(dropJob([...inputTables(set.config), ...stateTables(set.config)]));
  }
}
