import { Kafka } from 'kafkajs';
import { EventCodec } from '@app/contracts';
import { Metrics } from '../metrics/metrics';
import { KafkaEventServer } from './kafka-event.server';

// kafkajs restarts a crashed consumer only after a retriable error. After any other one (the soak of 2026-12-07:
// "KafkaJSNonRetriableError: Failed to find group coordinator" while the broker restarted) it has disconnected for
// good, and the service consumed nothing again while its process and health looked fine. The server starts a new
// consumer then. The consumers here are kafkajs' interface without a broker: what is asserted is what the server
// does with them (the broker's side of such a crash cannot be provoked on demand).

type Listener = (e: { payload: { error: Error; groupId: string; restart: boolean } }) => void;

class FakeConsumer {
  readonly events = { CRASH: 'consumer.crash' };
  readonly calls: string[] = [];
  crashListener?: Listener;
  constructor(private readonly failConnect: boolean) {}
  on(event: string, listener: Listener) {
    if (event === this.events.CRASH) this.crashListener = listener;
    return () => undefined;
  }
  async connect() {
    this.calls.push('connect');
    if (this.failConnect) throw new Error('connect ECONNREFUSED 127.0.0.1:9092');
  }
  async subscribe() {
    this.calls.push('subscribe');
  }
  async run() {
    this.calls.push('run');
  }
  async disconnect() {
    this.calls.push('disconnect');
  }
  crash(restart: boolean) {
    const error = Object.assign(new Error('Failed to find group coordinator'), { name: 'KafkaJSNonRetriableError' });
    this.crashListener!({ payload: { error, groupId: 'g', restart } });
  }
}

function server(failConnects = 0) {
  const consumers: FakeConsumer[] = [];
  const kafka = {
    producer: () => ({ connect: async () => undefined, disconnect: async () => undefined }),
    admin: () => ({ connect: async () => undefined, disconnect: async () => undefined }),
    consumer: () => {
      // The first consumer starts; the next `failConnects` cannot reach the broker.
      const c = new FakeConsumer(consumers.length > 0 && consumers.length <= failConnects);
      consumers.push(c);
      return c;
    },
  } as unknown as Kafka;
  const codec = {
    contracts: { 'case-batch-planned': { topic: 'summary.case-batch-planned' } },
  } as unknown as EventCodec;
  const s = new KafkaEventServer(kafka, codec, new Metrics('spark-dispatcher'), {
    groupId: 'g',
    events: ['case-batch-planned'],
    retryInitialMs: 1,
    retryMaxMs: 4,
  });
  return { s, consumers };
}

const until = async (what: () => boolean) => {
  for (let i = 0; i < 200 && !what(); i++) await new Promise((r) => setTimeout(r, 5));
};

describe('KafkaEventServer after a consumer crash', () => {
  it('starts a new consumer when kafkajs will not restart the crashed one', async () => {
    const { s, consumers } = server();
    await new Promise<void>((resolve, reject) => s.listen((e) => (e ? reject(e) : resolve())));
    expect(consumers[0].calls).toEqual(['connect', 'subscribe', 'run']);
    consumers[0].crash(false);
    await until(() => s.consumerRestarts === 1);
    expect(s.consumerRestarts).toBe(1);
    expect(consumers).toHaveLength(2);
    expect(consumers[1].calls).toEqual(['connect', 'subscribe', 'run']);
    // A crash of the replaced consumer reported late changes nothing; the new one's crash is handled again.
    consumers[0].crash(false);
    consumers[1].crash(false);
    await until(() => s.consumerRestarts === 2);
    expect(consumers).toHaveLength(3);
    await s.close();
  });

  it('leaves a crash kafkajs restarts itself to kafkajs', async () => {
    const { s, consumers } = server();
    await new Promise<void>((resolve) => s.listen(() => resolve()));
    consumers[0].crash(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(consumers).toHaveLength(1);
    expect(s.consumerRestarts).toBe(0);
    await s.close();
  });

  it('keeps trying while the broker is still down, with backoff', async () => {
    const { s, consumers } = server(3);
    await new Promise<void>((resolve) => s.listen(() => resolve()));
    consumers[0].crash(false);
    await until(() => s.consumerRestarts === 1);
    expect(consumers.map((c) => c.calls.filter((x) => x !== 'disconnect').join(','))).toEqual([
      'connect,subscribe,run',
      'connect',
      'connect',
      'connect',
      'connect,subscribe,run',
    ]);
    await s.close();
  });

  it('does not start one while the service is closing', async () => {
    const { s, consumers } = server();
    await new Promise<void>((resolve) => s.listen(() => resolve()));
    await s.close();
    consumers[0].crash(false);
    await new Promise((r) => setTimeout(r, 50));
    expect(consumers).toHaveLength(1);
  });
});
