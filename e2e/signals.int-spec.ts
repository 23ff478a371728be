import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Proc, alive, tree } from './process-tree';
import { REPO, WaitAbandoned, stackUp, waitFor } from './service-processes';

// Issue #13: the long-running scripts stop on SIGTERM to their own pid, within seconds, and leave no process
// behind (scripts/demo.sh has its own test in demo.int-spec.ts). Each script is stopped at the point where
// it has the most running below it: the benchmark while a CLI run of its cold phase runs, the end-to-end
// script while the four services and their Spark runners run.

const MINUTES = 60000;

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Every process seen below the script so far (they come and go; a descendant outlives a dead parent). */
  seen: Map<number, Proc>;
  remember: () => Proc[];
}

function start(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Started {
  const child = spawn('bash', [script, ...args], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  for (const stream of [child.stdout!, child.stderr!])
    stream.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const seen = new Map<number, Proc>();
  const remember = () => {
    const now = tree(child.pid!);
    for (const p of now) seen.set(p.pid, p);
    return now;
  };
  return { child, output: () => output, exited, seen, remember };
}

/** SIGTERM to the script's pid; resolves with its exit and how long it took, then what is still alive. */
async function stop(s: Started, exitWithinMs: number): Promise<{ exit: unknown; ms: number; left: string[] }> {
  s.remember();
  const began = Date.now();
  s.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const exit = await Promise.race([
    s.exited,
    new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), exitWithinMs + 30000))),
  ]);
  clearTimeout(timer);
  const ms = Date.now() - began;
  // A Spark runner notices its parent is gone within a second and its JVM follows: a few seconds' grace.
  const left = await waitFor(
    'the stopped script to leave no process behind',
    () => {
      const alives = [...s.seen.values()].filter(alive);
      return alives.length === 0 ? [] : undefined;
    },
    15000,
    500,
  ).catch(() => [...s.seen.values()].filter(alive).map((p) => `${p.pid} ${p.cmd.slice(0, 140)}`));
  return { exit, ms, left };
}

function reap(s: Started | undefined): void {
  if (!s) return;
  for (const p of s.seen.values()) if (alive(p)) process.kill(p.pid, 'SIGKILL');
}

describe('long-running scripts stop on SIGTERM to their own pid', () => {
  let bench: Started | undefined;
  let e2e: Started | undefined;
  afterAll(() => {
    reap(bench);
    reap(e2e);
  });

  it(
    'scripts/bench.sh, during a CLI run of its cold phase: exits 143 within seconds, nothing left',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'summary-bench-signal-'));
      bench = start(
        'scripts/bench.sh',
        [
          '--scale',
          '0.01',
          '--repeat',
          '1',
          '--batch-sizes',
          '10000',
          '--skip',
          'modes,rebuild,batch,table,overhead,sustained,deletes',
          '--warehouse',
          join(dir, 'warehouse'),
          '--out',
          join(dir, 'out'),
        ],
        {
          SUMMARY_DRIVER_MEMORY: '1g',
          SUMMARY_SHUFFLE_PARTITIONS: '2',
        },
      );
      const b = bench;
      await waitFor(
        'a CLI run of the cold phase',
        () => {
          if (b.child.exitCode !== null)
            throw new WaitAbandoned(`bench.sh exited ${b.child.exitCode} first:\n${b.output()}`);
          // The bench itself (bench.sh has exec'd node) with a CLI child: setup.sh, which bench.sh runs first,
          // may start CLI runs of its own (the class-data-sharing training run).
          const now = b.remember();
          const bench = now.find((p) => p.pid === b.child.pid && p.cmd.includes('bench/src/main.js'));
          return bench && now.some((p) => p.ppid === bench.pid && p.cmd.includes('bin/summary-pipeline.js'))
            ? true
            : undefined;
        },
        8 * MINUTES,
        500,
      );
      const { exit, ms, left } = await stop(b, 10000);
      expect(exit).toEqual({ code: 143, signal: null });
      expect(ms).toBeLessThan(10000);
      expect(left).toEqual([]);
      expect(b.output()).toMatch(/stopped by SIGTERM \(and 1 CLI run\(s\) of the cold phase\); no figures written/);
    },
    12 * MINUTES,
  );

  it(
    'scripts/e2e.sh, while the four services and their Spark runners run: ends by the signal within seconds, nothing left',
    async () => {
      // The local stack outlives e2e.sh by design (stack.sh up): start it first, so its daemons are not the
      // script's processes. One test of the services suite has everything else running; it is stopped long
      // before it ends.
      stackUp('kafka registry catalog prometheus'); // what the services suite starts
      e2e = start('scripts/e2e.sh', ['e2e/services.int-spec.ts', '-t', 'history load'], { E2E_ACCOUNTS: '10' });
      const e = e2e;
      await waitFor(
        'the four services and their Spark runners to run under e2e.sh',
        () => {
          if (e.child.exitCode !== null)
            throw new WaitAbandoned(`e2e.sh exited ${e.child.exitCode} first:\n${e.output()}`);
          const now = e.remember();
          const services = now.filter((p) => / bin\/service\.js /.test(` ${p.cmd} `));
          const runners = now.filter((p) => p.cmd.includes('summary_runner'));
          return services.length === 4 && runners.length >= 4 ? true : undefined; // the test's runner and three services'
        },
        8 * MINUTES,
        500,
      );
      const { exit, ms, left } = await stop(e, 10000);
      // jest ends by the signal itself (its sandboxed tests cannot handle it); the services see it gone.
      expect(exit).toEqual({ code: null, signal: 'SIGTERM' });
      expect(ms).toBeLessThan(10000);
      expect(left).toEqual([]);
    },
    12 * MINUTES,
  );
});
