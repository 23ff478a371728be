import { BatchCompleted, CaseBatchPlanned } from '@app/contracts';
import { auditRow } from './batch-events';

// The audit table row of an event: SPEC §4a's and §4b's counts go to `details`, where the runbook's queries read them.
describe('auditRow', () => {
  it("keeps a planned case's delete rows in details", () => {
    const planned: CaseBatchPlanned = {
      eventId: 'e1',
      batchId: 'b-000002',
      sequence: 0,
      case: 'CASE_III',
      rows: 12,
      minMonth: '2024-01',
      maxMonth: '2024-03',
      skipped: false,
      inputRows: 40,
      rejects: { NULL_KEY: 1 },
      watermark: '2025-01-02 00:00:00',
      deletes: 5,
      sourceTable: 'local.raw.src',
      report: null,
      occurredAt: Date.UTC(2025, 0, 2),
    };
    const row = auditRow({ event: 'case-batch-planned', value: planned });
    expect(row).toMatchObject({
      eventType: 'CaseBatchPlanned',
      case: 'CASE_III',
      status: 'PLANNED',
      rows: 12,
      occurredAt: '2025-01-02 00:00:00',
    });
    expect(row.details).toMatchObject({ deletes: 5, rejects: { NULL_KEY: 1 } });
  });

  it('keeps the months a batch deleted and restored in details, and its rows written', () => {
    const done: BatchCompleted = {
      eventId: 'e2',
      batchId: 'b-000002',
      status: 'COMPLETED',
      durationMs: 1200,
      cases: { CASE_III: 7, CASE_II: 3 },
      deleted: 4,
      restored: 1,
      sourceTable: 'local.raw.src',
      watermark: '2025-01-01 23:00:00',
      report: null,
      occurredAt: Date.UTC(2025, 0, 2),
    };
    const row = auditRow({ event: 'batch-completed', value: done });
    expect(row).toMatchObject({
      eventType: 'BatchCompleted',
      status: 'COMPLETED',
      rows: 10,
      durationMs: 1200,
      watermark: '2025-01-01 23:00:00',
    });
    // Without the report table (report null) the details are as before BatchCompleted v3: no report key.
    expect(row.details).toEqual({ cases: { CASE_III: 7, CASE_II: 3 }, deleted: 4, restored: 1 });
  });

  it("keeps a batch's report-date counts (SPEC §4b) in the batch-completed details", () => {
    const report = { read: 6, rejected: 1, unmatched: 2, vetoes: 1, reresolved: 3 };
    const done: BatchCompleted = {
      eventId: 'e3',
      batchId: 'b-000003',
      status: 'COMPLETED',
      durationMs: 900,
      cases: { CASE_III: 3 },
      deleted: 0,
      restored: 0,
      sourceTable: 'local.raw.src',
      watermark: null,
      report,
      occurredAt: Date.UTC(2025, 0, 3),
    };
    expect(auditRow({ event: 'batch-completed', value: done }).details).toEqual({
      cases: { CASE_III: 3 },
      deleted: 0,
      restored: 0,
      report,
    });
  });
});
