import { median, perSecond, summarize, timing } from './stats';

describe('median', () => {
  it('is the middle value of an odd count and the mean of the middle two of an even count', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it('does not reorder its input', () => {
    const xs = [3, 1, 2];
    median(xs);
    expect(xs).toEqual([3, 1, 2]);
  });

  it('refuses no values', () => {
    expect(() => median([])).toThrow(RangeError);
  });
});

describe('summarize and timing', () => {
  it('gives median, min, max and count', () => {
    expect(summarize([10, 30, 20])).toEqual({ median: 20, min: 10, max: 30, n: 3 });
  });

  it('turns milliseconds into seconds, keeping every run', () => {
    expect(timing([1500, 1250, 2001])).toEqual({
      median_s: 1.5,
      min_s: 1.25,
      max_s: 2.001,
      runs_s: [1.5, 1.25, 2.001],
    });
  });
});

describe('perSecond', () => {
  it('rounds records per second, keeping a decimal below 100, and is 0 without time', () => {
    expect(perSecond(10_000, 8)).toBe(1250);
    expect(perSecond(10, 3)).toBe(3.3);
    expect(perSecond(20, 49)).toBe(0.4);
    expect(perSecond(10, 0)).toBe(0);
  });
});
