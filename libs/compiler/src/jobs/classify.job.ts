import { PipelineConfig, TableName, columnModel } from '@app/config';
import { BatchPlan, CompiledJob, JOB_SCHEMA_VERSION, JobStep } from '../job.types';
import { MONTH_INT, RAW_ROW, REJECT_REASON, preparedQuery, winnerOrder } from '../prepare';
import { lit, list, monthIntSql, q } from '../sql';
import { isDeleted } from '../soft-delete';
import { cacheTable } from './case-common';
import {
  effectiveColumns,
  mergeReportWinners,
  reportCountsQuery,
  reportJoin,
  reportRejectRows,
  reportViews,
  reportWinnersTable,
  reresolveRows,
} from '../report-dates';

export const CLASSIFY_STEP = 'classify';
export const COUNTS = 'counts';
export const PLAN = 'plan';

/**
 * Classify one batch (SPEC §3, §5): the source rows appended in the plan's snapshot range are prepared,
 * invalid ones go to rejects with their reason, the rest are deduplicated per (key, month) — greatest
 * base_ts, ties by the other prepared columns descending (README "Ties") — and staged in the batches
 * table with their case against the latest table:
 *   key not in latest → CASE_I; month > latest month → CASE_II; otherwise → CASE_III.
 * Collects counts per case and month, rejects per reason, input rows and the base_ts watermark.
 */
/** The deduplicated valid rows of a prepared view with their case, in the batches table's column order. */
export function classifiedRows(config: PipelineConfig, batchId: string, preparedView: string): string {
  const model = columnModel(config);
  const key = q(config.keyColumn);
  const month = q(config.monthColumn);
  const tombstones = tombstoneMonths(config, preparedView);
  // SPEC §4a: a key whose months are all deleted has no latest row, and a deleted latest month leaves
  // latest at an earlier one; the key's tombstones still exist, so it is new only without either, and a
  // month is forward only beyond both (CASE_I/CASE_II never write over a stored row).
  const latestMonth = monthIntSql(`l.${month}`);
  const caseExpr = [
    'CASE',
    tombstones
      ? `    WHEN l.${key} IS NULL AND d.${key} IS NULL THEN 'CASE_I'`
      : `    WHEN l.${key} IS NULL THEN 'CASE_I'`,
    tombstones
      ? `    WHEN w.${q(MONTH_INT)} > greatest(${latestMonth}, d.\`__deleted_hi\`) THEN 'CASE_II'`
      : `    WHEN w.${q(MONTH_INT)} > ${latestMonth} THEN 'CASE_II'`,
    "    ELSE 'CASE_III'",
    '  END AS `case`',
  ].join('\n');
  const joinLatest = [
    `LEFT JOIN ${config.latestTable.sql} l ON l.${key} = w.${key}`,
    ...(tombstones ? ['LEFT JOIN (', tombstones, `) d ON d.${key} = w.${key}`] : []),
  ].join('\n');
  if (config.reportDates) {
    // SPEC §4b: the candidates are deduplicated on W's own values (`__main_w`), then staged as E.
    const columns = [`${lit(batchId)} AS batch_id`, caseExpr, `w.${q(MONTH_INT)}`, ...effectiveColumns(config, 'w')];
    return ['SELECT', list(columns), 'FROM `__main_w` w', reportJoin(config, 'w'), joinLatest].join('\n');
  }
  return [
    'SELECT',
    list([`${lit(batchId)} AS batch_id`, caseExpr, `w.${q(MONTH_INT)}`, ...model.prepared.map((c) => `w.${q(c)}`)]),
    'FROM (',
    `  SELECT *, row_number() OVER (PARTITION BY ${key}, ${month} ORDER BY ${winnerOrder(config)}) AS __rank`,
    `  FROM ${q(preparedView)}`,
    `  WHERE ${q(REJECT_REASON)} IS NULL`,
    ') w',
    joinLatest,
    'WHERE w.__rank = 1',
  ].join('\n');
}

/**
 * Per key of the batch, its greatest deleted month in summary (`__deleted_hi`, SPEC §4a), or null when
 * soft delete is off. Reads the summary's tombstones only: for a STRING delete column the code filter
 * prunes by Iceberg file statistics.
 */
function tombstoneMonths(config: PipelineConfig, preparedView: string): string | null {
  const deleted = isDeleted(config, 's');
  if (deleted === null) return null;
  const key = q(config.keyColumn);
  return `  SELECT /*+ BROADCAST(k) */ s.${key}, max(${monthIntSql(`s.${q(config.monthColumn)}`)}) AS \`__deleted_hi\`
  FROM ${config.summaryTable.sql} s
  LEFT SEMI JOIN (SELECT DISTINCT ${key} FROM ${q(preparedView)} WHERE ${q(REJECT_REASON)} IS NULL) k ON k.${key} = s.${key}
  WHERE ${deleted}
  GROUP BY s.${key}`;
}

/** The counts query of a batch: rows per case and month, deletes per case and month (SPEC §4a), rejects per reason, input rows, watermark. */
export function countsQuery(config: PipelineConfig, classified: string, preparedView: string): string {
  const month = q(config.monthColumn);
  const watermark = `CAST(max(${q(config.tsColumn)}) AS STRING) AS watermark`;
  const reason = q(REJECT_REASON);
  return [
    `SELECT 'case' AS kind, \`case\` AS name, ${month} AS month, count(*) AS n, ${watermark}`,
    `FROM ${classified} GROUP BY \`case\`, ${month}`,
    'UNION ALL',
    `SELECT 'reject' AS kind, ${reason} AS name, NULL AS month, count(*) AS n, NULL AS watermark`,
    `FROM ${q(preparedView)} WHERE ${reason} IS NOT NULL GROUP BY ${reason}`,
    'UNION ALL',
    ...(config.softDelete
      ? [
          `SELECT 'delete' AS kind, \`case\` AS name, ${month} AS month, count(*) AS n, NULL AS watermark`,
          `FROM ${classified} WHERE ${isDeleted(config, '')} GROUP BY \`case\`, ${month}`,
          'UNION ALL',
        ]
      : []),
    `SELECT 'input' AS kind, 'rows' AS name, NULL AS month, count(*) AS n, ${watermark}`,
    `FROM ${q(preparedView)}`,
  ].join('\n');
}

/** Read-only twin of the classify job for `plan --dry-run`: same counts, nothing written. */
export function compileClassifyDryRun(config: PipelineConfig, plan: BatchPlan): CompiledJob {
  return {
    schemaVersion: JOB_SCHEMA_VERSION,
    jobId: `${plan.batchId}-classify-dry-run`,
    kind: 'classify',
    description: `dry run: classify source snapshots (${plan.sourceStartSnapshotId ?? 'start'}, ${plan.sourceEndSnapshotId}]`,
    tags: { batchId: plan.batchId, step: 'classify-dry-run' },
    params: { ...plan },
    ledger: null,
    targets: [],
    steps: [
      config.reportDates
        ? rangeView('__batch_src', config.sourceTable, plan.sourceStartSnapshotId, plan.sourceEndSnapshotId)
        : {
            name: 'source rows',
            kind: 'incremental_view',
            view: '__batch_src',
            table: config.sourceTable.plain,
            startSnapshotId: plan.sourceStartSnapshotId,
            endSnapshotId: plan.sourceEndSnapshotId,
          },
      {
        name: 'prepare',
        kind: 'sql',
        sql: `CREATE OR REPLACE TEMPORARY VIEW \`__prepared\` AS\n${preparedQuery(config, '__batch_src')}`,
      },
      // SPEC §4b: the report views the staged rows are computed from (temporary views here: nothing is written).
      ...(config.reportDates
        ? [
            rangeView(
              '__batch_rpt',
              config.reportDates.table,
              plan.reportStartSnapshotId ?? null,
              plan.reportEndSnapshotId ?? null,
            ),
            ...reportViews(config, (name, sql) => `CREATE OR REPLACE TEMPORARY VIEW ${q(name)} AS\n${sql}`).map(
              (v): JobStep => ({ name: v.name, kind: 'sql', sql: v.sql }),
            ),
          ]
        : []),
      {
        name: COUNTS,
        kind: 'collect',
        maxRows: 100000,
        sql: countsQuery(config, `(\n${classifiedRows(config, plan.batchId, '__prepared')}\n) c`, '__prepared'),
      },
    ],
  };
}

/**
 * A table's rows appended in (start, end] as a view; an empty view when the range is empty (start = end, or
 * no snapshot yet: a batch of the other table's rows alone, SPEC §4b).
 */
function rangeView(view: string, table: TableName, start: string | null, end: string | null): JobStep {
  if (end === null || end === start)
    return {
      name: `${view} (empty range)`,
      kind: 'sql',
      sql: `CREATE OR REPLACE TEMPORARY VIEW ${q(view)} AS SELECT * FROM ${table.sql} WHERE false`,
    };
  return {
    name: view === '__batch_src' ? 'source rows' : 'report rows',
    kind: 'incremental_view',
    view,
    table: table.plain,
    startSnapshotId: start,
    endSnapshotId: end,
  };
}

/**
 * The classify job of one batch. With the report table (SPEC §4b, docs/report-dates.md) it also reads the
 * batch's report rows (their own snapshot range), stages E in place of W and re-resolve rows, counts the
 * report rows, and merges the batch's new report winners last.
 */
export function compileClassify(config: PipelineConfig, plan: BatchPlan): CompiledJob {
  const key = q(config.keyColumn);
  const month = q(config.monthColumn);
  const batch = lit(plan.batchId);
  const report = config.reportDates;
  const reportStart = plan.reportStartSnapshotId ?? null;
  const reportEnd = plan.reportEndSnapshotId ?? null;
  const steps: JobStep[] = [
    report
      ? rangeView('__batch_src', config.sourceTable, plan.sourceStartSnapshotId, plan.sourceEndSnapshotId)
      : {
          name: 'source rows',
          kind: 'incremental_view',
          view: '__batch_src',
          table: config.sourceTable.plain,
          startSnapshotId: plan.sourceStartSnapshotId,
          endSnapshotId: plan.sourceEndSnapshotId,
        },
    ...(report ? [rangeView('__batch_rpt', report.table, reportStart, reportEnd)] : []),
    // Materialised once: rejects, dedupe and counts all read it; the source is read a single time.
    { name: 'prepare', kind: 'sql', sql: cacheTable('__prepared', preparedQuery(config, '__batch_src')) },
    ...(report ? reportViews(config, cacheTable).map((v): JobStep => ({ name: v.name, kind: 'sql', sql: v.sql })) : []),
    // Idempotent by batch id (issue 10): rows of this batch that a second writer of an older version
    // left (two runs classifying one batch at once) are replaced, never doubled.
    { name: 'clear rejects', kind: 'sql', sql: `DELETE FROM ${config.tables.rejects.sql} WHERE batch_id = ${batch}` },
    {
      name: 'write rejects',
      kind: 'sql',
      sql:
        `INSERT INTO ${config.tables.rejects.sql}\nSELECT\n${list([
          `${batch} AS batch_id`,
          `${q(REJECT_REASON)} AS reason`,
          `CAST(${key} AS STRING) AS key`,
          `CAST(${month} AS STRING) AS month`,
          `${q(RAW_ROW)} AS source_row`,
          'current_timestamp() AS rejected_at',
        ])}\nFROM \`__prepared\`\nWHERE ${q(REJECT_REASON)} IS NOT NULL` +
        // SPEC §4b: the report rows' rejects in the same commit.
        (report ? `\nUNION ALL\n${reportRejectRows(config, plan.batchId)}` : ''),
    },
    {
      name: 'clear staged batch',
      kind: 'sql',
      sql: `DELETE FROM ${config.tables.batches.sql} WHERE batch_id = ${batch}`,
    },
    {
      name: 'stage batch',
      kind: 'sql',
      // SPEC §4b: with the cells whose E a report row changed while their W stays, in the same commit.
      sql:
        `INSERT INTO ${config.tables.batches.sql}\n${classifiedRows(config, plan.batchId, '__prepared')}` +
        (report ? `\nUNION ALL\n${reresolveRows(config, plan.batchId)}` : ''),
    },
    {
      name: COUNTS,
      kind: 'collect',
      maxRows: 100000,
      sql:
        countsQuery(config, `(SELECT * FROM ${config.tables.batches.sql} WHERE batch_id = ${batch}) c`, '__prepared') +
        (report ? `\nUNION ALL\n${reportCountsQuery(config, plan.batchId)}` : ''),
    },
    // Recorded in the ledger with the result, so a restart knows where the next batch starts.
    {
      name: PLAN,
      kind: 'collect',
      maxRows: 1,
      sql: `SELECT ${[
        `${batch} AS batch_id`,
        `${nullableLit(plan.sourceStartSnapshotId)} AS source_start_snapshot_id`,
        `${lit(plan.sourceEndSnapshotId)} AS source_end_snapshot_id`,
        ...(report
          ? [
              `${nullableLit(reportStart)} AS report_start_snapshot_id`,
              `${nullableLit(reportEnd)} AS report_end_snapshot_id`,
            ]
          : []),
      ].join(', ')}`,
    },
    // Last: the cached views above read the winners table, and Spark re-evaluates them once it is written.
    ...(report ? [{ name: 'merge report winners', kind: 'sql' as const, sql: mergeReportWinners(config) }] : []),
    { name: 'release cache', kind: 'sql', sql: report ? 'CLEAR CACHE' : 'UNCACHE TABLE IF EXISTS `__prepared`' },
  ];
  return {
    schemaVersion: JOB_SCHEMA_VERSION,
    jobId: `${plan.batchId}-${CLASSIFY_STEP}`,
    kind: 'classify',
    description:
      `classify batch ${plan.batchId}: source snapshots (${plan.sourceStartSnapshotId ?? 'start'}, ${plan.sourceEndSnapshotId}]` +
      (report ? `, report snapshots (${reportStart ?? 'start'}, ${reportEnd ?? 'none'}]` : ''),
    tags: { batchId: plan.batchId, step: CLASSIFY_STEP },
    params: { ...plan },
    ledger: { table: config.tables.ledger.plain, batchId: plan.batchId, step: CLASSIFY_STEP },
    targets: [
      config.tables.rejects.plain,
      config.tables.batches.plain,
      ...(report ? [reportWinnersTable(config).plain] : []),
    ],
    steps,
  };
}

function nullableLit(value: string | null): string {
  return value === null ? 'CAST(NULL AS STRING)' : lit(value);
}
