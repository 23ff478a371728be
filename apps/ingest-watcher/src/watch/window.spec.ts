import { SnapshotInfo, TableSnapshots, parseMetadata } from '@app/common';
import { BatchPosition, nextBatch } from '@app/lifecycle';
import { WindowError, reportWindowOf, windowOf } from './window';

const snap = (id: string, parentId: string | null, maxTs?: string): SnapshotInfo => ({
  snapshotId: id,
  parentId,
  timestampMs: Number(id),
  operation: 'append',
  summary: maxTs ? { 'summary-pipeline.max-base-ts': maxTs } : {},
});
const table = (current: string | null, ...snapshots: SnapshotInfo[]): TableSnapshots => ({
  currentId: current,
  snapshots: new Map(snapshots.map((s) => [s.snapshotId, s])),
});

/** The watcher's step: the next batch after the last announced end (lifecycle's rule), then its snapshots. */
const nextWindow = (t: TableSnapshots, position: string | null) => {
  const last: BatchPosition | null = position === null ? null : { batchId: 'b-000001', sourceEndSnapshotId: position };
  const batch = nextBatch(last, t.currentId);
  return batch && windowOf(t, batch);
};

describe('windowOf the next batch', () => {
  const t = table(
    '3',
    snap('1', null, '2025-01-01 00:00:00'),
    snap('2', '1', '2025-01-03 00:00:00'),
    snap('3', '2', '2025-01-02 12:00:00'),
  );

  it('starts from the beginning when nothing was announced', () => {
    const w = nextWindow(t, null)!;
    expect([w.start, w.end, w.snapshots.map((s) => s.snapshotId)]).toEqual([null, '3', ['1', '2', '3']]);
    expect(w.watermark).toBe('2025-01-03 00:00:00');
  });

  it('covers exactly the snapshots after the position, with their max base_ts', () => {
    const w = nextWindow(t, '1')!;
    expect([w.start, w.end, w.snapshots.map((s) => s.snapshotId), w.watermark]).toEqual([
      '1',
      '3',
      ['2', '3'],
      '2025-01-03 00:00:00',
    ]);
    expect(nextWindow(t, '2')!.watermark).toBe('2025-01-02 12:00:00');
  });

  it('is null when nothing is new or the table has no snapshot', () => {
    expect(nextWindow(t, '3')).toBeNull();
    expect(nextWindow(table(null), null)).toBeNull();
  });

  it('has a null watermark when no snapshot carries the property (another writer)', () => {
    expect(nextWindow(table('2', snap('1', null), snap('2', '1')), '1')!.watermark).toBeNull();
  });

  it('refuses a position that is not an ancestor (rollback), naming both snapshots', () => {
    const forked = table('4', snap('1', null), snap('2', '1'), snap('4', '1'));
    expect(() => nextWindow(forked, '2')).toThrow(WindowError);
    expect(() => nextWindow(forked, '2')).toThrow(/2 is not an ancestor of the current snapshot 4/);
  });
});

describe('reportWindowOf (SPEC §4b)', () => {
  const report = table('12', snap('10', null), snap('11', '10'), snap('12', '11'));
  const batch = (start: string | null, end: string | null) => ({
    batchId: 'b-000002',
    sourceStartSnapshotId: '3',
    sourceEndSnapshotId: '3',
    reportStartSnapshotId: start,
    reportEndSnapshotId: end,
  });

  it('covers the report snapshots after the last announced one', () => {
    expect(reportWindowOf(report, batch('10', '12'))).toEqual({
      start: '10',
      end: '12',
      snapshots: [report.snapshots.get('11'), report.snapshots.get('12')],
    });
    expect(reportWindowOf(report, batch(null, '12')).snapshots.map((s) => s.snapshotId)).toEqual(['10', '11', '12']);
  });

  it('is empty for a batch of source rows alone, or while the table has no snapshot', () => {
    expect(reportWindowOf(report, batch('12', '12'))).toEqual({ start: '12', end: '12', snapshots: [] });
    expect(reportWindowOf(table(null), batch(null, null))).toEqual({ start: null, end: null, snapshots: [] });
  });

  it('refuses a last announced report snapshot that is not an ancestor, naming the table', () => {
    expect(() => reportWindowOf(table('13', snap('10', null), snap('13', '10')), batch('11', '13'))).toThrow(
      /the last announced report-date snapshot 11 is not an ancestor of the current snapshot 13/,
    );
  });
});

describe('parseMetadata', () => {
  it('keeps 64-bit snapshot ids exact and prefers the main ref', () => {
    const text = `{"metadata":{"current-snapshot-id":8783644981717731115,"refs":{"main":{"snapshot-id":8783644981717731115,"type":"branch"}},
      "snapshots":[{"snapshot-id":1234567890123456789,"timestamp-ms":1,"summary":{"operation":"append"}},
                   {"snapshot-id":8783644981717731115,"parent-snapshot-id":1234567890123456789,"timestamp-ms":2,
                    "summary":{"operation":"append","summary-pipeline.max-base-ts":"2025-01-01 00:00:00"}}]}}`;
    const parsed = parseMetadata(text);
    expect(parsed.currentId).toBe('8783644981717731115');
    expect(parsed.snapshots.get('8783644981717731115')).toMatchObject({
      parentId: '1234567890123456789',
      operation: 'append',
      summary: { 'summary-pipeline.max-base-ts': '2025-01-01 00:00:00' },
    });
  });
});
