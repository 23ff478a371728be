import { readFileSync } from 'node:fs';
import { ConfigError, ConfigIssue } from './errors';
import {
  DEFAULT_SOFT_DELETE,
  GridColumn,
  NamedExpr,
  PipelineConfig,
  RollingColumn,
  RollingType,
  SoftDelete,
  SourceColumn,
} from './config.types';
import { TableName } from './table-name';
import { SPARK_TYPE, SPARK_TYPE_EXPECTED, inferSourceSchema } from './source-schema';
import { inferReportSchema, parseReportDates, parseUnboundedHistory } from './report-dates';
import { checkConfigExpressions, checkNoSubstitution, expressionPolicy } from './config.expressions';
import { checkDuplicateNames, checkSemantics } from './config.semantics';

/** Keys of the seed-v4 format (SPEC §2) and our extensions; anything else is reported as a typo. */
const KNOWN_KEYS = [
  'source_table',
  'destination_table',
  'latest_history_table',
  'partition_column',
  'primary_column',
  'primary_date_column',
  'max_identifier_column',
  'history_length',
  'columns',
  'column_transformations',
  'inferred_columns',
  'coalesce_exclusion_cols',
  'date_col_list',
  'latest_history_addon_cols',
  'rolling_columns',
  'grid_columns',
  'performance',
  'spark',
  'spark_config',
  'hist_rpt_dt_table',
  'hist_rpt_dt_cols',
  // extensions
  'source_schema',
  'pipeline_tables',
  'default_catalog',
  'expression_policy',
  'ingest_optional_columns',
  'soft_delete',
  'hist_rpt_dt_schema',
  'unbounded_history',
];
const ROLLING_TYPES: RollingType[] = ['Integer', 'Long', 'String'];
export const DEFAULT_CATALOG = 'local';
export const MAX_HISTORY_LENGTH = 600;

type Json = Record<string, unknown>;

/** Reads and validates a config file; throws ConfigError naming every bad key. */
export function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): PipelineConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    // A wrong path is the common case: say so, not that a config we never read is invalid.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ConfigError(
        path,
        [{ key: '(file)', expected: 'an existing JSON file: check --config or SUMMARY_CONFIG' }],
        'Pipeline config file not found:',
      );
    }
    throw new ConfigError(
      path,
      [{ key: '(file)', expected: 'a readable JSON file', received: (err as Error).message }],
      'Cannot read pipeline config',
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(path, [{ key: '(file)', expected: 'valid JSON', received: (err as Error).message }]);
  }
  return parseConfig(raw, path, env);
}

/**
 * Validates a seed-v4 config object and normalises it. Expressions are checked against the allowed subset
 * (docs/config-expressions.md) unless `expression_policy` is "trusted" and `env` allows it.
 * Example: `{..., "grid_columns": [{"name": "g", "mapper_rolling_column": "r", "seperator": ""}]}` →
 * `grids: [{name: 'g', rollingName: 'r', placeholder: '?', separator: ''}]`.
 */
export function parseConfig(
  raw: unknown,
  source = '(inline config)',
  env: NodeJS.ProcessEnv = process.env,
): PipelineConfig {
  const issues: ConfigIssue[] = [];
  if (!isObject(raw)) throw new ConfigError(source, [{ key: '(root)', expected: 'a JSON object', received: raw }]);
  const v = new Validator(raw, issues);

  for (const key of Object.keys(raw)) {
    if (!KNOWN_KEYS.includes(key))
      issues.push({ key, expected: `one of the known keys (${KNOWN_KEYS.join(', ')})`, received: 'an unknown key' });
  }

  const defaultCatalog = v.optionalIdentifier('default_catalog') ?? DEFAULT_CATALOG;
  const sourceTable = v.table('source_table', defaultCatalog);
  const summaryTable = v.table('destination_table', defaultCatalog);
  const latestTable = v.table('latest_history_table', defaultCatalog);
  const historyLength = v.optionalInt('history_length', 1, MAX_HISTORY_LENGTH) ?? 36;

  const columns: { source: string; dest: string }[] = [];
  const columnsRaw = raw['columns'];
  if (!isObject(columnsRaw) || Object.keys(columnsRaw).length === 0) {
    issues.push({
      key: 'columns',
      expected: 'a non-empty object of source column → destination column',
      received: columnsRaw,
    });
  } else {
    for (const [src, dest] of Object.entries(columnsRaw)) {
      if (typeof dest !== 'string' || dest.trim() === '')
        issues.push({ key: `columns.${src}`, expected: 'a destination column name', received: dest });
      else columns.push({ source: src, dest });
    }
    dupes(columns.map((c) => c.dest)).forEach((d) =>
      issues.push({ key: 'columns', expected: 'distinct destination names', received: `"${d}" twice` }),
    );
  }
  const dests = new Set(columns.map((c) => c.dest.toLowerCase()));
  const resolve = (key: string): string => {
    const name = v.string(key);
    if (name === undefined) return '';
    if (dests.has(name.toLowerCase())) return columns.find((c) => c.dest.toLowerCase() === name.toLowerCase())!.dest;
    const bySource = columns.find((c) => c.source.toLowerCase() === name.toLowerCase());
    if (bySource) return bySource.dest;
    if (columns.length)
      issues.push({ key, expected: 'a column listed in "columns" (destination or source name)', received: name });
    return name;
  };
  const keyColumn = resolve('primary_column');
  const monthColumn = resolve('partition_column');
  const dateColumn = resolve('primary_date_column');
  const tsColumn = resolve('max_identifier_column');

  const known = new Set(dests);
  const transformations = v.namedExprs('column_transformations', 'mapper_expr');
  transformations.forEach((t, i) => {
    if (!known.has(t.name.toLowerCase()))
      issues.push({
        key: `column_transformations[${i}].name`,
        expected: 'a destination column from "columns"',
        received: t.name,
      });
  });
  const inferred = v.namedExprs('inferred_columns', 'mapper_expr');
  inferred.forEach((c) => known.add(c.name.toLowerCase()));

  const rolling = v.rolling(historyLength);
  rolling.forEach((r) => known.add(r.mapperColumn.toLowerCase()));
  dupes(rolling.map((r) => r.name)).forEach((d) =>
    issues.push({ key: 'rolling_columns', expected: 'distinct names', received: `"${d}" twice` }),
  );
  for (const [i, r] of rolling.entries()) {
    const other = rolling.find(
      (o) => o !== r && o.mapperColumn.toLowerCase() === r.mapperColumn.toLowerCase() && o.mapperExpr !== r.mapperExpr,
    );
    if (other)
      issues.push({
        key: `rolling_columns[${i}].mapper_column`,
        expected: `one mapper_expr per mapper_column ("${other.name}" writes it differently)`,
        received: r.mapperColumn,
      });
    if (known.has(`${r.name}_history`.toLowerCase()))
      issues.push({
        key: `rolling_columns[${i}].name`,
        expected: `a name whose "${r.name}_history" does not collide with a column`,
        received: r.name,
      });
  }

  const grids = v.grids(rolling);
  const histories = new Set(rolling.map((r) => `${r.name}_history`.toLowerCase()));
  const gridNames = new Set(grids.map((g) => g.name.toLowerCase()));
  grids.forEach((g, i) => {
    if (known.has(g.name.toLowerCase()) || histories.has(g.name.toLowerCase()))
      issues.push({ key: `grid_columns[${i}].name`, expected: 'a name not used by another column', received: g.name });
  });

  const dateColumns = v.nameList('date_col_list', (n) => known.has(n.toLowerCase()), 'prepared columns');
  const coalesceExclusionCols = v.nameList(
    'coalesce_exclusion_cols',
    (n) => known.has(n.toLowerCase()),
    'prepared columns',
  );
  const latestAddonCols = v.nameList(
    'latest_history_addon_cols',
    (n) => known.has(n.toLowerCase()) || gridNames.has(n.toLowerCase()) || histories.has(n.toLowerCase()),
    'prepared, history or grid columns',
  );

  const preparedNames = new Map<string, string>();
  [...columns.map((c) => c.dest), ...inferred.map((c) => c.name), ...rolling.map((r) => r.mapperColumn)].forEach(
    (n) => {
      if (!preparedNames.has(n.toLowerCase())) preparedNames.set(n.toLowerCase(), n);
    },
  );
  const softDelete = v.softDelete(preparedNames);

  const performance = v.record('performance', (x) => typeof x === 'number' && Number.isFinite(x), 'a number') as Record<
    string,
    number
  >;
  const spark = {
    ...(v.record('spark_config', (x) => ['string', 'number', 'boolean'].includes(typeof x), 'a string') as Record<
      string,
      unknown
    >),
    ...(v.record('spark', (x) => ['string', 'number', 'boolean'].includes(typeof x), 'a string') as Record<
      string,
      unknown
    >),
  };
  const sparkStrings = Object.fromEntries(Object.entries(spark).map(([k, x]) => [k, String(x)]));

  const sourceSchema: SourceColumn[] = [];
  const schemaRaw = raw['source_schema'];
  let sourceSchemaInferred = false;
  if (schemaRaw === undefined) {
    sourceSchemaInferred = true;
  } else if (!isObject(schemaRaw)) {
    issues.push({ key: 'source_schema', expected: 'an object of source column → Spark SQL type', received: schemaRaw });
  } else {
    for (const [name, type] of Object.entries(schemaRaw)) {
      if (typeof type !== 'string' || !SPARK_TYPE.test(type.trim())) {
        issues.push({ key: `source_schema.${name}`, expected: SPARK_TYPE_EXPECTED, received: type });
      } else sourceSchema.push({ name, type: type.trim().toUpperCase() });
    }
    for (const c of columns) {
      if (!sourceSchema.some((s) => s.name.toLowerCase() === c.source.toLowerCase())) {
        issues.push({
          key: 'source_schema',
          expected: `a type for every source column in "columns" (missing "${c.source}")`,
        });
      }
    }
  }

  // Exact names (the ingest matches keys exactly). Without source_schema the table's columns are known
  // only at ingest, which then checks the names against them.
  const sourceNames = new Set(sourceSchemaInferred ? [] : sourceSchema.map((s) => s.name));
  const ingestOptionalColumns = v.nameList(
    'ingest_optional_columns',
    (n) => (sourceSchemaInferred ? n !== '' : sourceNames.has(n)),
    'source_schema columns (exact names)',
  );

  checkNoSubstitution(raw, issues);
  const policy = expressionPolicy(raw['expression_policy'], env, issues);
  const explicitSchema = sourceSchemaInferred ? null : sourceSchema;
  const types = checkConfigExpressions(
    { columns, transformations, inferred, rolling, sourceSchema: explicitSchema, policy },
    issues,
  );
  checkSemantics({ keyColumn, monthColumn, tsColumn, dateColumn }, types, rolling, issues);
  checkDuplicateNames(columns, grids, issues);

  const tables = v.pipelineTables(summaryTable, defaultCatalog);
  const named: [string, TableName | undefined][] = [
    ['source_table', sourceTable],
    ['destination_table', summaryTable],
    ['latest_history_table', latestTable],
    ...Object.entries(tables ?? {}).map(([k, t]): [string, TableName] => [`pipeline_tables.${k}`, t]),
  ];
  const historyNames = rolling.map((r) => `${r.name}_history`);
  const context = {
    defaultCatalog,
    keyColumn,
    dateColumn,
    tsColumn,
    softDelete,
    prepared: preparedNames,
    types,
    latestColumns: [
      keyColumn,
      monthColumn,
      dateColumn,
      tsColumn,
      ...historyNames,
      ...grids.map((g) => g.name),
      ...latestAddonCols,
    ],
    rollingNames: rolling.map((r) => r.name),
    tables: named,
  };
  const reportDates = parseReportDates(raw, context, issues);
  if (reportDates) named.push(['hist_rpt_dt_table', reportDates.table]);
  const unboundedHistory = parseUnboundedHistory(raw, context, issues);
  if (issues.length) throw new ConfigError(source, issues);

  const config: PipelineConfig = {
    sourceTable: sourceTable!,
    summaryTable: summaryTable!,
    latestTable: latestTable!,
    tables: tables!,
    keyColumn,
    monthColumn,
    dateColumn,
    tsColumn,
    historyLength,
    columns,
    transformations,
    inferred,
    coalesceExclusionCols,
    dateColumns,
    latestAddonCols,
    rolling,
    grids,
    performance,
    spark: sparkStrings,
    sourceSchema,
    sourceSchemaInferred,
    defaultCatalog,
    expressionPolicy: policy,
    ingestOptionalColumns,
    softDelete,
    reportDates,
    unboundedHistory,
  };
  if (sourceSchemaInferred) config.sourceSchema = inferSourceSchema(config);
  if (reportDates?.schemaInferred) reportDates.schema = inferReportSchema(config, reportDates);
  return config;
}

function isObject(x: unknown): x is Json {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function dupes(names: string[]): string[] {
  const seen = new Set<string>();
  const out = new Set<string>();
  for (const n of names) {
    if (seen.has(n.toLowerCase())) out.add(n);
    seen.add(n.toLowerCase());
  }
  return [...out];
}

/** Field readers that record an issue instead of throwing, so one load reports every problem. */
class Validator {
  constructor(
    private readonly raw: Json,
    private readonly issues: ConfigIssue[],
  ) {}

  string(key: string, obj: Json = this.raw, path = key): string | undefined {
    const x = obj[key.split('.').pop()!];
    if (typeof x !== 'string' || x.trim() === '') {
      this.issues.push({ key: path, expected: 'a non-empty string', received: x });
      return undefined;
    }
    return x;
  }

  optionalIdentifier(key: string): string | undefined {
    const x = this.raw[key];
    if (x === undefined) return undefined;
    if (typeof x !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(x)) {
      this.issues.push({ key, expected: 'an identifier', received: x });
      return undefined;
    }
    return x;
  }

  table(key: string, defaultCatalog: string): TableName | undefined {
    const text = this.string(key);
    if (text === undefined) return undefined;
    const name = TableName.parse(text, defaultCatalog);
    if (!name)
      this.issues.push({
        key,
        expected: 'a table name "namespace.table" or "catalog.namespace.table"',
        received: text,
      });
    return name;
  }

  optionalInt(key: string, min: number, max: number, obj: Json = this.raw, path = key): number | undefined {
    const x = obj[key];
    if (x === undefined) return undefined;
    if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) {
      this.issues.push({ key: path, expected: `an integer from ${min} to ${max}`, received: x });
      return undefined;
    }
    return x;
  }

  array(key: string): unknown[] {
    const x = this.raw[key];
    if (x === undefined) return [];
    if (!Array.isArray(x)) {
      this.issues.push({ key, expected: 'an array', received: x });
      return [];
    }
    return x;
  }

  namedExprs(key: string, exprKey: string): NamedExpr[] {
    const out: NamedExpr[] = [];
    this.array(key).forEach((item, i) => {
      const path = `${key}[${i}]`;
      if (!isObject(item))
        return this.issues.push({ key: path, expected: `an object {name, ${exprKey}}`, received: item });
      const name = this.string('name', item, `${path}.name`);
      const expr = this.string(exprKey, item, `${path}.${exprKey}`);
      if (name !== undefined && expr !== undefined) out.push({ name, expr });
    });
    return out;
  }

  rolling(historyLength: number): RollingColumn[] {
    const out: RollingColumn[] = [];
    this.array('rolling_columns').forEach((item, i) => {
      const path = `rolling_columns[${i}]`;
      if (!isObject(item))
        return this.issues.push({
          key: path,
          expected: 'an object {name, mapper_expr, mapper_column, num_cols, type}',
          received: item,
        });
      const name = this.string('name', item, `${path}.name`);
      const mapperExpr = this.string('mapper_expr', item, `${path}.mapper_expr`);
      const mapperColumn = this.string('mapper_column', item, `${path}.mapper_column`);
      const length = this.optionalInt('num_cols', 1, MAX_HISTORY_LENGTH, item, `${path}.num_cols`) ?? historyLength;
      const type = item['type'] ?? 'Integer';
      if (!ROLLING_TYPES.includes(type as RollingType))
        this.issues.push({ key: `${path}.type`, expected: `one of ${ROLLING_TYPES.join(', ')}`, received: type });
      else if (name && mapperExpr && mapperColumn)
        out.push({ name, mapperExpr, mapperColumn, length, type: type as RollingType });
    });
    return out;
  }

  grids(rolling: RollingColumn[]): GridColumn[] {
    const out: GridColumn[] = [];
    this.array('grid_columns').forEach((item, i) => {
      const path = `grid_columns[${i}]`;
      if (!isObject(item))
        return this.issues.push({
          key: path,
          expected: 'an object {name, mapper_rolling_column, placeholder, separator}',
          received: item,
        });
      const name = this.string('name', item, `${path}.name`);
      const rollingName = this.string('mapper_rolling_column', item, `${path}.mapper_rolling_column`);
      if (rollingName && !rolling.some((r) => r.name === rollingName)) {
        this.issues.push({
          key: `${path}.mapper_rolling_column`,
          expected: `the name of a rolling column (${rolling.map((r) => r.name).join(', ')})`,
          received: rollingName,
        });
      }
      // The production file spells it "seperator"; accept both, the correct spelling wins.
      const separator = item['separator'] ?? item['seperator'] ?? '';
      const placeholder = item['placeholder'] ?? '?';
      if (typeof separator !== 'string')
        this.issues.push({ key: `${path}.separator`, expected: 'a string', received: separator });
      if (typeof placeholder !== 'string')
        this.issues.push({ key: `${path}.placeholder`, expected: 'a string', received: placeholder });
      if (name && rollingName && typeof separator === 'string' && typeof placeholder === 'string')
        out.push({ name, rollingName, placeholder, separator });
    });
    return out;
  }

  nameList(key: string, ok: (name: string) => boolean, what: string): string[] {
    const out: string[] = [];
    this.array(key).forEach((item, i) => {
      if (typeof item !== 'string' || !ok(item))
        this.issues.push({ key: `${key}[${i}]`, expected: `one of the ${what}`, received: item });
      else out.push(item);
    });
    return out;
  }

  record(key: string, ok: (x: unknown) => boolean, what: string): Record<string, unknown> {
    const x = this.raw[key];
    if (x === undefined) return {};
    if (!isObject(x)) {
      this.issues.push({ key, expected: 'an object', received: x });
      return {};
    }
    for (const [k, val] of Object.entries(x))
      if (!ok(val)) this.issues.push({ key: `${key}.${k}`, expected: what, received: val });
    return x;
  }

  /**
   * `soft_delete` (SPEC §4a): absent → the default when the prepared row has `soft_del_cd`, else off;
   * false → off; {column, codes} → on with that prepared column and those codes (compared as strings).
   * Example: {"column": "del_cd", "codes": ["D"]} → {column: 'del_cd', codes: ['D']}.
   */
  softDelete(prepared: Map<string, string>): SoftDelete | null {
    const x = this.raw['soft_delete'];
    const expected = 'false, or an object {"column": <prepared column>, "codes": [<string>, …]}';
    const canonical = (name: string) => prepared.get(name.toLowerCase()) ?? name;
    if (x === undefined) {
      return prepared.has(DEFAULT_SOFT_DELETE.column)
        ? { column: canonical(DEFAULT_SOFT_DELETE.column), codes: [...DEFAULT_SOFT_DELETE.codes] }
        : null;
    }
    if (x === false) return null;
    if (!isObject(x)) {
      this.issues.push({ key: 'soft_delete', expected, received: x });
      return null;
    }
    for (const k of Object.keys(x)) {
      if (k !== 'column' && k !== 'codes')
        this.issues.push({ key: `soft_delete.${k}`, expected: 'one of column, codes', received: 'an unknown key' });
    }
    const column = this.string('column', x, 'soft_delete.column');
    if (column !== undefined && !prepared.has(column.toLowerCase())) {
      this.issues.push({
        key: 'soft_delete.column',
        expected: 'a prepared column (a destination name from "columns", an inferred or a mapper column)',
        received: column,
      });
    }
    const codes = x['codes'];
    const codesOk = Array.isArray(codes) && codes.length > 0 && codes.every((c) => typeof c === 'string' && c !== '');
    if (!codesOk)
      this.issues.push({
        key: 'soft_delete.codes',
        expected: 'a non-empty array of non-empty strings (the column is compared as a string)',
        received: codes,
      });
    else if (new Set(codes).size !== codes.length)
      this.issues.push({ key: 'soft_delete.codes', expected: 'distinct codes', received: codes });
    if (column === undefined || !codesOk) return null;
    return { column: canonical(column), codes: codes as string[] };
  }

  pipelineTables(summary: TableName | undefined, defaultCatalog: string) {
    const x = this.raw['pipeline_tables'] ?? {};
    if (!isObject(x)) {
      this.issues.push({
        key: 'pipeline_tables',
        expected: 'an object {rejects, audit, ledger, batches}',
        received: x,
      });
      return undefined;
    }
    if (!summary) return undefined;
    const pick = (name: 'rejects' | 'audit' | 'ledger' | 'batches', suffix: string): TableName => {
      const given = x[name];
      if (given === undefined) return summary.sibling(`${summary.table}_${suffix}`);
      const parsed = typeof given === 'string' ? TableName.parse(given, defaultCatalog) : undefined;
      if (!parsed) this.issues.push({ key: `pipeline_tables.${name}`, expected: 'a table name', received: given });
      return parsed ?? summary;
    };
    for (const k of Object.keys(x)) {
      if (!['rejects', 'audit', 'ledger', 'batches'].includes(k))
        this.issues.push({
          key: `pipeline_tables.${k}`,
          expected: 'one of rejects, audit, ledger, batches',
          received: 'an unknown key',
        });
    }
    return {
      rejects: pick('rejects', 'rejects'),
      audit: pick('audit', 'audit'),
      ledger: pick('ledger', 'runs'),
      batches: pick('batches', 'batches'),
    };
  }
}
