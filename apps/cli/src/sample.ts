import { PipelineConfig } from '@app/config';

/** Deterministic PRNG (mulberry32), so a sample is the same on every machine for a seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const monthOf = (n: number) => `${Math.floor(n / 12)}-${String((n % 12) + 1).padStart(2, '0')}`;
const monthIndex = (m: string) => Number(m.slice(0, 4)) * 12 + Number(m.slice(5, 7)) - 1;

export interface SampleOptions {
  accounts: number;
  months: number;
  /** First month of the history, YYYY-MM. */
  start: string;
  seed: number;
  /** Instead of a full history: one mixed daily batch on top of it (new, forward with gaps, backfills, corrections, invalid rows). */
  mixed: boolean;
  /** base_ts of the rows (YYYY-MM-DD HH:MM:SS). */
  baseTs: string;
}

/**
 * Synthetic source rows for any config, from the source column types: the key, month, base_ts and date
 * columns get their roles; integers random in 0..999 (with −1 sentinels now and then); strings small codes.
 */
export function* sampleRows(config: PipelineConfig, o: SampleOptions): Generator<Record<string, unknown>> {
  const random = rng(o.seed);
  const role = (dest: string) =>
    [config.keyColumn, config.monthColumn, config.tsColumn].find((c) => c.toLowerCase() === dest.toLowerCase());
  const destOf = new Map(config.columns.map((c) => [c.source, c.dest]));
  const make = (key: number | null, month: string | null, ts: string | null) => {
    const out: Record<string, unknown> = {};
    for (const { name, type } of config.sourceSchema) {
      const dest = destOf.get(name) ?? name;
      const r = role(dest);
      if (r === config.keyColumn) out[name] = key;
      else if (r === config.monthColumn) out[name] = month;
      else if (r === config.tsColumn) out[name] = ts;
      else if (type === 'DATE')
        out[name] =
          month && /^\d{4}-(0[1-9]|1[0-2])$/.test(month)
            ? `${month}-${String(1 + Math.floor(random() * 28)).padStart(2, '0')}`
            : null;
      else if (type.startsWith('TIMESTAMP')) out[name] = ts;
      else if (/INT|LONG/.test(type)) out[name] = random() < 0.03 ? -1 : Math.floor(random() * 1000);
      else if (/DOUBLE|FLOAT|DECIMAL/.test(type)) out[name] = Math.round(random() * 100000) / 100;
      else if (type === 'BOOLEAN') out[name] = random() < 0.5;
      else out[name] = String(Math.floor(random() * 7));
    }
    return out;
  };
  const first = monthIndex(o.start);
  const last = first + o.months - 1;
  const keyBase = 1_000_000;
  if (!o.mixed) {
    for (let a = 0; a < o.accounts; a++) {
      // Accounts open at different times and skip a month now and then (gaps).
      const open = first + Math.floor(random() * Math.max(1, o.months / 3));
      for (let m = open; m <= last; m++) if (random() > 0.05) yield make(keyBase + a, monthOf(m), o.baseTs);
    }
    return;
  }
  for (let a = 0; a < o.accounts; a++) {
    const p = random();
    const key = keyBase + a;
    if (p < 0.85) {
      const gap = random() < 0.1 ? 2 + Math.floor(random() * 3) : 1;
      yield make(key, monthOf(last + gap), o.baseTs); // forward (10% with a gap)
    } else if (p < 0.95) {
      yield make(key, monthOf(last - 1 - Math.floor(random() * 12)), o.baseTs); // backfill / correction
    } else {
      const months = 1 + Math.floor(random() * 3);
      for (let m = 0; m < months; m++) yield make(keyBase + o.accounts + a, monthOf(last - months + 1 + m), o.baseTs); // new accounts
    }
  }
  yield make(null, monthOf(last), o.baseTs); // invalid: NULL key
  yield make(keyBase, '2024-13', o.baseTs); // invalid: month 13
  yield make(keyBase + 1, monthOf(last), null); // invalid: NULL base_ts
}
