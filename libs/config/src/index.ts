export * from './config.types';
export * from './config.loader';
export * from './column-model';
export * from './errors';
export * from './table-name';
export * from './source-schema';
export * from './report-dates';
export { ExpressionPolicy, TRUSTED_EXPRESSIONS_ENV } from './config.expressions';
// The expression language and the Spark SQL quoting are @app/expression's (the layer below); re-exported
// under the names config has always given them.
export {
  ALLOWED_FUNCTIONS,
  ExpressionError,
  checkExpression,
  parseExpression,
  quoteIdent,
  quoteString,
  renderExpression,
  typeOfSparkType,
} from '@app/expression';
