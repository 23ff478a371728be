import { ValueType } from './ast';

/**
 * What a function returns: a type, or the common type of its arguments (`args`), or of its arguments
 * from the second on (`rest`, e.g. if(cond, a, b)).
 */
type Returns = ValueType | 'args' | 'rest';

interface FunctionRule {
  returns: Returns;
  min: number;
  max: number;
}

const fn = (returns: Returns, min: number, max = min): FunctionRule => ({ returns, min, max });
const MANY = 1000;

/**
 * The functions a config expression may call (docs/config-expressions.md keeps the same list): Spark SQL
 * built-ins that compute a value from their arguments alone. Left out on purpose: reflection
 * (reflect, java_method, try_reflect), anything reading files, tables, the environment or the clock
 * (input_file_name, current_date, now, current_user), non-deterministic ones (rand, uuid, shuffle) that
 * would make a re-run of a job disagree with the first run (SPEC §6), aggregates, window and generator
 * functions, raise_error / assert_true, and every user-defined function.
 */
export const ALLOWED_FUNCTIONS: Readonly<Record<string, FunctionRule>> = {
  // NULL handling and conditionals
  coalesce: fn('args', 1, MANY),
  nvl: fn('args', 2),
  ifnull: fn('args', 2),
  nvl2: fn('rest', 3),
  nullif: fn('args', 2),
  if: fn('rest', 3),
  isnull: fn('boolean', 1),
  isnotnull: fn('boolean', 1),
  isnan: fn('boolean', 1),
  nanvl: fn('args', 2),
  greatest: fn('args', 2, MANY),
  least: fn('args', 2, MANY),
  // numbers
  abs: fn('number', 1),
  negative: fn('number', 1),
  positive: fn('number', 1),
  sign: fn('number', 1),
  signum: fn('number', 1),
  round: fn('number', 1, 2),
  bround: fn('number', 1, 2),
  floor: fn('number', 1, 2),
  ceil: fn('number', 1, 2),
  ceiling: fn('number', 1, 2),
  mod: fn('number', 2),
  pmod: fn('number', 2),
  power: fn('number', 2),
  pow: fn('number', 2),
  sqrt: fn('number', 1),
  cbrt: fn('number', 1),
  exp: fn('number', 1),
  ln: fn('number', 1),
  log: fn('number', 1, 2),
  log10: fn('number', 1),
  log2: fn('number', 1),
  format_number: fn('string', 2),
  // strings
  concat: fn('string', 1, MANY),
  concat_ws: fn('string', 1, MANY),
  substr: fn('string', 2, 3),
  substring: fn('string', 2, 3),
  left: fn('string', 2),
  right: fn('string', 2),
  trim: fn('string', 1, 2),
  ltrim: fn('string', 1, 2),
  rtrim: fn('string', 1, 2),
  btrim: fn('string', 1, 2),
  upper: fn('string', 1),
  lower: fn('string', 1),
  ucase: fn('string', 1),
  lcase: fn('string', 1),
  initcap: fn('string', 1),
  length: fn('number', 1),
  char_length: fn('number', 1),
  character_length: fn('number', 1),
  lpad: fn('string', 2, 3),
  rpad: fn('string', 2, 3),
  replace: fn('string', 2, 3),
  translate: fn('string', 3),
  regexp_replace: fn('string', 3, 4),
  regexp_extract: fn('string', 2, 3),
  regexp_like: fn('boolean', 2),
  instr: fn('number', 2),
  locate: fn('number', 2, 3),
  split_part: fn('string', 3),
  reverse: fn('string', 1),
  ascii: fn('number', 1),
  chr: fn('string', 1),
  startswith: fn('boolean', 2),
  endswith: fn('boolean', 2),
  contains: fn('boolean', 2),
  // dates and timestamps
  to_date: fn('date', 1, 2),
  to_timestamp: fn('timestamp', 1, 2),
  date_format: fn('string', 2),
  make_date: fn('date', 3),
  year: fn('number', 1),
  quarter: fn('number', 1),
  month: fn('number', 1),
  day: fn('number', 1),
  dayofmonth: fn('number', 1),
  dayofweek: fn('number', 1),
  dayofyear: fn('number', 1),
  weekofyear: fn('number', 1),
  hour: fn('number', 1),
  minute: fn('number', 1),
  second: fn('number', 1),
  datediff: fn('number', 2),
  months_between: fn('number', 2, 3),
  add_months: fn('date', 2),
  date_add: fn('date', 2),
  date_sub: fn('date', 2),
  last_day: fn('date', 1),
  trunc: fn('date', 2),
  date_trunc: fn('timestamp', 2),
  // cast-like (CAST(x AS t) itself is syntax, see parser.ts)
  boolean: fn('boolean', 1),
  tinyint: fn('number', 1),
  smallint: fn('number', 1),
  int: fn('number', 1),
  bigint: fn('number', 1),
  float: fn('number', 1),
  double: fn('number', 1),
  decimal: fn('number', 1),
  string: fn('string', 1),
  date: fn('date', 1),
  timestamp: fn('timestamp', 1),
  // hashes (pseudonymised keys, the load command's chunks)
  hash: fn('number', 1, MANY),
  xxhash64: fn('number', 1, MANY),
  crc32: fn('number', 1),
  md5: fn('string', 1),
  sha1: fn('string', 1),
  sha2: fn('string', 2),
};

export function functionRule(name: string): FunctionRule | undefined {
  return Object.prototype.hasOwnProperty.call(ALLOWED_FUNCTIONS, name) ? ALLOWED_FUNCTIONS[name] : undefined;
}

/** "abs, add_months, …": the allow-list for an error message. */
export function allowedFunctionList(): string {
  return Object.keys(ALLOWED_FUNCTIONS).sort().join(', ');
}
