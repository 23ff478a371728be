import { CASE_ORDER, CaseName } from '@app/compiler';
import { columnModel, quoteIdent as q, quoteString as lit } from '@app/config';
import { checksumQuery } from './bench-jobs';
import { batchAccount, batchComposition, dailyBatchSql } from './generator';
import { measurePending } from './measure';
import { BenchContext } from './phases';
import { median, sec } from './stats';
import { SavedState, TableSet } from './table-set';

/** One day of the sustained run, as measured. */
export interface SustainedDay {
  day: number;
  batchMs: number;
  maintenanceMs: number;
  /** What runPending's maintenance ran; null when nothing was due. */
  maintenanceCalls: string[] | null;
  inputRows: number;
  caseRows: Record<CaseName, number>;
}

export interface ReadTimes {
  fullScanMs: number[];
  pointReadMs: number[];
}

export interface SustainedRaw {
  days: SustainedDay[];
  batchRows: number;
  /** The account read by the point read: one the day-1 batch backfilled. */
  pointKey: number;
  summaryRows: number;
  before: ReadTimes;
  compactionMs: number;
  after: ReadTimes;
}

/** latest.json's `sustained`: issue #9's figures first, then the per-day series and the reads. */
export interface SustainedResult {
  batches: number;
  first_s: number;
  last_s: number;
  maintenance_s_per_day: number;
  daily_cost_s: number;
  full_scan_ratio: number;
  point_read_ratio: number;
  batch_s: number[];
  maintenance_s: number[];
  days: {
    day: number;
    batch_s: number;
    maintenance_s: number;
    maintenance_calls: string[] | null;
    records: number;
    cases: Record<CaseName, number>;
    as_generated: boolean;
  }[];
  summary_rows: number;
  reads: {
    point_key: number;
    full_scan: { before_s: number; after_s: number };
    point_read: { before_s: number; after_s: number };
    compaction_s: number;
  };
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;

/** Whether classify counted the day's batch as dailyBatchSql meant it (5% / 85% / 10%). */
export function asGenerated(day: Pick<SustainedDay, 'inputRows' | 'caseRows'>, rows: number): boolean {
  const want = batchComposition(rows);
  return (
    day.inputRows === rows &&
    day.caseRows.CASE_I === want.newAccounts &&
    day.caseRows.CASE_II === want.forward &&
    day.caseRows.CASE_III === want.backfill
  );
}

/**
 * The days and reads → issue #9's figures. Example: batches 5.0 s then 6.0 s, maintenance 0 and 2 s →
 * first 5, last 6, maintenance 1 s/day, daily cost 6.5 s; ratios are median read before ÷ after compaction.
 */
export function sustainedResult(raw: SustainedRaw): SustainedResult {
  if (!raw.days.length) throw new RangeError('sustainedResult of no days');
  const batch = raw.days.map((d) => sec(d.batchMs));
  const maintenance = raw.days.map((d) => sec(d.maintenanceMs));
  const ratio = (before: number[], after: number[]) => Math.round((median(before) / median(after)) * 100) / 100;
  return {
    batches: raw.days.length,
    first_s: batch[0],
    last_s: batch[batch.length - 1],
    maintenance_s_per_day: round3(mean(maintenance)),
    daily_cost_s: round3(mean(batch) + mean(maintenance)),
    full_scan_ratio: ratio(raw.before.fullScanMs, raw.after.fullScanMs),
    point_read_ratio: ratio(raw.before.pointReadMs, raw.after.pointReadMs),
    batch_s: batch,
    maintenance_s: maintenance,
    days: raw.days.map((d, i) => ({
      day: d.day,
      batch_s: batch[i],
      maintenance_s: maintenance[i],
      maintenance_calls: d.maintenanceCalls,
      records: d.inputRows,
      cases: d.caseRows,
      as_generated: asGenerated(d, raw.batchRows),
    })),
    summary_rows: raw.summaryRows,
    reads: {
      point_key: raw.pointKey,
      full_scan: { before_s: sec(median(raw.before.fullScanMs)), after_s: sec(median(raw.after.fullScanMs)) },
      point_read: { before_s: sec(median(raw.before.pointReadMs)), after_s: sec(median(raw.after.pointReadMs)) },
      compaction_s: sec(raw.compactionMs),
    },
  };
}

/** rewrite_data_files of every file (deletes applied, dangling delete files dropped): "a freshly compacted table". */
export function compactAllCall(set: TableSet): string {
  const t = set.config.summaryTable;
  return (
    `CALL ${q(t.catalog)}.system.rewrite_data_files(table => ${lit(`${t.namespace}.${t.table}`)}, ` +
    `options => map('rewrite-all', 'true', 'remove-dangling-deletes', 'true'))`
  );
}

async function timeReads(ctx: BenchContext, set: TableSet, pointKey: number): Promise<ReadTimes> {
  const t = set.config.summaryTable;
  const scan = checksumQuery(t, columnModel(set.config).summary);
  const point = `SELECT * FROM ${t.sql} WHERE ${q(set.config.keyColumn)} = ${pointKey} ORDER BY ${q(set.config.monthColumn)}`;
  const timed = async (sql: string) => {
    const began = Date.now();
    await set.runner.query(sql, 100_000);
    return Date.now() - began;
  };
  // One untimed read of each first: both sides of the ratio then run with warm JVM code paths.
  await timed(scan);
  await timed(point);
  const out: ReadTimes = { fullScanMs: [], pointReadMs: [] };
  for (let r = 0; r < ctx.repeat; r++) {
    out.fullScanMs.push(await timed(scan));
    out.pointReadMs.push(await timed(point));
  }
  return out;
}

/**
 * Issue #9's sustained operation on the base table after the other phases, brought back to its state
 * before any batch (`empty`): `days` consecutive daily batches (dailyBatchSql), each appended and run
 * through runPending with whatever maintenance runPending schedules; then a full scan and a one-account
 * history read, a full compaction of summary, and the same reads again. A day whose classify counts differ
 * from the generator's split is reported (`as_generated: false`), not fatal.
 */
export async function measureSustained(
  ctx: BenchContext,
  set: TableSet,
  empty: SavedState,
  days: number,
): Promise<SustainedRaw> {
  await set.restore(empty);
  const rows = ctx.sizes.batchRows;
  const accounts = ctx.sizes.accounts;
  const out: SustainedDay[] = [];
  for (let day = 1; day <= days; day++) {
    const r = await set.append(dailyBatchSql(set.config, ctx.shape, rows, accounts, day), `generate day ${day}`);
    if (r.rows !== rows) throw new Error(`day ${day}: the generator appended ${r.rows} rows; expected ${rows}`);
    const s = await measurePending(set);
    const d: SustainedDay = {
      day,
      batchMs: s.wallMs,
      maintenanceMs: s.maintenanceMs,
      maintenanceCalls: s.maintenanceCalls,
      inputRows: s.inputRows,
      caseRows: s.caseRows,
    };
    out.push(d);
    const split = CASE_ORDER.map((c) => `${c} ${s.caseRows[c]}`).join(', ');
    const maintenance = s.maintenanceCalls
      ? `${(s.maintenanceMs / 1000).toFixed(1)} s (${s.maintenanceCalls.length} call(s))`
      : 'none due';
    ctx.log(
      `day ${day}/${days}: batch ${(s.wallMs / 1000).toFixed(1)} s, ` +
        `maintenance ${maintenance}; ${split}${asGenerated(d, rows) ? '' : ' (NOT as generated)'}`,
    );
  }
  const c = batchComposition(rows);
  const pointKey = ctx.shape.keyBase + batchAccount(c.forward, accounts); // day 1's first backfill
  const summaryRows = await set.count(set.config.summaryTable);
  const before = await timeReads(ctx, set, pointKey);
  const began = Date.now();
  await set.runner.query(compactAllCall(set), 1000);
  const compactionMs = Date.now() - began;
  const after = await timeReads(ctx, set, pointKey);
  ctx.log(
    `sustained reads: full scan ${median(before.fullScanMs)} → ${median(after.fullScanMs)} ms, ` +
      `point read ${median(before.pointReadMs)} → ${median(after.pointReadMs)} ms ` +
      `(compaction ${(compactionMs / 1000).toFixed(1)} s)`,
  );
  return { days: out, batchRows: rows, pointKey, summaryRows, before, compactionMs, after };
}
