import { PipelineConfig, columnModel } from '@app/config';
import { CompiledJob } from '../job.types';
import { forwardHistory } from '../history';
import { MONTH_INT } from '../prepare';
import { list, monthIntSql, q } from '../sql';
import { APPLIED, appendedCounts, cacheTable, caseJob, caseRowValues, keyEq, stagedRows } from './case-common';
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
  // SPEC §4a: a key whose months are all deleted has no latest row but is not new (its tombstones are
  // stored): it joins latest outer, and every index then comes from the batch.
  const lmi = deleted ? `coalesce(l.\`__latest_month_int\`, -1)` : `l.\`__latest_month_int\``;
  const histories = config.rolling.map(
    (r, i) => `${forwardHistory(r, i, 'v.vals', `b.${q(MONTH_INT)}`, lmi, 'l')} AS ${q(`${r.name}_history`)}`,
  );
  const inner = [
    '  SELECT',
    list([...model.prepared.map((c) => `b.${q(c)}`), ...histories], '    '),
    '  FROM `__case_rows` b',
    `  JOIN (${caseRowValues(config)}) v ON ${keyEq(config, 'v', 'b')}`,
    `  ${deleted ? 'LEFT JOIN' : 'JOIN'} (`,
    `    SELECT lt.*, ${monthIntSql(`lt.${q(config.monthColumn)}`)} AS \`__latest_month_int\``,
    `    FROM ${config.latestTable.sql} lt`,
    `    LEFT SEMI JOIN (SELECT DISTINCT ${key} FROM \`__case_rows\`) k ON ${keyEq(config, 'k', 'lt')}`,
    `  ) l ON ${keyEq(config, 'l', 'b')}`,
  ].join('\n');
  const latestRanked =
    `SELECT *, row_number() OVER (PARTITION BY ${key} ORDER BY ${q(config.monthColumn)} DESC) AS __rank ` +
    `FROM \`__forward_rows\`${deleted ? ` WHERE NOT ${deleted}` : ''}`;
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
      sql: appendedCounts('__forward_rows', deleted),
    },
    {
      name: 'append summary',
      kind: 'sql',
      sql: `INSERT INTO ${config.summaryTable.sql}\nSELECT * FROM \`__forward_rows\``,
    },
    {
      name: 'advance latest',
      kind: 'sql',
      sql: [
        `MERGE INTO ${config.latestTable.sql} t`,
        'USING (',
        '  SELECT',
        latestColumns(model, 'n'),
        `  FROM (${latestRanked}) n`,
        '  WHERE n.__rank = 1',
        ') s',
        `ON ${keyEq(config, 't', 's')}`,
        'WHEN MATCHED THEN UPDATE SET *',
        'WHEN NOT MATCHED THEN INSERT *',
      ].join('\n'),
    },
  ]);
}
