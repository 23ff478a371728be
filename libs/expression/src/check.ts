import { Expr, ValueType, childrenOf, typeOfSparkType } from './ast';
import { BUILT_CLOCK_EXPECTED, CLOCK_NAMES, CLOCK_NAME_EXPECTED } from './clock';
import { ALLOWED_FUNCTIONS } from './functions';
import { ExpressionError } from './lexer';
import { parseExpression } from './parser';
import { quoteIdent } from './identifiers';

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
  return { expr, type: valueOf(expr, scope).type };
}

/** What the checks know of a value: its type, and whether Spark can compute it before reading a row (no column in it). */
interface Value {
  type: ValueType;
  constant: boolean;
}

/**
 * The positions where the allowed functions take a DATE or TIMESTAMP, so Spark casts a string there
 * (year('2024-01-31')); to_date and to_timestamp only with one argument (with a format they parse the
 * string with it, which knows no clock values).
 */
const DATE_ARGUMENTS: Readonly<Record<string, readonly number[]>> = {
  date: [0],
  timestamp: [0],
  year: [0],
  quarter: [0],
  month: [0],
  day: [0],
  dayofmonth: [0],
  dayofweek: [0],
  dayofyear: [0],
  weekofyear: [0],
  hour: [0],
  minute: [0],
  second: [0],
  datediff: [0, 1],
  months_between: [0, 1],
  add_months: [0],
  date_add: [0],
  date_sub: [0],
  last_day: [0],
  trunc: [0],
  date_trunc: [1],
  date_format: [0],
};
const ONE_ARGUMENT_DATE = ['to_date', 'to_timestamp'];
/** Functions whose arguments (from `from` on) Spark coerces to one type, as it does CASE's branches. */
const COERCED_ARGUMENTS: Readonly<Record<string, number>> = {
  coalesce: 0,
  nvl: 0,
  ifnull: 0,
  nullif: 0,
  greatest: 0,
  least: 0,
  if: 1,
  nvl2: 1,
};
const DATE_CAST = /^(DATE|TIMESTAMP|TIMESTAMP_NTZ|TIMESTAMP_LTZ)$/;
const COERCING_OPERATORS = ['=', '==', '<>', '!=', '<', '<=', '>', '>=', '<=>', '+', '-'];

function valueOf(e: Expr, scope: Scope): Value {
  const sub = (x: Expr) => valueOf(x, scope);
  switch (e.kind) {
    case 'column': {
      if (scope.columns === null) {
        if (CLOCK_NAMES.includes(e.name.toLowerCase()))
          throw new ExpressionError(e.offset, `the name ${e.name}`, CLOCK_NAME_EXPECTED);
        return { type: 'unknown', constant: false };
      }
      const type = scope.columns.get(e.name.toLowerCase());
      if (type === undefined)
        throw new ExpressionError(e.offset, `the column ${e.name}, which is not in the row there`, scope.describe);
      return { type, constant: false };
    }
    case 'literal':
      return { type: e.type, constant: true };
    case 'unary': {
      const arg = sub(e.arg);
      return {
        type: e.op === 'NOT' ? 'boolean' : arg.type === 'number' ? 'number' : 'unknown',
        constant: arg.constant,
      };
    }
    case 'binary': {
      const [l, r] = [sub(e.left), sub(e.right)];
      if (COERCING_OPERATORS.includes(e.op))
        refuseBuiltDate([
          [e.left, l],
          [e.right, r],
        ]);
      const constant = l.constant && r.constant;
      if (e.op === '||') return { type: 'string', constant };
      if (['+', '-', '*', '/', '%', 'DIV'].includes(e.op))
        return { type: l.type === 'number' && r.type === 'number' ? 'number' : 'unknown', constant };
      return { type: 'boolean', constant };
    }
    case 'isNull':
    case 'like': {
      const values = childrenOf(e).map(sub);
      return { type: 'boolean', constant: values.every((v) => v.constant) };
    }
    case 'in': {
      // A date IN a list of strings compares strings, but under ANSI mode Spark casts the strings to dates.
      const values = childrenOf(e).map((x) => [x, sub(x)] as const);
      refuseBuiltDate(values);
      return { type: 'boolean', constant: values.every(([, v]) => v.constant) };
    }
    case 'between': {
      // x BETWEEN a AND b is x >= a AND x <= b.
      const [arg, low, high] = [sub(e.arg), sub(e.low), sub(e.high)];
      refuseBuiltDate([
        [e.arg, arg],
        [e.low, low],
      ]);
      refuseBuiltDate([
        [e.arg, arg],
        [e.high, high],
      ]);
      return { type: 'boolean', constant: arg.constant && low.constant && high.constant };
    }
    case 'case': {
      // CASE x WHEN v compares x = v; the branches' results are coerced to one type.
      const operand = e.operand ? sub(e.operand) : null;
      const whens = e.whens.map((w) => ({ when: sub(w.when), then: sub(w.then) }));
      if (e.operand && operand)
        e.whens.forEach((w, i) =>
          refuseBuiltDate([
            [e.operand!, operand],
            [w.when, whens[i].when],
          ]),
        );
      const results: [Expr, Value][] = e.whens.map((w, i) => [w.then, whens[i].then]);
      if (e.otherwise) results.push([e.otherwise, sub(e.otherwise)]);
      refuseBuiltDate(results);
      const constant =
        (operand?.constant ?? true) && whens.every((w) => w.when.constant) && results.every(([, v]) => v.constant);
      return { type: common([...results.map(([, v]) => v.type), ...(e.otherwise ? [] : ['null' as const])]), constant };
    }
    case 'cast': {
      const arg = sub(e.arg);
      if (DATE_CAST.test(e.type)) refuseBuiltString(e.arg, arg);
      return { type: typeOfSparkType(e.type), constant: arg.constant };
    }
    case 'call': {
      const args = e.args.map(sub);
      const dateArguments = ONE_ARGUMENT_DATE.includes(e.name)
        ? e.args.length === 1
          ? [0]
          : []
        : (DATE_ARGUMENTS[e.name] ?? []);
      for (const i of dateArguments) if (i < e.args.length) refuseBuiltString(e.args[i], args[i]);
      const coercedFrom = COERCED_ARGUMENTS[e.name];
      if (coercedFrom !== undefined)
        refuseBuiltDate(e.args.slice(coercedFrom).map((x, i) => [x, args[coercedFrom + i]]));
      const constant = args.every((a) => a.constant);
      const types = args.map((a) => a.type);
      const returns = ALLOWED_FUNCTIONS[e.name].returns;
      if (returns === 'args') return { type: common(types), constant };
      if (returns === 'rest') return { type: common(types.slice(1)), constant };
      return { type: returns, constant };
    }
  }
}

/**
 * A string of literals alone (not a literal: those are checked by value in the parser) is refused where
 * Spark converts it to a DATE or TIMESTAMP: Spark computes it while planning, and 'now', 'today',
 * 'yesterday' or 'tomorrow' become the clock (clock.ts). A string from a column is converted at run time,
 * where those strings are NULL.
 * Example: CAST(concat('to', 'day') AS DATE) → refused at concat; CAST(concat(st, 'x') AS DATE) → kept.
 */
function refuseBuiltString(e: Expr, value: Value): void {
  if (e.kind === 'literal' || !value.constant || !(value.type === 'string' || value.type === 'unknown')) return;
  throw new ExpressionError(
    e.offset,
    `the string computed from literals ${renderExpression(e)}, which Spark converts to a date or timestamp there`,
    BUILT_CLOCK_EXPECTED,
  );
}

/**
 * Values Spark coerces to one type (the two sides of a comparison, + or -, CASE's results, coalesce's
 * arguments…): where one may be a DATE or TIMESTAMP (or its type is not known here), Spark casts the
 * strings among the others to it.
 * Example: dt = concat('to', 'day') → refused; st = concat('to', 'day') → kept.
 */
function refuseBuiltDate(values: ReadonlyArray<readonly [Expr, Value]>): void {
  values.forEach(([e, v], i) => {
    const dateBeside = values.some(
      ([, other], j) => j !== i && (other.type === 'date' || other.type === 'timestamp' || other.type === 'unknown'),
    );
    if (dateBeside) refuseBuiltString(e, v);
  });
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
