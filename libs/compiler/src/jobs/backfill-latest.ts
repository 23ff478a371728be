import { ColumnModel, PipelineConfig } from '@app/config';
import { MONTH_INT } from '../prepare';
import { monthIntSql, q } from '../sql';
import { DELETED, isDeleted } from '../soft-delete';
import { keyEq, mergeByKey } from './case-common';
import { latestColumns } from './rows';

/**
 * CASE_III's write of latest with soft delete on (SPEC §4a: latest is the key's greatest month that is not
 * deleted; a key whose months are all deleted has none). Per key of the job, the candidates are
 *   - the rows this job rebuilt that are not deleted (a restore beyond the old latest month moves latest up),
 *   - the current latest row where this job did not rebuild it (unchanged),
 *   - where this job deleted the latest month: the summary rows before it that are not deleted and not
 *     rebuilt (the fallback may lie outside the job's window, so it is read from summary for those keys only);
 * the greatest month wins. Only a changed latest row is written: an update or insert from a rebuilt or
 * fallback row, a delete where no candidate is left. Reads `__applied` and `__rebuilt` of the job and
 * summary as it was before the job (latest is written first).
 *
 * key 7: latest 2024-05, batch deletes 2024-05, summary has 2024-02 → latest row of 7 becomes 2024-02's;
 * key 8: latest 2024-01, batch deletes 2024-01, nothing else → latest row of 8 is deleted.
 */
export function moveLatest(config: PipelineConfig, model: ColumnModel): string {
  const key = q(config.keyColumn);
  const month = q(config.monthColumn);
  const cols = model.latest;
  const keys = `(SELECT DISTINCT ${key} FROM \`__applied\`)`;
  const sameCell = (a: string, b: string) => `${keyEq(config, a, b)} AND ${a}.${month} = ${b}.${month}`;
  const rebuilt = [
    '    SELECT',
    `${latestColumns(model, 'r')}, true AS __changed`,
    '    FROM `__rebuilt` r',
    `    WHERE NOT ${isDeleted(config, 'r')}`,
  ].join('\n');
  const current = [
    '    SELECT /*+ BROADCAST(k) */',
    `${latestColumns(model, 'o')}, false AS __changed`,
    `    FROM ${config.latestTable.sql} o`,
    `    LEFT SEMI JOIN ${keys} k ON ${keyEq(config, 'k', 'o')}`,
    `    LEFT ANTI JOIN \`__rebuilt\` r ON ${sameCell('r', 'o')}`,
  ].join('\n');
  const deletedLatest = [
    `SELECT /*+ BROADCAST(a) */ o.${key}, o.${month}`,
    `      FROM ${config.latestTable.sql} o`,
    `      JOIN \`__applied\` a ON ${keyEq(config, 'a', 'o')} AND a.${q(MONTH_INT)} = ${monthIntSql(`o.${month}`)}`,
    `      WHERE a.${q(DELETED)}`,
  ].join('\n');
  const fallback = [
    '    SELECT /*+ BROADCAST(f) */',
    `${latestColumns(model, 's')}, true AS __changed`,
    `    FROM ${config.summaryTable.sql} s`,
    '    JOIN (',
    `      ${deletedLatest}`,
    `    ) f ON ${keyEq(config, 'f', 's')} AND s.${month} < f.${month}`,
    `    LEFT ANTI JOIN \`__rebuilt\` r ON ${sameCell('r', 's')}`,
    `    WHERE NOT ${isDeleted(config, 's')}`,
  ].join('\n');
  const ranked = [
    'SELECT * FROM (',
    `  SELECT c.*, row_number() OVER (PARTITION BY c.${key} ORDER BY c.${month} DESC) AS __rank`,
    '  FROM (',
    rebuilt,
    '    UNION ALL',
    current,
    '    UNION ALL',
    fallback,
    '  ) c',
    ') WHERE __rank = 1',
  ].join('\n');
  const source = [
    `SELECT k.${key} AS \`__key\`, ${cols.map((c) => `n.${q(c)}`).join(', ')}`,
    `FROM ${keys} k`,
    'LEFT JOIN (',
    ranked,
    `) n ON ${keyEq(config, 'n', 'k')}`,
    `WHERE n.${key} IS NULL OR n.__changed`,
  ].join('\n');
  return mergeByKey(config.latestTable.sql, source, key, cols);
}
