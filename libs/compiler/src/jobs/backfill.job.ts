import { PipelineConfig, columnModel } from '@app/config';
import { CaseRange, CompiledJob } from '../job.types';
import { historyFromValues, maxLength, valueStruct } from '../history';
import { MONTH_INT } from '../prepare';
import { addMonths, list, lit, monthIntSql, q } from '../sql';
import { APPLIED, cacheTable, caseJob, keyEq, stagedRows } from './case-common';
import { latestColumns, summaryRows } from './rows';
import { DELETED, isDeleted } from '../soft-delete';
import { moveLatest } from './backfill-latest';
import { RERESOLVE } from '../report-dates';

/**
 * CASE_III (backfill / correction), for keys whose month m ≤ their latest month.
 * Reads only the affected keys' summary rows in [m − H + 1, m + H − 1] (the batch's month range widens
 * that to a literal partition filter), and of them only the prepared (scalar) columns: every history is
 * rebuilt from the month values, never read. Keeps the batch rows that beat the stored row's base_ts (a stale
 * or equal one changes nothing), and rebuilds in closed form every row whose window holds a changed
 * month: the changed rows themselves and the rows at m + 1 … m + H − 1. Values come from one map per key:
 * month → (the winning batch value, else the stored row's own value = history index 0).
 * With soft delete (SPEC §4a) a deleted month gives no value to the map, its row is rebuilt as a tombstone,
 * and latest moves to the greatest month not deleted (backfill-latest.ts), which a delete or a restore
 * can change. SPEC §4b: a re-resolve row (classify: a report row changed the cell's E, its W stays) is
 * applied at its equal base_ts; a changed delete status patches later rows and moves latest like a delete
 * or a restore.
 * Writes latest first (its row at the latest month may be patched), then summary: both are computed
 * from the summary as it was before the job, whatever Spark re-evaluates.
 */
export function compileBackfill(config: PipelineConfig, batchId: string, range: CaseRange): CompiledJob {
  const model = columnModel(config);
  const H = maxLength(config);
  const key = q(config.keyColumn);
  const month = q(config.monthColumn);
  const ts = q(config.tsColumn);
  const mi = q(MONTH_INT);
  const readFrom = addMonths(range.minMonth, -(H - 1));
  const readTo = addMonths(range.maxMonth, H - 1);
  // A stored row's own value is history[0] = CAST(mapper_column AS element type) (one mapper_expr per
  // mapper_column, config.loader), so the window never reads the arrays: a scan of primitive columns only
  // is vectorized in Iceberg, a scan that projects an array is read row by row (issue #9 profile).
  const ownValues = valueStruct(config, (r) => `e.${q(r.mapperColumn)}`);
  const batchValues = valueStruct(config, (r) => `a.${q(r.mapperColumn)}`);
  const historiesFor = (alias: string) =>
    config.rolling.map((r, i) => `${historyFromValues(r, i, 'v.vals', `${alias}.${mi}`)} AS ${q(`${r.name}_history`)}`);

  const deleted = isDeleted(config, 's');
  const flag = q(DELETED);
  const windowColumns = [
    ...model.prepared.map((c) => `s.${q(c)}`),
    `${monthIntSql(`s.${month}`)} AS ${mi}`,
    ...(deleted ? [`${deleted} AS ${flag}`] : []),
  ];
  const keyMonths = `SELECT ${key}, min(${mi}) AS lo, max(${mi}) AS hi FROM \`__case_rows\` GROUP BY ${key}`;
  const window = `SELECT /*+ BROADCAST(k) */ ${windowColumns.join(', ')}
FROM ${config.summaryTable.sql} s
JOIN (${keyMonths}) k ON ${keyEq(config, 'k', 's')}
WHERE s.${month} BETWEEN ${lit(readFrom)} AND ${lit(readTo)}
  AND ${monthIntSql(`s.${month}`)} BETWEEN k.lo - ${H - 1} AND k.hi + ${H - 1}`;

  const applied = `SELECT b.*${deleted ? `, ${isDeleted(config, 'b')} AS ${flag}, coalesce(e.${flag}, false) AS \`__was_deleted\`` : ''}
FROM \`__case_rows\` b
LEFT JOIN \`__window\` e ON ${keyEq(config, 'e', 'b')} AND e.${mi} = b.${mi}
WHERE e.${key} IS NULL OR b.${ts} > e.${ts}${config.reportDates ? ` OR b.${q(RERESOLVE)}` : ''}`;

  // SPEC §4a: a deleted month (a stored tombstone or an applied delete row) is in no map, so every history
  // has NULL there, but it is still a changed month: the rows after it are patched.
  const entry = deleted ? `CASE WHEN NOT ${flag} THEN struct(month_int, vals) END` : 'struct(month_int, vals)';
  const values = `SELECT ${key}, map_from_entries(collect_list(${entry})) AS vals, collect_list(CASE WHEN changed THEN month_int END) AS changed_months
FROM (
  SELECT e.${key}, e.${mi} AS month_int, ${ownValues} AS vals, false AS changed${deleted ? `, e.${flag}` : ''}
  FROM \`__window\` e LEFT ANTI JOIN \`__applied\` a ON ${keyEq(config, 'a', 'e')} AND a.${mi} = e.${mi}
  UNION ALL
  SELECT a.${key}, a.${mi} AS month_int, ${batchValues} AS vals, true AS changed${deleted ? `, a.${flag}` : ''}
  FROM \`__applied\` a
) GROUP BY ${key}`;

  const rowColumns = (alias: string) =>
    list([...model.prepared.map((c) => `${alias}.${q(c)}`), ...historiesFor(alias)], '    ');
  const changedRows = [
    '  SELECT',
    rowColumns('a'),
    `  FROM \`__applied\` a JOIN \`__values\` v ON ${keyEq(config, 'v', 'a')}`,
  ].join('\n');
  const patchedRows = [
    '  SELECT',
    rowColumns('e'),
    `  FROM \`__window\` e JOIN \`__values\` v ON ${keyEq(config, 'v', 'e')}`,
    `  LEFT ANTI JOIN \`__applied\` a ON ${keyEq(config, 'a', 'e')} AND a.${mi} = e.${mi}`,
    `  WHERE exists(v.changed_months, m -> m < e.${mi} AND m > e.${mi} - ${H})`,
  ].join('\n');

  // The job's counts in one pass over the three cached or staged relations (one Spark job, not one per scalar
  // subquery: a fixed cost of every backfill, issue 22): `__src` says which relation a row comes from.
  const src = '`__src`';
  const fromApplied = `SELECT 0 AS ${src}${deleted ? `, ${flag}, \`__was_deleted\`` : ''} FROM \`__applied\``;
  const fromOther = (n: number, view: string) => `SELECT ${n}${deleted ? ', NULL, NULL' : ''} FROM \`${view}\``;
  const counts = [
    `count_if(${src} = 0) AS applied`,
    `count_if(${src} = 1) AS written`,
    `count_if(${src} = 2) - count_if(${src} = 0) AS stale`,
    ...(deleted
      ? [
          `count_if(${src} = 0 AND ${flag}) AS deleted`,
          `count_if(${src} = 0 AND NOT ${flag} AND \`__was_deleted\`) AS restored`,
        ]
      : []),
  ];
  const countsFrom = `${fromApplied}\n  UNION ALL ${fromOther(1, '__rebuilt')}\n  UNION ALL ${fromOther(2, '__case_rows')}`;

  return caseJob(
    config,
    batchId,
    'CASE_III',
    `backfills and corrections of batch ${batchId}`,
    { readFrom, readTo, historyWindow: H, ...range },
    [
      {
        name: 'case rows',
        kind: 'sql',
        sql: `CREATE OR REPLACE TEMPORARY VIEW \`__case_rows\` AS ${stagedRows(config, batchId, 'CASE_III')}`,
      },
      { name: 'read window', kind: 'sql', sql: cacheTable('__window', window) },
      { name: 'winning rows', kind: 'sql', sql: cacheTable('__applied', applied) },
      { name: 'month values', kind: 'sql', sql: cacheTable('__values', values) },
      {
        name: 'rebuild rows',
        kind: 'sql',
        sql: cacheTable('__rebuilt', summaryRows(config, model, `${changedRows}\n  UNION ALL\n${patchedRows}`)),
      },
      // Counted before the writes: Spark re-caches a cached view after a table it reads is written.
      {
        name: APPLIED,
        kind: 'collect',
        maxRows: 10,
        sql: `SELECT ${counts.join(', ')}\nFROM (\n  ${countsFrom}\n)`,
      },
      deleted
        ? { name: 'move latest', kind: 'sql', sql: moveLatest(config, model) }
        : {
            name: 'patch latest',
            kind: 'sql',
            sql: [
              `MERGE INTO ${config.latestTable.sql} t`,
              'USING (SELECT',
              latestColumns(model, 'r'),
              'FROM `__rebuilt` r) s',
              `ON ${keyEq(config, 't', 's')} AND t.${month} = s.${month}`,
              'WHEN MATCHED THEN UPDATE SET *',
            ].join('\n'),
          },
      {
        name: 'merge summary',
        kind: 'sql',
        sql: [
          `MERGE INTO ${config.summaryTable.sql} t`,
          'USING `__rebuilt` s',
          `ON ${keyEq(config, 't', 's')} AND t.${month} = s.${month} AND t.${month} BETWEEN ${lit(range.minMonth)} AND ${lit(readTo)}`,
          'WHEN MATCHED THEN UPDATE SET *',
          'WHEN NOT MATCHED THEN INSERT *',
        ].join('\n'),
      },
    ],
  );
}
