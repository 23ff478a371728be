import { readFileSync } from 'fs';
import * as path from 'path';
import { Contracts, contractsDir } from './contracts';
import { EVENT_NAMES, EventName } from './events';

/**
 * What one component of the code does with the event topics (contracts/topic-access.json): the services
 * create, register, publish and subscribe by it, and the prod principals' Kafka ACLs and registry grants
 * are checked against it (check:deploy, deploy/principals.yaml; docs/security.md "Principals").
 */
export interface TopicAccess {
  component: string;
  /** Published (the publisher refuses any other event); their schemas are registered at start. */
  produces: readonly EventName[];
  /** Consumed in the component's group, committing offsets; poison goes to `<topic>.dlq`. */
  consumes: readonly EventName[];
  /** Read from the beginning in a throwaway group `<prefix><readerGroupPrefix>…`, committing nothing. */
  reads: readonly EventName[];
  /** `<topic>.dlq` start and end offsets are read (a gauge). */
  deadLetterSizes: readonly EventName[];
  /** Throwaway reader groups are `<topic prefix><readerGroupPrefix><pid>.<time>`; set when `reads` is. */
  readerGroupPrefix?: string;
}

const LISTS = ['produces', 'consumes', 'reads', 'deadLetterSizes'] as const;
const KEYS = new Set<string>([...LISTS, 'readerGroupPrefix']);

let cached: ReadonlyMap<string, TopicAccess> | undefined;

export function topicAccessFile(): string {
  return path.join(contractsDir(), 'topic-access.json');
}

/** Every component's access, validated: unknown keys or events, a reader without its group prefix, fail. */
export function topicAccessAll(): ReadonlyMap<string, TopicAccess> {
  if (cached) return cached;
  const file = topicAccessFile();
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { components?: Record<string, Record<string, unknown>> };
  const all = new Map<string, TopicAccess>();
  for (const [component, entry] of Object.entries(doc.components ?? {})) {
    const where = `${file}: components.${component}`;
    for (const key of Object.keys(entry)) {
      if (!KEYS.has(key)) throw new Error(`${where}: unknown key "${key}"; expected ${[...KEYS].join(', ')}`);
    }
    const lists = Object.fromEntries(
      LISTS.map((key) => {
        const value = entry[key] ?? [];
        if (!Array.isArray(value) || value.some((e) => !EVENT_NAMES.includes(e as EventName))) {
          throw new Error(
            `${where}.${key}: expected a list of events (${EVENT_NAMES.join(', ')}), got ${JSON.stringify(value)}`,
          );
        }
        return [key, value as EventName[]];
      }),
    ) as Record<(typeof LISTS)[number], EventName[]>;
    const readerGroupPrefix = entry.readerGroupPrefix;
    if (readerGroupPrefix !== undefined && (typeof readerGroupPrefix !== 'string' || readerGroupPrefix === '')) {
      throw new Error(`${where}.readerGroupPrefix: expected a non-empty string`);
    }
    if (lists.reads.length > 0 && readerGroupPrefix === undefined)
      throw new Error(`${where}: "reads" needs "readerGroupPrefix"`);
    all.set(component, { component, ...lists, ...(readerGroupPrefix === undefined ? {} : { readerGroupPrefix }) });
  }
  return (cached = all);
}

/** One component's access; a component the file does not list is an error (every Kafka user is listed). */
export function topicAccess(component: string): TopicAccess {
  const access = topicAccessAll().get(component);
  if (!access)
    throw new Error(
      `${topicAccessFile()} lists no component "${component}"; expected one of ${[...topicAccessAll().keys()].join(', ')}`,
    );
  return access;
}

/** The topics a component touches (and so creates when missing): its events' topics and the dead-letter topics it writes or reads. */
export function topicsOfComponent(access: TopicAccess, contracts: Contracts): string[] {
  const topic = (e: EventName) => contracts[e].topic;
  const topics = [
    ...access.produces.map(topic),
    ...access.consumes.flatMap((e) => [topic(e), `${topic(e)}.dlq`]),
    ...access.reads.map(topic),
    ...access.deadLetterSizes.map((e) => `${topic(e)}.dlq`),
  ];
  return [...new Set(topics)];
}

/** The throwaway group of one read: `<topic prefix><readerGroupPrefix><pid>.<time>`. */
export function readerGroupId(access: TopicAccess, topicPrefix: string, now = Date.now()): string {
  if (!access.readerGroupPrefix)
    throw new Error(`${topicAccessFile()}: component "${access.component}" reads no topic (no readerGroupPrefix)`);
  return `${topicPrefix}${access.readerGroupPrefix}${process.pid}.${now}`;
}
