import { Metrics } from '@app/common';
import { EventName, EventPayloads } from '@app/contracts';
import { EngineHandle } from '@app/service-kit';
import { AuditService } from './audit.service';

// summary_watermark_age_seconds is what WatermarkStale alerts on: the wall-clock time since the summary last
// advanced. A history load whose rows carry a base_ts from years ago must read as fresh when it just completed.
const HOUR = 3600 * 1000;
const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);

function fakeEngine(auditRows: Array<Record<string, unknown>> = []) {
  const merged: unknown[] = [];
  const pipeline = {
    config: { tables: { audit: { sql: '`local`.`demo`.`summary_audit`' } } },
    audit: async (rows: unknown[]) => void merged.push(...rows),
    runner: { query: async () => auditRows },
  };
  return { engine: { pipeline: async () => pipeline } as unknown as EngineHandle, merged };
}

const event = <E extends EventName>(_event: E, value: Record<string, unknown>) => ({
  value: value as unknown as EventPayloads[E],
});

async function age(metrics: Metrics): Promise<number | undefined> {
  const line = (await metrics.registry.metrics())
    .split('\n')
    .find((l) => l.startsWith('summary_watermark_age_seconds{'));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

describe('AuditService watermark age', () => {
  let clock: number;
  let metrics: Metrics;
  let audit: AuditService;

  beforeEach(() => {
    clock = T0;
    metrics = new Metrics('auditor');
    audit = new AuditService(fakeEngine().engine, metrics, 100, () => clock);
  });
  afterEach(() => audit.close());

  async function completeBatch(batchId: string, advancedAt: number, completedAt: number, watermark: string) {
    await audit.record(
      'watermark-advanced',
      event('watermark-advanced', {
        eventId: `${batchId}-w`,
        batchId,
        sourceTable: 's',
        sourceStartSnapshotId: null,
        sourceEndSnapshotId: '1',
        watermark,
        occurredAt: advancedAt,
      }).value,
    );
    await audit.record(
      'batch-completed',
      event('batch-completed', {
        eventId: `${batchId}-c`,
        batchId,
        status: 'COMPLETED',
        durationMs: completedAt - advancedAt,
        cases: { CASE_I: 1 },
        deleted: 0,
        restored: 0,
        occurredAt: completedAt,
      }).value,
    );
    await audit.flush();
  }

  it('has no value before the first completed batch', async () => {
    expect(await age(metrics)).toBeUndefined();
  });

  it("is the time since the last completed batch was announced, not the age of its rows' base_ts", async () => {
    clock = T0 + 60000;
    await completeBatch('batch-1', T0, T0 + 60000, '2025-01-01 00:00:00'); // rows almost two years old
    expect(await age(metrics)).toBe(60);
    clock = T0 + 37 * HOUR;
    audit.updateAge();
    expect(await age(metrics)).toBe(37 * 3600);
  });

  it('starts again from the next batch that completes, and never goes back to an older one', async () => {
    await completeBatch('batch-2', T0 + 24 * HOUR, T0 + 24 * HOUR + 5000, '2025-01-02 00:00:00');
    clock = T0 + 25 * HOUR;
    audit.updateAge();
    expect(await age(metrics)).toBe(3600);
    // A batch completed late but announced earlier (a redelivered event) does not move the clock back.
    await completeBatch('batch-1', T0, T0 + 1000, '2025-01-01 00:00:00');
    expect(await age(metrics)).toBe(3600);
  });

  it('measures from the batch start carried by batch-completed when this auditor missed the watermark event', async () => {
    await audit.record(
      'batch-completed',
      event('batch-completed', {
        eventId: 'c',
        batchId: 'batch-3',
        status: 'COMPLETED',
        durationMs: 2 * HOUR,
        cases: {},
        deleted: 0,
        restored: 0,
        occurredAt: T0,
      }).value,
    );
    await audit.flush();
    expect(await age(metrics)).toBe(2 * 3600);
  });

  it('is not set by a failed batch', async () => {
    await audit.record(
      'batch-completed',
      event('batch-completed', {
        eventId: 'f',
        batchId: 'batch-4',
        status: 'FAILED',
        durationMs: 1000,
        cases: {},
        occurredAt: T0,
      }).value,
    );
    await audit.flush();
    expect(await age(metrics)).toBeUndefined();
  });

  it('restores from the audit table after a restart: completion minus the batch duration', async () => {
    const restored = new AuditService(
      fakeEngine([{ completed_s: (T0 - HOUR) / 1000, duration_ms: HOUR }]).engine,
      metrics,
      100,
      () => clock,
    );
    await restored.restore();
    restored.close();
    expect(await age(metrics)).toBe(2 * 3600);
  });
});
