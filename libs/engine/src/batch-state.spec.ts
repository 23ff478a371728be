import { parseCounts } from './batch-state';

describe('parseCounts', () => {
  it('reads cases per month, deletes per case (SPEC §4a), rejects and the input row', () => {
    const counts = parseCounts([
      { kind: 'case', name: 'CASE_III', month: '2024-02', n: 3, watermark: '2025-01-02 00:00:00' },
      { kind: 'case', name: 'CASE_III', month: '2024-01', n: 2, watermark: '2025-01-01 00:00:00' },
      { kind: 'case', name: 'CASE_II', month: '2024-05', n: 4, watermark: '2025-01-01 00:00:00' },
      { kind: 'delete', name: 'CASE_III', month: '2024-02', n: 2, watermark: null },
      { kind: 'delete', name: 'CASE_III', month: '2024-01', n: 1, watermark: null },
      { kind: 'delete', name: 'CASE_II', month: '2024-05', n: 1, watermark: null },
      { kind: 'reject', name: 'NULL_KEY', month: null, n: 1, watermark: null },
      { kind: 'input', name: 'rows', month: null, n: 10, watermark: '2025-01-02 00:00:00' },
    ]);
    expect(counts.cases.CASE_III).toEqual({
      rows: 5,
      minMonth: '2024-01',
      maxMonth: '2024-02',
      months: { '2024-02': 3, '2024-01': 2 },
    });
    expect(counts.deletes).toEqual({ CASE_III: 3, CASE_I: 0, CASE_II: 1 });
    expect(counts.rejects).toEqual({ NULL_KEY: 1 });
    expect([counts.inputRows, counts.watermark]).toEqual([10, '2025-01-02 00:00:00']);
  });

  it('counts no deletes where the classify job collected none (soft delete off, or a ledger from before it)', () => {
    expect(parseCounts([{ kind: 'input', name: 'rows', month: null, n: 0, watermark: null }]).deletes).toEqual({
      CASE_III: 0,
      CASE_I: 0,
      CASE_II: 0,
    });
  });
});
