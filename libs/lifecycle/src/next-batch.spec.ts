import { BatchIdError } from './batch-id';
import { describeBatch, nextBatch } from './next-batch';

describe('nextBatch: the one rule that numbers batches and their windows', () => {
  it('gives the first batch the source from its beginning', () => {
    expect(nextBatch(null, '7')).toEqual({
      batchId: 'b-000001',
      sourceStartSnapshotId: null,
      sourceEndSnapshotId: '7',
    });
  });

  it('gives the batch after the last one the snapshots after the one it ended at', () => {
    const next = nextBatch({ batchId: 'b-000003', sourceEndSnapshotId: '7' }, '9');
    expect(next).toEqual({ batchId: 'b-000004', sourceStartSnapshotId: '7', sourceEndSnapshotId: '9' });
    expect(describeBatch(next!)).toBe('b-000004 reading source snapshots (7, 9]');
    expect(nextBatch({ batchId: 'b-999999', sourceEndSnapshotId: '7' }, '8')!.batchId).toBe('b-1000000');
  });

  it('gives nothing while the source has not moved, or is empty', () => {
    expect(nextBatch({ batchId: 'b-000003', sourceEndSnapshotId: '7' }, '7')).toBeNull();
    expect(nextBatch(null, null)).toBeNull();
    expect(nextBatch({ batchId: 'b-000003', sourceEndSnapshotId: '7' }, null)).toBeNull();
  });

  it('with the report table (SPEC §4b): either table moving makes a batch, report rows alone included', () => {
    const last = { batchId: 'b-000003', sourceEndSnapshotId: '7', reportEndSnapshotId: '3' };
    expect(nextBatch(last, '7', '5')).toEqual({
      batchId: 'b-000004',
      sourceStartSnapshotId: '7',
      sourceEndSnapshotId: '7',
      reportStartSnapshotId: '3',
      reportEndSnapshotId: '5',
    });
    expect(nextBatch(last, '9', '3')).toEqual({
      batchId: 'b-000004',
      sourceStartSnapshotId: '7',
      sourceEndSnapshotId: '9',
      reportStartSnapshotId: '3',
      reportEndSnapshotId: '3',
    });
    expect(nextBatch(last, '7', '3')).toBeNull();
    // A pipeline of the previous release: its position has no report snapshot; the report table is read from its beginning.
    expect(nextBatch({ batchId: 'b-000003', sourceEndSnapshotId: '7' }, '7', '2')).toEqual({
      batchId: 'b-000004',
      sourceStartSnapshotId: '7',
      sourceEndSnapshotId: '7',
      reportStartSnapshotId: null,
      reportEndSnapshotId: '2',
    });
    // No report snapshot yet: the source alone; no source snapshot at all: report rows wait.
    expect(nextBatch(null, '7', null)).toEqual({
      batchId: 'b-000001',
      sourceStartSnapshotId: null,
      sourceEndSnapshotId: '7',
      reportStartSnapshotId: null,
      reportEndSnapshotId: null,
    });
    expect(nextBatch(null, null, '2')).toBeNull();
  });

  it('describes a batch with its report range when it has one (SPEC §4b)', () => {
    const last = { batchId: 'b-000003', sourceEndSnapshotId: '7', reportEndSnapshotId: '3' };
    expect(describeBatch(nextBatch(last, '7', '5')!)).toBe(
      'b-000004 reading source snapshots (7, 7] and report-date snapshots (3, 5]',
    );
    expect(describeBatch(nextBatch({ batchId: 'b-000003', sourceEndSnapshotId: '7' }, '7', '2')!)).toBe(
      'b-000004 reading source snapshots (7, 7] and report-date snapshots (beginning, 2]',
    );
    // No report snapshot yet: nothing to say about that table.
    expect(describeBatch(nextBatch(null, '7', null)!)).toBe('b-000001 reading source snapshots (beginning, 7]');
  });

  it('refuses a last batch whose id is malformed', () => {
    expect(() => nextBatch({ batchId: 'b-3', sourceEndSnapshotId: '7' }, '9')).toThrow(BatchIdError);
  });
});
