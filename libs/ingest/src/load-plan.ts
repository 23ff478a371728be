import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PipelineConfig, quoteIdent as q, quoteString as lit } from '@app/config';
import { ExpressionError, checkExpression, renderExpression } from '@app/expression';

/** A bad `load` option, or one the config cannot support; nothing was appended. Not retriable. */
export class LoadOptionError extends Error {
  readonly retriable = false;
  constructor(message: string) {
    super(message);
    this.name = this.constructor.name;
  }
}

/** Snapshot summary property of each part's commit: `<loadId>/<part number>/<part count>`, e.g. `3f9c…/2/6`. */
export const LOAD_PART_PROPERTY = 'summary-pipeline.load-part';

export const MAX_CHUNKS = 1000;

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

export interface LoadOptions {
  /** Split by `pmod(xxhash64(key), chunks)`; null = no split by key. */
  chunks: number | null;
  byMonth: boolean;
  months: { from: string; to: string } | null;
  /** The --where predicate as given (part of the load's identity); null = every row. */
  where: string | null;
  /** The same predicate re-rendered from its parse (parseWhere): what the parts run. */
  whereSql: string | null;
  /** Run the pending batches after each part. */
  run: boolean;
}

/**
 * Command-line strings → options, every problem named.
 * Example: {chunks: '3', months: '2024-01..2024-06'} → {chunks: 3, byMonth: false, months: {from: '2024-01', to: '2024-06'}, where: null, run: true}.
 */
export function parseLoadOptions(raw: {
  chunks?: string;
  byMonth?: boolean;
  months?: string;
  where?: string;
  run?: boolean;
}): LoadOptions {
  let chunks: number | null = null;
  if (raw.chunks !== undefined) {
    chunks = /^\d+$/.test(raw.chunks) ? Number(raw.chunks) : NaN;
    if (!(chunks >= 1 && chunks <= MAX_CHUNKS))
      throw new LoadOptionError(`--chunks: expected an integer from 1 to ${MAX_CHUNKS}; received "${raw.chunks}"`);
  }
  let months: LoadOptions['months'] = null;
  if (raw.months !== undefined) {
    const [from, to, ...rest] = raw.months.split('..');
    if (rest.length || !MONTH.test(from ?? '') || !MONTH.test(to ?? '') || from > to) {
      throw new LoadOptionError(
        `--months: expected FROM..TO, two months YYYY-MM with FROM not after TO (e.g. 2024-01..2024-06); received "${raw.months}"`,
      );
    }
    months = { from, to };
  }
  if (raw.where !== undefined && raw.where.trim() === '')
    throw new LoadOptionError('--where: expected a Spark SQL predicate over source columns; received an empty string');
  const where = raw.where ?? null;
  return {
    chunks,
    byMonth: Boolean(raw.byMonth),
    months,
    where,
    whereSql: where === null ? null : parseWhere(where),
    run: raw.run ?? true,
  };
}

/**
 * --where as ONE predicate of the config expression subset (docs/config-expressions.md), re-rendered from
 * its parse so that it cannot close the part's parentheses and add terms of its own (issue 10:
 * `1=1) OR (1=1` escaped the chunk filter and appended the source twice). Columns are resolved by Spark
 * against the file's schema before anything is appended.
 * Example: "status_cd = 'X' OR status_cd IS NULL" → "((`status_cd` = 'X') OR (`status_cd` IS NULL))".
 */
function parseWhere(where: string): string {
  try {
    const { expr, type } = checkExpression(where, { columns: null, describe: 'a source column' });
    if (!['boolean', 'unknown', 'null'].includes(type))
      throw new ExpressionError(
        0,
        `a ${type} value`,
        'a condition (a comparison, IS NULL, IN, BETWEEN, LIKE, AND, OR, NOT, ...)',
      );
    return renderExpression(expr);
  } catch (err) {
    if (!(err instanceof ExpressionError)) throw err;
    throw new LoadOptionError(
      `--where: expected ${err.expected}; found ${err.found} at character ${err.offset} of ${JSON.stringify(where)}`,
    );
  }
}

export interface LoadColumns {
  /** Source column of the key (needed by --chunks). */
  key: string | null;
  /** Source column of the month (needed by --by-month and --months). */
  month: string | null;
  /** Source column of base_ts: each part's watermark. */
  ts: string;
}

/**
 * The source columns the split predicates use. A split must be on the value the pipeline uses: when the
 * config computes the key or month (column_transformations, inferred_columns, a rolling mapper_column),
 * the raw source value is not that value — a chunk would not hold every row of a key and a month range
 * would not select the pipeline's months — so those options are refused.
 */
export function loadColumns(config: PipelineConfig, options: LoadOptions): LoadColumns {
  const source = (dest: string, role: string, flags: string): string => {
    const is = (name: string) => name.toLowerCase() === dest.toLowerCase();
    const computed = [
      ...config.transformations.map((t, i) => is(t.name) && `column_transformations[${i}]`),
      ...config.inferred.map((c, i) => is(c.name) && `inferred_columns[${i}]`),
      ...config.rolling.map((r, i) => is(r.mapperColumn) && `rolling_columns[${i}].mapper_column`),
    ].filter((x): x is string => Boolean(x));
    if (computed.length) {
      throw new LoadOptionError(
        `${flags} split the file by the ${role} column "${dest}", ` +
          `but the config computes it (${computed.join(', ')}), ` +
          `so its source value is not the pipeline's ${role}; load without ${flags} (optionally with --where)`,
      );
    }
    const column = config.columns.find((c) => is(c.dest));
    if (!column)
      throw new LoadOptionError(
        `${flags} need the source column of the ${role} "${dest}"; expected an entry of "columns" whose destination is "${dest}"`,
      );
    return column.source;
  };
  const monthFlags = [options.byMonth && '--by-month', options.months && '--months'].filter(Boolean).join(' and ');
  return {
    key: options.chunks !== null ? source(config.keyColumn, 'key', '--chunks') : null,
    month: monthFlags ? source(config.monthColumn, 'month', monthFlags) : null,
    ts: config.columns.find((c) => c.dest.toLowerCase() === config.tsColumn.toLowerCase())?.source ?? config.tsColumn,
  };
}

export interface LoadFile {
  /** sha256 of the file's bytes. */
  sha256: string;
  /** Distinct values of the month column (null for a missing or null month); empty without a month column. */
  months: (string | null)[];
}

/** Hashes a JSON-lines file and lists its months (keys matched case-insensitively, as ingest does). */
export function scanLoadFile(file: string, monthColumn: string | null): LoadFile {
  const bytes = readFileSync(file);
  const months = new Set<string | null>();
  if (monthColumn !== null) {
    const wanted = monthColumn.toLowerCase();
    for (const line of bytes.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      const entry = Object.entries(JSON.parse(line) as Record<string, unknown>).find(
        ([k]) => k.toLowerCase() === wanted,
      );
      months.add(entry === undefined || entry[1] === null ? null : String(entry[1]));
    }
  }
  return { sha256: createHash('sha256').update(bytes).digest('hex'), months: [...months] };
}

/**
 * A load's identity: the file's content and the options that shape its parts (not --no-run, so a load
 * started with --no-run resumes without it). The same file and options give the same id on any machine.
 */
export function loadId(fileSha256: string, options: LoadOptions): string {
  const shape = [
    fileSha256,
    options.chunks,
    options.byMonth,
    options.months ? `${options.months.from}..${options.months.to}` : null,
    options.where,
  ];
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex').slice(0, 16);
}

export interface LoadPart {
  /** 1-based; the commit's load-part property is `<loadId>/<number>/<count>`. */
  number: number;
  count: number;
  label: string;
  /** Spark SQL predicate over source columns selecting the part's rows; null = every row. */
  where: string | null;
}

/** Month values in load order: valid months ascending, then other values, then NULL. */
function monthOrder(a: string | null, b: string | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The parts of a load, months outer and chunks inner, each one commit of the rows matching its predicate.
 * Example: --by-month --chunks 2, months [2024-02, 2024-01] →
 *   1/4 month 2024-01, chunk 1/2: `rpt_as_of_mo` = '2024-01' AND pmod(xxhash64(`cons_acct_key`), 2) = 0
 *   2/4 month 2024-01, chunk 2/2: … = 1;  3/4 and 4/4 the same for 2024-02.
 * --months keeps the valid months in the range only (rows with another or no month are not loaded); with
 * --by-month alone every month value is a part, NULL last, so nothing of the file is left out.
 */
export function planLoadParts(options: LoadOptions, columns: LoadColumns, fileMonths: (string | null)[]): LoadPart[] {
  const groups: { label: string; predicate: string | null }[] = [];
  if (options.byMonth || options.months) {
    const m = q(columns.month!);
    const range = options.months;
    const selected = fileMonths
      .filter((v) => !range || (v !== null && MONTH.test(v) && v >= range.from && v <= range.to))
      .sort(monthOrder);
    if (!selected.length) {
      const seen = fileMonths.filter((v): v is string => v !== null).sort();
      if (!range) throw new LoadOptionError('--by-month: the file has no rows');
      throw new LoadOptionError(
        `--months ${range.from}..${range.to}: no row of the file has a month in that range; ` +
          `its months: ${seen.length ? `${seen[0]}..${seen[seen.length - 1]}` : 'none'}`,
      );
    }
    if (options.byMonth) {
      for (const v of selected)
        groups.push(
          v === null
            ? { label: 'rows without a month', predicate: `${m} IS NULL` }
            : { label: `month ${v}`, predicate: `${m} = ${lit(v)}` },
        );
    } else {
      groups.push({
        label: `months ${range!.from}..${range!.to}`,
        predicate: `${m} IN (${selected.map((v) => lit(v!)).join(', ')})`,
      });
    }
  } else {
    groups.push({ label: options.whereSql ? 'rows matching --where' : 'all rows', predicate: null });
  }
  const chunks = options.chunks ?? 1;
  const parts: Omit<LoadPart, 'number' | 'count'>[] = [];
  for (const g of groups) {
    for (let i = 0; i < chunks; i++) {
      const chunk = chunks > 1 ? `pmod(xxhash64(${q(columns.key!)}), ${chunks}) = ${i}` : null;
      // whereSql is parenthesised or a single term (renderExpression), so AND cannot split it.
      const predicates = [options.whereSql, g.predicate, chunk].filter((p): p is string => Boolean(p));
      parts.push({
        label: chunks > 1 ? `${g.label}, chunk ${i + 1}/${chunks}` : g.label,
        where: predicates.length ? predicates.join(' AND ') : null,
      });
    }
  }
  return parts.map((p, i) => ({ number: i + 1, count: parts.length, ...p }));
}
