import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileInit } from '@app/compiler';
import { parseConfig } from '@app/config';
import { DEFAULT_MAINTENANCE, LoadReport, SummaryPipeline, readSnapshots, runLoad } from '@app/engine';
import {
  PipelineStats,
  collectStats,
  exportQuery,
  optimizeFacts,
  parseOptimizeOptions,
  planOptimize,
  runOptimize,
  validate,
} from '@app/table-ops';
import { LOAD_PART_PROPERTY, LoadOptionError, WATERMARK_PROPERTY, parseLoadOptions } from '@app/ingest';
import { RunnerError } from '@app/runner-client';
import { OutputRow, Row, SEED_ORACLE_SPEC, SparkHarness, diffRows, oracle, startHarness } from '@app/testing';
import seed000 from '../../../config/seed-000.json';
import { sampleRows } from './sample';

// stats, optimize and load on real Spark + Iceberg, one runner for the file: each pipeline lives in its
// own namespace of one warehouse. `plain` is the reference (ingest + run of the whole file); `chunked` and
// `monthly` load the same file in parts and must end with exactly the same summary and latest.

const ROOT = join(__dirname, '..', '..', '..');
const inNamespace = (ns: string) => ({
  ...seed000,
  source_table: `local.${ns}.accounts_all`,
  destination_table: `local.${ns}.summary`,
  latest_history_table: `local.${ns}.latest_summary`,
});
const summaryKey = (r: Record<string, unknown>) => `${r.cons_acct_key}|${r.rpt_as_of_mo}`;
const latestKey = (r: Record<string, unknown>) => `${r.cons_acct_key}`;
const progress = process.env.TEST_PROGRESS ? (m: string) => process.stderr.write(`${m}\n`) : () => undefined;

const CONFIG = parseConfig(seed000, 'seed-000.json');
const sample = (seed: number, mixed: boolean, baseTs: string) =>
  [...sampleRows(CONFIG, { accounts: 16, months: 6, start: '2024-01', seed, mixed, baseTs })] as Row[];
const HISTORY = sample(1, false, '2025-01-01 00:00:00');
const MIXED = sample(2, true, '2025-02-01 00:00:00'); // forwards with gaps, backfills, corrections, new accounts, 3 invalid rows
const ROWS = [...HISTORY, ...MIXED];
const maxBaseTs = (rows: Row[]) =>
  rows
    .map((r) => r.base_ts)
    .filter((t): t is string => typeof t === 'string')
    .sort()
    .pop();
const CORRECTIONS_FROM = "TIMESTAMP '2025-01-15 00:00:00'";

describe('stats, optimize and load', () => {
  let h: SparkHarness;
  let file: string;
  let plainSummary: OutputRow[];
  let plainLatest: OutputRow[];
  let plainStats: PipelineStats;
  const pipelineIn = (ns: string) => new SummaryPipeline(parseConfig(inNamespace(ns), ns), h.runner, progress);
  const summaryOf = (p: SummaryPipeline) =>
    p.runner.query(exportQuery(p.config, 'summary'), 1_000_000) as Promise<OutputRow[]>;
  const latestOf = (p: SummaryPipeline) =>
    p.runner.query(exportQuery(p.config, 'latest_summary'), 1_000_000) as Promise<OutputRow[]>;
  const sourceSnapshots = async (p: SummaryPipeline) => readSnapshots(p.runner, p.config.sourceTable);
  const table = (s: PipelineStats, key: string) => s.tables.find((t) => t.table === key)!;
  const expectSameResultAsPlain = async (p: SummaryPipeline) => {
    expect(diffRows(await summaryOf(p), plainSummary, summaryKey)).toEqual([]);
    expect(diffRows(await latestOf(p), plainLatest, latestKey)).toEqual([]);
    expect(await summaryOf(p)).toEqual(plainSummary);
  };

  beforeAll(async () => {
    h = await startHarness(inNamespace('plain'));
    file = join(h.dir, 'accounts.jsonl');
    writeFileSync(file, ROWS.map((r) => JSON.stringify(r)).join('\n') + '\n');
  });
  afterAll(async () => h?.close());

  it('stats of a plain ingest + run report what was loaded', async () => {
    await h.pipeline.init();
    await h.pipeline.ingest(file);
    await h.pipeline.runPending();
    plainSummary = await h.summary();
    plainLatest = await h.latest();
    const expected = oracle(SEED_ORACLE_SPEC, [ROWS]);
    expect(diffRows(plainSummary, expected.summary, summaryKey)).toEqual([]);
    expect(diffRows(plainLatest, expected.latest, latestKey)).toEqual([]);

    plainStats = await collectStats(h.pipeline);
    const months = plainSummary.map((r) => String(r.rpt_as_of_mo)).sort();
    expect(plainStats.summary).toEqual({
      rows: plainSummary.length,
      accounts: new Set(plainSummary.map((r) => r.cons_acct_key)).size,
      months: new Set(months).size,
      minMonth: months[0],
      maxMonth: months[months.length - 1],
      maxBaseTs: plainSummary
        .map((r) => String(r.base_ts))
        .sort()
        .pop(),
    });
    expect(plainStats.latest.rows).toBe(plainLatest.length);
    const rejects = await h.runner.query(exportQuery(h.config, 'rejects'));
    const byReason: Record<string, number> = {};
    for (const r of rejects) byReason[String(r.reason)] = (byReason[String(r.reason)] ?? 0) + 1;
    expect(plainStats.rejects).toEqual({ total: rejects.length, byReason });
    expect(byReason).toEqual({ INVALID_MONTH: 1, NULL_KEY: 1, NULL_TIMESTAMP: 1 });

    const source = await sourceSnapshots(h.pipeline);
    expect(source).toHaveLength(1);
    expect(plainStats.lastCommittedBatch).toEqual({
      batchId: 'b-000001',
      watermark: maxBaseTs(ROWS),
      sourceEndSnapshotId: source[0].id,
    });
    expect(plainStats.pending).toEqual({
      sourceSnapshotId: source[0].id,
      classifiedUpTo: source[0].id,
      unclassifiedSnapshots: 0,
      unfinishedBatch: null,
    });
    expect(plainStats.tables.map((t) => t.table)).toEqual([
      'source',
      'summary',
      'latest',
      'ledger',
      'batches',
      'rejects',
      'audit',
    ]);
    expect(table(plainStats, 'source').snapshots).toBe(1);
    // Copy-on-write: every live data file holds at least one row, so the files are the distinct _file values.
    const [files] = await h.runner.query(`SELECT count(DISTINCT _file) AS n FROM ${h.config.summaryTable.sql}`);
    expect(table(plainStats, 'summary').dataFiles).toBe(Number(files.n));
    expect(table(plainStats, 'summary').dataBytes).toBeGreaterThan(0);
    expect(table(plainStats, 'summary').deleteFiles).toBe(0);
  });

  let chunked: SummaryPipeline;
  it('load --chunks 3 gives the plain result in 3 batches; a rerun appends nothing', async () => {
    chunked = pipelineIn('chunked');
    await chunked.init();
    const report = await runLoad(chunked, file, parseLoadOptions({ chunks: '3' }), progress);
    expect(report.parts.map((p) => [p.number, p.count, p.status, p.batches.length])).toEqual([
      [1, 3, 'appended', 1],
      [2, 3, 'appended', 1],
      [3, 3, 'appended', 1],
    ]);
    expect(report.parts.reduce((n, p) => n + p.rows, 0)).toBe(ROWS.length);
    expect(report.parts.map((p) => p.batches[0].counts.inputRows)).toEqual(report.parts.map((p) => p.rows));
    await expectSameResultAsPlain(chunked);
    const source = await sourceSnapshots(chunked);
    expect(source.map((s) => s.summary[LOAD_PART_PROPERTY]).sort()).toEqual(
      [1, 2, 3].map((n) => `${report.loadId}/${n}/3`),
    );

    const summaryBefore = await chunked.currentSnapshot(chunked.config.summaryTable);
    const again = await runLoad(chunked, file, parseLoadOptions({ chunks: '3' }), progress);
    expect(again.loadId).toBe(report.loadId);
    expect(again.pendingBefore).toEqual([]);
    expect(again.parts.map((p) => [p.status, p.snapshotId])).toEqual(
      report.parts.map((p) => ['already_appended', p.snapshotId]),
    );
    expect(await sourceSnapshots(chunked)).toHaveLength(3);
    expect(await chunked.currentSnapshot(chunked.config.summaryTable)).toBe(summaryBefore);
  });

  let monthly: SummaryPipeline;
  it('load --by-month --months, then the corrections by --where, give the plain result (merge-on-read tables)', async () => {
    // Without the scheduled maintenance, so that `optimize` below has deletes and small files to compact.
    monthly = new SummaryPipeline(parseConfig(inNamespace('monthly'), 'monthly'), h.runner, progress, {
      ...DEFAULT_MAINTENANCE,
      enabled: false,
    });
    await monthly.mustCommit(compileInit(monthly.config, { createSource: true, writeMode: 'merge-on-read' }));
    const history = `base_ts < ${CORRECTIONS_FROM}`;
    const first = await runLoad(
      monthly,
      file,
      parseLoadOptions({ byMonth: true, months: '2024-01..2024-03', where: history }),
      progress,
    );
    expect(first.parts.map((p) => [p.label, p.rows])).toEqual(
      ['2024-01', '2024-02', '2024-03'].map((m) => [`month ${m}`, HISTORY.filter((r) => r.rpt_as_of_mo === m).length]),
    );
    expect(first.parts.map((p) => p.batches.length)).toEqual([1, 1, 1]);
    expect(first.parts[0].batches[0].counts.cases.CASE_I.rows).toBe(first.parts[0].rows);
    expect(first.parts[1].batches[0].counts.cases.CASE_II.rows).toBeGreaterThan(0);

    const rest = await runLoad(
      monthly,
      file,
      parseLoadOptions({ months: '2024-04..2024-12', where: history }),
      progress,
    );
    expect(rest.parts.map((p) => [p.label, p.rows])).toEqual([
      ['months 2024-04..2024-12', HISTORY.filter((r) => String(r.rpt_as_of_mo) >= '2024-04').length],
    ]);

    const corrections = await runLoad(
      monthly,
      file,
      parseLoadOptions({ where: `base_ts >= ${CORRECTIONS_FROM} OR base_ts IS NULL` }),
      progress,
    );
    expect(corrections.parts.map((p) => p.rows)).toEqual([MIXED.length]);
    const counts = corrections.parts[0].batches[0].counts;
    expect(counts.cases.CASE_III.rows).toBeGreaterThan(0);
    expect(counts.rejects).toEqual(plainStats.rejects.byReason);

    // Each part's commit carries its own watermark: the newest base_ts of the rows it appended.
    const byPart = new Map(
      (await sourceSnapshots(monthly)).map((s) => [s.summary[LOAD_PART_PROPERTY], s.summary[WATERMARK_PROPERTY]]),
    );
    const loads: [LoadReport, Row[]][] = [
      [first, HISTORY],
      [rest, HISTORY],
      [corrections, MIXED],
    ];
    for (const [report, rows] of loads)
      for (const p of report.parts) expect(byPart.get(`${report.loadId}/${p.number}/${p.count}`)).toBe(maxBaseTs(rows));

    await expectSameResultAsPlain(monthly);
    expect((await collectStats(monthly)).rejects).toEqual(plainStats.rejects);
  });

  it('a --where that does not parse or resolve fails naming it, before anything is appended', async () => {
    const before = await sourceSnapshots(monthly);
    // Parsed as one predicate of the expression subset before Spark sees it (issue 10: "1=1) OR (1=1" escaped the chunk filter).
    expect(() => parseLoadOptions({ where: 'cons_acct_key >>> 2', run: false })).toThrow(LoadOptionError);
    expect(() => parseLoadOptions({ where: '1=1) OR (1=1', chunks: '2', run: false })).toThrow(
      /^--where: expected .*; found '\)' at character 3/,
    );
    const unresolved = runLoad(
      monthly,
      file,
      parseLoadOptions({ where: 'no_such_column = 1', byMonth: true, run: false }),
    );
    await expect(unresolved).rejects.toThrow(
      new RegExp(
        '^where predicate "\\(`no_such_column` = 1\\) AND `rpt_as_of_mo` = \'20\\d\\d-\\d\\d\'" ' +
          "is not a boolean condition over the columns \\['cons_acct_key', .*UNRESOLVED_COLUMN",
      ),
    );
    await expect(unresolved).rejects.toBeInstanceOf(RunnerError);
    expect(await sourceSnapshots(monthly)).toEqual(before);
  });

  it('optimize compacts the small files of three batches; summary and latest stay identical', async () => {
    const before = await collectStats(chunked);
    const options = parseOptimizeOptions({ retainDays: '0', retainLast: '1' });
    const plan = planOptimize(chunked.config, options, await optimizeFacts(chunked, options));
    expect(plan.calls.map((c) => `${c.table} ${c.procedure}`)).toEqual(
      ['summary', 'latest', 'ledger', 'batches', 'rejects', 'audit'].flatMap((t) => [
        `${t} rewrite_data_files`,
        `${t} expire_snapshots`,
      ]),
    );
    const outcomes = await runOptimize(chunked, plan, progress);
    expect(outcomes.filter((o) => o.error)).toEqual([]);
    const rewrite = outcomes.find((o) => o.call.table === 'summary' && o.call.procedure === 'rewrite_data_files')!
      .rows[0];
    expect(Number(rewrite.rewritten_data_files_count)).toBeGreaterThan(Number(rewrite.added_data_files_count));

    const after = await collectStats(chunked);
    expect(table(after, 'summary').dataFiles).toBe(
      table(before, 'summary').dataFiles -
        Number(rewrite.rewritten_data_files_count) +
        Number(rewrite.added_data_files_count),
    );
    expect(table(after, 'summary').dataFiles).toBeLessThan(table(before, 'summary').dataFiles);
    // A rewrite that compacted something committed one snapshot more; expiry then leaves only the newest.
    const rewrote = (t: string) =>
      outcomes.some(
        (o) =>
          o.call.table === t &&
          o.call.procedure === 'rewrite_data_files' &&
          Number(o.rows[0].added_data_files_count) > 0,
      );
    for (const o of outcomes.filter((x) => x.call.procedure === 'expire_snapshots')) {
      expect({ table: o.call.table, snapshots: o.snapshots }).toEqual({
        table: o.call.table,
        snapshots: { before: table(before, o.call.table).snapshots + (rewrote(o.call.table) ? 1 : 0), after: 1 },
      });
      expect(table(after, o.call.table).snapshots).toBe(1);
    }
    expect(table(after, 'source')).toEqual(table(before, 'source'));
    expect({ ...after, tables: [] }).toEqual({ ...before, tables: [] });
    await expectSameResultAsPlain(chunked);
    expect((await validate(chunked)).filter((v) => v.count > 0)).toEqual([]);
  });

  it('optimize applies the position deletes of merge-on-read tables; the result stays identical', async () => {
    const before = await collectStats(monthly);
    expect(table(before, 'summary').deleteFiles + table(before, 'latest').deleteFiles).toBeGreaterThan(0);
    const options = parseOptimizeOptions({ tables: 'summary,latest', retainDays: '0', retainLast: '1' });
    const plan = planOptimize(monthly.config, options, await optimizeFacts(monthly, options));
    // Both hold history arrays: rewrite_position_delete_files would fail there (Iceberg 1.10, #15080).
    expect(plan.calls.map((c) => c.procedure)).not.toContain('rewrite_position_delete_files');
    const outcomes = await runOptimize(monthly, plan, progress);
    expect(outcomes.filter((o) => o.error)).toEqual([]);
    const rewrites = Object.fromEntries(
      outcomes.filter((o) => o.call.procedure === 'rewrite_data_files').map((o) => [o.call.table, o.rows[0]]),
    );
    const after = await collectStats(monthly);
    for (const t of ['summary', 'latest']) {
      expect(table(after, t).dataFiles).toBe(
        table(before, t).dataFiles -
          Number(rewrites[t].rewritten_data_files_count) +
          Number(rewrites[t].added_data_files_count),
      );
      expect(table(after, t).dataFiles).toBeLessThan(table(before, t).dataFiles);
    }
    // Partitioned summary: the deletes of the rewritten files are dropped with them (remove-dangling-deletes).
    expect(table(after, 'summary').deleteFiles).toBe(
      table(before, 'summary').deleteFiles - Number(rewrites.summary.removed_delete_files_count),
    );
    expect(table(after, 'summary').deleteFiles).toBe(0);
    expect(table(after, 'latest').deleteFiles).toBeLessThanOrEqual(table(before, 'latest').deleteFiles);
    await expectSameResultAsPlain(monthly);
    expect((await validate(monthly)).filter((v) => v.count > 0)).toEqual([]);
  });

  it('expiring the source keeps the snapshot pending work starts from', async () => {
    const later = sample(3, true, '2025-03-01 00:00:00');
    const latest = sample(4, true, '2025-04-01 00:00:00');
    await h.ingest(later);
    await h.pipeline.runPending();
    await h.ingest(latest); // pending: not run
    const [s1, s2, s3] = (await sourceSnapshots(h.pipeline)).sort((a, b) => (a.committedAt < b.committedAt ? -1 : 1));
    const stats = await collectStats(h.pipeline);
    expect(stats.pending).toEqual({
      sourceSnapshotId: s3.id,
      classifiedUpTo: s2.id,
      unclassifiedSnapshots: 1,
      unfinishedBatch: null,
    });
    expect(stats.lastCommittedBatch).toEqual({
      batchId: 'b-000002',
      watermark: '2025-03-01 00:00:00',
      sourceEndSnapshotId: s2.id,
    });

    const options = parseOptimizeOptions({ tables: 'ledger', includeSource: true, retainDays: '0', retainLast: '1' });
    const plan = planOptimize(h.config, options, await optimizeFacts(h.pipeline, options));
    const expire = plan.calls.filter((c) => c.table === 'source');
    expect(expire.map((c) => c.sql)).toEqual([
      `CALL \`local\`.system.expire_snapshots(table => 'plain.accounts_all', older_than => TIMESTAMP '${s2.committedAt}', retain_last => 1)`,
    ]);
    const outcomes = await runOptimize(h.pipeline, plan, progress);
    expect(outcomes.find((o) => o.call.table === 'source')!.snapshots).toEqual({ before: 3, after: 2 });
    // s1, committed before s2 (the retention), is the one expired; s2, where the pending batch starts, and s3 are kept.
    const kept = (await sourceSnapshots(h.pipeline)).map((s) => s.id);
    expect({
      s1: kept.includes(s1.id),
      s2: kept.includes(s2.id),
      s3: kept.includes(s3.id),
      count: kept.length,
    }).toEqual({ s1: false, s2: true, s3: true, count: 2 });

    const outcome = await h.pipeline.runPending();
    expect(outcome.map((b) => [b.batchId, b.sourceStartSnapshotId, b.sourceEndSnapshotId, b.counts.inputRows])).toEqual(
      [['b-000003', s2.id, s3.id, latest.length]],
    );
    const expected = oracle(SEED_ORACLE_SPEC, [ROWS, later, latest]);
    expect(diffRows(await h.summary(), expected.summary, summaryKey)).toEqual([]);
    expect(diffRows(await h.latest(), expected.latest, latestKey)).toEqual([]);
    expect((await collectStats(h.pipeline)).pending.unclassifiedSnapshots).toBe(0);
  });

  it('the CLI refuses bad options before it starts Spark', () => {
    const bin = join(ROOT, 'bin', 'summary-pipeline.js');
    if (!existsSync(join(ROOT, 'dist', 'apps', 'cli', 'src', 'main.js'))) throw new Error('build first: npm run build');
    const transformed = join(h.dir, 'transformed.json');
    writeFileSync(
      transformed,
      JSON.stringify({
        ...inNamespace('cli'),
        column_transformations: [{ name: 'rpt_as_of_mo', mapper_expr: 'trim(rpt_as_of_mo)' }],
      }),
    );
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [bin, '--warehouse', join(h.dir, 'cli-warehouse'), ...args], {
        encoding: 'utf8',
        cwd: ROOT,
      });
    const cases: [string[], string][] = [
      [['load', file, '--chunks', 'x'], '--chunks: expected an integer from 1 to 1000; received "x"'],
      [
        ['--config', transformed, 'load', file, '--by-month'],
        '--by-month split the file by the month column "rpt_as_of_mo", but the config computes it (column_transformations[0])',
      ],
      [['optimize', '--tables', 'summary,source'], '--tables: the source is never compacted'],
      [['optimize', '--retain-last', '0'], '--retain-last: expected an integer ≥ 1; received "0"'],
    ];
    for (const [args, message] of cases) {
      const r = cli(...args);
      expect({
        args,
        code: r.status,
        refused: r.stderr.includes(message),
        spark: r.stderr.includes('starting Spark'),
      }).toEqual({ args, code: 1, refused: true, spark: false });
    }
  });
});
