import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * One writer per pipeline (issue 10): every process that writes the pipeline's tables (CLI `run`, `load`,
 * `optimize`, `repair`; the classifier and the dispatcher per job) holds this lease while it writes. The
 * lease is one row in a table every writer shares (IcebergLeaseStore); taking it is a compare-and-set, so
 * of two writers racing for it exactly one wins. The holder renews it (heartbeat); a holder that died stops
 * renewing and its lease expires, so the next writer takes it and its dead attempts (ledger rows left
 * `started`) are rolled back by the runner — which only rolls back under a lease it verified
 * (docs/compiled-job-format.md "Lease").
 */

export interface LeaseHolder {
  host: string;
  pid: number;
  /** What holds it: `run`, `load`, `classifier`, … */
  command: string;
}

export interface LeaseRecord {
  pipeline: string;
  /** Unique per acquisition; null when the lease was never taken. */
  token: string | null;
  /** Incremented by every acquisition: a fencing number, and how many times the lease changed hands. */
  epoch: number;
  holder: LeaseHolder | null;
  acquiredAtMs: number;
  renewedAtMs: number;
  expiresAtMs: number;
  /** Set by a clean release; null while held (or when the holder died). */
  releasedAtMs: number | null;
}

/** Where the lease lives. `compareAndSet` must be atomic: it writes only if the stored lease is still `expected`. */
export interface LeaseStore {
  /** Where the lease lives (a table name), for the runner's check and for messages. */
  readonly location: string;
  read(pipeline: string): Promise<LeaseRecord | null>;
  /** Writes `next` if the stored lease still has `expected`'s token and epoch; false when another writer changed it first. */
  compareAndSet(expected: LeaseRecord | null, next: LeaseRecord): Promise<boolean>;
  /** Keeps renewing `record` every `everyMs` until stopped, in whatever process does the writing. */
  keepAlive(record: LeaseRecord, ttlMs: number, everyMs: number): Promise<void>;
  stopKeepAlive(record: LeaseRecord): Promise<void>;
}

/** How a writer found the lease it took ('expired': its holder died; 'reclaimed': its own suspended lease, idle). */
export type LeasePrevious = 'never-held' | 'released' | 'expired' | 'reclaimed';

export type LeaseDecision = { action: 'take'; previous: LeasePrevious } | { action: 'wait'; holder: LeaseRecord };

/**
 * A lease this process suspended (PipelineLease.suspend) because a job it started may still run on a
 * cluster and renew it. It may be taken over before it expires once nobody renewed it for `quietMs`
 * (longer than the job's heartbeat) after it was suspended: then no job of it runs. A job that starts
 * later fails its lease check, as the token has changed.
 */
export interface SuspendedLease {
  token: string;
  /** renewed_at_ms as it was right after this process stopped renewing. */
  renewedAtMs: number;
  suspendedAtMs: number;
  quietMs: number;
}

/**
 * Whether a writer may take the lease now. A lease that was released, or whose holder stopped renewing
 * before `expiresAtMs`, is free; otherwise the writer waits.
 *   decideLease(null, now) → take (never-held)
 *   decideLease({…, expiresAtMs: now - 1, releasedAtMs: null}, now) → take (expired: the holder died)
 */
export function decideLease(current: LeaseRecord | null, nowMs: number, reclaim?: SuspendedLease): LeaseDecision {
  if (!current || current.token === null) return { action: 'take', previous: 'never-held' };
  if (current.releasedAtMs !== null) return { action: 'take', previous: 'released' };
  if (current.expiresAtMs <= nowMs) return { action: 'take', previous: 'expired' };
  if (
    reclaim &&
    current.token === reclaim.token &&
    current.renewedAtMs === reclaim.renewedAtMs &&
    nowMs - reclaim.suspendedAtMs >= reclaim.quietMs
  ) {
    return { action: 'take', previous: 'reclaimed' };
  }
  return { action: 'wait', holder: current };
}

/** The record a writer commits to take the lease. */
export function acquiredRecord(
  pipeline: string,
  previous: LeaseRecord | null,
  holder: LeaseHolder,
  token: string,
  nowMs: number,
  ttlMs: number,
): LeaseRecord {
  return {
    pipeline,
    token,
    epoch: (previous?.epoch ?? 0) + 1,
    holder,
    acquiredAtMs: nowMs,
    renewedAtMs: nowMs,
    expiresAtMs: nowMs + ttlMs,
    releasedAtMs: null,
  };
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Names the holder for the writer that waits or gives up:
 * `"run" on host a1 (pid 4242) since 2026-12-01T15:30:00Z, last renewed 5 s ago, expires in 115 s (lease epoch 3)`.
 */
export function describeHolder(record: LeaseRecord, nowMs: number): string {
  const who = record.holder
    ? `"${record.holder.command}" on host ${record.holder.host} (pid ${record.holder.pid})`
    : 'an unknown holder';
  const renewed = Math.max(0, Math.round((nowMs - record.renewedAtMs) / 1000));
  const left = Math.round((record.expiresAtMs - nowMs) / 1000);
  const expiry = left > 0 ? `expires in ${left} s unless renewed` : `expired ${-left} s ago`;
  return `${who} since ${iso(record.acquiredAtMs)}, last renewed ${renewed} s ago, ${expiry} (lease epoch ${record.epoch})`;
}

/** Exit code of a CLI command that gave up on a held lease (EX_TEMPFAIL: try again later). */
export const LEASE_HELD_EXIT_CODE = 75;

/** Another writer holds the pipeline's lease; running now would classify or merge the same batch twice. */
export class LeaseHeldError extends Error {
  readonly retriable = true;
  readonly exitCode = LEASE_HELD_EXIT_CODE;
  constructor(
    readonly pipeline: string,
    readonly holder: LeaseRecord,
    waitedMs: number,
    nowMs: number,
  ) {
    super(
      `pipeline ${pipeline} is locked by another writer: ${describeHolder(holder, nowMs)}; ` +
        `${waitedMs > 0 ? `waited ${Math.round(waitedMs / 1000)} s. ` : ''}Retry later, ` +
        `or pass --wait SECONDS; if that holder is dead its lease expires by itself ` +
        `(docs/runbook.md "A pipeline lease is held")`,
    );
    this.name = this.constructor.name;
  }
}

/** This writer's lease was taken over (it expired while the writer was stalled): it must stop writing. */
export class LeaseLostError extends Error {
  readonly retriable = true;
  constructor(message: string) {
    super(message);
    this.name = this.constructor.name;
  }
}

export interface LeaseOptions {
  /** A holder that has not renewed for this long is taken for dead. */
  ttlMs: number;
  /** Heartbeat period; well under ttlMs so that one missed beat does not lose the lease. */
  renewEveryMs: number;
  /** How often a waiting writer reads the lease again. */
  pollMs: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

export const LEASE_DEFAULTS: Omit<LeaseOptions, 'now' | 'sleep'> = {
  ttlMs: 120_000,
  renewEveryMs: 20_000,
  pollMs: 2_000,
};

/** SUMMARY_LEASE_TTL_SECONDS (default 120): how long a silent holder keeps the lease; the heartbeat is a sixth of it. */
export function leaseOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): Omit<LeaseOptions, 'now' | 'sleep'> {
  const raw = env.SUMMARY_LEASE_TTL_SECONDS;
  if (raw === undefined || raw === '') return LEASE_DEFAULTS;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 3)
    throw new Error(`SUMMARY_LEASE_TTL_SECONDS: expected a number of seconds >= 3, received "${raw}"`);
  return {
    ttlMs: seconds * 1000,
    renewEveryMs: Math.max(500, Math.round((seconds * 1000) / 6)),
    pollMs: Math.min(2_000, Math.round((seconds * 1000) / 3)),
  };
}

export function currentHolder(command: string): LeaseHolder {
  return { host: hostname(), pid: process.pid, command };
}

export interface AcquireOptions {
  /** How long to wait for a held lease before giving up with LeaseHeldError (0: give up at once). */
  waitMs: number;
  /** Told once when the writer starts waiting, with the holder's description. */
  onWait?: (message: string) => void;
  /** A lease this process suspended earlier: taken over once no job renews it (SuspendedLease). */
  reclaim?: SuspendedLease;
}

/** The lease of one pipeline as one writer sees it: acquire, keep alive, check, release. */
export class PipelineLease {
  private readonly options: LeaseOptions;
  private held: LeaseRecord | null = null;
  /** How the lease was found when this writer took it ('expired': the previous holder died holding it). */
  previous: LeasePrevious | null = null;
  readonly token = randomUUID();

  constructor(
    private readonly store: LeaseStore,
    readonly pipeline: string,
    readonly holder: LeaseHolder,
    options: Partial<LeaseOptions> = {},
  ) {
    this.options = {
      ...LEASE_DEFAULTS,
      now: Date.now,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      ...options,
    };
  }

  get table(): string {
    return this.store.location;
  }

  get record(): LeaseRecord | null {
    return this.held;
  }

  /** Takes the lease, waiting up to `waitMs` for a live holder to release it or die. */
  async acquire({ waitMs, onWait, reclaim }: AcquireOptions): Promise<LeaseRecord> {
    const { now, sleep, ttlMs, renewEveryMs, pollMs } = this.options;
    const began = now();
    let told = false;
    for (;;) {
      const current = await this.store.read(this.pipeline);
      const decision = decideLease(current, now(), reclaim);
      if (decision.action === 'take') {
        const next = acquiredRecord(this.pipeline, current, this.holder, this.token, now(), ttlMs);
        if (await this.store.compareAndSet(current, next)) {
          this.held = next;
          this.previous = decision.previous;
          await this.store.keepAlive(next, ttlMs, renewEveryMs);
          return next;
        }
        continue; // another writer changed it between our read and our write: read again
      }
      const waited = now() - began;
      // The message says how long --wait was, not how long reading the lease took.
      if (waited >= waitMs) throw new LeaseHeldError(this.pipeline, decision.holder, waitMs, now());
      if (!told)
        onWait?.(
          `waiting up to ${Math.round(waitMs / 1000)} s for the lease of ${this.pipeline}, held by ${describeHolder(decision.holder, now())}`,
        );
      told = true;
      await sleep(Math.min(pollMs, waitMs - waited));
    }
  }

  /** Extends the lease by the TTL; LeaseLostError if another writer holds it now. */
  async renew(): Promise<LeaseRecord> {
    const held = this.mustHold();
    const next = { ...held, renewedAtMs: this.options.now(), expiresAtMs: this.options.now() + this.options.ttlMs };
    if (!(await this.store.compareAndSet(held, next))) throw await this.lost();
    this.held = next;
    return next;
  }

  /** LeaseLostError unless the stored lease is still this writer's and not expired. */
  async check(): Promise<void> {
    const current = await this.store.read(this.pipeline);
    if (
      !current ||
      current.token !== this.token ||
      current.releasedAtMs !== null ||
      current.expiresAtMs <= this.options.now()
    )
      throw await this.lost(current);
  }

  /**
   * Stops this process's heartbeat but keeps the lease (no release): for a job that may go on elsewhere
   * (a cluster driver that renews the lease itself, job.lease.keepAlive) after this process lost track of
   * it. Returns what a later `acquire({ reclaim })` needs to take the lease over once no job renews it.
   */
  async suspend(quietMs: number): Promise<SuspendedLease | null> {
    const held = this.held;
    if (!held) return null;
    this.held = null;
    await this.store.stopKeepAlive(held);
    const current = await this.store.read(this.pipeline);
    if (!current || current.token !== held.token || current.releasedAtMs !== null) return null;
    return { token: held.token!, renewedAtMs: current.renewedAtMs, suspendedAtMs: this.options.now(), quietMs };
  }

  /** Gives the lease back (idempotent); a lease another writer took meanwhile is left alone. */
  async release(): Promise<void> {
    const held = this.held;
    if (!held) return;
    this.held = null;
    await this.store.stopKeepAlive(held);
    const current = await this.store.read(this.pipeline);
    if (!current || current.token !== held.token) return;
    await this.store.compareAndSet(current, { ...current, releasedAtMs: this.options.now() });
  }

  private mustHold(): LeaseRecord {
    if (!this.held)
      throw new LeaseLostError(
        `the lease of ${this.pipeline} is not held by this writer (${this.holder.command}); acquire it first`,
      );
    return this.held;
  }

  private async lost(current?: LeaseRecord | null): Promise<LeaseLostError> {
    const now = this.options.now();
    const record = current === undefined ? await this.store.read(this.pipeline) : current;
    const other = record && record.token !== this.token ? `; it is now held by ${describeHolder(record, now)}` : '';
    return new LeaseLostError(
      `this writer (${this.holder.command}, pid ${this.holder.pid}) lost the lease of ${this.pipeline}: ` +
        `it stopped renewing for longer than ${this.options.ttlMs / 1000} s${other}. ` +
        `Nothing more was written; run again`,
    );
  }
}

/**
 * Takes the lease, runs `work`, always releases it. A release that fails (the runner died) never hides
 * why `work` failed; the lease then simply expires.
 */
export async function withLease<T>(lease: PipelineLease, acquire: AcquireOptions, work: () => Promise<T>): Promise<T> {
  await lease.acquire(acquire);
  let failed = false;
  try {
    return await work();
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    await lease.release().catch((err: unknown) => {
      if (!failed) throw err;
    });
  }
}
