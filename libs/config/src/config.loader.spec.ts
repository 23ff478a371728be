import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from './errors';
import { loadConfigFile, parseConfig } from './config.loader';
import { columnModel } from './column-model';
import { checkReportTable } from './report-dates';
import seed000 from '../../../config/seed-000.json';
import { ALT_CONFIG } from '@app/testing';

const REPO = join(__dirname, '..', '..', '..');
const PRODUCTION = join(REPO, '..', 'shared', 'reference', 'summary_config.production-example.json');
const NO_ENV = {};

function issuesOf(raw: unknown, env: NodeJS.ProcessEnv = NO_ENV): string[] {
  try {
    parseConfig(raw, 'test.json', env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues.map((i) => `${i.key}: ${i.expected}`);
  }
  throw new Error('expected a ConfigError');
}

const withChange = (change: (r: Record<string, unknown>) => void) => {
  const raw = JSON.parse(JSON.stringify(seed000));
  change(raw);
  return raw;
};

describe('loadConfigFile', () => {
  it('loads the production example unchanged, with its catalogs, "seperator" and inferred source types', () => {
    const c = loadConfigFile(PRODUCTION);
    expect(c.sourceTable.plain).toBe('spark_catalog.edf_gold.ivaps_consumer_accounts_all');
    expect(c.summaryTable.plain).toBe('primary_catalog.edf_gold.summary');
    expect(c.tables.ledger.plain).toBe('primary_catalog.edf_gold.summary_runs');
    expect(c.keyColumn).toBe('cons_acct_key');
    expect(c.rolling.map((r) => r.name)).toEqual([
      'actual_payment_am',
      'balance_am',
      'credit_limit_am',
      'past_due_am',
      'payment_rating_cd',
      'days_past_due',
      'asset_class_cd_4in',
    ]);
    expect(c.rolling.find((r) => r.name === 'asset_class_cd_4in')).toMatchObject({
      mapperColumn: 'asset_class_cd',
      type: 'String',
      length: 36,
    });
    expect(c.grids).toEqual([
      { name: 'payment_history_grid', rollingName: 'payment_rating_cd', placeholder: '?', separator: '' },
    ]);
    expect(c.sourceSchemaInferred).toBe(true);
    const types = Object.fromEntries(c.sourceSchema.map((s) => [s.name, s.type]));
    expect(types).toMatchObject({
      cons_acct_key: 'BIGINT',
      base_ts: 'TIMESTAMP',
      acct_dt: 'DATE',
      acct_open_dt: 'DATE',
      acct_bal_am: 'BIGINT',
      days_past_due_ct_4in: 'BIGINT',
      rpt_as_of_mo: 'STRING',
      bureau_mbr_id: 'STRING',
    });
    const model = columnModel(c);
    expect(model.latest).toContain('payment_history_grid');
    expect(model.prepared).toEqual(expect.arrayContaining(['orig_loan_am', 'payment_rating_cd', 'asset_class_cd']));
  });

  it('reports an unreadable file and invalid JSON with the path', () => {
    expect(() => loadConfigFile('/nonexistent/x.json')).toThrow(
      /^Pipeline config file not found: \/nonexistent\/x\.json:\n {2}- \(file\): expected an existing JSON file: check --config or SUMMARY_CONFIG$/,
    );
    expect(() => loadConfigFile('/nonexistent/x.json')).toThrow(
      expect.objectContaining({ name: 'ConfigError', retriable: false }),
    );
    expect(() => loadConfigFile(__dirname)).toThrow(
      /^Cannot read pipeline config .*:\n {2}- \(file\): expected a readable JSON file; received "EISDIR/,
    );
  });
});

describe('parseConfig errors name the key and what was expected', () => {
  it('missing required keys', () => {
    const issues = issuesOf(withChange((r) => delete r.destination_table));
    expect(issues).toContain('destination_table: a non-empty string');
  });

  it('an unknown key (a typo) is reported', () => {
    expect(issuesOf(withChange((r) => (r.rolling_colums = [])))[0]).toMatch(/^rolling_colums: one of the known keys/);
  });

  it('a bad rolling type, num_cols and unknown grid reference', () => {
    const issues = issuesOf(
      withChange((r) => {
        const rolling = r.rolling_columns as Record<string, unknown>[];
        rolling[0].type = 'Int';
        rolling[1].num_cols = 0;
        r.grid_columns = [{ name: 'g', mapper_rolling_column: 'nope' }];
      }),
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        'rolling_columns[0].type: one of Integer, Long, String',
        'rolling_columns[1].num_cols: an integer from 1 to 600',
        'grid_columns[0].mapper_rolling_column: the name of a rolling column (dpd, payment, status)',
      ]),
    );
  });

  it('key columns must be among the columns; bad table names and source types are reported', () => {
    const issues = issuesOf(
      withChange((r) => {
        r.primary_column = 'account';
        r.source_table = 'justone';
        (r.source_schema as Record<string, string>).current_balance = 'NUMBER';
      }),
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        'primary_column: a column listed in "columns" (destination or source name)',
        'source_table: a table name "namespace.table" or "catalog.namespace.table"',
        expect.stringMatching(/^source_schema\.current_balance: a Spark SQL type/),
      ]),
    );
  });

  it('date_col_list and latest_history_addon_cols must name known columns', () => {
    const issues = issuesOf(
      withChange((r) => {
        r.date_col_list = ['nope_dt'];
        r.latest_history_addon_cols = ['missing'];
      }),
    );
    expect(issues).toEqual([
      'date_col_list[0]: one of the prepared columns',
      'latest_history_addon_cols[0]: one of the prepared, history or grid columns',
    ]);
  });

  it('ingest_optional_columns names source_schema columns exactly', () => {
    expect(
      parseConfig(
        withChange((r) => (r.ingest_optional_columns = ['payment_am'])),
        'x',
        NO_ENV,
      ).ingestOptionalColumns,
    ).toEqual(['payment_am']);
    expect(parseConfig(seed000, 'x', NO_ENV).ingestOptionalColumns).toEqual([]);
    expect(issuesOf(withChange((r) => (r.ingest_optional_columns = ['PAYMENT_AM', 7])))).toEqual([
      'ingest_optional_columns[0]: one of the source_schema columns (exact names)',
      'ingest_optional_columns[1]: one of the source_schema columns (exact names)',
    ]);
  });

  it('a source_schema must type every source column', () => {
    const issues = issuesOf(withChange((r) => delete (r.source_schema as Record<string, string>).payment_am));
    expect(issues).toEqual(['source_schema: a type for every source column in "columns" (missing "payment_am")']);
  });

  it('defaults: history_length 36, placeholder "?", separator "", two-part names in catalog "local"', () => {
    const c = parseConfig(
      withChange((r) => {
        delete r.history_length;
        r.source_table = 'raw.accounts_all';
        r.grid_columns = [{ name: 'status_grid', mapper_rolling_column: 'status' }];
      }),
    );
    expect(c.historyLength).toBe(36);
    expect(c.sourceTable.sql).toBe('`local`.`raw`.`accounts_all`');
    expect(c.grids[0]).toEqual({ name: 'status_grid', rollingName: 'status', placeholder: '?', separator: '' });
  });
});

describe('every shipped, reference and seed config loads with the expression boundary on', () => {
  it.each([
    ['the production example', PRODUCTION],
    ['config/seed-000.json', join(REPO, 'config', 'seed-000.json')],
    ['k8s base', join(REPO, 'k8s', 'base', 'pipeline-config.json')],
    ['k8s prod overlay', join(REPO, 'k8s', 'overlays', 'prod', 'pipeline-config.json')],
  ])('%s', (_name, path) => {
    expect(loadConfigFile(path, NO_ENV).expressionPolicy).toBe('restricted');
  });

  it('the property-test config (ALT_CONFIG)', () => {
    expect(parseConfig(ALT_CONFIG, 'alt', NO_ENV).expressionPolicy).toBe('restricted');
  });

  // The seeds' example expressions (seeds 002 and 003) and the ones the repo's tests use.
  it.each([
    ['column_transformations', 'current_balance', 'CASE WHEN current_balance = -1 THEN NULL ELSE current_balance END'],
    ['column_transformations', 'status_cd', "CASE WHEN status_cd = '' THEN '999' ELSE status_cd END"],
    ['column_transformations', 'cons_acct_key', 'abs(cons_acct_key)'],
    ['column_transformations', 'rpt_as_of_mo', 'trim(rpt_as_of_mo)'],
    ['inferred_columns', 'rpt_as_of_mo', 'substr(CAST(acct_dt AS STRING), 1, 7)'],
    ['inferred_columns', 'orig', "CASE WHEN status_cd IN ('5', '214') THEN current_balance ELSE payment_am END"],
    ['inferred_columns', 'bal0', 'COALESCE(current_balance, 0)'],
  ])('%s %s: %s', (key, name, expr) => {
    expect(() =>
      parseConfig(
        withChange((r) => (r[key] = [{ name, mapper_expr: expr }])),
        't',
        NO_ENV,
      ),
    ).not.toThrow();
  });
});

describe('config expressions stay inside the row (issue 10)', () => {
  const attack = (path: 'column_transformations' | 'inferred_columns' | 'rolling_columns', expr: string) =>
    withChange((r) => {
      if (path === 'rolling_columns') (r.rolling_columns as Record<string, unknown>[])[2].mapper_expr = expr;
      else r[path] = [{ name: 'status_cd', mapper_expr: expr }];
    });
  const issueOf = (raw: unknown) => {
    try {
      parseConfig(raw, 'test.json', NO_ENV);
    } catch (err) {
      return (err as ConfigError).issues;
    }
    throw new Error('expected a ConfigError');
  };

  it.each([
    [
      'rolling_columns',
      "java_method('java.lang.System', 'getenv', 'HOME')",
      'rolling_columns[2].mapper_expr',
      'the function java_method at character 0',
      /^a function on the allow-list \(abs, /,
    ],
    [
      'rolling_columns',
      "reflect('java.lang.System', 'getenv', 'HOME')",
      'rolling_columns[2].mapper_expr',
      'the function reflect at character 0',
      /allow-list/,
    ],
    [
      'inferred_columns',
      '(SELECT max(status_cd) FROM local.demo.summary)',
      'inferred_columns[0].mapper_expr',
      "'SELECT' at character 1",
      /subquery is not allowed/,
    ],
    [
      'column_transformations',
      '(SELECT first(value) FROM text.`/etc/hostname`)',
      'column_transformations[0].mapper_expr',
      "'SELECT' at character 1",
      /subquery is not allowed/,
    ],
    [
      'column_transformations',
      'text.`/etc/hostname`',
      'column_transformations[0].mapper_expr',
      'a dotted name (a table, file or struct reference) at character 4',
      /column name alone/,
    ],
    [
      'inferred_columns',
      "status_cd) AS status_cd, (SELECT 'x'",
      'inferred_columns[0].mapper_expr',
      "')' at character 9",
      /end of the expression/,
    ],
    [
      'column_transformations',
      'status_cd; SELECT 1',
      'column_transformations[0].mapper_expr',
      'a semicolon (a second statement) at character 9',
      /end of the expression/,
    ],
    [
      'rolling_columns',
      'my_udf(payment_am)',
      'rolling_columns[2].mapper_expr',
      'the function my_udf at character 0',
      /allow-list/,
    ],
    [
      'rolling_columns',
      'coalesce(payment_am, __source_row)',
      'rolling_columns[2].mapper_expr',
      'the column __source_row, which is not in the row there at character 21',
      /SPEC §3 step 4/,
    ],
    // Issue 25: the clock built from pieces Spark computes while it plans (clock.ts).
    [
      'inferred_columns',
      "CAST(concat('to', 'day') AS DATE)",
      'inferred_columns[0].mapper_expr',
      "the string computed from literals concat('to', 'day'), which Spark converts to a date or timestamp there at character 5",
      /reads the clock when it is now, today/,
    ],
    [
      'column_transformations',
      "CASE WHEN to_date(lower(concat('TO', 'DAY'))) > acct_dt THEN 'A' END",
      'column_transformations[0].mapper_expr',
      "the string computed from literals lower(concat('TO', 'DAY')), which Spark converts to a date or timestamp there at character 18",
      /write the literal instead/,
    ],
  ] as const)('%s: %s', (path, expr, key, received, expected) => {
    const issues = issueOf(attack(path, expr));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ key, received });
    expect(issues[0].expected).toMatch(expected);
  });

  it('a column is read only where SPEC §3 has it: an inferred column after its definition, never another mapper column', () => {
    const before = withChange((r) => {
      r.inferred_columns = [
        { name: 'a', mapper_expr: 'b' },
        { name: 'b', mapper_expr: 'current_balance' },
      ];
    });
    expect(issueOf(before)).toEqual([
      expect.objectContaining({
        key: 'inferred_columns[0].mapper_expr',
        received: 'the column b, which is not in the row there at character 0',
      }),
    ]);
    const mapper = withChange((r) => {
      (r.rolling_columns as Record<string, unknown>[]).push({
        name: 'x',
        mapper_expr: 'current_balance + 1',
        mapper_column: 'x_val',
      });
      (r.rolling_columns as Record<string, unknown>[]).push({
        name: 'y',
        mapper_expr: 'x_val',
        mapper_column: 'y_val',
      });
    });
    expect(issueOf(mapper)).toEqual([
      expect.objectContaining({
        key: 'rolling_columns[5].mapper_expr',
        received: 'the column x_val, which is not in the row there at character 0',
      }),
    ]);
  });

  it('"trusted" lifts the boundary only where the deployment allows it (env SUMMARY_ALLOW_TRUSTED_EXPRESSIONS=1)', () => {
    const raw = withChange((r) => {
      r.expression_policy = 'trusted';
      (r.rolling_columns as Record<string, unknown>[])[2].mapper_expr =
        "java_method('java.lang.System', 'getenv', 'HOME')";
    });
    expect(issuesOf(raw)).toEqual([
      'expression_policy: "restricted", or "trusted" where the deployment allows it (env SUMMARY_ALLOW_TRUSTED_EXPRESSIONS=1, unset here)',
      expect.stringMatching(/^rolling_columns\[2\]\.mapper_expr: a function on the allow-list/),
    ]);
    expect(parseConfig(raw, 't', { SUMMARY_ALLOW_TRUSTED_EXPRESSIONS: '1' }).expressionPolicy).toBe('trusted');
    expect(issuesOf(withChange((r) => (r.expression_policy = 'open')))).toEqual([
      'expression_policy: one of restricted, trusted',
    ]);
  });
});

describe('semantic checks name the key and what was expected', () => {
  it('key, month, base_ts and date are four different columns', () => {
    expect(issuesOf(withChange((r) => (r.primary_column = 'rpt_as_of_mo')))).toEqual([
      'partition_column: a column other than primary_column\'s "rpt_as_of_mo" (key, month, base_ts and date are four different columns)',
    ]);
    expect(issuesOf(withChange((r) => (r.primary_date_column = 'BASE_TS')))).toEqual([
      'primary_date_column: a column other than max_identifier_column\'s "base_ts" (key, month, base_ts and date are four different columns)',
    ]);
  });

  it('base_ts must be a TIMESTAMP or DATE and the month a STRING, where the type is known', () => {
    const issues = issuesOf(
      withChange((r) => {
        (r.source_schema as Record<string, string>).base_ts = 'STRING';
        (r.source_schema as Record<string, string>).rpt_as_of_mo = 'DATE';
      }),
    );
    expect(issues).toEqual([
      'max_identifier_column: a TIMESTAMP (or DATE) column: the newer base_ts wins (SPEC §4)',
      'partition_column: a STRING column of YYYY-MM months (SPEC §3: any other value is rejected as INVALID_MONTH)',
    ]);
    // A transformation that makes a timestamp of the string is fine; so is a DATE.
    expect(() =>
      parseConfig(
        withChange((r) => {
          (r.source_schema as Record<string, string>).base_ts = 'STRING';
          r.column_transformations = [{ name: 'base_ts', mapper_expr: 'to_timestamp(base_ts)' }];
        }),
        't',
        NO_ENV,
      ),
    ).not.toThrow();
    expect(() =>
      parseConfig(
        withChange((r) => ((r.source_schema as Record<string, string>).base_ts = 'DATE')),
        't',
        NO_ENV,
      ),
    ).not.toThrow();
  });

  it('an Integer or Long history must be fed numbers; a String history takes anything', () => {
    const raw = withChange((r) => {
      const rolling = r.rolling_columns as Record<string, unknown>[];
      rolling[0].mapper_expr = 'status_cd';
      rolling[0].mapper_column = 'bal_from_status';
      rolling[1].type = 'Long';
      rolling[1].mapper_expr = "CASE WHEN current_dpd > 0 THEN 'late' END";
      rolling[1].mapper_column = 'dpd_label';
    });
    const issues = issuesOf(raw);
    expect(issues).toEqual([
      'rolling_columns[0].type: a mapper_expr giving numbers for an Integer history, or type "String"',
      'rolling_columns[1].type: a mapper_expr giving numbers for a Long history, or type "String"',
    ]);
    expect(() =>
      parseConfig(
        withChange(
          (r) => ((r.rolling_columns as Record<string, unknown>[])[0].mapper_expr = 'CAST(current_balance AS STRING)'),
        ),
        't',
        NO_ENV,
      ),
    ).toThrow(
      'rolling_columns[0].type: expected a mapper_expr giving numbers for an Integer history, or type "String"; ' +
        'received "\\"Integer\\" fed a string (rolling_columns[0].mapper_expr)"',
    );
    // Without a source_schema a column's type is unknown: accepted.
    expect(() =>
      parseConfig(
        withChange((r) => {
          delete r.source_schema;
          (r.rolling_columns as Record<string, unknown>[])[0].mapper_expr = 'status_cd';
        }),
        't',
        NO_ENV,
      ),
    ).not.toThrow();
  });

  it('duplicate names: source columns differing in case, grids', () => {
    const issues = issuesOf(
      withChange((r) => {
        (r.columns as Record<string, string>).STATUS_CD = 'status_code';
        (r.source_schema as Record<string, string>).STATUS_CD = 'STRING';
        r.grid_columns = [
          { name: 'g', mapper_rolling_column: 'status' },
          { name: 'G', mapper_rolling_column: 'dpd' },
        ];
      }),
    );
    expect(issues).toEqual([
      'columns: distinct source names (Spark compares them case-insensitively)',
      'grid_columns: distinct names',
    ]);
  });
});

describe('${…} is refused wherever a config string becomes SQL text', () => {
  // Spark substitutes ${env:NAME}, ${system:name} and ${spark.conf.key} into SQL text before parsing it,
  // inside string literals and quoted names too (spark.sql.variable.substitute, on by default).
  it('in an expression, a grid placeholder and a column name', () => {
    const issues = issuesOf(
      withChange((r) => {
        (r.rolling_columns as Record<string, unknown>[])[3].mapper_expr =
          "concat(status_cd, '${env:AWS_SECRET_ACCESS_KEY}')";
        r.grid_columns = [
          { name: 'status_grid', mapper_rolling_column: 'status', placeholder: '${spark.hadoop.fs.s3a.secret.key}' },
        ];
        (r.columns as Record<string, string>).created_ts = '${system:user.name}';
      }),
    );
    expect(issues).toEqual([
      'columns.created_ts: no "${": Spark substitutes environment, system and configuration values for ${…} anywhere in SQL text',
      'grid_columns[0].placeholder: no "${": Spark substitutes environment, system and configuration values for ${…} anywhere in SQL text',
      'rolling_columns[3].mapper_expr: no "${": Spark substitutes environment, system and configuration values for ${…} anywhere in SQL text',
    ]);
  });
});

describe('${…} is refused in the Spark settings too', () => {
  // Spark expands ${env:NAME} in a setting's value when it reads it; a class name that does not load then
  // put the secret into the error text (logs, the DLQ header, the ledger).
  it('in a value of spark and spark_config; the production example has none', () => {
    const issues = issuesOf(
      withChange((r) => {
        r.spark = {
          'spark.sql.adaptive.customCostEvaluatorClass': '${env:KAFKA_SASL_PASSWORD}',
          'spark.sql.adaptive.enabled': 'true',
        };
        r.spark_config = { 'spark.sql.files.maxPartitionBytes': 'x${system:user.name}' };
      }),
    );
    const expected =
      'no "${": Spark expands ${env:…} and ${system:…} in a setting\'s value when it reads it, and its errors would carry the value';
    expect(issues).toEqual([
      `spark.spark.sql.adaptive.customCostEvaluatorClass: ${expected}`,
      `spark_config.spark.sql.files.maxPartitionBytes: ${expected}`,
    ]);
    expect(() => loadConfigFile(PRODUCTION)).not.toThrow();
  });
});

describe('soft_delete (SPEC §4a)', () => {
  it('is on by default in the production example, which has soft_del_cd: codes 1 and 4', () => {
    expect(loadConfigFile(PRODUCTION).softDelete).toEqual({ column: 'soft_del_cd', codes: ['1', '4'] });
  });

  it('is off by default without a soft_del_cd column, and off with "soft_delete": false', () => {
    expect(
      parseConfig(
        withChange(() => undefined),
        't',
        NO_ENV,
      ).softDelete,
    ).toBeNull();
    const prod = JSON.parse(readFileSync(PRODUCTION, 'utf8')) as Record<string, unknown>;
    expect(parseConfig({ ...prod, soft_delete: false }, 't', NO_ENV).softDelete).toBeNull();
  });

  it('takes a column (any prepared column, named in any case) and codes', () => {
    const raw = { ...ALT_CONFIG, soft_delete: { column: 'STATUS_CD', codes: ['D', 'X'] } };
    expect(parseConfig(raw, 't', NO_ENV).softDelete).toEqual({ column: 'status_cd', codes: ['D', 'X'] });
    expect(
      parseConfig({ ...ALT_CONFIG, soft_delete: { column: 'rating', codes: ['2'] } }, 't', NO_ENV).softDelete,
    ).toEqual({ column: 'rating', codes: ['2'] });
  });

  it.each([
    [true, 'soft_delete: false, or an object {"column": <prepared column>, "codes": [<string>, …]}'],
    ['soft_del_cd', 'soft_delete: false, or an object {"column": <prepared column>, "codes": [<string>, …]}'],
    [
      { column: 'nope', codes: ['1'] },
      'soft_delete.column: a prepared column (a destination name from "columns", an inferred or a mapper column)',
    ],
    [{ codes: ['1'] }, 'soft_delete.column: a non-empty string'],
    [
      { column: 'del_cd', codes: [] },
      'soft_delete.codes: a non-empty array of non-empty strings (the column is compared as a string)',
    ],
    [
      { column: 'del_cd', codes: [1, 4] },
      'soft_delete.codes: a non-empty array of non-empty strings (the column is compared as a string)',
    ],
    [{ column: 'del_cd', codes: ['1', '1'] }, 'soft_delete.codes: distinct codes'],
    [{ column: 'del_cd', codes: ['1'], code: '4' }, 'soft_delete.code: one of column, codes'],
  ])('refuses %j, naming the key and what it expects', (value, issue) => {
    expect(issuesOf({ ...ALT_CONFIG, soft_delete: value })).toEqual([issue]);
  });
});

describe('hist_rpt_dt_table, hist_rpt_dt_cols, hist_rpt_dt_schema (SPEC §4b)', () => {
  const prod = () => JSON.parse(readFileSync(PRODUCTION, 'utf8')) as Record<string, unknown>;
  // ALT_CONFIG's roles: key acct_id, date as_of_dt, base_ts load_ts, §4a column del_cd (INT).
  const alt = (report: Record<string, unknown>) => ({
    ...ALT_CONFIG,
    hist_rpt_dt_table: 'local.alt.rpt_dates',
    ...report,
  });
  const ALT_SCHEMA = { acct_id: 'BIGINT', as_of_dt: 'DATE', load_ts: 'TIMESTAMP', del_cd: 'INT', update_dt: 'DATE' };

  it('the production example loads unchanged: its roles, ordering columns and inferred types', () => {
    const c = loadConfigFile(PRODUCTION, NO_ENV);
    expect(c.reportDates).toMatchObject({
      columns: [
        'cons_acct_key',
        'soft_del_cd',
        'acct_dt',
        'base_ts',
        'insert_dt',
        'update_dt',
        'insert_time',
        'update_time',
      ],
      keyColumn: 'cons_acct_key',
      dateColumn: 'acct_dt',
      tsColumn: 'base_ts',
      deleteColumn: 'soft_del_cd',
      orderColumns: ['insert_dt', 'update_dt', 'insert_time', 'update_time'],
      schemaInferred: true,
    });
    expect(c.reportDates!.table.plain).toBe('primary_catalog.edf_gold.consumer_account_hist_rpt');
    expect(Object.fromEntries(c.reportDates!.schema.map((s) => [s.name, s.type]))).toEqual({
      cons_acct_key: 'BIGINT',
      soft_del_cd: 'STRING',
      acct_dt: 'DATE',
      base_ts: 'TIMESTAMP',
      insert_dt: 'DATE',
      update_dt: 'DATE',
      insert_time: 'STRING',
      update_time: 'STRING',
    });
    expect(c.unboundedHistory).toBeNull();
  });

  it('is off without the keys (a config of the previous release)', () => {
    expect(parseConfig(seed000, 't', NO_ENV).reportDates).toBeNull();
    expect(parseConfig(ALT_CONFIG, 't', NO_ENV).reportDates).toBeNull();
  });

  it('takes names in any case and order, ordering columns in SPEC order, types from hist_rpt_dt_schema', () => {
    const c = parseConfig(
      alt({
        hist_rpt_dt_cols: ['update_dt', 'LOAD_TS', 'acct_id', 'as_of_dt', 'del_cd'],
        hist_rpt_dt_schema: { ...ALT_SCHEMA, LOAD_TS: 'TIMESTAMP' },
      }),
      't',
      NO_ENV,
    );
    expect(c.reportDates).toMatchObject({
      keyColumn: 'acct_id',
      tsColumn: 'LOAD_TS',
      deleteColumn: 'del_cd',
      orderColumns: ['update_dt'],
      schemaInferred: false,
    });
    expect(c.reportDates!.schema).toContainEqual({ name: 'update_dt', type: 'DATE' });
  });

  it('with soft delete off the delete column is optional, and only soft_del_cd where the main row has it', () => {
    const off = { ...alt({ hist_rpt_dt_cols: ['acct_id', 'as_of_dt', 'load_ts'] }), soft_delete: false };
    expect(parseConfig(off, 't', NO_ENV).reportDates!.deleteColumn).toBeNull();
    expect(issuesOf({ ...off, hist_rpt_dt_cols: ['acct_id', 'as_of_dt', 'load_ts', 'del_cd'] })).toEqual([
      'hist_rpt_dt_cols[3]: one of "acct_id" (primary_column), "as_of_dt" (primary_date_column), ' +
        '"load_ts" (max_identifier_column), "insert_dt" (an ordering column), ' +
        '"update_dt" (an ordering column), "insert_time" (an ordering column), "update_time" (an ordering column)',
    ]);
    const prodOff = parseConfig({ ...prod(), soft_delete: false }, 't', NO_ENV);
    expect(prodOff.reportDates!.deleteColumn).toBe('soft_del_cd');
  });

  it.each([
    [
      { hist_rpt_dt_cols: ['acct_id', 'as_of_dt', 'load_ts', 'del_cd'], hist_rpt_dt_table: 'rpt' },
      ['hist_rpt_dt_table: a table name "namespace.table" or "catalog.namespace.table"'],
    ],
    [
      { hist_rpt_dt_cols: ['acct_id', 'as_of_dt', 'load_ts', 'del_cd'], hist_rpt_dt_table: 'local.raw_alt.feed_rows' },
      ["hist_rpt_dt_table: a table of its own, not source_table's"],
    ],
    [
      { hist_rpt_dt_cols: ['acct_id', 'as_of_dt', 'load_ts', 'del_cd'], hist_rpt_dt_table: undefined },
      ['hist_rpt_dt_table: a table name "namespace.table" or "catalog.namespace.table"'],
    ],
    [
      { hist_rpt_dt_cols: 'acct_id' },
      [
        expect.stringMatching(
          /^hist_rpt_dt_cols: a non-empty array of the report table's columns, each a prepared name of one of "acct_id" \(primary_column\), /,
        ),
      ],
    ],
    [
      { hist_rpt_dt_cols: ['acct_id', 'as_of_dt', 'load_ts', 'del_cd', 'balance'] },
      [
        expect.stringMatching(
          /^hist_rpt_dt_cols\[4\]: one of "acct_id" \(primary_column\), .*"del_cd" \(soft_delete\.column, SPEC §4a\)/,
        ),
      ],
    ],
    [
      { hist_rpt_dt_cols: ['acct_id', 'as_of_dt', 'load_ts', 'del_cd', 'ACCT_ID'] },
      ['hist_rpt_dt_cols[4]: each column once'],
    ],
    [
      { hist_rpt_dt_cols: ['acct_id', 'load_ts', 'del_cd'] },
      [
        'hist_rpt_dt_cols: the column "as_of_dt" (primary_date_column): SPEC §4b\'s report row has the key, the date, base_ts and §4a\'s delete column',
      ],
    ],
    [
      { hist_rpt_dt_cols: ['acct_id', 'as_of_dt', 'load_ts'] },
      [
        'hist_rpt_dt_cols: the column "del_cd" (soft_delete.column, SPEC §4a): SPEC §4b\'s report row has the key, the date, base_ts and §4a\'s delete column',
      ],
    ],
    [
      {
        hist_rpt_dt_cols: ['acct_id', 'as_of_dt', 'load_ts', 'del_cd', 'update_dt'],
        hist_rpt_dt_schema: { acct_id: 'BIGINT', as_of_dt: 'DATE', load_ts: 'TIMESTAMP', del_cd: 'INT' },
      },
      ['hist_rpt_dt_cols[4]: a column of hist_rpt_dt_schema, the table the project creates (names are exact)'],
    ],
    [
      {
        hist_rpt_dt_cols: ['acct_id', 'as_of_dt', 'load_ts', 'del_cd'],
        hist_rpt_dt_schema: { ...ALT_SCHEMA, load_ts: 'STRING', as_of_dt: 'INT' },
      },
      [
        'hist_rpt_dt_schema.load_ts: a TIMESTAMP (or DATE): the newer base_ts wins the report row (SPEC §4b)',
        "hist_rpt_dt_schema.as_of_dt: a DATE (or TIMESTAMP): a report row's month is the month of its date (SPEC §4b)",
        'hist_rpt_dt_schema.as_of_dt: a date type like the main source\'s "as_of_dt" (source_schema.aod DATE): it is matched with or taken into the main row',
      ],
    ],
    [
      {
        hist_rpt_dt_cols: ['acct_id', 'as_of_dt', 'load_ts', 'del_cd'],
        hist_rpt_dt_schema: { ...ALT_SCHEMA, acct_id: 'STRING', del_cd: 'NUMBER' },
      },
      [
        expect.stringMatching(/^hist_rpt_dt_schema\.del_cd: a Spark SQL type/),
        'hist_rpt_dt_schema.acct_id: a number type like the main source\'s "acct_id" (source_schema.id BIGINT): it is matched with or taken into the main row',
      ],
    ],
    [
      { hist_rpt_dt_cols: ['acct_id', 'as_of_dt', 'load_ts', 'del_cd'], hist_rpt_dt_schema: ['acct_id'] },
      ['hist_rpt_dt_schema: an object of report column → Spark SQL type'],
    ],
  ])('refuses %j, naming the key and what it expects', (report, expected) => {
    expect(issuesOf(alt(report))).toEqual(expected);
  });
  it("an existing table (the catalog's columns, as the production table is) must have every listed column", () => {
    const report = loadConfigFile(PRODUCTION, NO_ENV).reportDates!;
    expect(
      checkReportTable(report, [
        'CONS_ACCT_KEY',
        'soft_del_cd',
        'acct_dt',
        'base_ts',
        'insert_dt',
        'update_dt',
        'insert_time',
        'update_time',
        'extra',
      ]),
    ).toEqual([]);
    expect(checkReportTable(report, ['cons_acct_key', 'acct_dt', 'base_ts'])).toEqual([
      {
        key: 'hist_rpt_dt_cols[1]',
        expected:
          'a column of primary_catalog.edf_gold.consumer_account_hist_rpt (it has cons_acct_key, acct_dt, base_ts)',
        received: 'soft_del_cd',
      },
      ...['insert_dt', 'update_dt', 'insert_time', 'update_time'].map((received, i) => ({
        key: `hist_rpt_dt_cols[${i + 4}]`,
        expected:
          'a column of primary_catalog.edf_gold.consumer_account_hist_rpt (it has cons_acct_key, acct_dt, base_ts)',
        received,
      })),
    ]);
  });
});

describe('unbounded_history (SPEC §4c)', () => {
  const withUnbounded = (value: unknown) => ({ ...ALT_CONFIG, unbounded_history: value });

  it('defaults the suffix to "_history_unbounded" and max_length to null; takes both', () => {
    expect(parseConfig(withUnbounded({ table: 'alt.unbounded' }), 't', NO_ENV).unboundedHistory).toMatchObject({
      suffix: '_history_unbounded',
      maxLength: null,
    });
    const c = parseConfig(withUnbounded({ table: 'alt.unbounded', suffix: '_all', max_length: 120 }), 't', NO_ENV);
    expect(c.unboundedHistory).toMatchObject({ suffix: '_all', maxLength: 120 });
    expect(c.unboundedHistory!.table.plain).toBe('local.alt.unbounded');
    expect(
      parseConfig(withUnbounded({ table: 'alt.unbounded', max_length: null }), 't', NO_ENV).unboundedHistory!.maxLength,
    ).toBeNull();
  });

  it.each([
    [
      'alt.unbounded',
      [
        'unbounded_history: an object {"table": <name>, "suffix": "_history_unbounded", "max_length": null or a positive integer}',
      ],
    ],
    [{}, ['unbounded_history.table: a table name "namespace.table" or "catalog.namespace.table"']],
    [{ table: 'local.alt.acct_latest' }, ["unbounded_history.table: a table of its own, not latest_history_table's"]],
    [
      { table: 'alt.u', max_length: 0 },
      ["unbounded_history.max_length: null (as long as the key's months) or an integer from 1 to 12000"],
    ],
    [
      { table: 'alt.u', max_length: 2.5 },
      ["unbounded_history.max_length: null (as long as the key's months) or an integer from 1 to 12000"],
    ],
    [
      { table: 'alt.u', suffix: '' },
      ['unbounded_history.suffix: a non-empty suffix of letters, digits and _ (each array is <rolling name><suffix>)'],
    ],
    [
      { table: 'alt.u', suffix: '_history' },
      [
        'unbounded_history.suffix: a suffix whose "<rolling name><suffix>" is not a column of latest ("balance_history" is)',
      ],
    ],
    [{ table: 'alt.u', length: 3 }, ['unbounded_history.length: one of table, suffix, max_length']],
  ])('refuses %j, naming the key and what it expects', (value, expected) => {
    expect(issuesOf(withUnbounded(value))).toEqual(expected);
  });
});
