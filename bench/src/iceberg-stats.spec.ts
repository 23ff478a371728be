import { SnapshotRow, commitsPerStep, snapshotsBetween, writeStats } from './iceberg-stats';

const snap = (
  id: string,
  parent: string | null,
  operation: string,
  summary: Record<string, string> = {},
): SnapshotRow => ({ id, parent, operation, summary, committedAtMs: null });

describe('snapshotsBetween', () => {
  // 1 ← 2 ← 3 is the current chain; 9 (child of 2) was rolled back and stays in the snapshots table.
  const rows = [
    snap('1', null, 'append'),
    snap('2', '1', 'append'),
    snap('9', '2', 'overwrite'),
    snap('3', '2', 'overwrite'),
  ];

  it('follows parent links from after back to before, oldest first', () => {
    expect(snapshotsBetween(rows, '1', '3').map((s) => s.id)).toEqual(['2', '3']);
    expect(snapshotsBetween(rows, null, '3').map((s) => s.id)).toEqual(['1', '2', '3']);
  });

  it('is empty when nothing was committed', () => {
    expect(snapshotsBetween(rows, '3', '3')).toEqual([]);
  });

  it('refuses a before that is not an ancestor', () => {
    expect(() => snapshotsBetween(rows, '9', '3')).toThrow('snapshot 9 is not an ancestor of 3');
  });
});

describe('writeStats', () => {
  it('adds up the summaries of a copy-on-write overwrite and an append', () => {
    const stats = writeStats([
      snap('2', '1', 'overwrite', {
        'added-records': '700',
        'deleted-records': '650',
        'added-data-files': '3',
        'deleted-data-files': '3',
        'added-files-size': '9000',
        'removed-files-size': '8500',
      }),
      snap('3', '2', 'append', { 'added-records': '50', 'added-data-files': '1', 'added-files-size': '600' }),
    ]);
    expect(stats).toEqual({
      snapshots: 2,
      operations: ['overwrite', 'append'],
      addedRecords: 750,
      deletedRecords: 650,
      addedDataFiles: 4,
      removedDataFiles: 3,
      addedDeleteFiles: 0,
      addedPositionDeletes: 0,
      addedBytes: 9600,
      removedBytes: 8500,
    });
  });

  it('counts the delete files of a merge-on-read commit', () => {
    const stats = writeStats([
      snap('2', '1', 'overwrite', {
        'added-records': '40',
        'added-data-files': '1',
        'added-delete-files': '2',
        'added-position-deletes': '40',
      }),
    ]);
    expect([stats.addedDeleteFiles, stats.addedPositionDeletes, stats.removedDataFiles]).toEqual([2, 40, 0]);
  });
});

describe('commitsPerStep', () => {
  it('gives each commit to the last step that started at or before it', () => {
    expect(commitsPerStep([100, 200, 300], [250, 310, 320])).toEqual([0, 1, 2]);
    expect(commitsPerStep([100, 200], [200, 100])).toEqual([1, 1]);
  });

  it('counts no commit before the first step, without a time, or in a step without a start (an older runner)', () => {
    expect(commitsPerStep([100, undefined, 300], [50, null, 250, 350])).toEqual([1, 0, 1]);
    expect(commitsPerStep([], [10])).toEqual([]);
  });
});
