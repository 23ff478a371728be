import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import {
  EVENT_PUBLISHER,
  EventPublisher,
  METRICS,
  Metrics,
  SERVICE_CONTEXT,
  ServiceContext,
  SnapshotSource,
  TableNotFoundError,
  jsonLog,
} from '@app/common';
import { TableName } from '@app/config';
import { nextBatch, watermarkEvent } from '@app/lifecycle';
import { WatermarkAdvanced } from '@app/contracts';
import { WATCH_OPTIONS, WatchOptions } from './watch.constants';
import { lastPublished } from './published-position';
import { reportWindowOf, windowOf } from './window';

/**
 * Polls the source table's metadata in the catalog (cheap: no Spark, no data read) and publishes one
 * WatermarkAdvanced per new window of snapshots: batch id, snapshot range, max base_ts. With the report-date
 * table (SPEC §4b) it polls that table too and asks nextBatch with both current snapshots, the CLI's rule:
 * either table moving makes a batch (report rows alone included), and the event carries both ranges.
 */
@Injectable()
export class WatchService implements OnApplicationBootstrap, OnApplicationShutdown {
  private position: WatermarkAdvanced | null = null;
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private stopped = false;

  constructor(
    @Inject(WATCH_OPTIONS) private readonly options: WatchOptions,
    @Inject(SERVICE_CONTEXT) private readonly ctx: ServiceContext,
    @Inject(EVENT_PUBLISHER) private readonly publisher: EventPublisher,
    @Inject(METRICS) private readonly metrics: Metrics,
  ) {}

  get source(): TableName {
    return this.options.sourceTable;
  }

  get report(): TableName | undefined {
    return this.options.reportTable;
  }

  get snapshots(): SnapshotSource {
    return this.options.snapshots;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.position = await lastPublished(
      this.ctx.kafka,
      this.ctx.codec,
      this.ctx.access,
      this.ctx.kafkaSettings.topicPrefix,
      this.source.plain,
    );
    jsonLog('info', 'watching', {
      sourceTable: this.source.plain,
      ...(this.report
        ? { reportTable: this.report.plain, lastReportSnapshot: this.position?.reportEndSnapshotId ?? null }
        : {}),
      catalog: this.snapshots.describe(),
      intervalMs: this.options.pollIntervalMs,
      lastBatch: this.position?.batchId ?? null,
      lastSnapshot: this.position?.sourceEndSnapshotId ?? null,
    });
    this.schedule(0);
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.polling = this.poll()
        .then(() => undefined)
        .finally(() => this.schedule(this.options.pollIntervalMs));
    }, delay);
  }

  /** One poll; returns the published event, if any. */
  async poll(): Promise<WatermarkAdvanced | null> {
    try {
      const table = await this.snapshots.load([this.source.namespace], this.source.table);
      const report = this.report ? await this.snapshots.load([this.report.namespace], this.report.table) : null;
      this.metrics.get('watcherLastPoll').set(Date.now() / 1000);
      // The position is the last published event: with the report table its report end is where the next
      // report range starts (a v1 event, or one published without the table, has none: from its beginning).
      const batch = report
        ? nextBatch(this.position, table.currentId, report.currentId)
        : nextBatch(this.position, table.currentId);
      if (!batch) return null;
      const window = windowOf(table, batch);
      const reportWindow = report ? reportWindowOf(report, batch) : null;
      const id = batch.batchId;
      const event = watermarkEvent(
        this.source.plain,
        id,
        reportWindow ? { ...window, reportStart: reportWindow.start, reportEnd: reportWindow.end } : window,
      );
      await this.publisher.publish('watermark-advanced', event);
      this.position = event;
      const reportFields = reportWindow
        ? {
            reportStart: reportWindow.start,
            reportEnd: reportWindow.end,
            reportSnapshots: reportWindow.snapshots.length,
          }
        : {};
      jsonLog('info', 'new source window', {
        batchId: id,
        start: window.start,
        end: window.end,
        snapshots: window.snapshots.length,
        watermark: window.watermark,
        ...reportFields,
      });
      return event;
    } catch (error) {
      this.metrics.get('watcherPollErrors').inc();
      const level = error instanceof TableNotFoundError ? 'info' : 'warn';
      jsonLog(level, 'poll failed', { error: (error as Error).message, name: (error as Error).name });
      return null;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.polling;
  }
}
