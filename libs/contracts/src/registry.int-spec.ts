import { spawnSync } from 'child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import {
  CURRENT_VERSIONS,
  AvroRecordSchema,
  EVENT_NAMES,
  EventCodec,
  EventName,
  EventPayloads,
  PoisonMessageError,
  RegistryUnavailableError,
  SchemaRegistrationError,
  contractsDir,
  fixturePaths,
  listVersions,
  loadSchema,
  schemaRegistry,
} from '.';

const REPO = path.resolve(__dirname, '../../..');
const REGISTRY_URL = 'http://127.0.0.1:8081/apis/ccompat/v7';
const STACK_ENV = { ...process.env, STACK_COMPONENTS: 'registry' };
// One prefix per run: subjects never collide with an earlier run's (the registry keeps its data).
const PREFIX = `it-contracts-${Date.now().toString(36)}-${process.pid}.`;

function stack(command: 'up'): void {
  const result = spawnSync('bash', ['scripts/stack/stack.sh', command], {
    cwd: REPO,
    env: STACK_ENV,
    encoding: 'utf8',
  });
  if (result.status !== 0)
    throw new Error(`stack.sh ${command} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs)); // poll interval, not a wait for an outcome
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

function fixtureOf<E extends EventName>(event: E): EventPayloads[E] {
  return JSON.parse(readFileSync(fixturePaths(event, CURRENT_VERSIONS[event]).json, 'utf8')) as EventPayloads[E];
}

/** A codec whose current watermark-advanced schema is `schema`, from a copy of contracts/ (CONTRACTS_DIR). */
function codecWithWatermarkSchema(schema: AvroRecordSchema): EventCodec {
  const dir = mkdtempSync(path.join(tmpdir(), 'contracts-'));
  try {
    cpSync(contractsDir(), dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'watermark-advanced', `v${CURRENT_VERSIONS['watermark-advanced']}.avsc`),
      JSON.stringify(schema),
    );
    process.env.CONTRACTS_DIR = dir;
    return new EventCodec(new SchemaRegistry({ host: REGISTRY_URL }), { topicPrefix: PREFIX });
  } finally {
    delete process.env.CONTRACTS_DIR;
    rmSync(dir, { recursive: true, force: true });
  }
}

const unreachable = () => new SchemaRegistry({ host: 'http://127.0.0.1:1/apis/ccompat/v7', retry: { retries: 0 } });

describe('EventCodec against the real schema registry', () => {
  let codec: EventCodec;

  beforeAll(async () => {
    stack('up');
    await waitFor('the registry to list subjects', async () =>
      (await fetch(`${REGISTRY_URL}/subjects`)).ok ? true : undefined,
    );
    codec = new EventCodec(new SchemaRegistry({ host: REGISTRY_URL }), { topicPrefix: PREFIX });
  });

  afterAll(async () => {
    // Soft-delete this run's subjects so the registry does not accumulate them.
    for (const event of EVENT_NAMES) {
      await fetch(`${REGISTRY_URL}/subjects/${encodeURIComponent(`${PREFIX}${event}-value`)}`, {
        method: 'DELETE',
      }).catch(() => undefined);
    }
    // The stack stays up for the other integration suites; scripts/test.sh stops it at the end.
  });

  it('registers every event under <topic>-value with BACKWARD compatibility, idempotently', async () => {
    const ids = new Map(await codec.register());
    expect([...ids.keys()].sort()).toEqual([...EVENT_NAMES].sort());
    for (const event of EVENT_NAMES) {
      const subject = `${PREFIX}${event}-value`;
      const config = (await (await fetch(`${REGISTRY_URL}/config/${encodeURIComponent(subject)}`)).json()) as Record<
        string,
        unknown
      >;
      expect(config).toMatchObject({ compatibilityLevel: 'BACKWARD' });
      const latest = (await (
        await fetch(`${REGISTRY_URL}/subjects/${encodeURIComponent(subject)}/versions/latest`)
      ).json()) as { id: number };
      expect(latest.id).toBe(ids.get(event));
    }
    expect(new Map(await codec.register())).toEqual(ids);
  });

  // A deployment upgrades version by version: each recorded vN must pass the registry's BACKWARD check
  // against vN-1 under one subject (e.g. watermark-advanced v2's report range, SPEC §4b, has null defaults).
  it.each(EVENT_NAMES)(
    'registers every recorded version of %s in order under one subject (BACKWARD)',
    async (event) => {
      const subject = `${PREFIX}chain.${event}-value`;
      const registry = new SchemaRegistry({ host: REGISTRY_URL });
      try {
        const ids: number[] = [];
        for (const version of listVersions(event)) {
          const { id } = await registry.register(
            { type: SchemaType.AVRO, schema: JSON.stringify(loadSchema(event, version)) },
            { subject, compatibility: COMPATIBILITY.BACKWARD },
          );
          ids.push(id);
        }
        expect(new Set(ids).size).toBe(listVersions(event).length);
      } finally {
        await fetch(`${REGISTRY_URL}/subjects/${encodeURIComponent(subject)}`, { method: 'DELETE' }).catch(
          () => undefined,
        );
      }
    },
  );

  it('four services registering a new subject at once all succeed with the same ids (no "rule already exists")', async () => {
    // Each service registers every schema at start; a first deployment starts them together. Apicurio
    // refuses the second compatibility rule of a subject with 409 while another registrant sets it.
    for (let round = 0; round < 3; round++) {
      const prefix = `${PREFIX}race${round}.`;
      try {
        const codecs = Array.from(
          { length: 4 },
          () => new EventCodec(schemaRegistry({ host: REGISTRY_URL }), { topicPrefix: prefix }),
        );
        const results = await Promise.allSettled(codecs.map((c) => c.register()));
        expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))).toEqual([
          'ok',
          'ok',
          'ok',
          'ok',
        ]);
        const ids = results.map((r) =>
          JSON.stringify([...(r as PromiseFulfilledResult<ReadonlyMap<EventName, number>>).value].sort()),
        );
        expect(new Set(ids).size).toBe(1);
      } finally {
        for (const event of EVENT_NAMES) {
          await fetch(`${REGISTRY_URL}/subjects/${encodeURIComponent(`${prefix}${event}-value`)}`, {
            method: 'DELETE',
          }).catch(() => undefined);
        }
      }
    }
  });

  it.each(EVENT_NAMES)('round-trips %s through the registry (decoder fetches the schema by id)', async (event) => {
    const value = fixtureOf(event);
    const bytes = await codec.encode(event, value);
    expect(bytes[0]).toBe(0);
    expect(bytes.readInt32BE(1)).toBe(codec.schemaId(event));

    // A fresh client has no cached schemas: it must resolve the id through the registry.
    const decoded = await new EventCodec(new SchemaRegistry({ host: REGISTRY_URL }), { topicPrefix: PREFIX }).decode(
      bytes,
    );
    expect(decoded).toEqual({ event, value, schemaId: codec.schemaId(event) });
  });

  it('refuses an incompatible next version (a new required field without default) as non-retriable', async () => {
    const current = loadSchema('watermark-advanced', CURRENT_VERSIONS['watermark-advanced']);
    const breaking = codecWithWatermarkSchema({
      ...current,
      fields: [
        ...current.fields,
        { name: 'tenant', type: 'string', doc: 'Owning tenant; no default, so v1 data cannot be read.' },
      ],
    });
    const error: unknown = await breaking.register().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaRegistrationError);
    expect(error).toMatchObject({
      retriable: false,
      subject: `${PREFIX}watermark-advanced-value`,
      cause: { status: 409 },
    });
    expect((error as Error).message).toContain('tenant');
  });

  it('accepts a compatible next version and decodes its messages into the current shape', async () => {
    const current = loadSchema('watermark-advanced', CURRENT_VERSIONS['watermark-advanced']);
    const evolved = codecWithWatermarkSchema({
      ...current,
      fields: [
        ...current.fields,
        { name: 'tenant', type: ['null', 'string'], default: null, doc: 'Owning tenant, optional.' },
      ],
    });
    const ids = await evolved.register();
    expect(ids.get('watermark-advanced')).not.toBe(codec.schemaId('watermark-advanced'));

    const value = fixtureOf('watermark-advanced');
    const bytes = await evolved.encode('watermark-advanced', { ...value, tenant: 'acme' } as typeof value);
    expect(await codec.decode(bytes)).toEqual({
      event: 'watermark-advanced',
      value,
      schemaId: ids.get('watermark-advanced'),
    });
  });

  it('raises PoisonMessageError for garbage bytes', async () => {
    const error: unknown = await codec.decode(Buffer.from('definitely not avro')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PoisonMessageError);
    expect(error).toMatchObject({ retriable: false, reason: 'magic byte 100, expected 0 (not Confluent-framed)' });
  });

  it('raises PoisonMessageError for a frame with an unknown schema id', async () => {
    const frame = Buffer.concat([Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0]), Buffer.from('payload')]);
    const error: unknown = await codec.decode(frame).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PoisonMessageError);
    expect(error).toMatchObject({ retriable: false, schemaId: 0x7ffffff0, cause: { status: 404 } });
    expect((error as PoisonMessageError).reason).toMatch(/^schema id 2147483632 cannot be used/);
  });

  it('raises PoisonMessageError for a known schema id whose body does not decode', async () => {
    const bytes = await codec.encode('batch-completed', fixtureOf('batch-completed'));
    const error: unknown = await codec.decode(bytes.subarray(0, bytes.length - 3)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PoisonMessageError);
    expect((error as PoisonMessageError).reason).toMatch(/^body does not decode as batch-completed/);
  });

  it('surfaces an unreachable registry as a retriable error keeping the client error as cause', async () => {
    const offline = new EventCodec(unreachable(), { topicPrefix: PREFIX });
    const registering: unknown = await offline.register().catch((e: unknown) => e);
    expect(registering).toBeInstanceOf(RegistryUnavailableError);
    expect(registering).toMatchObject({ retriable: true, cause: { name: 'ResponseError' } });

    // A valid frame is not poison just because the registry is down: the consumer must retry it.
    const bytes = await codec.encode('watermark-advanced', fixtureOf('watermark-advanced'));
    const decoding: unknown = await offline.decode(bytes).catch((e: unknown) => e);
    expect(decoding).toBeInstanceOf(RegistryUnavailableError);
    expect((decoding as Error).message).toMatch(/ECONNREFUSED/);
  });
});
