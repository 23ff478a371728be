import { CASE_ORDER, CaseName } from '@app/compiler';
import { TableName, quoteIdent as q } from '@app/config';
import { RunSample } from './measure';

/** Issue #9's write amplification of one batch on summary. */
export interface Amplification {
  /** Rows the case jobs added to summary data files: new rows and rows written again (rewritten or updated). */
  rows_written: number;
  /** Rows present after the batch that are new or differ from before it (time travel, see changedRowsQuery). */
  rows_changed: number;
  /** rows_written ÷ rows_changed; null when nothing changed. */
  ratio: number | null;
}

/**
 * Rows of `table` at snapshot `after` that are not, identical, at `before`: new (key, month) pairs and
 * changed rows. A row is compared as (key, month, xxhash64 of every column), so a compaction in between
 * (same rows, other files) counts nothing. Example: 3 rows before, one updated and one added → 2.
 */
export function changedRowsQuery(
  table: TableName,
  key: string,
  month: string,
  columns: string[],
  before: string,
  after: string,
): string {
  const version = (id: string) =>
    `SELECT ${q(key)}, ${q(month)}, xxhash64(${columns.map(q).join(', ')}) AS h FROM ${table.sql} VERSION AS OF ${BigInt(id)}`;
  return `SELECT count(*) AS n FROM (\n  ${version(after)}\n  EXCEPT\n  ${version(before)}\n) changed`;
}

/** Summary rows added by the run's case jobs (CASE_III, CASE_I, CASE_II), from their snapshot summaries. */
export function summaryRowsWritten(sample: RunSample, summaryPlain: string): number {
  return sample.jobs
    .filter((j) => CASE_ORDER.includes(j.label as CaseName))
    .reduce((a, j) => a + (j.writes[summaryPlain]?.addedRecords ?? 0), 0);
}

/** 2 significant decimals; 12,000 written for 7,000 changed → 1.71. */
export function amplification(rowsWritten: number, rowsChanged: number): Amplification {
  return {
    rows_written: rowsWritten,
    rows_changed: rowsChanged,
    ratio: rowsChanged > 0 ? Math.round((rowsWritten / rowsChanged) * 100) / 100 : null,
  };
}
