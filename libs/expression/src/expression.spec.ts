import { ValueType } from './ast';
import { Scope, checkExpression, renderExpression } from './check';
import { ExpressionError, tokenize } from './lexer';
import { parseExpression } from './parser';

const ROW: Scope = {
  columns: new Map<string, ValueType>([
    ['bal', 'number'],
    ['dpd', 'number'],
    ['st', 'string'],
    ['dt', 'date'],
    ['ts', 'timestamp'],
  ]),
  describe: 'a column of the test row',
};

const errorOf = (text: string, scope: Scope = ROW): { found: string; offset: number; expected: string } => {
  try {
    checkExpression(text, scope);
  } catch (err) {
    expect(err).toBeInstanceOf(ExpressionError);
    const e = err as ExpressionError;
    return { found: e.found, offset: e.offset, expected: e.expected };
  }
  throw new Error(`expected "${text}" to be refused`);
};
const render = (text: string) => renderExpression(parseExpression(text));
const typeOf = (text: string) => checkExpression(text, ROW).type;

describe('tokenize: literals are delimited as Spark 3.5 delimits them', () => {
  it.each([
    ["'it\\'s'", ["'it\\'s'"]],
    ["'a\\\\' 'b'", ["'a\\\\'", "'b'"]],
    ["r'C:\\'", ["r'C:\\'"]],
    ['`a``b`', ['`a``b`']],
    ['1.5e3 10L .5 2BD', ['1.5e3', '10L', '.5', '2BD']],
  ])('%s', (text, expected) => {
    expect(
      tokenize(text)
        .filter((t) => t.kind !== 'end')
        .map((t) => t.text),
    ).toEqual(expected);
  });

  it('a quoted quote does not end the string, so a call hidden in it stays text', () => {
    // Spark reads one string here: 'x\' , reflect(' then a column a ... — no call to reflect.
    expect(errorOf("st = 'x\\' , reflect(' a")).toMatchObject({ found: "'a'", offset: 22 });
  });
});

describe('parseExpression accepts the documented subset', () => {
  it.each([
    "CASE WHEN acct_type_dtl_cd = '' OR acct_type_dtl_cd IS NULL THEN 999 ELSE acct_type_dtl_cd END",
    'CASE WHEN charge_off_am IN (-2147483647, -214748364, -21474836, -1) THEN NULL ELSE charge_off_am END',
    "CASE x WHEN 1 THEN 'a' WHEN 2 THEN 'b' END",
    'COALESCE(balance_am, 0)',
    'abs(cons_acct_key)',
    'substr(CAST(acct_dt AS STRING), 1, 7)',
    'CAST(x AS DECIMAL(18, 2))',
    "x NOT BETWEEN 1 AND 10 AND y NOT IN ('a', 'b') OR z NOT LIKE 'a%' ESCAPE '!'",
    "x RLIKE '^[0-9]{4}$' AND NOT y IS NOT NULL",
    "DATE '2024-01-31' <= dt AND ts < TIMESTAMP '2025-01-15 00:00:00'",
    "if(x <=> NULL, greatest(a, b, c), least(1, 2)) || concat_ws('-', 'a', 'b')",
    '-x * +y DIV 2 % 3 - (a / b)',
    'NOT TRUE = FALSE',
    "date_format(add_months(to_date(s, 'yyyyMMdd'), -1), 'yyyy-MM')",
    '`odd name` + 1',
  ])('%s', (text) => {
    expect(() => parseExpression(text)).not.toThrow();
  });

  // Each of these renderings was compared with its original on Spark 3.5.9 (local, 4,000 rows with NULLs
  // in every column: `(original) <=> (rendered)` on every row); `x IN (1) = TRUE` is refused by both.
  it.each([
    ['NOT a = 1 AND b = 2 OR c = 3', '(((NOT (`a` = 1)) AND (`b` = 2)) OR (`c` = 3))'],
    [
      "s LIKE 'a%' OR s NOT LIKE 'b_' AND s RLIKE '^[ab]'",
      "((`s` LIKE 'a%') OR ((`s` NOT LIKE 'b_') AND (`s` RLIKE '^[ab]')))",
    ],
    ['x * 2 - 1 > y / 2 % 3', '(((`x` * 2) - 1) > ((`y` / 2) % 3))'],
    ['- x * 2 = -2', '(((-`x`) * 2) = (-2))'],
    ['a = b = c', '((`a` = `b`) = `c`)'],
    ["'a\\'b' = s OR s = r'a\\' OR s = 'x' 'y'", "((('a\\'b' = `s`) OR (`s` = r'a\\')) OR (`s` = 'x' 'y'))"],
    [
      'CASE WHEN x > 1 THEN y ELSE -y END > 0 AND x <=> y OR x IS NULL',
      '(((CASE WHEN (`x` > 1) THEN `y` ELSE (-`y`) END > 0) AND (`x` <=> `y`)) OR (`x` IS NULL))',
    ],
  ])('renders %s as Spark reads it', (text, rendered) => {
    expect(render(text)).toBe(rendered);
  });

  it('refuses what Spark refuses: one predicate per value', () => {
    expect(errorOf('x IN (1, 2, 3) = TRUE', { columns: null, describe: 'any' })).toMatchObject({
      found: "'='",
      offset: 15,
    });
  });

  it('reads with Spark precedence: OR < AND < NOT < predicate < comparison < + - || < * / < unary', () => {
    expect(render('a OR b AND NOT c = 1 + 2 * -d')).toBe('(`a` OR (`b` AND (NOT (`c` = (1 + (2 * (-`d`)))))))');
    expect(render('x + 1 BETWEEN 1 AND 3 AND y')).toBe('(((`x` + 1) BETWEEN 1 AND 3) AND `y`)');
    expect(render('a = 1 IS NULL')).toBe('((`a` = 1) IS NULL)');
    expect(render("x IN (1, 2) OR s LIKE 'a' 'b'")).toBe("((`x` IN (1, 2)) OR (`s` LIKE 'a' 'b'))");
  });
});

describe('parseExpression refuses, naming what was found, where, and what is allowed', () => {
  it.each([
    [
      "java_method('java.lang.System', 'getenv', 'HOME')",
      'the function java_method',
      0,
      /^a function on the allow-list \(abs, add_months, /,
    ],
    ["reflect('java.lang.System', 'getenv', 'HOME')", 'the function reflect', 0, /allow-list/],
    ["`reflect`('java.lang.System', 'getenv', 'HOME')", 'the function reflect', 0, /allow-list/],
    ['upper(my_udf(st))', 'the function my_udf', 6, /allow-list/],
    ['(SELECT max(bal) FROM local.demo.summary)', "'SELECT'", 1, /subquery is not allowed/],
    ['bal IN (SELECT bal FROM t)', "'SELECT'", 8, /subquery is not allowed/],
    ['EXISTS (SELECT 1)', "'EXISTS'", 0, /query is not allowed/],
    ['text.`/etc/hostname`', 'a dotted name (a table, file or struct reference)', 4, /column name alone/],
    ['demo.summary.bal', 'a dotted name (a table, file or struct reference)', 4, /column name alone/],
    ['bal) AS x, (SELECT 1', "')'", 3, /end of the expression/],
    ['bal; DROP TABLE t', 'a semicolon (a second statement)', 3, /end of the expression/],
    ['bal -- hidden', 'a comment "--"', 4, /no comments/],
    ['bal /* hidden */', 'a comment "/*"', 4, /no comments/],
    ['st = "x"', 'double-quoted text', 5, /single quotes/],
    ['coalesce(x -> x, 1)', 'a lambda (->)', 11, /, or \)/],
    ["st = 'unterminated", 'a string without its closing quote', 5, /closing '/],
    ['round(bal, 1, 2)', 'round with 3 argument(s)', 0, /round with 1 to 2 argument\(s\)/],
    ['bal IS DISTINCT FROM 1', "'DISTINCT'", 7, /NULL or NOT NULL after IS/],
    ['INTERVAL 1 DAY', "'INTERVAL'", 0, /add_months/],
    ['bal[0]', 'an index [ ]', 3, /end of the expression/],
    ['bal é', "the character 'é'", 4, /ASCII/],
    ['1a', "'1a…'", 0, /starts with a letter/],
    ["st = '${env:AWS_SECRET_ACCESS_KEY}'", 'a variable reference "${"', 6, /Spark substitutes environment/],
    ['`${spark.hadoop.fs.s3a.secret.key}`', 'a variable reference "${"', 1, /Spark substitutes environment/],
  ])('%s', (text, found, offset, expected) => {
    const e = errorOf(text);
    expect([e.found, e.offset]).toEqual([found, offset]);
    expect(e.expected).toMatch(expected);
  });

  it('a column must be in the row at that point', () => {
    expect(errorOf('coalesce(bal, __source_row)')).toEqual({
      found: 'the column __source_row, which is not in the row there',
      offset: 14,
      expected: 'a column of the test row',
    });
    // Spark resolves names case-insensitively (spark.sql.caseSensitive=false); null = any column.
    expect(checkExpression('BAL + Dpd', ROW).type).toBe('number');
    expect(checkExpression('anything + 1', { columns: null, describe: 'any' }).type).toBe('unknown');
  });

  it.each([
    `DATE 'today'`,
    `CAST('now' AS TIMESTAMP)`,
    `dt > 'Yesterday'`,
    `TIMESTAMP ' tomorrow UTC'`,
    `CAST('to' 'day' AS DATE)`,
    `CAST('to\\day' AS DATE)`,
  ])('refuses a clock value in %s: the result must depend on the rows alone (SPEC §4)', (text) => {
    expect(() => parseExpression(text)).toThrow(/which read the clock when cast to a date or timestamp/);
  });

  it('keeps strings that only start like a clock value, and epoch (a constant)', () => {
    for (const text of [`'nowhere'`, `'todays'`, `DATE 'epoch'`, `concat('no', 'where')`])
      expect(() => parseExpression(text)).not.toThrow();
  });

  // Issue 25: the literal check above missed escapes Spark decodes (\u0074, \164, \0) and the time zone Spark
  // accepts after the word ('today-1'): each of these is today's date in Spark 3.5.7.
  it.each([
    String.raw`CAST('\u0074oday' AS DATE)`,
    String.raw`CAST('\164oday' AS DATE)`,
    String.raw`CAST('\U00000074oday' AS DATE)`,
    String.raw`CAST('\0today' AS DATE)`,
    String.raw`CAST('today\Z' AS DATE)`,
    `CAST('today-1' AS DATE)`,
    `CAST('TODAY+01:00' AS TIMESTAMP)`,
    `dt = 'Now'`,
    `CAST(lower('NOW') AS TIMESTAMP)`,
  ])('refuses the clock value Spark decodes from %s', (text) => {
    expect(() => parseExpression(text)).toThrow(/which read the clock when cast to a date or timestamp/);
  });

  // Issue 25: Spark computes a string of literals alone while it plans, and a DATE or TIMESTAMP made of it
  // reads the clock when it spells now/today/yesterday/tomorrow (checked on Spark 3.5.7; clock.ts).
  it.each([
    ["CAST(concat('to','day') AS DATE)", "concat('to', 'day')", 5],
    ["CAST(concat('n','ow') AS TIMESTAMP)", "concat('n', 'ow')", 5],
    ["to_date(concat('tod','ay'))", "concat('tod', 'ay')", 8],
    ["CAST(lower(concat('N', 'OW')) AS TIMESTAMP)", "lower(concat('N', 'OW'))", 5],
    ["TRY_CAST('to' || 'day' AS TIMESTAMP_NTZ)", "('to' || 'day')", 9],
    ["date(upper(concat('to', 'DAY')))", "upper(concat('to', 'DAY'))", 5],
    ["timestamp(trim(concat(' n', 'ow')))", "trim(concat(' n', 'ow'))", 10],
    ["CAST(coalesce(NULL, 'to' || 'day') AS DATE)", "coalesce(NULL, ('to' || 'day'))", 5],
    ["CAST(CAST(concat('to', 'day') AS STRING) AS DATE)", "CAST(concat('to', 'day') AS STRING)", 5],
    ["dt = concat('to','day')", "concat('to', 'day')", 5],
    ["concat('to','day') <= ts", "concat('to', 'day')", 0],
    ["dt BETWEEN DATE '2020-01-01' AND 'to' || 'day'", "('to' || 'day')", 33],
    ["dt IN (DATE '2020-01-01', concat('to', 'day'))", "concat('to', 'day')", 26],
    ["CASE dt WHEN replace('toXday', 'X', '') THEN 1 END", "replace('toXday', 'X', '')", 13],
    ["CASE WHEN bal > 0 THEN dt ELSE concat('to','day') END", "concat('to', 'day')", 31],
    ["coalesce(dt, concat('yester', 'day'))", "concat('yester', 'day')", 13],
    ["if(bal > 0, dt, concat('tomor', 'row'))", "concat('tomor', 'row')", 16],
    ["concat('to','day') - dt", "concat('to', 'day')", 0],
    ["year(concat('to','day'))", "concat('to', 'day')", 5],
    ["datediff(dt, concat('to','day'))", "concat('to', 'day')", 13],
    ["date_trunc('DAY', concat('n','ow'))", "concat('n', 'ow')", 18],
    ["hour(lcase('N' || 'OW'))", "lcase(('N' || 'OW'))", 5],
    ["date_format(concat('n','ow'), 'yyyy')", "concat('n', 'ow')", 12],
  ])('refuses %s: a clock value built from literals, where Spark makes it a date', (text, built, offset) => {
    const e = errorOf(text);
    expect([e.found, e.offset]).toEqual([
      `the string computed from literals ${built}, which Spark converts to a date or timestamp there`,
      offset,
    ]);
    expect(e.expected).toMatch(
      /^a string literal or a column where a string becomes a date or timestamp: .*reads the clock/,
    );
  });

  it('refuses a built string beside a column of unknown type (load --where, a config without source_schema)', () => {
    const anyColumn: Scope = { columns: null, describe: 'a source column' };
    expect(errorOf("base_ts > concat('n', 'ow')", anyColumn).offset).toBe(10);
    expect(errorOf("coalesce(x, concat('to', 'day'))", anyColumn).offset).toBe(12);
  });

  it(
    'refuses current_date, current_timestamp, ' +
      'current_user and user as names where the columns are not known: Spark reads them as the clock or the user',
    () => {
      const anyColumn: Scope = { columns: null, describe: 'a source column' };
      for (const [text, offset] of [
        ['base_ts < current_date', 10],
        ['`Current_Timestamp` IS NULL', 0],
        ['current_user', 0],
        ['USER', 0],
      ] as const) {
        const e = errorOf(text, anyColumn);
        expect([e.found, e.offset]).toEqual([
          `the name ${text
            .replace(/^base_ts < /, '')
            .replace(/ IS NULL$/, '')
            .replace(/`/g, '')}`,
          offset,
        ]);
        expect(e.expected).toMatch(/as the clock or the session's user/);
      }
      // A row that has such a column reads the column (Spark resolves columns first).
      expect(
        checkExpression('current_date', {
          columns: new Map([['current_date', 'date']]),
          describe: 'a row with that column',
        }).type,
      ).toBe('date');
    },
  );

  it('keeps what cannot read the clock: strings from columns (NULL at run time), parsing with a format, string contexts', () => {
    for (const text of [
      'CAST(st AS DATE)',
      'to_date(st)',
      'date(st)',
      'timestamp(st)',
      "CAST(concat(st, 'day') AS DATE)",
      "dt = nvl(st, 'to' || 'day')",
      "dt = CASE WHEN bal > 0 THEN 'to' || 'day' END",
      "to_date(concat('tod', 'ay'), 'yyyy-MM-dd')",
      "CAST(concat('to', 'day') AS STRING)",
      "st = concat('to', 'day')",
      "concat('to', 'day') || st",
      "CAST('2024-01-31' AS DATE)",
      "dt = '2024-01-31'",
      "CAST(r'to\\day' AS DATE)",
      "'nowhere'",
      "CAST('\u00a0today' AS DATE)",
      'make_date(2024, 1, 31) = dt',
      "CAST(concat(CAST(dt AS STRING), '') AS DATE)",
      "bal = concat('1', '2')",
    ]) {
      expect(() => checkExpression(text, ROW)).not.toThrow();
    }
  });

  it.each([
    ['+', Array(10000).fill('a').join(' + ')],
    ['OR', Array(10000).fill('a = 1').join(' OR ')],
    ['||', Array(10000).fill("'x'").join(' || ')],
  ])('refuses a chain of 10,000 %s terms with a config error, not a stack overflow', (_op, text) => {
    expect(() => checkExpression(text, { columns: null, describe: 'a source column' })).toThrow(ExpressionError);
    expect(() => checkExpression(text, { columns: null, describe: 'a source column' })).toThrow(
      /expected at most 1000 operations deep .*; found an expression 1000[01] operations deep/,
    );
  });

  it('keeps a chain of 500 terms', () => {
    const { expr } = checkExpression(Array(500).fill('a = 1').join(' OR '), {
      columns: null,
      describe: 'a source column',
    });
    expect(renderExpression(expr).length).toBeGreaterThan(500 * 5);
  });

  it('refuses nesting deeper than 100', () => {
    expect(errorOf(`${'('.repeat(150)}bal${')'.repeat(150)}`).expected).toBe('an expression nested at most 100 deep');
  });
});

describe('checkExpression tells the type where it can', () => {
  it.each([
    ['bal', 'number'],
    ['st', 'string'],
    ["CASE WHEN dpd < 30 THEN '0' WHEN dpd < 60 THEN '1' ELSE NULL END", 'string'],
    ['CASE WHEN bal IN (-1) THEN NULL ELSE bal END', 'number'],
    ['CASE WHEN bal = 0 THEN 999 ELSE st END', 'unknown'],
    ['CAST(st AS INT)', 'number'],
    ['coalesce(ts, dt)', 'unknown'],
    ['to_timestamp(st)', 'timestamp'],
    ['if(bal > 0, st, NULL)', 'string'],
    ['bal + 1', 'number'],
    ['dt + 1', 'unknown'],
    ['bal > 1', 'boolean'],
    ['NULL', 'null'],
  ])('%s → %s', (text, type) => {
    expect(typeOf(text)).toBe(type);
  });
});

describe('renderExpression', () => {
  it('quotes columns and parenthesises every operation, literals as written', () => {
    expect(render("status_cd = 'X' OR status_cd IS NULL")).toBe("((`status_cd` = 'X') OR (`status_cd` IS NULL))");
    expect(render("base_ts >= TIMESTAMP '2025-01-15 00:00:00'")).toBe("(`base_ts` >= TIMESTAMP '2025-01-15 00:00:00')");
    expect(render('cons_acct_key IN (1, 2)')).toBe('(`cons_acct_key` IN (1, 2))');
    expect(render("CASE WHEN `a``b` = 1 THEN 'x\\'y' END")).toBe("CASE WHEN (`a``b` = 1) THEN 'x\\'y' END");
    expect(render('- -1')).toBe('(-(-1))');
    expect(render('CAST(x AS decimal(18,2)) DIV 2')).toBe('(CAST(`x` AS DECIMAL(18,2)) DIV 2)');
  });
});
