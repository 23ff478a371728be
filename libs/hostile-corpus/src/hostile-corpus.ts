// A hostile-input corpus for the ingest's reader (issue 25): generated JSON-lines files in every shape a
// hostile or careless producer sends (other encodings, byte order marks, CRLF and lone CR, huge lines and
// values, duplicate keys, NaN and Infinity, nested values, numbers beyond BIGINT, empty files, a truncated
// last line, …), each under a file name a shell, a glob or Hadoop would read as another file (brackets,
// braces, *, ?, spaces, unicode, a leading _ or .), with decoy files in the same folder that such a
// reading would match.
//
// Each case carries its expected outcome, computed here from how the case was built and never by the code
// under test: either the exact rows it must land (values as the source table's column types store them)
// or "refused" with the 1-based line the refusal must name. Deterministic: the same seed gives the same
// bytes (mulberry32; no other randomness). Used by libs/ingest/src/ingest.corpus.spec.ts.

/** The source table the corpus is written for: one column of each type the ingest accepts. */
export const CORPUS_SCHEMA: { name: string; type: string }[] = [
  { name: 'k', type: 'bigint' },
  { name: 'mo', type: 'string' },
  { name: 'bal', type: 'int' },
  { name: 'tiny', type: 'tinyint' },
  { name: 'amt', type: 'decimal(12,2)' },
  { name: 'rate', type: 'double' },
  { name: 'f', type: 'float' },
  { name: 'ok', type: 'boolean' },
  { name: 'd', type: 'date' },
  { name: 'ts', type: 'timestamp' },
];

/** The ingest's documented limits (ingest.ts MAX_LINE_BYTES, MAX_VALUE_BYTES), restated here. */
export const CORPUS_LINE_LIMIT = 16 * 1024 * 1024;
export const CORPUS_VALUE_LIMIT = 1024 * 1024;

/**
 * One row as the source table stores it: integers exact, the DECIMAL(12,2) as its text at scale 2
 * ("-12.30"), DOUBLE as the nearest double, FLOAT as the nearest float (Math.fround), dates and
 * timestamps as their text, null for NULL.
 */
export interface CorpusRow {
  k: bigint;
  mo: string | null;
  bal: bigint | null;
  tiny: bigint | null;
  amt: string | null;
  rate: number | null;
  f: number | null;
  ok: boolean | null;
  d: string | null;
  ts: string | null;
}
type Col = keyof CorpusRow;
const COLS: Col[] = ['k', 'mo', 'bal', 'tiny', 'amt', 'rate', 'f', 'ok', 'd', 'ts'];

/** What the issue asks the corpus to cover, and the other hostile shapes it adds. */
export const CORPUS_KINDS = [
  'plain',
  'encoding',
  'bom',
  'crlf',
  'huge-line',
  'huge-value',
  'duplicate-key',
  'nan-infinity',
  'nested',
  'beyond-bigint',
  'numbers',
  'empty',
  'truncated-last-line',
  'strings',
  'structure',
  'columns',
  'types',
  'blank-lines',
] as const;
export type CorpusKind = (typeof CORPUS_KINDS)[number];

export type CorpusExpectation =
  /** Lands exactly these rows, in this order (0 rows for a file with none). */
  | { rows: CorpusRow[] }
  /**
   * Refused: the first problem names line `refusedAt` (1-based, lines end at \n) and says `mentions`;
   * no earlier line is named, and no later one unless `laterLinesToo` (a file in another encoding).
   */
  | { refusedAt: number; mentions: string; laterLinesToo?: boolean };

export interface CorpusCase {
  /** Unique, usable as a folder name: "c042-duplicate-key". */
  id: string;
  kind: CorpusKind;
  /** What the case is, for a failure message. */
  what: string;
  /** The file's name (a single path segment). */
  name: string;
  bytes: Buffer;
  /** Files beside it whose names the case's name matches as a glob, after shell expansion or decoding; all valid. */
  decoys: { name: string; bytes: Buffer }[];
  /** Columns a line may leave out (--allow-missing). */
  allowMissing?: string[];
  expect: CorpusExpectation;
}

/** Rows of a decoy file carry this marker in `mo`, so landing one is seen at once. */
export const DECOY_MARK = 'decoy of ';

/**
 * File names with the characters the issue lists, each with decoys its name would match if read as a
 * Hadoop glob, expanded by a shell, URL-decoded, Unicode-normalised or treated as hidden.
 */
export const CORPUS_NAMES: { name: string; decoys: string[] }[] = [
  { name: 'g[1].jsonl', decoys: ['g1.jsonl'] },
  { name: '[abc].jsonl', decoys: ['a.jsonl', 'b.jsonl'] },
  { name: '[!x]y.jsonl', decoys: ['ay.jsonl', 'zy.jsonl'] },
  { name: 'day[0-9][0-9].jsonl', decoys: ['day01.jsonl', 'day31.jsonl'] },
  { name: 'a{b,c}.jsonl', decoys: ['ab.jsonl', 'ac.jsonl'] },
  { name: '{x}.jsonl', decoys: ['x.jsonl'] },
  { name: '*.jsonl', decoys: ['x.jsonl', 'y.jsonl'] },
  { name: '**', decoys: ['x', 'y.jsonl'] },
  { name: 'da?.jsonl', decoys: ['day.jsonl'] },
  { name: '?', decoys: ['a'] },
  { name: '[', decoys: ['a'] },
  { name: '[*]{?}.jsonl', decoys: ['x.jsonl', '*?.jsonl'] },
  { name: 'a\\[1\\].jsonl', decoys: ['a[1].jsonl', 'a1.jsonl'] },
  { name: '\\*.jsonl', decoys: ['*.jsonl', 'x.jsonl'] },
  { name: 'my file.jsonl', decoys: ['my', 'file.jsonl'] },
  { name: ' lead and trail .jsonl', decoys: ['lead', 'and', 'trail', '.jsonl'] },
  { name: 'tab\there.jsonl', decoys: ['tab', 'here.jsonl', 'tab here.jsonl'] },
  { name: 'new\nline.jsonl', decoys: ['new', 'line.jsonl'] },
  { name: '_day.jsonl', decoys: ['day.jsonl'] },
  { name: '.day.jsonl', decoys: ['day.jsonl'] },
  { name: '_SUCCESS', decoys: ['part-00000.jsonl'] },
  { name: '.jsonl', decoys: ['x.jsonl'] },
  { name: '_[1]{a,b} ?.jsonl', decoys: ['_1a x.jsonl', '1a x.jsonl'] },
  { name: '.g[1].jsonl', decoys: ['.g1.jsonl', 'g1.jsonl'] },
  { name: 'café.jsonl', decoys: ['cafe\u0301.jsonl', 'cafe.jsonl'] },
  { name: 'cafe\u0301.jsonl', decoys: ['café.jsonl', 'cafe.jsonl'] },
  { name: 'ﬁle.jsonl', decoys: ['file.jsonl'] },
  { name: 'дані-日本語-😀.jsonl', decoys: ['----.jsonl'] },
  { name: 'x\u202Elnosj.exe', decoys: ['x.jsonl', 'xexe.jsonl'] },
  { name: `${'é'.repeat(120)}.jsonl`, decoys: [`${'e'.repeat(120)}.jsonl`] },
  { name: 'a%20b.jsonl', decoys: ['a b.jsonl'] },
  { name: 'a:b.jsonl', decoys: ['b.jsonl'] },
  { name: '#frag?q=1.jsonl', decoys: ['frag.jsonl', '#frag'] },
  { name: '$HOME$(id)`id`.jsonl', decoys: ['.jsonl', 'root.jsonl'] },
  { name: 'it\'s "q".jsonl', decoys: ['its q.jsonl'] },
  { name: '~x.jsonl', decoys: ['x.jsonl'] },
  { name: '-n.jsonl', decoys: ['n.jsonl'] },
];

type Rnd = () => number;

/** mulberry32: a small seeded generator, so the corpus is the same bytes for the same seed. */
function mulberry32(seed: number): Rnd {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (rnd: Rnd, n: number) => Math.floor(rnd() * n);
const pick = <T>(rnd: Rnd, items: readonly T[]): T => items[int(rnd, items.length)];
const chance = (rnd: Rnd, p: number) => rnd() < p;
function shuffled<T>(rnd: Rnd, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = int(rnd, i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

// ---- values and their JSON texts -------------------------------------------------------------------

/** Strings that look like something else, and Unicode that breaks naive readers: each lands as is. */
const HOSTILE_STRINGS = [
  '',
  ' ',
  'NaN',
  'Infinity',
  '-Infinity',
  'null',
  'true',
  '9223372036854775808',
  '1e400',
  '{"nested": {"k": 1}}',
  '[1, [2, [3]]]',
  'line\nbreak',
  'cr\rhere',
  'crlf\r\nhere',
  'tab\there',
  'nul\u0000here',
  'quote " and backslash \\',
  '\\u0041 is not A',
  'slash / and \\/',
  '😀 astral 𝄞',
  'e\u0301 combining',
  '\u202Eright-to-left override',
  '\uFEFF byte order mark inside a value',
  'separators \u2028 \u2029',
  'nbsp\u00a0and ideographic\u3000space',
  'del \u007f and c1 \u0085',
  'ǅ İ ß ﬁ',
  'дані 日本語 عربى',
  '\u0000',
  '}{',
  '","k":1,"x":"',
];

const DECIMAL_FORMS: [string, string][] = [
  ['1.50', '1.50'],
  ['1.5', '1.50'],
  ['125e-2', '1.25'],
  ['0.1230E2', '12.30'],
  ['-0.00', '0.00'],
  ['-0', '0.00'],
  ['1E+1', '10.00'],
  ['12.3000000000', '12.30'],
  ['9999999999.99', '9999999999.99'],
  ['-9999999999.99', '-9999999999.99'],
  ['0.0000000000000000000001e22', '1.00'],
  ['0.01', '0.01'],
  ['-0.01', '-0.01'],
  ['100000000000e-2', '1000000000.00'],
];

const DOUBLE_FORMS: [string, number][] = [
  ['5e-324', 5e-324],
  ['4.9406564584124654e-324', 5e-324],
  ['1.7976931348623157e308', 1.7976931348623157e308],
  ['1.7976931348623158e308', 1.7976931348623157e308],
  ['-2.2250738585072014E-308', -2.2250738585072014e-308],
  ['1e-310', 1e-310],
  ['-0.0', -0],
  ['0', 0],
  ['1E2', 100],
  ['0.1', 0.1],
  ['0.30000000000000004', 0.30000000000000004],
  ['123456789012345678901234567890', 1.2345678901234568e29],
  ['9007199254740993', 9007199254740992],
  ['1e+21', 1e21],
  [`0.${'0'.repeat(500)}1e501`, 1],
];

const FLOAT_FORMS: [string, number][] = [
  ['3.4028235e38', 3.4028234663852886e38],
  ['-3.4028234663852886e38', -3.4028234663852886e38],
  ['1.401298464324817e-45', 1.401298464324817e-45],
  ['1e-45', 1.401298464324817e-45],
  ['0.1', 0.10000000149011612],
  ['16777217', 16777216],
  ['1.1754943508222875e-38', 1.1754943508222875e-38],
];

const INTEGER_FORMS: [Col, string, bigint][] = [
  ['k', '9223372036854775807', 9223372036854775807n],
  ['k', '-9223372036854775808', -9223372036854775808n],
  ['k', '9007199254740993', 9007199254740993n],
  ['k', '-0', 0n],
  ['k', '0', 0n],
  ['bal', '2147483647', 2147483647n],
  ['bal', '-2147483648', -2147483648n],
  ['bal', '-0', 0n],
  ['tiny', '127', 127n],
  ['tiny', '-128', -128n],
];

const DATE_FORMS = ['0001-01-01', '9999-12-31', '2024-02-29', '2000-02-29', '1900-02-28'];
const TS_FORMS = ['0001-01-01 00:00:00', '9999-12-31 23:59:59', '2024-02-29 12:34:56', '1970-01-01 00:00:00'];

function daysIn(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(m) ? 30 : 31;
}
const pad = (n: number, w: number) => String(n).padStart(w, '0');

function randomDate(rnd: Rnd): string {
  const y = 1 + int(rnd, 9999);
  const m = 1 + int(rnd, 12);
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(1 + int(rnd, daysIn(y, m)), 2)}`;
}

/** Cents → the DECIMAL(12,2) text at scale 2: -1230n → "-12.30". */
function centsText(c: bigint): string {
  const neg = c < 0n;
  const a = neg ? -c : c;
  return `${neg ? '-' : ''}${a / 100n}.${pad(Number(a % 100n), 2)}`;
}

/** A JSON number text for `c` cents, in one of several equivalent forms. */
function centsJson(rnd: Rnd, c: bigint): string {
  const plain = centsText(c);
  switch (int(rnd, 5)) {
    case 0:
      return plain;
    case 1:
      return plain.replace(/\.?0+$/, '') || '0';
    case 2:
      return `${c}e-2`;
    case 3:
      return `${c * 1000n}E-5`;
    default:
      return `${plain}000`;
  }
}

/** A random double and a JSON text that is exactly it. */
function randomDouble(rnd: Rnd): [string, number] {
  const x = (rnd() - 0.5) * 10 ** (int(rnd, 41) - 20);
  const forms = [String(x), x.toExponential(), x.toPrecision(17), String(x).toUpperCase()];
  return [pick(rnd, forms), x];
}

/** A random string: hostile, random code points from every plane, or plain. */
function randomString(rnd: Rnd): string {
  const r = rnd();
  if (r < 0.4) return pick(rnd, HOSTILE_STRINGS);
  if (r < 0.7) {
    let s = '';
    for (let i = int(rnd, 12); i >= 0; i--) {
      const plane = pick(rnd, [0x20, 0x80, 0x400, 0x3040, 0x4e00, 0xe000, 0xfff0, 0x1f600, 0x10fff0]);
      let cp = plane + int(rnd, 16);
      if (cp >= 0xd800 && cp <= 0xdfff) cp = 0x41; // never a lone surrogate: not a Unicode scalar
      s += String.fromCodePoint(cp);
    }
    return s;
  }
  return `2024-${pad(1 + int(rnd, 12), 2)}`;
}

type StringStyle = 'raw' | 'ascii' | 'mixed';
const SHORT_ESCAPES: Record<number, string> = { 0x08: '\\b', 0x0c: '\\f', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t' };
const hex4 = (n: number, upper: boolean) => {
  const h = n.toString(16).padStart(4, '0');
  return upper ? h.toUpperCase() : h;
};

/** `s` as a JSON string token, written in `style`: raw UTF-8, all non-ASCII as \u escapes, or a mix. */
function jsonString(rnd: Rnd, s: string, style: StringStyle): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    const escapeIt = style === 'ascii' ? cp > 0x7e : style === 'mixed' && chance(rnd, 0.3);
    if (cp === 0x22) out += '\\"';
    else if (cp === 0x5c) out += '\\\\';
    else if (cp < 0x20)
      out += SHORT_ESCAPES[cp] && !chance(rnd, 0.3) ? SHORT_ESCAPES[cp] : `\\u${hex4(cp, chance(rnd, 0.5))}`;
    else if (cp === 0x2f && style !== 'raw' && chance(rnd, 0.5)) out += '\\/';
    else if (!escapeIt) out += ch;
    else if (cp > 0xffff) {
      const v = cp - 0x10000;
      const upper = chance(rnd, 0.5);
      out += `\\u${hex4(0xd800 + (v >> 10), upper)}\\u${hex4(0xdc00 + (v & 0x3ff), upper)}`;
    } else out += `\\u${hex4(cp, chance(rnd, 0.5))}`;
  }
  return `${out}"`;
}

/** A row to write: its stored values and the JSON text each non-string value is written as. */
interface Line {
  row: CorpusRow;
  texts: Partial<Record<Col, string>>;
  /** Keys left out of the line (NULL if allowed missing). */
  omit?: Col[];
}

function randomLine(rnd: Rnd, k: bigint): Line {
  const nul = (p = 0.12) => chance(rnd, p);
  const cents = BigInt(int(rnd, 2_000_000)) * BigInt(1 + int(rnd, 500_000)) - 500_000_000_000n;
  const [rateText, rate] = randomDouble(rnd);
  const f = Math.fround((rnd() - 0.5) * 10 ** (int(rnd, 21) - 10));
  const bal = BigInt(int(rnd, 2 ** 32) - 2 ** 31);
  const tiny = BigInt(int(rnd, 256) - 128);
  const d = randomDate(rnd);
  const row: CorpusRow = {
    k,
    mo: nul() ? null : randomString(rnd),
    bal: nul() ? null : bal,
    tiny: nul() ? null : tiny,
    amt: nul() ? null : centsText(cents),
    rate: nul() ? null : rate,
    f: nul() ? null : f,
    ok: nul() ? null : chance(rnd, 0.5),
    d: nul() ? null : d,
    ts: nul() ? null : `${randomDate(rnd)} ${pad(int(rnd, 24), 2)}:${pad(int(rnd, 60), 2)}:${pad(int(rnd, 60), 2)}`,
  };
  const texts: Partial<Record<Col, string>> = {};
  if (row.amt !== null) texts.amt = centsJson(rnd, cents);
  if (row.rate !== null) texts.rate = rateText;
  if (row.f !== null) texts.f = String(f);
  return { row, texts };
}

interface Style {
  strings: StringStyle;
  shuffle: boolean;
  /** Whitespace between tokens (JSON's four: space, tab, CR, and LF, which cannot occur in a line). */
  spaces: boolean;
}

function valueJson(rnd: Rnd, line: Line, col: Col, style: Style): string {
  const v = line.row[col];
  const text = line.texts[col];
  if (text !== undefined) return text;
  if (v === null) return 'null';
  if (typeof v === 'string') return jsonString(rnd, v, style.strings);
  return String(v);
}

/** The line's JSON text (no newline); `extra` members [key text, value text] are appended raw. */
function render(rnd: Rnd, line: Line, style: Style, extra: [string, string][] = []): string {
  const ws = () => (style.spaces ? pick(rnd, ['', '', ' ', '  ', '\t', ' \t ', '\r']) : '');
  const cols = (style.shuffle ? shuffled(rnd, COLS) : COLS).filter((c) => !line.omit?.includes(c));
  const members = cols.map(
    (c) =>
      [jsonString(rnd, c, style.strings === 'raw' ? 'raw' : 'mixed'), valueJson(rnd, line, c, style)] as [
        string,
        string,
      ],
  );
  members.push(...extra);
  return `${ws()}{${ws()}${members.map(([key, value]) => `${key}${ws()}:${ws()}${value}`).join(`${ws()},${ws()}`)}${ws()}}${ws()}`;
}

/** The line with `col` written as the JSON text `text` (its stored value left as it was). */
function withValue(line: Line, col: Col, text: string): Line {
  return { ...line, texts: { ...line.texts, [col]: text } };
}

// ---- files -------------------------------------------------------------------------------------------

type Part = string | Buffer;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

interface Layout {
  eol: '\n' | '\r\n';
  bom: boolean;
  finalEol: boolean;
  /** Blank lines (spaces, tabs, a CR) put between the lines. */
  blanks: boolean;
}

/** Joins the lines into a file; returns its bytes and each given line's 1-based line number in it. */
function assemble(rnd: Rnd, parts: Part[], layout: Layout): { bytes: Buffer; lineOf: number[] } {
  const out: Buffer[] = layout.bom ? [BOM] : [];
  const lineOf: number[] = [];
  let n = 0;
  const blank = () => {
    out.push(Buffer.from(pick(rnd, ['', ' ', '\t', '  \t ', '\r']) + layout.eol));
    n++;
  };
  if (layout.blanks && chance(rnd, 0.5)) blank();
  parts.forEach((p, i) => {
    if (layout.blanks && i > 0 && chance(rnd, 0.5)) blank();
    n++;
    lineOf.push(n);
    out.push(typeof p === 'string' ? Buffer.from(p, 'utf8') : p);
    if (i < parts.length - 1 || layout.finalEol) out.push(Buffer.from(layout.eol));
  });
  return { bytes: Buffer.concat(out), lineOf };
}

const PLAIN: Layout = { eol: '\n', bom: false, finalEol: true, blanks: false };
const COMPACT: Style = { strings: 'raw', shuffle: false, spaces: false };

function randomLayout(rnd: Rnd): Layout {
  return {
    eol: chance(rnd, 0.3) ? '\r\n' : '\n',
    bom: chance(rnd, 0.1),
    finalEol: chance(rnd, 0.8),
    blanks: chance(rnd, 0.2),
  };
}
function randomStyle(rnd: Rnd): Style {
  return {
    strings: pick(rnd, ['raw', 'ascii', 'mixed'] as const),
    shuffle: chance(rnd, 0.5),
    spaces: chance(rnd, 0.4),
  };
}

/** Valid rows for a decoy file: keys far from any case's, `mo` marked. */
function decoyBytes(rnd: Rnd, name: string, n: number): Buffer {
  const lines = Array.from({ length: 1 + (n % 3) }, (_, i) => {
    const line = randomLine(rnd, 8_000_000_000_000n + BigInt(n * 10 + i));
    line.row.mo = `${DECOY_MARK}${name}`;
    return render(rnd, line, COMPACT);
  });
  return Buffer.from(lines.join('\n') + '\n');
}

/** The UTF-16/32 form of a text, with or without its byte order mark. */
function encodeWide(text: string, form: 'utf16le' | 'utf16be' | 'utf32le' | 'utf32be', bom: boolean): Buffer {
  const cps = [...((bom ? '\uFEFF' : '') + text)].map((c) => c.codePointAt(0)!);
  if (form === 'utf16le' || form === 'utf16be') {
    const le = Buffer.from((bom ? '\uFEFF' : '') + text, 'utf16le');
    if (form === 'utf16le') return le;
    const be = Buffer.alloc(le.length);
    for (let i = 0; i < le.length; i += 2) [be[i], be[i + 1]] = [le[i + 1], le[i]];
    return be;
  }
  const out = Buffer.alloc(cps.length * 4);
  cps.forEach((cp, i) => (form === 'utf32le' ? out.writeUInt32LE(cp, i * 4) : out.writeUInt32BE(cp, i * 4)));
  return out;
}

// ---- the corpus ----------------------------------------------------------------------------------------

/**
 * The corpus for `seed`: ≥ 200 cases, every kind of CORPUS_KINDS, each under a name of CORPUS_NAMES in
 * turn with its decoys. Example: generateHostileCorpus()[0] → {id: 'c000-plain', name: 'g[1].jsonl',
 * decoys: [{name: 'g1.jsonl', …}], expect: {rows: [{k: 1000n, …}]}}.
 */
export function generateHostileCorpus(seed = 25): CorpusCase[] {
  const rnd = mulberry32(seed);
  const cases: CorpusCase[] = [];
  let nextKey = 1000n;
  const key = () => nextKey++;
  const rows = (n: number) => Array.from({ length: n }, () => randomLine(rnd, key()));

  const add = (kind: CorpusKind, what: string, bytes: Buffer, expect: CorpusExpectation, allowMissing?: string[]) => {
    const i = cases.length;
    const { name, decoys } = CORPUS_NAMES[i % CORPUS_NAMES.length];
    cases.push({
      id: `c${pad(i, 3)}-${kind}`,
      kind,
      what,
      name,
      bytes,
      decoys: decoys.map((d, j) => ({ name: d, bytes: decoyBytes(rnd, d, i * 7 + j) })),
      allowMissing,
      expect,
    });
  };

  /** Lands: the lines rendered in `style`, laid out as `layout`. */
  const landing = (
    kind: CorpusKind,
    what: string,
    lines: Line[],
    layout: Layout,
    style: Style,
    allowMissing?: string[],
  ) => {
    const { bytes } = assemble(
      rnd,
      lines.map((l) => render(rnd, l, style)),
      layout,
    );
    add(kind, what, bytes, { rows: lines.map((l) => l.row) }, allowMissing);
  };

  /**
   * Refused: `bad` (a line, or a function of a valid line) placed first, in the middle or last among
   * valid rows; the case expects its line number.
   */
  const refusing = (
    kind: CorpusKind,
    what: string,
    bad: Part | ((l: Line) => Part),
    mentions: string,
    where?: 'first' | 'middle' | 'last',
    layout?: Layout,
  ) => {
    const before = where === 'first' ? 0 : where === 'last' ? 2 : 1 + int(rnd, 2);
    const valid = rows(before + (where === 'last' ? 0 : 1 + int(rnd, 2)));
    const style = randomStyle(rnd);
    const badPart = typeof bad === 'function' ? bad(randomLine(rnd, key())) : bad;
    const parts: Part[] = valid.map((l) => render(rnd, l, style));
    parts.splice(before, 0, badPart);
    const { bytes, lineOf } = assemble(rnd, parts, layout ?? randomLayout(rnd));
    add(kind, what, bytes, { refusedAt: lineOf[before], mentions });
  };
  const positions = ['first', 'middle', 'last'] as const;

  // Plain files and every layout: LF, CRLF, a UTF-8 byte order mark, no final newline, blank lines,
  // keys in any order, spaces between tokens, strings raw or escaped.
  for (let i = 0; i < 6; i++)
    landing('plain', 'rows in one of many styles', rows(1 + int(rnd, 5)), PLAIN, randomStyle(rnd));
  for (let i = 0; i < 12; i++)
    landing('plain', 'random layout and style', rows(1 + int(rnd, 6)), randomLayout(rnd), randomStyle(rnd));
  landing('plain', '1,000 rows', rows(1000), PLAIN, COMPACT);
  for (const finalEol of [true, false]) {
    for (const blanks of [false, true]) {
      landing(
        'crlf',
        `CRLF line ends, final ${finalEol}, blank lines ${blanks}`,
        rows(3),
        { eol: '\r\n', bom: false, finalEol, blanks },
        randomStyle(rnd),
      );
      landing(
        'bom',
        `UTF-8 byte order mark, final newline ${finalEol}, blank lines ${blanks}`,
        rows(2),
        { eol: '\n', bom: true, finalEol, blanks },
        randomStyle(rnd),
      );
      landing(
        'bom',
        `UTF-8 byte order mark and CRLF, final ${finalEol}, blank lines ${blanks}`,
        rows(2),
        { eol: '\r\n', bom: true, finalEol, blanks },
        randomStyle(rnd),
      );
    }
  }
  landing(
    'crlf',
    'CR as whitespace between tokens',
    rows(3),
    { ...PLAIN, eol: '\r\n' },
    { strings: 'mixed', shuffle: true, spaces: true },
  );
  add('bom', 'a file that is only a byte order mark', BOM, { rows: [] });
  add('bom', 'a byte order mark and a newline', Buffer.concat([BOM, Buffer.from('\r\n')]), { rows: [] });
  {
    const lines = rows(2);
    const { bytes } = assemble(rnd, ['', ...lines.map((l) => render(rnd, l, COMPACT))], { ...PLAIN, bom: true });
    add('bom', 'a byte order mark, then a blank first line', bytes, { rows: lines.map((l) => l.row) });
  }

  // Empty files and files of blank lines only.
  add('empty', 'an empty file', Buffer.alloc(0), { rows: [] });
  add('empty', 'one newline', Buffer.from('\n'), { rows: [] });
  add('empty', 'one CRLF', Buffer.from('\r\n'), { rows: [] });
  add('empty', 'blank lines of spaces, tabs and CRs', Buffer.from(' \n\t\n\r\n  \t \r\n\n'), { rows: [] });
  add('empty', 'spaces without a newline', Buffer.from('   '), { rows: [] });
  for (const blank of ['\u00a0', '\u3000', '\u2028', '\u000b', '\u000c', '\u0085']) {
    refusing(
      'blank-lines',
      `a line of only U+${hex4(blank.charCodeAt(0), true)} (not JSON whitespace)`,
      blank,
      'invalid JSON',
      pick(rnd, positions),
    );
  }

  // Strings: hostile text, every escape, raw and escaped, in every column that holds a string.
  for (let i = 0; i < HOSTILE_STRINGS.length; i++) {
    const line = randomLine(rnd, key());
    line.row.mo = HOSTILE_STRINGS[i];
    landing('strings', `mo = ${JSON.stringify(HOSTILE_STRINGS[i])}`, [line], PLAIN, {
      ...randomStyle(rnd),
      strings: pick(rnd, ['raw', 'ascii', 'mixed'] as const),
    });
  }
  {
    const line = randomLine(rnd, key());
    line.row.mo = '\u0000\u0001\u001f';
    line.texts.mo = '"\\u0000\\u0001\\u001F"';
    landing('strings', 'control characters escaped, upper-case hex', [line], PLAIN, COMPACT);
    const keys = randomLine(rnd, key());
    landing('strings', 'every key written as \\u escapes', [keys], PLAIN, {
      strings: 'ascii',
      shuffle: true,
      spaces: false,
    });
    const escapedKeys = render(rnd, keys, COMPACT).replace(
      /"(k|mo|bal|tiny|amt|rate|f|ok|d|ts)":/g,
      (_, k: string) => `"${[...k].map((c) => `\\u${hex4(c.charCodeAt(0), false)}`).join('')}":`,
    );
    add('strings', 'keys written entirely as \\u escapes', assemble(rnd, [escapedKeys], PLAIN).bytes, {
      rows: [keys.row],
    });
  }
  for (const lone of ['"\\ud800"', '"\\udc00\\ud800"', '"a\\ud83d"', '"\\ude00x"']) {
    refusing(
      'strings',
      `a lone surrogate ${lone}`,
      (l) => render(rnd, withValue(l, 'mo', lone), COMPACT),
      'lone surrogate',
      pick(rnd, positions),
    );
  }
  for (const raw of ['\t', '\r', '\u0001', '\u001f', '\u0000']) {
    const mentions = raw === '\u0000' ? 'NUL byte' : 'raw control character';
    refusing(
      'strings',
      `a raw U+${hex4(raw.charCodeAt(0), true)} inside a string`,
      (l) => render(rnd, withValue(l, 'mo', `"before${raw}after"`), COMPACT),
      mentions,
      pick(rnd, positions),
    );
  }
  refusing(
    'strings',
    'a bad escape \\x41',
    (l) => render(rnd, withValue(l, 'mo', '"\\x41"'), COMPACT),
    'invalid JSON',
    'middle',
  );
  refusing(
    'strings',
    'a short \\u escape',
    (l) => render(rnd, withValue(l, 'mo', '"\\u12"'), COMPACT),
    'invalid JSON',
    'middle',
  );

  // Numbers: every exact form of each type lands as the type stores it.
  for (const [col, text, value] of INTEGER_FORMS) {
    const line = randomLine(rnd, key());
    line.row[col] = value as never;
    line.texts[col] = text;
    landing('numbers', `${col} = ${text}`, [line], randomLayout(rnd), randomStyle(rnd));
  }
  for (const [text, value] of DECIMAL_FORMS) {
    const line = withValue(randomLine(rnd, key()), 'amt', text);
    line.row.amt = value;
    landing('numbers', `amt = ${text}`, [line], randomLayout(rnd), randomStyle(rnd));
  }
  for (const [text, value] of DOUBLE_FORMS) {
    const line = withValue(randomLine(rnd, key()), 'rate', text);
    line.row.rate = value;
    landing(
      'numbers',
      `rate = ${text.length > 40 ? `${text.slice(0, 20)}…` : text}`,
      [line],
      randomLayout(rnd),
      randomStyle(rnd),
    );
  }
  for (const [text, value] of FLOAT_FORMS) {
    const line = withValue(randomLine(rnd, key()), 'f', text);
    line.row.f = value;
    landing('numbers', `f = ${text}`, [line], randomLayout(rnd), randomStyle(rnd));
  }
  for (const d of DATE_FORMS) {
    const line = randomLine(rnd, key());
    line.row.d = d;
    landing('types', `d = ${d}`, [line], PLAIN, randomStyle(rnd));
  }
  for (const ts of TS_FORMS) {
    const line = randomLine(rnd, key());
    line.row.ts = ts;
    landing('types', `ts = ${ts}`, [line], PLAIN, randomStyle(rnd));
  }

  // Numbers beyond BIGINT and the other integer types, and what would round.
  const intRange = 'expected an integer from';
  for (const text of [
    '9223372036854775808',
    '-9223372036854775809',
    '18446744073709551616',
    '99999999999999999999999',
    '1e19',
    '9.223372036854775807e18',
    '9223372036854775807.0',
    '92233720368547758070',
    `1${'0'.repeat(400)}`,
  ]) {
    refusing(
      'beyond-bigint',
      `k = ${text.length > 30 ? `${text.slice(0, 12)}… (${text.length} digits)` : text}`,
      (l) => render(rnd, withValue(l, 'k', text), randomStyle(rnd)),
      intRange,
      pick(rnd, positions),
    );
  }
  for (const [col, text] of [
    ['bal', '2147483648'],
    ['bal', '-2147483649'],
    ['bal', '1.0'],
    ['bal', '1e2'],
    ['tiny', '128'],
    ['tiny', '-129'],
    ['tiny', '1000'],
  ] as [Col, string][]) {
    refusing(
      'beyond-bigint',
      `${col} = ${text}`,
      (l) => render(rnd, withValue(l, col, text), randomStyle(rnd)),
      intRange,
      pick(rnd, positions),
    );
  }
  for (const text of ['1.005', '0.001', '12345678901', '10000000000', '-1e10', '1e-3', '9999999999.995']) {
    refusing(
      'numbers',
      `amt = ${text} (DECIMAL(12,2) would round or overflow)`,
      (l) => render(rnd, withValue(l, 'amt', text), randomStyle(rnd)),
      'no rounding',
      pick(rnd, positions),
    );
  }

  // NaN and Infinity, as bare words (not JSON) and as strings; numbers no double or float holds.
  for (const word of ['NaN', 'Infinity', '-Infinity', '+Infinity', 'nan', 'inf', '-NaN']) {
    for (const col of ['rate', 'f'] as Col[]) {
      refusing(
        'nan-infinity',
        `${col} = ${word} (bare)`,
        (l) => render(rnd, withValue(l, col, word), randomStyle(rnd)),
        'invalid JSON',
        pick(rnd, positions),
      );
    }
  }
  for (const text of ['"NaN"', '"Infinity"', '"-Infinity"', '1e400', '-1e400', '1.8e308']) {
    refusing(
      'nan-infinity',
      `rate = ${text}`,
      (l) => render(rnd, withValue(l, 'rate', text), randomStyle(rnd)),
      'expected a finite number',
      pick(rnd, positions),
    );
  }
  for (const text of ['"NaN"', '3.5e38', '-1e39', '1e400']) {
    refusing(
      'nan-infinity',
      `f = ${text}`,
      (l) => render(rnd, withValue(l, 'f', text), randomStyle(rnd)),
      'expected a finite number',
      pick(rnd, positions),
    );
  }
  for (const [col, text] of [
    ['rate', '1e-400'],
    ['rate', '-2e-324'],
    ['f', '1e-46'],
    ['f', '-1e-50'],
  ] as [Col, string][]) {
    refusing(
      'nan-infinity',
      `${col} = ${text} (a nonzero number the type stores as 0)`,
      (l) => render(rnd, withValue(l, col, text), randomStyle(rnd)),
      'would store as 0',
      pick(rnd, positions),
    );
  }
  refusing(
    'numbers',
    'rate with 1,200 digits (Spark reads numbers of at most 1,000 characters)',
    (l) => render(rnd, withValue(l, 'rate', `1.${'0'.repeat(1200)}`), COMPACT),
    'at most 1000 characters',
    'middle',
  );
  refusing(
    'numbers',
    'f with 1,001 digits',
    (l) => render(rnd, withValue(l, 'f', '1'.repeat(1001)), COMPACT),
    'at most 1000 characters',
    'last',
  );
  for (const text of ['01', '1.', '.5', '+1', '0x1F', '1e', '1e+', '-', '1_000', '1,5', '- 1', '1.2.3', '١٢']) {
    refusing(
      'numbers',
      `bal = ${text} (not a JSON number)`,
      (l) => render(rnd, withValue(l, 'bal', text), COMPACT),
      'invalid JSON',
      pick(rnd, positions),
    );
  }

  // Nested values: no source column holds one.
  const nestedValues = [
    '{}',
    '{"a": 1}',
    '[]',
    '[1, 2]',
    '{"k": {"k": [1, {"x": null}]}}',
    `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
    `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`,
  ];
  COLS.forEach((col, i) => {
    const value = nestedValues[i % nestedValues.length];
    refusing(
      'nested',
      `${col} = ${value.length > 30 ? `${value.slice(0, 10)}… (nested ${value.length} characters)` : value}`,
      (l) => render(rnd, withValue(l, col, value), randomStyle(rnd)),
      value.startsWith('[') ? 'received a JSON array' : 'received a JSON object',
      pick(rnd, positions),
    );
  });
  refusing(
    'nested',
    'an unclosed nested array',
    (l) => render(rnd, withValue(l, 'mo', '[1, [2]'), COMPACT),
    'invalid JSON',
    'middle',
  );
  refusing(
    'nested',
    'mismatched brackets',
    (l) => render(rnd, withValue(l, 'mo', '[1}'), COMPACT),
    'invalid JSON',
    'middle',
  );

  // Duplicate keys: Spark's reader keeps the last, JSON.parse too; one value would be lost.
  const dupes: [string, (l: Line) => Part][] = [
    ['k twice, same value', (l) => render(rnd, l, COMPACT, [['"k"', String(l.row.k)]])],
    ['k twice, another value', (l) => render(rnd, l, COMPACT, [['"k"', '42']])],
    ['mo twice, the second null', (l) => render(rnd, l, COMPACT, [['"mo"', 'null']])],
    ['bal twice as "\\u0062al"', (l) => render(rnd, l, COMPACT, [['"\\u0062al"', '1']])],
    [
      'ts twice, spaced',
      (l) => render(rnd, l, { strings: 'raw', shuffle: true, spaces: true }, [['"ts"', '"2024-01-01 00:00:00"']]),
    ],
    ['amt twice, equal decimals', (l) => render(rnd, withValue(l, 'amt', '1.5'), COMPACT, [['"amt"', '1.50']])],
    [
      'ok three times',
      (l) =>
        render(rnd, l, COMPACT, [
          ['"ok"', 'true'],
          ['"ok"', 'false'],
        ]),
    ],
  ];
  for (const [what, bad] of dupes) {
    for (const where of ['first', 'last'] as const)
      refusing('duplicate-key', what, bad, 'appears more than once', where);
  }

  // Columns: names are exact, every column on every line unless allowed missing.
  refusing(
    'columns',
    'an unknown column',
    (l) => render(rnd, l, COMPACT, [['"extra"', '1']]),
    'unknown column',
    'middle',
  );
  refusing(
    'columns',
    'a column in upper case',
    (l) => render(rnd, l, COMPACT).replace('"bal":', '"BAL":'),
    'did you mean',
    'middle',
  );
  refusing(
    'columns',
    'a key with a trailing space',
    (l) => render(rnd, l, COMPACT).replace('"ts":', '"ts ":'),
    'unknown column',
    'first',
  );
  refusing('columns', 'an empty key', (l) => render(rnd, l, COMPACT, [['""', '1']]), 'unknown column', 'last');
  refusing(
    'columns',
    'a key with a byte order mark inside (raw)',
    (l) => render(rnd, l, COMPACT).replace('"mo":', '"\uFEFFmo":'),
    'unknown column "\\ufeffmo"',
    'middle',
  );
  refusing(
    'columns',
    'a key with a byte order mark inside (escaped)',
    (l) => render(rnd, l, COMPACT).replace('"mo":', '"\\ufeffmo":'),
    'unknown column "\\ufeffmo"',
    'first',
  );
  refusing(
    'columns',
    'a key with a zero-width space',
    (l) => render(rnd, l, COMPACT).replace('"d":', '"d\u200b":'),
    'unknown column "d\\u200b"',
    'last',
  );
  refusing(
    'columns',
    'a key k in full width',
    (l) => render(rnd, l, COMPACT).replace('"k":', '"ｋ":'),
    'unknown column',
    'middle',
  );
  refusing(
    'columns',
    'a missing column',
    (l) => render(rnd, { ...l, omit: ['rate'] }, COMPACT),
    'missing column "rate"',
    'middle',
  );
  refusing('columns', 'an empty object', '{}', 'missing columns', 'first');
  {
    const lines = rows(3).map((l, i) =>
      i === 1 ? { ...l, omit: ['rate', 'f'] as Col[], row: { ...l.row, rate: null, f: null } } : l,
    );
    landing('columns', 'rate and f allowed missing, left out of one line', lines, PLAIN, COMPACT, ['rate', 'f']);
  }

  // Wrong types.
  const wrongTypes: [Col, string, string][] = [
    ['k', '"123"', intRange],
    ['k', 'true', intRange],
    ['mo', '7', 'expected a string'],
    ['mo', 'false', 'expected a string'],
    ['ok', '"true"', 'expected true or false'],
    ['ok', '1', 'expected true or false'],
    ['ok', 'TRUE', 'invalid JSON'],
    ['ok', 'True', 'invalid JSON'],
    ['d', '20240101', 'expected a date'],
    ['d', '"2023-02-29"', 'expected a date'],
    ['d', '"2024-13-01"', 'expected a date'],
    ['d', '"0000-01-01"', 'expected a date'],
    ['d', '"2024-1-1"', 'expected a date'],
    ['d', '"２０２４-01-01"', 'expected a date'],
    ['d', '"2024-01-01 "', 'expected a date'],
    ['ts', '"2024-01-01T00:00:00"', 'expected a timestamp'],
    ['ts', '"2024-01-01 24:00:00"', 'expected a timestamp'],
    ['ts', '"2024-01-01 10:00:00.5"', 'expected a timestamp'],
    ['ts', '"2024-01-01"', 'expected a timestamp'],
    ['amt', '"1.50"', 'no rounding'],
    ['rate', 'true', 'expected a finite number'],
  ];
  for (const [col, text, mentions] of wrongTypes) {
    refusing(
      'types',
      `${col} = ${text}`,
      (l) => render(rnd, withValue(l, col, text), randomStyle(rnd)),
      mentions,
      pick(rnd, positions),
    );
  }

  // Structure: one JSON object per line.
  const structures: [string, (l: Line) => string][] = [
    ['an array line', (l) => `[${render(rnd, l, COMPACT)}]`],
    ['a string line', () => '"{}"'],
    ['a number line', () => '42'],
    ['null', () => 'null'],
    ['two objects on one line', (l) => `${render(rnd, l, COMPACT)} ${render(rnd, l, COMPACT)}`],
    ['a trailing comma', (l) => render(rnd, l, COMPACT).replace(/}$/, ',}')],
    ['a missing comma', (l) => render(rnd, l, COMPACT).replace(',"mo"', ' "mo"')],
    ['a comment after the object', (l) => `${render(rnd, l, COMPACT)} // note`],
    ['single quotes', (l) => render(rnd, l, COMPACT).replace(/"k"/, "'k'")],
    ['an unquoted key', (l) => render(rnd, l, COMPACT).replace('"k":', 'k:')],
    ['an extra closing brace', (l) => `${render(rnd, l, COMPACT)}}`],
    ['a JSON-seq record separator', (l) => `\u001e${render(rnd, l, COMPACT)}`],
    ['text before the object', (l) => `data: ${render(rnd, l, COMPACT)}`],
  ];
  for (const [what, bad] of structures) refusing('structure', what, bad, 'invalid JSON', pick(rnd, positions));

  // Encodings: UTF-8 only. Invalid sequences in a value and in a key, Latin-1, UTF-16 and UTF-32.
  const invalid: [string, number[]][] = [
    ['a lone continuation byte', [0x80]],
    ['an overlong "/"', [0xc0, 0xaf]],
    ['an encoded surrogate (CESU-8)', [0xed, 0xa0, 0x80]],
    ['beyond U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['a 0xFF byte', [0xff]],
    ['a truncated 3-byte sequence', [0xe2, 0x82]],
    ['Latin-1 é', [0xe9]],
    ['a 5-byte form', [0xf8, 0x88, 0x80, 0x80, 0x80]],
  ];
  for (const [what, seq] of invalid) {
    for (const inKey of [false, true]) {
      refusing(
        'encoding',
        `${what} in ${inKey ? 'a key' : 'a value'}`,
        (l) => {
          const text = inKey
            ? render(rnd, l, COMPACT).replace('"bal":', '"b@@@l":')
            : render(rnd, withValue(l, 'mo', '"caf@@@"'), COMPACT);
          const [a, b, ...rest] = text.split('@@@');
          if (b === undefined || rest.length) throw new Error(`hostile-corpus: no single marker in ${text}`);
          return Buffer.concat([Buffer.from(a), Buffer.from(seq), Buffer.from(b)]);
        },
        'not valid UTF-8',
        pick(rnd, positions),
      );
    }
  }
  {
    const lines = rows(3);
    const text = lines.map((l) => render(rnd, l, { ...COMPACT, strings: 'raw' })).join('\n') + '\n';
    add('encoding', 'UTF-16 LE with its byte order mark', encodeWide(text, 'utf16le', true), {
      refusedAt: 1,
      mentions: 'UTF-16',
      laterLinesToo: true,
    });
    add('encoding', 'UTF-16 BE with its byte order mark', encodeWide(text, 'utf16be', true), {
      refusedAt: 1,
      mentions: 'UTF-16',
      laterLinesToo: true,
    });
    add('encoding', 'UTF-32 LE with its byte order mark', encodeWide(text, 'utf32le', true), {
      refusedAt: 1,
      mentions: 'UTF-32',
      laterLinesToo: true,
    });
    add('encoding', 'UTF-32 BE with its byte order mark', encodeWide(text, 'utf32be', true), {
      refusedAt: 1,
      mentions: 'UTF-32',
      laterLinesToo: true,
    });
    add('encoding', 'UTF-16 LE without a byte order mark', encodeWide(text, 'utf16le', false), {
      refusedAt: 1,
      mentions: 'NUL byte',
      laterLinesToo: true,
    });
    add('encoding', 'UTF-16 BE without a byte order mark', encodeWide(text, 'utf16be', false), {
      refusedAt: 1,
      mentions: 'NUL byte',
      laterLinesToo: true,
    });
    add('encoding', 'UTF-32 LE without a byte order mark', encodeWide(text, 'utf32le', false), {
      refusedAt: 1,
      mentions: 'NUL byte',
      laterLinesToo: true,
    });
  }
  refusing(
    'encoding',
    'a raw NUL byte between tokens',
    (l) => render(rnd, l, COMPACT).replace(',"mo"', ',\u0000"mo"'),
    'NUL byte',
    'middle',
  );

  // Byte order marks anywhere but at the start of the file.
  refusing(
    'bom',
    'a byte order mark at the start of a later line (files joined)',
    (l) => Buffer.concat([BOM, Buffer.from(render(rnd, l, COMPACT))]),
    'byte order mark',
    'middle',
  );
  refusing(
    'bom',
    'a byte order mark at the start of the last line',
    (l) => Buffer.concat([BOM, Buffer.from(render(rnd, l, COMPACT))]),
    'byte order mark',
    'last',
  );
  refusing(
    'bom',
    'a byte order mark between tokens',
    (l) => render(rnd, l, COMPACT).replace(',"mo"', ',\uFEFF"mo"'),
    'invalid JSON',
    'middle',
  );
  refusing('bom', 'a byte order mark alone on a line', BOM, 'byte order mark', 'middle');
  {
    const lines = rows(2).map((l) => render(rnd, l, COMPACT));
    add(
      'bom',
      'two byte order marks at the start of the file',
      Buffer.concat([BOM, BOM, Buffer.from(lines.join('\n') + '\n')]),
      { refusedAt: 1, mentions: 'byte order mark' },
    );
  }

  // CR: CRLF lands (above); CR alone does not end a line, so such a file is one long line.
  for (let i = 0; i < 3; i++) {
    const lines = rows(2 + i).map((l) => render(rnd, l, randomStyle(rnd)));
    add('crlf', `${lines.length} rows separated by CR alone`, Buffer.from(lines.join('\r') + (i === 1 ? '\r' : '')), {
      refusedAt: 1,
      mentions: 'carriage return',
    });
  }
  {
    const lines = rows(4).map((l) => render(rnd, l, COMPACT));
    add(
      'crlf',
      'LF, then a CR alone between two rows',
      Buffer.from(`${lines[0]}\n${lines[1]}\r${lines[2]}\n${lines[3]}\n`),
      { refusedAt: 2, mentions: 'carriage return' },
    );
  }
  {
    const ls = rows(3);
    const [a, b, c] = ls.map((l) => render(rnd, l, COMPACT));
    add(
      'crlf',
      'CRLF, then CR CR LF (a CR before the newline is whitespace)',
      Buffer.from(`${a}\r\n${b}\r\r\n${c}\r\n`),
      { rows: ls.map((l) => l.row) },
    );
  }

  // Huge values and lines: at the limits they land, one byte over they are refused.
  {
    const atLimit = randomLine(rnd, key());
    atLimit.row.mo = 'é'.repeat(CORPUS_VALUE_LIMIT / 2);
    landing('huge-value', `a value of exactly ${CORPUS_VALUE_LIMIT} bytes`, [atLimit], PLAIN, COMPACT);
    const escaped = randomLine(rnd, key());
    escaped.row.mo = '€😀'.repeat(50_000);
    landing('huge-value', 'a value of 350 kB written as \\u escapes (a line of 0.9 MB)', [escaped], PLAIN, {
      ...COMPACT,
      strings: 'ascii',
    });
    refusing(
      'huge-value',
      `a value of ${CORPUS_VALUE_LIMIT + 1} bytes`,
      (l) => render(rnd, withValue(l, 'mo', JSON.stringify(`${'é'.repeat(CORPUS_VALUE_LIMIT / 2)}x`)), COMPACT),
      'bytes (UTF-8)',
      'middle',
    );
    refusing(
      'huge-value',
      `a value of ${CORPUS_VALUE_LIMIT + 1} bytes, its last characters escaped`,
      (l) => render(rnd, withValue(l, 'mo', `"${'é'.repeat(CORPUS_VALUE_LIMIT / 2 - 1)}\\u00e9\\u0041"`), COMPACT),
      'bytes (UTF-8)',
      'first',
    );

    const line = randomLine(rnd, key());
    const text = render(rnd, line, COMPACT);
    const padded = (size: number) => `{${' '.repeat(size - Buffer.byteLength(text))}${text.slice(1)}`;
    add(
      'huge-line',
      `a line of exactly ${CORPUS_LINE_LIMIT} bytes (spaces inside the object)`,
      Buffer.from(`${padded(CORPUS_LINE_LIMIT)}\n`),
      { rows: [line.row] },
    );
    const over = padded(CORPUS_LINE_LIMIT + 1);
    const others = rows(2).map((l) => render(rnd, l, COMPACT));
    add(
      'huge-line',
      `a line of ${CORPUS_LINE_LIMIT + 1} bytes between two rows`,
      Buffer.from(`${others[0]}\n${over}\n${others[1]}\n`),
      { refusedAt: 2, mentions: 'longer than' },
    );
    add(
      'huge-line',
      'an over-long last line without a newline',
      Buffer.from(`${others[0]}\r\n${others[1]}\r\n${over}`),
      { refusedAt: 3, mentions: 'longer than' },
    );
    landing('huge-line', 'a line of 1 MiB of spaces between tokens', [randomLine(rnd, key())], PLAIN, COMPACT);
    const spaced = cases[cases.length - 1];
    const spacedText = spaced.bytes.toString('utf8');
    spaced.bytes = Buffer.from(spacedText.replace(',', `${' \t'.repeat(1 << 19)},`));
  }

  // A truncated last line: the file ends inside its last row (a write cut short, a partial upload).
  const cutsOf = (text: string): number[] => {
    const bytes = Buffer.from(text);
    // From just after the opening brace (a cut in the spaces before it leaves a blank line, which no
    // reader can tell from a whole file) to just before the closing one (any shorter prefix is no object).
    const start = bytes.indexOf(0x7b) + 1;
    const end = bytes.lastIndexOf(0x7d);
    const at = new Set<number>([start, end, end - 1, text.indexOf(':') + 1]);
    if (text.includes('é')) at.add(Buffer.byteLength(text.slice(0, text.indexOf('é'))) + 1); // inside the character
    while (at.size < 9) at.add(start + int(rnd, end - start));
    return [...at].filter((n) => n >= start && n <= end).sort((a, b) => a - b);
  };
  for (let i = 0; i < 3; i++) {
    const lines = rows(2 + i);
    const last = randomLine(rnd, key());
    last.row.mo = 'é 😀 \\u escapes "quoted"';
    const style: Style = { strings: i === 1 ? 'ascii' : 'raw', shuffle: false, spaces: i === 2 };
    const lastText = render(rnd, last, style);
    for (const cut of cutsOf(lastText)) {
      const full = Buffer.from(lastText);
      const kept = full.subarray(0, cut);
      const midChar = (full[cut] & 0xc0) === 0x80; // the first byte dropped continues a character
      const { bytes, lineOf } = assemble(rnd, [...lines.map((l) => render(rnd, l, style)), kept], {
        eol: i === 0 ? '\r\n' : '\n',
        bom: i === 2,
        finalEol: false,
        blanks: i === 1,
      });
      add(
        'truncated-last-line',
        `the last row cut after ${cut} of ${full.length} bytes${midChar ? ' (inside a character)' : ''}`,
        bytes,
        { refusedAt: lineOf[lineOf.length - 1], mentions: midChar ? 'not valid UTF-8' : 'invalid JSON' },
      );
    }
  }
  return cases;
}
