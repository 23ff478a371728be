import { BenchOptionError, DEFAULT_OPTIONS, benchSizes, numberList, phaseList } from './options';

describe('benchSizes', () => {
  it('is the seed 000 §9 simulation at scale 1', () => {
    expect(benchSizes(DEFAULT_OPTIONS)).toEqual({ accounts: 100_000, batchRows: 10_000, batchSizes: [1_000, 10_000, 100_000], tableFactors: [1, 3, 10], loadChunkAccounts: 100_000 });
  });

  it('scales accounts, batches and load chunks together', () => {
    expect(benchSizes({ ...DEFAULT_OPTIONS, scale: 0.02 })).toEqual({ accounts: 2_000, batchRows: 200, batchSizes: [20, 200, 2_000], tableFactors: [1, 3, 10], loadChunkAccounts: 2_000 });
  });

  it('refuses a batch needing more distinct existing accounts than the table has', () => {
    expect(() => benchSizes({ ...DEFAULT_OPTIONS, batchSizes: [200_000] })).toThrow('a batch of 200000 record(s) needs 190000 distinct existing accounts; the base table has 100000');
  });

  it('refuses a batch too small to hold a record of every case', () => {
    expect(() => benchSizes({ ...DEFAULT_OPTIONS, scale: 0.0005 })).toThrow(BenchOptionError);
  });

  it('refuses fractional table factors and a non-positive scale', () => {
    expect(() => benchSizes({ ...DEFAULT_OPTIONS, tableFactors: [1, 2.5] })).toThrow('--table-factors: expected positive integers');
    expect(() => benchSizes({ ...DEFAULT_OPTIONS, scale: 0 })).toThrow('--scale: expected a positive number; received 0');
  });
});

describe('flag lists', () => {
  it('parses comma-separated numbers and phases, naming the flag on an error', () => {
    expect(numberList('--table-factors', '1, 3,10')).toEqual([1, 3, 10]);
    expect(() => numberList('--batch-sizes', '1000,x')).toThrow('--batch-sizes: expected comma-separated positive numbers; received "1000,x"');
    expect(phaseList('rebuild,table')).toEqual(['rebuild', 'table']);
    expect(() => phaseList('rebuild,tables')).toThrow('received "tables"');
  });
});
