import * as fc from 'fast-check';
import type { EventName } from '@app/contracts';
import { MALFORMED_KINDS, MalformedKind } from '../faults';
import { SERVICES, ServiceName } from '../service-processes';

// The soak's fault schedule: a pure function of (seed, batches, faults), so a run is replayed by its seed.
// fast-check draws the choices (fc.sample with the seed), as the scenario generator draws the data.

/**
 * Every fault the injector knows. `disk-full` fills the small disk the run's tables live on (soak/disk.ts);
 * it needs root to mount that disk, so a soak without root plans without it (planFaults' `kinds`). The last two
 * exist only in the cluster topology (`--cluster`): the object store under the tables restarted, a case job's
 * driver on a worker killed; there the tables live on the object store, so `disk-full` is the local topology's.
 */
export const FAULT_KINDS = [
  'kill-service',
  'kill-runner',
  'kill-before-ledger',
  'kafka-restart',
  'registry-down',
  'catalog-restart',
  'cli-writer',
  'duplicate-events',
  'reorder-events',
  'malformed-event',
  'disk-full',
  'object-store-restart',
  'kill-driver',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export type Topology = 'local' | 'cluster';
const CLUSTER_ONLY: ReadonlySet<FaultKind> = new Set<FaultKind>(['object-store-restart', 'kill-driver']);
const LOCAL_ONLY: ReadonlySet<FaultKind> = new Set<FaultKind>(['disk-full']);

export const NOT_IMPLEMENTED: ReadonlySet<FaultKind> = new Set<FaultKind>([]);

/**
 * The kinds a topology injects, in FAULT_KINDS' order (the local list is the one of the soaks before `--cluster`
 * existed, so their seeds replay the same schedule).
 */
export function kindsOf(topology: Topology): FaultKind[] {
  const other = topology === 'local' ? CLUSTER_ONLY : LOCAL_ONLY;
  return FAULT_KINDS.filter((k) => !NOT_IMPLEMENTED.has(k) && !other.has(k));
}

export const INJECTED_KINDS: readonly FaultKind[] = kindsOf('local');

/** Services with a Spark runner of their own (the watcher reads snapshots through the catalog's REST API). */
export const RUNNER_SERVICES: readonly ServiceName[] = ['classifier', 'spark-dispatcher', 'auditor'];
export const EVENT_TOPICS: readonly EventName[] = [
  'watermark-advanced',
  'case-batch-planned',
  'job-state-changed',
  'batch-completed',
];

export type FaultTarget =
  | { kind: 'kill-service'; service: ServiceName }
  | { kind: 'kill-runner'; service: ServiceName }
  /** The dispatcher itself or its runner, killed after a case job's data commits and before its ledger row. */
  | { kind: 'kill-before-ledger'; victim: 'spark-dispatcher' | 'runner' }
  | { kind: 'kafka-restart'; outageMs: number }
  | { kind: 'registry-down'; outageMs: number }
  | { kind: 'catalog-restart'; outageMs: number }
  | { kind: 'cli-writer' }
  /** `back` batches before the current one (0: the current batch's events so far). */
  | { kind: 'duplicate-events'; back: number }
  | { kind: 'reorder-events'; back: number }
  | { kind: 'malformed-event'; topic: EventName; malformed: MalformedKind }
  /** The tables' disk filled to its last byte for `outageMs`, then freed. */
  | { kind: 'disk-full'; outageMs: number }
  | { kind: 'object-store-restart'; outageMs: number }
  /** SIGKILL of a running case job's driver (its JVM on a worker and the runner below it). */
  | { kind: 'kill-driver' };

export interface PlannedFault {
  /** 1-based, in strike order. */
  index: number;
  /** 1-based day (ingest) during which it strikes. */
  batch: number;
  /**
   * From that day's ingest. `kill-before-ledger` has 0: it arms the pause hook first thing and strikes when
   * the day's first case job reaches the point (armed after the batch completed, no job would come).
   */
  delayMs: number;
  target: FaultTarget;
}

/** Latest strike within a day: batches here take 20–60 s, so some faults land between two batches. */
const MAX_DELAY_MS = 45_000;

const targetArb = (kind: FaultKind): fc.Arbitrary<FaultTarget> => {
  const outage = (min: number, max: number) => fc.integer({ min, max });
  switch (kind) {
    case 'kill-service':
      return fc.constantFrom(...SERVICES).map((service) => ({ kind, service }));
    case 'kill-runner':
      return fc.constantFrom(...RUNNER_SERVICES).map((service) => ({ kind, service }));
    case 'kill-before-ledger':
      return fc.constantFrom('spark-dispatcher' as const, 'runner' as const).map((victim) => ({ kind, victim }));
    case 'kafka-restart':
      return outage(1_000, 10_000).map((outageMs) => ({ kind, outageMs }));
    case 'registry-down':
      return outage(5_000, 30_000).map((outageMs) => ({ kind, outageMs }));
    case 'catalog-restart':
    case 'object-store-restart':
      return outage(1_000, 10_000).map((outageMs) => ({ kind, outageMs }));
    case 'duplicate-events':
    case 'reorder-events':
      return fc.integer({ min: 0, max: 2 }).map((back) => ({ kind, back }));
    case 'malformed-event':
      return fc
        .record({ topic: fc.constantFrom(...EVENT_TOPICS), malformed: fc.constantFrom(...MALFORMED_KINDS) })
        .map((t) => ({ kind, ...t }));
    case 'cli-writer':
    case 'kill-driver':
      return fc.constant({ kind });
    case 'disk-full':
      return outage(5_000, 30_000).map((outageMs) => ({ kind, outageMs }));
  }
};

/**
 * `faults` faults over days 1 … batches − 1 (the last day only completes, so every fault has a batch
 * after it), spread evenly with random strike points. The first faults take every injected kind once,
 * in a random order; the rest are drawn at random, so a run of ≥ 10 faults covers every kind.
 *
 * planFaults(7, 6, 3) → [{ index: 1, batch: 1, delayMs: 31204, target: { kind: 'registry-down', outageMs: 12873 } }, …]
 */
export function planFaults(
  seed: number,
  batches: number,
  faults: number,
  kinds: readonly FaultKind[] = INJECTED_KINDS,
): PlannedFault[] {
  if (faults === 0) return [];
  if (batches < 2)
    throw new Error(
      `--batches ${batches}: a soak with faults needs at least 2 batches ` +
        `(a fault strikes during one of the first batches − 1 and the next one shows the recovery)`,
    );
  const days = batches - 1;
  const order = fc.shuffledSubarray([...kinds], { minLength: kinds.length, maxLength: kinds.length });
  const extra = fc.array(fc.constantFrom(...kinds), {
    minLength: Math.max(0, faults - kinds.length),
    maxLength: Math.max(0, faults - kinds.length),
  });
  const kindsArb = fc.tuple(order, extra).map(([first, rest]) => [...first, ...rest].slice(0, faults));
  const planArb = kindsArb.chain((kinds) =>
    fc.tuple(
      ...kinds.map((kind) =>
        fc.record({
          target: targetArb(kind),
          delayMs: fc.integer({ min: 0, max: MAX_DELAY_MS }),
          jitter: fc.double({ min: 0, max: 1, noNaN: true }),
        }),
      ),
    ),
  );
  // Unbiased: fast-check otherwise favours the ends of each range (delays of 0 and 45 s, the shortest outages).
  const drawn = fc.sample(planArb, { seed, numRuns: 1, unbiased: true })[0];
  return drawn
    .map((f, i) => ({
      batch: Math.min(days, Math.floor(((i + f.jitter) * days) / faults) + 1),
      delayMs: f.target.kind === 'kill-before-ledger' ? 0 : f.delayMs,
      target: f.target,
    }))
    .sort((a, b) => a.batch - b.batch || a.delayMs - b.delayMs)
    .map((f, i) => ({ index: i + 1, ...f }));
}

/** One line: 'kill-service spark-dispatcher', 'registry-down for 12.9 s', 'malformed-event huge-count on job-state-changed'. */
export function describeTarget(t: FaultTarget): string {
  switch (t.kind) {
    case 'kill-service':
    case 'kill-runner':
      return `${t.kind} ${t.service}`;
    case 'kill-before-ledger':
      return `${t.kind} (${t.victim === 'runner' ? "the dispatcher's runner" : 'spark-dispatcher'})`;
    case 'kafka-restart':
    case 'registry-down':
    case 'catalog-restart':
    case 'disk-full':
    case 'object-store-restart':
      return `${t.kind} for ${(t.outageMs / 1000).toFixed(1)} s`;
    case 'duplicate-events':
    case 'reorder-events':
      return `${t.kind} of ${t.back === 0 ? 'the current batch' : `the batch ${t.back} before`}`;
    case 'malformed-event':
      return `${t.kind} ${t.malformed} on ${t.topic}`;
    case 'cli-writer':
    case 'kill-driver':
      return t.kind;
  }
}
