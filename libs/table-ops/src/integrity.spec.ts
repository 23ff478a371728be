import { LedgerRow, batchWindows, committedTwice, overlappingWindows } from './integrity';

const classify = (
  batchId: string,
  status: string,
  recordedAt: string,
  start: string | null = null,
  end = '1',
  rejects = 0,
): LedgerRow => ({
  batchId,
  step: 'classify',
  status,
  recordedAt,
  result:
    status === 'committed'
      ? {
          collected: {
            plan: [{ batch_id: batchId, source_start_snapshot_id: start, source_end_snapshot_id: end }],
            counts: rejects ? [{ kind: 'reject', name: 'NULL_KEY', n: rejects }] : [],
          },
        }
      : null,
});

describe('committedTwice', () => {
  it('finds a (batch, step) committed by two writers and keeps its first commit', () => {
    // Two runs at once: A started, B started, A committed, B committed.
    const rows = [
      classify('b-000001', 'started', '2026-12-01 10:00:00.1'),
      classify('b-000001', 'started', '2026-12-01 10:00:00.2'),
      classify('b-000001', 'committed', '2026-12-01 10:00:05.5'),
      classify('b-000001', 'committed', '2026-12-01 10:00:05.75'),
      classify('b-000002', 'committed', '2026-12-01 11:00:00'),
      { ...classify('b-000002', 'committed', '2026-12-01 11:00:09'), step: 'CASE_I' },
    ];
    expect(committedTwice(rows)).toEqual([
      { batchId: 'b-000001', step: 'classify', keptAt: '2026-12-01 10:00:05.5', later: 1 },
    ]);
  });

  it('a failed attempt and its retry are one commit, not two', () => {
    const rows = [
      classify('b-000001', 'started', 'a'),
      classify('b-000001', 'failed', 'b'),
      classify('b-000001', 'started', 'c'),
      classify('b-000001', 'committed', 'd'),
    ];
    expect(committedTwice(rows)).toEqual([]);
  });
});

describe('batch windows', () => {
  it('reads each batch from its first committed classify, in batch order, with the rejects it counted', () => {
    const rows = [
      classify('b-000002', 'committed', '2026-12-01 11:00:00', '10', '20'),
      classify('b-000001', 'committed', '2026-12-01 10:00:00', null, '10', 3),
      classify('b-000001', 'committed', '2026-12-01 10:00:01', null, '10', 3),
      classify('b-000003', 'started', '2026-12-01 12:00:00'),
    ];
    expect(batchWindows(rows)).toEqual([
      { batchId: 'b-000001', start: null, end: '10', rejects: 3 },
      { batchId: 'b-000002', start: '10', end: '20', rejects: 0 },
    ]);
  });

  it('a window that does not start where the previous one ended is an overlap (or a gap)', () => {
    const windows = [
      { batchId: 'b-000001', start: null, end: '10', rejects: 0 },
      { batchId: 'b-000002', start: null, end: '10', rejects: 0 }, // classified again from the beginning
      { batchId: 'b-000003', start: '10', end: '30', rejects: 0 },
      { batchId: 'b-000004', start: '30', end: '40', rejects: 0 },
    ];
    expect(overlappingWindows(windows)).toEqual([{ batchId: 'b-000002', start: null, previousEnd: '10' }]);
    expect(overlappingWindows([{ batchId: 'b-000001', start: '5', end: '10', rejects: 0 }])).toEqual([
      { batchId: 'b-000001', start: '5', previousEnd: null },
    ]);
  });
});
