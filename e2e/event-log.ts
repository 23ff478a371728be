import { Consumer, Kafka } from 'kafkajs';
import { DecodedEvent, EVENT_NAMES, EventCodec, EventName, EventPayloads } from '@app/contracts';

/** A message as it was on the topic: what a test re-sends to deliver it twice. */
export interface RawMessage {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

export type Seen = DecodedEvent & { topic: string; offset: string; raw: RawMessage };

/** Reads every pipeline topic from the beginning into memory, in arrival order (the test's view). */
export class EventLog {
  readonly events: Seen[] = [];
  readonly dead: Array<{ topic: string; headers: Record<string, string>; value: Buffer | null }> = [];
  /** Messages of the event topics that did not decode (the poison test's own message). */
  readonly undecodable: Array<{ topic: string; offset: string; error: string }> = [];
  private consumer?: Consumer;

  constructor(
    private readonly kafka: Kafka,
    private readonly codec: EventCodec,
  ) {}

  async start(groupId: string): Promise<void> {
    this.consumer = this.kafka.consumer({ groupId });
    await this.consumer.connect();
    const topics = EVENT_NAMES.map((e) => this.codec.contracts[e].topic);
    await this.consumer.subscribe({ topics: [...topics, ...topics.map((t) => `${t}.dlq`)], fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ topic, message }) => {
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
        if (topic.endsWith('.dlq')) {
          this.dead.push({ topic, headers, value: message.value });
          return;
        }
        try {
          const decoded = await this.codec.decode(message.value!);
          this.events.push({
            ...decoded,
            topic,
            offset: message.offset,
            raw: { key: message.key, value: message.value, headers },
          });
        } catch (error) {
          this.undecodable.push({ topic, offset: message.offset, error: (error as Error).message });
        }
      },
    });
  }

  of<E extends EventName>(event: E, batchId?: string): EventPayloads[E][] {
    return this.events
      .filter((e) => e.event === event && (batchId === undefined || e.value.batchId === batchId))
      .map((e) => e.value as EventPayloads[E]);
  }

  completed(batchId: string) {
    return this.of('batch-completed', batchId)[0];
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
