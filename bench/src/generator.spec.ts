import { parseConfig } from '@app/config';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { accountMultiplier, batchAccount, batchComposition, batchSql, columnExpr, dataShape, historySql } from './generator';

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
    expect(aliases).toEqual(['cons_acct_key', 'acct_dt', 'rpt_as_of_mo', 'current_balance', 'current_dpd', 'payment_am', 'status_cd', 'account_status', 'created_ts', 'updated_ts', 'base_ts']);
    expect(sql).toContain('FROM range(0, 2000)');
    expect(sql).toContain('12 + pmod(xxhash64(1, id, \'months\'), 25)'); // 12 … 36 months
  });

  it('filters a chunk of accounts by hash only when the load is chunked', () => {
    expect(historySql(config, shape, slice)).not.toContain("'chunk'");
    expect(historySql(config, shape, { accounts: 6_000, chunks: 3, chunk: 1 })).toContain("WHERE pmod(xxhash64(1, id, 'chunk'), 3) = 1");
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
    expect(columnExpr(config, col('acct_dt'), shape)).toMatch(/^date_add\(to_date\(concat\(r.`__month`, '-01'\)\), CAST\(pmod\(xxhash64\(1, .*\), 28\) AS INT\)\)$/);
    expect(columnExpr(config, col('current_balance'), shape)).toMatch(/^CAST\(CASE WHEN pmod\(.*, 100\) < 3 THEN -1 ELSE pmod\(.* DIV 128, 10000\) END AS INT\)$/);
  });
});
