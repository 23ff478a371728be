import { Kafka, Partitioners, Producer } from 'kafkajs';
import { EVENT_NAMES, EventCodec, EventName, EventPayloads } from '@app/contracts';
import { jsonLog } from '../logger';
import { Metrics } from '../metrics/metrics';

export const EVENT_PUBLISHER = Symbol('EVENT_PUBLISHER');

/** Topic names of every event plus their dead-letter topics. */
export function topicsOf(codec: EventCodec): string[] {
  return EVENT_NAMES.flatMap((e) => [codec.contracts[e].topic, `${codec.contracts[e].topic}.dlq`]);
}

/**
 * Creates the event topics with one partition each when missing: batches must reach the dispatcher in
 * order (SPEC §5), which Kafka guarantees only within a partition.
 */
export async function ensureTopics(kafka: Kafka, codec: EventCodec): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topicsOf(codec).filter((t) => !existing.has(t));
    if (missing.length) {
      await admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions: 1, replicationFactor: -1 })) });
      jsonLog('info', 'created topics', { topics: missing });
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * Serialization at the edge (STYLE.md §2): a typed event in, Confluent-framed Avro out, keyed by batch id
 * so one batch's events stay in order. The producer is idempotent and waits for all in-sync replicas.
 */
export class EventPublisher {
  private producer?: Producer;

  constructor(
    private readonly kafka: Kafka,
    readonly codec: EventCodec,
    private readonly metrics: Metrics,
  ) {}

  async connect(): Promise<void> {
    // The partitioner named (kafkajs 2's default, Java-compatible murmur2): without it kafkajs warns at every start.
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    await this.producer.connect();
  }

  async publish<E extends EventName>(event: E, value: EventPayloads[E] & { eventId: string; batchId: string }): Promise<void> {
    if (!this.producer) throw new Error('EventPublisher.publish before connect()');
    const bytes = await this.codec.encode(event, value);
    await this.producer.send({
      topic: this.codec.contracts[event].topic,
      acks: -1,
      messages: [{ key: value.batchId, value: bytes, headers: { 'event-id': value.eventId, 'event-type': event } }],
    });
    this.metrics.get('eventsPublished').inc({ event });
    jsonLog('info', 'published', { event, eventId: value.eventId, batchId: value.batchId });
  }

  async disconnect(): Promise<void> {
    await this.producer?.disconnect();
  }
}
