import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PipelineConfig, parseConfig } from '@app/config';
import {
  CompiledJob,
  compileBackfill,
  compileClassify,
  compileForward,
  compileInit,
  compileNewAccounts,
} from './index';
import seed000 from '../../../config/seed-000.json';

// Golden SQL (STYLE.md §7): the base config's jobs are pinned in __golden__/*.sql (reviewed text; set
// UPDATE_GOLDEN=1 to rewrite after an intended change). Each variant test changes ONE config setting and
// states exactly which text must change, so an unintended change anywhere else fails.

const GOLDEN = join(__dirname, '__golden__');
const normalise = (sql: string) => sql.replace(/\s+/g, ' ').trim();
const render = (job: CompiledJob) =>
  job.steps
    .map((s) =>
      s.kind === 'incremental_view'
        ? `-- incremental_view ${s.view} ${s.table} (${s.startSnapshotId}, ${s.endSnapshotId}]`
        : s.kind === 'ledger_table'
          ? `-- ledger_table ${s.table}`
          : `${s.sql};`,
    )
    .join('\n\n');

type Raw = Record<string, unknown>;
const base = (): Raw => JSON.parse(JSON.stringify(seed000));
const config = (raw: Raw): PipelineConfig => parseConfig(raw, 'test');
const plan = { batchId: 'b-000007', sourceStartSnapshotId: '11', sourceEndSnapshotId: '22' };
const range = { minMonth: '2024-03', maxMonth: '2024-05', rows: 3 };

const jobs: Record<string, (c: PipelineConfig) => CompiledJob> = {
  init: (c) => compileInit(c, { createSource: true }),
  classify: (c) => compileClassify(c, plan),
  case_iii: (c) => compileBackfill(c, 'b-000007', range),
  case_i: (c) => compileNewAccounts(c, 'b-000007'),
  case_ii: (c) => compileForward(c, 'b-000007'),
};

describe('golden SQL of the seed 000 config', () => {
  for (const [name, build] of Object.entries(jobs)) {
    it(`${name} matches __golden__/${name}.sql`, () => {
      const sql = render(build(config(base())));
      const file = join(GOLDEN, `${name}.sql`);
      if (process.env.UPDATE_GOLDEN || !existsSync(file)) writeFileSync(file, sql + '\n');
      expect(normalise(sql)).toBe(normalise(readFileSync(file, 'utf8')));
    });
  }
});

/** Compiles every job for the base and a variant; returns [base, variant] SQL per job. */
function pair(change: (raw: Raw) => void): Record<string, [string, string]> {
  const variant = base();
  change(variant);
  return Object.fromEntries(
    Object.entries(jobs).map(([n, build]) => [
      n,
      [normalise(render(build(config(base())))), normalise(render(build(config(variant))))],
    ]),
  );
}

describe('one setting changed', () => {
  it('renaming the destination of the key column renames it everywhere and nothing else', () => {
    for (const [name, [a, b]] of Object.entries(
      pair((r) => {
        (r.columns as Raw).cons_acct_key = 'acct_key';
        r.primary_column = 'acct_key';
      }),
    )) {
      // The source side keeps its name: `cons_acct_key` AS `acct_key` in the rename layer.
      const expected = a
        .replace(/`cons_acct_key`/g, '`acct_key`')
        .replace(/`acct_key` AS `acct_key`/g, '`cons_acct_key` AS `acct_key`')
        .replace(/`acct_key` BIGINT/g, '`cons_acct_key` BIGINT');
      expect([name, b]).toEqual([name, expected]);
    }
  });

  it('history_length and num_cols 36 → 12 change only the array bounds and the backfill window', () => {
    const r = pair((raw) => {
      raw.history_length = 12;
      for (const c of raw.rolling_columns as Raw[]) c.num_cols = 12;
    });
    for (const name of ['init', 'case_i', 'case_ii', 'classify']) {
      expect([name, r[name][1]]).toEqual([name, r[name][0].replace(/sequence\(0, 35\)/g, 'sequence(0, 11)')]);
    }
    const [a, b] = r.case_iii;
    // window [min − (H−1), max + (H−1)]: 2024-03 − 35 = 2021-04, 2024-05 + 35 = 2027-04; with 12: 2023-04, 2025-04.
    expect(a).toContain("BETWEEN '2021-04' AND '2027-04'");
    expect(b).toBe(
      a
        .replace(/sequence\(0, 35\)/g, 'sequence(0, 11)')
        .replace(/'2021-04'/g, "'2023-04'")
        .replace(/'2027-04'/g, "'2025-04'")
        .replace(/k\.lo - 35 AND k\.hi \+ 35/g, 'k.lo - 11 AND k.hi + 11')
        .replace(/e\.`__month_int` - 36\)/g, 'e.`__month_int` - 12)')
        .replace(/"historyWindow":36/g, '"historyWindow":12'),
    );
  });

  it('a rolling column of type String casts its array elements to STRING', () => {
    const {
      case_i: [a, b],
    } = pair((raw) => {
      (raw.rolling_columns as Raw[])[0].type = 'String';
    });
    expect(b).toBe(
      a
        .replace('CAST(b.`current_balance` AS INT)', 'CAST(b.`current_balance` AS STRING)')
        .replace('CAST(`current_balance` AS INT)', 'CAST(`current_balance` AS STRING)'),
    );
    expect(b).not.toBe(a);
  });

  it('a grid column adds one concat_ws over its history, kept in latest too', () => {
    const {
      case_ii: [a, b],
    } = pair((raw) => {
      raw.grid_columns = [{ name: 'status_grid', mapper_rolling_column: 'status', placeholder: '?', seperator: '|' }];
    });
    expect(b).toBe(
      a
        .replace(
          'h.`status_history` FROM',
          "h.`status_history`, concat_ws('|', transform(h.`status_history`, x -> coalesce(CAST(x AS STRING), '?'))) AS `status_grid` FROM",
        )
        .replace('n.`status_history`, n.`current_balance`', 'n.`status_history`, n.`status_grid`, n.`current_balance`'),
    );
  });

  it('a column transformation adds one layer replacing that column', () => {
    const {
      classify: [a, b],
    } = pair((raw) => {
      raw.column_transformations = [
        { name: 'current_balance', mapper_expr: 'CASE WHEN current_balance = -1 THEN NULL ELSE current_balance END' },
      ];
    });
    expect(b).toContain('(CASE WHEN current_balance = -1 THEN NULL ELSE current_balance END) AS `current_balance`');
    expect(a).not.toContain('current_balance = -1');
  });

  it('table names are quoted per part', () => {
    const {
      case_i: [a, b],
    } = pair((raw) => {
      raw.destination_table = 'local.other ns.summary';
    });
    expect(b).toBe(
      a
        .replace(/`local`\.`demo`\.`summary`/g, '`local`.`other ns`.`summary`')
        .replace(/`local`\.`demo`\.`summary_batches`/g, '`local`.`other ns`.`summary_batches`'),
    );
  });

  it('soft_delete (SPEC §4a) leaves init alone and changes each case only where a deleted month matters', () => {
    const r = pair((raw) => {
      raw.soft_delete = { column: 'status_cd', codes: ['D', 'X'] };
    });
    const del = (alias: string) => `coalesce(CAST(${alias}\`status_cd\` AS STRING) IN ('D', 'X'), false)`;
    expect(r.init[1]).toBe(r.init[0]);
    // classify: the batch keys' greatest tombstone joins the case rule, and deletes are counted per case.
    const [ca, cb] = r.classify;
    expect(cb).toContain(`WHEN l.\`cons_acct_key\` IS NULL AND d.\`cons_acct_key\` IS NULL THEN 'CASE_I'`);
    expect(cb).toContain(
      `greatest(${'(CAST(substr(l.`rpt_as_of_mo`, 1, 4) AS INT) * 12 + CAST(substr(l.`rpt_as_of_mo`, 6, 2) AS INT) - 1)'}, d.\`__deleted_hi\`)`,
    );
    expect(cb).toContain(`WHERE ${del('s.')} GROUP BY s.\`cons_acct_key\``);
    expect(cb).toContain(`SELECT 'delete' AS kind, \`case\` AS name`);
    expect(ca).not.toContain('__deleted_hi');
    // CASE_I: delete rows give no value to the map and never become latest.
    const [ia, ib] = r.case_i;
    expect(ib).toBe(
      ia
        .replace(
          'map_from_entries(collect_list(struct(',
          `map_from_entries(collect_list(CASE WHEN NOT ${del('')} THEN struct(`,
        )
        .replace('))))) AS vals', '))) END)) AS vals')
        .replace('0 AS stale FROM', `0 AS stale, count_if(${del('')}) AS deleted, 0 AS restored FROM`)
        .replace('FROM `__new_rows` ) n', `FROM \`__new_rows\` WHERE NOT ${del('')} ) n`),
    );
    // CASE_II: latest joined outer (a key with only tombstones), delete rows out of the map and of latest.
    const [fa, fb] = r.case_ii;
    expect(fb).toContain('LEFT JOIN ( SELECT lt.*');
    expect(fb).toContain('coalesce(l.`__latest_month_int`, -1)');
    expect(fb).toContain(`FROM \`__forward_rows\` WHERE NOT ${del('')})`);
    expect(fa).not.toContain('LEFT JOIN ( SELECT lt.*');
    // CASE_III: the window carries the flag, the map skips deleted months, latest moves (not only patched).
    const [ba, bb] = r.case_iii;
    expect(bb).toContain(`${del('s.')} AS \`__deleted\``);
    expect(bb).toContain('CASE WHEN NOT `__deleted` THEN struct(month_int, vals) END');
    expect(bb).toContain('WHEN MATCHED AND s.`cons_acct_key` IS NULL THEN DELETE');
    expect(bb).not.toContain('patch latest');
    expect(ba).toContain('WHEN MATCHED THEN UPDATE SET *');
  });

  it(
    'a report-date table (SPEC §4b) stages E and carries internal columns; ' +
      'unbounded history (§4c) adds init steps here (its case step: jobs/unbounded.spec.ts)',
    () => {
      const r = pair((raw) => {
        raw.hist_rpt_dt_table = 'local.demo.hist_rpt';
        raw.hist_rpt_dt_cols = ['cons_acct_key', 'acct_dt', 'base_ts', 'update_dt', 'update_time'];
        raw.unbounded_history = { table: 'local.demo.unbounded', max_length: 120 };
      });
      // SPEC §4b (docs/report-dates.md): classify reads the report rows and the winners table and stages E;
      // every case job carries W's own date in an internal column; CASE_III admits re-resolve rows.
      expect(r.classify[1]).toContain('JOIN `__rpt_d` rd ON');
      expect(r.classify[1]).toContain('MERGE INTO `local`.`demo`.`summary_report_winners`');
      expect(r.classify[0]).not.toContain('__rpt');
      for (const name of ['case_i', 'case_ii', 'case_iii']) {
        expect([name, r[name][1].includes('`__own_acct_dt`'), r[name][0].includes('__own')]).toEqual([
          name,
          true,
          false,
        ]);
      }
      expect(r.case_iii[1]).toContain('OR b.`__reresolve`');
      const [a, full] = r.init;
      // The report winners table and the batches' re-resolve flag; the rest as before plus the internal columns.
      expect(full).toContain(
        'CREATE TABLE IF NOT EXISTS `local`.`demo`.`summary_report_winners` USING iceberg PARTITIONED BY (`__month_int`)',
      );
      expect(full).toContain('CAST(NULL AS BOOLEAN) AS `__reresolve`');
      const b = full
        .replace(
          /CREATE OR REPLACE TEMPORARY VIEW `__init_rpt`.*?ALTER TABLE `local`.`demo`.`summary_report_winners` WRITE LOCALLY ORDERED BY `cons_acct_key`; /,
          '',
        )
        .replace(', CAST(NULL AS BOOLEAN) AS `__reresolve`', '')
        .replace(/`acct_dt` AS `__own_acct_dt`, true AS `__own_kept`, /g, '')
        .replace(/, `__own_acct_dt`, `__own_kept`/g, '')
        .replace(/, h.`__own_acct_dt`, h.`__own_kept`/g, '');
      const layout =
        "TBLPROPERTIES ('format-version' = '2', 'write.merge.mode' = 'merge-on-read', 'write.update.mode' = 'merge-on-read', " +
        "'write.delete.mode' = 'merge-on-read', 'write.delete.granularity' = 'file', 'summary-pipeline.layout-version' = '2')";
      const report =
        'CREATE TABLE IF NOT EXISTS `local`.`demo`.`hist_rpt` ( `cons_acct_key` BIGINT, `acct_dt` DATE, `base_ts` TIMESTAMP, ' +
        '`update_dt` DATE, `update_time` STRING ) ' +
        "USING iceberg PARTITIONED BY (months(`acct_dt`)) TBLPROPERTIES ('format-version' = '2'); ";
      const table = '`local`.`demo`.`unbounded`';
      const unbounded =
        `CREATE TABLE IF NOT EXISTS ${table} USING iceberg ${layout} ` +
        'AS SELECT `cons_acct_key`, `rpt_as_of_mo`, `acct_dt`, `base_ts`, ' +
        '`bal_history`, `dpd_history`, `payment_history`, `status_history`, `current_balance`, `current_dpd`, `account_status`, ' +
        '`bal_history` AS `bal_history_unbounded`, `dpd_history` AS `dpd_history_unbounded`, ' +
        '`payment_history` AS `payment_history_unbounded`, `status_history` AS `status_history_unbounded`, ' +
        'CAST(NULL AS MAP<INT, STRUCT<v0: INT, v1: INT, v2: INT, v3: STRING>>) AS `__unbounded_cells` ' +
        'FROM `local`.`demo`.`latest_summary` WHERE false; ';
      const unboundedLayout = `ALTER TABLE ${table} SET ${layout}; ALTER TABLE ${table} WRITE LOCALLY ORDERED BY \`cons_acct_key\`; `;
      expect(b).toBe(
        a
          .replace(
            'CREATE OR REPLACE TEMPORARY VIEW `__init_src`',
            `${report}CREATE OR REPLACE TEMPORARY VIEW \`__init_src\``,
          )
          .replace(
            'ALTER TABLE `local`.`demo`.`summary` SET',
            `${unbounded}ALTER TABLE \`local\`.\`demo\`.\`summary\` SET`,
          )
          .replace(
            'CREATE TABLE IF NOT EXISTS `local`.`demo`.`summary_batches`',
            `${unboundedLayout}CREATE TABLE IF NOT EXISTS \`local\`.\`demo\`.\`summary_batches\``,
          ),
      );
      // Without --create-source the report table is the production one: init reads it, never creates it.
      const raw = base();
      Object.assign(raw, {
        hist_rpt_dt_table: 'local.demo.hist_rpt',
        hist_rpt_dt_cols: ['cons_acct_key', 'acct_dt', 'base_ts'],
      });
      expect(render(compileInit(config(raw), { createSource: false }))).not.toContain(
        'CREATE TABLE IF NOT EXISTS `local`.`demo`.`hist_rpt`',
      );
    },
  );
});
