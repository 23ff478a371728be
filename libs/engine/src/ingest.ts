import { readFileSync } from 'node:fs';

export interface ColumnType {
  name: string;
  type: string;
}

/** A JSON-lines file that does not fit the source table; nothing of it was appended. Not retriable. */
export class IngestError extends Error {
  readonly retriable = false;
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`Refused ${file}: nothing was appended.\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = this.constructor.name;
  }
}

const INT_RANGES: Record<string, [number, number]> = {
  TINYINT: [-128, 127],
  SMALLINT: [-32768, 32767],
  INT: [-2147483648, 2147483647],
  INTEGER: [-2147483648, 2147483647],
  BIGINT: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  LONG: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

function validDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(Date.UTC(2000, mo - 1, d));
  probe.setUTCFullYear(y);
  return mo >= 1 && mo <= 12 && probe.getUTCMonth() === mo - 1 && probe.getUTCDate() === d;
}

/** Why `value` does not fit `type`, or undefined when it does. NULL fits every type. */
export function typeProblem(type: string, value: unknown): string | undefined {
  if (value === null) return undefined;
  const t = type.toUpperCase();
  if (t in INT_RANGES) {
    const [lo, hi] = INT_RANGES[t];
    return typeof value === 'number' && Number.isInteger(value) && value >= lo && value <= hi ? undefined : `an integer from ${lo} to ${hi}`;
  }
  if (t === 'DOUBLE' || t === 'FLOAT' || t.startsWith('DECIMAL')) return typeof value === 'number' ? undefined : 'a number';
  if (t === 'STRING' || t.startsWith('VARCHAR') || t.startsWith('CHAR')) return typeof value === 'string' ? undefined : 'a string';
  if (t === 'BOOLEAN') return typeof value === 'boolean' ? undefined : 'true or false';
  if (t === 'DATE') return typeof value === 'string' && validDate(value) ? undefined : 'a date "YYYY-MM-DD"';
  if (t.startsWith('TIMESTAMP')) {
    const ok = typeof value === 'string' && /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(value) && validDate(value.slice(0, 10)) && Number(value.slice(11, 13)) < 24 && Number(value.slice(14, 16)) < 60 && Number(value.slice(17, 19)) < 60;
    return ok ? undefined : 'a timestamp "YYYY-MM-DD HH:MM:SS"';
  }
  return `a supported type (column type ${type} cannot be ingested from JSON lines)`;
}

/**
 * Checks every line of a JSON-lines file against the source schema: each line an object, each key a
 * source column, each value of the column's type. Returns the row count; throws IngestError listing the
 * first problems with their line numbers. Blank lines are skipped.
 */
export function validateJsonl(file: string, schema: ColumnType[], maxProblems = 20): number {
  const byName = new Map(schema.map((c) => [c.name.toLowerCase(), c]));
  const problems: string[] = [];
  let rows = 0;
  const lines = readFileSync(file, 'utf8').split('\n');
  for (const [i, line] of lines.entries()) {
    if (problems.length >= maxProblems) break;
    if (line.trim() === '') continue;
    const where = `line ${i + 1}`;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (err) {
      problems.push(`${where}: expected a JSON object; received invalid JSON (${(err as Error).message})`);
      continue;
    }
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      problems.push(`${where}: expected a JSON object; received ${JSON.stringify(row)}`);
      continue;
    }
    rows++;
    for (const [key, value] of Object.entries(row)) {
      const column = byName.get(key.toLowerCase());
      if (!column) {
        problems.push(`${where}: unknown column "${key}"; expected one of ${schema.map((c) => c.name).join(', ')}`);
        continue;
      }
      const expected = typeProblem(column.type, value);
      if (expected) problems.push(`${where}: column "${key}" (${column.type}): expected ${expected}; received ${JSON.stringify(value)}`);
    }
  }
  if (problems.length) throw new IngestError(file, problems);
  return rows;
}

/**
 * Snapshot summary property an ingest sets to the max raw base_ts of the rows it appended, so the ingest
 * watcher learns a batch's watermark from table metadata alone (no Spark).
 */
export const WATERMARK_PROPERTY = 'summary-pipeline.max-base-ts';

/** Greatest non-null value of `column` in a JSON-lines file ('YYYY-MM-DD HH:MM:SS' strings sort as times). */
export function maxOfColumn(file: string, column: string): string | null {
  let max: string | null = null;
  const wanted = column.toLowerCase();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const row = JSON.parse(line) as Record<string, unknown>;
    for (const [key, value] of Object.entries(row)) {
      if (key.toLowerCase() !== wanted || value === null || value === undefined) continue;
      const text = String(value);
      if (max === null || text > max) max = text;
    }
  }
  return max;
}
