/**
 * A problem in one expression: what was found, at which character, and what is allowed there.
 * The config loader turns it into a ConfigIssue naming the key; `load --where` into a LoadOptionError.
 */
export class ExpressionError extends Error {
  constructor(
    readonly offset: number,
    readonly found: string,
    readonly expected: string,
  ) {
    super(`expected ${expected}; found ${found} at character ${offset}`);
    this.name = this.constructor.name;
  }
}

export type TokenKind = 'word' | 'quoted' | 'number' | 'string' | 'op' | 'end';

export interface Token {
  kind: TokenKind;
  /** The token as written (a string or number literal is re-emitted exactly as written). */
  text: string;
  /** Identifier name: a word as written, a backquoted name unescaped. */
  value: string;
  offset: number;
}

/** Operators and punctuation, longest first. Some only exist so the parser can refuse them by name. */
const OPERATORS = [
  '<=>',
  '<=',
  '>=',
  '<>',
  '!=',
  '==',
  '||',
  '->',
  '=>',
  '::',
  '=',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '(',
  ')',
  ',',
  '.',
  ';',
  '[',
  ']',
  '{',
  '}',
  ':',
  '?',
  '!',
  '&',
  '|',
  '^',
  '~',
  '@',
  '#',
  '$',
];
/**
 * Spark substitutes `${env:NAME}`, `${system:name}` and `${spark.conf.key}` into the SQL text before it
 * parses it, inside string literals and quoted names too (SparkSqlParser, spark.sql.variable.substitute,
 * on by default): `'${env:AWS_SECRET_ACCESS_KEY}'` would be a string holding the secret.
 */
export const NO_SUBSTITUTION =
  'no "${": Spark substitutes environment, system and configuration values for ${…} anywhere in SQL text';
const NUMBER = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?:BD|bd|Bd|bD|[LSYDFlsydf])?/;
const WORD = /^[A-Za-z_][A-Za-z0-9_]*/;
const WORD_CHAR = /[A-Za-z0-9_]/;

/**
 * Splits a Spark SQL expression into tokens the way Spark 3.5's lexer (SqlBaseLexer.g4) delimits them, so
 * that what this module accepts as one string literal or one quoted name is exactly what Spark reads:
 * 'a\'b' (backslash escapes any character), r'raw' (no escapes), `a``b` (doubled backquote). Comments
 * (-- and /*), ${…} substitutions, double-quoted text and characters outside ASCII (except inside literals) are refused here,
 * because Spark would read them differently or they could hide text from this check.
 *
 * Example: "CASE WHEN x = 'a' THEN 1 END" → word CASE, word WHEN, word x, op =, string 'a', word THEN,
 * number 1, word END, end.
 */
export function tokenize(text: string): Token[] {
  const substitution = text.indexOf('${');
  if (substitution >= 0) throw new ExpressionError(substitution, 'a variable reference "${"', NO_SUBSTITUTION);
  const tokens: Token[] = [];
  let i = 0;
  const push = (kind: TokenKind, raw: string, value = raw) => {
    tokens.push({ kind, text: raw, value, offset: i });
    i += raw.length;
  };
  while (i < text.length) {
    const c = text[i];
    const rest = text.slice(i);
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (rest.startsWith('--') || rest.startsWith('/*')) {
      throw new ExpressionError(i, `a comment "${rest.slice(0, 2)}"`, 'no comments in an expression');
    } else if (c === "'") {
      push('string', quoted(text, i, "'", true));
    } else if ((c === 'r' || c === 'R') && text[i + 1] === "'") {
      push('string', quoted(text, i, "'", false, 1));
    } else if (c === '"') {
      throw new ExpressionError(
        i,
        'double-quoted text',
        "'single quotes' for a string, `backquotes` for a column name",
      );
    } else if (c === '`') {
      const raw = quoted(text, i, '`', false);
      push('quoted', raw, raw.slice(1, -1).replace(/``/g, '`'));
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      const raw = NUMBER.exec(rest)![0];
      if (WORD_CHAR.test(text[i + raw.length] ?? '')) {
        throw new ExpressionError(
          i,
          `'${rest.slice(0, raw.length + 1)}…'`,
          'a number, or a name that starts with a letter or _',
        );
      }
      push('number', raw);
    } else if (WORD.test(rest)) {
      push('word', WORD.exec(rest)![0]);
    } else {
      const op = OPERATORS.find((o) => rest.startsWith(o));
      if (!op)
        throw new ExpressionError(
          i,
          `the character '${c}'`,
          'names, literals, operators and parentheses (ASCII outside string literals)',
        );
      push('op', op);
    }
  }
  tokens.push({ kind: 'end', text: '', value: '', offset: text.length });
  return tokens;
}

/** The literal starting at `start` (after `prefix` characters such as r), through its closing quote. */
function quoted(text: string, start: number, quote: string, backslashEscapes: boolean, prefix = 0): string {
  let j = start + prefix + 1;
  while (j < text.length) {
    if (backslashEscapes && text[j] === '\\') j += 2;
    else if (text[j] === quote && quote === '`' && text[j + 1] === '`') j += 2;
    else if (text[j] === quote) return text.slice(start, j + 1);
    else j++;
  }
  throw new ExpressionError(
    start,
    quote === '`' ? 'a backquoted name without its closing `' : 'a string without its closing quote',
    `a closing ${quote}`,
  );
}

/**
 * The characters of a string literal token as Spark 3.5 reads them (SparkParserUtils.unescapeSQLString):
 * a raw string r'…' as written; otherwise \uXXXX, \UXXXXXXXX, a three-digit octal escape whose first digit
 * is 0 or 1, \0 \b \n \r \t \Z, and any other escaped character as itself (\% and \_ keep their backslash).
 * Example: "'\\164o\\day'" → "today"; "r'to\\day'" → "to\\day".
 */
export function stringLiteralValue(token: string): string {
  if (token[0] === 'r' || token[0] === 'R') return token.slice(2, -1);
  const body = token.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\' || i + 1 === body.length) {
      out += c;
      continue;
    }
    const after = body[++i];
    const hex = (n: number) => /^[0-9a-fA-F]+$/.test(body.slice(i + 1, i + 1 + n)) && i + 1 + n <= body.length;
    if (after === 'u' && hex(4)) {
      out += String.fromCharCode(parseInt(body.slice(i + 1, i + 5), 16));
      i += 4;
    } else if (after === 'U' && hex(8)) {
      const codePoint = parseInt(body.slice(i + 1, i + 9), 16);
      out +=
        codePoint < 0x10000
          ? String.fromCharCode(codePoint)
          : String.fromCharCode(
              Math.floor((codePoint - 0x10000) / 0x400) + 0xd800,
              ((codePoint - 0x10000) % 0x400) + 0xdc00,
            );
      i += 8;
    } else if (/^[01][0-7][0-7]$/.test(body.slice(i, i + 3))) {
      out += String.fromCharCode(parseInt(body.slice(i, i + 3), 8));
      i += 2;
    } else {
      out += ESCAPED[after] ?? after;
    }
  }
  return out;
}

const ESCAPED: Record<string, string> = {
  '0': '\u0000',
  b: '\b',
  n: '\n',
  r: '\r',
  t: '\t',
  Z: '\u001a',
  '%': '\\%',
  _: '\\_',
};
