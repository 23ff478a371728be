import { sourceName } from '@app/compiler';
import { PipelineConfig, SourceColumn, quoteIdent as q, quoteString as lit } from '@app/config';
import { BATCH_MIX, REPORT_ROWS, REPORT_VETOES } from './options';

/**
 * The seed 000 §9 data shape, generated inside Spark (`INSERT … SELECT … FROM range(n)`): 2.35M rows as
 * JSON would cost minutes of parsing; in SQL they cost seconds. Every value is a function of (seed,
 * account, month, column) through xxhash64, so the data is the same on every machine and independent of
 * Spark's partitioning, and an account's history does not depend on how many accounts the table has: the
 * 3× and 10× tables hold the base table's accounts unchanged, so one batch is "the same batch" for all.
 */
export interface DataShape {
  seed: number;
  /** Last month of every history (YYYY-MM); forward months are the next ones. */
  endMonth: string;
  /** Months per account, uniform in [minMonths, maxMonths]: mean 24, so ~23.5 rows with gaps (seed: 2,348,547 per 100K). */
  minMonths: number;
  maxMonths: number;
  /** Per mille of months (other than the last) missing from a history: gaps. */
  gapPerMille: number;
  /** Per mille of forward records that skip a month (a gap of 2). */
  forwardGapPerMille: number;
  /** Backfills and corrections hit one of the `backfillMonths` months before the last. */
  backfillMonths: number;
  /** Key of account i is keyBase + i; new accounts of a batch get newKeyBase + record number. */
  keyBase: number;
  newKeyBase: number;
}

export function dataShape(seed: number): DataShape {
  return {
    seed,
    endMonth: '2025-12',
    minMonths: 12,
    maxMonths: 36,
    gapPerMille: 20,
    forwardGapPerMille: 50,
    backfillMonths: 11,
    keyBase: 1_000_000,
    newKeyBase: 500_000_000,
  };
}

export interface BatchComposition {
  rows: number;
  newAccounts: number;
  forward: number;
  backfill: number;
}

/** 10,000 → {newAccounts: 500, forward: 8,500, backfill: 1,000}; one record per account. */
export function batchComposition(rows: number): BatchComposition {
  const newAccounts = Math.round(rows * BATCH_MIX.newAccounts);
  const backfill = Math.round(rows * BATCH_MIX.backfill);
  return { rows, newAccounts, forward: rows - newAccounts - backfill, backfill };
}

const MULTIPLIERS = [1_000_003, 1_000_033, 1_000_037];

/** A prime not dividing `accounts`: j → j·p mod accounts is then a permutation of the accounts. */
export function accountMultiplier(accounts: number): number {
  return MULTIPLIERS.find((p) => accounts % p !== 0)!;
}

/** Account (0-based) of the batch's record j < forward + backfill; spread over the whole key range. */
export function batchAccount(j: number, accounts: number): number {
  return Number((BigInt(j) * BigInt(accountMultiplier(accounts))) % BigInt(accounts));
}

/** The row being generated, as SQL expressions over the inner query `r`. */
const ROW = { key: 'r.`__key`', month: 'r.`__month`', ts: 'r.`__ts`', salt: 'r.`__salt`' };

function hash(shape: DataShape, ...parts: string[]): string {
  return `xxhash64(${shape.seed}, ${parts.join(', ')})`;
}

/** A month relative to the shape's end month, as 'YYYY-MM' (SQL); `offset` is an INT expression. */
function monthAt(shape: DataShape, offset: string): string {
  return `date_format(add_months(DATE ${lit(`${shape.endMonth}-01`)}, ${offset}), 'yyyy-MM')`;
}

/** A timestamp in the first day of the month `offset` months after the end month. */
function tsAt(shape: DataShape, offset: string, h: string): string {
  return `timestamp_seconds(unix_seconds(CAST(add_months(DATE ${lit(`${shape.endMonth}-01`)}, ${offset}) AS TIMESTAMP)) + pmod(${h}, 86400))`;
}

/**
 * The value of one source column for the row: the key, month and base_ts by role; other columns by type
 * (integers 0..9999 with 3% −1 sentinels, small string codes, a date in the row's month, …).
 */
export function columnExpr(
  config: PipelineConfig,
  column: SourceColumn,
  shape: DataShape,
  withDeletes = false,
): string {
  const dest = (
    config.columns.find((c) => c.source.toLowerCase() === column.name.toLowerCase())?.dest ?? column.name
  ).toLowerCase();
  // SPEC §4a: a row flagged `__delete` carries the first delete code in the soft-delete column.
  if (withDeletes && config.softDelete && dest === config.softDelete.column.toLowerCase()) {
    return `CASE WHEN r.\`__delete\` THEN CAST(${lit(config.softDelete.codes[0])} AS ${column.type}) ELSE ${columnExpr(config, column, shape)} END`;
  }
  const type = column.type.toUpperCase();
  const cast = (expr: string) => `CAST(${expr} AS ${column.type})`;
  const h = hash(shape, ROW.key, ROW.month, ROW.salt, lit(column.name));
  if (dest === config.keyColumn.toLowerCase()) return cast(ROW.key);
  if (dest === config.monthColumn.toLowerCase()) return cast(ROW.month);
  if (dest === config.tsColumn.toLowerCase() || type.startsWith('TIMESTAMP')) return cast(ROW.ts);
  if (type === 'DATE') return `date_add(to_date(concat(${ROW.month}, '-01')), CAST(pmod(${h}, 28) AS INT))`;
  if (type === 'BOOLEAN') return `pmod(${h}, 2) = 0`;
  if (/^(DOUBLE|FLOAT|DECIMAL)/.test(type)) return cast(`pmod(${h}, 10000000) / 100`);
  if (/^(BIGINT|LONG|INT|INTEGER|SMALLINT)$/.test(type))
    return cast(`CASE WHEN pmod(${h}, 100) < 3 THEN -1 ELSE pmod(${h} DIV 128, 10000) END`);
  if (type === 'TINYINT') return cast(`pmod(${h}, 100)`);
  return cast(`pmod(${h}, 7)`);
}

function insert(config: PipelineConfig, shape: DataShape, rows: string, withDeletes = false): string {
  const values = config.sourceSchema.map((c) => `${columnExpr(config, c, shape, withDeletes)} AS ${q(c.name)}`);
  return `INSERT INTO ${config.sourceTable.sql}\nSELECT\n  ${values.join(',\n  ')}\nFROM (\n${rows}\n) r`;
}

export interface HistorySlice {
  /** Accounts 0 … accounts − 1. */
  accounts: number;
  /** Only the accounts of chunk `chunk` of `chunks` (by hash of the account: every chunk spans the key range). */
  chunks: number;
  chunk: number;
}

/**
 * Source rows of account histories: account i has minMonths … maxMonths months ending at endMonth, the
 * last always present, the others missing with gapPerMille ‰; base_ts in the month after the row's month.
 */
export function historySql(config: PipelineConfig, shape: DataShape, slice: HistorySlice): string {
  const chunkFilter =
    slice.chunks > 1 ? `\n    WHERE pmod(${hash(shape, 'id', "'chunk'")}, ${slice.chunks}) = ${slice.chunk}` : '';
  const rows = `  SELECT
    ${shape.keyBase} + a.id AS \`__key\`,
    ${monthAt(shape, '-g.back')} AS \`__month\`,
    ${tsAt(shape, '1 - g.back', hash(shape, 'a.id', 'g.back', "'ts'"))} AS \`__ts\`,
    'h' AS \`__salt\`
  FROM (
    SELECT id, CAST(${shape.minMonths} + pmod(${hash(shape, 'id', "'months'")}, ${shape.maxMonths - shape.minMonths + 1}) AS INT) AS n
    FROM range(0, ${slice.accounts})${chunkFilter}
  ) a
  LATERAL VIEW explode(sequence(0, a.n - 1)) g AS back
  WHERE g.back = 0 OR pmod(${hash(shape, 'a.id', 'g.back', "'gap'")}, 1000) >= ${shape.gapPerMille}`;
  return insert(config, shape, rows);
}

/**
 * One mixed batch of `rows` records over a table whose first `baseAccounts` accounts it touches:
 * records 0 … forward − 1 move an account forward (endMonth + 1, or + 2 with forwardGapPerMille ‰),
 * the next `backfill` correct one of the backfillMonths months before endMonth, the rest open new
 * accounts at endMonth + 1. base_ts is two months after the forward month, newer than any history row.
 * With `deletes` (SPEC §4a) the first that many backfills of a month the account has (not a history gap)
 * are delete rows, their soft-delete column holding the config's first code: the same keys, months and
 * base_ts, so the same batch with deletes of existing months instead of those corrections.
 */
export function batchSql(
  config: PipelineConfig,
  shape: DataShape,
  rows: number,
  baseAccounts: number,
  deletes = 0,
): string {
  const c = batchComposition(rows);
  const existing = c.forward + c.backfill;
  if (deletes > c.backfill)
    throw new RangeError(`deletes: at most the batch's ${c.backfill} backfills; received ${deletes}`);
  if (deletes > 0 && !config.softDelete) throw new RangeError('deletes: the config has no soft_delete (SPEC §4a)');
  const existingKey = `${shape.keyBase} + pmod(id * ${accountMultiplier(baseAccounts)}, ${baseAccounts})`;
  const forwardMonths = `CASE WHEN pmod(${hash(shape, 'id', "'forward-gap'")}, 1000) < ${shape.forwardGapPerMille} THEN 2 ELSE 1 END`;
  const backfillMonths = `-1 - CAST(pmod(${hash(shape, 'id', "'backfill'")}, ${shape.backfillMonths}) AS INT)`;
  const sql = `  SELECT
    CASE WHEN id < ${existing} THEN ${existingKey} ELSE ${shape.newKeyBase} + id END AS \`__key\`,
    CASE
      WHEN id < ${c.forward} THEN ${monthAt(shape, forwardMonths)}
      WHEN id < ${existing} THEN ${monthAt(shape, backfillMonths)}
      ELSE ${monthAt(shape, '1')}
    END AS \`__month\`,
    ${tsAt(shape, '3', hash(shape, 'id', "'ts'"))} AS \`__ts\`,
    'b' AS \`__salt\`${deletes > 0 ? `,\n    ${deleteFlag(shape, c.forward, existing, baseAccounts, deletes)} AS \`__delete\`` : ''}
  FROM range(0, ${rows})`;
  return insert(config, shape, sql, deletes > 0);
}

/**
 * batchSql's `__delete`: record `id` is one of the first `deletes` backfills whose month exists in the
 * account's history (historySql drops month `back` of account a when its 'gap' hash is < gapPerMille ‰).
 */
function deleteFlag(
  shape: DataShape,
  forward: number,
  existing: number,
  baseAccounts: number,
  deletes: number,
): string {
  if (shape.backfillMonths >= shape.minMonths)
    throw new RangeError('backfillMonths must stay below minMonths: a backfill month is then inside every history');
  const account = `pmod(id * ${accountMultiplier(baseAccounts)}, ${baseAccounts})`;
  const back = `1 + CAST(pmod(${hash(shape, 'id', "'backfill'")}, ${shape.backfillMonths}) AS INT)`;
  const candidate = `(id >= ${forward} AND id < ${existing} AND pmod(${hash(shape, account, back, "'gap'")}, 1000) >= ${shape.gapPerMille})`;
  return `coalesce(${candidate} AND sum(CASE WHEN ${candidate} THEN 1 ELSE 0 END) OVER (ORDER BY id) <= ${deletes}, false)`;
}

/** SQL for "account position p has been moved forward n times before day d" (see dailyBatchSql). */
function roundsBefore(position: string, day: number, forward: number, accounts: number): string {
  // Day d's forward records take positions (d−1)·F … d·F − 1 of the account permutation, cyclically:
  // position p was taken before day d by every k < (d−1)·F with k ≡ p (mod A), i.e. ⌈((d−1)·F − p) / A⌉ times.
  return `CAST((${(day - 1) * forward} - ${position} + ${accounts - 1}) DIV ${accounts} AS INT)`;
}

/** Months after endMonth of an account's r-th forward record (r ≥ 0): +1 a round, +1 once from its gap round on. */
function forwardOffset(shape: DataShape, account: string, round: string): string {
  const gapRound = `pmod(${hash(shape, account, "'gap-round'")}, ${Math.round(1000 / shape.forwardGapPerMille)})`;
  return `(${round} + 1 + CASE WHEN ${round} >= ${gapRound} THEN 1 ELSE 0 END)`;
}

/**
 * Day `day` (1, 2, …) of a sustained run: a batch like batchSql's (5% new, 85% forward, 10% backfill),
 * valid on the table as the batches of days 1 … day − 1 left it, without reading it. The existing accounts
 * are walked in the permuted order of batchAccount, F = forward records a day: day d moves positions
 * (d−1)·F … d·F − 1 (mod A) one month past their latest (two once per account, from a hashed "gap
 * round": ~5% of forward records skip a month); its backfills take the next B positions, one of the
 * backfillMonths months before that account's latest; new accounts get keys never used on an earlier day.
 * base_ts grows with the day (a year after endMonth + day days), so every record is newer than what it
 * replaces. Example: A = 2,000, F = 170: day 12's forward records are positions 1,870 … 2,039 mod 2,000,
 * the last 40 of which move forward a second time.
 */
export function dailyBatchSql(
  config: PipelineConfig,
  shape: DataShape,
  rows: number,
  baseAccounts: number,
  day: number,
): string {
  if (!Number.isInteger(day) || day < 1) throw new RangeError(`day: expected an integer ≥ 1; received ${day}`);
  const c = batchComposition(rows);
  const existing = c.forward + c.backfill;
  if (existing > baseAccounts)
    throw new RangeError(
      `a daily batch of ${rows} needs ${existing} distinct existing accounts; the table has ${baseAccounts}`,
    );
  const start = (day - 1) * c.forward;
  const position = `pmod(${start} + id, ${baseAccounts})`;
  const account = `pmod(${position} * ${accountMultiplier(baseAccounts)}, ${baseAccounts})`;
  const rounds = roundsBefore(position, day, c.forward, baseAccounts);
  const latestOffset = `CASE WHEN ${rounds} = 0 THEN 0 ELSE ${forwardOffset(shape, account, `${rounds} - 1`)} END`;
  const dayTag = lit(`day-${day}`);
  const backfillOffset = `${latestOffset} - 1 - CAST(pmod(${hash(shape, 'id', dayTag, "'backfill'")}, ${shape.backfillMonths}) AS INT)`;
  const dayStart = `unix_seconds(CAST(add_months(DATE ${lit(`${shape.endMonth}-01`)}, 12) AS TIMESTAMP)) + ${(day - 1) * 86400}`;
  const sql = `  SELECT
    CASE WHEN id < ${existing} THEN ${shape.keyBase} + ${account} ELSE ${shape.newKeyBase} + ${(day - 1) * rows} + id END AS \`__key\`,
    CASE
      WHEN id < ${c.forward} THEN ${monthAt(shape, forwardOffset(shape, account, rounds))}
      WHEN id < ${existing} THEN ${monthAt(shape, backfillOffset)}
      ELSE ${monthAt(shape, `1 + ${Math.floor(start / baseAccounts)}`)}
    END AS \`__month\`,
    timestamp_seconds(${dayStart} + pmod(${hash(shape, 'id', dayTag, "'ts'")}, 86400)) AS \`__ts\`,
    ${lit(`d${day}`)} AS \`__salt\`
  FROM range(0, ${rows})`;
  return insert(config, shape, sql);
}

/**
 * What dailyBatchSql generates for the existing accounts, in TypeScript (for the tests): per record, the
 * account and its month as an offset from endMonth. `gapRound(account)` stands for the SQL's hashed gap round.
 */
export function dailyExistingRecords(
  rows: number,
  accounts: number,
  day: number,
  gapRound: (account: number) => number,
): { account: number; offset: number; kind: 'forward' | 'backfill' }[] {
  const c = batchComposition(rows);
  const offset = (account: number, round: number) => round + 1 + (round >= gapRound(account) ? 1 : 0);
  return Array.from({ length: c.forward + c.backfill }, (_, id) => {
    const position = ((day - 1) * c.forward + id) % accounts;
    const account = batchAccount(position, accounts);
    const rounds = Math.floor(((day - 1) * c.forward - position + accounts - 1) / accounts);
    if (id < c.forward) return { account, offset: offset(account, rounds), kind: 'forward' as const };
    const latest = rounds === 0 ? 0 : offset(account, rounds - 1);
    return { account, offset: latest - 1, kind: 'backfill' as const }; // the SQL subtracts a hashed 0 … backfillMonths − 1 more
  });
}

/** The report rows beside the delete batch (issue 23): vetoes of its deletes, rows on its other cells, rows on existing cells. */
export interface ReportComposition {
  rows: number;
  /** On cells the batch deletes, with no delete code: each keeps its month (SPEC §4b line 4). */
  vetoes: number;
  /** On cells of the batch's other records (new, forward, backfill): they settle the date or not. */
  batchCells: number;
  /** On summary cells of accounts the batch does not touch: a later date re-resolves the cell. */
  existingCells: number;
}

/**
 * REPORT_ROWS and REPORT_VETOES at `scale` (at least 1 each), the vetoes at most the batch's `deletes`; the
 * rest half on the batch's other records (at most `batchRows` − `deletes` of them), half on existing cells.
 * Example: scale 1, 100 deletes, 10,000 records → {rows: 1000, vetoes: 100, batchCells: 450, existingCells: 450}.
 */
export function reportComposition(scale: number, deletes: number, batchRows: number): ReportComposition {
  const rows = Math.max(1, Math.round(REPORT_ROWS * scale));
  const vetoes = Math.min(Math.max(1, Math.round(REPORT_VETOES * scale)), deletes, rows);
  const batchCells = Math.min(Math.ceil((rows - vetoes) / 2), batchRows - deletes);
  return { rows, vetoes, batchCells, existingCells: rows - vetoes - batchCells };
}

/**
 * Report rows (SPEC §4b) for the batch just appended to `config`'s source (the source holds that batch
 * only) over the summary beside it, as one INSERT into the report table, deterministic by seed: the first
 * `vetoes` of the batch's delete rows, the first `batchCells` of its other rows and the first
 * `existingCells` summary cells of accounts the batch does not touch, each in the order of a seeded hash of
 * (key, date). A report row has the cell's key, a date in the cell's month (hashed day 1–28), a base_ts like
 * the batch's and a delete-column value that is none of the codes (a hashed digit, NULL where that digit is
 * a code); columns of other roles are NULL.
 */
export function reportRowsSql(config: PipelineConfig, shape: DataShape, c: ReportComposition): string {
  const report = config.reportDates;
  const sd = config.softDelete;
  if (!report || !sd)
    throw new RangeError('report rows: the config needs hist_rpt_dt_table and soft_delete (SPEC §4a, §4b)');
  const src = (dest: string) => q(sourceName(config, dest));
  const deleted = `coalesce(CAST(${src(sd.column)} AS STRING) IN (${sd.codes.map(lit).join(', ')}), false)`;
  const order = (key: string, date: string, tag: string) =>
    `ORDER BY ${hash(shape, key, date, lit(tag))}, ${key}, ${date}`;
  const batchPart = (where: string, tag: string, n: number) =>
    `  SELECT * FROM (SELECT ${src(config.keyColumn)} AS \`__key\`, ` +
    `CAST(${src(config.dateColumn)} AS DATE) AS \`__date\` FROM ${config.sourceTable.sql} ` +
    `WHERE ${where} ${order(src(config.keyColumn), src(config.dateColumn), tag)} LIMIT ${n})`;
  const key = q(config.keyColumn);
  const existing = `  SELECT * FROM (SELECT s.${key} AS \`__key\`, CAST(s.${q(config.dateColumn)} AS DATE) AS \`__date\` FROM ${config.summaryTable.sql} s
    LEFT ANTI JOIN (SELECT DISTINCT ${src(config.keyColumn)} AS k FROM ${config.sourceTable.sql}) b ON b.k = s.${key}
    ${order(`s.${key}`, `s.${q(config.dateColumn)}`, 'report-existing')} LIMIT ${c.existingCells})`;
  const h = (tag: string) => hash(shape, 'c.`__key`', 'c.`__date`', lit(tag));
  const digit = `CAST(pmod(${h('report-code')}, 7) AS STRING)`;
  const value = (role: string): string => {
    if (role === report.keyColumn) return 'c.`__key`';
    if (role === report.dateColumn)
      return `date_add(trunc(c.\`__date\`, 'MM'), CAST(pmod(${h('report-date')}, 28) AS INT))`;
    if (role === report.tsColumn) return tsAt(shape, '3', h('report-ts'));
    if (role === report.deleteColumn)
      return `CASE WHEN ${digit} IN (${sd.codes.map(lit).join(', ')}) THEN NULL ELSE ${digit} END`;
    return 'NULL';
  };
  const columns = report.schema.length ? report.schema : report.columns.map((name) => ({ name, type: 'STRING' }));
  const parts = [
    c.vetoes > 0 ? batchPart(deleted, 'report-veto', c.vetoes) : null,
    c.batchCells > 0 ? batchPart(`NOT ${deleted}`, 'report-batch', c.batchCells) : null,
    c.existingCells > 0 ? existing : null,
  ].filter((p): p is string => p !== null);
  return `INSERT INTO ${report.table.sql}
SELECT
  ${columns.map((col) => `CAST(${value(col.name)} AS ${col.type}) AS ${q(col.name)}`).join(',\n  ')}
FROM (
${parts.join('\n  UNION ALL\n')}
) c`;
}
