/** Spark SQL identifier quoting: `a``b` for a name containing a backtick. */
export function quoteIdent(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

/** Spark SQL string literal: 'it''s' is not Spark syntax, backslash escapes are. */
export function quoteString(value: string): string {
  return "'" + value.replace(/\\/g, '\\\\').replace(/'/g, "\\'") + "'";
}
