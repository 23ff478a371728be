import { TableName } from '@app/config';
import { amplification, changedRowsQuery, summaryRowsWritten } from './amplification';
import { NO_WRITES } from './iceberg-stats';
import { JobLabel, RunSample } from './measure';

describe('changedRowsQuery', () => {
  it('counts rows after the batch that are not, identical, before it (time travel, EXCEPT)', () => {
    const sql = changedRowsQuery(
      new TableName('local', 'bench', 'summary'),
      'cons_acct_key',
      'rpt_as_of_mo',
      ['cons_acct_key', 'rpt_as_of_mo', 'bal_history'],
      '11',
      '22',
    );
    expect(sql.replace(/\s+/g, ' ')).toBe(
      'SELECT count(*) AS n FROM ( ' +
        'SELECT `cons_acct_key`, `rpt_as_of_mo`, xxhash64(`cons_acct_key`, `rpt_as_of_mo`, ' +
        '`bal_history`) AS h FROM `local`.`bench`.`summary` VERSION AS OF 22 ' +
        'EXCEPT ' +
        'SELECT `cons_acct_key`, `rpt_as_of_mo`, xxhash64(`cons_acct_key`, `rpt_as_of_mo`, ' +
        '`bal_history`) AS h FROM `local`.`bench`.`summary` VERSION AS OF 11 ' +
        ') changed',
    );
  });

  it('takes only snapshot ids', () => {
    expect(() => changedRowsQuery(new TableName('local', 'b', 's'), 'k', 'm', ['k'], '1 OR 1=1', '2')).toThrow();
  });
});

describe('summaryRowsWritten and amplification', () => {
  const job = (label: JobLabel, summary: number, other = 0) => ({
    label,
    jobId: label,
    durationMs: 1,
    wallMs: 1,
    steps: [],
    overheadMs: 0,
    writes: {
      'local.b.summary': { ...NO_WRITES, addedRecords: summary },
      'local.b.latest': { ...NO_WRITES, addedRecords: other },
    },
  });
  const sample = {
    jobs: [
      job('classify', 0),
      job('CASE_III', 1_200, 50),
      job('CASE_I', 50, 50),
      job('CASE_II', 850, 850),
      job('maintenance', 40_000),
    ],
  } as unknown as RunSample;

  it("adds the case jobs' rows added to summary, not maintenance's or other tables'", () => {
    expect(summaryRowsWritten(sample, 'local.b.summary')).toBe(2_100);
  });

  it('divides written by changed, null when nothing changed', () => {
    expect(amplification(2_100, 1_500)).toEqual({ rows_written: 2_100, rows_changed: 1_500, ratio: 1.4 });
    expect(amplification(10, 0).ratio).toBeNull();
  });
});
