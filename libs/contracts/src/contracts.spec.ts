import { readFileSync } from 'fs';
import * as avsc from 'avsc';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { CASE_ORDER } from '@app/domain';
import { checkAvroBounds } from './avro-bounds';
import {
  CONTRACTS,
  CURRENT_VERSIONS,
  ContractValidationError,
  EVENT_NAMES,
  EventCodec,
  EventName,
  JobStateChanged,
  PoisonMessageError,
  fixturePaths,
  listVersions,
  loadSchema,
  validateEvent,
} from '.';

function fixture(event: EventName, version: number): { json: Record<string, unknown>; bytes: Buffer } {
  const paths = fixturePaths(event, version);
  return {
    json: JSON.parse(readFileSync(paths.json, 'utf8')) as Record<string, unknown>,
    bytes: Buffer.from(readFileSync(paths.hex, 'utf8').trim(), 'hex'),
  };
}

const versions = EVENT_NAMES.flatMap((event) => listVersions(event).map((version) => [event, version] as const));

describe('contract files', () => {
  it.each(versions)('%s v%i parses with avsc, in the events namespace, every field documented', (event, version) => {
    const schema = loadSchema(event, version);
    const type = avsc.Type.forSchema(schema as unknown as Parameters<typeof avsc.Type.forSchema>[0]);
    expect(type.name).toMatch(/^com\.summarypipeline\.events\.[A-Z]\w+$/);
    expect(schema.doc).toBeTruthy();
    expect(schema.fields.filter((field) => !field.doc).map((field) => field.name)).toEqual([]);
  });

  it.each(EVENT_NAMES)('%s: CONTRACTS names topic, subject and the current version', (event) => {
    const contract = CONTRACTS[event];
    expect(contract.topic).toBe(`summary.${event}`);
    expect(contract.subject).toBe(`summary.${event}-value`);
    expect(contract.version).toBe(Math.max(...listVersions(event)));
    expect(contract.version).toBe(CURRENT_VERSIONS[event]);
    expect(contract.schema).toEqual(loadSchema(event, contract.version));
  });

  // Schema evolution safety: bytes written with any recorded version stay readable by the current schema.
  it.each(versions)('%s v%i recorded fixture decodes with the current schema', (event, version) => {
    const { json, bytes } = fixture(event, version);
    const writer = avsc.Type.forSchema(
      loadSchema(event, version) as unknown as Parameters<typeof avsc.Type.forSchema>[0],
    );
    const current = CONTRACTS[event].type;
    const decoded: unknown = current.fromBuffer(bytes, current.createResolver(writer));
    if (version === CURRENT_VERSIONS[event]) expect(decoded).toEqual(json);
    else expect(decoded).toEqual(expect.objectContaining(json));
  });

  it.each(versions)('%s v%i JSON fixture is what the hex recording holds', (event, version) => {
    const { json, bytes } = fixture(event, version);
    const writer = avsc.Type.forSchema(
      loadSchema(event, version) as unknown as Parameters<typeof avsc.Type.forSchema>[0],
    );
    expect(writer.toBuffer(json).toString('hex')).toBe(bytes.toString('hex'));
  });

  // The case list has one definition (libs/domain); an Avro enum of cases in any version is that list, in its order.
  it.each(versions)("%s v%i: every enum of cases is the domain's CASE_ORDER", (event, version) => {
    const enums: string[][] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        const o = node as Record<string, unknown>;
        if (o.type === 'enum' && Array.isArray(o.symbols) && o.symbols.some((x) => String(x).startsWith('CASE_')))
          enums.push(o.symbols as string[]);
        Object.values(o).forEach(walk);
      }
    };
    walk(loadSchema(event, version));
    if (event === 'case-batch-planned' || event === 'job-state-changed') expect(enums.length).toBeGreaterThan(0);
    for (const symbols of enums) expect(symbols).toEqual(CASE_ORDER);
  });

  it.each(EVENT_NAMES)('%s current fixture passes encode-side validation', (event) => {
    expect(() => validateEvent(CONTRACTS[event], fixture(event, CURRENT_VERSIONS[event]).json)).not.toThrow();
  });
});

describe('encode-side validation', () => {
  const job = fixture('job-state-changed', 1).json as unknown as JobStateChanged;
  // Points at a closed port: validation must refuse before any registry call is attempted.
  const codec = new EventCodec(new SchemaRegistry({ host: 'http://127.0.0.1:9', retry: { retries: 0 } }));

  function refusal(value: unknown): ContractValidationError {
    try {
      validateEvent(CONTRACTS['job-state-changed'], value);
    } catch (error) {
      if (error instanceof ContractValidationError) return error;
      throw error;
    }
    throw new Error('validateEvent accepted the value');
  }

  it('names the field, what was expected and what was received', () => {
    const error = refusal({ ...job, attempt: '2' });
    expect(error.message).toBe('Invalid job-state-changed event: field "attempt" expected int, received string "2"');
    expect(error).toMatchObject({ name: 'ContractValidationError', retriable: false, event: 'job-state-changed' });
  });

  it('lists every offending field, nullable ones and enums included', () => {
    const error = refusal({ ...job, rowsWritten: 1.5, state: 'DONE', occurredAt: undefined });
    expect(error.problems).toEqual([
      { path: 'state', expected: 'one of SUBMITTED, RUNNING, SUCCEEDED, FAILED, SKIPPED', received: 'string "DONE"' },
      { path: 'rowsWritten', expected: 'null | long', received: 'non-integer number 1.5' },
      { path: 'occurredAt', expected: 'long', received: 'undefined' },
    ]);
  });

  it('refuses an undeclared (e.g. misspelt) field instead of dropping it', () => {
    expect(refusal({ ...job, jobRunID: 'x' }).problems).toEqual([
      expect.objectContaining({ path: 'jobRunID', received: 'string "x"' }),
    ]);
  });

  it('names the map entry of batch-completed cases', () => {
    const batch = fixture('batch-completed', 1).json;
    expect(() => validateEvent(CONTRACTS['batch-completed'], { ...batch, cases: { CASE_I: '3' } })).toThrow(
      'field "cases.CASE_I" expected long, received string "3"',
    );
  });

  it('EventCodec.encode refuses before talking to the registry', async () => {
    await expect(
      codec.encode('job-state-changed', { ...job, engine: 42 } as unknown as JobStateChanged),
    ).rejects.toThrow('Invalid job-state-changed event: field "engine" expected string, received number 42');
  });
});

describe('decode framing (no registry call needed)', () => {
  const codec = new EventCodec(new SchemaRegistry({ host: 'http://127.0.0.1:9', retry: { retries: 0 } }));

  it.each([
    ['an empty buffer', Buffer.alloc(0), '0 bytes, shorter than the 5-byte Confluent header'],
    ['a truncated header', Buffer.from([0, 0, 1]), '3 bytes, shorter than the 5-byte Confluent header'],
    ['JSON text', Buffer.from('{"eventId":"x"}'), 'magic byte 123, expected 0 (not Confluent-framed)'],
  ])('refuses %s as a non-retriable PoisonMessageError', async (_what, bytes, reason) => {
    const error: unknown = await codec.decode(bytes).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PoisonMessageError);
    expect(error).toMatchObject({ name: 'PoisonMessageError', retriable: false, reason });
  });
});

describe('decode of a body that promises more than it holds (checkAvroBounds)', () => {
  // The registry client stubbed to serve BatchCompleted v2 as schema id 7: no HTTP.
  const registry = new SchemaRegistry({ host: 'http://127.0.0.1:9', retry: { retries: 0 } });
  const writer = avsc.Type.forSchema(
    loadSchema('batch-completed', 2) as unknown as Parameters<typeof avsc.Type.forSchema>[0],
  );
  jest.spyOn(registry, 'getSchema').mockImplementation(async () => writer as never);
  const codec = new EventCodec(registry);
  const framed = (body: number[]) => Buffer.from([0, 0, 0, 0, 7, ...body]);

  it('dead-letters a 21-byte message whose map count says 2^55 at once, where avsc looped', async () => {
    // eventId "", batchId "", status 0, durationMs 0, then the cases map's count: zig-zag 2^56 in a varint.
    const bytes = framed([0, 0, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0, 0, 0]);
    expect(bytes.length).toBe(21);
    const started = Date.now();
    const error: unknown = await codec.decode(bytes).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error).toBeInstanceOf(PoisonMessageError);
    expect((error as Error).message).toMatch(
      /does not decode as batch-completed \(schema id 7\): a block of \d+ item\(s\), more than the bytes left can hold at offset 13/,
    );
  });

  it('refuses a string longer than the body and bytes left over, and passes every recorded fixture', () => {
    expect(() => checkAvroBounds(writer, Buffer.from([0x7e]))).toThrow(
      /a string of 63 byte\(s\) past the end at offset 1/,
    );
    for (const [event, version] of versions) {
      const type = avsc.Type.forSchema(
        loadSchema(event, version) as unknown as Parameters<typeof avsc.Type.forSchema>[0],
      );
      const { bytes } = fixture(event, version);
      expect(() => checkAvroBounds(type, bytes)).not.toThrow();
      expect(() => checkAvroBounds(type, Buffer.concat([bytes, Buffer.from([0])]))).toThrow(
        /1 byte\(s\) left after the value/,
      );
    }
  });
});
