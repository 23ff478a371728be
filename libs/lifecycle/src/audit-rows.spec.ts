import { BatchCompleted, CaseBatchPlanned } from '@app/contracts';
import { auditRow } from './batch-events';

// The audit table row of an event: SPEC §4a's counts go to `details`, where the runbook's queries read them.
describe('auditRow', () => {
  it('keeps a planned case\'s delete rows in details', () => {
    const planned: CaseBatchPlanned = {
      eventId: 'e1', batchId: 'b-000002', sequence: 0, case: 'CASE_III', rows: 12, minMonth: '2024-01', maxMonth: '2024-03', skipped: false,
      inputRows: 40, rejects: { NULL_KEY: 1 }, watermark: '2025-01-02 00:00:00', deletes: 5, sourceTable: 'local.raw.src', occurredAt: Date.UTC(2025, 0, 2),
    };
    const row = auditRow({ event: 'case-batch-planned', value: planned });
    expect(row).toMatchObject({ eventType: 'CaseBatchPlanned', case: 'CASE_III', status: 'PLANNED', rows: 12, occurredAt: '2025-01-02 00:00:00' });
    expect(row.details).toMatchObject({ deletes: 5, rejects: { NULL_KEY: 1 } });
  });

  it('keeps the months a batch deleted and restored in details, and its rows written', () => {
    const done: BatchCompleted = {
      eventId: 'e2', batchId: 'b-000002', status: 'COMPLETED', durationMs: 1200, cases: { CASE_III: 7, CASE_II: 3 }, deleted: 4, restored: 1, sourceTable: 'local.raw.src', watermark: '2025-01-01 23:00:00', occurredAt: Date.UTC(2025, 0, 2),
    };
    const row = auditRow({ event: 'batch-completed', value: done });
    expect(row).toMatchObject({ eventType: 'BatchCompleted', status: 'COMPLETED', rows: 10, durationMs: 1200, watermark: '2025-01-01 23:00:00' });
    expect(row.details).toEqual({ cases: { CASE_III: 7, CASE_II: 3 }, deleted: 4, restored: 1 });
  });
});
