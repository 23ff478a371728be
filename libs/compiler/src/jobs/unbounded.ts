import { ColumnModel, PipelineConfig, columnModel } from '@app/config';
import { CaseName, CompiledJob, JOB_SCHEMA_VERSION, JobStep } from '../job.types';
import { elementType, valueStruct } from '../history';
import { list, lit, monthIntSql, q } from '../sql';
import { isDeleted } from '../soft-delete';
import { keyEq, mergeByKey } from './case-common';

/**
 * SPEC §4c's unbounded history, kept with every batch. Besides latest's columns and the visible arrays, the
 * table holds one internal column: every month of the key that is not deleted, month_int → its values (the
 * summary row's own values, history index 0). The batch's last job overlays the cells the batch staged, read back
 * from summary after its writes, on that map: a month that is now deleted leaves it, any other takes summary's
 * value. The arrays are then the map read backwards from latest's month M down to F = the map's earliest month
 * (or max_length elements). So a batch reads the unbounded rows of its keys (one per key, like latest), summary's
 * rows at its own cells (pruned to the staged months) and latest of its keys: never every month of a key.
 */
export const UNBOUNDED_CELLS = '__unbounded_cells';

/** The internal column's type: map<int, struct<v0: INT, v1: BIGINT, …>> in the rolling columns' order. */
export function unboundedCellsType(config: PipelineConfig): string {
  const fields = config.rolling.length ? config.rolling.map((r, i) => `v${i}: ${elementType(r)}`) : ['v: INT'];
  return `MAP<INT, STRUCT<${fields.join(', ')}>>`;
}

/** Every column of the unbounded table, the internal one last (init creates it in this order). */
export function unboundedTableColumns(model: ColumnModel): string[] {
  return [...model.unbounded, UNBOUNDED_CELLS];
}

/**
 * The visible arrays of a key from its cells map and latest's month (month_int):
 * transform(sequence(0, length − 1), i -> try_element_at(cells, m − i).v0), length = max_length or M − F + 1.
 */
function arrays(config: PipelineConfig, cells: string, m: string): string[] {
  const maxLength = config.unboundedHistory!.maxLength;
  const length = maxLength === null ? `${m} - array_min(map_keys(${cells})) + 1` : String(maxLength);
  return config.rolling.map(
    (_, i) => `transform(sequence(0, ${length} - 1), i -> try_element_at(${cells}, ${m} - i).v${i})`,
  );
}

/**
 * The step that keeps SPEC §4c for a whole batch: one MERGE of the rows of every key the batch staged (all its
 * cases). It runs once per batch, in the batch's last job (CASE_II, which then runs even without rows of its own:
 * lifecycle BatchMachine), after that job's writes, and reads only tables (no cached view of the job: Spark
 * re-caches those from the written tables), so what it reads is the result the batch's jobs committed.
 * The source is, per staged key, latest's row and its staged cells as summary holds them now (which months, and
 * the values of those not deleted); the MERGE overlays those on the stored row's map, so the unbounded table is
 * read once, by the MERGE itself, and a re-run writes the same rows. A key with no latest row (all its months
 * deleted) loses its unbounded row; a new account (CASE_I) has none yet and gets one.
 * Summary is read at the staged cells only: the staged months prune its month partitions at run time (a
 * broadcast join on the partition column), whichever case staged them.
 */
export function unboundedSteps(config: PipelineConfig, batchId: string): JobStep[] {
  const unbounded = config.unboundedHistory;
  if (!unbounded) return [];
  const model = columnModel(config);
  const key = q(config.keyColumn);
  const month = q(config.monthColumn);
  const batches = config.tables.batches.sql;
  const staged = `SELECT DISTINCT ${key}, ${month} FROM ${batches} WHERE batch_id = ${lit(batchId)}`;
  const deleted = isDeleted(config, 's');
  const nowValues = valueStruct(config, (r) => `s.${q(r.mapperColumn)}`);
  const cell = (alias: string) =>
    `${alias}.${key}, ${monthIntSql(`${alias}.${month}`)} AS mi, ${deleted || 'false'} AS del, ${nowValues} AS vals`;
  // A CASE_I or CASE_II cell is summary's row as staged (those jobs append their staged rows, deletes as
  // tombstones): its values come from the batches table. A CASE_III cell is summary's row only if the staged
  // one won on base_ts, so it is read back from summary, pruned at run time to the months CASE_III staged (the
  // filter on `case` keeps the broadcast side selective, which Spark's partition pruning asks for).
  const backfilled = `SELECT DISTINCT ${key}, ${month} FROM ${batches} WHERE batch_id = ${lit(batchId)} AND \`case\` = 'CASE_III'`;
  const now = `SELECT ${cell('s')} FROM ${batches} s WHERE s.batch_id = ${lit(batchId)} AND s.\`case\` <> 'CASE_III'
    UNION ALL
    SELECT /*+ BROADCAST(c) */ ${cell('s')}
    FROM ${config.summaryTable.sql} s
    JOIN (${backfilled}) c ON ${keyEq(config, 'c', 's')} AND c.${month} = s.${month}`;
  // Every staged key has a row here: collect_list skips the NULLs of a key without cells in summary (empty, typed).
  const touched = `SELECT k.${key}, collect_list(n.mi) AS months, map_from_entries(collect_list(CASE WHEN NOT n.del THEN struct(n.mi, n.vals) END)) AS live
    FROM keys k LEFT JOIN now n ON ${keyEq(config, 'n', 'k')}
    GROUP BY k.${key}`;
  const latest = `SELECT /*+ BROADCAST(k) */ l.* FROM ${config.latestTable.sql} l LEFT SEMI JOIN keys k ON ${keyEq(config, 'k', 'l')}`;
  const source = `WITH staged AS (${staged}),
  keys AS (SELECT DISTINCT ${key} FROM staged),
  now AS (${now}),
  touched AS (${touched})
SELECT k.${key} AS \`__key\`,
${list([...model.latest.map((c) => `l.${q(c)}`), `${monthIntSql(`l.${month}`)} AS \`__mi\``, 't.months AS `__months`', 't.live AS `__live`'])}
FROM keys k
LEFT JOIN (${latest}) l ON ${keyEq(config, 'l', 'k')}
JOIN touched t ON ${keyEq(config, 't', 'k')}`;
  // The key's map after the batch: the stored one without the staged months, then those of them not deleted.
  const merged = `map_concat(map_filter(coalesce(t.${q(UNBOUNDED_CELLS)}, s.\`__live\`), (m, v) -> NOT array_contains(s.\`__months\`, m)), s.\`__live\`)`;
  // An array's lambda would evaluate an expression of a map once per element (Spark shares no subexpression with
  // a lambda): the merged map is bound once per array as the lambda variable `uc` of a one-element transform.
  const once = (expr: string, body: (cells: string) => string) =>
    expr.startsWith('s.') ? body(expr) : `element_at(transform(array(${expr}), uc -> ${body('uc')}), 1)`;
  const values = (cells: string) => {
    const computed = new Map<string, string>(
      model.unboundedArrays.map((c, i) => [c, once(cells, (bound) => arrays(config, bound, 's.`__mi`')[i])]),
    );
    computed.set(UNBOUNDED_CELLS, cells);
    return (c: string) => computed.get(c) ?? `s.${q(c)}`;
  };
  const columns = unboundedTableColumns(model);
  const sql = mergeByKey(unbounded.table.sql, source, key, columns, {
    update: values(merged),
    insert: values('s.`__live`'),
  });
  return [{ name: 'unbounded history', kind: 'sql', sql }];
}

/**
 * A batch's forward job (CASE_II, its last) with SPEC §4c's step before its last one (releasing the caches),
 * the unbounded table a target; the other case jobs unchanged. A batch without forward rows still runs a
 * CASE_II job, this step alone (`rows` 0): the unbounded rows of its other cases are kept there.
 */
export function withUnboundedHistory(
  config: PipelineConfig,
  job: CompiledJob,
  caseName: CaseName,
  rows: number,
): CompiledJob {
  const unbounded = config.unboundedHistory;
  if (!unbounded || caseName !== 'CASE_II') return job;
  const steps = unboundedSteps(config, String(job.params.batchId));
  const last = job.steps.length - 1;
  if (rows === 0)
    return {
      ...job,
      description: `${job.description}: none; the unbounded history of the batch (SPEC §4c)`,
      targets: [unbounded.table.plain],
      steps: [...steps, job.steps[last]],
    };
  return {
    ...job,
    targets: [...job.targets, unbounded.table.plain],
    steps: [...job.steps.slice(0, last), ...steps, job.steps[last]],
  };
}

/**
 * `rebuild-unbounded`: the whole unbounded table from summary alone (SPEC §4c): per key, its months that are
 * not deleted make the cells map, and its summary row with the greatest such month is latest's part. The same
 * arrays as the batches build, so a rebuild equals what the batches kept.
 */
export function compileUnboundedRebuild(config: PipelineConfig): CompiledJob {
  const unbounded = config.unboundedHistory;
  if (!unbounded) throw new Error('compileUnboundedRebuild: the config has no unbounded_history');
  const model = columnModel(config);
  const key = q(config.keyColumn);
  const month = q(config.monthColumn);
  const deleted = isDeleted(config, 's');
  const live = `SELECT s.*, ${monthIntSql(`s.${month}`)} AS \`__mi\` FROM ${config.summaryTable.sql} s${deleted ? ` WHERE NOT ${deleted}` : ''}`;
  const cellValues = valueStruct(config, (r) => q(r.mapperColumn));
  const cells = `SELECT ${key}, map_from_entries(collect_list(struct(\`__mi\`, ${cellValues}))) AS cells FROM live GROUP BY ${key}`;
  const latest = `SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY ${key} ORDER BY \`__mi\` DESC) AS \`__rank\` FROM live) WHERE \`__rank\` = 1`;
  const columns = [
    ...model.latest.map((c) => `l.${q(c)}`),
    ...arrays(config, 'c.cells', 'l.`__mi`').map((a, i) => `${a} AS ${q(model.unboundedArrays[i])}`),
    `c.cells AS ${q(UNBOUNDED_CELLS)}`,
  ];
  const query = `WITH live AS (${live}),
  cells AS (${cells})
SELECT
${list(columns)}
FROM (${latest}) l
JOIN cells c ON ${keyEq(config, 'c', 'l')}`;
  return {
    schemaVersion: JOB_SCHEMA_VERSION,
    jobId: 'rebuild-unbounded',
    kind: 'append',
    description: `rebuild ${unbounded.table.plain} from ${config.summaryTable.plain} (SPEC §4c)`,
    tags: { job: 'rebuild-unbounded' },
    params: {},
    ledger: null,
    targets: [unbounded.table.plain],
    steps: [
      { name: 'rebuild unbounded history', kind: 'sql', sql: `INSERT OVERWRITE ${unbounded.table.sql}\n${query}` },
    ],
  };
}
