import { PipelineConfig } from '@app/config';
import { lit, q } from './sql';

/** Internal column of a case job's rows: whether the row is a delete row (SPEC §4a). */
export const DELETED = '__deleted';

/**
 * SPEC §4a: whether the row at `alias` is a delete row — its delete column, as a string, is one of the
 * codes (a NULL is not). Null when soft delete is off, so each job keeps its plain SQL.
 * For a STRING column Spark drops the cast, so the predicate reaches Iceberg's file statistics.
 *
 * isDeleted({softDelete: {column: 'soft_del_cd', codes: ['1', '4']}}, 's')
 *   → coalesce(CAST(s.`soft_del_cd` AS STRING) IN ('1', '4'), false)
 */
export function isDeleted(config: PipelineConfig, alias: string): string | null {
  if (!config.softDelete) return null;
  const prefix = alias ? `${alias}.` : '';
  return `coalesce(CAST(${prefix}${q(config.softDelete.column)} AS STRING) IN (${config.softDelete.codes.map(lit).join(', ')}), false)`;
}

/** The delete flag as a column: `<isDeleted> AS __deleted`, or a constant false when soft delete is off. */
export function deletedColumn(config: PipelineConfig, alias: string): string {
  return `${isDeleted(config, alias) ?? 'false'} AS ${q(DELETED)}`;
}
