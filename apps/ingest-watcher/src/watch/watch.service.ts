import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { EVENT_PUBLISHER, EventPublisher, METRICS, Metrics, SERVICE_CONTEXT, ServiceContext, SnapshotSource, TableNotFoundError, jsonLog } from '@app/common';
import { TableName } from '@app/config';
import { nextBatch, watermarkEvent } from '@app/lifecycle';
import { WatermarkAdvanced } from '@app/contracts';
import { WATCH_OPTIONS, WatchOptions } from './watch.constants';
import { lastPublished } from './published-position';
import { windowOf } from './window';

/**
 * Polls the source table's metadata in the catalog (cheap: no Spark, no data read) and publishes one
 * WatermarkAdvanced per new window of snapshots: batch id, snapshot range, max base_ts.
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

  get snapshots(): SnapshotSource {
    return this.options.snapshots;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.position = await lastPublished(this.ctx.kafka, this.ctx.codec, this.ctx.access, this.ctx.kafkaSettings.topicPrefix, this.source.plain);
    jsonLog('info', 'watching', {
      sourceTable: this.source.plain,
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
      this.polling = this.poll().then(() => undefined).finally(() => this.schedule(this.options.pollIntervalMs));
    }, delay);
  }

  /** One poll; returns the published event, if any. */
  async poll(): Promise<WatermarkAdvanced | null> {
    try {
      const table = await this.snapshots.load([this.source.namespace], this.source.table);
      this.metrics.get('watcherLastPoll').set(Date.now() / 1000);
      const batch = nextBatch(this.position, table.currentId);
      if (!batch) return null;
      const window = windowOf(table, batch);
      const id = batch.batchId;
      const event = watermarkEvent(this.source.plain, id, window);
      await this.publisher.publish('watermark-advanced', event);
      this.position = event;
      jsonLog('info', 'new source window', { batchId: id, start: window.start, end: window.end, snapshots: window.snapshots.length, watermark: window.watermark });
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
