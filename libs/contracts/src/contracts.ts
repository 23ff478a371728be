import { existsSync, readdirSync, readFileSync } from 'fs';
import * as path from 'path';
import * as avsc from 'avsc';
import { EVENT_NAMES, EventName } from './events';

export const DEFAULT_TOPIC_PREFIX = 'summary.';

/** Current (writer) version of each event; a breaking change is a new vN.avsc (STYLE.md §3). */
export const CURRENT_VERSIONS: Readonly<Record<EventName, number>> = {
  'watermark-advanced': 2,
  'case-batch-planned': 4,
  'job-state-changed': 1,
  'batch-completed': 3,
};

/** The shape of a contracts/<event>/vN.avsc document (avsc does not export its schema typings). */
export interface AvroRecordSchema {
  type: 'record';
  name: string;
  namespace?: string;
  doc?: string;
  fields: Array<{ name: string; type: unknown; doc?: string; default?: unknown }>;
}

/** avsc's own typing of a schema document. */
export type AvscSchema = Parameters<typeof avsc.Type.forSchema>[0];

export function typeOf(schema: AvroRecordSchema): avsc.Type {
  return avsc.Type.forSchema(schema as unknown as AvscSchema);
}

export interface Contract<E extends EventName = EventName> {
  event: E;
  topic: string;
  /** Confluent TopicNameStrategy: `<topic>-value`. */
  subject: string;
  version: number;
  /** The parsed .avsc document. */
  schema: AvroRecordSchema;
  /** Full Avro name, e.g. com.summarypipeline.events.WatermarkAdvanced: how a decoded schema is recognised. */
  fullName: string;
  type: avsc.Type;
}

export type Contracts = { readonly [E in EventName]: Contract<E> };

let cachedDir: string | undefined;

/**
 * The repository's `contracts/` folder, found by walking up from this file so that it works from
 * `libs/contracts/src` (ts-jest) and from `dist/libs/contracts/src` (build) alike; CONTRACTS_DIR overrides.
 */
export function contractsDir(): string {
  if (process.env.CONTRACTS_DIR) return process.env.CONTRACTS_DIR;
  if (cachedDir) return cachedDir;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'contracts');
    if (existsSync(path.join(candidate, EVENT_NAMES[0]))) return (cachedDir = candidate);
    if (path.dirname(dir) === dir) throw new Error(`No contracts/ folder above ${__dirname}; set CONTRACTS_DIR`);
  }
}

export function schemaFile(event: EventName, version: number): string {
  return path.join(contractsDir(), event, `v${version}.avsc`);
}

/** A version's recorded fixture: vN.fixture.json and its Avro binary written with vN.avsc (scripts/record-fixtures.ts). */
export function fixturePaths(event: string, version: number): { json: string; hex: string } {
  const base = path.join(contractsDir(), event, `v${version}.fixture`);
  return { json: `${base}.json`, hex: `${base}.avro.hex` };
}

export function loadSchema(event: EventName, version: number): AvroRecordSchema {
  return JSON.parse(readFileSync(schemaFile(event, version), 'utf8')) as AvroRecordSchema;
}

/** Every recorded version of an event, ascending (v1.avsc, v2.avsc, …). */
export function listVersions(event: EventName): number[] {
  return readdirSync(path.join(contractsDir(), event))
    .map((file) => /^v(\d+)\.avsc$/.exec(file))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => Number(match[1]))
    .sort((a, b) => a - b);
}

export function fullNameOf(schema: AvroRecordSchema): string {
  return schema.namespace && !schema.name.includes('.') ? `${schema.namespace}.${schema.name}` : schema.name;
}

function contractOf<E extends EventName>(event: E, topicPrefix: string): Contract<E> {
  const version = CURRENT_VERSIONS[event];
  const schema = loadSchema(event, version);
  const topic = `${topicPrefix}${event}`;
  return {
    event,
    topic,
    subject: `${topic}-value`,
    version,
    schema,
    fullName: fullNameOf(schema),
    type: typeOf(schema),
  };
}

/** The contracts with topics `<topicPrefix><event>`; tests pass a unique prefix per run. */
export function contractsFor(topicPrefix = DEFAULT_TOPIC_PREFIX): Contracts {
  return {
    'watermark-advanced': contractOf('watermark-advanced', topicPrefix),
    'case-batch-planned': contractOf('case-batch-planned', topicPrefix),
    'job-state-changed': contractOf('job-state-changed', topicPrefix),
    'batch-completed': contractOf('batch-completed', topicPrefix),
  };
}

export const CONTRACTS: Contracts = contractsFor();
