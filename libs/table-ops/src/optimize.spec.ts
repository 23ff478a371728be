import { loadConfigFile, parseConfig } from '@app/config';
import { join } from 'node:path';
import seed000 from '../../../config/seed-000.json';
import { OptimizeOptionError, OptimizeOptions, describeOutcome, parseOptimizeOptions, planOptimize } from './optimize';

const SEED = parseConfig(seed000, 'seed-000.json');
const PRODUCTION = loadConfigFile(
  join(__dirname, '..', '..', '..', '..', 'shared', 'reference', 'summary_config.production-example.json'),
);
const NOW = new Date('2025-03-10T03:30:00.000Z');
const errorOf = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(OptimizeOptionError);
    return (err as Error).message;
  }
  throw new Error('expected an OptimizeOptionError');
};

describe('parseOptimizeOptions', () => {
  it('defaults: every pipeline table but the source, 7 days, the last 20 snapshots', () => {
    expect(parseOptimizeOptions({})).toEqual({
      tables: ['summary', 'latest', 'ledger', 'batches', 'rejects', 'audit'],
      retainDays: 7,
      retainLast: 20,
      dryRun: false,
      includeSource: false,
    });
    expect(
      parseOptimizeOptions({
        tables: 'latest, summary,latest',
        retainDays: '0.5',
        retainLast: '3',
        dryRun: true,
        includeSource: true,
      }),
    ).toEqual({
      tables: ['latest', 'summary'],
      retainDays: 0.5,
      retainLast: 3,
      dryRun: true,
      includeSource: true,
    });
  });

  it.each([
    [
      { tables: 'summary,sumary' },
      '--tables: unknown table "sumary"; expected a comma-separated list of summary, latest, ledger, batches, rejects, audit',
    ],
    [
      { tables: 'source' },
      '--tables: the source is never compacted (the watcher and classify read its append snapshots); use --include-source to expire its old snapshots',
    ],
    [
      { tables: ',' },
      '--tables: expected at least one of summary, latest, ledger, batches, rejects, audit; received ","',
    ],
    [{ retainDays: '-1' }, '--retain-days: expected a number of days ≥ 0; received "-1"'],
    [{ retainDays: 'week' }, '--retain-days: expected a number of days ≥ 0; received "week"'],
    [{ retainLast: '0' }, '--retain-last: expected an integer ≥ 1; received "0"'],
    [{ retainLast: '2.5' }, '--retain-last: expected an integer ≥ 1; received "2.5"'],
  ])('refuses %j', (raw, message) => {
    expect(errorOf(() => parseOptimizeOptions(raw))).toBe(message);
  });
});

describe('planOptimize', () => {
  const opts = (o: Partial<OptimizeOptions> = {}): OptimizeOptions => ({ ...parseOptimizeOptions({}), ...o });

  it('per table: rewrite_data_files, expire_snapshots at now − retain days; each in its own catalog', () => {
    const plan = planOptimize(PRODUCTION, opts({ tables: ['summary', 'ledger'] }), {
      deleteFiles: {},
      sourceKeepFrom: null,
      now: NOW,
    });
    expect(plan.calls.map((c) => c.sql)).toEqual([
      "CALL `primary_catalog`.system.rewrite_data_files(table => 'edf_gold.summary', " +
        "options => map('min-input-files', '2', 'delete-file-threshold', '1', 'remove-dangling-deletes', 'true'))",
      "CALL `primary_catalog`.system.expire_snapshots(table => 'edf_gold.summary', older_than => TIMESTAMP '2025-03-03 03:30:00', retain_last => 20)",
      "CALL `primary_catalog`.system.rewrite_data_files(table => 'edf_gold.summary_runs', " +
        "options => map('min-input-files', '2', 'delete-file-threshold', '1', 'remove-dangling-deletes', 'true'))",
      "CALL `primary_catalog`.system.expire_snapshots(table => 'edf_gold.summary_runs', older_than => TIMESTAMP '2025-03-03 03:30:00', retain_last => 20)",
    ]);
    expect(plan.calls.map((c) => [c.table, c.name, c.procedure])).toEqual([
      ['summary', 'primary_catalog.edf_gold.summary', 'rewrite_data_files'],
      ['summary', 'primary_catalog.edf_gold.summary', 'expire_snapshots'],
      ['ledger', 'primary_catalog.edf_gold.summary_runs', 'rewrite_data_files'],
      ['ledger', 'primary_catalog.edf_gold.summary_runs', 'expire_snapshots'],
    ]);
    expect(plan.notes).toEqual([
      'summary: no delete files, no rewrite_position_delete_files',
      'ledger: no delete files, no rewrite_position_delete_files',
    ]);
  });

  it('rewrites position deletes only of a table that has delete files, between compaction and expiry; not of the array tables (Iceberg #15080)', () => {
    const plan = planOptimize(SEED, opts({ tables: ['summary', 'latest', 'audit'], retainDays: 0, retainLast: 5 }), {
      deleteFiles: { latest: 4, summary: 0, audit: 2 },
      sourceKeepFrom: null,
      now: NOW,
    });
    expect(plan.calls.map((c) => `${c.table} ${c.procedure}`)).toEqual([
      'summary rewrite_data_files',
      'summary expire_snapshots',
      'latest rewrite_data_files',
      'latest expire_snapshots',
      'audit rewrite_data_files',
      'audit rewrite_position_delete_files',
      'audit expire_snapshots',
    ]);
    expect(plan.calls[5].sql).toBe(
      "CALL `local`.system.rewrite_position_delete_files(table => 'demo.summary_audit', options => map('min-input-files', '2'))",
    );
    expect(plan.calls[3].sql).toBe(
      "CALL `local`.system.expire_snapshots(table => 'demo.latest_summary', older_than => TIMESTAMP '2025-03-10 03:30:00', retain_last => 5)",
    );
    expect(plan.notes).toEqual([
      'summary: no delete files, no rewrite_position_delete_files',
      'latest: 4 delete file(s), applied by rewrite_data_files; ' +
        'no rewrite_position_delete_files (fails on array columns in Iceberg 1.10, apache/iceberg#15080)',
    ]);
  });

  it("the source: only with --include-source, only expiry, never past the last classified batch's end snapshot", () => {
    const without = planOptimize(SEED, opts(), { deleteFiles: {}, sourceKeepFrom: '2025-03-09 01:00:00.25', now: NOW });
    expect(without.calls.filter((c) => c.table === 'source')).toEqual([]);

    // The batch ended after the retention cut-off: the cut-off wins.
    const old = planOptimize(SEED, opts({ tables: [], includeSource: true }), {
      deleteFiles: {},
      sourceKeepFrom: '2025-03-09 01:00:00.25',
      now: NOW,
    });
    expect(old.calls.map((c) => c.sql)).toEqual([
      "CALL `local`.system.expire_snapshots(table => 'demo.accounts_all', older_than => TIMESTAMP '2025-03-03 03:30:00', retain_last => 20)",
    ]);

    // Work pending since before the cut-off: everything from the batch's end snapshot on is kept.
    const pending = planOptimize(SEED, opts({ tables: [], includeSource: true, retainDays: 0 }), {
      deleteFiles: {},
      sourceKeepFrom: '2025-03-01 12:00:00.125',
      now: NOW,
    });
    expect(pending.calls.map((c) => c.sql)).toEqual([
      "CALL `local`.system.expire_snapshots(table => 'demo.accounts_all', older_than => TIMESTAMP '2025-03-01 12:00:00.125', retain_last => 20)",
    ]);
    expect(pending.notes).toEqual([
      "source: expire only, before 2025-03-01 12:00:00.125 (kept: the last classified batch's end snapshot of 2025-03-01 12:00:00.125 and everything after it)",
    ]);

    const first = planOptimize(SEED, opts({ tables: [], includeSource: true }), {
      deleteFiles: {},
      sourceKeepFrom: null,
      now: NOW,
    });
    expect(first.calls).toEqual([]);
    expect(first.notes).toEqual([
      'source: no batch classified yet, so every source snapshot may still be read; not expired',
    ]);
  });
});

describe('describeOutcome', () => {
  const call = (procedure: 'rewrite_data_files' | 'rewrite_position_delete_files' | 'expire_snapshots') => ({
    table: 'summary' as const,
    name: 'local.demo.summary',
    procedure,
    sql: '',
  });

  it("reads the procedure's result row", () => {
    expect(
      describeOutcome({
        call: call('rewrite_data_files'),
        rows: [
          {
            rewritten_data_files_count: 12,
            added_data_files_count: 3,
            rewritten_bytes_count: 4096,
            failed_data_files_count: 0,
          },
        ],
      }),
    ).toBe('summary: rewrote 12 data file(s) (4096 bytes) into 3');
    expect(
      describeOutcome({
        call: call('rewrite_data_files'),
        rows: [
          {
            rewritten_data_files_count: 8,
            added_data_files_count: 4,
            rewritten_bytes_count: 100,
            removed_delete_files_count: 2,
            failed_data_files_count: 1,
          },
        ],
      }),
    ).toBe('summary: rewrote 8 data file(s) (100 bytes) into 4, removed 2 dangling delete file(s), 1 failed');
    expect(
      describeOutcome({
        call: call('rewrite_position_delete_files'),
        rows: [],
        skipped: 'rewrite_data_files left no delete file',
      }),
    ).toBe('summary: rewrite_position_delete_files skipped: rewrite_data_files left no delete file');
    expect(
      describeOutcome({
        call: call('rewrite_position_delete_files'),
        rows: [{ rewritten_delete_files_count: 4, added_delete_files_count: 1 }],
      }),
    ).toBe('summary: rewrote 4 position delete file(s) into 1');
    expect(
      describeOutcome({
        call: call('expire_snapshots'),
        rows: [
          {
            deleted_data_files_count: 9,
            deleted_position_delete_files_count: 2,
            deleted_equality_delete_files_count: 0,
            deleted_manifest_files_count: 5,
            deleted_manifest_lists_count: 6,
          },
        ],
        snapshots: { before: 7, after: 1 },
      }),
    ).toBe('summary: expired 6 snapshot(s) (1 left); deleted 9 data, 2 delete, 5 manifest and 6 manifest-list file(s)');
    expect(
      describeOutcome({
        call: call('rewrite_data_files'),
        rows: [],
        error: { type: 'ValidationException', message: 'conflicting files', retriable: true },
      }),
    ).toBe('summary: rewrite_data_files FAILED: ValidationException: conflicting files (retriable: run again)');
  });
});
