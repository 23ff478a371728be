import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '@app/config';
import { ALT_CONFIG } from '@app/testing';
import seed000 from '../../../config/seed-000.json';
import {
  LoadOptionError,
  LoadOptions,
  loadColumns,
  loadId,
  parseLoadOptions,
  planLoadParts,
  scanLoadFile,
} from './load-plan';

const SEED = parseConfig(seed000, 'seed-000.json');
const options = (raw: Parameters<typeof parseLoadOptions>[0]): LoadOptions => parseLoadOptions(raw);
const errorOf = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(LoadOptionError);
    return (err as Error).message;
  }
  throw new Error('expected a LoadOptionError');
};
const SEED_COLUMNS = { key: 'cons_acct_key', month: 'rpt_as_of_mo', ts: 'base_ts' };

describe('parseLoadOptions', () => {
  it('reads the flags; no flag is one part of every row, run after it', () => {
    expect(options({})).toEqual({ chunks: null, byMonth: false, months: null, where: null, whereSql: null, run: true });
    expect(options({ chunks: '3', byMonth: true, months: '2024-01..2024-06', where: 'x = 1', run: false })).toEqual({
      chunks: 3,
      byMonth: true,
      months: { from: '2024-01', to: '2024-06' },
      where: 'x = 1',
      whereSql: '(`x` = 1)',
      run: false,
    });
  });

  it.each([
    [{ chunks: '0' }, '--chunks: expected an integer from 1 to 1000; received "0"'],
    [{ chunks: '2.5' }, '--chunks: expected an integer from 1 to 1000; received "2.5"'],
    [{ chunks: '1001' }, '--chunks: expected an integer from 1 to 1000; received "1001"'],
    [
      { months: '2024-06..2024-01' },
      '--months: expected FROM..TO, two months YYYY-MM with FROM not after TO (e.g. 2024-01..2024-06); received "2024-06..2024-01"',
    ],
    [{ months: '2024-01' }, 'received "2024-01"'],
    [{ months: '2024-01..2024-13' }, 'received "2024-01..2024-13"'],
    [{ months: '2024-01..2024-02..2024-03' }, 'received "2024-01..2024-02..2024-03"'],
    [{ where: '  ' }, '--where: expected a Spark SQL predicate over source columns; received an empty string'],
  ])('refuses %j', (raw, message) => {
    expect(errorOf(() => options(raw))).toContain(message);
  });

  // Issue 10: the predicate was pasted into `(...) AND <chunk>`, so it could close the parenthesis.
  it.each([
    [
      '1=1) OR (1=1',
      '--where: expected an operator (+ - * / % DIV || = <> < <= > >= <=> AND ' +
        'OR IS IN BETWEEN LIKE RLIKE) or the end of the expression; found \')\' at character 3 of "1=1) OR (1=1"',
    ],
    ['cons_acct_key > 0; DROP TABLE x', 'found a semicolon (a second statement) at character 17'],
    ['cons_acct_key IN (SELECT cons_acct_key FROM local.demo.summary)', "found 'SELECT' at character 18"],
    ["reflect('java.lang.System', 'exit', 0) = 1", 'found the function reflect at character 0'],
    ['cons_acct_key > 0 -- ) OR (1=1', 'found a comment "--" at character 18'],
    ['cons_acct_key >>> 2', "found '>' at character 15"],
    ["status_cd = '${env:HOME}'", 'found a variable reference "${" at character 13'],
    [
      "concat(status_cd, 'x')",
      '--where: expected a condition (a comparison, IS NULL, IN, BETWEEN, LIKE, AND, OR, NOT, ...); found a string value',
    ],
    ['1 + 2', 'found a number value'],
    // Issue 25: the clock, built from pieces Spark computes while it plans, or read through a name the file lacks.
    [
      "base_ts > CAST(concat('to', 'day') AS TIMESTAMP)",
      '--where: expected a string literal or a column where a string becomes a date or timestamp: ' +
        "Spark computes a string of literals alone (concat('to', 'day'), lower(concat('N', " +
        "'OW'))) before it reads any row and reads the clock when it is now, today, yesterday or tomorrow; " +
        'the result must depend on the rows alone (write the literal instead); ' +
        "found the string computed from literals concat('to', 'day'), " +
        'which Spark converts to a date or timestamp there at character 15 of "base_ts > ' +
        "CAST(concat('to', 'day') AS TIMESTAMP)\"",
    ],
    [
      "base_ts > concat('n', 'ow')",
      "found the string computed from literals concat('n', 'ow'), which Spark converts to a date or timestamp there at character 10",
    ],
    ["to_date(concat('tod', 'ay')) = acct_dt", 'at character 8'],
    ["base_ts > '\\164oday'", 'found the string "today" at character 10'],
    [
      'acct_dt = current_date',
      '--where: expected a column of the file: where no column has this name, Spark reads current_date, ' +
        "current_timestamp, current_user and user as the clock or the session's user, not a row's value; " +
        'found the name current_date at character 10',
    ],
  ])('refuses --where %s as one predicate of the expression subset', (where, message) => {
    expect(errorOf(() => options({ where, chunks: '2' }))).toContain(message);
  });

  it('runs --where as re-rendered from its parse, whatever its spacing or parentheses', () => {
    expect(options({ where: '((1=1)) OR (cons_acct_key = 2)' }).whereSql).toBe('((1 = 1) OR (`cons_acct_key` = 2))');
    expect(options({ where: "base_ts >= TIMESTAMP '2025-01-15 00:00:00' OR base_ts IS NULL" }).whereSql).toBe(
      "((`base_ts` >= TIMESTAMP '2025-01-15 00:00:00') OR (`base_ts` IS NULL))",
    );
  });
});

describe('loadColumns', () => {
  it('takes the key and month source columns from "columns", base_ts for the watermark', () => {
    expect(loadColumns(SEED, options({ chunks: '2', byMonth: true }))).toEqual(SEED_COLUMNS);
    expect(loadColumns(SEED, options({}))).toEqual({ key: null, month: null, ts: 'base_ts' });
    const alt = parseConfig(ALT_CONFIG, 'alt');
    expect(loadColumns(alt, options({ chunks: '2', months: '2024-01..2024-02' }))).toEqual({
      key: 'id',
      month: 'per',
      ts: 'lts',
    });
  });

  it('refuses to split by a key or month the config computes, naming the config entry', () => {
    const transformed = parseConfig(
      { ...seed000, column_transformations: [{ name: 'cons_acct_key', mapper_expr: 'abs(cons_acct_key)' }] },
      't',
    );
    expect(errorOf(() => loadColumns(transformed, options({ chunks: '3' })))).toBe(
      '--chunks split the file by the key column "cons_acct_key", ' +
        'but the config computes it (column_transformations[0]), ' +
        "so its source value is not the pipeline's key; load without --chunks (optionally with --where)",
    );
    const inferred = parseConfig(
      {
        ...seed000,
        inferred_columns: [{ name: 'rpt_as_of_mo', mapper_expr: 'substr(CAST(acct_dt AS STRING), 1, 7)' }],
      },
      'i',
    );
    expect(errorOf(() => loadColumns(inferred, options({ byMonth: true, months: '2024-01..2024-02' })))).toContain(
      '--by-month and --months split the file by the month column "rpt_as_of_mo", but the config computes it (inferred_columns[0])',
    );
    // Without a split the same configs load fine (a plain --where needs no key or month).
    expect(loadColumns(transformed, options({ where: 'cons_acct_key > 0' })).key).toBeNull();
  });
});

describe('planLoadParts', () => {
  const months = ['2024-02', null, '2024-01', '2024-13'];

  it('one part of every row without options', () => {
    expect(planLoadParts(options({}), SEED_COLUMNS, [])).toEqual([
      { number: 1, count: 1, label: 'all rows', where: null },
    ]);
  });

  it('--chunks N: part i holds pmod(xxhash64(key), N) = i', () => {
    expect(
      planLoadParts(options({ chunks: '3' }), SEED_COLUMNS, []).map((p) => [p.number, p.count, p.label, p.where]),
    ).toEqual([
      [1, 3, 'all rows, chunk 1/3', 'pmod(xxhash64(`cons_acct_key`), 3) = 0'],
      [2, 3, 'all rows, chunk 2/3', 'pmod(xxhash64(`cons_acct_key`), 3) = 1'],
      [3, 3, 'all rows, chunk 3/3', 'pmod(xxhash64(`cons_acct_key`), 3) = 2'],
    ]);
  });

  it('--by-month: every month value in order, invalid values after valid ones, NULL last: nothing is left out', () => {
    expect(planLoadParts(options({ byMonth: true }), SEED_COLUMNS, months).map((p) => [p.label, p.where])).toEqual([
      ['month 2024-01', "`rpt_as_of_mo` = '2024-01'"],
      ['month 2024-02', "`rpt_as_of_mo` = '2024-02'"],
      ['month 2024-13', "`rpt_as_of_mo` = '2024-13'"],
      ['rows without a month', '`rpt_as_of_mo` IS NULL'],
    ]);
  });

  it('--months keeps the valid months in the range, as one part or (with --by-month) one per month', () => {
    expect(planLoadParts(options({ months: '2024-01..2024-12' }), SEED_COLUMNS, months)).toEqual([
      { number: 1, count: 1, label: 'months 2024-01..2024-12', where: "`rpt_as_of_mo` IN ('2024-01', '2024-02')" },
    ]);
    expect(
      planLoadParts(options({ byMonth: true, months: '2024-02..2024-03' }), SEED_COLUMNS, months).map((p) => p.where),
    ).toEqual(["`rpt_as_of_mo` = '2024-02'"]);
  });

  it('combines months outer, chunks inner, all within --where', () => {
    const parts = planLoadParts(
      options({
        byMonth: true,
        months: '2024-01..2024-02',
        chunks: '2',
        where: "status_cd = 'X' OR status_cd IS NULL",
      }),
      SEED_COLUMNS,
      months,
    );
    expect(parts.map((p) => `${p.number}/${p.count} ${p.label}: ${p.where}`)).toEqual([
      "1/4 month 2024-01, chunk 1/2: ((`status_cd` = 'X') OR (`status_cd` IS NULL)) AND `rpt_as_of_mo` = '2024-01' AND pmod(xxhash64(`cons_acct_key`), 2) = 0",
      "2/4 month 2024-01, chunk 2/2: ((`status_cd` = 'X') OR (`status_cd` IS NULL)) AND `rpt_as_of_mo` = '2024-01' AND pmod(xxhash64(`cons_acct_key`), 2) = 1",
      "3/4 month 2024-02, chunk 1/2: ((`status_cd` = 'X') OR (`status_cd` IS NULL)) AND `rpt_as_of_mo` = '2024-02' AND pmod(xxhash64(`cons_acct_key`), 2) = 0",
      "4/4 month 2024-02, chunk 2/2: ((`status_cd` = 'X') OR (`status_cd` IS NULL)) AND `rpt_as_of_mo` = '2024-02' AND pmod(xxhash64(`cons_acct_key`), 2) = 1",
    ]);
    expect(planLoadParts(options({ where: 'cons_acct_key < 10' }), SEED_COLUMNS, [])).toEqual([
      { number: 1, count: 1, label: 'rows matching --where', where: '(`cons_acct_key` < 10)' },
    ]);
  });

  it("a month range without rows in the file is an error naming the file's months", () => {
    expect(errorOf(() => planLoadParts(options({ months: '2023-01..2023-06' }), SEED_COLUMNS, months))).toBe(
      '--months 2023-01..2023-06: no row of the file has a month in that range; its months: 2024-01..2024-13',
    );
  });
});

describe('loadId and scanLoadFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'load-plan-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it('lists the distinct months (keys case-insensitive, missing = NULL) and hashes the content', () => {
    const f = file(
      'a.jsonl',
      '{"RPT_AS_OF_MO": "2024-02", "k": 1}\n\n{"rpt_as_of_mo": "2024-01"}\n{"rpt_as_of_mo": null}\n{"k": 2}\n{"rpt_as_of_mo": "2024-02"}\n',
    );
    const scanned = scanLoadFile(f, 'rpt_as_of_mo');
    expect(scanned.months).toEqual(['2024-02', '2024-01', null]);
    expect(scanned.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(scanLoadFile(f, null).months).toEqual([]);
  });

  it('is stable for the same content and options, whatever the file name or --no-run', () => {
    const a = scanLoadFile(file('one.jsonl', '{"k": 1}\n'), null).sha256;
    const b = scanLoadFile(file('two.jsonl', '{"k": 1}\n'), null).sha256;
    const c = scanLoadFile(file('three.jsonl', '{"k": 2}\n'), null).sha256;
    expect(a).toBe(b);
    const chunked = loadId(a, options({ chunks: '3' }));
    expect(chunked).toMatch(/^[0-9a-f]{16}$/);
    expect(loadId(b, options({ chunks: '3', run: false }))).toBe(chunked);
    // Recorded: a change of the id's recipe would make every interrupted load re-append its parts.
    expect(loadId('0'.repeat(64), options({ chunks: '3' }))).toBe(
      loadId('0'.repeat(64), { chunks: 3, byMonth: false, months: null, where: null, whereSql: null, run: true }),
    );
    expect(
      new Set([
        chunked,
        loadId(c, options({ chunks: '3' })),
        loadId(a, options({ chunks: '4' })),
        loadId(a, options({ chunks: '3', byMonth: true })),
        loadId(a, options({ chunks: '3', months: '2024-01..2024-02' })),
        loadId(a, options({ chunks: '3', where: 'k > 1' })),
      ]).size,
    ).toBe(6);
  });
});
