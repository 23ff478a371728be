import { PipelineConfig } from '@app/config';
import { CompiledJob, JOB_SCHEMA_VERSION } from '../job.types';
import { lit } from '../sql';

export interface AuditEvent {
  eventId: string;
  eventType: string;
  batchId: string | null;
  case: string | null;
  status: string | null;
  attempt: number | null;
  /** 'YYYY-MM-DD HH:MM:SS' UTC */
  occurredAt: string;
  durationMs: number | null;
  rows: number | null;
  watermark: string | null;
  details: Record<string, unknown>;
}

const str = (x: string | null) => (x === null ? 'CAST(NULL AS STRING)' : lit(x));
const num = (x: number | null, type: string) =>
  x === null ? `CAST(NULL AS ${type})` : `CAST(${Math.trunc(x)} AS ${type})`;

/**
 * Appends audit events; idempotent by event id (a re-delivered event is not written twice), so it needs
 * no ledger.
 */
export function compileAuditAppend(config: PipelineConfig, events: AuditEvent[]): CompiledJob {
  const rows = events.map((e) => {
    const values = [
      str(e.eventId),
      str(e.eventType),
      str(e.batchId),
      str(e.case),
      str(e.status),
      num(e.attempt, 'INT'),
      `TIMESTAMP ${lit(e.occurredAt)}`,
      num(e.durationMs, 'BIGINT'),
      num(e.rows, 'BIGINT'),
      str(e.watermark),
      lit(JSON.stringify(e.details)),
    ];
    return `(${values.join(', ')})`;
  });
  const columns =
    'event_id, event_type, batch_id, `case`, status, attempt, occurred_at, duration_ms, `rows`, watermark, details';
  return {
    schemaVersion: JOB_SCHEMA_VERSION,
    jobId: `audit-${events[0]?.eventId ?? 'none'}`,
    kind: 'append',
    description: `append ${events.length} audit event(s)`,
    tags: {},
    params: { events: events.length },
    ledger: null,
    targets: [config.tables.audit.plain],
    steps: events.length
      ? [
          {
            name: 'append audit',
            kind: 'sql',
            sql: [
              `MERGE INTO ${config.tables.audit.sql} t`,
              'USING (SELECT * FROM VALUES',
              `  ${rows.join(',\n  ')}`,
              `  AS v(${columns})) s`,
              'ON t.event_id = s.event_id',
              'WHEN NOT MATCHED THEN INSERT *',
            ].join('\n'),
          },
        ]
      : [],
  };
}
