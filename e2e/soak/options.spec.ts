import { parseSoakOptions } from './options';

const NOW = new Date('2026-12-07T01:00:00Z');
const parse = (...argv: string[]) => parseSoakOptions(argv, '/repo', NOW);

describe('parseSoakOptions', () => {
  it('defaults: 50 batches, 0.6 faults a batch, a seed from the clock, the dated report directory', () => {
    expect(parse()).toEqual({
      batches: 50,
      faults: 30,
      seed: NOW.getTime() % 2 ** 31,
      accounts: 60,
      out: '/repo/bench/results/soak-2026-12-07',
      cluster: false,
    });
  });

  it('--cluster: the cluster topology, reported in a directory of its own', () => {
    expect(parse('--cluster', '--batches', '8')).toMatchObject({
      cluster: true,
      batches: 8,
      out: '/repo/bench/results/soak-cluster-2026-12-07',
    });
    expect(parse('--cluster', '--out', '/x')).toMatchObject({ cluster: true, out: '/x' });
  });

  it('takes --faults or --fault-rate, not both', () => {
    expect(parse('--batches', '6', '--faults', '8', '--seed', '11')).toMatchObject({ batches: 6, faults: 8, seed: 11 });
    expect(parse('--batches', '10', '--fault-rate', '1.5')).toMatchObject({ faults: 15 });
    expect(() => parse('--faults', '3', '--fault-rate', '1')).toThrow(
      /--faults and --fault-rate: give one of them, not both/,
    );
  });

  it('refuses bad values naming the flag and what it expected', () => {
    expect(() => parse('--batches', '0')).toThrow(/--batches 0: expected a whole number ≥ 1/);
    expect(() => parse('--seed', 'abc')).toThrow(/--seed abc: expected a whole number ≥ 0/);
    expect(() => parse('--fault-rate=-1')).toThrow(/--fault-rate -1: expected a number ≥ 0/);
    expect(() => parse('--batches', '1', '--faults', '2')).toThrow(/faults need at least 2 batches/);
    expect(() => parse('--bogus')).toThrow(/Unknown option '--bogus'/);
  });

  it('answers --help', () => {
    expect(parse('--help')).toBe('help');
  });
});
