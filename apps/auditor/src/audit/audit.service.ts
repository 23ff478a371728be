import { Metrics, REPORT_OUTCOMES, jsonLog } from '@app/common';
import { AuditEvent } from '@app/compiler';
import { DecodedEvent, EventName, EventPayloads, ReportCounts } from '@app/contracts';
import { auditRow } from '@app/lifecycle';
import { EngineHandle } from '@app/service-kit';

const OBSERVED_IDS = 10_000;

/**
 * Buffers the events of a fetched Kafka batch and merges them into the audit table in one job when the
 * transport calls `flush` (before it commits the offsets): the write is idempotent by event id, so a batch
 * delivered again after a crash adds no row. Metrics are updated once the rows are durable.
 */
export class AuditService {
  private buffer: Array<Pick<DecodedEvent, 'event' | 'value'>> = [];
  private readonly watermarkSeen = new Map<string, number>();
  /**
   * When the watcher announced the newest source data the summary now holds: the watermark-advanced time of
   * the last completed batch. The watermark age is measured from it, by the wall clock: the business
   * `base_ts` of the data says nothing about whether the pipeline keeps up (history loads carry old ones).
   */
  private lastAdvanceMs?: number;
  /** Ids of the events already counted in the metrics (the newest OBSERVED_IDS): a redelivery counts once. */
  private readonly observed = new Set<string>();
  private readonly ageTimer: NodeJS.Timeout;

  constructor(
    private readonly engine: EngineHandle,
    private readonly metrics: Metrics,
    private readonly maxBuffered: number,
    private readonly now: () => number = Date.now,
  ) {
    this.ageTimer = setInterval(() => this.updateAge(), 5000);
    this.ageTimer.unref();
  }

  /**
   * After a restart: the last completed batch from the audit table, so the dashboard's "last batch
   * completed" and "watermark age" (and the alerts on them) survive a pod restart instead of vanishing until
   * the next batch. The services and the CLI both write COMPLETED (lifecycle auditRow); upper() also reads
   * the lowercase rows CLIs before that wrote. Both carry the batch's duration from its start, so the start
   * is the completion minus the duration.
   */
  async restore(): Promise<void> {
    const pipeline = await this.engine.pipeline();
    const audit = pipeline.config.tables.audit.sql;
    const [last] = await pipeline.runner.query(
      `SELECT CAST(unix_timestamp(occurred_at) AS BIGINT) AS completed_s, duration_ms
       FROM ${audit}
       WHERE event_type = 'BatchCompleted' AND upper(status) = 'COMPLETED'
       ORDER BY occurred_at DESC LIMIT 1`,
    );
    if (!last) return;
    const completedMs = Number(last.completed_s) * 1000;
    this.metrics.get('lastBatchCompleted').set(completedMs / 1000);
    this.lastAdvanceMs = completedMs - Number(last.duration_ms ?? 0);
    this.updateAge();
    jsonLog('info', 'restored the last completed batch from the audit table', {
      completedAt: completedMs / 1000,
      advancedAt: this.lastAdvanceMs / 1000,
    });
  }

  async record<E extends EventName>(event: E, value: EventPayloads[E]): Promise<void> {
    // A batch delivered again after a failed flush must not put an event in the MERGE twice.
    if (this.buffer.some((e) => e.value.eventId === value.eventId)) return;
    this.buffer.push({ event, value } as Pick<DecodedEvent, 'event' | 'value'>);
    if (this.buffer.length >= this.maxBuffered) await this.flush();
  }

  get pending(): number {
    return this.buffer.length;
  }

  async flush(): Promise<AuditEvent[]> {
    if (!this.buffer.length) return [];
    const events = this.buffer;
    const rows = events.map(auditRow);
    const pipeline = await this.engine.pipeline();
    await pipeline.audit(rows);
    this.buffer = this.buffer.slice(events.length);
    this.metrics.get('auditRowsWritten').inc(rows.length);
    for (const e of events) this.observeOnce(e);
    jsonLog('info', 'audit rows merged', { rows: rows.length, types: [...new Set(rows.map((r) => r.eventType))] });
    return rows;
  }

  /**
   * A batch of messages delivered again (the offsets did not commit after the flush: a crash, a rebalance)
   * is merged again, which the MERGE by id makes a no-op, but must not count again in the metrics.
   */
  private observeOnce(e: Pick<DecodedEvent, 'event' | 'value'>): void {
    if (this.observed.has(e.value.eventId)) return;
    this.observed.add(e.value.eventId);
    if (this.observed.size > OBSERVED_IDS) this.observed.delete(this.observed.values().next().value!);
    this.observe(e);
  }

  private observe({ event, value }: Pick<DecodedEvent, 'event' | 'value'>): void {
    const m = this.metrics;
    if (event === 'watermark-advanced') {
      const v = value as EventPayloads['watermark-advanced'];
      this.watermarkSeen.set(v.batchId, v.occurredAt);
    } else if (event === 'case-batch-planned') {
      const v = value as EventPayloads['case-batch-planned'];
      m.get('caseRecords').inc({ case: v.case }, v.rows);
      if (v.sequence === 0) for (const [reason, n] of Object.entries(v.rejects)) m.get('rejects').inc({ reason }, n);
    } else if (event === 'job-state-changed') {
      const v = value as EventPayloads['job-state-changed'];
      if ((v.state === 'SUCCEEDED' || v.state === 'FAILED') && v.durationMs !== null) {
        m.get('jobDuration').observe({ case: v.case, engine: v.engine, status: v.state }, v.durationMs / 1000);
      }
      if (v.state === 'FAILED') m.get('jobFailures').inc({ case: v.case });
      if (v.state === 'SUBMITTED' && v.attempt > 1) m.get('jobRetries').inc({ case: v.case });
    } else if (event === 'batch-completed') {
      const v = value as EventPayloads['batch-completed'];
      m.get('batches').inc({ status: v.status });
      m.get('softDeletes').inc({ kind: 'deleted' }, v.deleted);
      m.get('softDeletes').inc({ kind: 'restored' }, v.restored);
      const from = this.watermarkSeen.get(v.batchId);
      if (from !== undefined) m.get('batchE2e').observe({ status: v.status }, (v.occurredAt - from) / 1000);
      if (v.status === 'COMPLETED') {
        // SPEC §4b: a batch's report counts once, when it completes; a batch that failed and then completed
        // carries the same counts on both of its events.
        if (v.report)
          for (const [field, outcome] of Object.entries(REPORT_OUTCOMES))
            m.get('reportRows').inc({ outcome }, v.report[field as keyof ReportCounts]);
        m.get('lastBatchCompleted').set(v.occurredAt / 1000);
        // durationMs runs from the batch's watermark-advanced, also when this auditor did not see that event.
        this.lastAdvanceMs = Math.max(this.lastAdvanceMs ?? 0, from ?? v.occurredAt - v.durationMs);
        this.updateAge();
      }
      this.watermarkSeen.delete(v.batchId);
    }
  }

  /** Public for the interval and for tests: sets the gauge from the clock. */
  updateAge(): void {
    if (this.lastAdvanceMs !== undefined)
      this.metrics.get('watermarkAge').set(Math.max(0, (this.now() - this.lastAdvanceMs) / 1000));
  }

  close(): void {
    clearInterval(this.ageTimer);
  }
}
