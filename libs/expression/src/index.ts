/**
 * The SQL expression language of the config (docs/config-expressions.md): the lexer, the parser, the allowed
 * functions, the type and column checks, the clock refusals, and the Spark SQL quoting it renders with.
 * Knows nothing of the config: @app/config checks its expressions with it, and `load --where` reads with it.
 */
export { ExpressionError, NO_SUBSTITUTION } from './lexer';
export { parseExpression } from './parser';
export { checkExpression, renderExpression } from './check';
export type { Scope } from './check';
export { ALLOWED_FUNCTIONS } from './functions';
export { typeOfSparkType } from './ast';
export type { Expr, ValueType } from './ast';
export { quoteIdent, quoteString } from './identifiers';
