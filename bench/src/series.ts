import { RunSample } from './measure';
import { BenchContext, appendBatch, buildTable, phase, repeatBatch } from './phases';
import { SavedState, TableSet } from './table-set';

export interface BatchSeriesPoint {
  rows: number;
  samples: RunSample[];
}

/**
 * Batches of every size against the base table. The source goes back to its state before any batch, one
 * batch is appended, and it is measured like the main one; the main batch's size reuses its samples.
 * The set ends with the main batch pending again (`withBatch`).
 */
export async function measureBatchSeries(
  ctx: BenchContext,
  set: TableSet,
  main: { empty: SavedState; withBatch: SavedState; rows: number; samples: RunSample[] },
): Promise<BatchSeriesPoint[]> {
  const out: BatchSeriesPoint[] = [];
  for (const rows of ctx.sizes.batchSizes) {
    if (rows === main.rows) {
      out.push({ rows, samples: main.samples });
      continue;
    }
    const r = await phase(ctx.log, `batch of ${rows} records × ${ctx.repeat}`, async () => {
      await set.restore(main.empty);
      await appendBatch(ctx, set, rows);
      return repeatBatch(ctx, set, await set.save(), `batch ${rows}`, { rows });
    });
    out.push({ rows, samples: r.samples });
  }
  await set.restore(main.withBatch);
  return out;
}

export interface TableSeriesPoint {
  factor: number;
  accounts: number;
  summaryRows: number;
  buildMs: number | null;
  samples: RunSample[];
}

/**
 * The main batch against tables of every factor × the base accounts, each built in its own namespace
 * (`<base>_x<f>`) through the initial load and dropped after; factor 1 reuses the base measurements.
 */
export async function measureTableSeries(
  ctx: BenchContext,
  baseNamespace: string,
  base: { accounts: number; summaryRows: number; samples: RunSample[] },
): Promise<TableSeriesPoint[]> {
  const out: TableSeriesPoint[] = [];
  const rows = ctx.sizes.batchRows;
  for (const factor of ctx.sizes.tableFactors) {
    if (factor === 1) {
      out.push({
        factor,
        accounts: base.accounts,
        summaryRows: base.summaryRows,
        buildMs: null,
        samples: base.samples,
      });
      continue;
    }
    const built = await phase(
      ctx.log,
      `${factor}× table: ${(base.accounts * factor).toLocaleString('en-US')} accounts`,
      () => buildTable(ctx, `${baseNamespace}_x${factor}`, factor),
    );
    await appendBatch(ctx, built.set, rows);
    const what = `batch of ${rows} on the ${factor}× table (${built.summaryRows.toLocaleString('en-US')} rows) × ${ctx.repeat}`;
    const r = await phase(ctx.log, what, async () =>
      repeatBatch(ctx, built.set, await built.set.save(), `${factor}× table`, { rows }),
    );
    out.push({
      factor,
      accounts: built.accounts,
      summaryRows: built.summaryRows,
      buildMs: built.buildMs,
      samples: r.samples,
    });
    await built.set.drop(true);
  }
  return out;
}
