import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scopeExpr } from '../deploy/prometheus/scope-rules';
import { Proc, alive, tree } from './process-tree';
import { PrometheusApi, dashboardQueries } from './prometheus-check';
import { REPO, SERVICES, freePortBlock, stackUp, waitFor } from './service-processes';

// Issue #13: `scripts/demo.sh` as an operator meets it, on the real stack with real Spark. Prometheus
// scrapes the demo's four services and evaluates the shipped alert rules (scoped to this run: other runs
// share the stack's Prometheus); every dashboard panel has data, no alert fires on a healthy demo, a killed
// service raises ServiceDown, and SIGTERM to the demo's own pid stops it and everything it started.

const RUN = `demoit${Date.now().toString(36)}${process.pid}`;
const MINUTES = 60000;
const STOP_TIMEOUT_S = 10;

describe(`scripts/demo.sh watched by Prometheus (run ${RUN})`, () => {
  let stack: Record<string, string>;
  let prometheus: PrometheusApi;
  let demo: ChildProcess;
  let output = '';
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  const seen = new Map<number, Proc>();
  const remember = () => {
    for (const p of tree(demo.pid!)) seen.set(p.pid, p);
  };

  beforeAll(async () => {
    stack = stackUp('kafka registry catalog prometheus');
    prometheus = new PrometheusApi(stack.PROMETHEUS_URL);
    demo = spawn('bash', ['scripts/demo.sh'], {
      cwd: REPO,
      env: {
        ...process.env,
        DEMO_RUN: RUN,
        DEMO_ACCOUNTS: '30',
        DEMO_MONTHS: '4',
        DEMO_SKIP_SETUP: '1',
        DEMO_KEEP_STACK: '1',
        DEMO_HTTP_PORT: String(await freePortBlock(SERVICES.length)),
        DEMO_STOP_TIMEOUT: String(STOP_TIMEOUT_S),
        SUMMARY_DRIVER_MEMORY: '1g',
        SUMMARY_SHUFFLE_PARTITIONS: '2',
        WATCHER_POLL_INTERVAL_MS: '1000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    exited = new Promise((resolve) => demo.once('exit', (code, signal) => resolve({ code, signal })));
    for (const stream of [demo.stdout!, demo.stderr!])
      stream.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(
      'the demo to process both batches and follow events',
      () => {
        if (demo.exitCode !== null) throw new Error(`the demo exited ${demo.exitCode}:\n${output}`);
        remember();
        return output.includes('following events until Ctrl-C') ? true : undefined;
      },
      12 * MINUTES,
      1000,
    );
    remember();
  }, 15 * MINUTES);

  afterAll(async () => {
    // A failed test must not leave the demo running: SIGKILL to every group it started.
    for (const p of seen.values()) if (alive(p)) process.kill(p.pid, 'SIGKILL');
  });

  it('printed where to look, and validated the result', () => {
    expect(output).toContain(`Prometheus      ${stack.PROMETHEUS_URL}`);
    expect(output).toContain('deploy/grafana/dashboards/pipeline-overview.json');
    for (const s of SERVICES)
      expect(output).toMatch(
        new RegExp(`${s} +http://127\\.0\\.0\\.1:\\d+/metrics +http://127\\.0\\.0\\.1:\\d+/health`),
      );
    expect(output).toContain('validate: 0 of');
    expect(output).not.toMatch(/validate: FAIL/);
  });

  it('has every service up in Prometheus and data in every dashboard panel', async () => {
    await waitFor(
      'the four services up in Prometheus',
      async () => {
        const up = await prometheus.query(`count(up{run="${RUN}"} == 1)`);
        return Number((up.result[0] as { value: [number, string] } | undefined)?.value[1]) === SERVICES.length
          ? true
          : undefined;
      },
      2 * MINUTES,
    );
    const panels = dashboardQueries(join(REPO, 'deploy/grafana/dashboards')).map((q) => ({
      ...q,
      expr: scopeExpr(q.expr, 'run', RUN),
    }));
    expect(panels.length).toBeGreaterThan(10);
    // Eventually: the last batch's metrics reach Prometheus with the next scrape.
    const empty = async () => {
      const out: string[] = [];
      for (const q of panels) {
        const r = await prometheus.query(q.expr);
        if (r.status !== 'success' || r.result.length === 0) out.push(`${q.where}: ${r.error ?? 'no data'}: ${q.expr}`);
      }
      return out;
    };
    let findings: string[] = [];
    await waitFor(
      'every panel query to return data',
      async () => ((findings = await empty()).length === 0 ? true : undefined),
      2 * MINUTES,
      5000,
    ).catch(() => undefined);
    expect(findings).toEqual([]);
  });

  it('loaded the shipped alert rules for this run and fires none on the healthy demo', async () => {
    const rules = (await (await fetch(`${stack.PROMETHEUS_URL}/api/v1/rules?type=alert`)).json()) as {
      data: { groups: Array<{ file: string; rules: Array<{ name: string; labels: Record<string, string> }> }> };
    };
    const mine = rules.data.groups
      .flatMap((g) => g.rules)
      .filter((r) => r.labels.run === RUN)
      .map((r) => r.name);
    expect(mine).toEqual(expect.arrayContaining(['BatchFailed', 'BatchStuck', 'WatermarkStale', 'ServiceDown']));
    // Two evaluation rounds after the last batch, so a rule that would fire has had its chance to go pending.
    await new Promise((r) => setTimeout(r, 12000));
    expect(await alertsOf(RUN)).toEqual([]);
    // Nor did one fire at any time of the run (Prometheus records every firing alert in ALERTS).
    expect((await prometheus.query(`max_over_time(ALERTS{run="${RUN}",alertstate="firing"}[1h])`)).result).toEqual([]);
  });

  it('raises ServiceDown for a killed service', async () => {
    const classifier = tree(demo.pid!).find((p) => / bin\/service\.js classifier$/.test(p.cmd));
    expect(classifier).toBeDefined();
    process.kill(classifier!.pid, 'SIGKILL');
    const alert = await waitFor(
      'ServiceDown for the classifier to go pending',
      async () => (await alertsOf(RUN)).find((a) => a.name === 'ServiceDown' && a.service === 'classifier'),
      2 * MINUTES,
      2000,
    );
    expect(['pending', 'firing']).toContain(alert.state);
  });

  it('stops on SIGTERM to its own pid within seconds and leaves no process behind', async () => {
    remember();
    const began = Date.now();
    process.kill(demo.pid!, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const result = await Promise.race([
      exited,
      new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), (STOP_TIMEOUT_S + 20) * 1000))),
    ]);
    clearTimeout(timer);
    expect(result).not.toBe('timeout');
    expect(result).toEqual({ code: 143, signal: null });
    expect(Date.now() - began).toBeLessThan((STOP_TIMEOUT_S + 15) * 1000);
    const left = [...seen.values()].filter(alive);
    expect(left.map((p) => `${p.pid} ${p.cmd.slice(0, 120)}`)).toEqual([]);
    expect(output).toMatch(/\[demo\] stopped; logs and data under/);
    // Each service it stopped logged one line saying so, and none logged an error, at start, at work or at
    // stop (the classifier was killed, so it has no stop line).
    const logs = Object.fromEntries(
      SERVICES.map((s) => [s, readFileSync(join(REPO, '.runtime/demo', RUN, `${s}.log`), 'utf8')]),
    );
    for (const s of SERVICES)
      expect({ service: s, errors: logs[s].split('\n').filter((l) => l.includes('"level":"error"')) }).toEqual({
        service: s,
        errors: [],
      });
    for (const s of SERVICES.filter((x) => x !== 'classifier'))
      expect({ service: s, stopped: logs[s].match(/"msg":"service stopped"/g)?.length }).toEqual({
        service: s,
        stopped: 1,
      });
    // It took its scrape targets and rules away with it.
    expect(existsSync(join(stack.PROMETHEUS_TARGETS_DIR, `${RUN}.json`))).toBe(false);
    expect(existsSync(join(stack.STACK_HOME, 'prometheus', 'rules', `${RUN}.yaml`))).toBe(false);
  });

  async function alertsOf(run: string): Promise<Array<{ name: string; state: string; service?: string }>> {
    const body = (await (await fetch(`${stack.PROMETHEUS_URL}/api/v1/alerts`)).json()) as {
      data: { alerts: Array<{ labels: Record<string, string>; state: string }> };
    };
    return body.data.alerts
      .filter((a) => a.labels.run === run)
      .map((a) => ({ name: a.labels.alertname, state: a.state, service: a.labels.service }));
  }
});
