import { recordFixtures } from './record-fixtures';

// Not a test: the runner of record-fixtures.ts, which only writes when asked to.
const record = process.env.RECORD_FIXTURES === '1' ? it : it.skip;

record('records the missing Avro fixtures (RECORD_FIXTURES=1)', () => {
  const written = recordFixtures();
  console.log(written.length ? `recorded:\n${written.join('\n')}` : 'every fixture already recorded');
});
