import { parseConfig } from '@app/config';
import { ALT_CONFIG } from '@app/testing';
import { compileBackfill } from './backfill.job';
import { compileForward } from './forward.job';
import { compileNewAccounts } from './new-accounts.job';
import { UNBOUNDED_CELLS, compileUnboundedRebuild, withUnboundedHistory } from './unbounded';

// SPEC §4c in the compiled jobs: the case jobs' extra MERGE and the rebuild. The oracle property test
// (pipeline.oracle.report-dates.int-spec.ts) proves the result on Spark; these pin the shape.

const range = { minMonth: '2024-03', maxMonth: '2024-05', rows: 3 };
const withUnbounded = (unbounded: unknown) => parseConfig({ ...ALT_CONFIG, unbounded_history: unbounded }, 'test');

describe('withUnboundedHistory', () => {
  it('leaves a case job unchanged without unbounded_history', () => {
    const config = parseConfig(ALT_CONFIG, 'test');
    const job = compileForward(config, 'b-000003');
    expect(withUnboundedHistory(config, job, 'CASE_II', 3)).toBe(job);
  });

  it('leaves CASE_III and CASE_I unchanged: the batch keeps it once, in its last job', () => {
    const config = withUnbounded({ table: 'alt.acct_unbounded' });
    const newAccounts = compileNewAccounts(config, 'b-000003');
    expect(withUnboundedHistory(config, newAccounts, 'CASE_I', 3)).toBe(newAccounts);
    const backfill = compileBackfill(config, 'b-000003', range);
    expect(withUnboundedHistory(config, backfill, 'CASE_III', 3)).toBe(backfill);
  });

  it('adds one MERGE of every key the batch staged to CASE_II, before the caches are released, and the table to the targets', () => {
    const config = withUnbounded({ table: 'alt.acct_unbounded' });
    const job = withUnboundedHistory(config, compileForward(config, 'b-000003'), 'CASE_II', 3);
    expect(job.targets).toEqual(['local.alt.acct_hist', 'local.alt.acct_latest', 'local.alt.acct_unbounded']);
    const names = job.steps.map((s) => s.name);
    expect(names.slice(-2)).toEqual(['unbounded history', 'release caches']);
    expect(names).toContain('advance latest');
    const sql = (job.steps[names.indexOf('unbounded history')] as { sql: string }).sql;
    expect(sql).toMatch(/^MERGE INTO `local`\.`alt`\.`acct_unbounded` t/);
    // Every case's cells of the batch: CASE_I/II's values as staged, CASE_III's read back from summary.
    expect(sql).toContain("FROM `local`.`alt`.`acct_hist_batches` WHERE batch_id = 'b-000003')");
    expect(sql).toContain(
      "FROM `local`.`alt`.`acct_hist_batches` s WHERE s.batch_id = 'b-000003' AND s.`case` <> 'CASE_III'",
    );
    expect(sql).toContain(
      "WHERE batch_id = 'b-000003' AND `case` = 'CASE_III') c ON c.`acct_id` = s.`acct_id` AND c.`period` = s.`period`",
    );
    // The stored map is read by the MERGE alone: the staged months replaced, those deleted dropped.
    expect(sql).not.toMatch(/FROM `local`\.`alt`\.`acct_unbounded`/);
    const merged =
      'map_concat(map_filter(coalesce(t.`__unbounded_cells`, s.`__live`), (m, v) -> NOT array_contains(s.`__months`, m)), s.`__live`)';
    expect(sql).toContain(`t.\`__unbounded_cells\` = ${merged}`);
    // As long as the key's months: from latest's month back to the earliest one in the map.
    // The merged map bound once per array (a lambda would evaluate it once per element).
    expect(sql).toContain(
      `element_at(transform(array(${merged}), uc -> transform(sequence(0, s.\`__mi\` - array_min(map_keys(uc)) + 1 - 1)`,
    );
    expect(sql).toContain('s.`__mi` - array_min(map_keys(s.`__live`)) + 1');
    expect(sql).toContain('WHEN MATCHED AND s.`acct_id` IS NULL THEN DELETE');
    // A new account (CASE_I) has no unbounded row yet: inserted, from its cells alone.
    expect(sql).toMatch(/WHEN NOT MATCHED AND s\.`acct_id` IS NOT NULL THEN INSERT/);
  });

  it('makes a CASE_II without rows that step alone, the unbounded table its only target', () => {
    const config = withUnbounded({ table: 'alt.acct_unbounded' });
    const job = withUnboundedHistory(config, compileForward(config, 'b-000003'), 'CASE_II', 0);
    expect(job.steps.map((s) => s.name)).toEqual(['unbounded history', 'release caches']);
    expect(job.targets).toEqual(['local.alt.acct_unbounded']);
    expect(job.ledger).toMatchObject({ batchId: 'b-000003', step: 'CASE_II' });
  });

  it('cuts or pads to max_length', () => {
    const config = withUnbounded({ table: 'alt.acct_unbounded', max_length: 48 });
    const job = withUnboundedHistory(config, compileForward(config, 'b-000003'), 'CASE_II', 3);
    const sql = (job.steps.find((s) => s.name === 'unbounded history') as { sql: string }).sql;
    expect(sql).toContain('transform(sequence(0, 48 - 1)');
    expect(sql).not.toContain('array_min');
  });
});

describe('compileUnboundedRebuild', () => {
  it('overwrites the table from summary alone, its months not deleted', () => {
    const job = compileUnboundedRebuild(withUnbounded({ table: 'alt.acct_unbounded' }));
    expect(job.targets).toEqual(['local.alt.acct_unbounded']);
    expect(job.ledger).toBeNull();
    const sql = (job.steps[0] as { sql: string }).sql;
    expect(sql).toMatch(/^INSERT OVERWRITE `local`\.`alt`\.`acct_unbounded`/);
    expect(sql).toContain('FROM `local`.`alt`.`acct_hist` s WHERE NOT');
    expect(sql).toContain(`AS \`${UNBOUNDED_CELLS}\``);
  });

  it('refuses a config without unbounded_history', () => {
    expect(() => compileUnboundedRebuild(parseConfig(ALT_CONFIG, 'test'))).toThrow(/no unbounded_history/);
  });
});
