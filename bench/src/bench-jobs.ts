import { CompiledJob, JOB_SCHEMA_VERSION, JobStep } from '@app/compiler';
import { PipelineConfig, TableName, quoteIdent as q, quoteString as lit } from '@app/config';

export type WriteMode = 'copy-on-write' | 'merge-on-read';

/**
 * The benchmark's own jobs (data generation, table modes, restores): plain compiled jobs without a
 * ledger, run by the same runner as the pipeline's. `targets` makes the runner report their snapshots.
 */
export function benchJob(jobId: string, description: string, steps: JobStep[], targets: TableName[] = []): CompiledJob {
  return {
    schemaVersion: JOB_SCHEMA_VERSION,
    jobId,
    kind: 'append',
    description,
    tags: { bench: 'true' },
    params: {},
    ledger: null,
    targets: targets.map((t) => t.plain),
    steps,
  };
}

/** Reads nothing: the result's `snapshots` hold every target's current snapshot (read from table metadata, no Spark job). */
export function snapshotProbe(tables: TableName[]): CompiledJob {
  return benchJob('bench-snapshots', 'current snapshots', [{ name: 'probe', kind: 'sql', sql: 'SELECT 1' }], tables);
}

/**
 * Brings tables back to recorded snapshots: set_current_snapshot (unlike rollback_to_snapshot it also
 * returns to a snapshot that is no longer an ancestor, e.g. the source with another batch appended after
 * a rollback), or DELETE FROM for a table that had no snapshot.
 */
export function restoreJob(restores: { table: TableName; to: string | null }[]): CompiledJob {
  const steps: JobStep[] = restores.map(({ table, to }) => ({
    name: `restore ${table.plain}`,
    kind: 'sql',
    sql:
      to === null
        ? `DELETE FROM ${table.sql}`
        : `CALL ${q(table.catalog)}.system.set_current_snapshot(${lit(`${table.namespace}.${table.table}`)}, ${BigInt(to)})`,
  }));
  return benchJob(
    'bench-restore',
    `restore ${restores.length} table(s)`,
    steps,
    restores.map((r) => r.table),
  );
}

/** Iceberg row-level write modes of summary and latest (the tables the case jobs MERGE into). */
export function writeModeJob(config: PipelineConfig, mode: WriteMode): CompiledJob {
  const props = `('write.merge.mode' = '${mode}', 'write.update.mode' = '${mode}', 'write.delete.mode' = '${mode}')`;
  return benchJob(
    `bench-write-mode-${mode}`,
    `summary and latest in ${mode}`,
    [config.summaryTable, config.latestTable].map((t) => ({
      name: `mode ${t.plain}`,
      kind: 'sql',
      sql: `ALTER TABLE ${t.sql} SET TBLPROPERTIES ${props}`,
    })),
  );
}

export function dropJob(tables: TableName[]): CompiledJob {
  return benchJob(
    'bench-drop',
    `drop ${tables.length} table(s)`,
    tables.map((t) => ({ name: `drop ${t.plain}`, kind: 'sql', sql: `DROP TABLE IF EXISTS ${t.sql} PURGE` })),
  );
}

/**
 * A case-shaped job that does nothing: ledger read, `started` and `committed` rows, the targets' snapshots.
 * Its duration is the runner's fixed cost per job (issue #4's "per-job fixed overhead").
 */
export function noopLedgerJob(config: PipelineConfig, n: number): CompiledJob {
  return {
    ...benchJob(
      `bench-noop-${n}`,
      'no-op job under the ledger',
      [{ name: 'noop', kind: 'sql', sql: 'SELECT 1' }],
      [config.summaryTable, config.latestTable],
    ),
    kind: 'case',
    ledger: { table: config.tables.ledger.plain, batchId: `bench-noop-${n}`, step: 'noop' },
  };
}

/**
 * Row count and an order-independent checksum of every column: sum of xxhash64 over the row, as DECIMAL so
 * the sum cannot overflow. Two tables with the same rows give the same pair whatever their file layout.
 */
export function checksumQuery(table: TableName, columns: string[]): string {
  return `SELECT count(*) AS n, CAST(coalesce(sum(CAST(xxhash64(${columns.map(q).join(', ')}) AS DECIMAL(38, 0))), 0) AS STRING) AS checksum FROM ${table.sql}`;
}
