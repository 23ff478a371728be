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
  | {
      kind: 'like';
      not: boolean;
      op: 'LIKE' | 'ILIKE' | 'RLIKE' | 'REGEXP';
      arg: Expr;
      pattern: Expr;
      escape: string | null;
      offset: number;
    }
  | { kind: 'case'; operand: Expr | null; whens: { when: Expr; then: Expr }[]; otherwise: Expr | null; offset: number }
  | { kind: 'cast'; fn: 'CAST' | 'TRY_CAST'; arg: Expr; type: string; offset: number }
  | { kind: 'call'; name: string; args: Expr[]; offset: number };

/**
 * What the load-time checks need to know of a value's type; `unknown` when it cannot be told without
 * running Spark (the checks then accept).
 */
export type ValueType = 'number' | 'string' | 'date' | 'timestamp' | 'boolean' | 'null' | 'unknown';

/** Spark SQL's type names (as written in CAST) of each type family, upper case. */
export const SPARK_TYPE_NAMES = {
  number: [
    'TINYINT',
    'BYTE',
    'SMALLINT',
    'SHORT',
    'INT',
    'INTEGER',
    'BIGINT',
    'LONG',
    'FLOAT',
    'REAL',
    'DOUBLE',
    'DECIMAL',
    'DEC',
    'NUMERIC',
  ],
  string: ['STRING', 'CHAR', 'VARCHAR'],
  date: ['DATE'],
  timestamp: ['TIMESTAMP', 'TIMESTAMP_NTZ', 'TIMESTAMP_LTZ'],
  boolean: ['BOOLEAN'],
} as const satisfies Partial<Record<ValueType, readonly string[]>>;

/**
 * The type family of a Spark SQL type name as written in `source_schema` or CAST.
 * Example: 'DECIMAL(18,2)' → 'number'; 'TIMESTAMP_NTZ' → 'timestamp'; 'ARRAY<INT>' → 'unknown'.
 */
export function typeOfSparkType(sparkType: string): ValueType {
  const t = sparkType
    .trim()
    .toUpperCase()
    .replace(/\s*\(.*$/, '');
  for (const [family, names] of Object.entries(SPARK_TYPE_NAMES)) {
    if ((names as readonly string[]).includes(t)) return family as ValueType;
  }
  return 'unknown';
}

/** The expressions directly under one, in the order they are written. */
export function childrenOf(e: Expr): Expr[] {
  switch (e.kind) {
    case 'column':
    case 'literal':
      return [];
    case 'unary':
    case 'isNull':
    case 'cast':
      return [e.arg];
    case 'binary':
      return [e.left, e.right];
    case 'in':
      return [e.arg, ...e.list];
    case 'between':
      return [e.arg, e.low, e.high];
    case 'like':
      return [e.arg, e.pattern];
    case 'case':
      return [
        ...(e.operand ? [e.operand] : []),
        ...e.whens.flatMap((w) => [w.when, w.then]),
        ...(e.otherwise ? [e.otherwise] : []),
      ];
    case 'call':
      return e.args;
  }
}
