import { Expr, ValueType, childrenOf, typeOfSparkType } from './ast';
import { ALLOWED_FUNCTIONS } from './functions';
import { ExpressionError } from './lexer';
import { parseExpression } from './parser';
import { quoteIdent } from '../identifiers';

/** The columns an expression may read (lower-cased name → type) and how to describe them in an error. */
export interface Scope {
  /** null: any column (resolved later by Spark, e.g. `load --where` against the file's schema). */
  columns: ReadonlyMap<string, ValueType> | null;
  /** e.g. 'a column of the row after the renames (SPEC §3 step 1)'. */
  describe: string;
}

/**
 * Parses `text`, checks that every column it reads is in `scope`, and tells the type of its value.
 * Example: "CASE WHEN dpd < 30 THEN '0' ELSE '1' END" with dpd: number → 'string';
 * "coalesce(x, 0)" without a column x → ExpressionError(found: the column "x" at 9, expected: scope.describe).
 */
export function checkExpression(text: string, scope: Scope): { expr: Expr; type: ValueType } {
  const expr = parseExpression(text);
  return { expr, type: typeOf(expr, scope) };
}

function typeOf(e: Expr, scope: Scope): ValueType {
  const sub = (x: Expr) => typeOf(x, scope);
  switch (e.kind) {
    case 'column': {
      if (scope.columns === null) return 'unknown';
      const type = scope.columns.get(e.name.toLowerCase());
      if (type === undefined) throw new ExpressionError(e.offset, `the column ${e.name}, which is not in the row there`, scope.describe);
      return type;
    }
    case 'literal':
      return e.type;
    case 'unary': {
      const arg = sub(e.arg);
      if (e.op === 'NOT') return 'boolean';
      return arg === 'number' ? 'number' : 'unknown';
    }
    case 'binary': {
      const [l, r] = [sub(e.left), sub(e.right)];
      if (e.op === '||') return 'string';
      if (['+', '-', '*', '/', '%', 'DIV'].includes(e.op)) return l === 'number' && r === 'number' ? 'number' : 'unknown';
      return 'boolean';
    }
    case 'isNull':
    case 'in':
    case 'between':
    case 'like':
      childrenOf(e).forEach(sub);
      return 'boolean';
    case 'case': {
      if (e.operand) sub(e.operand);
      e.whens.forEach((w) => sub(w.when));
      return common([...e.whens.map((w) => sub(w.then)), e.otherwise ? sub(e.otherwise) : 'null']);
    }
    case 'cast':
      sub(e.arg);
      return typeOfSparkType(e.type);
    case 'call': {
      const args = e.args.map(sub);
      const returns = ALLOWED_FUNCTIONS[e.name].returns;
      if (returns === 'args') return common(args);
      if (returns === 'rest') return common(args.slice(1));
      return returns;
    }
  }
}

/** The type of a value that is one of these (CASE branches, coalesce): NULLs aside, all the same or unknown. */
function common(types: ValueType[]): ValueType {
  const known = [...new Set(types.filter((t) => t !== 'null'))];
  if (known.length === 0) return 'null';
  return known.length === 1 ? known[0] : 'unknown';
}

/**
 * Spark SQL text of a parsed expression, every operation parenthesised and every column quoted, so it
 * cannot be read differently once embedded (`load --where`); literals are re-emitted as written.
 * Example: "a = 1 OR b IS NULL" → "((`a` = 1) OR (`b` IS NULL))".
 */
export function renderExpression(e: Expr): string {
  const r = renderExpression;
  const not = (n: boolean) => (n ? 'NOT ' : '');
  switch (e.kind) {
    case 'column':
      return quoteIdent(e.name);
    case 'literal':
      return e.text;
    case 'unary':
      return e.op === 'NOT' ? `(NOT ${r(e.arg)})` : `(${e.op}${r(e.arg)})`;
    case 'binary':
      return `(${r(e.left)} ${e.op} ${r(e.right)})`;
    case 'isNull':
      return `(${r(e.arg)} IS ${not(e.not)}NULL)`;
    case 'in':
      return `(${r(e.arg)} ${not(e.not)}IN (${e.list.map(r).join(', ')}))`;
    case 'between':
      return `(${r(e.arg)} ${not(e.not)}BETWEEN ${r(e.low)} AND ${r(e.high)})`;
    case 'like':
      return `(${r(e.arg)} ${not(e.not)}${e.op} ${r(e.pattern)}${e.escape ? ` ESCAPE ${e.escape}` : ''})`;
    case 'case': {
      const whens = e.whens.map((w) => ` WHEN ${r(w.when)} THEN ${r(w.then)}`).join('');
      return `CASE${e.operand ? ` ${r(e.operand)}` : ''}${whens}${e.otherwise ? ` ELSE ${r(e.otherwise)}` : ''} END`;
    }
    case 'cast':
      return `${e.fn}(${r(e.arg)} AS ${e.type})`;
    case 'call':
      return `${e.name}(${e.args.map(r).join(', ')})`;
  }
}
