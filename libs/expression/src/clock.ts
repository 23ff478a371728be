/**
 * What in an expression can read the clock (SPEC §4: a result depends on the rows alone, never on when a
 * batch ran). Spark 3.5 turns a string into the current date or time in one place: when it plans a
 * conversion to DATE or TIMESTAMP (a CAST, TRY_CAST, date(), timestamp(), one-argument to_date() and
 * to_timestamp(), or a cast it adds itself: a date compared with a string, a string where a date function
 * takes a date, a CASE or coalesce that mixes them) of a string it can compute before reading any row —
 * a literal, or an expression of literals alone such as concat('to', 'day') (the optimizer rule
 * SpecialDatetimeValues, which only looks at foldable strings). The same string read from a column at run
 * time becomes NULL: since Spark 3.2 special values are "supported only in typed literals or in cast of
 * foldable strings" (the 3.2 migration guide). Checked on Spark 3.5.7: CAST(concat('to','day') AS DATE)
 * is today, CAST(s AS DATE) with s = 'today' in a Parquet column is NULL.
 */

/** The special values that read the clock ('epoch' is a constant). */
const CLOCK_WORDS = ['now', 'today', 'yesterday', 'tomorrow'];

/**
 * Whether Spark may read `value` as the clock when it becomes a DATE or TIMESTAMP. Spark trims characters
 * up to U+0020 (Java's String.trim), takes the leading ASCII letters as the value, case-insensitively, and
 * accepts a time zone after it ('today UTC', 'today-1', 'tomorrow +01:00'); this refuses the word followed
 * by anything but another letter, a superset of what Spark accepts.
 * Example: '\u0000Today' → true; 'today-1' → true; 'nowhere' → false; ' epoch' → false.
 */
export function isClockString(value: string): boolean {
  let start = 0;
  while (start < value.length && value.charCodeAt(start) <= 0x20) start++;
  const word = /^[A-Za-z]+/.exec(value.slice(start))?.[0].toLowerCase();
  return word !== undefined && CLOCK_WORDS.includes(word);
}

export const CLOCK_STRING_EXPECTED =
  `a string that is not one of Spark's clock values (now, today, yesterday, tomorrow, in any case, ` +
  `with a time zone or control characters around it), ` +
  `which read the clock when cast to a date or timestamp: the result must depend on the rows alone`;

export const BUILT_CLOCK_EXPECTED =
  `a string literal or a column where a string becomes a date or timestamp: ` +
  `Spark computes a string of literals alone (concat('to', 'day'), lower(concat('N', ` +
  `'OW'))) before it reads any row and reads the clock when it is now, today, yesterday or tomorrow; ` +
  `the result must depend on the rows alone (write the literal instead)`;

/**
 * Bare names Spark 3.5 resolves to the clock or the session's user when no column has that name
 * (LiteralFunctionResolution), quoted or not: `current_date` in `load --where` over a file without that
 * column is today's date.
 */
export const CLOCK_NAMES = ['current_date', 'current_timestamp', 'current_user', 'user'];

export const CLOCK_NAME_EXPECTED =
  `a column of the file: where no column has this name, Spark reads current_date, current_timestamp, ` +
  `current_user and user as the clock or the session's user, not a row's value`;
