import { parseConfig } from '@app/config';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  accountMultiplier,
  batchAccount,
  batchComposition,
  batchSql,
  columnExpr,
  dailyBatchSql,
  dailyExistingRecords,
  dataShape,
  historySql,
} from './generator';

const raw = JSON.parse(readFileSync(join(__dirname, '..', '..', 'config', 'seed-000.json'), 'utf8'));
const config = parseConfig(raw, 'seed-000');
const shape = dataShape(1);

describe('batchComposition', () => {
  it('splits the seed 000 §9 batch 5% new / 85% forward / 10% backfill', () => {
    expect(batchComposition(10_000)).toEqual({ rows: 10_000, newAccounts: 500, forward: 8_500, backfill: 1_000 });
    expect(batchComposition(200)).toEqual({ rows: 200, newAccounts: 10, forward: 170, backfill: 20 });
  });

  it('always adds up to the batch, rounding the small cases', () => {
    expect(batchComposition(33)).toEqual({ rows: 33, newAccounts: 2, forward: 28, backfill: 3 });
  });
});

describe('batchAccount', () => {
  it('gives distinct accounts of the table to the existing-account records', () => {
    const accounts = 2_000;
    const picked = Array.from({ length: 1_900 }, (_, j) => batchAccount(j, accounts));
    expect(new Set(picked).size).toBe(1_900);
    expect(Math.min(...picked)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...picked)).toBeLessThan(accounts);
  });

  it('spreads consecutive records over the key range: 0, 1000003 mod n, …', () => {
    expect([0, 1, 2].map((j) => batchAccount(j, 2_000))).toEqual([0, 3, 6]); // 1,000,003 mod 2,000 = 3
  });

  it('picks a multiplier that does not divide the account count', () => {
    expect(accountMultiplier(2_000)).toBe(1_000_003);
    expect(accountMultiplier(2_000_006)).toBe(1_000_033);
  });
});

describe('historySql', () => {
  const slice = { accounts: 2_000, chunks: 1, chunk: 0 };

  it('is a pure function of the shape: same input, same SQL; another seed, other data', () => {
    expect(historySql(config, shape, slice)).toBe(historySql(config, dataShape(1), slice));
    expect(historySql(config, dataShape(2), slice)).not.toBe(historySql(config, shape, slice));
    expect(historySql(config, dataShape(2), slice)).toContain('xxhash64(2, ');
  });

  it("keeps an account's rows independent of the table size (the 3× table holds the base accounts unchanged)", () => {
    const base = historySql(config, shape, slice);
    const triple = historySql(config, shape, { ...slice, accounts: 6_000 });
    expect(triple.replace('range(0, 6000)', 'range(0, 2000)')).toBe(base);
  });

  it('writes every source column in the source table order, from a generated range of accounts', () => {
    const sql = historySql(config, shape, slice);
    expect(sql.startsWith('INSERT INTO `local`.`demo`.`accounts_all`\nSELECT\n')).toBe(true);
    const aliases = [...sql.matchAll(/ AS `([a-z_]+)`(?:,|\n)/g)].map((m) => m[1]).filter((c) => !c.startsWith('__'));
    expect(aliases).toEqual([
      'cons_acct_key',
      'acct_dt',
      'rpt_as_of_mo',
      'current_balance',
      'current_dpd',
      'payment_am',
      'status_cd',
      'account_status',
      'created_ts',
      'updated_ts',
      'base_ts',
    ]);
    expect(sql).toContain('FROM range(0, 2000)');
    expect(sql).toContain("12 + pmod(xxhash64(1, id, 'months'), 25)"); // 12 … 36 months
  });

  it('filters a chunk of accounts by hash only when the load is chunked', () => {
    expect(historySql(config, shape, slice)).not.toContain("'chunk'");
    expect(historySql(config, shape, { accounts: 6_000, chunks: 3, chunk: 1 })).toContain(
      "WHERE pmod(xxhash64(1, id, 'chunk'), 3) = 1",
    );
  });
});

describe('batchSql', () => {
  it('selects forward, backfill and new-account records by record number', () => {
    const sql = batchSql(config, shape, 200, 2_000);
    expect(sql).toContain('CASE WHEN id < 190 THEN 1000000 + pmod(id * 1000003, 2000) ELSE 500000000 + id END');
    expect(sql).toContain('WHEN id < 170 THEN');
    expect(sql).toContain('FROM range(0, 200)');
  });

  it('depends on the base account count, not on the table it is appended to', () => {
    expect(batchSql(config, shape, 200, 2_000)).toBe(batchSql(config, dataShape(1), 200, 2_000));
  });
});

describe('columnExpr', () => {
  const col = (name: string) => config.sourceSchema.find((c) => c.name === name)!;

  it('fills the key, month and base_ts by their roles', () => {
    expect(columnExpr(config, col('cons_acct_key'), shape)).toBe('CAST(r.`__key` AS BIGINT)');
    expect(columnExpr(config, col('rpt_as_of_mo'), shape)).toBe('CAST(r.`__month` AS STRING)');
    expect(columnExpr(config, col('base_ts'), shape)).toBe('CAST(r.`__ts` AS TIMESTAMP)');
  });

  it('puts a date inside the row month and integers in 0..9999 with -1 sentinels', () => {
    expect(columnExpr(config, col('acct_dt'), shape)).toMatch(
      /^date_add\(to_date\(concat\(r.`__month`, '-01'\)\), CAST\(pmod\(xxhash64\(1, .*\), 28\) AS INT\)\)$/,
    );
    expect(columnExpr(config, col('current_balance'), shape)).toMatch(
      /^CAST\(CASE WHEN pmod\(.*, 100\) < 3 THEN -1 ELSE pmod\(.* DIV 128, 10000\) END AS INT\)$/,
    );
  });
});

describe('dailyBatchSql', () => {
  it('is deterministic per day and differs from day to day', () => {
    expect(dailyBatchSql(config, shape, 200, 2_000, 3)).toBe(dailyBatchSql(config, dataShape(1), 200, 2_000, 3));
    expect(dailyBatchSql(config, shape, 200, 2_000, 3)).not.toBe(dailyBatchSql(config, shape, 200, 2_000, 4));
  });

  it('walks the permuted accounts from where the day before stopped, and gives new accounts keys of their own', () => {
    const day3 = dailyBatchSql(config, shape, 200, 2_000, 3);
    expect(day3).toContain('pmod(340 + id, 2000)'); // days 1 and 2 moved 170 accounts each
    expect(day3).toContain('(340 - pmod(340 + id, 2000) + 1999) DIV 2000'); // forward rounds before day 3
    expect(day3).toContain('ELSE 500000000 + 400 + id END'); // days 1 and 2 used 500000000 … 500000399
    expect(day3).toContain("'d3' AS `__salt`");
    expect(day3).toContain('FROM range(0, 200)');
  });

  it('dates every record after all earlier days', () => {
    expect(dailyBatchSql(config, shape, 200, 2_000, 1)).toContain(', 12) AS TIMESTAMP)) + 0 + pmod(');
    expect(dailyBatchSql(config, shape, 200, 2_000, 30)).toContain(', 12) AS TIMESTAMP)) + 2505600 + pmod('); // 29 days later
  });

  it('refuses day 0 and a batch larger than the table', () => {
    expect(() => dailyBatchSql(config, shape, 200, 2_000, 0)).toThrow('day: expected an integer ≥ 1; received 0');
    expect(() => dailyBatchSql(config, shape, 200, 150, 1)).toThrow(
      'needs 190 distinct existing accounts; the table has 150',
    );
  });
});

describe('dailyExistingRecords (what dailyBatchSql generates, replayed over 30 days)', () => {
  const accounts = 2_000;
  const gapRound = (a: number) => a % 20; // the SQL's pmod(xxhash64(…, 'gap-round'), 20)
  const days = Array.from({ length: 30 }, (_, i) => dailyExistingRecords(200, accounts, i + 1, gapRound));

  it('keeps 170 forward and 20 backfill records a day, on distinct accounts', () => {
    for (const records of days) {
      expect(records.filter((r) => r.kind === 'forward')).toHaveLength(170);
      expect(records.filter((r) => r.kind === 'backfill')).toHaveLength(20);
      expect(new Set(records.map((r) => r.account)).size).toBe(190);
    }
  });

  it('moves every forward account past its latest month and backfills before it (classify: CASE_II, CASE_III)', () => {
    const latest = new Map<number, number>(); // months after endMonth; the history ends at 0
    for (const records of days) {
      for (const r of records) {
        const current = latest.get(r.account) ?? 0;
        if (r.kind === 'forward') expect(r.offset).toBeGreaterThan(current);
        else expect(r.offset).toBe(current - 1); // then up to backfillMonths − 1 further back
      }
      for (const r of records) if (r.kind === 'forward') latest.set(r.account, r.offset);
    }
    expect(Math.max(...latest.values())).toBeGreaterThanOrEqual(3); // 30 × 170 = 2.55 rounds over 2,000 accounts
  });

  it('skips a month on about 5% of forward records', () => {
    const all = days.flat().filter((r) => r.kind === 'forward');
    const seen = new Map<number, number>();
    let gaps = 0;
    for (const r of all) {
      if (r.offset - (seen.get(r.account) ?? 0) === 2) gaps++;
      seen.set(r.account, r.offset);
    }
    expect(gaps / all.length).toBeGreaterThan(0.02);
    expect(gaps / all.length).toBeLessThan(0.08);
  });
});

describe('batchSql with deletes (SPEC §4a)', () => {
  const soft = parseConfig({ ...raw, soft_delete: { column: 'status_cd', codes: ['D'] } }, 'seed-000 with soft delete');

  it('flags the first backfills of existing months and writes the delete code into the soft-delete column only there', () => {
    const sql = batchSql(soft, shape, 10_000, 100_000, 100);
    // Backfills are records 8,500 … 9,499; a candidate's month must not be a history gap (the 'gap' hash ≥ 20 ‰).
    expect(sql).toContain(
      "(id >= 8500 AND id < 9500 AND pmod(xxhash64(1, pmod(id * 1000003, 100000), 1 + CAST(pmod(xxhash64(1, id, 'backfill'), 11) AS INT), 'gap'), 1000) >= 20)",
    );
    expect(sql).toContain('OVER (ORDER BY id) <= 100, false) AS `__delete`');
    expect(sql).toContain("CASE WHEN r.`__delete` THEN CAST('D' AS STRING) ELSE");
    expect(sql.match(/r\.`__delete`/g)).toHaveLength(1);
  });

  it('is the plain batch without deletes', () => {
    expect(batchSql(soft, shape, 10_000, 100_000, 0)).toBe(batchSql(soft, shape, 10_000, 100_000));
    expect(batchSql(soft, shape, 10_000, 100_000)).not.toContain('__delete');
  });

  it('refuses more deletes than backfills, and deletes without soft_delete', () => {
    expect(() => batchSql(soft, shape, 10_000, 100_000, 1_001)).toThrow(
      "deletes: at most the batch's 1000 backfills; received 1001",
    );
    expect(() => batchSql(config, shape, 10_000, 100_000, 10)).toThrow('the config has no soft_delete');
  });
});
