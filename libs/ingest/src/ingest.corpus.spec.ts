import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CORPUS_KINDS,
  CORPUS_LINE_LIMIT,
  CORPUS_NAMES,
  CORPUS_SCHEMA,
  CORPUS_VALUE_LIMIT,
  CorpusCase,
  CorpusRow,
  DECOY_MARK,
  generateHostileCorpus,
} from '@app/hostile-corpus';
import { IngestError, MAX_LINE_BYTES, MAX_VALUE_BYTES, withStagedJsonl } from './ingest';

// Issue 25: a hostile-input corpus (libs/hostile-corpus/src/hostile-corpus.ts) through the ingest's real staging
// (withStagedJsonl, what `ingest` and `load` run before Spark reads the staged copy). Each case lands
// exactly the rows it was built from, or is refused with an IngestError naming the file and the line the
// case put its fault on; never a decoy's rows. The expected outcomes come from the generator, not from
// the code under test; the staged copy is read back here with a reader of its own.

type Staged = { rows: number; text: string };

/**
 * The staged copy's lines as column → JSON value text, numbers kept as written (JSON.parse would round a
 * BIGINT). The staged form is the ingest's normal form: one flat object per line, no nesting.
 */
function readStaged(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map(
      (line) =>
        JSON.parse(
          line.replace(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g, (m) =>
            m.startsWith('"') ? m : JSON.stringify({ number: m }),
          ),
        ) as Record<string, unknown>,
    );
}

/** A JSON number's text at scale 2 exactly ("125e-2" → "1.25"), or a note that it would need rounding. */
function atScale2(text: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return `not a number: ${text}`;
  const digits = BigInt(m[2] + (m[3] ?? ''));
  const shift = Number(m[4] ?? 0) - (m[3] ?? '').length + 2; // power of ten of the last digit, in cents
  let cents: bigint;
  if (shift >= 0) cents = digits * 10n ** BigInt(shift);
  else {
    const unit = 10n ** BigInt(-shift);
    if (digits % unit !== 0n) return `${text} (would round at scale 2)`;
    cents = digits / unit;
  }
  const a = cents;
  const text2 = `${a / 100n}.${String(a % 100n).padStart(2, '0')}`;
  return m[1] === '-' && a !== 0n ? `-${text2}` : text2;
}

/** A staged value as the column's type stores it, in CorpusRow's terms. */
function stored(type: string, value: unknown): unknown {
  if (value === null) return null;
  const number = (value as { number?: string }).number;
  switch (type) {
    case 'bigint':
    case 'int':
    case 'tinyint':
      return number !== undefined && /^-?\d+$/.test(number)
        ? BigInt(number)
        : `not an integer: ${JSON.stringify(value)}`;
    case 'decimal(12,2)':
      return number !== undefined ? atScale2(number) : `not a number: ${JSON.stringify(value)}`;
    case 'double':
      return number !== undefined ? Number(number) : `not a number: ${JSON.stringify(value)}`;
    case 'float':
      return number !== undefined ? Math.fround(Number(number)) : `not a number: ${JSON.stringify(value)}`;
    default:
      return value;
  }
}

const show = (v: unknown) =>
  typeof v === 'bigint'
    ? `${v}n`
    : typeof v === 'string' && v.length > 60
      ? `${JSON.stringify(v.slice(0, 60))}… (${v.length} chars)`
      : JSON.stringify(v);
const lineOf = (problem: string) => Number(/^line (\d+): /.exec(problem)?.[1] ?? NaN);
/** How a message names a file: as given, non-printing characters written \uXXXX. */
const named = (path: string) =>
  path.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** What is wrong with a case's outcome; empty when it is as expected. */
function judge(c: CorpusCase, file: string, outcome: Staged | unknown): string[] {
  const wrong: string[] = [];
  if ('refusedAt' in c.expect) {
    const { refusedAt, mentions, laterLinesToo } = c.expect;
    if (!(outcome instanceof IngestError)) {
      return [
        outcome instanceof Error
          ? `expected refused at line ${refusedAt}; threw ${outcome.name}: ${outcome.message.slice(0, 300)}`
          : `expected refused at line ${refusedAt}; staged ${(outcome as Staged).rows} row(s)`,
      ];
    }
    const lines = outcome.problems.map(lineOf).filter((n) => !Number.isNaN(n));
    if (outcome.file !== file) wrong.push(`IngestError.file is ${JSON.stringify(outcome.file)}`);
    if (!outcome.message.includes(named(file)))
      wrong.push(`the message does not name the file: ${outcome.message.split('\n')[0]}`);
    if (lines[0] !== refusedAt)
      wrong.push(`expected line ${refusedAt} first; problems: ${JSON.stringify(outcome.problems.slice(0, 3))}`);
    else if (!outcome.problems[0].includes(mentions))
      wrong.push(
        `expected the line-${refusedAt} problem to say ${JSON.stringify(mentions)}: ${outcome.problems[0].slice(0, 300)}`,
      );
    if (lines.some((n) => n < refusedAt))
      wrong.push(`names an earlier line: ${JSON.stringify(outcome.problems.slice(0, 3))}`);
    if (!laterLinesToo && lines.some((n) => n !== refusedAt))
      wrong.push(`names other lines too: ${JSON.stringify(outcome.problems.slice(0, 3))}`);
    return wrong;
  }
  if (outcome instanceof Error)
    return [`expected ${c.expect.rows.length} row(s); threw ${outcome.name}: ${outcome.message.slice(0, 400)}`];
  const staged = outcome as Staged;
  const got = readStaged(staged.text);
  const want = c.expect.rows;
  if (staged.rows !== want.length || got.length !== want.length)
    wrong.push(`expected ${want.length} row(s); the ingest counted ${staged.rows} and staged ${got.length}`);
  const decoys = got.filter((r) => typeof r.mo === 'string' && r.mo.startsWith(DECOY_MARK));
  if (decoys.length) wrong.push(`staged ${decoys.length} row(s) of a decoy: ${String(decoys[0].mo)}`);
  for (let i = 0; i < Math.min(got.length, want.length); i++) {
    if (Object.keys(got[i]).join() !== CORPUS_SCHEMA.map((col) => col.name).join())
      wrong.push(`row ${i + 1}: staged columns ${Object.keys(got[i]).join()}`);
    for (const { name, type } of CORPUS_SCHEMA) {
      const have = stored(type, got[i][name]);
      const expected = want[i][name as keyof CorpusRow];
      // === for doubles: Spark reads "-0" and "0" alike; a NaN cannot be staged.
      if (have !== expected)
        wrong.push(`row ${i + 1} ${name}: expected ${show(expected)}, staged ${show(got[i][name])}`);
    }
  }
  return wrong;
}

describe('the hostile-input corpus (issue 25)', () => {
  const corpus = generateHostileCorpus();

  it('is deterministic, large, and covers every kind and every hostile file name', () => {
    const digest = (cases: CorpusCase[]) =>
      createHash('sha256')
        .update(
          JSON.stringify(
            cases.map((c) => [
              c.id,
              c.name,
              c.bytes.toString('base64'),
              c.decoys.map((d) => d.name),
              String(Object.keys(c.expect)),
            ]),
          ),
        )
        .digest('hex');
    expect(digest(generateHostileCorpus())).toBe(digest(corpus));
    expect(corpus.length).toBeGreaterThanOrEqual(200);
    expect(new Set(corpus.map((c) => c.id)).size).toBe(corpus.length);
    expect([...new Set(corpus.map((c) => c.kind))].sort()).toEqual([...CORPUS_KINDS].sort());
    const names = corpus.map((c) => c.name);
    for (const needle of ['[', ']', '{', '}', '*', '?', ' ', 'é', '😀'])
      expect(names.some((n) => n.includes(needle))).toBe(true);
    expect(names.some((n) => n.startsWith('_'))).toBe(true);
    expect(names.some((n) => n.startsWith('.'))).toBe(true);
    expect(new Set(names).size).toBe(CORPUS_NAMES.length);
    expect(corpus.every((c) => c.decoys.length > 0)).toBe(true);
    // Both outcomes, in quantity.
    expect(corpus.filter((c) => 'rows' in c.expect).length).toBeGreaterThan(80);
    expect(corpus.filter((c) => 'refusedAt' in c.expect).length).toBeGreaterThan(80);
    // The generator's limits are the ingest's.
    expect([CORPUS_LINE_LIMIT, CORPUS_VALUE_LIMIT]).toEqual([MAX_LINE_BYTES, MAX_VALUE_BYTES]);
  });

  it('every case lands exactly its own rows or is refused naming the file and the line, never a decoy', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ingest-corpus-'));
    const failures: string[] = [];
    try {
      for (const c of corpus) {
        const folder = join(root, c.id);
        mkdirSync(folder);
        for (const d of c.decoys) writeFileSync(join(folder, d.name), d.bytes);
        const file = join(folder, c.name);
        writeFileSync(file, c.bytes);
        let outcome: Staged | unknown;
        try {
          outcome = await withStagedJsonl(file, CORPUS_SCHEMA, { allowMissing: c.allowMissing }, async (staged) => ({
            rows: staged.rows,
            text: readFileSync(staged.path, 'utf8'),
          }));
        } catch (err) {
          outcome = err;
        }
        const wrong = judge(c, file, outcome);
        if (wrong.length)
          failures.push(`${c.id} ${JSON.stringify(c.name)} (${c.what}):\n    ${wrong.slice(0, 4).join('\n    ')}`);
        rmSync(folder, { recursive: true, force: true });
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
