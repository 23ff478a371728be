/** The parsed form of an allowed expression (parser.ts); `offset` is the character where it starts. */
export type Expr =
  | { kind: 'column'; name: string; offset: number }
  /** Number, string (adjacent strings joined, as Spark does), NULL, TRUE/FALSE, DATE '…' / TIMESTAMP '…'. */
  | { kind: 'literal'; text: string; type: ValueType; offset: number }
  | { kind: 'unary'; op: '-' | '+' | 'NOT'; arg: Expr; offset: number }
  | { kind: 'binary'; op: string; left: Expr; right: Expr; offset: number }
  | { kind: 'isNull'; not: boolean; arg: Expr; offset: number }
  | { kind: 'in'; not: boolean; arg: Expr; list: Expr[]; offset: number }
  | { kind: 'between'; not: boolean; arg: Expr; low: Expr; high: Expr; offset: number }
  | { kind: 'like'; not: boolean; op: 'LIKE' | 'ILIKE' | 'RLIKE' | 'REGEXP'; arg: Expr; pattern: Expr; escape: string | null; offset: number }
  | { kind: 'case'; operand: Expr | null; whens: { when: Expr; then: Expr }[]; otherwise: Expr | null; offset: number }
  | { kind: 'cast'; fn: 'CAST' | 'TRY_CAST'; arg: Expr; type: string; offset: number }
  | { kind: 'call'; name: string; args: Expr[]; offset: number };

/**
 * What the load-time checks need to know of a value's type; `unknown` when it cannot be told without
 * running Spark (the checks then accept).
 */
export type ValueType = 'number' | 'string' | 'date' | 'timestamp' | 'boolean' | 'null' | 'unknown';

/**
 * The type family of a Spark SQL type name as written in `source_schema` or CAST.
 * Example: 'DECIMAL(18,2)' → 'number'; 'TIMESTAMP_NTZ' → 'timestamp'; 'ARRAY<INT>' → 'unknown'.
 */
export function typeOfSparkType(sparkType: string): ValueType {
  const t = sparkType.trim().toUpperCase().replace(/\s*\(.*$/, '');
  if (['TINYINT', 'BYTE', 'SMALLINT', 'SHORT', 'INT', 'INTEGER', 'BIGINT', 'LONG', 'FLOAT', 'REAL', 'DOUBLE', 'DECIMAL', 'DEC', 'NUMERIC'].includes(t)) return 'number';
  if (['STRING', 'CHAR', 'VARCHAR'].includes(t)) return 'string';
  if (t === 'DATE') return 'date';
  if (['TIMESTAMP', 'TIMESTAMP_NTZ', 'TIMESTAMP_LTZ'].includes(t)) return 'timestamp';
  if (t === 'BOOLEAN') return 'boolean';
  return 'unknown';
}
