import { readFileSync } from 'node:fs';
import * as avsc from 'avsc';
import { Metrics } from '@app/common';
import { AuditEvent } from '@app/compiler';
import { parseConfig } from '@app/config';
import { CONTRACTS, CaseBatchPlanned, fixturePaths, loadSchema } from '@app/contracts';
import { completedEvent, planEvents } from '@app/lifecycle';
import { EngineHandle } from '@app/service-kit';
import { ALT_CONFIG } from '@app/testing';
import { AuditService } from './audit.service';

// The auditor as a consumer: what a message delivered twice, a failed flush and an event of the previous
// schema version do to the audit rows it merges and to its metrics. The engine is a recording stand-in:
// the MERGE itself (idempotent by event id) is proven on the real catalog by e2e/faults.int-spec.ts.

const config = parseConfig(ALT_CONFIG, 'ALT_CONFIG');
const counts = {
  inputRows: 9,
  watermark: '2025-03-01 00:00:00',
  rejects: {},
  cases: {
    CASE_III: { rows: 4, minMonth: '2025-01', maxMonth: '2025-01' },
    CASE_I: { rows: 0, minMonth: '', maxMonth: '' },
    CASE_II: { rows: 5, minMonth: '2025-02', maxMonth: '2025-02' },
  },
  deletes: { CASE_III: 1, CASE_I: 0, CASE_II: 0 },
};

function auditor(failFlushes = 0) {
  const merges: AuditEvent[][] = [];
  let failures = failFlushes;
  const pipeline = {
    config,
    audit: async (rows: AuditEvent[]) => {
      if (failures-- > 0) throw new Error('catalog unreachable');
      merges.push(rows);
    },
  };
  const metrics = new Metrics('auditor');
  const service = new AuditService({ pipeline: async () => pipeline } as unknown as EngineHandle, metrics, 1000);
  /** The sample of a counter with these labels as exposed, or undefined when there is none yet. */
  const counter = async (name: string, labels: string) =>
    metrics.registry.getSingleMetric(name)
      ? (await metrics.registry.getSingleMetricAsString(name))
          .split('\n')
          .find((l) => l.startsWith(`${name}{${labels}`))
          ?.split(' ')[1]
      : undefined;
  return { service, merges, counter };
}

describe('AuditService', () => {
  const [planIII, , planII] = planEvents('src', 'b-000001', counts);

  it('a message delivered twice is merged once and counted once, also when the redelivery comes after the flush', async () => {
    const { service, merges, counter } = auditor();
    await service.record('case-batch-planned', planIII);
    await service.record('case-batch-planned', planIII);
    await service.record('case-batch-planned', planII);
    await service.flush();
    expect(merges.map((rows) => rows.map((r) => r.eventId))).toEqual([[planIII.eventId, planII.eventId]]);
    // The offsets did not commit after that flush (a crash): the same messages arrive again.
    await service.record('case-batch-planned', planIII);
    await service.flush();
    expect(merges[1].map((r) => r.eventId)).toEqual([planIII.eventId]); // the MERGE by id keeps one row
    expect(await counter('summary_case_records_total', 'case="CASE_III"')).toBe('4');
    expect(service.pending).toBe(0);
  });

  it('a failed flush keeps its events for the next flush and counts nothing until they are durable', async () => {
    const { service, merges, counter } = auditor(1);
    await service.record(
      'batch-completed',
      completedEvent('src', 'b-000001', 'COMPLETED', 1000, {
        cases: { CASE_III: 4 },
        deleted: 1,
        restored: 0,
        watermark: '2025-03-01 00:00:00',
        report: null,
      }),
    );
    await expect(service.flush()).rejects.toThrow('catalog unreachable');
    expect(service.pending).toBe(1);
    expect(await counter('summary_batches_total', 'status="COMPLETED"')).toBeUndefined();
    await service.flush();
    expect(merges).toHaveLength(1);
    expect(service.pending).toBe(0);
    expect(await counter('summary_batches_total', 'status="COMPLETED"')).toBe('1');
  });

  it("counts a batch's report counts (SPEC §4b) by outcome once, when it completes, and keeps them in its audit details", async () => {
    const { service, merges, counter } = auditor();
    const report = { read: 7, rejected: 1, unmatched: 2, vetoes: 1, reresolved: 3 };
    const totals = { cases: { CASE_III: 4 }, deleted: 0, restored: 0, watermark: null, report };
    // The batch failed, then completed after the dispatcher ran its case again: both events carry the counts.
    await service.record('batch-completed', completedEvent('src', 'b-000001', 'FAILED', 500, { ...totals, cases: {} }));
    await service.record('batch-completed', completedEvent('src', 'b-000001', 'COMPLETED', 1000, totals));
    const [failed, completed] = await service.flush();
    expect(failed.details).toEqual({ cases: {}, deleted: 0, restored: 0, report });
    expect(completed.details).toEqual({ cases: { CASE_III: 4 }, deleted: 0, restored: 0, report });
    const outcomes = async () =>
      Object.fromEntries(
        await Promise.all(
          ['read', 'rejected', 'unmatched', 'vetoed', 'reresolved'].map(async (o) => [
            o,
            await counter('summary_report_rows_total', `outcome="${o}"`),
          ]),
        ),
      );
    expect(await outcomes()).toEqual({ read: '7', rejected: '1', unmatched: '2', vetoed: '1', reresolved: '3' });
    // A batch without the report table: its details as before BatchCompleted v3, nothing counted.
    await service.record(
      'batch-completed',
      completedEvent('src', 'b-000002', 'COMPLETED', 1000, { ...totals, report: null }),
    );
    const [plain] = await service.flush();
    expect(plain.details).toEqual({ cases: { CASE_III: 4 }, deleted: 0, restored: 0 });
    expect(await outcomes()).toEqual({ read: '7', rejected: '1', unmatched: '2', vetoed: '1', reresolved: '3' });
    expect(merges).toHaveLength(2);
  });

  it('audits an event of the previous schema version (CaseBatchPlanned v1) with the current defaults', async () => {
    const { service, merges } = auditor();
    const paths = fixturePaths('case-batch-planned', 1);
    const v1 = avsc.Type.forSchema(
      loadSchema('case-batch-planned', 1) as unknown as Parameters<typeof avsc.Type.forSchema>[0],
    );
    const current = CONTRACTS['case-batch-planned'].type;
    const old = current.fromBuffer(
      Buffer.from(readFileSync(paths.hex, 'utf8').trim(), 'hex'),
      current.createResolver(v1),
    ) as CaseBatchPlanned;
    await service.record('case-batch-planned', old);
    const [row] = await service.flush();
    expect(row).toMatchObject({
      eventType: 'CaseBatchPlanned',
      eventId: old.eventId,
      case: old.case,
      rows: old.rows,
      watermark: null,
      details: { inputRows: 0, rejects: {} },
    });
    expect(merges).toHaveLength(1);
  });
});
