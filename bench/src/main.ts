import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseConfig } from '@app/config';
import { engineOptionsFromEnv, repoRoot, runnerEngineConfig } from '@app/runner-client';
import { BenchDocument, ChecksumPair, Measurements, buildDocument } from './document';
import { environment } from './environment';
import { batchComposition, dataShape, reportComposition } from './generator';
import { renderMarkdown } from './markdown';
import { BATCH_DELETES, BenchOptions, SEED_SIMULATION, benchSizes, parseOptions, resultFiles } from './options';
import { QuickReference, quickDocument, quickReference, quickTable, renderQuickMarkdown } from './quick';
import { WriteMode } from './bench-jobs';
import { measureColdRun, stopCliRuns } from './cold-run';
import {
  BenchContext,
  DeleteBatchResult,
  RepeatResult,
  appendBatch,
  buildTable,
  fullRebuild,
  measureDeleteBatch,
  measureNoop,
  phase,
  repeatBatch,
  setWriteMode,
  tableWriteMode,
} from './phases';
import { measureSustained } from './sustained';
import { measureBatchSeries, measureTableSeries } from './series';
import { RecordingRunner } from './recording-runner';
import { renderClusterMarkdown, runClusterBench } from './cluster';
import { readRawConfig, tableRoles, variantConfig } from './table-set';
import { ReportBatchResult, measureReportBatch, reportRaw } from './report-batch';

const log = (message: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
const BASE = 'bench';
const REPORT_NAMESPACE = `${BASE}_report`;

async function measure(o: BenchOptions, ctx: BenchContext, env: Measurements['environment']): Promise<Measurements> {
  const { sizes } = ctx;
  const base = await phase(log, `base table: ${sizes.accounts.toLocaleString('en-US')} accounts`, () =>
    buildTable(ctx, BASE, 1),
  );
  const { set } = base;
  log(
    `base table: ${base.summaryRows.toLocaleString('en-US')} summary rows, ${base.latestRows.toLocaleString('en-US')} latest rows`,
  );
  const empty = await set.save();
  await appendBatch(ctx, set, sizes.batchRows);
  const withBatch = await set.save();
  const rows = sizes.batchRows;

  const skip = (p: BenchOptions['skip'][number]) => o.skip.includes(p);
  const defaultMode = await tableWriteMode(set);
  const other: WriteMode = defaultMode === 'merge-on-read' ? 'copy-on-write' : 'merge-on-read';
  const inc = await phase(log, `incremental batch of ${rows} (${defaultMode}, the tables' default) × ${o.repeat}`, () =>
    repeatBatch(ctx, set, withBatch, defaultMode, { rows, checksums: true, amplification: true }),
  );
  const noop = skip('overhead')
    ? null
    : await phase(log, 'per-job overhead (no-op jobs under the ledger)', () =>
        measureNoop(set, withBatch, Math.max(5, 2 * o.repeat)),
      );
  let cmp: RepeatResult | null = null;
  if (!skip('modes')) {
    cmp = await phase(log, `incremental batch of ${rows} (${other}, for comparison) × ${o.repeat}`, async () => {
      await setWriteMode(set, other);
      try {
        return await repeatBatch(ctx, set, withBatch, other, { rows, checksums: true, amplification: true });
      } finally {
        await setWriteMode(set, defaultMode);
      }
    });
  }
  const byMode = (mode: WriteMode) => (mode === defaultMode ? inc : cmp);
  let deleteBatch: DeleteBatchResult | null = null;
  let reportBatch: ReportBatchResult | null = null;
  const deletes = Math.min(Math.max(1, Math.round(BATCH_DELETES * o.scale)), batchComposition(rows).backfill);
  if (!skip('deletes')) {
    deleteBatch = await phase(
      log,
      `the batch of ${rows} with ${deletes} backfills replaced by deletes (soft delete on) × ${o.repeat}`,
      () => measureDeleteBatch(ctx, set, BASE, { empty, withBatch, rows, deletes }),
    );
  }
  // Issue 23: beside the delete batch of this run (parseOptions leaves it out when the delete batch is).
  if (!skip('report')) {
    const composition = reportComposition(o.scale, deletes, rows);
    reportBatch = await phase(
      log,
      `the same batch with ${composition.rows} report rows (${composition.vetoes} vetoes) and unbounded history × ${o.repeat}`,
      () => measureReportBatch(ctx, set, REPORT_NAMESPACE, { empty, rows, deletes, composition }),
    );
  }
  const rebuild = skip('rebuild') ? null : await phase(log, `full rebuild × ${o.repeat}`, () => fullRebuild(ctx, BASE));

  const batchSeries = skip('batch')
    ? []
    : await measureBatchSeries(ctx, set, { empty, withBatch, rows, samples: inc.samples });
  const tableSeries = skip('table')
    ? []
    : await measureTableSeries(ctx, BASE, {
        accounts: base.accounts,
        summaryRows: base.summaryRows,
        samples: inc.samples,
      });
  // The last two fail on their own: a failure is reported as a failed check, the rest is still written.
  const failures: { phase: string; message: string }[] = [];
  const ownFailure = async <T>(name: string, work: () => Promise<T>): Promise<T | null> => {
    try {
      return await work();
    } catch (err) {
      log(`${name} failed: ${(err as Error).message}`);
      failures.push({ phase: name, message: (err as Error).message });
      return null;
    }
  };
  // Last of the table phases: it leaves the base table 30 days on, compacted.
  const sustained = skip('sustained')
    ? null
    : await ownFailure('sustained', () =>
        phase(log, `sustained: ${o.sustainedBatches} daily batches of ${rows} on the base table`, () =>
          measureSustained(ctx, set, empty, o.sustainedBatches),
        ),
      );
  const coldRun = skip('cold')
    ? null
    : await ownFailure('cold', () =>
        phase(log, `cold run: a fresh \`summary-pipeline run\` process × ${o.repeat}`, () =>
          measureColdRun(log, o.config, join(resolve(o.warehouse), '..', 'cold'), o.repeat),
        ),
      );
  const configs = [
    set.config,
    variantConfig(ctx.raw, `${BASE}_rebuild`, BASE),
    ...sizes.tableFactors.map((f) => variantConfig(ctx.raw, `${BASE}_x${f}`)),
    ...(reportBatch ? [variantConfig(reportRaw(ctx.raw), REPORT_NAMESPACE)] : []),
  ];
  const roles = tableRoles(configs);
  const tableRole = (plain: string) => roles.get(plain) ?? plain;

  return {
    environment: env,
    parameters: {
      scale: o.scale,
      repeat: o.repeat,
      seed: o.seed,
      config: o.config,
      accounts: sizes.accounts,
      batch_rows: rows,
      batch_sizes: sizes.batchSizes,
      table_factors: sizes.tableFactors,
      load_chunk_accounts: sizes.loadChunkAccounts,
      sustained_batches: o.sustainedBatches,
      default_write_mode: defaultMode,
      skipped: o.skip,
      reference: SEED_SIMULATION,
    },
    base,
    batch: batchComposition(rows),
    defaultMode,
    copyOnWrite: byMode('copy-on-write')?.samples ?? null,
    mergeOnRead: byMode('merge-on-read')?.samples ?? null,
    rebuild: rebuild?.samples ?? null,
    checksums: {
      copyOnWrite: byMode('copy-on-write')?.checksums,
      mergeOnRead: byMode('merge-on-read')?.checksums,
      rebuild: rebuild?.checksums,
    },
    amplification: Object.fromEntries(
      (['copy-on-write', 'merge-on-read'] as const).flatMap((mode) =>
        byMode(mode)?.amplification ? [[mode, byMode(mode)!.amplification!]] : [],
      ),
    ),
    sustained,
    coldRun,
    failures,
    tableSeries,
    batchSeries,
    deleteBatch: deleteBatch
      ? { samples: deleteBatch.samples, deletes: deleteBatch.deletes, deleted: deleteBatch.deleted }
      : null,
    reportBatch: reportBatch
      ? {
          samples: reportBatch.samples,
          composition: reportBatch.composition,
          deletes: reportBatch.deletes,
          deleted: reportBatch.deleted,
          report: reportBatch.report,
          unboundedRows: reportBatch.unboundedRows,
          latestRows: reportBatch.latestRows,
          summaryDataFiles: reportBatch.summaryDataFiles,
          checks: reportBatch.checks,
        }
      : null,
    noop,
    tableRole,
  };
}

/** Renders latest.png with matplotlib from the venv scripts/bench.sh prepares (BENCH_PYTHON). */
function renderChart(json: string, png: string): boolean {
  const python = process.env.BENCH_PYTHON;
  if (!python || !existsSync(python)) {
    log(
      `chart skipped: BENCH_PYTHON (${python ?? 'unset'}) is not a Python with matplotlib; run through scripts/bench.sh`,
    );
    return false;
  }
  const r = spawnSync(python, [join(repoRoot(), 'bench', 'chart.py'), json, png], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.status !== 0) log(`chart failed (exit ${r.status})`);
  return r.status === 0;
}

/** `--cluster`: cluster.{json,md} in --out (latest.* stay the full benchmark's). */
async function mainCluster(o: BenchOptions): Promise<void> {
  const started = Date.now();
  log(`cluster topology: scale ${o.scale}, ${o.repeat} repeat(s)`);
  const doc = await runClusterBench(o, log);
  const out = resolve(o.out);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'cluster.json'), JSON.stringify(doc, null, 2) + '\n');
  const md = renderClusterMarkdown(doc);
  writeFileSync(join(out, 'cluster.md'), md);
  process.stderr.write(`\n${md}\n`);
  log(`wrote ${join(out, 'cluster.json')} and cluster.md in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (!doc.same_result) {
    log('check same summary and latest in every topology: FAILED');
    process.exitCode = 1;
  }
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv);
  if (o.cluster) return mainCluster(o);
  const sizes = benchSizes(o);
  const raw = readRawConfig(resolve(o.config));
  parseConfig(raw, o.config);
  const warehouse = resolve(o.warehouse);
  rmSync(warehouse, { recursive: true, force: true });
  mkdirSync(warehouse, { recursive: true });
  const shape = dataShape(o.seed);
  if (o.quick) {
    log(
      `quick profile, scale ${o.scale}: ${sizes.accounts} accounts, ` +
        `batch ${sizes.batchRows} in the default write mode, ${o.repeat} repeat(s); ` +
        `left out: ${o.skip.join(', ')}; warehouse ${warehouse}`,
    );
  } else {
    log(
      `scale ${o.scale}: ${sizes.accounts} accounts, batch ${sizes.batchRows}, ` +
        `batch series [${sizes.batchSizes.join(', ')}], ` +
        `table factors [${sizes.tableFactors.join(', ')}], ${o.sustainedBatches} sustained ` +
        `day(s), ${o.repeat} repeat(s); warehouse ${warehouse}`,
    );
  }

  const engine = runnerEngineConfig(parseConfig(raw, o.config), { ...engineOptionsFromEnv(), warehouse });
  const runner = new RecordingRunner(engine, { logFile: join(warehouse, '..', 'runner.log') });
  const started = Date.now();
  await runner.start();
  const versions = await runner.request<Record<string, unknown>>('ping', {});
  log(
    `Spark ${versions.spark} + Iceberg ${versions.iceberg} ready in ${((Date.now() - started) / 1000).toFixed(1)} s (log ${runner.logFile})`,
  );
  const ctx: BenchContext = {
    runner,
    raw,
    shape,
    sizes,
    repeat: o.repeat,
    log,
    pipelineLog: o.verbose ? (m) => log(`  ${m}`) : () => undefined,
  };
  let doc: BenchDocument;
  let result: ChecksumPair | null;
  try {
    const m = await measure(o, ctx, environment(versions, engine));
    doc = buildDocument(m);
    result = (m.defaultMode === 'merge-on-read' ? m.checksums.mergeOnRead : m.checksums.copyOnWrite) ?? null;
  } catch (err) {
    log(`failed; the runner's log ends with:\n${runner.logTail(20)}`);
    throw err;
  } finally {
    await runner.close();
    if (!o.keep) rmSync(warehouse, { recursive: true, force: true });
  }

  const out = resolve(o.out);
  mkdirSync(out, { recursive: true });
  const files = resultFiles(o);
  const json = join(out, files.json);
  if (o.quick) return writeQuick(out, doc, result, Date.now() - started);
  writeFileSync(json, JSON.stringify(doc, null, 2) + '\n');
  writeFileSync(join(out, files.md), renderMarkdown(doc));
  if (files.png) renderChart(json, join(out, files.png));
  log(
    `wrote ${json}, ${files.md}${files.png ? `, ${files.png}` : ''} in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  for (const t of doc.targets)
    log(
      `target ${t.description}: ${t.target}; measured ${t.measured}${t.met === null ? '' : t.met ? ' (met)' : ' (MISSED)'}`,
    );
  const failed = doc.checks.filter((c) => !c.ok);
  for (const c of doc.checks) log(`check ${c.name}: ${c.ok ? 'ok' : 'FAILED'}`);
  if (failed.length) process.exitCode = 1;
}

/**
 * `--quick`: quick.json and quick.md in --out (latest.* stay the full benchmark's), beside the figures of
 * the quick.json it replaces and of latest.json when they measured the same workload; prints the figures.
 */
function writeQuick(out: string, doc: BenchDocument, result: ChecksumPair | null, durationMs: number): void {
  const files = resultFiles({ quick: true });
  const references: QuickReference[] = [];
  for (const name of [files.json, resultFiles({ quick: false }).json]) {
    const file = join(out, name);
    if (!existsSync(file)) continue;
    try {
      const ref = quickReference(JSON.parse(readFileSync(file, 'utf8')), doc.parameters);
      if (ref) references.push(ref);
      else
        log(
          `${name}: not the same workload (scale ${doc.parameters.scale}, ` +
            `seed ${doc.parameters.seed}, ${doc.parameters.config}) or not a result file; not compared`,
        );
    } catch (err) {
      log(`${name}: not readable (${(err as Error).message}); not compared`);
    }
  }
  const q = quickDocument(doc, result, references, durationMs);
  const json = join(out, files.json);
  writeFileSync(json, JSON.stringify(q, null, 2) + '\n');
  writeFileSync(join(out, files.md), renderQuickMarkdown(q));
  log(`wrote ${json} and ${files.md} in ${q.duration_s} s`);
  process.stderr.write(`\n${quickTable(q).join('\n')}\n\n`);
  for (const t of q.targets)
    log(
      `target ${t.description}: ${t.target}; measured ${t.measured}${t.met ? ' (met)' : ' (MISSED)'}${t.note ? ` — ${t.note}` : ''}`,
    );
  for (const c of q.checks) log(`check ${c.name}: ${c.ok ? 'ok' : 'FAILED'}${c.ok ? '' : ` (${c.detail})`}`);
  if (q.checks.some((c) => !c.ok)) process.exitCode = 1;
}

// SIGTERM or SIGINT to the bench's pid (or Ctrl-C) ends it within seconds and leaves no process behind:
// the CLI runs of the cold phase are stopped here, and each Spark runner exits when its parent is gone.
for (const [signal, code] of [
  ['SIGTERM', 143],
  ['SIGINT', 130],
] as const) {
  process.once(signal, () => {
    const stopped = stopCliRuns();
    log(`stopped by ${signal}${stopped ? ` (and ${stopped} CLI run(s) of the cold phase)` : ''}; no figures written`);
    process.exit(code);
  });
}

main().catch((err: Error) => {
  process.stderr.write(`bench: ${err.message}\n`);
  process.exitCode = 1;
});
