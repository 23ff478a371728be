import { PipelineConfig } from '@app/config';
import { CaseName, CompiledJob, JOB_SCHEMA_VERSION, JobStep } from '../job.types';
import { list, lit, q } from '../sql';
import { isDeleted } from '../soft-delete';
import { valueStruct } from '../history';
import { MONTH_INT } from '../prepare';

export const APPLIED = 'applied';

/** The staged rows of one case of one batch. */
export function stagedRows(config: PipelineConfig, batchId: string, caseName: CaseName): string {
  return `SELECT * FROM ${config.tables.batches.sql} WHERE batch_id = ${lit(batchId)} AND \`case\` = ${lit(caseName)}`;
}

export function caseJob(
  config: PipelineConfig,
  batchId: string,
  caseName: CaseName,
  description: string,
  params: Record<string, unknown>,
  steps: JobStep[],
): CompiledJob {
  return {
    schemaVersion: JOB_SCHEMA_VERSION,
    jobId: `${batchId}-${caseName}`,
    kind: 'case',
    description,
    tags: { batchId, case: caseName },
    params: { batchId, case: caseName, ...params },
    ledger: { table: config.tables.ledger.plain, batchId, step: caseName },
    targets: [config.summaryTable.plain, config.latestTable.plain],
    // Caches are per session; a long-lived runner must not keep one job's data for the next.
    steps: [...steps, { name: 'release caches', kind: 'sql', sql: 'CLEAR CACHE' }],
  };
}

/**
 * A job-scoped cache of a query's rows, kept serialized in memory and spilled to disk when it does not fit.
 * The default level (deserialized MEMORY_AND_DISK) unrolls a spilled partition back into the heap when a
 * later step reads it: building the benchmark's 10x table, a 2.35M-row CASE_I batch in 4 partitions read
 * ~440 MB partitions back from disk two at a time and ran a 4 GiB driver out of heap. A serialized level
 * only takes a spilled block back into memory when the storage pool can hold it, and streams it otherwise.
 *
 * cacheTable('__rows', 'SELECT 1') → CACHE TABLE `__rows` OPTIONS ('storageLevel' 'MEMORY_AND_DISK_SER') AS\nSELECT 1
 */
export function cacheTable(name: string, query: string): string {
  // Spark 3.5 never reuses a cached query with a WITH clause (its CTE ids change each time the view is analyzed):
  // each later read would compute it, and every cached view built on it, again (runner/tests/test_cache_reuse.py).
  if (/(^|[\s(])WITH\s+`?\w+`?\s+AS\s*\(/i.test(query))
    throw new Error(`cacheTable ${name}: a cached query must not have a WITH clause (use subqueries)`);
  return `CACHE TABLE ${q(name)} OPTIONS ('storageLevel' 'MEMORY_AND_DISK_SER') AS\n${query}`;
}

/**
 * The applied counts of a job that only appends (CASE_I, CASE_II): every staged row is written, none is
 * stale; with soft delete (`deleted`, the delete test) also the deletes among them.
 */
export function appendedCounts(rowsView: string, deleted: string | null): string {
  const counts = ['count(*) AS applied', 'count(*) AS written', '0 AS stale'];
  if (deleted) counts.push(`count_if(${deleted}) AS deleted`, '0 AS restored');
  return `SELECT ${counts.join(', ')} FROM ${q(rowsView)}`;
}

/** Per key of the staged case rows, the map month → its values that CASE_I and CASE_II build histories from. */
export function caseRowValues(config: PipelineConfig): string {
  const entry = `struct(${q(MONTH_INT)}, ${valueStruct(config, (r) => q(r.mapperColumn))})`;
  const key = q(config.keyColumn);
  return `SELECT ${key}, map_from_entries(collect_list(${reportedEntry(config, entry)})) AS vals FROM \`__case_rows\` GROUP BY ${key}`;
}

export function keyEq(config: PipelineConfig, a: string, b: string): string {
  return `${a}.${q(config.keyColumn)} = ${b}.${q(config.keyColumn)}`;
}

/**
 * A collect_list entry for the per-key month → values map: NULL (skipped by collect_list) for a delete
 * row, whose month is NULL in every history (SPEC §4a); the entry itself when soft delete is off.
 *
 * reportedEntry(config with soft_del_cd, 'struct(...)') → CASE WHEN NOT coalesce(CAST(`soft_del_cd` AS STRING) IN ('1', '4'), false) THEN struct(...) END
 */
export function reportedEntry(config: PipelineConfig, entry: string, alias = ''): string {
  const deleted = isDeleted(config, alias);
  return deleted ? `CASE WHEN NOT ${deleted} THEN ${entry} END` : entry;
}

/** A column's value in mergeByKey: the source's by default; a computed one may read the target's row too (`t`). */
export type MergeValue = (column: string) => string;

/**
 * A MERGE that makes `table` hold, per key, the row `source` gives: `source` has the key as `__key` and the
 * table's columns `cols`, all NULL (its `key` column NULL) where the key's row must go. Latest's move under
 * soft delete and SPEC §4c's unbounded rows are both written this way; the unbounded rows compute some columns
 * from the stored row (`update`) or without it (`insert`).
 */
export function mergeByKey(
  table: string,
  source: string,
  key: string,
  cols: string[],
  values: { update?: MergeValue; insert?: MergeValue } = {},
): string {
  const fromSource: MergeValue = (c) => `s.${q(c)}`;
  const update = values.update ?? fromSource;
  const insert = values.insert ?? fromSource;
  return [
    `MERGE INTO ${table} t`,
    `USING (\n${source}\n) s`,
    `ON t.${key} = s.\`__key\``,
    `WHEN MATCHED AND s.${key} IS NULL THEN DELETE`,
    `WHEN MATCHED THEN UPDATE SET\n${list(cols.map((c) => `t.${q(c)} = ${update(c)}`))}`,
    `WHEN NOT MATCHED AND s.${key} IS NOT NULL THEN INSERT (${cols.map(q).join(', ')})\nVALUES (${cols.map(insert).join(', ')})`,
  ].join('\n');
}
