import { PipelineConfig, columnModel } from '@app/config';
import { CompiledJob } from '../job.types';
import { historyFromValues, valueStruct } from '../history';
import { MONTH_INT } from '../prepare';
import { list, q } from '../sql';
import { APPLIED, cacheTable, caseJob, keyEq, stagedRows } from './case-common';
import { latestColumns, summaryRows } from './rows';
import { isDeleted } from '../soft-delete';
import { reportedEntry } from './case-common';

/**
 * CASE_I (new accounts): reads nothing from summary. All months of a new key in the batch chain among
 * themselves: the row at m gets, at index i, the batch's value at m − i (NULL where the batch has none).
 * A delete row (SPEC §4a) is written as a tombstone and gives no value to any history.
 * Appends to summary; the greatest month per key that is not deleted is appended to latest.
 */
export function compileNewAccounts(config: PipelineConfig, batchId: string): CompiledJob {
  const model = columnModel(config);
  const key = q(config.keyColumn);
  const deleted = isDeleted(config, '');
  const vals = `map_from_entries(collect_list(${reportedEntry(config, `struct(${q(MONTH_INT)}, ${valueStruct(config, (r) => q(r.mapperColumn))})`)}))`;
  const histories = config.rolling.map(
    (r, i) => `${historyFromValues(r, i, 'v.vals', `b.${q(MONTH_INT)}`)} AS ${q(`${r.name}_history`)}`,
  );
  const inner = `  SELECT\n${list([...model.prepared.map((c) => `b.${q(c)}`), ...histories], '    ')}\n  FROM \`__case_rows\` b\n  JOIN (SELECT ${key}, ${vals} AS vals FROM \`__case_rows\` GROUP BY ${key}) v ON ${keyEq(config, 'v', 'b')}`;
  return caseJob(config, batchId, 'CASE_I', `new accounts of batch ${batchId}`, {}, [
    {
      name: 'case rows',
      kind: 'sql',
      sql: `CREATE OR REPLACE TEMPORARY VIEW \`__case_rows\` AS ${stagedRows(config, batchId, 'CASE_I')}`,
    },
    { name: 'build rows', kind: 'sql', sql: cacheTable('__new_rows', summaryRows(config, model, inner)) },
    // Counted before the writes: Spark re-caches a cached view after a table it reads is written.
    {
      name: APPLIED,
      kind: 'collect',
      maxRows: 10,
      sql: `SELECT count(*) AS applied, count(*) AS written, 0 AS stale${deleted ? `, count_if(${deleted}) AS deleted, 0 AS restored` : ''} FROM \`__new_rows\``,
    },
    {
      name: 'append summary',
      kind: 'sql',
      sql: `INSERT INTO ${config.summaryTable.sql}\nSELECT * FROM \`__new_rows\``,
    },
    {
      name: 'append latest',
      kind: 'sql',
      // SPEC §4a: latest is the greatest month not deleted; a key with only deletes gets no latest row.
      sql: `INSERT INTO ${config.latestTable.sql}\nSELECT\n${latestColumns(model, 'n')}\nFROM (\n  SELECT *, row_number() OVER (PARTITION BY ${key} ORDER BY ${q(config.monthColumn)} DESC) AS __rank FROM \`__new_rows\`${deleted ? `\n  WHERE NOT ${deleted}` : ''}\n) n\nWHERE n.__rank = 1`,
    },
  ]);
}
