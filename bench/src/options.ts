import { Command } from 'commander';

/** The seed 000 §9 simulation ("1/100 scale"): what `--scale 1` reproduces. */
export const SEED_SIMULATION = {
  accounts: 100_000,
  summaryRows: 2_348_547,
  batchRows: 10_000,
  /** Its measured incremental update of the 10K batch (6 local cores), for the report's context. */
  incrementalSeconds: 100.4,
} as const;

/** Share of a batch's records per case (seed 000 §9: 5% new, 85% forward, 10% backfill). */
export const BATCH_MIX = { newAccounts: 0.05, forward: 0.85, backfill: 0.1 } as const;

export type Phase = 'modes' | 'rebuild' | 'batch' | 'table' | 'overhead' | 'sustained' | 'cold' | 'deletes' | 'report';
export const PHASES: Phase[] = [
  'modes',
  'rebuild',
  'batch',
  'table',
  'overhead',
  'sustained',
  'cold',
  'deletes',
  'report',
];

/** SPEC §4a row: the main batch with this many of its backfills replaced by deletes (at scale 1; at most its backfills). */
export const BATCH_DELETES = 100;

/**
 * Issue 23's row (SPEC §4b, §4c): the delete batch with this many report rows beside it (at scale 1), this
 * many of them vetoes of the batch's deletes (at most its deletes), with unbounded history on.
 */
export const REPORT_ROWS = 1_000;
export const REPORT_VETOES = 100;

export interface BenchOptions {
  /** 1 = seed 000 §9 size; every account and record count below is multiplied by it. */
  scale: number;
  /** Measurements per configuration (each on a fresh copy of the tables). */
  repeat: number;
  seed: number;
  config: string;
  warehouse: string;
  out: string;
  /** Summary sizes for the table-scaling series, as multiples of the base table. */
  tableFactors: number[];
  /** Batch sizes for the batch-scaling series, in records at scale 1. */
  batchSizes: number[];
  /** Accounts per initial-load batch at scale 1 (bounds the memory of one CASE_I job). */
  loadChunk: number;
  /** Consecutive daily batches of the sustained phase (issue #9: 30). */
  sustainedBatches: number;
  skip: Phase[];
  keep: boolean;
  verbose: boolean;
  /** `--cluster`: the small workload on the cluster topology beside local mode (bench/src/cluster.ts). */
  cluster: boolean;
  /** `--quick`: the headline batch, its write amplification and the cold run only (QUICK_PROFILE); writes quick.{json,md}. */
  quick: boolean;
}

/** `--cluster` runs at this scale unless --scale is given: 1,000 accounts, a 100-record batch. */
export const CLUSTER_SCALE = 0.01;

export const DEFAULT_OPTIONS: BenchOptions = {
  scale: 1,
  repeat: 3,
  seed: 1,
  config: 'config/seed-000.json',
  warehouse: '.runtime/bench/warehouse',
  out: 'bench/results',
  tableFactors: [1, 3, 10],
  batchSizes: [1_000, 10_000, 100_000],
  loadChunk: SEED_SIMULATION.accounts,
  sustainedBatches: 30,
  skip: [],
  keep: false,
  verbose: false,
  cluster: false,
  quick: false,
};

/**
 * `--quick`: re-measures what an engine change moves, within a working session (~6–7 min at scale 1 on the
 * 2-core machine): the base table built by the pipeline's own initial load (nothing else is built), the
 * headline batch in the tables' default write mode with its write amplification and classify's split
 * checked on every run, and the cold `summary-pipeline run`. Every other phase is left out; only 1× and
 * the main batch size remain. `--scale`, `--repeat`, `--seed`, `--config` and `--skip cold` still apply;
 * flags of the left-out phases are refused.
 */
export const QUICK_PROFILE = {
  scale: 1,
  repeat: 3,
  skip: ['modes', 'rebuild', 'batch', 'table', 'overhead', 'sustained', 'deletes', 'report'] as Phase[],
  tableFactors: [1],
  batchSizes: [SEED_SIMULATION.batchRows],
} as const;

/** Flags of the phases `--quick` leaves out: given with it, they are refused rather than ignored. */
const QUICK_REFUSES = ['tableFactors', 'batchSizes', 'sustainedBatches', 'cluster'] as const;
const flagName = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** The files a run writes into --out: the full benchmark's latest.*, the quick profile's quick.* (no chart). */
export function resultFiles(o: Pick<BenchOptions, 'quick'>): { json: string; md: string; png: string | null } {
  return o.quick
    ? { json: 'quick.json', md: 'quick.md', png: null }
    : { json: 'latest.json', md: 'latest.md', png: 'latest.png' };
}

/** The absolute sizes a run works with, derived from the options. */
export interface BenchSizes {
  accounts: number;
  batchRows: number;
  batchSizes: number[];
  tableFactors: number[];
  loadChunkAccounts: number;
}

export class BenchOptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = this.constructor.name;
  }
}

const scaled = (n: number, scale: number) => Math.max(1, Math.round(n * scale));

/**
 * Sizes for a scale. Example: scale 0.02 → 2,000 accounts, a 200-record batch, batch series [20, 200, 2000],
 * initial loads of 2,000 accounts. Refuses a batch that needs more existing accounts than the table has, or
 * is too small to hold a record of every case.
 */
export function benchSizes(o: Pick<BenchOptions, 'scale' | 'batchSizes' | 'tableFactors' | 'loadChunk'>): BenchSizes {
  if (!(o.scale > 0)) throw new BenchOptionError(`--scale: expected a positive number; received ${o.scale}`);
  const accounts = scaled(SEED_SIMULATION.accounts, o.scale);
  const batchRows = scaled(SEED_SIMULATION.batchRows, o.scale);
  const batchSizes = [...new Set([...o.batchSizes.map((b) => scaled(b, o.scale))])].sort((a, b) => a - b);
  for (const b of [batchRows, ...batchSizes]) {
    const existing = Math.round(b * BATCH_MIX.forward) + Math.round(b * BATCH_MIX.backfill);
    if (Math.round(b * BATCH_MIX.newAccounts) < 1 || Math.round(b * BATCH_MIX.backfill) < 1) {
      throw new BenchOptionError(
        `a batch of ${b} record(s) has no record of some case (5% new, 10% backfill); raise --scale or the --batch-sizes`,
      );
    }
    if (existing > accounts) {
      throw new BenchOptionError(
        `a batch of ${b} record(s) needs ${existing} distinct existing accounts; the base table has ${accounts} (raise --scale or lower --batch-sizes)`,
      );
    }
  }
  const tableFactors = [...new Set(o.tableFactors)].sort((a, b) => a - b);
  if (tableFactors.some((f) => !Number.isInteger(f) || f < 1))
    throw new BenchOptionError(`--table-factors: expected positive integers; received ${o.tableFactors.join(',')}`);
  return { accounts, batchRows, batchSizes, tableFactors, loadChunkAccounts: scaled(o.loadChunk, o.scale) };
}

/** Parses "1,3,10" into numbers; the flag name goes into the error. */
export function numberList(flag: string, text: string): number[] {
  const values = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  if (!values.length || values.some((v) => !Number.isFinite(v) || v <= 0))
    throw new BenchOptionError(`${flag}: expected comma-separated positive numbers; received "${text}"`);
  return values;
}

/**
 * The phases a `--skip` list leaves out, with what they imply: the report phase (issue 23) is measured
 * against the delete batch of the same run, so `deletes` leaves `report` out too.
 * Example: ['deletes'] → ['deletes', 'report'].
 */
export function impliedSkips(skip: Phase[]): Phase[] {
  return skip.includes('deletes') && !skip.includes('report') ? [...skip, 'report'] : skip;
}

export function phaseList(text: string): Phase[] {
  const values = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const bad = values.filter((v) => !PHASES.includes(v as Phase));
  if (bad.length)
    throw new BenchOptionError(`--skip: expected some of ${PHASES.join(', ')}; received "${bad.join(', ')}"`);
  return values as Phase[];
}

/** `npm run bench -- <flags>` (process.argv: node, script, flags…) → the run's options. */
export function parseOptions(argv: string[]): BenchOptions {
  const cli = new Command('bench')
    .description('Benchmark of the summary pipeline on the seed 000 §9 workload (see README "Performance").')
    .option(
      '--scale <x>',
      '1 = seed 000 §9: 100K accounts, ~2.35M summary rows, a 10K batch',
      String(DEFAULT_OPTIONS.scale),
    )
    .option('--repeat <n>', 'runs per measurement (median and min–max)', String(DEFAULT_OPTIONS.repeat))
    .option('--seed <n>', 'data seed', String(DEFAULT_OPTIONS.seed))
    .option('--config <file>', 'pipeline config', DEFAULT_OPTIONS.config)
    .option('--warehouse <dir>', 'scratch warehouse (emptied first)', DEFAULT_OPTIONS.warehouse)
    .option(
      '--out <dir>',
      'where the results go (latest.json, latest.md, latest.png; quick.json, quick.md with --quick)',
      DEFAULT_OPTIONS.out,
    )
    .option(
      '--table-factors <list>',
      'summary sizes, multiples of the base table',
      DEFAULT_OPTIONS.tableFactors.join(','),
    )
    .option('--batch-sizes <list>', 'batch sizes in records at scale 1', DEFAULT_OPTIONS.batchSizes.join(','))
    .option('--load-chunk <n>', 'accounts per initial-load batch at scale 1', String(DEFAULT_OPTIONS.loadChunk))
    .option(
      '--sustained-batches <n>',
      'consecutive daily batches of the sustained phase',
      String(DEFAULT_OPTIONS.sustainedBatches),
    )
    .option('--skip <list>', `phases to leave out: ${PHASES.join(', ')} (deletes leaves out report too)`, '')
    .option('--keep', 'keep the warehouse afterwards')
    .option('-v, --verbose', "print the pipeline's own progress lines")
    .option(
      '--cluster',
      `the cluster topology beside local mode at a small scale (default --scale ${CLUSTER_SCALE}); ` +
        `writes cluster.{json,md}; scripts/bench.sh starts the topology`,
    )
    .option(
      '--quick',
      `scale ${QUICK_PROFILE.scale} unless --scale: the initial load, ` +
        `the main batch in the default write mode (${QUICK_PROFILE.repeat} repeats unless --repeat) ` +
        `with its write amplification, and the cold run; ` +
        `nothing else (~6–7 min alone at scale 1); writes quick.{json,md}`,
    )
    .parse(argv);
  const o = cli.opts<Record<string, string | boolean | undefined>>();
  const given = (key: string) => cli.getOptionValueSource(key) === 'cli';
  const positiveInt = (flag: string, v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1)
      throw new BenchOptionError(`${flag}: expected a positive integer; received "${v}"`);
    return n;
  };
  const cluster = Boolean(o.cluster);
  const quick = Boolean(o.quick);
  if (quick) {
    const refused = QUICK_REFUSES.filter(given);
    if (refused.length)
      throw new BenchOptionError(
        `--quick takes no ${refused.map(flagName).join(', ')}: the quick profile leaves that out; run without --quick for it`,
      );
  }
  const skip = o.skip ? impliedSkips(phaseList(String(o.skip))) : [];
  const options: BenchOptions = {
    scale: cluster && !given('scale') ? CLUSTER_SCALE : Number(o.scale),
    repeat: positiveInt('--repeat', String(o.repeat)),
    seed: positiveInt('--seed', String(o.seed)),
    config: String(o.config),
    warehouse: String(o.warehouse),
    out: String(o.out),
    tableFactors: numberList('--table-factors', String(o.tableFactors)),
    batchSizes: numberList('--batch-sizes', String(o.batchSizes)),
    loadChunk: positiveInt('--load-chunk', String(o.loadChunk)),
    sustainedBatches: positiveInt('--sustained-batches', String(o.sustainedBatches)),
    skip,
    keep: Boolean(o.keep),
    verbose: Boolean(o.verbose),
    cluster,
    quick,
  };
  if (!quick) return options;
  return {
    ...options,
    scale: given('scale') ? options.scale : QUICK_PROFILE.scale,
    repeat: given('repeat') ? options.repeat : QUICK_PROFILE.repeat,
    skip: PHASES.filter((p) => QUICK_PROFILE.skip.includes(p) || skip.includes(p)),
    tableFactors: [...QUICK_PROFILE.tableFactors],
    batchSizes: [...QUICK_PROFILE.batchSizes],
  };
}
