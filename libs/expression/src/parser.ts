import { Expr, SPARK_TYPE_NAMES, ValueType, childrenOf } from './ast';
import { allowedFunctionList, functionRule } from './functions';
import { CLOCK_STRING_EXPECTED, isClockString } from './clock';
import { ExpressionError, Token, stringLiteralValue, tokenize } from './lexer';

const MAX_DEPTH = 100;
const COMPARISONS = ['=', '==', '<>', '!=', '<', '<=', '>', '>=', '<=>'];
// CAST's target types: every family's names (ast.ts) and BINARY.
const CAST_TYPE_NAMES = [...Object.values(SPARK_TYPE_NAMES).flat(), 'BINARY'];
const CAST_TYPES = new RegExp(`^(${CAST_TYPE_NAMES.join('|')})$`, 'i');
const TYPED_LITERALS: Record<string, ValueType> = {
  DATE: 'date',
  TIMESTAMP: 'timestamp',
  TIMESTAMP_NTZ: 'timestamp',
  TIMESTAMP_LTZ: 'timestamp',
};
const QUERY_WORDS = ['SELECT', 'FROM', 'WITH', 'VALUES', 'TABLE', 'EXISTS'];
/** Words that cannot start a value; as bare words they are read as keywords, never as column names. */
const KEYWORDS = [
  'AND',
  'OR',
  'NOT',
  'WHEN',
  'THEN',
  'ELSE',
  'END',
  'IS',
  'IN',
  'BETWEEN',
  'LIKE',
  'ILIKE',
  'RLIKE',
  'REGEXP',
  'AS',
  'DIV',
  'ESCAPE',
];
/** Why a token cannot appear, for the ones a hostile or careless expression typically uses. */
const REFUSED: Record<string, string> = {
  ';': 'a semicolon (a second statement)',
  '.': 'a dotted name (a table, file or struct reference)',
  '->': 'a lambda (->)',
  '=>': 'a named argument (=>)',
  '::': 'a :: cast (use CAST(x AS type))',
  '[': 'an index [ ]',
};

const EXPRESSION = 'a column, a literal, CASE, CAST, NOT, - or (';
const OPERATOR =
  'an operator (+ - * / % DIV || = <> < <= > >= <=> AND OR IS IN BETWEEN LIKE RLIKE) or the end of the expression';

/**
 * Parses one Spark SQL expression of the allowed subset (docs/config-expressions.md) with Spark 3.5's
 * precedence (SqlBaseParser.g4 booleanExpression / predicate / valueExpression): OR < AND < NOT <
 * one predicate (IS NULL, IN, BETWEEN, LIKE) < comparison < + - || < * / % DIV < unary -.
 * Anything else — a subquery, a dotted name, a function not on the allow-list, a lambda, a second
 * statement — is an ExpressionError naming what was found, where, and what is allowed.
 *
 * Example: "CASE WHEN x IN (-1, -2) THEN NULL ELSE x END" →
 *   {kind: 'case', whens: [{when: {kind: 'in', arg: x, list: [-1, -2]}, then: NULL}], otherwise: x}.
 */
export function parseExpression(text: string): Expr {
  const parser = new Parser(tokenize(text));
  const expr = parser.expression();
  parser.expectEnd();
  // A chain of operators parses in a loop but makes a tree as deep as it is long, which every later walk
  // (the type check, the rendering) recurses through: 10,000 terms overflowed the stack (a RangeError, not a
  // config error).
  const depth = treeDepth(expr);
  if (depth > MAX_TREE_DEPTH)
    throw new ExpressionError(
      0,
      `an expression ${depth} operations deep`,
      `at most ${MAX_TREE_DEPTH} operations deep (for many values, one IN list)`,
    );
  return expr;
}

const MAX_TREE_DEPTH = 1000;

/** How deep the tree is, walked without recursion. */
function treeDepth(root: Expr): number {
  let deepest = 0;
  const todo: Array<[Expr, number]> = [[root, 1]];
  while (todo.length > 0) {
    const [e, d] = todo.pop()!;
    deepest = Math.max(deepest, d);
    for (const child of childrenOf(e)) todo.push([child, d + 1]);
  }
  return deepest;
}

class Parser {
  private pos = 0;
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  expectEnd(): void {
    if (this.peek().kind !== 'end') this.fail(OPERATOR);
  }

  expression(): Expr {
    if (++this.depth > MAX_DEPTH) this.fail(`an expression nested at most ${MAX_DEPTH} deep`);
    const e = this.or();
    this.depth--;
    return e;
  }

  private or(): Expr {
    let left = this.and();
    while (this.acceptWord('OR')) left = { kind: 'binary', op: 'OR', left, right: this.and(), offset: left.offset };
    return left;
  }

  private and(): Expr {
    let left = this.not();
    while (this.acceptWord('AND')) left = { kind: 'binary', op: 'AND', left, right: this.not(), offset: left.offset };
    return left;
  }

  private not(): Expr {
    const at = this.peek().offset;
    if (this.acceptWord('NOT')) {
      if (++this.depth > MAX_DEPTH) this.fail(`an expression nested at most ${MAX_DEPTH} deep`);
      const arg = this.not();
      this.depth--;
      return { kind: 'unary', op: 'NOT', arg, offset: at };
    }
    return this.predicated();
  }

  /** valueExpression predicate?: Spark allows one predicate after a value (`a IS NULL IS NULL` is an error there too). */
  private predicated(): Expr {
    const arg = this.comparison();
    const offset = arg.offset;
    if (this.acceptWord('IS')) {
      const not = this.acceptWord('NOT');
      this.expectWord('NULL', 'NULL or NOT NULL after IS');
      return { kind: 'isNull', not, arg, offset };
    }
    const not =
      this.isWord('NOT') &&
      ['IN', 'BETWEEN', 'LIKE', 'ILIKE', 'RLIKE', 'REGEXP'].includes(this.peek(1).value.toUpperCase());
    if (not) this.pos++;
    if (this.acceptWord('IN')) {
      this.expectOp('(', '( and a list of values after IN');
      if (QUERY_WORDS.includes(this.peek().value.toUpperCase()) && this.peek().kind === 'word')
        this.fail('a list of values (a subquery is not allowed)');
      const list = this.list();
      return { kind: 'in', not, arg, list, offset };
    }
    if (this.acceptWord('BETWEEN')) {
      const low = this.comparison();
      this.expectWord('AND', 'AND between the bounds of BETWEEN');
      return { kind: 'between', not, arg, low, high: this.comparison(), offset };
    }
    const like = ['LIKE', 'ILIKE', 'RLIKE', 'REGEXP'].find((w) => this.isWord(w));
    if (like) {
      this.pos++;
      if (['ANY', 'SOME', 'ALL'].some((w) => this.isWord(w)) && this.peek(1).text === '(')
        this.fail('a pattern (LIKE ANY/SOME/ALL is not in the allowed subset)');
      const pattern = this.comparison();
      let escape: string | null = null;
      if (like !== 'RLIKE' && like !== 'REGEXP' && this.acceptWord('ESCAPE')) {
        if (this.peek().kind !== 'string') this.fail("a one-character string after ESCAPE, e.g. '\\\\'");
        escape = this.next().text;
      }
      return { kind: 'like', not, op: like as 'LIKE', arg, pattern, escape, offset };
    }
    return arg;
  }

  private comparison(): Expr {
    let left = this.additive();
    while (this.peek().kind === 'op' && COMPARISONS.includes(this.peek().text)) {
      const op = this.next().text;
      left = { kind: 'binary', op, left, right: this.additive(), offset: left.offset };
    }
    return left;
  }

  private additive(): Expr {
    let left = this.multiplicative();
    while (this.peek().kind === 'op' && ['+', '-', '||'].includes(this.peek().text)) {
      const op = this.next().text;
      left = { kind: 'binary', op, left, right: this.multiplicative(), offset: left.offset };
    }
    return left;
  }

  private multiplicative(): Expr {
    let left = this.unary();
    while ((this.peek().kind === 'op' && ['*', '/', '%'].includes(this.peek().text)) || this.isWord('DIV')) {
      const op = this.next().text.toUpperCase();
      left = { kind: 'binary', op, left, right: this.unary(), offset: left.offset };
    }
    return left;
  }

  private unary(): Expr {
    const t = this.peek();
    if (t.kind === 'op' && (t.text === '-' || t.text === '+')) {
      this.pos++;
      if (++this.depth > MAX_DEPTH) this.fail(`an expression nested at most ${MAX_DEPTH} deep`);
      const arg = this.unary();
      this.depth--;
      return { kind: 'unary', op: t.text, arg, offset: t.offset };
    }
    return this.primary();
  }

  private primary(): Expr {
    const t = this.peek();
    const offset = t.offset;
    if (t.kind === 'number') {
      this.pos++;
      return { kind: 'literal', text: t.text, type: 'number', offset };
    }
    if (t.kind === 'string') return { kind: 'literal', text: this.strings(), type: 'string', offset };
    if (t.kind === 'op' && t.text === '(') {
      this.pos++;
      if (this.peek().kind === 'word' && QUERY_WORDS.includes(this.peek().value.toUpperCase()))
        this.fail(`an expression (a subquery is not allowed)`);
      const inner = this.expression();
      this.expectOp(')', ') to close the ( at character ' + offset);
      return inner;
    }
    if (t.kind === 'quoted') return this.name();
    if (t.kind !== 'word') this.fail(EXPRESSION);
    const word = t.value.toUpperCase();
    if (word === 'CASE') return this.caseWhen();
    if (QUERY_WORDS.includes(word)) this.fail(`${EXPRESSION} (a query is not allowed)`);
    if (KEYWORDS.includes(word)) this.fail(EXPRESSION);
    if (this.peek(1).text === '(' && this.peek(1).kind === 'op') {
      if (word === 'CAST' || word === 'TRY_CAST') return this.cast();
      return this.name();
    }
    if (word === 'NULL') return this.keywordLiteral('NULL', 'null');
    if (word === 'TRUE' || word === 'FALSE') return this.keywordLiteral(word, 'boolean');
    if (TYPED_LITERALS[word] && this.peek(1).kind === 'string') {
      this.pos++;
      return { kind: 'literal', text: `${word} ${this.strings()}`, type: TYPED_LITERALS[word], offset };
    }
    if (word === 'INTERVAL')
      this.fail(`${EXPRESSION} (INTERVAL is not in the allowed subset: use add_months, date_add, date_sub)`);
    return this.name();
  }

  /** A column, or a call when a ( follows (a backquoted name before ( is a call in Spark too). */
  private name(): Expr {
    const t = this.next();
    const offset = t.offset;
    if (this.peek().kind === 'op' && this.peek().text === '.')
      this.fail(`a column name alone (a dotted name such as a table, file or struct reference is not allowed)`);
    if (!(this.peek().kind === 'op' && this.peek().text === '(')) return { kind: 'column', name: t.value, offset };
    const name = t.value.toLowerCase();
    const rule = functionRule(name);
    if (!rule)
      throw new ExpressionError(
        offset,
        `the function ${t.value}`,
        `a function on the allow-list (${allowedFunctionList()})`,
      );
    this.pos++;
    const args = this.peek().text === ')' && this.peek().kind === 'op' ? (this.pos++, []) : this.list();
    if (args.length < rule.min || args.length > rule.max) {
      const count =
        rule.min === rule.max
          ? `${rule.min}`
          : rule.max >= 1000
            ? `at least ${rule.min}`
            : `${rule.min} to ${rule.max}`;
      throw new ExpressionError(offset, `${name} with ${args.length} argument(s)`, `${name} with ${count} argument(s)`);
    }
    return { kind: 'call', name, args, offset };
  }

  /** expression (, expression)* ) — after the opening parenthesis. */
  private list(): Expr[] {
    const out = [this.expression()];
    while (this.acceptOp(',')) out.push(this.expression());
    this.expectOp(')', ', or )');
    return out;
  }

  private cast(): Expr {
    const t = this.next();
    this.pos++;
    const arg = this.expression();
    this.expectWord('AS', 'AS and a type in CAST');
    const typeToken = this.peek();
    if (typeToken.kind !== 'word' || !CAST_TYPES.test(typeToken.value))
      this.fail('a type (BOOLEAN, INT, BIGINT, DOUBLE, DECIMAL(p,s), STRING, DATE, TIMESTAMP, ...)');
    this.pos++;
    let type = typeToken.value.toUpperCase();
    if (this.acceptOp('(')) {
      const sizes = [this.next()];
      if (this.acceptOp(',')) sizes.push(this.next());
      if (sizes.some((s) => s.kind !== 'number' || !/^\d+$/.test(s.text)))
        throw new ExpressionError(
          sizes[0].offset,
          `'${sizes.map((s) => s.text).join(',')}'`,
          'integer sizes, e.g. DECIMAL(18,2)',
        );
      this.expectOp(')', ') after the type size');
      type += `(${sizes.map((s) => s.text).join(',')})`;
    }
    this.expectOp(')', ') to close CAST');
    return { kind: 'cast', fn: t.value.toUpperCase() as 'CAST', arg, type, offset: t.offset };
  }

  private caseWhen(): Expr {
    const offset = this.next().offset;
    const operand = this.isWord('WHEN') ? null : this.expression();
    const whens: { when: Expr; then: Expr }[] = [];
    while (this.acceptWord('WHEN')) {
      const when = this.expression();
      this.expectWord('THEN', 'THEN after the WHEN condition');
      whens.push({ when, then: this.expression() });
    }
    if (!whens.length) this.fail('WHEN after CASE');
    const otherwise = this.acceptWord('ELSE') ? this.expression() : null;
    this.expectWord('END', 'WHEN, ELSE or END in CASE');
    return { kind: 'case', operand, whens, otherwise, offset };
  }

  private keywordLiteral(text: string, type: ValueType): Expr {
    return { kind: 'literal', text, type, offset: this.next().offset };
  }

  /** One or more adjacent string literals: Spark concatenates 'a' 'b' into 'ab'. */
  private strings(): string {
    const offset = this.peek().offset;
    const parts: string[] = [];
    const values: string[] = [];
    while (this.peek().kind === 'string') {
      const t = this.next();
      parts.push(t.text);
      values.push(stringLiteralValue(t.text));
    }
    // Spark reads these as the clock when the string becomes a DATE or TIMESTAMP (DATE 'today',
    // CAST('now' AS TIMESTAMP), a date column compared with 'yesterday'): a result that depends on when a
    // batch ran, not on its rows (SPEC §4). Refused anywhere, whatever the context (clock.ts).
    const value = values.join('');
    if (isClockString(value))
      throw new ExpressionError(offset, `the string ${JSON.stringify(value)}`, CLOCK_STRING_EXPECTED);
    return parts.join(' ');
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.pos + ahead, this.tokens.length - 1)];
  }

  private next(): Token {
    return this.tokens[this.pos++];
  }

  private isWord(word: string): boolean {
    return this.peek().kind === 'word' && this.peek().value.toUpperCase() === word;
  }

  private acceptWord(word: string): boolean {
    if (!this.isWord(word)) return false;
    this.pos++;
    return true;
  }

  private acceptOp(op: string): boolean {
    if (this.peek().kind !== 'op' || this.peek().text !== op) return false;
    this.pos++;
    return true;
  }

  private expectWord(word: string, expected: string): void {
    if (!this.acceptWord(word)) this.fail(expected);
  }

  private expectOp(op: string, expected: string): void {
    if (!this.acceptOp(op)) this.fail(expected);
  }

  private fail(expected: string): never {
    const t = this.peek();
    const found =
      t.kind === 'end'
        ? 'the end of the expression'
        : (REFUSED[t.text] ?? (t.kind === 'string' ? `the string ${t.text}` : `'${t.text}'`));
    throw new ExpressionError(t.offset, found, expected);
  }
}
