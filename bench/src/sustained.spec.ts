import { asGenerated, sustainedResult } from './sustained';

const day = (
  n: number,
  batchMs: number,
  maintenanceMs: number,
  calls: string[] | null = maintenanceMs ? ['CALL …'] : null,
) => ({
  day: n,
  batchMs,
  maintenanceMs,
  maintenanceCalls: calls,
  inputRows: 200,
  caseRows: { CASE_III: 20, CASE_I: 10, CASE_II: 170 },
});

describe('sustainedResult', () => {
  const r = sustainedResult({
    days: [day(1, 5000, 0), day(2, 5500, 3000), day(3, 6000, 0)],
    batchRows: 200,
    pointKey: 1_000_170,
    summaryRows: 50_000,
    before: { fullScanMs: [1300, 1200, 1250], pointReadMs: [300, 330, 310] },
    compactionMs: 8000,
    after: { fullScanMs: [1000, 1100, 1000], pointReadMs: [200, 200, 210] },
  });

  it("gives issue #9's figures: first and last batch, maintenance and daily cost per day", () => {
    expect(r).toMatchObject({ batches: 3, first_s: 5, last_s: 6, maintenance_s_per_day: 1, daily_cost_s: 6.5 });
  });

  it('reports each day: batch and maintenance seconds as arrays and per day', () => {
    expect(r.batch_s).toEqual([5, 5.5, 6]);
    expect(r.maintenance_s).toEqual([0, 3, 0]);
    expect(r.days[1]).toMatchObject({
      day: 2,
      batch_s: 5.5,
      maintenance_s: 3,
      maintenance_calls: ['CALL …'],
      as_generated: true,
    });
  });

  it('divides the median read before compaction by the median after', () => {
    expect([r.full_scan_ratio, r.point_read_ratio]).toEqual([1.25, 1.55]); // 1250 / 1000, 310 / 200
    expect(r.reads).toMatchObject({ point_key: 1_000_170, compaction_s: 8, full_scan: { before_s: 1.25, after_s: 1 } });
  });
});

describe('asGenerated', () => {
  it('accepts exactly the 5 / 85 / 10 split of the batch', () => {
    expect(asGenerated({ inputRows: 200, caseRows: { CASE_III: 20, CASE_I: 10, CASE_II: 170 } }, 200)).toBe(true);
    expect(asGenerated({ inputRows: 200, caseRows: { CASE_III: 21, CASE_I: 10, CASE_II: 169 } }, 200)).toBe(false);
  });
});
