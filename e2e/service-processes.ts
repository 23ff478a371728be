import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { Server, createServer } from 'node:net';
import { join } from 'node:path';
import { repoRoot } from '@app/runner-client';

export const SERVICES = ['ingest-watcher', 'classifier', 'spark-dispatcher', 'auditor'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** The checkout: e2e/ under jest, dist/e2e/ when compiled for the soak (scripts/soak.sh). */
export const REPO = repoRoot();

/** Starts the local stack (idempotent: a second `up` is harmless) and returns its client settings. */
export function stackUp(components = 'kafka registry catalog'): Record<string, string> {
  const up = spawnSync('bash', ['scripts/stack/stack.sh', 'up'], {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, STACK_COMPONENTS: components },
  });
  if (up.status !== 0) throw new Error(`stack.sh up exited ${up.status}:\n${up.stderr}`);
  const env = spawnSync('bash', ['scripts/stack/env.sh'], { cwd: REPO, encoding: 'utf8' });
  const vars: Record<string, string> = {};
  for (const m of env.stdout.matchAll(/^export (\w+)=(.*)$/gm)) vars[m[1]] = m[2].replace(/^'(.*)'$/, '$1');
  return vars;
}

/** Stops components of the local stack (a fault test's outage); `stackUp` starts them again on their data. */
export function stackDown(components: string): void {
  const down = spawnSync('bash', ['scripts/stack/stack.sh', 'down'], {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, STACK_COMPONENTS: components },
  });
  if (down.status !== 0) throw new Error(`stack.sh down (${components}) exited ${down.status}:\n${down.stderr}`);
}

/**
 * A base port with `size` free ports from it on 127.0.0.1, found by binding them (and letting them go).
 * Ports derived from the pid collided across suites of one jest process and with whatever another run left
 * listening: a stale service answering /health/ready passed for this run's service that could not bind.
 */
export async function freePortBlock(size: number): Promise<number> {
  const bind = (port: number) =>
    new Promise<Server | null>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(null));
      server.listen(port, '127.0.0.1', () => resolve(server));
    });
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = 20000 + size * Math.floor(Math.random() * Math.floor(10000 / size));
    const servers = await Promise.all(Array.from({ length: size }, (_, i) => bind(base + i)));
    await Promise.all(servers.map((server) => server && new Promise((r) => server.close(r))));
    if (servers.every((server) => server !== null)) return base;
  }
  throw new Error(`no ${size} free consecutive ports between 20000 and 30000 on 127.0.0.1 after 100 tries`);
}

/** Thrown by a probe when waiting longer cannot help (a service exited): `waitFor` gives up at once. */
export class WaitAbandoned extends Error {}

/**
 * The four services as real processes (node bin/service.js <app>, from the build), so a test can kill one
 * with SIGKILL and start it again. Logs go to `<dir>/<service>.log` (appended across restarts).
 */
export class ServiceProcesses {
  private readonly children = new Map<ServiceName, ChildProcess>();
  /** Stopped or killed by the test; any other exit is a crash (`assertAlive`). */
  private readonly stopping = new Set<ServiceName>();
  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly dir: string,
    private readonly basePort: number,
  ) {
    // A test run that dies, times out or is stopped must not leave services behind holding the stack: no
    // handler of the test's own runs then (jest's sandboxed `process` sees neither signals nor 'exit'), so
    // each service watches its parent (SERVICE_EXIT_WITH_PARENT below).
    mkdirSync(dir, { recursive: true });
  }

  port(name: ServiceName): number {
    return this.basePort + SERVICES.indexOf(name);
  }

  logFile(name: ServiceName): string {
    return join(this.dir, `${name}.log`);
  }

  start(name: ServiceName): ChildProcess {
    this.stopping.delete(name);
    const log = createWriteStream(this.logFile(name), { flags: 'a' });
    const child = spawn(process.execPath, ['bin/service.js', name], {
      cwd: REPO,
      // A test run stopped by a signal ends without running any handler of its own (jest's sandboxed
      // `process` gets no signals): the services see their parent gone and exit (libs/common service.ts).
      env: {
        ...process.env,
        ...this.env,
        HTTP_PORT: String(this.port(name)),
        HTTP_HOST: '127.0.0.1',
        SERVICE_EXIT_WITH_PARENT: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.children.set(name, child);
    return child;
  }

  /** Started and not exited (killed, stopped or crashed). */
  isRunning(name: ServiceName): boolean {
    const child = this.children.get(name);
    return child !== undefined && running(child);
  }

  /** The pid of the service's current process, while it runs. */
  pid(name: ServiceName): number | undefined {
    return this.isRunning(name) ? this.children.get(name)!.pid : undefined;
  }

  startAll(): void {
    for (const s of SERVICES) this.start(s);
  }

  /** As `kill -9`: no shutdown hook runs. */
  async kill(name: ServiceName): Promise<void> {
    const child = this.children.get(name);
    if (!child || !running(child)) return;
    this.stopping.add(name);
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  }

  /** SIGTERM and wait: the graceful path. */
  async stop(name: ServiceName, timeoutMs = 120000): Promise<number | null> {
    const child = this.children.get(name);
    if (!child || !running(child)) return child?.exitCode ?? null;
    this.stopping.add(name);
    const gone = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const code = await gone;
    clearTimeout(timer);
    return code;
  }

  async stopAll(timeoutMs = 120000): Promise<void> {
    await Promise.all(SERVICES.map((s) => this.stop(s, timeoutMs)));
  }

  /** WaitAbandoned, with the end of its log, when a service the test did not stop has exited. */
  assertAlive(): void {
    for (const [name, child] of this.children) {
      if (running(child) || this.stopping.has(name)) continue;
      throw new WaitAbandoned(
        `${name} exited by itself (code ${child.exitCode}, signal ${child.signalCode}); the end of ${this.logFile(name)}:\n${this.logTail(name, 15)}`,
      );
    }
  }

  /** The last `lines` lines of a service's log that are not info (or the last lines when all are). */
  logTail(name: ServiceName, lines = 8): string {
    const file = this.logFile(name);
    if (!existsSync(file)) return '(no log)';
    const all = readFileSync(file, 'utf8').trimEnd().split('\n');
    const notable = all.filter((l) => !l.includes('"level":"info"'));
    return (notable.length ? notable : all)
      .slice(-lines)
      .map((l) => l.slice(0, 400))
      .join('\n');
  }

  /** The service answers ready, and it is the process this run started (it has not exited). */
  async ready(name: ServiceName): Promise<boolean> {
    this.assertAlive();
    try {
      const res = await fetch(`http://127.0.0.1:${this.port(name)}/health/ready`);
      return res.ok;
    } catch {
      return false;
    }
  }

  async metrics(name: ServiceName): Promise<string> {
    return (await fetch(`http://127.0.0.1:${this.port(name)}/metrics`)).text();
  }
}

/** Still running: a child killed by a signal has a null exit code but a signal code, and emits 'exit' once. */
function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Polls `probe` until it returns a value (not undefined); the interval is a poll, not a wait for an outcome. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 240000,
  everyMs = 500,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      if (error instanceof WaitAbandoned)
        throw new Error(`gave up waiting for ${what}: ${error.message}`, { cause: error });
      last = error;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
