import { PipelineConfig, columnModel } from '@app/config';
import { CompiledJob } from '../job.types';
import { forwardHistory, valueStruct } from '../history';
import { MONTH_INT } from '../prepare';
import { list, monthIntSql, q } from '../sql';
import { APPLIED, cacheTable, caseJob, keyEq, reportedEntry, stagedRows } from './case-common';
import { isDeleted } from '../soft-delete';
import { latestColumns, summaryRows } from './rows';

/**
 * CASE_II (forward): reads the latest table only. A row at m > latest month L takes index i from the
 * batch when m − i > L (other forward months of the key in this batch, NULL in a gap) and from the latest
 * row's array at index L − (m − i) otherwise; so a gap ≥ H yields [v, NULL × (H − 1)].
 * A delete row (SPEC §4a: a month beyond latest) is written as a tombstone, gives no value to any history
 * (a later month sees a gap there) and never becomes latest; a deleted latest month was already left by
 * CASE_III, so L is the greatest month not deleted.
 * Appends to summary, then moves latest to each key's greatest new month that is not deleted.
 */
export function compileForward(config: PipelineConfig, batchId: string): CompiledJob {
  const model = columnModel(config);
  const key = q(config.keyColumn);
  const deleted = isDeleted(config, '');
  const vals = `map_from_entries(collect_list(${reportedEntry(config, `struct(${q(MONTH_INT)}, ${valueStruct(config, (r) => q(r.mapperColumn))})`)}))`;
  // SPEC §4a: a key whose months are all deleted has no latest row but is not new (its tombstones are
  // stored): it joins latest outer, and every index then comes from the batch.
  const lmi = deleted ? `coalesce(l.\`__latest_month_int\`, -1)` : `l.\`__latest_month_int\``;
  const histories = config.rolling.map(
    (r, i) => `${forwardHistory(r, i, 'v.vals', `b.${q(MONTH_INT)}`, lmi, 'l')} AS ${q(`${r.name}_history`)}`,
  );
  const inner = `  SELECT\n${list([...model.prepared.map((c) => `b.${q(c)}`), ...histories], '    ')}\n  FROM \`__case_rows\` b\n  JOIN (SELECT ${key}, ${vals} AS vals FROM \`__case_rows\` GROUP BY ${key}) v ON ${keyEq(config, 'v', 'b')}\n  ${deleted ? 'LEFT JOIN' : 'JOIN'} (\n    SELECT lt.*, ${monthIntSql(`lt.${q(config.monthColumn)}`)} AS \`__latest_month_int\`\n    FROM ${config.latestTable.sql} lt\n    LEFT SEMI JOIN (SELECT DISTINCT ${key} FROM \`__case_rows\`) k ON ${keyEq(config, 'k', 'lt')}\n  ) l ON ${keyEq(config, 'l', 'b')}`;
  return caseJob(config, batchId, 'CASE_II', `forward months of batch ${batchId}`, {}, [
    {
      name: 'case rows',
      kind: 'sql',
      sql: `CREATE OR REPLACE TEMPORARY VIEW \`__case_rows\` AS ${stagedRows(config, batchId, 'CASE_II')}`,
    },
    // Built from the latest table as it is before this job; both writes below use these same rows.
    { name: 'build rows', kind: 'sql', sql: cacheTable('__forward_rows', summaryRows(config, model, inner)) },
    // Counted before the writes: Spark re-caches a cached view after a table it reads is written.
    {
      name: APPLIED,
      kind: 'collect',
      maxRows: 10,
      sql: `SELECT count(*) AS applied, count(*) AS written, 0 AS stale${deleted ? `, count_if(${deleted}) AS deleted, 0 AS restored` : ''} FROM \`__forward_rows\``,
    },
    {
      name: 'append summary',
      kind: 'sql',
      sql: `INSERT INTO ${config.summaryTable.sql}\nSELECT * FROM \`__forward_rows\``,
    },
    {
      name: 'advance latest',
      kind: 'sql',
      sql: `MERGE INTO ${config.latestTable.sql} t\nUSING (\n  SELECT\n${latestColumns(model, 'n')}\n  FROM (SELECT *, row_number() OVER (PARTITION BY ${key} ORDER BY ${q(config.monthColumn)} DESC) AS __rank FROM \`__forward_rows\`${deleted ? ` WHERE NOT ${deleted}` : ''}) n\n  WHERE n.__rank = 1\n) s\nON ${keyEq(config, 't', 's')}\nWHEN MATCHED THEN UPDATE SET *\nWHEN NOT MATCHED THEN INSERT *`,
    },
  ]);
}
