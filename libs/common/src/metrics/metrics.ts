import { Controller, Get, Header, Inject } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { CASE_ORDER } from '@app/domain';
import type { ReportCounts } from '@app/contracts';

/**
 * Every metric of the services, in one place so that docs/metrics.md, the Grafana dashboard and the alerts
 * have one source. Each series also carries the default label `service`.
 */
export const METRIC_DEFINITIONS = {
  eventsConsumed: {
    kind: 'counter',
    name: 'summary_events_consumed_total',
    labels: ['topic', 'event', 'outcome'],
    help: 'Events read from Kafka by outcome: handled, duplicate (event id seen before), dead_lettered.',
  },
  eventsPublished: {
    kind: 'counter',
    name: 'summary_events_published_total',
    labels: ['event'],
    help: 'Events published, by event type.',
  },
  deadLetters: {
    kind: 'counter',
    name: 'summary_dead_letters_total',
    labels: ['topic'],
    help: 'Messages sent to <topic>.dlq because they can never be handled (poison, invalid).',
  },
  handlerRetries: {
    kind: 'counter',
    name: 'summary_handler_retries_total',
    labels: ['topic'],
    help: 'Retries of a handler after a retriable error (registry or Spark unavailable, previous batch pending).',
  },
  consumerLag: {
    kind: 'gauge',
    name: 'summary_consumer_lag',
    labels: ['topic', 'partition'],
    help: 'Messages between the consumer group committed offset and the end of the partition.',
  },
  batchE2e: {
    kind: 'histogram',
    name: 'summary_batch_e2e_seconds',
    labels: ['status'],
    help: 'From watermark-advanced to batch-completed of a batch (auditor).',
    buckets: [5, 15, 30, 60, 120, 300, 600, 1200, 3600, 7200],
  },
  jobDuration: {
    kind: 'histogram',
    name: 'summary_job_duration_seconds',
    labels: ['case', 'engine', 'status'],
    help: 'Duration of a case job attempt, from job-state-changed SUCCEEDED/FAILED (auditor).',
    buckets: [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800],
  },
  caseRecords: {
    kind: 'counter',
    name: 'summary_case_records_total',
    labels: ['case'],
    help: 'Classified source rows per case, from case-batch-planned (auditor).',
  },
  rejects: {
    kind: 'counter',
    name: 'summary_rejects_total',
    labels: ['reason'],
    help: 'Source rows rejected by classify, by reason NULL_KEY / INVALID_MONTH / NULL_TIMESTAMP (auditor).',
  },
  softDeletes: {
    kind: 'counter',
    name: 'summary_soft_deletes_total',
    labels: ['kind'],
    help: 'Months withdrawn (kind deleted) and deleted months reported again (kind restored) by the batches, from batch-completed (SPEC §4a, auditor).',
  },
  reportRows: {
    kind: 'counter',
    name: 'summary_report_rows_total',
    labels: ['outcome'],
    help:
      'Report-date rows read, rejected and waiting for their main row (unmatched), ' +
      'and the cells they newly vetoed a delete of (vetoed) or re-resolved (reresolved), ' +
      'from batch-completed COMPLETED (SPEC §4b, auditor).',
  },
  jobFailures: {
    kind: 'counter',
    name: 'summary_job_failures_total',
    labels: ['case'],
    help: 'Case job attempts that failed (auditor).',
  },
  jobRetries: {
    kind: 'counter',
    name: 'summary_job_retries_total',
    labels: ['case'],
    help: 'Case job attempts after the first (auditor).',
  },
  batches: {
    kind: 'counter',
    name: 'summary_batches_total',
    labels: ['status'],
    help: 'Batches finished, by status COMPLETED / FAILED (auditor).',
  },
  watermarkAge: {
    kind: 'gauge',
    name: 'summary_watermark_age_seconds',
    labels: [],
    help:
      'Seconds since the summary last advanced: ' +
      'now minus when the watcher announced (watermark-advanced) the last completed batch, ' +
      "by the wall clock, not the rows' base_ts (auditor).",
  },
  lastBatchCompleted: {
    kind: 'gauge',
    name: 'summary_last_batch_completed_timestamp_seconds',
    labels: [],
    help: 'When the last batch completed, Unix seconds (auditor).',
  },
  deadLetterMessages: {
    kind: 'gauge',
    name: 'summary_dead_letter_messages',
    labels: ['topic'],
    help: 'Messages in a dead-letter topic <topic>.dlq (end minus start offset) (auditor).',
  },
  auditRowsWritten: {
    kind: 'counter',
    name: 'summary_audit_rows_written_total',
    labels: [],
    help: 'Events merged into the audit table (auditor).',
  },
  dispatcherBlocked: {
    kind: 'gauge',
    name: 'summary_dispatcher_blocked',
    labels: [],
    help: '1 while a failed case stops its batch (no later case or batch runs), else 0 (dispatcher).',
  },
  dispatcherInFlight: {
    kind: 'gauge',
    name: 'summary_dispatcher_in_flight_jobs',
    labels: [],
    help: 'Case jobs submitted and not finished (dispatcher).',
  },
  classifierWaiting: {
    kind: 'gauge',
    name: 'summary_classifier_waiting',
    labels: [],
    help: '1 while a watermark waits for the previous batch to complete (classifier).',
  },
  watcherLastPoll: {
    kind: 'gauge',
    name: 'summary_watcher_last_poll_timestamp_seconds',
    labels: [],
    help: 'When the watcher last read the source table metadata successfully, Unix seconds.',
  },
  watcherPollErrors: {
    kind: 'counter',
    name: 'summary_watcher_poll_errors_total',
    labels: [],
    help: 'Failed reads of the source table metadata (catalog unreachable, ...).',
  },
} as const;

export type MetricKey = keyof typeof METRIC_DEFINITIONS;

const KAFKA_METRICS: MetricKey[] = [
  'eventsConsumed',
  'eventsPublished',
  'deadLetters',
  'handlerRetries',
  'consumerLag',
];

/**
 * The metrics each service declares at start, so a scrape shows them (`# HELP`/`# TYPE`) before their
 * first event and the dashboard's queries find them. Not the gauges whose 0 would be a lie (the last poll,
 * the last completed batch, the watermark age): they appear with their first real value.
 */
export const SERVICE_METRICS: Record<string, MetricKey[]> = {
  'ingest-watcher': [...KAFKA_METRICS, 'watcherPollErrors'],
  classifier: [...KAFKA_METRICS, 'classifierWaiting'],
  'spark-dispatcher': [...KAFKA_METRICS, 'dispatcherBlocked', 'dispatcherInFlight'],
  auditor: [
    ...KAFKA_METRICS,
    'batchE2e',
    'jobDuration',
    'caseRecords',
    'rejects',
    'softDeletes',
    'reportRows',
    'jobFailures',
    'jobRetries',
    'batches',
    'deadLetterMessages',
    'auditRowsWritten',
  ],
};

const CASES = CASE_ORDER.map((c) => ({ case: c }));

/**
 * The `outcome` of summary_report_rows_total for each of a batch's report counts (SPEC §4b), e.g. the
 * counts' `vetoes: 2` → summary_report_rows_total{outcome="vetoed"} + 2.
 */
export const REPORT_OUTCOMES: Readonly<Record<keyof ReportCounts, string>> = {
  read: 'read',
  rejected: 'rejected',
  unmatched: 'unmatched',
  vetoes: 'vetoed',
  reresolved: 'reresolved',
};

/**
 * Counters whose label values are known in advance start at 0 for each value: a FAILED series exists
 * before the first failure, so `increase()` counts the first one and the alerts have a series to watch.
 * (Reject reasons: the classify job's NULL_KEY / INVALID_MONTH / NULL_TIMESTAMP, SPEC §3.)
 */
const KNOWN_LABEL_VALUES: Partial<Record<MetricKey, Array<Record<string, string>>>> = {
  batches: [{ status: 'COMPLETED' }, { status: 'FAILED' }],
  caseRecords: CASES,
  jobFailures: CASES,
  jobRetries: CASES,
  rejects: ['NULL_KEY', 'INVALID_MONTH', 'NULL_TIMESTAMP'].map((reason) => ({ reason })),
  softDeletes: [{ kind: 'deleted' }, { kind: 'restored' }],
  reportRows: Object.values(REPORT_OUTCOMES).map((outcome) => ({ outcome })),
};
type Def = (typeof METRIC_DEFINITIONS)[MetricKey];
type MetricOf<K extends MetricKey> = (typeof METRIC_DEFINITIONS)[K]['kind'] extends 'counter'
  ? Counter<string>
  : (typeof METRIC_DEFINITIONS)[K]['kind'] extends 'gauge'
    ? Gauge<string>
    : Histogram<string>;

export const METRICS = Symbol('METRICS');

/** One prom-client registry per service, default label {service}, metrics created on first use. */
export class Metrics {
  readonly registry = new Registry();
  private readonly created = new Map<MetricKey, Counter<string> | Gauge<string> | Histogram<string>>();

  constructor(readonly service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
  }

  /** Creates `keys` now (see SERVICE_METRICS), counters of known label values at 0. */
  declare(keys: MetricKey[]): void {
    for (const key of keys) {
      const metric = this.get(key);
      if (metric instanceof Counter) for (const labels of KNOWN_LABEL_VALUES[key] ?? []) metric.inc(labels, 0);
    }
  }

  get<K extends MetricKey>(key: K): MetricOf<K> {
    let metric = this.created.get(key);
    if (!metric) {
      const def: Def = METRIC_DEFINITIONS[key];
      const common = { name: def.name, help: def.help, labelNames: [...def.labels], registers: [this.registry] };
      if (def.kind === 'counter') metric = new Counter(common);
      else if (def.kind === 'gauge') metric = new Gauge(common);
      else metric = new Histogram({ ...common, buckets: [...(def as { buckets: readonly number[] }).buckets] });
      this.created.set(key, metric);
    }
    return metric as MetricOf<K>;
  }
}

@Controller('metrics')
export class MetricsController {
  constructor(@Inject(METRICS) private readonly metrics: Metrics) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
