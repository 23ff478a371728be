import {
  auditRow,
  completedEvent,
  eventIds,
  jobErrorText,
  jobStateEvent,
  planEvents,
  watermarkEvent,
} from './batch-events';

const counts = {
  inputRows: 12,
  watermark: '2025-03-01 10:00:00',
  rejects: { INVALID_MONTH: 2 },
  cases: {
    CASE_III: { rows: 4, minMonth: '2024-11', maxMonth: '2025-01' },
    CASE_I: { rows: 0, minMonth: '', maxMonth: '' },
    CASE_II: { rows: 6, minMonth: '2025-02', maxMonth: '2025-02' },
  },
  deletes: { CASE_III: 1, CASE_I: 0, CASE_II: 0 },
};

describe('batch events', () => {
  it('plans the cases in run order III, I, II; a case without rows is skipped and has no month range', () => {
    const plans = planEvents('cat.raw.src', 'b-000003', counts, '2025-02-28 00:00:00', 1000);
    expect(plans.map((p) => [p.sequence, p.case, p.rows, p.skipped, p.minMonth, p.maxMonth])).toEqual([
      [0, 'CASE_III', 4, false, '2024-11', '2025-01'],
      [1, 'CASE_I', 0, true, null, null],
      [2, 'CASE_II', 6, false, '2025-02', '2025-02'],
    ]);
    expect(plans.map((p) => p.deletes)).toEqual([1, 0, 0]);
    expect(new Set(plans.map((p) => p.sourceTable))).toEqual(new Set(['cat.raw.src']));
    expect(plans.map((p) => p.eventId)).toEqual([
      'cat.raw.src:b-000003:CASE_III:planned',
      'cat.raw.src:b-000003:CASE_I:planned',
      'cat.raw.src:b-000003:CASE_II:planned',
    ]);
    // classify's watermark (from the rows it read) wins over the watcher's; the watcher's only fills a gap
    expect(new Set(plans.map((p) => p.watermark))).toEqual(new Set(['2025-03-01 10:00:00']));
    expect(planEvents('s', 'b-000003', { ...counts, watermark: null }, '2025-02-28 00:00:00')[0].watermark).toBe(
      '2025-02-28 00:00:00',
    );
  });

  it("puts the batch's report counts (SPEC §4b) on each of its plans and on its completion, null without the report table", () => {
    const report = { read: 5, rejected: 1, unmatched: 1, vetoes: 2, reresolved: 1 };
    expect(planEvents('s', 'b-000003', { ...counts, report }).map((p) => p.report)).toEqual([report, report, report]);
    expect(planEvents('s', 'b-000003', counts).map((p) => p.report)).toEqual([null, null, null]);
    expect(
      completedEvent('s', 'b-000003', 'COMPLETED', 5, {
        cases: { CASE_III: 4 },
        deleted: 0,
        restored: 0,
        watermark: null,
        report,
      }).report,
    ).toEqual(report);
  });

  it('states the report range (SPEC §4b) only when given one, null otherwise', () => {
    expect(watermarkEvent('s', 'b-000001', { start: null, end: '42', watermark: null }, 0)).toEqual({
      eventId: 's:b-000001:watermark-advanced',
      batchId: 'b-000001',
      sourceTable: 's',
      sourceStartSnapshotId: null,
      sourceEndSnapshotId: '42',
      watermark: null,
      reportStartSnapshotId: null,
      reportEndSnapshotId: null,
      occurredAt: 0,
    });
    expect(
      watermarkEvent('s', 'b-000002', { start: '42', end: '42', watermark: null, reportStart: '7', reportEnd: '9' }),
    ).toMatchObject({
      sourceStartSnapshotId: '42',
      sourceEndSnapshotId: '42',
      reportStartSnapshotId: '7',
      reportEndSnapshotId: '9',
    });
  });

  it('gives one fact one id, whoever states it', () => {
    expect(watermarkEvent('s', 'b-000001', { start: null, end: '42', watermark: null }).eventId).toBe(
      eventIds.watermark('s', 'b-000001'),
    );
    expect(jobStateEvent('s', { batchId: 'b-000001', case: 'CASE_I' }, 'SUCCEEDED', 2, 'local').eventId).toBe(
      's:b-000001:CASE_I:SUCCEEDED:2',
    );
    expect(
      completedEvent('s', 'b-000001', 'FAILED', 10, {
        cases: {},
        deleted: 0,
        restored: 0,
        watermark: null,
        report: null,
      }).eventId,
    ).toBe('s:b-000001:batch-completed:FAILED');
  });

  it('maps each event to its audit row: the audit vocabulary', () => {
    const plan = planEvents('s', 'b-000003', counts, null, Date.UTC(2026, 11, 1, 10, 0, 0))[1];
    expect(auditRow({ event: 'case-batch-planned', value: plan })).toMatchObject({
      eventType: 'CaseBatchPlanned',
      case: 'CASE_I',
      status: 'SKIPPED',
      rows: 0,
      watermark: counts.watermark,
      occurredAt: '2026-12-01 10:00:00',
    });
    const failed = jobStateEvent('s', plan, 'FAILED', 3, 'emr-on-eks', {
      error: jobErrorText({ type: 'AnalysisException', step: 'merge summary', message: 'boom' }),
    });
    expect(auditRow({ event: 'job-state-changed', value: failed })).toMatchObject({
      eventType: 'JobStateChanged',
      status: 'FAILED',
      attempt: 3,
      details: { engine: 'emr-on-eks', error: 'AnalysisException at step "merge summary": boom' },
    });
    expect(
      auditRow({
        event: 'batch-completed',
        value: completedEvent('s', 'b-000003', 'COMPLETED', 5, {
          cases: { CASE_III: 7, CASE_II: 6 },
          deleted: 1,
          restored: 0,
          watermark: 'w7',
          report: null,
        }),
      }),
    ).toMatchObject({ eventType: 'BatchCompleted', status: 'COMPLETED', rows: 13, watermark: 'w7' });
    const sourceOnly = auditRow({
      event: 'watermark-advanced',
      value: watermarkEvent('s', 'b-000003', { start: '1', end: '2', watermark: 'w' }),
    });
    expect(sourceOnly).toMatchObject({ eventType: 'WatermarkAdvanced', status: 'ADVANCED', watermark: 'w' });
    // Without the report table the details are as before v2 of the event: no report fields.
    expect(sourceOnly.details).toEqual({ sourceTable: 's', sourceStartSnapshotId: '1', sourceEndSnapshotId: '2' });
    const reportOnly = auditRow({
      event: 'watermark-advanced',
      value: watermarkEvent('s', 'b-000004', {
        start: '2',
        end: '2',
        watermark: null,
        reportStart: null,
        reportEnd: '9',
      }),
    });
    expect(reportOnly.details).toEqual({
      sourceTable: 's',
      sourceStartSnapshotId: '2',
      sourceEndSnapshotId: '2',
      reportStartSnapshotId: null,
      reportEndSnapshotId: '9',
    });
  });
});
