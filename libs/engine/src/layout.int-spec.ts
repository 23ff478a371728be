import * as fc from 'fast-check';
import { TABLE_LAYOUT } from '@app/compiler';
import { quoteIdent as q } from '@app/config';
import {
  ALT_CONFIG,
  ALT_ORACLE_SPEC,
  Row,
  SparkHarness,
  diffRows,
  oracle,
  scenarioArb,
  startHarness,
} from '@app/testing';
import { DEFAULT_MAINTENANCE, dueQueries, maintainedTables } from './maintenance';
import { BatchOutcome, SummaryPipeline } from './pipeline';

// Issue #9: summary and latest are merge-on-read, key-ordered, with the maintenance the pipeline
// schedules itself. A table written by the previous release (copy-on-write, unordered, no layout
// version) is migrated by `init` and keeps giving the oracle's result (SPEC §4).

const batches: Row[][] = fc.sample(scenarioArb({ accounts: 80, batches: 6 }), { seed: 99, numRuns: 1 })[0];
const summaryKey = (r: Record<string, unknown>) => `${r.acct_id}|${r.period}`;
const latestKey = (r: Record<string, unknown>) => `${r.acct_id}`;

async function properties(h: SparkHarness, table: 'summary' | 'latest'): Promise<Record<string, string>> {
  const t = table === 'summary' ? h.config.summaryTable : h.config.latestTable;
  const rows = await h.runner.query(`SHOW TBLPROPERTIES ${t.sql}`);
  return Object.fromEntries(rows.map((r) => [String(r.key), String(r.value)]));
}

async function deleteFiles(h: SparkHarness, table: 'summary' | 'latest'): Promise<number> {
  const t = table === 'summary' ? h.config.summaryTable : h.config.latestTable;
  const [r] = await h.runner.query(`SELECT count(*) AS n FROM ${t.sql}.${q('files')} WHERE content <> 0`);
  return Number(r.n);
}

/** Commits of rewrite_data_files / rewrite_manifests (operation `replace`): what the maintenance leaves. */
async function rewriteSnapshots(h: SparkHarness, table: 'summary' | 'latest'): Promise<number> {
  const t = table === 'summary' ? h.config.summaryTable : h.config.latestTable;
  const [r] = await h.runner.query(`SELECT count(*) AS n FROM ${t.sql}.${q('snapshots')} WHERE operation = 'replace'`);
  return Number(r.n);
}

async function expectOracle(h: SparkHarness, upTo: number): Promise<void> {
  const expected = oracle(ALT_ORACLE_SPEC, batches.slice(0, upTo));
  expect({ upTo, diffs: diffRows(await h.summary(), expected.summary, summaryKey) }).toEqual({ upTo, diffs: [] });
  expect({ upTo, diffs: diffRows(await h.latest(), expected.latest, latestKey) }).toEqual({ upTo, diffs: [] });
}

describe('table layout', () => {
  let h: SparkHarness;
  beforeAll(async () => {
    h = await startHarness(ALT_CONFIG);
    // The batches below run with the scheduled maintenance off, so the deletes they write stay for the
    // maintenance tests to apply. The policy is the SummaryPipeline's (TypeScript; the runner has none).
    h.pipeline = new SummaryPipeline(h.config, h.runner, () => undefined, { ...DEFAULT_MAINTENANCE, enabled: false });
  });
  afterAll(async () => h?.close());

  it('a table of the previous release (copy-on-write, unordered) is migrated by init and stays equal to the oracle', async () => {
    await h.pipeline.init();
    // What the previous release's init left: copy-on-write, no layout version, no sort order.
    for (const t of [h.config.summaryTable, h.config.latestTable]) {
      await h.runner.query(
        `ALTER TABLE ${t.sql} UNSET TBLPROPERTIES ('${TABLE_LAYOUT.versionProperty}', 'write.delete.granularity')`,
      );
      await h.runner.query(
        `ALTER TABLE ${t.sql} SET TBLPROPERTIES ('write.merge.mode' = 'copy-on-write', ` +
          `'write.update.mode' = 'copy-on-write', 'write.delete.mode' = 'copy-on-write')`,
      );
      await h.runner.query(`ALTER TABLE ${t.sql} WRITE UNORDERED`);
    }
    expect((await properties(h, 'summary'))['sort-order'] ?? 'none').not.toMatch(/acct_id/);
    const outcomes: BatchOutcome[] = [];
    for (let i = 0; i < 3; i++) {
      await h.ingest(batches[i]);
      outcomes.push(...(await h.pipeline.runPending()));
    }
    await expectOracle(h, 3);
    expect(await deleteFiles(h, 'summary')).toBe(0); // copy-on-write wrote no delete file

    await h.pipeline.init();
    for (const table of ['summary', 'latest'] as const) {
      const p = await properties(h, table);
      expect([table, p[TABLE_LAYOUT.versionProperty], p['write.merge.mode'], p['write.delete.granularity']]).toEqual([
        table,
        TABLE_LAYOUT.version,
        'merge-on-read',
        'file',
      ]);
    }
    expect((await properties(h, 'summary'))['sort-order']).toMatch(/^acct_id ASC/);

    for (let i = 3; i < batches.length; i++) {
      await h.ingest(batches[i]);
      outcomes.push(...(await h.pipeline.runPending()));
      await expectOracle(h, i + 1);
    }
    // Maintenance off: no batch ran it, and neither table was rewritten.
    expect({
      batches: outcomes.length,
      maintained: outcomes.filter((o) => o.maintenance !== null).length,
      rewrites: { summary: await rewriteSnapshots(h, 'summary'), latest: await rewriteSnapshots(h, 'latest') },
    }).toEqual({ batches: batches.length, maintained: 0, rewrites: { summary: 0, latest: 0 } });
    expect(await deleteFiles(h, 'summary')).toBeGreaterThan(0); // the migrated table wrote merge-on-read deletes
  });

  it('the scheduled maintenance applies the deletes and the result stays equal to the oracle', async () => {
    const eager = new SummaryPipeline(h.config, h.runner, () => undefined, {
      ...DEFAULT_MAINTENANCE,
      filesPerPartition: 2,
      deleteFilesPerDataFile: 1,
    });
    const before = await deleteFiles(h, 'summary');
    expect(before).toBeGreaterThan(0);
    const outcome = await eager.maintain();
    const summary = outcome!.tables.find((t) => t.table === h.config.summaryTable.plain)!;
    expect(summary.error).toBeUndefined();
    expect(summary.rewrittenFiles).toBeGreaterThan(0);
    expect(await rewriteSnapshots(h, 'summary')).toBeGreaterThan(0);
    expect(await deleteFiles(h, 'summary')).toBeLessThan(before);
    await expectOracle(h, batches.length);

    // Nothing due right after: a second pass commits nothing.
    const snapshot = await h.snapshot('summary');
    const again = await eager.maintain();
    expect(again!.tables.every((t) => t.rewrittenFiles === 0 && !t.error)).toBe(true);
    expect(await h.snapshot('summary')).toBe(snapshot);
  });

  it('runPending runs the maintenance after a batch when the policy is on', async () => {
    const eager = new SummaryPipeline(h.config, h.runner, () => undefined, {
      ...DEFAULT_MAINTENANCE,
      filesPerPartition: 2,
      deleteFilesPerDataFile: 1,
    });
    const extra = batches[batches.length - 1].map((r) => ({ ...r, lts: '2099-01-01 00:00:00' }));
    await h.ingest(extra);
    const [outcome] = await eager.runPending();
    expect(outcome.maintenance).not.toBeNull();
    expect(outcome.maintenance!.tables.map((t) => t.table).sort()).toEqual(
      [h.config.latestTable.plain, h.config.summaryTable.plain].sort(),
    );
    expect(outcome.maintenance!.tables.some((t) => t.rewrittenFiles > 0)).toBe(true);
  });

  it("reads every maintained table's due facts in one statement, one row per table in order", async () => {
    // maintainTables falls back to one statement per table when this one fails: the fallback must not hide it.
    const rows = await h.runner.query(dueQueries(maintainedTables(h.config)));
    expect(rows.map((r) => Number(r.i))).toEqual([0, 1]);
    for (const r of rows) {
      expect(Number(r.max_files)).toBeGreaterThan(0);
      expect(Number(r.manifests)).toBeGreaterThan(0);
    }
  });
});
