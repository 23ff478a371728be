import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  PRODUCTION_ORACLE_SPEC,
  ReportSpec,
  Row,
  SEED_ORACLE_SPEC,
  diffRows,
  oracle,
  reportOracle,
} from '@app/testing';

// The CLI end to end, as a user runs it (`npx summary-pipeline ...`): every command is a fresh process
// with its own Spark, on the production example config and on the seed 000 layout.

const ROOT = join(__dirname, '..', '..', '..');
const BIN = join(ROOT, 'bin', 'summary-pipeline.js');
const PRODUCTION = join(ROOT, '..', 'shared', 'reference', 'summary_config.production-example.json');
const SEED = join(ROOT, 'config', 'seed-000.json');

function cli(config: string, warehouse: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, '--config', config, '--warehouse', warehouse, ...args], {
    encoding: 'utf8',
    cwd: ROOT,
    maxBuffer: 1 << 28,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const ok = (r: ReturnType<typeof cli>) => {
  if (r.code !== 0) throw new Error(`exit ${r.code}\n${r.stderr}`);
  return r;
};
const jsonl = (file: string): Row[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist', 'apps', 'cli', 'src', 'main.js')))
    throw new Error('build first: npm run build (scripts/test.sh does)');
});

describe('summary-pipeline CLI on the production example config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-prod-'));
  const wh = join(dir, 'warehouse');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('init, ingest, run twice, validate, export and plan --dry-run', () => {
    ok(cli(PRODUCTION, wh, 'init'));
    ok(cli(PRODUCTION, wh, 'sample', '--accounts', '40', '--months', '8', '--out', join(dir, 'h.jsonl')));
    ok(
      cli(
        PRODUCTION,
        wh,
        'sample',
        '--accounts',
        '40',
        '--months',
        '8',
        '--mixed',
        '--seed',
        '2',
        '--base-ts',
        '2025-02-01 00:00:00',
        '--out',
        join(dir, 'm.jsonl'),
      ),
    );
    ok(cli(PRODUCTION, wh, 'ingest', join(dir, 'h.jsonl')));
    const first = ok(cli(PRODUCTION, wh, 'run'));
    expect(first.stderr).toMatch(/batch b-000001 done/);

    // A file with a wrong type is refused whole, with its line number; nothing is appended.
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(
      bad,
      `${readFileSync(join(dir, 'm.jsonl'), 'utf8').split('\n')[0]}\n{"cons_acct_key": "x1"}\n{"no_such_column": 1}\n`,
    );
    const refused = cli(PRODUCTION, wh, 'ingest', bad);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('line 2: column "cons_acct_key" (bigint): expected an integer');
    expect(refused.stderr).toContain('line 3: unknown column "no_such_column"');
    expect(ok(cli(PRODUCTION, wh, 'plan', '--dry-run')).stdout).toMatch(/^Nothing pending/);

    ok(cli(PRODUCTION, wh, 'ingest', join(dir, 'm.jsonl')));
    const plan = ok(cli(PRODUCTION, wh, 'plan', '--dry-run')).stdout;
    expect(plan).toMatch(/-- Batch b-000002/);
    expect(plan).toMatch(/-- CASE_II: \d+ row\(s\)/);
    expect(plan).toContain('MERGE INTO `primary_catalog`.`edf_gold`.`latest_summary`');
    expect(plan).toContain('INSERT INTO `primary_catalog`.`edf_gold`.`summary`');

    const second = ok(cli(PRODUCTION, wh, 'run'));
    expect(second.stderr).toMatch(/CASE_III\s+committed/);
    expect(second.stderr).toMatch(/CASE_II\s+committed/);
    expect(second.stderr).toMatch(/3 rejected \(/);
    expect(ok(cli(PRODUCTION, wh, 'validate')).stderr).not.toContain('FAIL');

    ok(cli(PRODUCTION, wh, 'export', 'summary', '--out', join(dir, 'summary.jsonl')));
    const rows = jsonl(join(dir, 'summary.jsonl'));
    expect(rows.length).toBeGreaterThan(200);
    for (const r of rows) {
      expect((r.payment_rating_cd_history as unknown as unknown[]).length).toBe(36);
      expect(String(r.payment_history_grid)).toHaveLength(36);
    }
    const keys = rows.map((r) => `${String(r.cons_acct_key).padStart(12, '0')}|${r.rpt_as_of_mo}`);
    expect(keys).toEqual([...keys].sort());
    // SPEC §4 and §4a: summary and latest as exported are the oracle's result of both files.
    const expected = oracle(PRODUCTION_ORACLE_SPEC, [jsonl(join(dir, 'h.jsonl')), jsonl(join(dir, 'm.jsonl'))]);
    expect(diffRows(rows, expected.summary, (r) => `${r.cons_acct_key}|${r.rpt_as_of_mo}`)).toEqual([]);
    const latest = ok(cli(PRODUCTION, wh, 'export', 'latest_summary'))
      .stdout.split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Row);
    expect(diffRows(latest, expected.latest, (r) => `${r.cons_acct_key}`)).toEqual([]);

    // Without --out an export goes to stdout: the rejects are there (each raw row with its reason), and the
    // earlier export's file is left as it was.
    const exported = readFileSync(join(dir, 'summary.jsonl'), 'utf8');
    const files = readdirSync(dir).sort();
    const rejects = ok(cli(PRODUCTION, wh, 'export', 'rejects'))
      .stdout.split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Row);
    const byReason = (a: { reason: string }, b: { reason: string }) => a.reason.localeCompare(b.reason);
    expect(
      rejects.map((r) => ({ reason: String(r.reason), source: JSON.parse(String(r.source_row)) })).sort(byReason),
    ).toEqual(expected.rejects.map((r) => ({ reason: r.reason, source: r.source })).sort(byReason));
    expect(rejects.map((r) => r.reason).sort()).toEqual(['INVALID_MONTH', 'NULL_KEY', 'NULL_TIMESTAMP']);
    expect(readFileSync(join(dir, 'summary.jsonl'), 'utf8')).toBe(exported);
    expect(readdirSync(dir).sort()).toEqual(files);
  });

  it('with unbounded_history added (SPEC §4c): init fills it from summary, a batch keeps it, export leaves the internal map out', () => {
    // The production config unchanged but for §4c, on the pipeline the test above left (two batches run).
    const config = join(dir, 'production-unbounded.json');
    const raw = JSON.parse(readFileSync(PRODUCTION, 'utf8')) as Record<string, unknown>;
    writeFileSync(
      config,
      JSON.stringify({ ...raw, unbounded_history: { table: 'primary_catalog.edf_gold.summary_unbounded' } }),
    );
    // Its report table gets no rows here, so the report spec only names its columns.
    const report: ReportSpec = {
      keyColumn: 'cons_acct_key',
      dateColumn: 'acct_dt',
      tsColumn: 'base_ts',
      deleteColumn: 'soft_del_cd',
      orderColumns: ['insert_dt', 'update_dt'],
    };
    const expectUnbounded = (files: string[]) => {
      const out = join(dir, `unbounded-${files.length}.jsonl`);
      ok(cli(config, wh, 'export', 'unbounded_history', '--out', out));
      const rows = jsonl(out);
      expect(rows.length).toBeGreaterThan(20);
      expect(Object.keys(rows[0])).not.toContain('__unbounded_cells');
      const expected = reportOracle(
        PRODUCTION_ORACLE_SPEC,
        report,
        files.map((f) => ({ source: jsonl(join(dir, f)), reports: [] })),
        { suffix: '_history_unbounded', maxLength: null },
      );
      expect(diffRows(rows, expected.unbounded, (r) => `${r.cons_acct_key}`)).toEqual([]);
    };
    expect(ok(cli(config, wh, 'init')).stderr).toContain('rebuilding it from summary (SPEC §4c)');
    expectUnbounded(['h.jsonl', 'm.jsonl']);
    ok(
      cli(
        config,
        wh,
        'sample',
        '--accounts',
        '40',
        '--months',
        '8',
        '--mixed',
        '--seed',
        '3',
        '--base-ts',
        '2025-03-01 00:00:00',
        '--out',
        join(dir, 'm2.jsonl'),
      ),
    );
    ok(cli(config, wh, 'ingest', join(dir, 'm2.jsonl')));
    expect(ok(cli(config, wh, 'run')).stderr).toMatch(/batch b-000003 done/);
    expectUnbounded(['h.jsonl', 'm.jsonl', 'm2.jsonl']);
  });
});

describe('summary-pipeline CLI on the seed 000 layout', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-seed-'));
  const wh = join(dir, 'warehouse');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ingest + run + export give the oracle result; a file name with shell pattern characters is read as given, never a file it matches', () => {
    ok(cli(SEED, wh, 'init'));
    // h[1].jsonl beside h1.jsonl, which the pattern h[1].jsonl matches: a shell that expands it again (npx)
    // hands the CLI h1.jsonl. The decoy's rows differ, so the oracle below tells which file was read.
    const file = join(dir, 'h[1].jsonl');
    ok(cli(SEED, wh, 'sample', '--accounts', '60', '--months', '14', '--out', file));
    ok(cli(SEED, wh, 'sample', '--accounts', '7', '--months', '3', '--seed', '9', '--out', join(dir, 'h1.jsonl')));
    const rows = jsonl(file);
    expect(ok(cli(SEED, wh, 'ingest', file)).stderr).toContain(
      `ingest: appended ${rows.length} row(s) of ${file} as snapshot`,
    );
    // Through npx the same command is refused before anything runs: npx's shell would have read h1.jsonl.
    // (The run after it proves nothing was appended: the oracle is that of h[1].jsonl alone.)
    const viaNpx = spawnSync('npx', ['summary-pipeline', 'ingest', file], {
      encoding: 'utf8',
      cwd: ROOT,
      env: { ...process.env, SUMMARY_CONFIG: SEED, SUMMARY_WAREHOUSE: wh },
    });
    expect({ code: viaNpx.status, stderr: viaNpx.stderr }).toEqual({
      code: 2,
      stderr: expect.stringMatching(
        /run through npx, .* the path given to ingest may not be the one you typed; nothing was done/,
      ),
    });
    ok(cli(SEED, wh, 'run'));
    ok(cli(SEED, wh, 'export', 'summary', '--out', join(dir, 'summary.jsonl')));
    const expected = oracle(SEED_ORACLE_SPEC, [rows]);
    expect(
      diffRows(jsonl(join(dir, 'summary.jsonl')), expected.summary, (r) => `${r.cons_acct_key}|${r.rpt_as_of_mo}`),
    ).toEqual([]);
    const latest = JSON.parse(ok(cli(SEED, wh, 'export', 'latest_summary')).stdout.split('\n')[0]);
    expect(latest).toEqual(expected.latest[0]);
  });
});
