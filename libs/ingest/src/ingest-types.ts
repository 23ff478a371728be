import type { JsonValue } from './json-line';

export interface ColumnType {
  name: string;
  /** Spark SQL type name as DESCRIBE or `source_schema` spells it, e.g. "bigint", "DECIMAL(12,2)". */
  type: string;
}

const INT_RANGES: Record<string, [bigint, bigint]> = {
  TINYINT: [-(2n ** 7n), 2n ** 7n - 1n],
  SMALLINT: [-(2n ** 15n), 2n ** 15n - 1n],
  INT: [-(2n ** 31n), 2n ** 31n - 1n],
  INTEGER: [-(2n ** 31n), 2n ** 31n - 1n],
  BIGINT: [-(2n ** 63n), 2n ** 63n - 1n],
  LONG: [-(2n ** 63n), 2n ** 63n - 1n],
};
const FLOAT_MAX = 3.4028234663852886e38;
/** The smallest nonzero FLOAT (a subnormal); a nonzero number below half of it is stored as 0. */
const FLOAT_MIN = 1.401298464324817e-45;
/**
 * The longest number text a DOUBLE or FLOAT column takes: Spark's JSON reader (Jackson's
 * StreamReadConstraints, Spark 3.5 option maxNumLen) fails on a longer one, and the append would then
 * fail without naming the line. Integers (at most 20 characters) and decimals (staged in plain form,
 * at most 40) never reach it.
 */
export const MAX_NUMBER_CHARS = 1000;
const INTEGER_TEXT = /^-?(0|[1-9]\d*)$/;
// With the u flag a surrogate pair is one code point; only a lone surrogate is \p{Cs}.
const LONE_SURROGATE = /\p{Cs}/u;
const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP_TEXT = /^(\d{4}-\d{2}-\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const NUMBER_PARTS = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

export type Staged = { json: string } | { problem: string };
export type Stager = (value: JsonValue) => Staged;

/**
 * The stager of a column of `type`: a JSON value → the JSON text the staging file holds for it, or why
 * it does not fit ("expected …; received …"). The type is resolved once per column, not per value.
 * NULL fits every type. Integers must be integer literals in range (`100.0` and `1e3` are refused, not
 * truncated); decimals must fit (p, s) without rounding; doubles and floats must be finite in their type,
 * not a nonzero number the type would store as 0 (1e-400), and at most MAX_NUMBER_CHARS long; strings at most
 * `maxBytes` UTF-8 bytes of well-formed Unicode; dates `YYYY-MM-DD` and timestamps `YYYY-MM-DD HH:MM:SS`
 * real calendar values from year 0001.
 * Example: stagerFor('BIGINT', …)({kind: 'number', text: '9223372036854775807'}) → {json: '9223372036854775807'};
 *   stagerFor('INT', …)({kind: 'number', text: '100.0'}) → {problem: 'expected an integer from -2147483648 to 2147483647; received 100.0'}.
 */
export function stagerFor(type: string, maxBytes: number): Stager {
  const t = type.trim().toUpperCase();
  const typed =
    (expected: string, stage: (value: JsonValue) => string | undefined): Stager =>
    (value) => {
      if (value.kind === 'null') return { json: 'null' };
      const json = stage(value);
      return json !== undefined ? { json } : { problem: `expected ${expected}; received ${describe(value)}` };
    };
  if (t in INT_RANGES) {
    const [lo, hi] = INT_RANGES[t];
    return typed(`an integer from ${lo} to ${hi}`, (v) => {
      if (v.kind !== 'number' || !INTEGER_TEXT.test(v.text) || v.text.length > 20) return undefined;
      const n = v.text.length < 16 ? Number(v.text) : BigInt(v.text); // a double is exact below 2^53
      return n >= lo && n <= hi ? String(n) : undefined;
    });
  }
  if (t === 'DOUBLE' || t === 'FLOAT' || t === 'REAL') {
    const [max, min] = t === 'DOUBLE' ? [Number.MAX_VALUE, Number.MIN_VALUE] : [FLOAT_MAX, FLOAT_MIN];
    // Number() rounds to the nearest double, Math.fround that to the nearest float, as Spark stores it
    // (3.4028235e38, Java's own text of Float.MAX_VALUE, is a float; 3.5e38 is not).
    const stored = t === 'DOUBLE' ? Number : (text: string) => Math.fround(Number(text));
    const finite = typed(`a finite number (at most ${max} in magnitude)`, (v) =>
      v.kind === 'number' && Number.isFinite(stored(v.text)) ? v.text : undefined,
    );
    return (value) => {
      if (value.kind !== 'number') return finite(value);
      if (value.text.length > MAX_NUMBER_CHARS)
        return {
          problem: `expected a number of at most ${MAX_NUMBER_CHARS} characters (Spark's JSON reader refuses longer ones); received ${describe(value)}`,
        };
      const staged = finite(value);
      if ('json' in staged && stored(value.text) === 0 && /[1-9]/.test(value.text.split(/[eE]/)[0])) {
        return {
          problem: `expected 0 or a number of at least ${min} in magnitude; received ${describe(value)}, which a ${t} column would store as 0`,
        };
      }
      return staged;
    };
  }
  const decimal = /^DECIMAL(?:\((\d+)(?:,\s*(\d+))?\))?$/.exec(t);
  if (decimal) {
    const [p, s] = [Number(decimal[1] ?? 10), Number(decimal[2] ?? 0)];
    return typed(
      `a number with at most ${p - s} digit(s) before the point and ${s} after (DECIMAL(${p},${s}), no rounding)`,
      (v) => (v.kind === 'number' ? fitDecimal(v.text, p, s) : undefined),
    );
  }
  if (t === 'STRING' || t.startsWith('VARCHAR') || t.startsWith('CHAR')) {
    const string = typed('a string', (v) => (v.kind === 'string' ? '' : undefined));
    return (value) => {
      if (value.kind !== 'string') return string(value);
      if (LONE_SURROGATE.test(value.value))
        return {
          problem: `expected a string of well-formed Unicode (a \\u escape leaves a lone surrogate); received ${describe(value)}`,
        };
      const bytes = value.value.length > maxBytes / 3 ? Buffer.byteLength(value.value, 'utf8') : 0;
      return bytes > maxBytes
        ? { problem: `expected a string of at most ${maxBytes} bytes (UTF-8); received ${bytes} bytes` }
        : { json: JSON.stringify(value.value) };
    };
  }
  if (t === 'BOOLEAN') return typed('true or false', (v) => (v.kind === 'boolean' ? String(v.value) : undefined));
  if (t === 'DATE')
    return typed('a date "YYYY-MM-DD"', (v) =>
      v.kind === 'string' && validDate(v.value) ? JSON.stringify(v.value) : undefined,
    );
  if (t.startsWith('TIMESTAMP'))
    return typed('a timestamp "YYYY-MM-DD HH:MM:SS"', (v) =>
      v.kind === 'string' && validTimestamp(v.value) ? JSON.stringify(v.value) : undefined,
    );
  const unsupported =
    `a column of type ${type} cannot be ingested from JSON lines; ` +
    `expected a source column of type BIGINT, INT, SMALLINT, TINYINT, DOUBLE, FLOAT, DECIMAL(p,s), ` +
    `STRING, BOOLEAN, DATE or TIMESTAMP`;
  return (value) => (value.kind === 'null' ? { json: 'null' } : { problem: unsupported });
}

/**
 * A JSON number's text as a plain decimal that DECIMAL(p, s) holds exactly, or undefined.
 * Example: ('1.50', 4, 1) → '1.5'; ('125e-2', 5, 2) → '1.25'; ('1.25', 4, 1) → undefined (would round).
 */
export function fitDecimal(text: string, p: number, s: number): string | undefined {
  const m = NUMBER_PARTS.exec(text);
  if (!m || (m[4] !== undefined && Math.abs(Number(m[4])) > p + 400)) return undefined;
  const digits = (m[2] + (m[3] ?? '')).replace(/^0+/, '');
  const point = m[2].length + Number(m[4] ?? 0) - (m[2].length + (m[3] ?? '').length - digits.length); // digits before the point
  const intPart = point > 0 ? digits.slice(0, point).padEnd(point, '0') : '';
  const fracPart = (point < 0 ? '0'.repeat(-point) + digits : digits.slice(Math.max(point, 0))).replace(/0+$/, '');
  if (intPart.length > p - s || fracPart.length > s) return undefined;
  const plain = `${intPart || '0'}${fracPart ? `.${fracPart}` : ''}`;
  return m[1] && plain !== '0' ? `-${plain}` : plain;
}

function validDate(text: string): boolean {
  const m = DATE_TEXT.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Year 0000 does not exist for Spark's `yyyy` (year of era).
  return y >= 1 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo);
}

function daysInMonth(y: number, mo: number): number {
  if (mo === 2) return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(mo) ? 30 : 31;
}

function validTimestamp(text: string): boolean {
  const m = TIMESTAMP_TEXT.exec(text);
  return m !== null && validDate(m[1]) && Number(m[2]) < 24 && Number(m[3]) < 60 && Number(m[4]) < 60;
}

/** A value for a message, cut short: 'received "abc…" (25000000 characters)'. */
function describe(value: JsonValue): string {
  switch (value.kind) {
    case 'number':
      return value.text.length > 40 ? `${value.text.slice(0, 40)}… (${value.text.length} characters)` : value.text;
    case 'string':
      return value.value.length > 40
        ? `${JSON.stringify(value.value.slice(0, 40))}… (${value.value.length} characters)`
        : JSON.stringify(value.value);
    case 'boolean':
      return String(value.value);
    case 'object':
      return 'a JSON object';
    case 'array':
      return 'a JSON array';
    default:
      return 'null';
  }
}
