import { parseConfig } from '@app/config';
import { ALT_CONFIG } from '@app/testing';
import {
  LedgerEntry,
  batchesFromLedger,
  classifiedUpTo,
  appendedParts,
  SnapshotRow,
  snapshotsAfter,
} from '@app/engine';
import { ledgerStats, rejectsByReasonQuery, summaryStatsQuery, tableStatsQuery } from './stats';

const ALT = parseConfig(ALT_CONFIG, 'alt');
const norm = (sql: string) => sql.replace(/\s+/g, ' ').trim();

const entry = (
  batchId: string,
  step: string,
  status: LedgerEntry['status'],
  collected?: LedgerEntry['result'],
): LedgerEntry => ({ batchId, step, status, result: collected ?? null, recordedAt: '2025-01-01 00:00:00' });
const classified = (batchId: string, end: string, watermark: string, cases: Record<string, number>) =>
  entry(batchId, 'classify', 'committed', {
    collected: {
      plan: [{ batch_id: batchId, source_start_snapshot_id: null, source_end_snapshot_id: end }],
      counts: [
        { kind: 'input', name: 'rows', month: null, n: 10, watermark },
        ...Object.entries(cases).map(([name, n]) => ({ kind: 'case', name, month: '2024-01', n, watermark })),
      ],
    },
  });

describe('stats queries', () => {
  it('summary figures use the configured key, month and base_ts columns', () => {
    expect(norm(summaryStatsQuery(ALT))).toBe(
      'SELECT count(*) AS `rows`, count(DISTINCT `acct_id`) AS accounts, ' +
        'count(DISTINCT `period`) AS months, min(`period`) AS min_month, max(`period`) AS max_month, ' +
        'CAST(max(`load_ts`) AS STRING) AS max_base_ts FROM `local`.`alt`.`acct_hist`',
    );
    expect(rejectsByReasonQuery(ALT)).toBe(
      'SELECT reason, count(*) AS n FROM `local`.`alt`.`acct_hist_rejects` GROUP BY reason ORDER BY reason',
    );
  });

  it('one query over the metadata tables of every pipeline table', () => {
    const sql = tableStatsQuery(ALT);
    expect(sql.split('UNION ALL').length).toBe(7);
    expect(norm(sql.split('UNION ALL')[0])).toBe(
      "SELECT 'source' AS tbl, s.snapshots, f.data_files, f.data_bytes, f.delete_files " +
        'FROM (SELECT count(*) AS snapshots FROM `local`.`raw_alt`.`feed_rows`.`snapshots`) s ' +
        'CROSS JOIN (SELECT count_if(content = 0) AS data_files, coalesce(sum(CASE WHEN content = 0 ' +
        'THEN file_size_in_bytes END), 0) AS data_bytes, count_if(content <> 0) AS delete_files ' +
        'FROM `local`.`raw_alt`.`feed_rows`.`files`) f',
    );
    expect([...sql.matchAll(/SELECT '(\w+)' AS tbl/g)].map((m) => m[1])).toEqual([
      'source',
      'summary',
      'latest',
      'ledger',
      'batches',
      'rejects',
      'audit',
    ]);
    expect(sql).toContain('`local`.`alt`.`acct_hist_runs`.`snapshots`');
  });
});

describe('snapshotsAfter', () => {
  const snap = (id: string, parent: string | null): SnapshotRow => ({
    id,
    parent,
    committedAt: '2025-01-01 00:00:00',
    summary: {},
  });
  // 1 ← 2 ← 3 ← 4, and 9 (rolled back, child of 2) is not on the current chain.
  const chain = [snap('1', null), snap('2', '1'), snap('9', '2'), snap('3', '2'), snap('4', '3')];

  it('follows parent links from the current snapshot back to the last classified one', () => {
    expect(snapshotsAfter(chain, '2', '4')).toEqual({ ids: ['3', '4'], complete: true });
    expect(snapshotsAfter(chain, '4', '4')).toEqual({ ids: [], complete: true });
    expect(snapshotsAfter(chain, null, '4')).toEqual({ ids: ['1', '2', '3', '4'], complete: true });
    expect(snapshotsAfter([], null, null)).toEqual({ ids: [], complete: true });
  });

  it('says when the chain breaks (expired ancestors) before the classified snapshot', () => {
    expect(snapshotsAfter(chain.slice(3), '1', '4')).toEqual({ ids: ['3', '4'], complete: false });
  });
});

describe('ledger figures', () => {
  it('the last committed batch, the classified end snapshot, and an unfinished batch', () => {
    const ledger = [
      classified('b-000001', '111', '2025-01-01 00:00:00', { CASE_I: 5 }),
      entry('b-000001', 'CASE_I', 'committed'),
      classified('b-000002', '222', '2025-02-01 00:00:00', { CASE_III: 2, CASE_II: 3 }),
      entry('b-000002', 'CASE_III', 'committed'),
      entry('b-000002', 'CASE_II', 'failed'),
    ];
    const batches = batchesFromLedger(ledger);
    expect(classifiedUpTo(batches)).toBe('222');
    expect(ledgerStats(batches)).toEqual({
      lastCommittedBatch: { batchId: 'b-000001', watermark: '2025-01-01 00:00:00', sourceEndSnapshotId: '111' },
      unfinishedBatch: { batchId: 'b-000002', stage: 'cases' },
    });
    const classifying = batchesFromLedger([...ledger.slice(0, 2), entry('b-000002', 'classify', 'started')]);
    expect(classifiedUpTo(classifying)).toBe('111');
    expect(ledgerStats(classifying).unfinishedBatch).toEqual({ batchId: 'b-000002', stage: 'classify' });
    expect(ledgerStats(batchesFromLedger([]))).toEqual({ lastCommittedBatch: null, unfinishedBatch: null });
    expect(classifiedUpTo([])).toBeNull();
  });
});

describe('appendedParts', () => {
  it('finds the parts of one load among the source snapshots', () => {
    const snapshots: SnapshotRow[] = [
      { id: '10', parent: null, committedAt: '', summary: { 'summary-pipeline.load-part': 'aaaa/1/3' } },
      { id: '11', parent: '10', committedAt: '', summary: {} },
      { id: '12', parent: '11', committedAt: '', summary: { 'summary-pipeline.load-part': 'bbbb/2/3' } },
      { id: '13', parent: '12', committedAt: '', summary: { 'summary-pipeline.load-part': 'aaaa/3/3' } },
    ];
    expect([...appendedParts(snapshots, 'aaaa')]).toEqual([
      [1, '10'],
      [3, '13'],
    ]);
    expect(appendedParts(snapshots, 'cccc').size).toBe(0);
  });
});
