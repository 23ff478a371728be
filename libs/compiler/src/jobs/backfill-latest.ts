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
  const rebuilt = `    SELECT\n${latestColumns(model, 'r')}, true AS __changed\n    FROM \`__rebuilt\` r\n    WHERE NOT ${isDeleted(config, 'r')}`;
  const current = `    SELECT /*+ BROADCAST(k) */\n${latestColumns(model, 'o')}, false AS __changed\n    FROM ${config.latestTable.sql} o\n    LEFT SEMI JOIN ${keys} k ON ${keyEq(config, 'k', 'o')}\n    LEFT ANTI JOIN \`__rebuilt\` r ON ${sameCell('r', 'o')}`;
  const deletedLatest = `SELECT /*+ BROADCAST(a) */ o.${key}, o.${month}\n      FROM ${config.latestTable.sql} o\n      JOIN \`__applied\` a ON ${keyEq(config, 'a', 'o')} AND a.${q(MONTH_INT)} = ${monthIntSql(`o.${month}`)}\n      WHERE a.${q(DELETED)}`;
  const fallback = `    SELECT /*+ BROADCAST(f) */\n${latestColumns(model, 's')}, true AS __changed\n    FROM ${config.summaryTable.sql} s\n    JOIN (\n      ${deletedLatest}\n    ) f ON ${keyEq(config, 'f', 's')} AND s.${month} < f.${month}\n    LEFT ANTI JOIN \`__rebuilt\` r ON ${sameCell('r', 's')}\n    WHERE NOT ${isDeleted(config, 's')}`;
  const ranked = `SELECT * FROM (\n  SELECT c.*, row_number() OVER (PARTITION BY c.${key} ORDER BY c.${month} DESC) AS __rank\n  FROM (\n${rebuilt}\n    UNION ALL\n${current}\n    UNION ALL\n${fallback}\n  ) c\n) WHERE __rank = 1`;
  const source = `SELECT k.${key} AS \`__key\`, ${cols.map((c) => `n.${q(c)}`).join(', ')}\nFROM ${keys} k\nLEFT JOIN (\n${ranked}\n) n ON ${keyEq(config, 'n', 'k')}\nWHERE n.${key} IS NULL OR n.__changed`;
  return mergeByKey(config.latestTable.sql, source, key, cols);
}
