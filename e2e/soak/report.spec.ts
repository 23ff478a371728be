import { recoveries, stats } from './report';

describe('soak report figures', () => {
  it('median, p95 by nearest rank and max', () => {
    expect(stats([4, 1, 3, 2])).toEqual({ n: 4, median: 2.5, p95: 4, max: 4 });
    expect(stats(Array.from({ length: 20 }, (_, i) => i + 1))).toEqual({ n: 20, median: 10.5, p95: 19, max: 20 });
    expect(stats([])).toBeNull();
  });

  it('measures each fault to the first completion after it, null when none came', () => {
    expect(recoveries([1000, 5000, 9500], [9000, 500, 4000])).toEqual([3, 4, null]);
  });
});
