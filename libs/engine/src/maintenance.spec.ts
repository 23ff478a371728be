import { parseConfig } from '@app/config';
import { ALT_CONFIG, ALT_CONFIG_REPORT } from '@app/testing';
import {
  DEFAULT_MAINTENANCE,
  MaintenancePolicyError,
  compactionCall,
  describeMaintenance,
  isDue,
  maintainTables,
  maintainedTables,
  maintenancePolicyFromEnv,
} from './maintenance';
import { JsonRow, RunnerClient, RunnerError } from '@app/runner-client';

describe('maintenance policy', () => {
  it('defaults to auto with the documented thresholds', () => {
    expect(maintenancePolicyFromEnv({})).toEqual({
      enabled: true,
      filesPerPartition: 6,
      deleteFilesPerDataFile: 6,
      deleteRatio: 0.2,
      manifestsPerTable: 48,
    });
  });

  it('reads every setting from the environment', () => {
    expect(
      maintenancePolicyFromEnv({
        SUMMARY_MAINTENANCE: 'off',
        SUMMARY_COMPACT_FILES: '4',
        SUMMARY_COMPACT_DELETE_FILES: '3',
        SUMMARY_COMPACT_DELETE_RATIO: '0.5',
        SUMMARY_REWRITE_MANIFESTS: '7',
      }),
    ).toEqual({
      enabled: false,
      filesPerPartition: 4,
      deleteFilesPerDataFile: 3,
      deleteRatio: 0.5,
      manifestsPerTable: 7,
    });
  });

  it.each([
    [{ SUMMARY_MAINTENANCE: 'sometimes' }, /SUMMARY_MAINTENANCE: expected auto or off; received "sometimes"/],
    [{ SUMMARY_COMPACT_FILES: '0' }, /SUMMARY_COMPACT_FILES: expected an integer ≥ 1; received "0"/],
    [
      { SUMMARY_COMPACT_DELETE_RATIO: '1.5' },
      /SUMMARY_COMPACT_DELETE_RATIO: expected a number in \(0, 1\]; received "1.5"/,
    ],
  ])('refuses %j naming the setting and what was expected', (env, message) => {
    expect(() => maintenancePolicyFromEnv(env)).toThrow(MaintenancePolicyError);
    expect(() => maintenancePolicyFromEnv(env)).toThrow(message);
  });

  it('is due when any threshold is reached, and only then', () => {
    const below = { max_files: 5, max_delete_files: 5, max_delete_ratio: 0.19, manifests: 47 };
    expect(isDue(below, DEFAULT_MAINTENANCE)).toEqual({ compaction: false, manifests: false });
    expect(isDue({ ...below, max_files: 6 }, DEFAULT_MAINTENANCE).compaction).toBe(true);
    expect(isDue({ ...below, max_delete_files: 6 }, DEFAULT_MAINTENANCE).compaction).toBe(true);
    expect(isDue({ ...below, max_delete_ratio: 0.2 }, DEFAULT_MAINTENANCE).compaction).toBe(true);
    expect(isDue({ ...below, manifests: 48 }, DEFAULT_MAINTENANCE)).toEqual({ compaction: false, manifests: true });
    // An empty table has no partition row: nothing is due.
    expect(
      isDue({ max_files: null, max_delete_files: null, max_delete_ratio: null, manifests: 0 }, DEFAULT_MAINTENANCE),
    ).toEqual({ compaction: false, manifests: false });
  });

  it('compacts with the thresholds as rewrite_data_files options, the table quoted', () => {
    const config = parseConfig(ALT_CONFIG, 'alt');
    expect(compactionCall(config.summaryTable, DEFAULT_MAINTENANCE)).toBe(
      "CALL `local`.system.rewrite_data_files(table => 'alt.acct_hist', options => map('min-input-files', " +
        "'6', 'delete-file-threshold', '6', 'delete-ratio-threshold', '0.2', 'remove-dangling-deletes', 'true'))",
    );
  });

  it('describes what a pass did', () => {
    expect(
      describeMaintenance({
        table: 'alt.acct_hist',
        rewrittenFiles: 12,
        addedFiles: 3,
        removedDeleteFiles: 9,
        manifestsRewritten: 0,
        durationMs: 2500,
      }),
    ).toBe('alt.acct_hist: compacted 12 data file(s) into 3, dropped 9 delete file(s) in 2.5 s');
    expect(
      describeMaintenance({
        table: 't',
        rewrittenFiles: 0,
        addedFiles: 0,
        removedDeleteFiles: 0,
        manifestsRewritten: 0,
        durationMs: 0,
        error: { type: 'CommitFailed', message: 'conflict', retriable: true },
      }),
    ).toBe('t: maintenance FAILED: CommitFailed: conflict (retried after the next batch)');
  });
});

describe('maintainedTables', () => {
  it('keeps summary and latest, and the report winners and unbounded history when the config has them', () => {
    expect(maintainedTables(parseConfig(ALT_CONFIG, 'test')).map((t) => t.plain)).toEqual([
      'local.alt.acct_hist',
      'local.alt.acct_latest',
    ]);
    const both = parseConfig({ ...ALT_CONFIG_REPORT, unbounded_history: { table: 'alt.acct_unbounded' } }, 'test');
    expect(maintainedTables(both).map((t) => t.plain)).toEqual([
      'local.alt.acct_hist',
      'local.alt.acct_latest',
      'local.alt.acct_unbounded',
      'local.alt.acct_hist_report_winners',
    ]);
  });
});

describe('maintainTables', () => {
  const config = parseConfig({ ...ALT_CONFIG_REPORT, unbounded_history: { table: 'alt.acct_unbounded' } }, 'test');
  const quiet = { max_files: 1, max_delete_files: 0, max_delete_ratio: 0, manifests: 3 };
  /** Answers the due statement with `due` (one row per table, by index) and every CALL with a count. */
  function runner(due: (sql: string) => JsonRow[]) {
    const statements: string[] = [];
    const fake = {
      query: async (sql: string) => {
        statements.push(sql);
        if (sql.startsWith('CALL')) return [{ rewritten_data_files_count: 7, added_data_files_count: 1 }];
        return due(sql);
      },
    };
    return { statements, client: fake as unknown as RunnerClient };
  }

  it('reads whether the four tables are due in one statement, and compacts only the due one', async () => {
    const r = runner(() => [0, 1, 2, 3].map((i) => ({ i, ...quiet, ...(i === 2 ? { max_files: 9 } : {}) })));
    const outcome = await maintainTables(r.client, config, DEFAULT_MAINTENANCE);
    expect(r.statements).toHaveLength(2);
    expect(r.statements[0].match(/UNION ALL/g)).toHaveLength(3);
    expect(r.statements[1]).toMatch(/^CALL `local`\.system\.rewrite_data_files\(table => 'alt\.acct_unbounded'/);
    expect(outcome.tables.map((t) => [t.table, t.rewrittenFiles])).toEqual([
      ['local.alt.acct_hist', 0],
      ['local.alt.acct_latest', 0],
      ['local.alt.acct_unbounded', 7],
      ['local.alt.acct_hist_report_winners', 0],
    ]);
  });

  it('when the one statement fails, asks each table alone and reports the failure against its table', async () => {
    const r = runner((sql) => {
      if (sql.includes('UNION ALL') || sql.includes('acct_latest'))
        throw new RunnerError('no such table', 'AnalysisException', false);
      return [quiet];
    });
    const outcome = await maintainTables(r.client, config, DEFAULT_MAINTENANCE);
    expect(r.statements).toHaveLength(5);
    expect(outcome.tables.map((t) => [t.table, t.error?.type ?? null])).toEqual([
      ['local.alt.acct_hist', null],
      ['local.alt.acct_latest', 'AnalysisException'],
      ['local.alt.acct_unbounded', null],
      ['local.alt.acct_hist_report_winners', null],
    ]);
  });
});
