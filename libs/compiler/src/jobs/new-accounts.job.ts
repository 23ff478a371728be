import { PipelineConfig, columnModel } from '@app/config';
import { CompiledJob } from '../job.types';
import { historyFromValues } from '../history';
import { MONTH_INT } from '../prepare';
import { list, q } from '../sql';
import { APPLIED, appendedCounts, cacheTable, caseJob, caseRowValues, keyEq, stagedRows } from './case-common';
import { latestColumns, summaryRows } from './rows';
import { isDeleted } from '../soft-delete';

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
  const histories = config.rolling.map(
    (r, i) => `${historyFromValues(r, i, 'v.vals', `b.${q(MONTH_INT)}`)} AS ${q(`${r.name}_history`)}`,
  );
  const inner = [
    '  SELECT',
    list([...model.prepared.map((c) => `b.${q(c)}`), ...histories], '    '),
    '  FROM `__case_rows` b',
    `  JOIN (${caseRowValues(config)}) v ON ${keyEq(config, 'v', 'b')}`,
  ].join('\n');
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
      sql: appendedCounts('__new_rows', deleted),
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
      sql: [
        `INSERT INTO ${config.latestTable.sql}`,
        'SELECT',
        latestColumns(model, 'n'),
        'FROM (',
        `  SELECT *, row_number() OVER (PARTITION BY ${key} ORDER BY ${q(config.monthColumn)} DESC) AS __rank FROM \`__new_rows\``,
        ...(deleted ? [`  WHERE NOT ${deleted}`] : []),
        ') n',
        'WHERE n.__rank = 1',
      ].join('\n'),
    },
  ]);
}
