import { ConfigIssue } from './errors';
import { GridColumn, RollingColumn } from './config.types';
import { PreparedTypes } from './config.expressions';

export interface Roles {
  keyColumn: string;
  monthColumn: string;
  tsColumn: string;
  dateColumn: string;
}

/**
 * Configs that load but cannot give the SPEC §4 result, each reported on its key with what was expected:
 * - key, month, base_ts and date must be four different columns (with key = month, 34 rows of one
 *   account became 3: every (key, month) pair collapsed);
 * - where the type is known (an explicit source_schema, a CAST, a literal), base_ts must be a TIMESTAMP
 *   or DATE (a STRING orders '2024-9-1' after '2024-10-1'), the month a STRING (YYYY-MM, else every row
 *   is rejected as INVALID_MONTH), and an Integer or Long history must be fed numbers (a STRING mapper
 *   into an Integer history casts every non-numeric value to NULL). An unknown type is accepted.
 */
export function checkSemantics(
  roles: Roles,
  types: PreparedTypes,
  rolling: RollingColumn[],
  issues: ConfigIssue[],
): void {
  const named: [keyof Roles, string][] = [
    ['keyColumn', 'primary_column'],
    ['monthColumn', 'partition_column'],
    ['tsColumn', 'max_identifier_column'],
    ['dateColumn', 'primary_date_column'],
  ];
  named.forEach(([role, key], i) => {
    const clash = named
      .slice(0, i)
      .find(([other]) => roles[other] !== '' && roles[other].toLowerCase() === roles[role].toLowerCase());
    if (clash)
      issues.push({
        key,
        expected: `a column other than ${clash[1]}'s "${roles[clash[0]]}" (key, month, base_ts and date are four different columns)`,
        received: roles[role],
      });
  });

  const typeOf = (column: string) => types.get(column.toLowerCase());
  const ts = typeOf(roles.tsColumn);
  if (ts && !['timestamp', 'date', 'unknown'].includes(ts.type)) {
    issues.push({
      key: 'max_identifier_column',
      expected: `a TIMESTAMP (or DATE) column: the newer base_ts wins (SPEC §4)`,
      received: `"${roles.tsColumn}", a ${ts.type} (${ts.from})`,
    });
  }
  const month = typeOf(roles.monthColumn);
  if (month && !['string', 'unknown'].includes(month.type)) {
    issues.push({
      key: 'partition_column',
      expected: 'a STRING column of YYYY-MM months (SPEC §3: any other value is rejected as INVALID_MONTH)',
      received: `"${roles.monthColumn}", a ${month.type} (${month.from})`,
    });
  }
  rolling.forEach((r, i) => {
    const mapper = typeOf(r.mapperColumn);
    if (r.type !== 'String' && mapper && !['number', 'null', 'unknown'].includes(mapper.type)) {
      issues.push({
        key: `rolling_columns[${i}].type`,
        expected: `a mapper_expr giving numbers for ${r.type === 'Integer' ? 'an' : 'a'} ${r.type} history, or type "String"`,
        received: `"${r.type}" fed a ${mapper.type} (${mapper.from})`,
      });
    }
  });
}

/** Names the loader's own checks do not cover yet: source columns and grids that differ only in case. */
export function checkDuplicateNames(columns: { source: string }[], grids: GridColumn[], issues: ConfigIssue[]): void {
  const dupes = (names: string[]) =>
    names.filter((n, i) => names.findIndex((m) => m.toLowerCase() === n.toLowerCase()) !== i);
  // Spark resolves names case-insensitively: "ACCT" and "acct" are one column (spark.sql.caseSensitive=false).
  dupes(columns.map((c) => c.source)).forEach((d) =>
    issues.push({
      key: 'columns',
      expected: 'distinct source names (Spark compares them case-insensitively)',
      received: `"${d}" twice`,
    }),
  );
  dupes(grids.map((g) => g.name)).forEach((d) =>
    issues.push({ key: 'grid_columns', expected: 'distinct names', received: `"${d}" twice` }),
  );
}
