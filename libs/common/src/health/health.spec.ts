import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Kafka } from 'kafkajs';
import { kafkaProbe, registryProbe } from './health';

describe('registryProbe', () => {
  let server: Server;
  let url: string;
  const seen: Array<string | undefined> = [];

  beforeAll(async () => {
    // A registry that requires basic auth, as the production one does.
    server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      const ok =
        req.url === '/apis/ccompat/v7/subjects' &&
        req.headers.authorization === `Basic ${Buffer.from('svc:s3cret').toString('base64')}`;
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(ok ? '[]' : '{"error_code":401}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/apis/ccompat/v7/`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('sends the registry credentials, so a registry that requires them answers', async () => {
    await expect(registryProbe(url, { username: 'svc', password: 's3cret' })()).resolves.toBeUndefined();
    await expect(registryProbe(url)()).rejects.toThrow('GET /subjects answered 401');
    await expect(registryProbe(url, { username: 'svc', password: 'wrong' })()).rejects.toThrow(
      'GET /subjects answered 401',
    );
    expect(seen[1]).toBeUndefined();
  });
});

describe('kafkaProbe', () => {
  function fakeKafka(failures: boolean[]) {
    const counts = { admins: 0, connects: 0, disconnects: 0, describes: 0 };
    const kafka = {
      admin: () => {
        counts.admins++;
        return {
          connect: async () => void counts.connects++,
          disconnect: async () => void counts.disconnects++,
          describeCluster: async () => {
            counts.describes++;
            if (failures.shift()) throw new Error('broker down');
            return {};
          },
        };
      },
    } as unknown as Kafka;
    return { kafka, counts };
  }

  it('keeps one connection for every check, and connects anew after a failed one', async () => {
    const { kafka, counts } = fakeKafka([false, false, false, true, false]);
    const probe = kafkaProbe(kafka);
    for (let i = 0; i < 3; i++) await probe();
    expect(counts).toEqual({ admins: 1, connects: 1, disconnects: 0, describes: 3 });
    await expect(probe()).rejects.toThrow('broker down');
    expect(counts.disconnects).toBe(1);
    await probe();
    expect(counts).toEqual({ admins: 2, connects: 2, disconnects: 1, describes: 5 });
    await probe.close();
    expect(counts.disconnects).toBe(2);
  });
});
