// Records contracts/<event>/vN.fixture.avro.hex: the Avro binary (no Confluent header) of vN.fixture.json
// written with vN.avsc. Run once per new version, through jest (no ts-node in this repo):
//   RECORD_FIXTURES=1 npx jest libs/contracts/scripts --selectProjects unit
// An existing hex file is never rewritten: it is the recording later schemas must keep reading.
import { existsSync, readFileSync, writeFileSync } from 'fs';
import { EVENT_NAMES, fixturePaths, listVersions, loadSchema, typeOf } from '../src';

export function recordFixtures(): string[] {
  const written: string[] = [];
  for (const event of EVENT_NAMES) {
    for (const version of listVersions(event)) {
      const { json, hex } = fixturePaths(event, version);
      if (existsSync(hex)) continue;
      const value: unknown = JSON.parse(readFileSync(json, 'utf8'));
      writeFileSync(hex, `${typeOf(loadSchema(event, version)).toBuffer(value).toString('hex')}\n`);
      written.push(hex);
    }
  }
  return written;
}
