import { join } from 'node:path';
import { ConfigError } from './errors';
import { loadConfigFile, parseConfig } from './config.loader';
import { columnModel } from './column-model';
import seed000 from '../../../config/seed-000.json';

const PRODUCTION = join(__dirname, '..', '..', '..', '..', 'shared', 'reference', 'summary_config.production-example.json');

function issuesOf(raw: unknown): string[] {
  try {
    parseConfig(raw, 'test.json');
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
    expect(c.rolling.map((r) => r.name)).toEqual(['actual_payment_am', 'balance_am', 'credit_limit_am', 'past_due_am', 'payment_rating_cd', 'days_past_due', 'asset_class_cd_4in']);
    expect(c.rolling.find((r) => r.name === 'asset_class_cd_4in')).toMatchObject({ mapperColumn: 'asset_class_cd', type: 'String', length: 36 });
    expect(c.grids).toEqual([{ name: 'payment_history_grid', rollingName: 'payment_rating_cd', placeholder: '?', separator: '' }]);
    expect(c.sourceSchemaInferred).toBe(true);
    const types = Object.fromEntries(c.sourceSchema.map((s) => [s.name, s.type]));
    expect(types).toMatchObject({ cons_acct_key: 'BIGINT', base_ts: 'TIMESTAMP', acct_dt: 'DATE', acct_open_dt: 'DATE', acct_bal_am: 'BIGINT', days_past_due_ct_4in: 'BIGINT', rpt_as_of_mo: 'STRING', bureau_mbr_id: 'STRING' });
    const model = columnModel(c);
    expect(model.latest).toContain('payment_history_grid');
    expect(model.prepared).toEqual(expect.arrayContaining(['orig_loan_am', 'payment_rating_cd', 'asset_class_cd']));
  });

  it('reports an unreadable file and invalid JSON with the path', () => {
    expect(() => loadConfigFile('/nonexistent/x.json')).toThrow(/x\.json[\s\S]*readable JSON file/);
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
    expect(issues).toEqual(['date_col_list[0]: one of the prepared columns', 'latest_history_addon_cols[0]: one of the prepared, history or grid columns']);
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
