import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonLineError, JsonMember, scanObjectLine, visible } from './json-line';
import { ColumnType, stagerFor } from './ingest-types';

export { ColumnType } from './ingest-types';

/** A blank line: JSON's whitespace only (a line holds no \n). Not \s, which also takes U+FEFF, U+00A0, U+2028, \v, \f…: Spark's reader fails on those. */
const BLANK = /^[ \t\r]*$/;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
/** Byte order marks of the encodings a file must not be in, longest first (UTF-32 LE starts like UTF-16 LE). */
const WIDE_BOMS: [string, Buffer][] = [
  ['UTF-32 LE', Buffer.from([0xff, 0xfe, 0x00, 0x00])],
  ['UTF-32 BE', Buffer.from([0x00, 0x00, 0xfe, 0xff])],
  ['UTF-16 LE', Buffer.from([0xff, 0xfe])],
  ['UTF-16 BE', Buffer.from([0xfe, 0xff])],
];
/** Staged lines are written in blocks of about this many characters (one write call per line is slow). */
const WRITE_BLOCK = 1 << 18;

/** The longest line read (bytes, newline excluded); a longer line is refused, so memory stays bounded. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;
/** The longest string value (UTF-8 bytes). Far below Spark's JSON reader limit (Jackson: 20M characters). */
export const MAX_VALUE_BYTES = 1024 * 1024;

/** A JSON-lines file that does not fit the source table; nothing of it was appended. Not retriable. */
export class IngestError extends Error {
  readonly retriable = false;
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    // The name as typed, but a newline, a tab or U+202E in it escaped: it cannot break or reorder the message.
    super(`Refused ${visible(file)}: nothing was appended.\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = this.constructor.name;
  }
}

export interface IngestOptions {
  /**
   * Source columns a line may leave out (stored NULL): `--allow-missing` and the config's
   * `ingest_optional_columns`. Every other column must be a key of every line.
   */
  allowMissing?: string[];
  /** Stop after this many problems (default 20). */
  maxProblems?: number;
}

export interface StagedFile {
  /** The normalised copy Spark reads (runner append.py): a literal path, never hidden or a glob. */
  path: string;
  /** Rows checked and staged (blank lines are not rows). */
  rows: number;
  /** sha256 of the input file's bytes. */
  sha256: string;
  /** Distinct values of the `distinctOf` column, as text (null for NULL); empty without one. */
  distinct: (string | null)[];
}

/**
 * Snapshot summary property an ingest sets to the max raw base_ts of the rows it appended, so the ingest
 * watcher learns a batch's watermark from table metadata alone (no Spark).
 */
export { WATERMARK_PROPERTY } from '@app/lifecycle';

/**
 * The ingest's one reader of a JSON-lines file (issue 10: the check and Spark's reader disagreed).
 * Streams `file` line by line in bounded memory and checks each line by one rule: a UTF-8 JSON object
 * whose keys are source column names spelled exactly (case included), each at most once, every column
 * present unless allowed missing, each value of its column's type (ingest-types.ts). Lines end at \n
 * (a CR alone does not end one); a blank line (spaces, tabs, CR) is not a row. A UTF-8 byte order mark is
 * skipped at the start of the file only (RFC 8259 §8.1): one elsewhere, UTF-16 or UTF-32 (their byte
 * order marks, or NUL bytes) is refused (issue 25's hostile-input corpus, ingest.corpus.spec.ts).
 * Writes each valid line to `out` in a normal form that Spark reads with the schema and nothing to
 * interpret: every column under its exact name in schema order, numbers as written (exact BIGINT),
 * absent columns null.
 * Throws IngestError naming each problem's line (the first `maxProblems`); `out` is then incomplete.
 * Example: schema [k BIGINT, mo STRING], line '{"mo": "2024-01", "k": 9223372036854775807}' →
 *   out '{"k":9223372036854775807,"mo":"2024-01"}'; line '{"K": 1, "mo": null}' → problem
 *   'line 2: unknown column "K"; column names are exact: did you mean "k"?'.
 */
export async function checkJsonl(
  file: string,
  schema: ColumnType[],
  out: string,
  options: IngestOptions & { distinctOf?: string | null } = {},
): Promise<StagedFile> {
  const maxProblems = options.maxProblems ?? 20;
  const byName = new Map(schema.map((c, i) => [c.name, i]));
  const allowed = new Set(options.allowMissing ?? []);
  const unknownAllowed = [...allowed].filter((c) => !byName.has(c));
  if (unknownAllowed.length) {
    const names = unknownAllowed.map((c) => `"${c}"`).join(', ');
    const are = unknownAllowed.length > 1 ? 'are not source columns' : 'is not a source column';
    throw new IngestError(file, [
      `--allow-missing / ingest_optional_columns: ${names} ${are}; ` +
        `expected some of ${schema.map((c) => c.name).join(', ')} (names are exact)`,
    ]);
  }
  const distinctAt = options.distinctOf ? byName.get(options.distinctOf) : undefined;
  const distinct = new Set<string | null>();
  const names = schema.map((c) => JSON.stringify(c.name));
  const stagers = schema.map((c) => stagerFor(c.type, MAX_VALUE_BYTES));
  const problems: string[] = [];
  const sink = createWriteStream(out, { flags: 'wx' });
  // Listens for a write error (ENOSPC …) from the start; awaited once the sink is ended.
  const written = finished(sink);
  written.catch(() => undefined);
  const hash = createHash('sha256');
  let rows = 0;

  /** One line → its staged text, its problems, or null for a blank line. */
  const checkLine = (n: number, line: Buffer | null): { staged: string } | { problems: string[] } | null => {
    if (line === null)
      return {
        problems: [
          `longer than ${MAX_LINE_BYTES} bytes; expected lines of at most that (and values of at most ${MAX_VALUE_BYTES} bytes)`,
        ],
      };
    let bytes = line;
    if (n === 1) {
      const wide = WIDE_BOMS.find(([, bom]) => bytes.subarray(0, bom.length).equals(bom));
      if (wide)
        return {
          problems: [
            `the file starts with a ${wide[0]} byte order mark; expected UTF-8 text (convert it first, e.g. iconv -f ${wide[0].replace(' ', '')} -t UTF-8)`,
          ],
        };
      if (bytes.subarray(0, 3).equals(UTF8_BOM)) bytes = bytes.subarray(3);
    }
    // Byte positions in messages count from the start of the line as in the file, a skipped mark included.
    const skipped = line.length - bytes.length;
    if (bytes.subarray(0, 3).equals(UTF8_BOM)) {
      return {
        problems: [
          `a byte order mark (U+FEFF, bytes EF BB BF) at the start of the line; expected one at most, at the start of the file (were files joined?)`,
        ],
      };
    }
    const nul = bytes.indexOf(0);
    if (nul !== -1)
      return {
        problems: [
          `a NUL byte (byte ${skipped + nul + 1} of the line); ` +
            `expected UTF-8 text, which has none (UTF-16 and UTF-32 text has them; in a string write \\u0000)`,
        ],
      };
    if (!isUtf8(bytes))
      return {
        problems: [`not valid UTF-8 (byte ${skipped + firstInvalidUtf8(bytes) + 1} of the line); expected UTF-8 text`],
      };
    const text = bytes.toString('utf8');
    if (BLANK.test(text)) return null;
    let members: JsonMember[];
    try {
      members = scanObjectLine(text);
    } catch (err) {
      if (!(err instanceof JsonLineError)) throw err;
      // '{…}\r{…}': a CR alone was meant to end the line (classic Mac line ends, or one stray CR).
      const cr = /\r[ \t\r]*$/.test(text.slice(0, err.position - 1))
        ? '; a carriage return (\\r) alone does not end a line: expected lines ending in \\n or \\r\\n'
        : '';
      return { problems: [`expected a JSON object; ${err.message}${cr}`] };
    }
    const values: (string | undefined)[] = new Array(schema.length);
    const found: string[] = [];
    for (const { key, value } of members) {
      const at = byName.get(key);
      if (at === undefined) {
        found.push(`unknown column ${visible(JSON.stringify(key))}; ${suggest(key, schema)}`);
      } else if (values[at] !== undefined) {
        found.push(`column "${key}" appears more than once; expected each column at most once`);
      } else {
        const staged = stagers[at](value);
        if ('problem' in staged) found.push(`column "${key}" (${schema[at].type}): ${staged.problem}`);
        values[at] = 'json' in staged ? staged.json : 'null';
      }
    }
    const missing = schema.filter((c, i) => values[i] === undefined && !allowed.has(c.name)).map((c) => `"${c.name}"`);
    if (missing.length) {
      found.push(
        `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; ` +
          `expected every source column on every line (null for no value) unless allowed missing ` +
          `(--allow-missing, config ingest_optional_columns)`,
      );
    }
    if (found.length) return { problems: found };
    if (distinctAt !== undefined) distinct.add(textOf(values[distinctAt]));
    return { staged: `{${names.map((name, i) => `${name}:${values[i] ?? 'null'}`).join(',')}}\n` };
  };

  let block: string[] = [];
  let blockSize = 0;
  const flush = async () => {
    const ready = sink.write(block.join(''));
    block = [];
    blockSize = 0;
    if (!ready) await once(sink, 'drain');
  };

  try {
    let n = 0;
    for await (const bytes of lines(file, hash)) {
      n++;
      const checked = checkLine(n, bytes);
      if (checked === null) continue;
      if ('problems' in checked) {
        problems.push(...checked.problems.map((p) => `line ${n}: ${p}`));
        if (problems.length >= maxProblems) {
          problems.splice(maxProblems);
          problems.push(`stopped reading at line ${n} after ${maxProblems} problems`);
          break;
        }
      } else {
        rows++;
        // Once a line is refused nothing will be appended: keep checking, stop writing.
        if (problems.length) continue;
        block.push(checked.staged);
        blockSize += checked.staged.length;
        if (blockSize >= WRITE_BLOCK) await flush();
      }
    }
    if (!problems.length) await flush();
  } finally {
    sink.end();
    await written;
  }
  if (problems.length) throw new IngestError(file, problems);
  return { path: out, rows, sha256: hash.digest('hex'), distinct: [...distinct] };
}

/**
 * Checks and stages `file` (checkJsonl) in a fresh directory under the OS temp dir ($TMPDIR: it needs
 * room for a copy of the file), runs `work` on the staged file, and removes it whatever happens.
 */
export async function withStagedJsonl<T>(
  file: string,
  schema: ColumnType[],
  options: IngestOptions & { distinctOf?: string | null },
  work: (staged: StagedFile) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'summary-ingest-'));
  try {
    if (/[{}[\]*?\\]/.test(dir)) {
      throw new Error(
        `staging directory ${dir} contains a glob character ({}[]*?\\), which Spark would expand; set TMPDIR to a directory without them`,
      );
    }
    return await work(await checkJsonl(file, schema, join(dir, 'rows.jsonl'), options));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The lines of a file as bytes without the newline, streamed; null for a line longer than
 * MAX_LINE_BYTES (its bytes are dropped as they arrive). Every byte read also goes to `hash`.
 */
async function* lines(file: string, hash: ReturnType<typeof createHash>): AsyncGenerator<Buffer | null> {
  let parts: Buffer[] = [];
  let size = 0;
  let tooLong = false;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl === -1 ? chunk.length : nl;
      if (!tooLong && size + end - start > MAX_LINE_BYTES) {
        tooLong = true;
        parts = [];
      } else if (!tooLong && end > start) {
        // A copy: a view would keep the whole 1 MiB chunk alive for a short tail.
        parts.push(nl === -1 ? Buffer.from(chunk.subarray(start, end)) : chunk.subarray(start, end));
      }
      size += end - start;
      if (nl === -1) break;
      yield tooLong ? null : parts.length === 1 ? parts[0] : Buffer.concat(parts);
      parts = [];
      size = 0;
      tooLong = false;
      start = nl + 1;
    }
  }
  if (size > 0) yield tooLong ? null : Buffer.concat(parts);
}

/** 0-based offset of the first byte that breaks UTF-8: where decoding (bad bytes → U+FFFD) and re-encoding first differs. */
function firstInvalidUtf8(bytes: Buffer): number {
  const again = Buffer.from(bytes.toString('utf8'), 'utf8');
  let i = 0;
  while (i < bytes.length && bytes[i] === again[i]) i++;
  return i;
}

function suggest(key: string, schema: ColumnType[]): string {
  const same = schema.find((c) => c.name.toLowerCase() === key.toLowerCase());
  if (same) return `column names are exact: did you mean "${same.name}"?`;
  return `expected one of ${schema.map((c) => c.name).join(', ')}`;
}

/** A staged JSON value's text → the value as text: '"2024-01"' → '2024-01', '12' → '12', 'null' → null. */
function textOf(json: string | undefined): string | null {
  if (json === undefined || json === 'null') return null;
  return json.startsWith('"') ? (JSON.parse(json) as string) : json;
}
