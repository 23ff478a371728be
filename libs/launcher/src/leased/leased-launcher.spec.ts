import { CompiledJob } from '@app/compiler';
import { JobResult } from '@app/runner-client';
import { LeaseHeldError, PipelineLease } from '@app/lease';
import { JobLauncher, LaunchError, LaunchRequest, LaunchResult } from '../launcher';
import { MemoryLeaseStore } from '@app/testing';
import { LeasedLauncher } from './leased-launcher';

const OPTIONS = { ttlMs: 60_000, renewEveryMs: 10_000, pollMs: 1_000 };
const job: CompiledJob = {
  schemaVersion: 1,
  jobId: 'b-000001-CASE_II',
  kind: 'case',
  targets: [],
  steps: [{ name: 's', kind: 'sql', sql: 'SELECT 1' }],
} as unknown as CompiledJob;
const request = (attempt: number): LaunchRequest => ({
  pipeline: 'local.ns.summary',
  batchId: 'b-000001',
  step: 'CASE_II',
  attempt,
  job,
});
const committed: JobResult = {
  jobId: job.jobId,
  status: 'committed',
  attempt: 1,
  durationMs: 1,
  steps: [],
  collected: {},
  snapshots: {},
};

/** A remote launcher that records what it was sent and answers from a script; it sees the lease row as the job's driver would. */
class ScriptedLauncher implements JobLauncher {
  readonly engine = 'emr-on-eks' as const;
  sent: LaunchRequest[] = [];
  heldWhileRunning: (string | null)[] = [];
  constructor(
    private readonly store: MemoryLeaseStore,
    private readonly answers: (() => LaunchResult)[],
  ) {}
  async run(r: LaunchRequest): Promise<LaunchResult> {
    this.sent.push(r);
    this.heldWhileRunning.push(this.store.row?.releasedAtMs === null ? this.store.row.token : null);
    return this.answers.shift()!();
  }
  async close(): Promise<void> {}
}

function setup(answers: (() => LaunchResult)[], waitMs = 0) {
  const store = new MemoryLeaseStore();
  const inner = new ScriptedLauncher(store, answers);
  const clock = { now: Date.parse('2026-12-02T07:00:00Z') };
  const options = { ...OPTIONS, now: () => clock.now, sleep: async (ms: number) => void (clock.now += ms) };
  const writer = (command: string, pid: number) =>
    new PipelineLease(store, 'local.ns.summary', { host: 'node-a', pid, command }, options);
  const launcher = new LeasedLauncher(inner, async () => writer('spark-dispatcher', 1), OPTIONS, { waitMs });
  return { store, inner, writer, launcher, clock };
}

describe('LeasedLauncher (a dispatcher whose jobs run on a cluster)', () => {
  it('runs each job under its lease with the token and a keepAlive, and releases the lease when the job ended', async () => {
    const { store, inner, launcher } = setup([() => ({ result: committed, jobRunId: 'run-1' })]);
    await expect(launcher.run(request(1))).resolves.toEqual({ result: committed, jobRunId: 'run-1' });
    const fence = inner.sent[0].job.lease!;
    expect(fence).toEqual({
      table: 'mem.ns.summary_lease',
      pipeline: 'local.ns.summary',
      token: expect.any(String),
      keepAlive: { ttlMs: 60_000, everyMs: 10_000 },
    });
    expect(inner.heldWhileRunning).toEqual([fence.token]);
    expect(store.row).toMatchObject({
      token: fence.token,
      holder: { command: 'spark-dispatcher' },
      releasedAtMs: expect.any(Number),
    });
    expect(store.keeping.size).toBe(0);
    expect(request(1).job.lease).toBeUndefined(); // the caller's job is not changed
  });

  it('submits nothing while another writer holds the lease: the retriable LeaseHeldError names it', async () => {
    const { inner, writer, launcher } = setup([]);
    await writer('run', 4242).acquire({ waitMs: 0 });
    const error = await launcher.run(request(1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseHeldError);
    expect((error as Error).message).toMatch(/locked by another writer: "run" on host node-a \(pid 4242\)/);
    expect(inner.sent).toEqual([]);
  });

  it(
    'after a retriable launch error (the run may go on) keeps the lease without its heartbeat; ' +
      'the next attempt takes a new token once nobody renews it',
    async () => {
      const lostTrack = () => {
        throw new LaunchError('DescribeJobRun timed out; retriable', true, 'run-1');
      };
      const { store, inner, writer, launcher, clock } = setup(
        [lostTrack, () => ({ result: committed, jobRunId: 'run-2' })],
        60_000,
      );
      const began = clock.now;
      await expect(launcher.run(request(1))).rejects.toBeInstanceOf(LaunchError);
      const first = inner.sent[0].job.lease!.token;
      expect(store.row).toMatchObject({ token: first, releasedAtMs: null });
      expect(store.keeping.size).toBe(0); // the job's driver renews it, or nobody does
      await expect(writer('run', 4242).acquire({ waitMs: 0 })).rejects.toBeInstanceOf(LeaseHeldError);

      await launcher.run(request(2));
      // Taken over after 1.5 heartbeats without a renewal (15 s), not after the TTL (60 s).
      expect(clock.now - began).toBe(15_000);
      const second = inner.sent[1].job.lease!.token;
      expect(second).not.toBe(first); // a late driver of attempt 1 fails its lease check
      expect(store.row).toMatchObject({ token: second, epoch: 2, releasedAtMs: expect.any(Number) });
    },
  );

  it('releases the lease after a launch error that says the run is over', async () => {
    const rejected = () => {
      throw new LaunchError('StartJobRun refused: ValidationException; not retriable', false);
    };
    const { store, writer, launcher } = setup([rejected]);
    await expect(launcher.run(request(1))).rejects.toBeInstanceOf(LaunchError);
    expect(store.row!.releasedAtMs).not.toBeNull();
    await writer('run', 4242).acquire({ waitMs: 0 });
  });
});
