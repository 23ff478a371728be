/**
 * A scanner for one line of a JSON-lines file: the top-level object's members with each value as written.
 *
 * JSON.parse cannot serve the ingest: it turns 9223372036854775807 into 9223372036854775808 (a double),
 * keeps the last of two equal keys, and recurses into nesting. This scanner keeps a number's source text
 * (so BIGINT up to 2^63 − 1 round-trips exactly), reports every member (duplicates included), and skips
 * a nested object or array with a depth counter instead of recursion, so no nesting depth can overflow
 * the stack. The grammar is RFC 8259's.
 */

export type JsonValue =
  | { kind: 'null' }
  | { kind: 'boolean'; value: boolean }
  /** `text` exactly as written, e.g. "-12", "100.0", "1e3". */
  | { kind: 'number'; text: string }
  | { kind: 'string'; value: string }
  /** A nested value: no source column type holds one, so its content is not kept. */
  | { kind: 'object' }
  | { kind: 'array' };

export interface JsonMember {
  key: string;
  value: JsonValue;
}

/** The line is not one JSON object; `position` is the 1-based character where reading stopped. */
export class JsonLineError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = this.constructor.name;
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

const KEYWORDS: [string, JsonValue][] = [
  ['null', { kind: 'null' }],
  ['true', { kind: 'boolean', value: true }],
  ['false', { kind: 'boolean', value: false }],
];

/**
 * Characters a message shows as escapes, since printed raw they are invisible, look like a space, or
 * move the text around them: control and format characters (U+FEFF, zero-width spaces, U+202E), line and
 * paragraph separators, spaces other than U+0020, and lone surrogates.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/gu;

/**
 * `text` with each invisible or text-moving character written as an escape, for messages.
 * Example: visible('\ufeffmo') → '\\ufeffmo'; visible('a\tb') → 'a\\u0009b'; visible('été') → 'été'.
 */
export function visible(text: string): string {
  return text.replace(INVISIBLE, (c) => {
    const cp = c.codePointAt(0)!;
    return cp > 0xffff ? `\\u{${cp.toString(16)}}` : `\\u${cp.toString(16).padStart(4, '0')}`;
  });
}

/** True for the four characters JSON allows between tokens. */
const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/**
 * The members of the JSON object that is the whole of `line`, in order.
 * Example: '{"k": 9223372036854775807, "s": "a\\u00e9", "n": null}' →
 *   [{key: 'k', value: {kind: 'number', text: '9223372036854775807'}}, {key: 's', value: {kind: 'string', value: 'aé'}},
 *    {key: 'n', value: {kind: 'null'}}].
 * Throws JsonLineError for anything else, e.g. '[1]' → "expected a JSON object ('{'); received '['".
 */
export function scanObjectLine(line: string): JsonMember[] {
  const scanner = new Scanner(line);
  scanner.skipSpace();
  scanner.expect('{', 'a JSON object');
  const members: JsonMember[] = [];
  scanner.skipSpace();
  if (!scanner.take('}')) {
    for (;;) {
      scanner.skipSpace();
      if (scanner.peek() !== '"') scanner.fail('a member name in double quotes');
      const key = scanner.string();
      scanner.skipSpace();
      scanner.expect(':', "':' after the member name");
      scanner.skipSpace();
      members.push({ key, value: scanner.value() });
      scanner.skipSpace();
      if (scanner.take('}')) break;
      scanner.expect(',', "',' or '}'");
    }
  }
  scanner.skipSpace();
  if (!scanner.atEnd()) scanner.fail('the end of the line after the object');
  return members;
}

class Scanner {
  private i = 0;

  constructor(private readonly s: string) {}

  atEnd(): boolean {
    return this.i >= this.s.length;
  }

  peek(): string {
    return this.s[this.i] ?? '';
  }

  take(c: string): boolean {
    if (this.s[this.i] !== c) return false;
    this.i++;
    return true;
  }

  expect(c: string, what: string): void {
    if (!this.take(c)) this.fail(what);
  }

  skipSpace(): void {
    while (this.i < this.s.length && isSpace(this.s.charCodeAt(this.i))) this.i++;
  }

  fail(expected: string): never {
    // Control and invisible characters shown escaped (a raw tab or a U+FEFF is what was refused).
    const shown = visible(this.s.slice(this.i, this.i + 12));
    const received = this.atEnd() ? 'the end of the line' : `'${shown}'`;
    throw new JsonLineError(
      `invalid JSON at character ${this.i + 1}: expected ${expected}; received ${received}`,
      this.i + 1,
    );
  }

  value(): JsonValue {
    const c = this.peek();
    if (c === '"') return { kind: 'string', value: this.string() };
    if (c === '{' || c === '[') {
      this.skipNested();
      return { kind: c === '{' ? 'object' : 'array' };
    }
    for (const [word, value] of KEYWORDS) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return value;
      }
    }
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.s);
    if (!m) this.fail('a JSON value (string, number, true, false, null, object or array)');
    this.i += m[0].length;
    return { kind: 'number', text: m[0] };
  }

  /** A string token starting at the opening quote; returns its decoded value. */
  string(): string {
    this.i++; // the opening quote
    const parts: string[] = [];
    for (;;) {
      let j = this.i;
      while (j < this.s.length) {
        const c = this.s.charCodeAt(j);
        if (c === 0x22 || c === 0x5c || c < 0x20) break;
        j++;
      }
      parts.push(this.s.slice(this.i, j));
      this.i = j;
      if (this.atEnd()) this.fail("'\"' closing the string");
      const c = this.s[this.i];
      if (c === '"') {
        this.i++;
        return parts.join('');
      }
      if (c !== '\\') this.fail('a character other than a raw control character (escape it, e.g. \\n)');
      const e = this.s[this.i + 1];
      if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(this.s.slice(this.i + 2, this.i + 6))) {
        parts.push(String.fromCharCode(parseInt(this.s.slice(this.i + 2, this.i + 6), 16)));
        this.i += 6;
      } else if (e !== undefined && e in ESCAPES) {
        parts.push(ESCAPES[e]);
        this.i += 2;
      } else {
        this.i++;
        this.fail('an escape: \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX');
      }
    }
  }

  /** Skips a nested object or array, counting depth (no recursion); checks brackets and strings only. */
  private skipNested(): void {
    const closers: string[] = [];
    do {
      const c = this.s[this.i];
      if (c === '"') {
        this.string();
        continue;
      }
      if (c === '{') closers.push('}');
      else if (c === '[') closers.push(']');
      else if (c === '}' || c === ']' || c === undefined) {
        const open = closers[closers.length - 1];
        if (c !== open) this.fail(`'${open}' closing the nested value`);
        closers.pop();
      }
      this.i++;
    } while (closers.length);
  }
}
