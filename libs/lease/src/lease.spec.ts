import { MemoryLeaseStore } from '@app/testing';
import {
  LEASE_HELD_EXIT_CODE,
  LeaseHeldError,
  LeaseLostError,
  LeaseRecord,
  PipelineLease,
  decideLease,
  describeHolder,
  leaseOptionsFromEnv,
  withLease,
} from './lease';

const T0 = Date.parse('2026-12-01T15:30:00Z');

function setup() {
  const store = new MemoryLeaseStore();
  const clock = { now: T0, onSleep: async (): Promise<void> => undefined };
  const sleep = async (ms: number) => {
    clock.now += ms;
    await clock.onSleep();
  };
  const options = { ttlMs: 60_000, renewEveryMs: 10_000, pollMs: 1_000, now: () => clock.now, sleep };
  const writer = (command: string, pid: number) =>
    new PipelineLease(store, 'local.ns.summary', { host: 'node-a', pid, command }, options);
  return { store, clock, writer };
}

describe('decideLease', () => {
  const held: LeaseRecord = {
    pipeline: 'p',
    token: 't1',
    epoch: 3,
    holder: { host: 'h', pid: 1, command: 'run' },
    acquiredAtMs: T0,
    renewedAtMs: T0,
    expiresAtMs: T0 + 60_000,
    releasedAtMs: null,
  };

  it('takes a lease that was never held, released, or expired; waits for a live holder', () => {
    expect(decideLease(null, T0)).toEqual({ action: 'take', previous: 'never-held' });
    expect(decideLease({ ...held, token: null }, T0)).toEqual({ action: 'take', previous: 'never-held' });
    expect(decideLease({ ...held, releasedAtMs: T0 + 5 }, T0 + 10)).toEqual({ action: 'take', previous: 'released' });
    expect(decideLease(held, T0 + 60_000)).toEqual({ action: 'take', previous: 'expired' });
    expect(decideLease(held, T0 + 59_999)).toEqual({ action: 'wait', holder: held });
  });

  it('names the holder, its age and its expiry', () => {
    expect(describeHolder(held, T0 + 5_000)).toBe(
      '"run" on host h (pid 1) since 2026-12-01T15:30:00Z, last renewed 5 s ago, expires in 55 s unless renewed (lease epoch 3)',
    );
    expect(describeHolder(held, T0 + 90_000)).toContain('expired 30 s ago');
  });
});

describe('PipelineLease', () => {
  it('one of two writers takes the lease; the other gives up at once with the holder named and exit code 75', async () => {
    const { store, writer } = setup();
    const first = writer('run', 100);
    await first.acquire({ waitMs: 0 });
    expect(store.row!.token).toBe(first.token);
    expect(store.keeping.has(first.token)).toBe(true);
    expect(first.previous).toBe('never-held');

    const err = await writer('load', 200)
      .acquire({ waitMs: 0 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LeaseHeldError);
    expect((err as LeaseHeldError).message).toMatch(
      /^pipeline local\.ns\.summary is locked by another writer: "run" on host node-a \(pid 100\) since 2026-12-01T15:30:00Z/,
    );
    expect((err as LeaseHeldError).exitCode).toBe(LEASE_HELD_EXIT_CODE);
    expect((err as LeaseHeldError).retriable).toBe(true);
    expect(store.row!.token).toBe(first.token);
  });

  it('a waiting writer takes the lease when the holder releases it, and says whom it waits for', async () => {
    const { store, clock, writer } = setup();
    const first = writer('run', 100);
    await first.acquire({ waitMs: 0 });
    const waits: string[] = [];
    const second = writer('optimize', 200);
    clock.onSleep = async () => {
      if (clock.now >= T0 + 5_000) await first.release(); // the holder finishes 5 s into the wait
    };
    await second.acquire({ waitMs: 30_000, onWait: (m) => waits.push(m) });
    expect(clock.now - T0).toBe(5_000);
    expect(store.row!.token).toBe(second.token);
    expect(store.row!.epoch).toBe(2);
    expect(second.previous).toBe('released');
    expect(waits).toHaveLength(1);
    expect(waits[0]).toMatch(
      /^waiting up to 30 s for the lease of local\.ns\.summary, held by "run" on host node-a \(pid 100\)/,
    );
  });

  it('gives up after --wait when the holder stays alive', async () => {
    const { clock, writer } = setup();
    await writer('run', 100).acquire({ waitMs: 0 });
    const err = await writer('run', 200)
      .acquire({ waitMs: 10_000 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LeaseHeldError);
    expect((err as Error).message).toContain('waited 10 s');
    expect(clock.now - T0).toBe(10_000);
  });

  it('renewing extends the expiry, so a live holder keeps the lease past its first TTL', async () => {
    const { store, clock, writer } = setup();
    const first = writer('run', 100);
    await first.acquire({ waitMs: 0 });
    clock.now += 50_000;
    await first.renew();
    expect(store.row!.expiresAtMs).toBe(T0 + 110_000);
    clock.now += 50_000; // 100 s after acquiring: past the first TTL, within the renewed one
    await first.check();
    await expect(writer('run', 200).acquire({ waitMs: 0 })).rejects.toBeInstanceOf(LeaseHeldError);
  });

  it('a dead holder (no renewal) is taken over after expiry; the old holder learns it lost the lease', async () => {
    const { store, clock, writer } = setup();
    const dead = writer('run', 100);
    await dead.acquire({ waitMs: 0 });
    clock.now += 60_000;
    const next = writer('classifier', 200);
    await next.acquire({ waitMs: 0 });
    expect(next.previous).toBe('expired');
    expect(store.row).toMatchObject({ token: next.token, epoch: 2, holder: { command: 'classifier', pid: 200 } });

    await expect(dead.check()).rejects.toBeInstanceOf(LeaseLostError);
    const lost = await dead.renew().catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(LeaseLostError);
    expect((lost as Error).message).toMatch(
      /lost the lease of local\.ns\.summary.*now held by "classifier" on host node-a \(pid 200\)/,
    );
    await dead.release(); // leaves the new holder's lease alone
    expect(store.row!.token).toBe(next.token);
    expect(store.row!.releasedAtMs).toBeNull();
  });

  it('of two writers that both read a free lease, the compare-and-set lets exactly one in', async () => {
    const { store, writer } = setup();
    const a = writer('run', 100);
    const b = writer('run', 200);
    // b commits between a's read and a's write.
    let once = true;
    store.beforeWrite = () => {
      if (!once) return;
      once = false;
      store.row = {
        pipeline: 'local.ns.summary',
        token: b.token,
        epoch: 1,
        holder: b.holder,
        acquiredAtMs: T0,
        renewedAtMs: T0,
        expiresAtMs: T0 + 60_000,
        releasedAtMs: null,
      };
    };
    await expect(a.acquire({ waitMs: 0 })).rejects.toBeInstanceOf(LeaseHeldError);
    expect(store.row!.token).toBe(b.token);
  });

  it('suspend stops the heartbeat and keeps the lease; while a job renews it, the next lease waits', async () => {
    const { store, clock, writer } = setup();
    const attempt1 = writer('spark-dispatcher', 100);
    await attempt1.acquire({ waitMs: 0 });
    const suspended = (await attempt1.suspend(15_000))!;
    expect(suspended).toEqual({ token: attempt1.token, renewedAtMs: T0, suspendedAtMs: T0, quietMs: 15_000 });
    expect(store.keeping.size).toBe(0);
    expect(store.row).toMatchObject({ token: attempt1.token, releasedAtMs: null });
    expect(attempt1.record).toBeNull();
    // The job's driver renews it every 10 s (job.lease.keepAlive): the row changes under the dispatcher.
    clock.onSleep = async () => {
      if (clock.now % 10_000 === 0)
        store.row = { ...store.row!, renewedAtMs: clock.now, expiresAtMs: clock.now + 60_000 };
    };
    const attempt2 = writer('spark-dispatcher', 100);
    await expect(attempt2.acquire({ waitMs: 40_000, reclaim: suspended })).rejects.toBeInstanceOf(LeaseHeldError);
    expect(store.row!.token).toBe(attempt1.token);
  });

  it('a suspended lease nobody renews is reclaimed with a new token after quietMs, before it expires; not by another writer', async () => {
    const { store, clock, writer } = setup();
    const attempt1 = writer('spark-dispatcher', 100);
    await attempt1.acquire({ waitMs: 0 });
    const suspended = (await attempt1.suspend(15_000))!;
    await expect(writer('run', 200).acquire({ waitMs: 0 })).rejects.toBeInstanceOf(LeaseHeldError);
    const attempt2 = writer('spark-dispatcher', 100);
    await attempt2.acquire({ waitMs: 40_000, reclaim: suspended });
    expect(clock.now - T0).toBe(15_000); // quietMs, well before the TTL (60 s)
    expect(attempt2.previous).toBe('reclaimed');
    expect(store.row).toMatchObject({ token: attempt2.token, epoch: 2 });
    expect(attempt2.token).not.toBe(attempt1.token); // a late driver of attempt 1 fails its lease check
  });

  it('suspend of a lease another writer took meanwhile gives nothing to reclaim', async () => {
    const { clock, writer } = setup();
    const attempt1 = writer('spark-dispatcher', 100);
    await attempt1.acquire({ waitMs: 0 });
    clock.now += 60_000;
    await writer('run', 200).acquire({ waitMs: 0 });
    expect(await attempt1.suspend(15_000)).toBeNull();
  });

  it('withLease releases after the work, also when it fails', async () => {
    const { store, writer } = setup();
    const w = writer('repair', 100);
    await expect(withLease(w, { waitMs: 0 }, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(store.row!.releasedAtMs).not.toBeNull();
    expect(store.keeping.size).toBe(0);
    expect(await withLease(writer('run', 200), { waitMs: 0 }, async () => 42)).toBe(42);
  });

  it('withLease: a release that fails (the runner died) does not hide why the work failed', async () => {
    const { store, writer } = setup();
    store.stopKeepAlive = () => Promise.reject(new Error('the Spark runner exited'));
    await expect(
      withLease(writer('run', 100), { waitMs: 0 }, async () => Promise.reject(new Error('job failed'))),
    ).rejects.toThrow('job failed');
    await expect(withLease(writer('run', 200), { waitMs: 60_000 }, async () => 1)).rejects.toThrow(
      'the Spark runner exited',
    );
  });
});

describe('leaseOptionsFromEnv', () => {
  it('defaults to a 120 s TTL renewed every 20 s; SUMMARY_LEASE_TTL_SECONDS changes it; nonsense is refused', () => {
    expect(leaseOptionsFromEnv({})).toEqual({ ttlMs: 120_000, renewEveryMs: 20_000, pollMs: 2_000 });
    expect(leaseOptionsFromEnv({ SUMMARY_LEASE_TTL_SECONDS: '30' })).toEqual({
      ttlMs: 30_000,
      renewEveryMs: 5_000,
      pollMs: 2_000,
    });
    expect(() => leaseOptionsFromEnv({ SUMMARY_LEASE_TTL_SECONDS: 'soon' })).toThrow(
      'SUMMARY_LEASE_TTL_SECONDS: expected a number of seconds >= 3, received "soon"',
    );
  });
});
