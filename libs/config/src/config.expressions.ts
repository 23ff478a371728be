import { ConfigIssue } from './errors';
import { NamedExpr, RollingColumn, SourceColumn } from './config.types';
import { ExpressionError, NO_SUBSTITUTION, Scope, ValueType, checkExpression, typeOfSparkType } from '@app/expression';

/**
 * `restricted` (default): every expression is checked against the allowed subset (docs/config-expressions.md).
 * `trusted`: expressions are any Spark SQL, unchecked; needs the deployment's consent, see expressionPolicy.
 */
export type ExpressionPolicy = 'restricted' | 'trusted';

/** The deployment's side of the opt-out: the config alone cannot lift the boundary. */
export const TRUSTED_EXPRESSIONS_ENV = 'SUMMARY_ALLOW_TRUSTED_EXPRESSIONS';

/**
 * The config's `expression_policy`, honoured as `trusted` only where the process that loads it has
 * SUMMARY_ALLOW_TRUSTED_EXPRESSIONS=1: whoever may edit the config is not thereby allowed to run
 * arbitrary code in the jobs (docs/config-expressions.md, "Who decides").
 * Example: {expression_policy: 'trusted'} with the env unset → an issue on expression_policy.
 */
export function expressionPolicy(value: unknown, env: NodeJS.ProcessEnv, issues: ConfigIssue[]): ExpressionPolicy {
  if (value === undefined || value === 'restricted') return 'restricted';
  if (value !== 'trusted') {
    issues.push({ key: 'expression_policy', expected: 'one of restricted, trusted', received: value });
    return 'restricted';
  }
  if (env[TRUSTED_EXPRESSIONS_ENV] !== '1') {
    issues.push({
      key: 'expression_policy',
      expected: `"restricted", or "trusted" where the deployment allows it (env ${TRUSTED_EXPRESSIONS_ENV}=1, unset here)`,
      received: value,
    });
    return 'restricted';
  }
  return 'trusted';
}

export interface ExpressionInputs {
  columns: { source: string; dest: string }[];
  transformations: NamedExpr[];
  inferred: NamedExpr[];
  rolling: RollingColumn[];
  /** The explicit `source_schema`, or null: without it no column has a known type. */
  sourceSchema: SourceColumn[] | null;
  policy: ExpressionPolicy;
}

/** A prepared column's type and where it comes from (for the error message), by lower-cased name. */
export type PreparedTypes = Map<string, { type: ValueType; from: string }>;

/**
 * Checks every expression against the row it is evaluated on, in SPEC §3's order, and returns the types
 * of the prepared columns as far as they can be told:
 *   column_transformations[i] reads the renamed columns (and the transformations before it);
 *   inferred_columns[i] reads those and inferred_columns[0 .. i-1];
 *   every rolling mapper_expr reads the row after the inferred columns (all on the same row), so one
 *   mapper_expr cannot read another's new mapper_column.
 * Example: inferred [{name: 'r', mapper_expr: "CASE WHEN dpd < 30 THEN '0' END"}] → r: string (inferred_columns[0]).
 */
export function checkConfigExpressions(input: ExpressionInputs, issues: ConfigIssue[]): PreparedTypes {
  const types: PreparedTypes = new Map();
  const schema = new Map((input.sourceSchema ?? []).map((s) => [s.name.toLowerCase(), s.type]));
  for (const c of input.columns) {
    const sparkType = schema.get(c.source.toLowerCase());
    types.set(
      c.dest.toLowerCase(),
      sparkType
        ? { type: typeOfSparkType(sparkType), from: `source_schema.${c.source} ${sparkType}` }
        : { type: 'unknown', from: 'columns' },
    );
  }
  const scopeOf = (describe: string): Scope => ({
    columns: new Map([...types].map(([k, v]) => [k, v.type])),
    describe,
  });
  const check = (text: string, key: string, scope: Scope): ValueType => {
    if (input.policy === 'trusted') return 'unknown';
    try {
      return checkExpression(text, scope).type;
    } catch (err) {
      if (!(err instanceof ExpressionError)) throw err;
      issues.push({ key, expected: err.expected, received: `${err.found} at character ${err.offset}` });
      return 'unknown';
    }
  };

  input.transformations.forEach((t, i) => {
    const key = `column_transformations[${i}].mapper_expr`;
    const type = check(
      t.expr,
      key,
      scopeOf('a column of the row there (SPEC §3 step 2: the destination names of "columns")'),
    );
    types.set(t.name.toLowerCase(), { type, from: key });
  });
  input.inferred.forEach((c, i) => {
    const key = `inferred_columns[${i}].mapper_expr`;
    const type = check(
      c.expr,
      key,
      scopeOf(
        `a column of the row there (SPEC §3 step 3: the destination names of "columns" and the inferred_columns before [${i}])`,
      ),
    );
    types.set(c.name.toLowerCase(), { type, from: key });
  });
  const afterInferred = scopeOf(
    'a column of the row there (SPEC §3 step 4: ' +
      'the destination names of "columns" and inferred_columns; ' +
      'every mapper_expr reads the same row, not another mapper_column)',
  );
  const mapped = input.rolling.map((r, i) => {
    const key = `rolling_columns[${i}].mapper_expr`;
    return { column: r.mapperColumn.toLowerCase(), type: check(r.mapperExpr, key, afterInferred), from: key };
  });
  for (const m of mapped) types.set(m.column, { type: m.type, from: m.from });
  return types;
}

/**
 * Every config string that ends up in SQL text as a name or a literal (columns, tables, grid placeholders
 * and separators) is free of `${`, which Spark would replace by an environment, system or configuration value (lexer.ts
 * NO_SUBSTITUTION). The Spark settings (`spark`, `spark_config`, `performance`) are not SQL text, but Spark
 * expands `${env:…}` in a setting's value when it reads it, and a value it then refuses (a class that does not
 * load) puts the expansion, a secret, into its error text, which reaches logs, dead letters and the ledger:
 * they are refused too (SETTING_NO_SUBSTITUTION).
 * Example: {grid_columns: [{placeholder: '${env:HOME}'}]} → an issue on grid_columns[0].placeholder.
 */
export function checkNoSubstitution(raw: Record<string, unknown>, issues: ConfigIssue[]): void {
  const visit = (value: unknown, path: string): void => {
    if (typeof value === 'string') {
      if (value.includes('${')) issues.push({ key: path, expected: NO_SUBSTITUTION, received: value });
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => visit(v, `${path}[${i}]`));
    } else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) {
        const key = path ? `${path}.${k}` : k;
        if (k.includes('${')) issues.push({ key, expected: NO_SUBSTITUTION, received: k });
        const settings = path === '' && ['spark', 'spark_config', 'performance'].includes(k);
        // Expressions are checked by the parser under "restricted", and are anything under "trusted".
        if (settings) visitSetting(v, key);
        else if (k !== 'mapper_expr') visit(v, key);
      }
    }
  };
  const visitSetting = (value: unknown, path: string): void => {
    if (typeof value === 'string' && value.includes('${'))
      issues.push({ key: path, expected: SETTING_NO_SUBSTITUTION, received: value });
    else if (typeof value === 'object' && value !== null)
      for (const [k, v] of Object.entries(value)) visitSetting(v, `${path}.${k}`);
  };
  visit(raw, '');
}

export const SETTING_NO_SUBSTITUTION =
  'no "${": Spark expands ${env:…} and ${system:…} in a setting\'s value when it reads it, and its errors would carry the value';
