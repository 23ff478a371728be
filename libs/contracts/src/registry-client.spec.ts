import { AddressInfo, Server, Socket, createServer } from 'node:net';
import { EventCodec } from './event-codec';
import { RegistryUnavailableError } from './errors';
import { schemaRegistry } from './registry-client';

// A registry that accepts every connection and reads every request but never answers: without a request
// timeout the client waited on it for good (seen in CI, on the real registry, once).
describe('a registry request that is never answered', () => {
  let server: Server;
  let requests = 0;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on('data', (d) => (requests += (d.toString().match(/HTTP\/1\.1\r\n/g) ?? []).length));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('times out, is retried a few times, then fails as a retriable RegistryUnavailableError', async () => {
    const { port } = server.address() as AddressInfo;
    const codec = new EventCodec(schemaRegistry({ host: `http://127.0.0.1:${port}`, retry: { retries: 0 } }, 200), {
      topicPrefix: 'timeout-test.',
    });
    const started = Date.now();
    const error: unknown = await codec.register().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryUnavailableError);
    expect(error).toMatchObject({ retriable: true });
    expect((error as Error).message).toMatch(/Timeout \(200ms\)/);
    expect(requests).toBe(4); // the first subject's compatibility lookup, tried four times
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 20_000);
});
