import { readFileSync, readdirSync } from 'fs';
import * as path from 'path';
import { EVENT_NAMES, contractsFor, readerGroupId, topicAccess, topicAccessAll, topicsOfComponent } from '.';

// contracts/topic-access.json is what the services run by (topics created, schemas registered, events
// published and consumed) and what check:deploy holds deploy/principals.yaml's Kafka ACLs and registry
// grants to. These tests hold it to the code: a publish or a topic the file does not list fails here.
const repo = path.resolve(__dirname, '../../..');

/** The non-test TypeScript sources under apps/<app>/src. */
function sources(app: string): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith('.ts') && !/\.(int-)?spec\.ts$/.test(entry.name))
        out.push({ file, text: readFileSync(file, 'utf8') });
    }
  };
  walk(path.join(repo, 'apps', app, 'src'));
  return out;
}

const matches = (texts: { text: string }[], pattern: RegExp) =>
  new Set(texts.flatMap(({ text }) => [...text.matchAll(pattern)].map((m) => m[1])));

describe('contracts/topic-access.json', () => {
  it('lists every service and the CLI, with known events only', () => {
    expect([...topicAccessAll().keys()].sort()).toEqual([
      'auditor',
      'classifier',
      'cli',
      'ingest-watcher',
      'spark-dispatcher',
    ]);
    for (const access of topicAccessAll().values()) {
      for (const event of [...access.produces, ...access.consumes, ...access.reads, ...access.deadLetterSizes])
        expect(EVENT_NAMES).toContain(event);
    }
  });

  it('gives every event exactly one producer and at least one consumer', () => {
    const all = [...topicAccessAll().values()];
    for (const event of EVENT_NAMES) {
      expect([event, all.filter((a) => a.produces.includes(event)).map((a) => a.component)]).toEqual([
        event,
        [expect.any(String)],
      ]);
      expect(all.some((a) => a.consumes.includes(event))).toBe(true);
    }
  });

  it.each(['ingest-watcher', 'classifier', 'spark-dispatcher', 'auditor', 'cli'])(
    '%s: the events the code publishes are exactly those it lists as produced',
    (component) => {
      const published = matches(sources(component), /\.publish\(\s*'([a-z-]+)'/g);
      expect([...published].sort()).toEqual([...topicAccess(component).produces].sort());
    },
  );

  it.each(['ingest-watcher', 'classifier', 'spark-dispatcher', 'auditor', 'cli'])(
    '%s: every topic the code names is one it lists',
    (component) => {
      const access = topicAccess(component);
      const listed = new Set([...access.produces, ...access.consumes, ...access.reads, ...access.deadLetterSizes]);
      const named = matches(sources(component), /contracts\[\s*'([a-z-]+)'\s*\]\.topic/g);
      for (const event of named)
        expect([component, event, listed.has(event as never)]).toEqual([component, event, true]);
      // No topic list of its own: the code subscribes and gauges what the file says (EVENT_NAMES would be every topic).
      for (const { file, text } of sources(component))
        expect([file, /\bEVENT_NAMES\b/.test(text)]).toEqual([file, false]);
    },
  );

  it('derives the topics a service creates and its reader groups', () => {
    const contracts = contractsFor('summary.');
    expect(topicsOfComponent(topicAccess('ingest-watcher'), contracts)).toEqual(['summary.watermark-advanced']);
    expect(topicsOfComponent(topicAccess('classifier'), contracts)).toEqual([
      'summary.case-batch-planned',
      'summary.watermark-advanced',
      'summary.watermark-advanced.dlq',
    ]);
    expect(topicsOfComponent(topicAccess('auditor'), contracts)).toHaveLength(8);
    expect(readerGroupId(topicAccess('ingest-watcher'), 'summary.', 7)).toBe(
      `summary.watermark-advanced.position-reader.${process.pid}.7`,
    );
    expect(readerGroupId(topicAccess('cli'), 'summary.', 7)).toBe(`summary.cli-events.${process.pid}.7`);
    expect(() => readerGroupId(topicAccess('classifier'), 'summary.')).toThrow('reads no topic');
    expect(() => topicAccess('optimize')).toThrow('lists no component "optimize"');
  });
});
