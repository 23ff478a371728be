import { parseConfig } from '@app/config';
import { LeaseHeldError } from '@app/lease';
import { SummaryPipeline } from '@app/engine';
import seed000 from '../../../config/seed-000.json';
import { WaitOptionError, asCliWriter, exitCodeFor, parseWait } from './writer';

describe('--wait', () => {
  it('is seconds, 0 by default; anything else is refused with what was received', () => {
    expect(parseWait(undefined)).toBe(0);
    expect(parseWait('90')).toBe(90_000);
    expect(parseWait('0.5')).toBe(500);
    for (const bad of ['', '-1', 'soon']) {
      expect(() => parseWait(bad)).toThrow(WaitOptionError);
      expect(() => parseWait(bad)).toThrow(`--wait: expected a number of seconds >= 0, received "${bad}"`);
    }
  });
});

describe('asCliWriter', () => {
  // A pipeline whose runner must never be asked anything: read-only commands take no lease.
  const config = parseConfig(seed000, 'seed-000.json');
  const pipeline = {
    config,
    lease: null,
    runner: new Proxy({}, { get: () => () => Promise.reject(new Error('no runner call expected')) }),
  } as unknown as SummaryPipeline;

  it.each([['validate'], ['export'], ['stats'], ['plan']])('%s runs without the lease', async (name) => {
    expect(
      await asCliWriter(
        pipeline,
        { name },
        () => undefined,
        async () => 'done',
      ),
    ).toBe('done');
  });

  it('optimize --dry-run runs without the lease', async () => {
    expect(
      await asCliWriter(
        pipeline,
        { name: 'optimize', dryRun: true },
        () => undefined,
        async () => 'done',
      ),
    ).toBe('done');
  });

  it('run takes the lease first (and fails here, where the runner is unreachable)', async () => {
    await expect(
      asCliWriter(
        pipeline,
        { name: 'run' },
        () => undefined,
        async () => 'done',
      ),
    ).rejects.toThrow('no runner call expected');
  });
});

describe('exitCodeFor', () => {
  it('is 75 (EX_TEMPFAIL) when another writer held the lease, else 1', () => {
    const holder = {
      pipeline: 'p',
      token: 't',
      epoch: 1,
      holder: { host: 'h', pid: 1, command: 'run' },
      acquiredAtMs: 0,
      renewedAtMs: 0,
      expiresAtMs: 1,
      releasedAtMs: null,
    };
    expect(exitCodeFor(new LeaseHeldError('p', holder, 0, 0))).toBe(75);
    expect(exitCodeFor(new Error('boom'))).toBe(1);
  });
});
