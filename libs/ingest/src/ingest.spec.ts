import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import {
  ColumnType,
  IngestError,
  IngestOptions,
  MAX_LINE_BYTES,
  MAX_VALUE_BYTES,
  StagedFile,
  checkJsonl,
  withStagedJsonl,
} from './ingest';
import { fitDecimal } from './ingest-types';

const SCHEMA: ColumnType[] = [
  { name: 'k', type: 'bigint' },
  { name: 'mo', type: 'string' },
  { name: 'ts', type: 'timestamp' },
  { name: 'current_balance', type: 'int' },
];
const row = (over: Record<string, unknown> = {}) =>
  JSON.stringify({ k: 1, mo: '2024-01', ts: '2024-02-01 10:00:00', current_balance: 5, ...over });

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ingest-spec-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function stage(
  content: string | Buffer,
  options: IngestOptions & { distinctOf?: string } = {},
  schema = SCHEMA,
  name = 'in.jsonl',
): Promise<StagedFile & { text: string }> {
  const file = join(dir, name);
  writeFileSync(file, content);
  const staged = await checkJsonl(file, schema, join(dir, `staged-${Math.random()}.jsonl`), options);
  return { ...staged, text: readFileSync(staged.path, 'utf8') };
}

async function problems(content: string | Buffer, options: IngestOptions = {}, schema = SCHEMA): Promise<string[]> {
  try {
    await stage(content, options, schema);
  } catch (err) {
    expect(err).toBeInstanceOf(IngestError);
    expect((err as IngestError).retriable).toBe(false);
    return (err as IngestError).problems;
  }
  throw new Error('expected the file to be refused');
}

describe('checkJsonl: one reader, one column rule', () => {
  it('stages every column under its exact name in schema order, numbers as written', async () => {
    const staged = await stage(
      `{"current_balance": -0, "ts": null, "mo": "2024-\\u00301", "k": 9223372036854775807}\r\n\n   \n${row().replace('"k":1', '"k":-9223372036854775808')}`,
    );

    expect(staged.rows).toBe(2);
    expect(staged.text).toBe(
      '{"k":9223372036854775807,"mo":"2024-01","ts":null,"current_balance":0}\n' +
        '{"k":-9223372036854775808,"mo":"2024-01","ts":"2024-02-01 10:00:00","current_balance":5}\n',
    );
  });

  it('keeps BIGINT 2^63 − 1 exact and refuses 2^63 (JSON.parse made both 9223372036854775808)', async () => {
    expect((await stage(`${row({ k: 0 }).replace('"k":0', '"k":9223372036854775807')}\n`)).text).toContain(
      '"k":9223372036854775807,',
    );
    expect((await stage(`${row({ k: 0 }).replace('"k":0', '"k":9007199254740993')}\n`)).text).toContain(
      '"k":9007199254740993,',
    );
    expect(await problems(`${row()}\n${row({ k: 0 }).replace('"k":0', '"k":9223372036854775808')}\n`)).toEqual([
      'line 2: column "k" (bigint): expected an integer from -9223372036854775808 to 9223372036854775807; received 9223372036854775808',
    ]);
  });

  it('refuses a key that differs from a column name only in case (Spark stored it as NULL)', async () => {
    expect(await problems(`${row()}\n{"k": 2, "mo": "2024-01", "ts": null, "CURRENT_BALANCE": 777}\n`)).toEqual([
      'line 2: unknown column "CURRENT_BALANCE"; column names are exact: did you mean "current_balance"?',
      'line 2: missing column "current_balance"; ' +
        'expected every source column on every line (null for no value) unless allowed missing ' +
        '(--allow-missing, config ingest_optional_columns)',
    ]);
    expect(await problems(`{"k": 2, "mo": "2024-01", "ts": null, "current_balance": 1, "x": 1}\n`)).toEqual([
      'line 1: unknown column "x"; expected one of k, mo, ts, current_balance',
    ]);
  });

  it('refuses a missing column unless it is allowed missing, then stages it as NULL', async () => {
    const file = `${row()}\n{"k": 2, "mo": "2024-02", "ts": null}\n`;
    expect(await problems(file)).toEqual([
      expect.stringMatching(/^line 2: missing column "current_balance"; expected every source column/),
    ]);
    expect(await problems('{"k": 2}\n')).toEqual([
      expect.stringMatching(/^line 1: missing columns "mo", "ts", "current_balance";/),
    ]);

    const staged = await stage(file, { allowMissing: ['current_balance'] });
    expect(staged.text.split('\n')[1]).toBe('{"k":2,"mo":"2024-02","ts":null,"current_balance":null}');
    await expect(stage(file, { allowMissing: ['Current_Balance', 'nope'] })).rejects.toThrow(
      '--allow-missing / ingest_optional_columns: "Current_Balance", "nope" are not source columns; ' +
        'expected some of k, mo, ts, current_balance (names are exact)',
    );
  });

  it('refuses a key given twice (JSON.parse kept the last)', async () => {
    expect(await problems('{"k": 1, "mo": "2024-01", "ts": null, "current_balance": 1, "k": 2}\n')).toEqual([
      'line 1: column "k" appears more than once; expected each column at most once',
    ]);
  });

  it.each([
    ['100.0', 'int', 'expected an integer from -2147483648 to 2147483647; received 100.0'],
    ['1e3', 'int', 'expected an integer from -2147483648 to 2147483647; received 1e3'],
    ['2147483648', 'int', 'expected an integer from -2147483648 to 2147483647; received 2147483648'],
    ['"5"', 'int', 'expected an integer from -2147483648 to 2147483647; received "5"'],
    ['128', 'tinyint', 'expected an integer from -128 to 127; received 128'],
    ['1e400', 'double', 'expected a finite number (at most 1.7976931348623157e+308 in magnitude); received 1e400'],
    ['1e39', 'float', 'expected a finite number (at most 3.4028234663852886e+38 in magnitude); received 1e39'],
    [
      '1.005',
      'decimal(12,2)',
      'expected a number with at most 10 digit(s) before the point and 2 after (DECIMAL(12,2), no rounding); received 1.005',
    ],
    [
      '12345678901',
      'decimal(12,2)',
      'expected a number with at most 10 digit(s) before the point and 2 after (DECIMAL(12,2), no rounding); received 12345678901',
    ],
    ['1', 'boolean', 'expected true or false; received 1'],
    ['"2024-02-30"', 'date', 'expected a date "YYYY-MM-DD"; received "2024-02-30"'],
    ['"0000-01-01"', 'date', 'expected a date "YYYY-MM-DD"; received "0000-01-01"'],
    [
      '"2024-01-01T10:00:00"',
      'timestamp',
      'expected a timestamp "YYYY-MM-DD HH:MM:SS"; received "2024-01-01T10:00:00"',
    ],
    [
      '"2024-01-01 24:00:00"',
      'timestamp',
      'expected a timestamp "YYYY-MM-DD HH:MM:SS"; received "2024-01-01 24:00:00"',
    ],
    ['7', 'string', 'expected a string; received 7'],
    [
      '"\\ud800"',
      'string',
      'expected a string of well-formed Unicode (a \\u escape leaves a lone surrogate); received "\\ud800"',
    ],
    ['{"a": 1}', 'string', 'expected a string; received a JSON object'],
    ['[1]', 'bigint', 'expected an integer from -9223372036854775808 to 9223372036854775807; received a JSON array'],
    [
      '1',
      'map<string,int>',
      'a column of type map<string,int> cannot be ingested from JSON lines; ' +
        'expected a source column of type BIGINT, INT, SMALLINT, TINYINT, DOUBLE, FLOAT, DECIMAL(p,s), ' +
        'STRING, BOOLEAN, DATE or TIMESTAMP',
    ],
  ])('refuses %s for a %s column with the line number', async (value, type, message) => {
    expect(await problems(`{"v": null}\n{"v": ${value}}\n`, {}, [{ name: 'v', type }])).toEqual([
      `line 2: column "v" (${type}): ${message}`,
    ]);
  });

  it.each([
    ['1.50', 'decimal(4,1)', '1.5'],
    ['125e-2', 'decimal(5,2)', '1.25'],
    ['-0.000', 'decimal(3,2)', '0'],
    ['1E2', 'decimal(3,0)', '100'],
    ['1e3', 'double', '1e3'],
    ['-1.5', 'float', '-1.5'],
    ['true', 'boolean', 'true'],
    ['"0001-01-01"', 'date', '"0001-01-01"'],
    ['"2024-02-29 23:59:59"', 'timestamp_ntz', '"2024-02-29 23:59:59"'],
    ['"line\\nbreak \\u2028 é 😀"', 'string', '"line\\nbreak \u2028 é 😀"'],
  ])('stages %s for a %s column as %s', async (value, type, staged) => {
    expect((await stage(`{"v": ${value}}\n`, {}, [{ name: 'v', type }])).text).toBe(`{"v":${staged}}\n`);
  });

  it('fits a decimal exactly or not at all', () => {
    expect(fitDecimal('0.05', 3, 2)).toBe('0.05');
    expect(fitDecimal('12.345e1', 5, 2)).toBe('123.45');
    expect(fitDecimal('1.25', 4, 1)).toBeUndefined();
    expect(fitDecimal('1e999999999', 38, 0)).toBeUndefined();
  });

  it('refuses invalid UTF-8 with its line and byte (Spark failed with a stack trace)', async () => {
    const bad = Buffer.concat([
      Buffer.from(`${row()}\n{"k": 1, "mo": "20`),
      Buffer.from([0xe2, 0x82]),
      Buffer.from(`", "ts": null, "current_balance": 1}\n`),
    ]);
    expect(await problems(bad)).toEqual(['line 2: not valid UTF-8 (byte 19 of the line); expected UTF-8 text']);
  });

  it('skips a UTF-8 byte order mark at the start of the file only; refuses one elsewhere, UTF-16, UTF-32 and NUL bytes (issue 25)', async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const staged = await stage(Buffer.concat([bom, Buffer.from(`${row()}\r\n${row({ k: 2 })}\r\n`)]));
    expect([staged.rows, staged.text.split('\n')[1]]).toEqual([
      2,
      '{"k":2,"mo":"2024-01","ts":"2024-02-01 10:00:00","current_balance":5}',
    ]);
    expect(await problems(Buffer.concat([Buffer.from(`${row()}\n`), bom, Buffer.from(`${row()}\n`)]))).toEqual([
      'line 2: a byte order mark (U+FEFF, bytes EF BB BF) at the start of the line; expected one at most, at the start of the file (were files joined?)',
    ]);
    expect(await problems(Buffer.from(`\ufeff${row()}\n`, 'utf16le'))).toEqual([
      'line 1: the file starts with a UTF-16 LE byte order mark; expected UTF-8 text (convert it first, e.g. iconv -f UTF-16LE -t UTF-8)',
      expect.stringMatching(/^line 2: a NUL byte \(byte 1 of the line\)/),
    ]);
    expect(await problems(Buffer.from(`${row()}\n`, 'utf16le'))).toEqual([
      'line 1: a NUL byte (byte 2 of the line); expected UTF-8 text, which has none (UTF-16 and UTF-32 text has them; in a string write \\u0000)',
      expect.stringMatching(/^line 2: a NUL byte/),
    ]);
  });

  it('reads a CR alone as no line end and a line of U+00A0 as no blank line, naming each (issue 25)', async () => {
    expect(await problems(`${row()}\r${row()}\r`)).toEqual([
      `line 1: expected a JSON object; invalid JSON at character 71: ` +
        `expected the end of the line after the object; received '{"k":1,"mo":'; ` +
        `a carriage return (\\r) alone does not end a line: expected lines ending in \\n or \\r\\n`,
    ]);
    expect(await problems(`${row()}\n\u00a0\n\u000b\n`)).toEqual([
      "line 2: expected a JSON object; invalid JSON at character 1: expected a JSON object; received '\\u00a0'",
      "line 3: expected a JSON object; invalid JSON at character 1: expected a JSON object; received '\\u000b'",
    ]);
    expect(await problems(`{"k": 1, "mo": null, "ts": null, "current_balance": 1, "\ufeffk": 1}\n`)).toEqual([
      'line 1: unknown column "\\ufeffk"; expected one of k, mo, ts, current_balance',
    ]);
  });

  it('names a file with a newline or U+202E in its name escaped, so the message cannot be forged or reordered (issue 25)', async () => {
    const err = await stage('{"K": 1}\n', {}, SCHEMA, 'a\n  - line 9: fine\u202e.jsonl').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IngestError);
    expect((err as IngestError).file).toBe(join(dir, 'a\n  - line 9: fine\u202e.jsonl'));
    expect((err as IngestError).message.split('\n')[0]).toBe(
      `Refused ${join(dir, 'a\\u000a  - line 9: fine\\u202e.jsonl')}: nothing was appended.`,
    );
  });

  it.each([
    [
      '1e-400',
      'double',
      'expected 0 or a number of at least 5e-324 in magnitude; received 1e-400, which a DOUBLE column would store as 0',
    ],
    [
      '1e-46',
      'float',
      'expected 0 or a number of at least 1.401298464324817e-45 in magnitude; received 1e-46, which a FLOAT column would store as 0',
    ],
    [
      `1.${'0'.repeat(1000)}`,
      'double',
      `expected a number of at most 1000 characters (Spark's JSON reader refuses longer ones); ` +
        `received 1.00000000000000000000000000000000000000… (1002 characters)`,
    ],
  ])('refuses %s for a %s column, which Spark would store as 0 or fail on (issue 25)', async (value, type, message) => {
    expect(await problems(`{"v": ${value}}\n`, {}, [{ name: 'v', type }])).toEqual([
      `line 1: column "v" (${type}): ${message}`,
    ]);
  });

  it("takes 3.4028235e38, Java's own text of Float.MAX_VALUE, for a FLOAT column, and 0 written any way", async () => {
    expect((await stage('{"v": 3.4028235e38}\n{"v": -0.0e-400}\n', {}, [{ name: 'v', type: 'float' }])).text).toBe(
      '{"v":3.4028235e38}\n{"v":-0.0e-400}\n',
    );
  });

  it(`refuses a value over ${MAX_VALUE_BYTES} bytes and a line over ${MAX_LINE_BYTES} bytes with the line number`, async () => {
    const big = 'é'.repeat(MAX_VALUE_BYTES / 2 + 1);
    expect(await problems(`${row()}\n${row({ mo: big })}\n`)).toEqual([
      `line 2: column "mo" (string): expected a string of at most ${MAX_VALUE_BYTES} bytes (UTF-8); received ${MAX_VALUE_BYTES + 2} bytes`,
    ]);
    const huge = 'x'.repeat(25_000_000);
    expect(await problems(`${row()}\n${row()}\n${row({ mo: huge })}\n${row()}\n`)).toEqual([
      `line 3: longer than ${MAX_LINE_BYTES} bytes; expected lines of at most that (and values of at most ${MAX_VALUE_BYTES} bytes)`,
    ]);
    expect(await problems(`${row()}\n${row({ mo: huge })}`)).toEqual([expect.stringMatching(/^line 2: longer than/)]);
  });

  it('refuses deep nesting with the line number instead of overflowing the stack', async () => {
    const deep = `{"k": ${'['.repeat(200_000)}${']'.repeat(200_000)}, "mo": null, "ts": null, "current_balance": null}`;
    expect(await problems(`${row()}\n${deep}\n`)).toEqual([
      'line 2: column "k" (bigint): expected an integer from -9223372036854775808 to 9223372036854775807; received a JSON array',
    ]);
    expect(await problems(`${'['.repeat(200_000)}\n`)).toEqual([
      "line 1: expected a JSON object; invalid JSON at character 1: expected a JSON object; received '[[[[[[[[[[[['",
    ]);
  });

  it('names every problem up to the limit, then stops reading', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => (i % 2 ? row() : 'not json')).join('\n');
    const found = await problems(lines, { maxProblems: 3 });
    expect(found).toEqual([
      "line 1: expected a JSON object; invalid JSON at character 1: expected a JSON object; received 'not json'",
      "line 3: expected a JSON object; invalid JSON at character 1: expected a JSON object; received 'not json'",
      "line 5: expected a JSON object; invalid JSON at character 1: expected a JSON object; received 'not json'",
      'stopped reading at line 5 after 3 problems',
    ]);
  });

  it('hashes the bytes read and lists the distinct values of one column (load parts)', async () => {
    const content = `${row({ mo: '2024-02' })}\n${row({ mo: '2024-01' })}\n${row({ mo: null })}\n${row({ mo: '2024-02' })}`;
    const staged = await stage(content, { distinctOf: 'mo' });
    expect(staged.sha256).toBe(createHash('sha256').update(content).digest('hex'));
    expect(staged.distinct).toEqual(['2024-02', '2024-01', null]);
    expect(staged.rows).toBe(4);
  });
});

describe('withStagedJsonl', () => {
  it.each(['_day.jsonl', '.day.jsonl', 'a26[1].jsonl'])(
    'stages %s under a name Spark reads literally, and removes it after',
    async (name) => {
      const file = join(dir, name);
      writeFileSync(file, `${row()}\n`);
      writeFileSync(join(dir, 'a261.jsonl'), `${row({ k: 261 })}\n`);
      let seen = '';
      const result = await withStagedJsonl(file, SCHEMA, {}, async (staged) => {
        seen = staged.path;
        expect(basename(staged.path)).toBe('rows.jsonl');
        expect(staged.path).not.toMatch(/[{}[\]*?\\]|\/[._][^/]*$/);
        return readFileSync(staged.path, 'utf8');
      });
      expect(result).toBe(`${row()}\n`.replace(/"(\w+)":/g, '"$1":'));
      expect(existsSync(seen)).toBe(false);
    },
  );

  it('removes the staging directory when the file is refused', async () => {
    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, '{"K": 1}\n');
    const staging = mkdtempSync(join(dir, 'tmp-'));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = staging; // os.tmpdir() reads it on each call
    try {
      await expect(withStagedJsonl(file, SCHEMA, {}, async () => 'never')).rejects.toBeInstanceOf(IngestError);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
    expect(readdirSync(staging)).toEqual([]);
  });
});

describe('checkJsonl memory', () => {
  it('streams a 200 MB file with a bounded heap (the old check held the whole file as one string: 400 MB of heap)', async () => {
    const file = join(dir, 'big.jsonl');
    const fd = openSync(file, 'w');
    const block =
      Array.from({ length: 5000 }, (_, i) => row({ k: i, mo: `2024-${String((i % 12) + 1).padStart(2, '0')}` })).join(
        '\n',
      ) + '\n';
    let size = 0;
    while (size < 200 * 1024 * 1024) size += writeSync(fd, block);
    closeSync(fd);

    const baseline = process.memoryUsage().heapUsed;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 5);
    const staged = await checkJsonl(file, SCHEMA, join(dir, 'staged.jsonl'), { distinctOf: 'mo' });
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().heapUsed);

    expect(staged.rows).toBe((size / block.length) * 5000);
    expect(staged.distinct).toHaveLength(12);
    // Garbage the collector has not reclaimed yet counts too, so the bound is loose; what it excludes is
    // holding the file: 200 MB as bytes, twice that as a string.
    expect((peak - baseline) / 2 ** 20).toBeLessThan(150);
  }, 240_000);
});
