import {
  BenchOptionError,
  DEFAULT_OPTIONS,
  PHASES,
  QUICK_PROFILE,
  benchSizes,
  impliedSkips,
  numberList,
  parseOptions,
  phaseList,
  resultFiles,
} from './options';

describe('benchSizes', () => {
  it('is the seed 000 §9 simulation at scale 1', () => {
    expect(benchSizes(DEFAULT_OPTIONS)).toEqual({
      accounts: 100_000,
      batchRows: 10_000,
      batchSizes: [1_000, 10_000, 100_000],
      tableFactors: [1, 3, 10],
      loadChunkAccounts: 100_000,
    });
  });

  it('scales accounts, batches and load chunks together', () => {
    expect(benchSizes({ ...DEFAULT_OPTIONS, scale: 0.02 })).toEqual({
      accounts: 2_000,
      batchRows: 200,
      batchSizes: [20, 200, 2_000],
      tableFactors: [1, 3, 10],
      loadChunkAccounts: 2_000,
    });
  });

  it('refuses a batch needing more distinct existing accounts than the table has', () => {
    expect(() => benchSizes({ ...DEFAULT_OPTIONS, batchSizes: [200_000] })).toThrow(
      'a batch of 200000 record(s) needs 190000 distinct existing accounts; the base table has 100000',
    );
  });

  it('refuses a batch too small to hold a record of every case', () => {
    expect(() => benchSizes({ ...DEFAULT_OPTIONS, scale: 0.0005 })).toThrow(BenchOptionError);
  });

  it('refuses fractional table factors and a non-positive scale', () => {
    expect(() => benchSizes({ ...DEFAULT_OPTIONS, tableFactors: [1, 2.5] })).toThrow(
      '--table-factors: expected positive integers',
    );
    expect(() => benchSizes({ ...DEFAULT_OPTIONS, scale: 0 })).toThrow(
      '--scale: expected a positive number; received 0',
    );
  });
});

describe('flag lists', () => {
  it('parses comma-separated numbers and phases, naming the flag on an error', () => {
    expect(numberList('--table-factors', '1, 3,10')).toEqual([1, 3, 10]);
    expect(() => numberList('--batch-sizes', '1000,x')).toThrow(
      '--batch-sizes: expected comma-separated positive numbers; received "1000,x"',
    );
    expect(phaseList('rebuild,table')).toEqual(['rebuild', 'table']);
    expect(() => phaseList('rebuild,tables')).toThrow('received "tables"');
  });
});

describe('parseOptions', () => {
  const parse = (...flags: string[]) => parseOptions(['node', 'main.js', ...flags]);

  it('gives the defaults without flags: the full benchmark, latest.*', () => {
    expect(parse()).toEqual(DEFAULT_OPTIONS);
    expect(resultFiles(parse())).toEqual({ json: 'latest.json', md: 'latest.md', png: 'latest.png' });
  });

  it('--quick: scale 1, 3 repeats, the base table and the main batch only, every phase but the cold run left out, quick.*', () => {
    const o = parse('--quick');
    expect(o).toMatchObject({
      quick: true,
      scale: 1,
      repeat: 3,
      tableFactors: [1],
      batchSizes: [10_000],
      cluster: false,
    });
    expect(o.skip).toEqual(['modes', 'rebuild', 'batch', 'table', 'overhead', 'sustained', 'deletes', 'report']);
    expect(PHASES.filter((p) => !o.skip.includes(p))).toEqual(['cold']);
    expect(resultFiles(o)).toEqual({ json: 'quick.json', md: 'quick.md', png: null });
    // nothing but the 1× table, the main batch: the sizes a quick run builds
    expect(benchSizes(o)).toEqual({
      accounts: 100_000,
      batchRows: 10_000,
      batchSizes: [10_000],
      tableFactors: [1],
      loadChunkAccounts: 100_000,
    });
  });

  it('--quick takes --scale, --repeat, --seed, and --skip cold on top of what it leaves out', () => {
    expect(parse('--quick', '--scale', '0.02')).toMatchObject({
      quick: true,
      scale: 0.02,
      repeat: QUICK_PROFILE.repeat,
    });
    expect(benchSizes(parse('--quick', '--scale', '0.02'))).toMatchObject({
      accounts: 2_000,
      batchRows: 200,
      batchSizes: [200],
      tableFactors: [1],
    });
    expect(parse('--quick', '--repeat', '5', '--seed', '7')).toMatchObject({ scale: 1, repeat: 5, seed: 7 });
    expect(parse('--quick', '--skip', 'cold').skip).toEqual([
      'modes',
      'rebuild',
      'batch',
      'table',
      'overhead',
      'sustained',
      'cold',
      'deletes',
      'report',
    ]);
    expect(parse('--quick', '--skip', 'rebuild').skip).toEqual(QUICK_PROFILE.skip);
  });

  it('--quick refuses the flags of the phases it leaves out', () => {
    expect(() => parse('--quick', '--table-factors', '1,10')).toThrow(
      '--quick takes no --table-factors: the quick profile leaves that out; run without --quick for it',
    );
    expect(() => parse('--quick', '--batch-sizes', '1000', '--sustained-batches', '5')).toThrow(
      '--quick takes no --batch-sizes, --sustained-batches:',
    );
    expect(() => parse('--quick', '--cluster')).toThrow(BenchOptionError);
  });

  it('keeps the other flags as before', () => {
    expect(parse('--cluster')).toMatchObject({ cluster: true, scale: 0.01, quick: false });
    expect(parse('--cluster', '--scale', '0.05').scale).toBe(0.05);
    expect(parse('--skip', 'cold,rebuild', '--table-factors', '1,10', '--repeat', '1')).toMatchObject({
      skip: ['cold', 'rebuild'],
      tableFactors: [1, 10],
      repeat: 1,
      quick: false,
    });
    expect(() => parse('--repeat', '0')).toThrow('--repeat: expected a positive integer; received "0"');
  });

  it('leaves the report phase out with the delete batch it is compared with', () => {
    expect(impliedSkips(['cold', 'deletes'])).toEqual(['cold', 'deletes', 'report']);
    expect(impliedSkips(['deletes', 'report'])).toEqual(['deletes', 'report']);
    expect(impliedSkips(['report'])).toEqual(['report']);
    expect(parse('--skip', 'modes,deletes').skip).toEqual(['modes', 'deletes', 'report']);
    expect(parse().skip).toEqual([]);
    expect(PHASES).toContain('report');
  });
});
