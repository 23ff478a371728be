import { BatchIdError } from './batch-id';
import { describeBatch, nextBatch } from './next-batch';

describe('nextBatch: the one rule that numbers batches and their windows', () => {
  it('gives the first batch the source from its beginning', () => {
    expect(nextBatch(null, '7')).toEqual({ batchId: 'b-000001', sourceStartSnapshotId: null, sourceEndSnapshotId: '7' });
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

  it('refuses a last batch whose id is malformed', () => {
    expect(() => nextBatch({ batchId: 'b-3', sourceEndSnapshotId: '7' }, '9')).toThrow(BatchIdError);
  });
});
