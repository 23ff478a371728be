export * from './config.types';
export * from './config.loader';
export * from './column-model';
export * from './errors';
export * from './table-name';
export * from './tables-of';
export * from './source-schema';
export * from './report-dates';
export { ExpressionPolicy, TRUSTED_EXPRESSIONS_ENV } from './config.expressions';
// The Spark SQL quoting is @app/expression's (the layer below): re-exported because every library writing SQL
// takes it from here next to TableName and PipelineConfig. The expression language itself is imported from
// @app/expression.
export { quoteIdent, quoteString } from '@app/expression';
