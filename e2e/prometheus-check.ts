import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';

// Issue #5: the Grafana dashboards and the alert rules checked against a real Prometheus that scrapes
// the real services. `npm run check:deploy` proves statically that every expression parses and names
// defined metrics; this proves that they select what the running services actually expose.

export interface DeployQuery {
  /** Where it comes from, for the failure message: `dashboard pipeline-overview.json, panel "…"`. */
  where: string;
  kind: 'panel' | 'alert';
  expr: string;
}

/** Grafana variables as an instant query over the e2e run sees them (the run lasts minutes, not hours). */
const GRAFANA_VARIABLES: Record<string, string> = {
  window: '1h',
  __rate_interval: '1m',
  __interval: '15s',
  __range: '1h',
};

export function substituteVariables(expr: string): string {
  return expr.replace(
    /\$\{(\w+)\}|\$(\w+)/g,
    (whole, braced: string | undefined, bare: string | undefined) => GRAFANA_VARIABLES[braced ?? bare ?? ''] ?? whole,
  );
}

interface Panel {
  title?: string;
  targets?: Array<{ expr?: string }>;
  panels?: Panel[];
}

/** Every panel target of every dashboard JSON in `dir` (rows' nested panels included). */
export function dashboardQueries(dir: string): DeployQuery[] {
  const out: DeployQuery[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const dashboard = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { panels?: Panel[] };
    const walk = (panels: Panel[] = []) => {
      for (const p of panels) {
        for (const t of p.targets ?? [])
          if (t.expr)
            out.push({
              where: `dashboard ${file}, panel "${p.title ?? '?'}"`,
              kind: 'panel',
              expr: substituteVariables(t.expr),
            });
        walk(p.panels);
      }
    };
    walk(dashboard.panels);
  }
  return out;
}

/** Every alert expression of a Prometheus rule file. */
export function alertQueries(file: string): DeployQuery[] {
  const doc = parseYaml(readFileSync(file, 'utf8')) as {
    groups: Array<{ name: string; rules: Array<{ alert?: string; record?: string; expr: string }> }>;
  };
  return doc.groups.flatMap((g) =>
    g.rules.map((r) => ({
      where: `${file}: alert ${r.alert ?? r.record}`,
      kind: 'alert' as const,
      expr: String(r.expr),
    })),
  );
}

const FUNCTIONS_AND_KEYWORDS = new Set([
  'sum',
  'max',
  'min',
  'avg',
  'count',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'increase',
  'rate',
  'irate',
  'delta',
  'histogram_quantile',
  'time',
  'absent',
  'absent_over_time',
  'max_over_time',
  'min_over_time',
  'avg_over_time',
  'count_over_time',
  'sum_over_time',
  'last_over_time',
  'clamp_min',
  'clamp_max',
  'vector',
  'scalar',
  'topk',
  'bottomk',
  'le',
]);

/**
 * The series selectors of an expression: metric names with their label matchers, e.g.
 * `sum(increase(summary_batches_total{status="FAILED"}[1h]))` → [`summary_batches_total{status="FAILED"}`].
 * Label names inside `by (…)` and matchers are not metric names; neither are functions and keywords.
 */
export function selectors(expr: string): string[] {
  const found = new Set<string>();
  const text = expr.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  for (const m of text.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\})?/g)) {
    const [, name, matchers] = m;
    const before = text.slice(0, m.index);
    // A name inside a matcher block or a range/offset duration, a string, or a function call is not a selector.
    if ((before.match(/\{/g)?.length ?? 0) > (before.match(/\}/g)?.length ?? 0)) continue;
    if (/\[[^\]]*$/.test(before) || /"[^"]*$/.test(before)) continue;
    if (FUNCTIONS_AND_KEYWORDS.has(name) || /^\d/.test(name)) continue;
    if (!matchers && /^\s*\(/.test(text.slice(m.index! + name.length))) continue;
    found.add(`${name}${matchers ?? ''}`);
  }
  return [...found];
}

export interface QueryResult {
  status: 'success' | 'error';
  error?: string;
  result: unknown[];
}

export class PrometheusApi {
  constructor(private readonly url: string) {}

  async query(expr: string): Promise<QueryResult> {
    const res = await fetch(`${this.url}/api/v1/query?${new URLSearchParams({ query: expr })}`);
    const body = (await res.json()) as {
      status: 'success' | 'error';
      error?: string;
      errorType?: string;
      data?: { result: unknown[] };
    };
    return {
      status: body.status,
      error: body.error ? `${body.errorType}: ${body.error}` : undefined,
      result: body.data?.result ?? [],
    };
  }
}

/**
 * Checks each query against Prometheus: it must evaluate; each series it selects must have data or be a
 * metric some service declares (a labelled counter with no event yet has a `# HELP` but no sample, e.g. job
 * failures in a healthy run); and a panel whose series all have data must show data. Returns findings,
 * one line each; an empty list means every query holds.
 */
export async function checkQueries(
  api: PrometheusApi,
  queries: DeployQuery[],
  declared: Set<string>,
): Promise<string[]> {
  const findings: string[] = [];
  const hasData = new Map<string, boolean>();
  for (const q of queries) {
    const evaluated = await api.query(q.expr);
    if (evaluated.status !== 'success') {
      findings.push(`${q.where}: does not evaluate (${evaluated.error}): ${q.expr}`);
      continue;
    }
    let allData = true;
    for (const s of selectors(q.expr)) {
      if (!hasData.has(s)) hasData.set(s, (await api.query(`count(${s})`)).result.length > 0);
      if (hasData.get(s)) continue;
      allData = false;
      const name = s.replace(/\{.*$/, '');
      if (!declared.has(name))
        findings.push(`${q.where}: selects ${s}, which has no data and which no service declares`);
    }
    if (q.kind === 'panel' && allData && evaluated.result.length === 0)
      findings.push(`${q.where}: its series have data but the query returns none: ${q.expr}`);
  }
  return findings;
}

/** Metric names a service's /metrics text declares (`# TYPE name kind`), histogram series included. */
export function declaredMetrics(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const m of exposition.matchAll(/^# TYPE (\S+) (\w+)/gm)) {
    names.add(m[1]);
    if (m[2] === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(m[1] + suffix);
  }
  return names;
}
