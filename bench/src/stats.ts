/** Median, min and max of repeated measurements: the machine is noisy, so no mean. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
}

/** [3, 1, 2] → 2; [4, 1, 3, 2] → 2.5 (mean of the two middle values). Throws on an empty list. */
export function median(values: number[]): number {
  if (!values.length) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function summarize(values: number[]): Summary {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), n: values.length };
}

/** Seconds with millisecond precision. */
export const sec = (ms: number) => Math.round(ms) / 1000;

/** The JSON form of a set of timings: { median_s, min_s, max_s, runs_s }. */
export interface Timing {
  median_s: number;
  min_s: number;
  max_s: number;
  runs_s: number[];
}

export function timing(ms: number[]): Timing {
  const s = summarize(ms);
  return { median_s: sec(s.median), min_s: sec(s.min), max_s: sec(s.max), runs_s: ms.map(sec) };
}

/** Records per second: whole numbers from 100 up, one decimal below (20 records in 49 s → 0.4); 0 when no time passed. */
export function perSecond(records: number, seconds: number): number {
  if (!(seconds > 0)) return 0;
  const r = records / seconds;
  return r >= 100 ? Math.round(r) : Math.round(r * 10) / 10;
}
