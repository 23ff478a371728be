import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { CompiledJob } from '@app/compiler';
import { RunnerEngineConfig } from './engine-config';
import { repoRoot, toolchain } from './toolchain';

export type JsonRow = Record<string, unknown>;

/** One step of a job as the runner reports it (runner/summary_runner/jobs.py). */
export interface StepResult {
  name: string;
  durationMs: number;
  /** Epoch ms at the step's start (absent from an older runner): places the tables' commits in their step. */
  startedAtMs?: number;
  /** Spark jobs the step ran; null where the runner could not count them (a Connect server without SUMMARY_PROFILE). */
  sparkJobs?: number | null;
}

export interface JobResult {
  jobId: string;
  status: 'committed' | 'already_committed' | 'failed';
  attempt?: number;
  durationMs: number;
  steps: StepResult[];
  collected: Record<string, JsonRow[]>;
  snapshots: Record<string, { before: string | null; after: string | null }>;
  error?: { type: string; message: string; step?: string; retriable: boolean };
}

/** A request the runner refused or could not carry out (not a failed job: that is a JobResult). */
export class RunnerError extends Error {
  constructor(
    message: string,
    readonly type: string,
    readonly retriable: boolean,
  ) {
    super(message);
    this.name = this.constructor.name;
  }
}

export interface AppendOptions {
  where?: string;
  watermark?: { column: string; property: string };
}

/**
 * Where a long job step is (runner/summary_runner/progress.py), every SUMMARY_PROGRESS_SECONDS while it
 * runs: the running stage(s) and their tasks, when Spark is in a stage.
 */
export interface JobProgress {
  jobId: string;
  step: string;
  elapsedMs: number;
  stage?: number;
  stages?: number;
  tasksCompleted?: number;
  tasksTotal?: number;
}

/** `batch b-000002 CASE_III: step merge_summary, stage 14 tasks 3/8, 21 s`. */
export function describeProgress(p: JobProgress): string {
  const stage =
    p.stage === undefined
      ? 'between stages'
      : `stage ${p.stage}${(p.stages ?? 1) > 1 ? ` (+${p.stages! - 1} more)` : ''} tasks ${p.tasksCompleted}/${p.tasksTotal}`;
  return `${p.jobId}: step ${p.step}, ${stage}, ${Math.round(p.elapsedMs / 1000)} s`;
}

export interface RunnerClientOptions {
  /** File the runner's stderr (Spark logs) goes to; default a temp file. */
  logFile?: string;
  /** Mirror the runner's stderr to ours. */
  verbose?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Called with each progress report of a running job step. */
  onProgress?: (progress: JobProgress) => void;
}

/** What the runner reports at start (`ping`, runner/summary_runner/session.py versions). */
export interface RunnerVersions {
  runner: string;
  spark: string;
  iceberg: string;
  /** The Spark UI's URL when it is on (spark.ui.enabled), else null. */
  sparkUi: string | null;
}

interface Pending {
  resolve: (x: unknown) => void;
  reject: (e: Error) => void;
}

/**
 * A long-lived Python runner (`python -m summary_runner serve`): one JVM for every job of a session, so
 * successive jobs pay no Spark start-up. Requests are JSON lines on its stdin; answers come back on fd 3,
 * which Spark's own output can never reach.
 */
export class RunnerClient {
  private child?: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private exited?: string;
  private log?: WriteStream;
  readonly logFile: string;
  /** Set once started. */
  versions?: RunnerVersions;

  constructor(
    private readonly engine: RunnerEngineConfig,
    private readonly options: RunnerClientOptions = {},
  ) {
    this.logFile = options.logFile ?? join(mkdtempSync(join(tmpdir(), 'summary-runner-')), 'runner.log');
  }

  async start(): Promise<void> {
    const tools = toolchain();
    const engine = { ...this.engine, jarsDir: this.engine.jarsDir ?? tools.jarsDir };
    const engineFile = join(dirname(this.logFile), `engine-${process.pid}-${Date.now()}.json`);
    mkdirSync(dirname(this.logFile), { recursive: true });
    writeFileSync(engineFile, JSON.stringify(engine, null, 2));
    this.log = createWriteStream(this.logFile, { flags: 'a' });
    const child = spawn(tools.python, ['-m', 'summary_runner', 'serve', '--engine', engineFile, '--response-fd', '3'], {
      cwd: join(repoRoot(), 'runner'),
      env: { ...process.env, ...this.options.env, PYTHONUNBUFFERED: '1' },
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    for (const stream of [child.stdout, child.stderr]) {
      stream?.on('data', (chunk: Buffer) => {
        this.log?.write(chunk);
        if (this.options.verbose) process.stderr.write(chunk);
      });
    }
    const responses = createInterface({ input: child.stdio[3] as Readable });
    responses.on('line', (line) => this.onResponse(line));
    child.on('exit', (code, signal) => {
      rmSync(engineFile, { force: true });
      this.exited = `the Spark runner exited (code ${code}, signal ${signal}); its log: ${this.logFile}`;
      for (const p of this.pending.values()) p.reject(new RunnerError(this.exited, 'RunnerExited', true));
      this.pending.clear();
    });
    this.versions = await this.request<RunnerVersions>('ping', {});
  }

  private onResponse(line: string): void {
    let msg: {
      id: number;
      ok: boolean;
      result?: unknown;
      error?: { type: string; message: string; retriable: boolean };
      progress?: JobProgress;
    };
    try {
      msg = JSON.parse(line);
    } catch {
      this.log?.write(`[client] unparseable runner response: ${line}\n`);
      return;
    }
    if (msg.progress) {
      this.options.onProgress?.(msg.progress);
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.result);
    else
      p.reject(
        new RunnerError(
          msg.error?.message ?? 'unknown runner error',
          msg.error?.type ?? 'Unknown',
          msg.error?.retriable ?? false,
        ),
      );
  }

  request<T>(op: string, payload: Record<string, unknown>): Promise<T> {
    if (this.exited) return Promise.reject(new RunnerError(this.exited, 'RunnerExited', true));
    if (!this.child?.stdin) return Promise.reject(new RunnerError('the runner is not started', 'NotStarted', false));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (x: unknown) => void, reject });
      this.child!.stdin!.write(JSON.stringify({ id, op, ...payload }) + '\n');
    });
  }

  runJob(job: CompiledJob): Promise<JobResult> {
    return this.request<JobResult>('run_job', { job });
  }

  async query(sql: string, maxRows = 100000): Promise<JsonRow[]> {
    const result = await this.request<{ rows: JsonRow[] }>('query', { sql, maxRows });
    return result.rows;
  }

  async exportTo(sql: string, path: string): Promise<number> {
    const result = await this.request<{ rows: number }>('export', { sql, path });
    return result.rows;
  }

  /**
   * Appends the ingest's staging file (ingest.ts withStagedJsonl) as one commit; the runner fails unless
   * Spark reads exactly `expectedRows` rows and the commit adds every row selected. `where` keeps the rows
   * matching a Spark SQL predicate (no matching row: nothing committed, rows 0); `watermark` sets a
   * snapshot property to a column's max over the appended rows (runner/README.md).
   */
  appendJsonl(
    table: string,
    path: string,
    schema: { name: string; type: string }[],
    expectedRows: number,
    snapshotProperties: Record<string, string> = {},
    options: AppendOptions = {},
  ): Promise<{ rows: number; snapshotId: string | null }> {
    return this.request('append_jsonl', {
      table,
      path,
      schema,
      expectedRows,
      snapshotProperties,
      where: options.where ?? null,
      watermark: options.watermark ?? null,
    });
  }

  /** The last lines of the runner's log, to show with a failure. */
  logTail(lines = 30): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** Asks the runner to stop its Spark session; kills it if it does not go within the grace period. */
  async close(graceMs = 30000): Promise<void> {
    const child = this.child;
    if (!child || this.exited) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.request('shutdown', {}).catch(() => undefined);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(timer);
    this.log?.end();
  }

  /** For tests of crash recovery: the runner dies at once, as with kill -9. */
  kill(): void {
    this.child?.kill('SIGKILL');
  }

  /** Started and not exited. */
  get alive(): boolean {
    return this.child !== undefined && this.exited === undefined;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }
}
