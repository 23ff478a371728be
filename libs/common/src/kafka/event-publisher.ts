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
 * Creates `topics` (default: every event's and dead-letter topic) with one partition each when missing:
 * batches must reach the dispatcher in order (SPEC §5), which Kafka guarantees only within a partition.
 * A service passes its own topics (contracts/topic-access.json): under per-component ACLs it sees no
 * other topic, and may create none (the operator creates them first: docs/security.md "Principals").
 */
export async function ensureTopics(
  kafka: Kafka,
  codec: EventCodec,
  topics: readonly string[] = topicsOf(codec),
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({ topic, numPartitions: 1, replicationFactor: -1 })),
      });
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

  /** `produces`: the only events it may publish (a service's, from contracts/topic-access.json); default any. */
  constructor(
    private readonly kafka: Kafka,
    readonly codec: EventCodec,
    private readonly metrics: Metrics,
    private readonly produces?: readonly EventName[],
  ) {}

  async connect(): Promise<void> {
    // The partitioner named (kafkajs 2's default, Java-compatible murmur2): without it kafkajs warns at every start.
    this.producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await this.producer.connect();
  }

  async publish<E extends EventName>(
    event: E,
    value: EventPayloads[E] & { eventId: string; batchId: string },
  ): Promise<void> {
    if (!this.producer) throw new Error('EventPublisher.publish before connect()');
    if (this.produces && !this.produces.includes(event)) {
      // A programming error, never retriable: the component's principal may not write that topic either.
      throw new Error(
        `this service does not produce ${event} ` +
          `(contracts/topic-access.json lists ${this.produces.join(', ') || 'nothing'}); ` +
          `add it there, and to deploy/principals.yaml, if it should`,
      );
    }
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
