import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from '@app/config';
import { IngestError, checkJsonl } from './ingest';

// `ingest --into report-dates` (SPEC §4b) checks a file by the main ingest's one rule against the report
// table's columns. Before init (and in a unit test) those are the config's: here the production example's
// report table, whose types are inferred from its main source (no hist_rpt_dt_schema).
const PRODUCTION = join(
  __dirname,
  '..',
  '..',
  '..',
  '..',
  'shared',
  'reference',
  'summary_config.production-example.json',
);
const report = loadConfigFile(PRODUCTION, {}).reportDates!;
const line = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    cons_acct_key: 7,
    soft_del_cd: '4',
    acct_dt: '2024-02-20',
    base_ts: '2024-03-01 10:00:00',
    insert_dt: '2024-03-01',
    update_dt: null,
    insert_time: '10:00:00',
    update_time: null,
    ...over,
  });

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ingest-report-spec-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function stage(lines: string[]) {
  const file = join(dir, 'report.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');
  return checkJsonl(file, report.schema, join(dir, 'staged.jsonl'));
}

async function problems(lines: string[]): Promise<string[]> {
  const err = await stage(lines).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(IngestError);
  expect((err as IngestError).message).toContain(join(dir, 'report.jsonl'));
  return (err as IngestError).problems;
}

describe('a report-date file is checked like a source file, against the report table', () => {
  it("stages every report column in the table's order", async () => {
    const staged = await stage([
      line({ update_time: '11:00:00' }).replace('"cons_acct_key":7', '"cons_acct_key":9223372036854775807'),
    ]);
    expect(staged.rows).toBe(1);
    expect(readFileSync(staged.path, 'utf8')).toBe(
      '{"cons_acct_key":9223372036854775807,"soft_del_cd":"4","acct_dt":"2024-02-20","base_ts":"2024-03-01 ' +
        '10:00:00","insert_dt":"2024-03-01","update_dt":null,"insert_time":"10:00:00","update_time":"11:00:00"}\n',
    );
  });

  it("refuses the main source's month column (a report row has none), a missing column and a bad date, naming each line", async () => {
    const withMonth = line({ rpt_as_of_mo: '2024-02' });
    const noCode = JSON.parse(line()) as Record<string, unknown>;
    delete noCode.soft_del_cd;
    expect(await problems([line(), withMonth, JSON.stringify(noCode), line({ acct_dt: '2024-02-30' })])).toEqual([
      'line 2: unknown column "rpt_as_of_mo"; expected one of cons_acct_key, soft_del_cd, acct_dt, base_ts, insert_dt, update_dt, insert_time, update_time',
      'line 3: missing column "soft_del_cd"; expected every source column on every line ' +
        '(null for no value) unless allowed missing (--allow-missing, config ingest_optional_columns)',
      expect.stringMatching(/^line 4: column "acct_dt" \(DATE\): /),
    ]);
  });
});
