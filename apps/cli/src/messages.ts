import { CatalogType } from '@app/runner-client';
import { Violation } from '@app/table-ops';

/** Where the tables live, as the start-up line says it: a REST catalog has no local warehouse. */
export function describeCatalog(type: CatalogType, warehouse: string, uri: string | undefined): string {
  if (type === 'hadoop') return `hadoop catalog, warehouse ${warehouse}`;
  return `${type} catalog at ${uri ?? '(no URI: set --catalog-uri or SUMMARY_CATALOG_URI)'}`;
}

/**
 * `validate`'s lines: each check names what it looks for and what it found, then a verdict, e.g.
 * `validate: ok    duplicate (key, month) in summary: none found` and
 * `validate: FAIL  duplicate key in latest: 2 found (e.g. [{"k":1,"n":2}])`, then `validate: 0 of 9 checks failed`.
 */
export function validationReport(violations: Violation[]): string[] {
  const lines = violations.map((v) =>
    v.count === 0
      ? `validate: ok    ${v.check}: none found`
      : `validate: FAIL  ${v.check}: ${v.count} found (e.g. ${JSON.stringify(v.sample)})`,
  );
  const failed = violations.filter((v) => v.count > 0).length;
  return [...lines, `validate: ${failed} of ${violations.length} checks failed`];
}

/** Edit distance (insertions, deletions, substitutions, adjacent swaps). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The error for an unknown command: what was typed, the closest commands when some are close (a typo or a
 * prefix), and the list of commands, e.g. `unknown command 'valdate'; did you mean 'validate'?`.
 */
export function unknownCommandMessage(typed: string, commands: string[]): string {
  const scored = commands.map((c) => ({
    c,
    d: c.startsWith(typed.toLowerCase()) ? 0 : distance(typed.toLowerCase(), c),
  }));
  const best = Math.min(...scored.map((s) => s.d));
  const close =
    best <= Math.max(1, Math.floor(typed.length / 3)) ? scored.filter((s) => s.d === best).map((s) => `'${s.c}'`) : [];
  const hint = close.length ? `; did you mean ${close.join(' or ')}?` : '';
  return `unknown command '${typed}'${hint}\nexpected one of: ${commands.join(', ')} (summary-pipeline --help describes them)`;
}

/** The commands and options that take a path the user typed. */
const PATH_COMMANDS = ['ingest', 'load'];
const PATH_OPTIONS = ['--config', '--warehouse', '--out'];

/**
 * Why this run must not go on, or null. `npx summary-pipeline …` (npm exec) runs the bin through a shell with
 * arguments that npm quotes incompletely, so a shell pattern in them is expanded again: a quoted `g[1].jsonl`
 * arrives as `g1.jsonl` when that file exists, and `ingest` would append another file's rows. What the user
 * typed cannot be recovered here, so a run through npx that takes a path is refused before it does anything.
 * Only a run npx started itself counts (npm_lifecycle_script names this bin): a CLI started by a test runner
 * that npx started inherits npm's variables, not its re-expansion.
 * Example: (['ingest', 'g1.jsonl'], {npm_command: 'exec', npm_lifecycle_script: "'summary-pipeline'"}) → a message.
 */
export function npxPathRefusal(args: string[], env: NodeJS.ProcessEnv): string | null {
  if (env.npm_command !== 'exec' || !/summary-pipeline/.test(env.npm_lifecycle_script ?? '')) return null;
  // The command is the first operand that is not a global option's value.
  const valued = [...PATH_OPTIONS, '--catalog-type', '--catalog-uri', '--wait'];
  const command = args.find((a, i) => !a.startsWith('-') && !valued.includes(args[i - 1] ?? ''));
  const option = args.map((a) => a.split('=')[0]).find((a) => PATH_OPTIONS.includes(a));
  if (!option && !(command && PATH_COMMANDS.includes(command))) return null;
  return (
    `run through npx, whose shell expands patterns in arguments again (a quoted 'g[1].jsonl' arrives as g1.jsonl when that file exists), ` +
    `so the path given to ${option ?? command} may not be the one you typed; ` +
    `nothing was done. Run node bin/summary-pipeline.js (or node_modules/.bin/summary-pipeline) ` +
    `with the same arguments instead`
  );
}
