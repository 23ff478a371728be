import { ArgumentsHost, Catch, RpcExceptionFilter } from '@nestjs/common';
import { CustomTransportStrategy, Server } from '@nestjs/microservices';
import { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage, Partitioners, Producer } from 'kafkajs';
import { Observable, isObservable, lastValueFrom, throwError } from 'rxjs';
import { EventCodec, EventName, PoisonMessageError } from '@app/contracts';
import { jsonLog } from '../logger';
import { Metrics } from '../metrics/metrics';
import { HoldPartitionError, isRetriable } from './errors';
import { DEFAULT_SESSION_TIMEOUT_MS, heartbeatIntervalMs } from './kafka-settings';
import { ProcessedEvents } from './processed-events';

/** What a handler receives besides the decoded value. */
export interface KafkaEventContext {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  /** Call during long work (a Spark job) so the group does not consider the consumer dead. */
  heartbeat(): Promise<void>;
}

export interface KafkaEventServerOptions {
  groupId: string;
  /** Events this service consumes; their topics are subscribed. */
  events: EventName[];
  /**
   * Runs after every handler of a fetched batch returned and before its offsets are committed: the
   * auditor writes its buffered rows to Iceberg here, so a commit always follows a durable write.
   */
  afterBatch?: () => Promise<void>;
  /** Backoff of retriable handler errors: first delay and cap, ms. */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** The consumer group session timeout (KafkaSettings.sessionTimeoutMs); heartbeats every third of it, at most 3 s. */
  sessionTimeoutMs?: number;
}

/**
 * Nest's handlers swallow errors into {status, message}; the transport must see the original error to
 * tell retriable, poison and hold apart, so every microservice handler error is passed through unchanged.
 */
@Catch()
export class PassThroughRpcFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => exception);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A Nest microservice transport on kafkajs with the delivery rules of SPEC §6–§7:
 * - offsets are committed only after the handler (and `afterBatch`) finished: its effect is durable;
 * - a message that can never be handled (poison bytes, invalid value, unknown event) goes to
 *   `<topic>.dlq` with the reason in headers, then is committed, and the pipeline goes on;
 * - a retriable error is retried in place with capped exponential backoff (heartbeating meanwhile);
 * - HoldPartitionError pauses the partition without committing: the message comes back after a restart;
 * - an event id already handled by this process is acknowledged without running the handler again.
 */
export class KafkaEventServer extends Server implements CustomTransportStrategy {
  private consumer?: Consumer;
  private producer?: Producer;
  private admin?: Admin;
  private lagTimer?: NodeJS.Timeout;
  private closing = false;
  private readonly processed = new ProcessedEvents();
  private readonly topicEvents = new Map<string, EventName>();
  held = false;
  /** Consumers started again after a crash kafkajs did not restart. */
  consumerRestarts = 0;

  constructor(
    private readonly kafka: Kafka,
    private readonly codec: EventCodec,
    private readonly metrics: Metrics,
    private readonly options: KafkaEventServerOptions,
  ) {
    super();
    for (const event of options.events) this.topicEvents.set(codec.contracts[event].topic, event);
  }

  private get sessionTimeoutMs(): number {
    return this.options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
  }

  async listen(callback: (err?: unknown) => void): Promise<void> {
    try {
      await this.start();
      callback();
    } catch (error) {
      callback(error);
    }
  }

  private async start(): Promise<void> {
    // The dead-letter producer; the partitioner named as in event-publisher.ts (no start-up warning).
    this.producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await this.producer.connect();
    this.admin = this.kafka.admin();
    await this.admin.connect();
    await this.startConsumer();
    // Per consumed topic at 0 (docs/metrics.md): the dashboard's dead-letter and retry panels show 0 on a
    // healthy pipeline instead of "no data", and increase() counts the first one.
    for (const topic of this.topicEvents.keys()) {
      this.metrics.get('deadLetters').inc({ topic }, 0);
      this.metrics.get('handlerRetries').inc({ topic }, 0);
    }
    this.lagTimer = setInterval(() => void this.updateLag(), 10000);
    this.lagTimer.unref();
    jsonLog('info', 'consuming', { groupId: this.options.groupId, topics: [...this.topicEvents.keys()] });
  }

  /** A new consumer of the group, subscribed and running; a crash kafkajs will not restart starts another. */
  private async startConsumer(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout: this.sessionTimeoutMs,
      heartbeatInterval: heartbeatIntervalMs(this.sessionTimeoutMs),
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart || this.closing || consumer !== this.consumer) return;
      // kafkajs restarts its consumer only after a retriable error; after any other (seen in the soak: "Failed to
      // find group coordinator" while the broker restarted) it has disconnected and stays so, and the service
      // would consume nothing again while looking healthy. The messages since the last commit come again.
      jsonLog('error', 'consumer crashed and kafkajs does not restart it: starting a new consumer', {
        groupId: this.options.groupId,
        error: `${payload.error.name}: ${payload.error.message}`,
      });
      void this.restartConsumer();
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.topicEvents.keys()], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  /** Starts a new consumer until one runs (the broker may still be down), with capped exponential backoff. */
  private async restartConsumer(): Promise<void> {
    let delay = this.options.retryInitialMs ?? 500;
    for (let attempt = 1; !this.closing; attempt++) {
      await this.consumer?.disconnect().catch(() => undefined);
      if (this.closing) return;
      try {
        await this.startConsumer();
        this.consumerRestarts++;
        jsonLog('info', 'consumer started again', { groupId: this.options.groupId, attempt });
        return;
      } catch (error) {
        jsonLog('warn', 'consumer could not start again: retrying', {
          groupId: this.options.groupId,
          attempt,
          delayMs: delay,
          error: String((error as Error).message ?? error),
        });
        await sleep(delay);
        delay = Math.min(delay * 2, this.options.retryMaxMs ?? 15000);
      }
    }
  }

  private async onBatch({
    batch,
    heartbeat,
    resolveOffset,
    commitOffsetsIfNecessary,
    isRunning,
    isStale,
    pause,
  }: EachBatchPayload): Promise<void> {
    const beat = setInterval(() => void heartbeat().catch(() => undefined), heartbeatIntervalMs(this.sessionTimeoutMs));
    const commit = async (offset: string) => {
      resolveOffset(offset);
      await commitOffsetsIfNecessary({
        topics: [
          {
            topic: batch.topic,
            partitions: [{ partition: batch.partition, offset: (BigInt(offset) + 1n).toString() }],
          },
        ],
      });
    };
    // Event ids count as handled only once their effect is durable (after afterBatch), so a batch that
    // is delivered again after a failed flush is handled again, not acknowledged as duplicates.
    const handled: string[] = [];
    let last: string | undefined;
    try {
      for (const message of batch.messages) {
        if (!isRunning() || isStale() || this.closing) break;
        const outcome = await this.handleWithRetry(batch.topic, batch.partition, message, heartbeat);
        if (outcome === 'hold') {
          this.held = true;
          pause();
          jsonLog('error', 'partition held: message stays uncommitted until a restart', {
            topic: batch.topic,
            partition: batch.partition,
            offset: message.offset,
          });
          break;
        }
        if (typeof outcome === 'string') handled.push(outcome);
        last = message.offset;
        if (!this.options.afterBatch) {
          await commit(message.offset);
          for (const id of handled.splice(0)) this.processed.add(id);
        }
      }
      if (this.options.afterBatch && last !== undefined) {
        await this.retrying(batch.topic, 'afterBatch', this.options.afterBatch);
        await commit(last);
        for (const id of handled) this.processed.add(id);
      }
    } finally {
      clearInterval(beat);
    }
  }

  private async retrying(topic: string, what: string, work: () => Promise<void>): Promise<void> {
    let delay = this.options.retryInitialMs ?? 500;
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        if (!isRetriable(error) || this.closing) throw error;
        this.metrics.get('handlerRetries').inc({ topic });
        jsonLog('warn', `${what}: retriable error, retrying`, {
          topic,
          attempt,
          delayMs: delay,
          error: (error as Error).message,
        });
        await sleep(delay);
        delay = Math.min(delay * 2, this.options.retryMaxMs ?? 15000);
      }
    }
  }

  /** The handled event id, 'skipped' (duplicate or dead-lettered) or 'hold'. */
  private async handleWithRetry(
    topic: string,
    partition: number,
    message: KafkaMessage,
    heartbeat: () => Promise<void>,
  ): Promise<string | 'skipped' | 'hold'> {
    let delay = this.options.retryInitialMs ?? 500;
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.handle(topic, partition, message, heartbeat)) ?? 'skipped';
      } catch (error) {
        if (error instanceof HoldPartitionError) return 'hold';
        if (isRetriable(error) && !this.closing) {
          this.metrics.get('handlerRetries').inc({ topic });
          jsonLog(attempt === 1 || attempt % 10 === 0 ? 'warn' : 'debug', 'retriable error: retrying', {
            topic,
            offset: message.offset,
            attempt,
            delayMs: delay,
            error: String((error as Error).message ?? error),
          });
          await sleep(delay);
          delay = Math.min(delay * 2, this.options.retryMaxMs ?? 15000);
          continue;
        }
        if (this.closing) throw error;
        await this.deadLetter(topic, partition, message, error);
        return 'skipped';
      }
    }
  }

  private async handle(
    topic: string,
    partition: number,
    message: KafkaMessage,
    heartbeat: () => Promise<void>,
  ): Promise<string | undefined> {
    const expected = this.topicEvents.get(topic);
    if (!message.value) throw new PoisonMessageError('empty message value');
    const decoded = await this.codec.decode(message.value);
    if (decoded.event !== expected)
      throw new PoisonMessageError(`${decoded.event} event on topic ${topic}, which carries ${expected}`);
    const eventId = (decoded.value as { eventId: string }).eventId;
    const label = { topic, event: decoded.event };
    if (this.processed.has(eventId)) {
      this.metrics.get('eventsConsumed').inc({ ...label, outcome: 'duplicate' });
      jsonLog('info', 'duplicate event acknowledged', { eventId, topic, offset: message.offset });
      return undefined;
    }
    const handler = this.getHandlerByPattern(decoded.event);
    if (!handler) throw new PoisonMessageError(`no handler for ${decoded.event} in group ${this.options.groupId}`);
    const context: KafkaEventContext = {
      topic,
      partition,
      offset: message.offset,
      key: message.key?.toString() ?? null,
      heartbeat,
    };
    const result: unknown = await handler(decoded.value, context);
    if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
    this.metrics.get('eventsConsumed').inc({ ...label, outcome: 'handled' });
    return eventId;
  }

  private async deadLetter(topic: string, partition: number, message: KafkaMessage, error: unknown): Promise<void> {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : JSON.stringify(error);
    await this.producer!.send({
      topic: `${topic}.dlq`,
      acks: -1,
      messages: [
        {
          key: message.key,
          value: message.value,
          headers: {
            'dlq-reason': reason.slice(0, 2000),
            'dlq-source-topic': topic,
            'dlq-source-partition': String(partition),
            'dlq-source-offset': message.offset,
            'dlq-group': this.options.groupId,
          },
        },
      ],
    });
    this.metrics.get('deadLetters').inc({ topic });
    this.metrics
      .get('eventsConsumed')
      .inc({ topic, event: this.topicEvents.get(topic) ?? 'unknown', outcome: 'dead_lettered' });
    jsonLog('error', 'message dead-lettered', {
      topic,
      partition,
      offset: message.offset,
      dlq: `${topic}.dlq`,
      reason,
    });
  }

  private async updateLag(): Promise<void> {
    if (!this.admin || this.closing) return;
    try {
      const topics = [...this.topicEvents.keys()];
      const committed = await this.admin.fetchOffsets({ groupId: this.options.groupId, topics });
      for (const t of committed) {
        const ends = await this.admin.fetchTopicOffsets(t.topic);
        for (const p of t.partitions) {
          const end = Number(ends.find((e) => e.partition === p.partition)?.high ?? 0);
          const at =
            Number(p.offset) < 0 ? Number(ends.find((e) => e.partition === p.partition)?.low ?? 0) : Number(p.offset);
          this.metrics
            .get('consumerLag')
            .set({ topic: t.topic, partition: String(p.partition) }, Math.max(0, end - at));
        }
      }
    } catch (error) {
      jsonLog('debug', 'consumer lag not updated', { error: String(error) });
    }
  }

  /** Waits for the message in progress, then leaves the group (offsets stay where the last commit put them). */
  async close(): Promise<void> {
    this.closing = true;
    if (this.lagTimer) clearInterval(this.lagTimer);
    await this.consumer?.disconnect().catch(() => undefined);
    await this.producer?.disconnect().catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
  }

  on(): void {
    throw new Error('KafkaEventServer does not emit status events');
  }

  unwrap<T>(): T {
    return this.consumer as T;
  }
}
