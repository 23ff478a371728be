import { readFileSync } from 'node:fs';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';

// The shipped alert rules aggregate over every series Prometheus has (`max(summary_dispatcher_blocked)`):
// right for one pipeline per Prometheus, as in production. Where several pipelines share one Prometheus
// (demo runs and tests on the local stack), each run loads a copy restricted to its own series by a label
// that its scrape targets carry, e.g. `run="demo20261201"`, and its alerts carry that label too.

/** PromQL names that are not series selectors where they appear before `(`/`{`-less text. */
const METRIC = /^(summary_[a-zA-Z0-9_:]*|up)$/;

/**
 * Adds `label="value"` to every `summary_*` and `up` selector of a PromQL expression, e.g.
 * `max(summary_x) > 0 or up{service="a"} == 0` → `max(summary_x{run="r"}) > 0 or up{run="r",service="a"} == 0`.
 * Names inside strings, label matchers and range brackets, and function calls, are left alone.
 */
export function scopeExpr(expr: string, label: string, value: string): string {
  const matcher = `${label}=${JSON.stringify(value)}`;
  let out = '';
  let i = 0;
  let braces = 0;
  let brackets = 0;
  while (i < expr.length) {
    const c = expr[i];
    if (c === '"' || c === "'" || c === '`') {
      const end = closingQuote(expr, i);
      out += expr.slice(i, end + 1);
      i = end + 1;
      continue;
    }
    if (c === '{') braces++;
    if (c === '}') braces--;
    if (c === '[') brackets++;
    if (c === ']') brackets--;
    const word = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(expr.slice(i));
    if (!word) {
      out += c;
      i++;
      continue;
    }
    const name = word[0];
    const before = expr[i - 1];
    i += name.length;
    out += name;
    if (braces > 0 || brackets > 0 || !METRIC.test(name) || (before !== undefined && /[a-zA-Z0-9_:.]/.test(before)))
      continue;
    const rest = expr.slice(i);
    if (/^\s*\(/.test(rest)) continue; // a function of that name, not a selector
    const open = /^\s*\{/.exec(rest);
    if (open) {
      const empty = /^\s*\{\s*\}/.test(rest);
      out += `${open[0]}${matcher}${empty ? '' : ','}`;
      i += open[0].length;
      braces++;
    } else {
      out += `{${matcher}}`;
    }
  }
  return out;
}

function closingQuote(text: string, start: number): number {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\' && quote !== '`') i++;
    else if (text[i] === quote) return i;
  }
  throw new Error(`unterminated string starting at offset ${start} of: ${text}`);
}

interface RuleFile {
  groups: Array<{
    name: string;
    rules: Array<{ alert?: string; record?: string; expr: string; labels?: Record<string, string> }>;
  }>;
}

/** A Prometheus rule file with every expression scoped to `label="value"` and that label on every alert. */
export function scopeRuleFile(text: string, label: string, value: string): string {
  const doc = parseYaml(text) as RuleFile;
  if (!Array.isArray(doc?.groups)) throw new Error(`not a Prometheus rule file: expected a top-level "groups" list`);
  for (const group of doc.groups) {
    for (const rule of group.rules) {
      rule.expr = scopeExpr(String(rule.expr), label, value);
      if (rule.alert) rule.labels = { ...rule.labels, [label]: value };
    }
  }
  return `# Generated from the shipped rules, scoped to ${label}="${value}": do not edit.\n${stringifyYaml(doc, { lineWidth: 0 })}`;
}

// node dist/deploy/prometheus/scope-rules.js <rules.yaml> <label> <value>  → the scoped file on stdout
if (require.main === module) {
  const [file, label, value] = process.argv.slice(2);
  if (!file || !label || !value || !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(label)) {
    process.stderr.write(
      `usage: scope-rules <rules.yaml> <label> <value>; received ${JSON.stringify(process.argv.slice(2))}\n`,
    );
    process.exit(2);
  }
  process.stdout.write(scopeRuleFile(readFileSync(file, 'utf8'), label, value));
}
