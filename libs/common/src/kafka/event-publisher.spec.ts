import { Kafka } from 'kafkajs';
import { EventCodec } from '@app/contracts';
import { Metrics } from '../metrics/metrics';
import { EventPublisher, ensureTopics } from './event-publisher';

// A service publishes only what contracts/topic-access.json says it produces (its Kafka principal may write
// no other topic), and creates only its own topics.
const sent: string[] = [];
const kafka = {
  producer: () => ({
    connect: async () => undefined,
    disconnect: async () => undefined,
    send: async ({ topic }: { topic: string }) => void sent.push(topic),
  }),
} as unknown as Kafka;
const codec = {
  encode: async () => Buffer.from([0]),
  contracts: {
    'watermark-advanced': { topic: 'summary.watermark-advanced' },
    'batch-completed': { topic: 'summary.batch-completed' },
  },
} as unknown as EventCodec;
const event = { eventId: 'e-1', batchId: 'b-000001' } as never;

beforeEach(() => (sent.length = 0));

describe('EventPublisher', () => {
  it('refuses an event its service does not produce, before sending anything', async () => {
    const publisher = new EventPublisher(kafka, codec, new Metrics('ingest-watcher'), ['watermark-advanced']);
    await publisher.connect();
    await publisher.publish('watermark-advanced', event);
    await expect(publisher.publish('batch-completed', event)).rejects.toThrow(
      'this service does not produce batch-completed (contracts/topic-access.json lists watermark-advanced)',
    );
    expect(sent).toEqual(['summary.watermark-advanced']);
  });
});

describe('ensureTopics', () => {
  it('creates only the missing ones of the topics it is given', async () => {
    const created: string[] = [];
    const admin = {
      connect: async () => undefined,
      disconnect: async () => undefined,
      listTopics: async () => ['summary.watermark-advanced'],
      createTopics: async ({ topics }: { topics: { topic: string }[] }) =>
        void created.push(...topics.map((t) => t.topic)),
    };
    await ensureTopics({ admin: () => admin } as unknown as Kafka, codec, [
      'summary.watermark-advanced',
      'summary.case-batch-planned',
    ]);
    expect(created).toEqual(['summary.case-batch-planned']);
  });
});
