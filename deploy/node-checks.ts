/**
 * The checks of `npm run check:deploy` that need the project's own TypeScript (scripts/check-deploy.sh runs
 * them from dist/ with bin/register-paths.js):
 *
 *   node dist/deploy/node-checks.js json FILE...                    every file parses as JSON
 *   node dist/deploy/node-checks.js config FILE...                  every file loads as a pipeline config (libs/config)
 *   node dist/deploy/node-checks.js emr-env ENV_FILE KUSTOMIZATION  an overlay's EMR on EKS settings pass the
 *                                                                   launcher's own validation (libs/launcher)
 *
 * Each failure is one line naming the file and what is wrong; exit 1 when any check failed, 2 for a usage
 * error or an input file that does not exist (a check never passes on nothing).
 */
import { existsSync, readFileSync } from 'node:fs';
import { loadConfigFile } from '@app/config';
import { emrConfigFromEnv } from '@app/launcher';

export type Check = (files: string[]) => string[];

/** Every file parses as JSON. Example: a file holding `{"a": }` → ["<file>: Unexpected token '}', ..."]. */
export const jsonFiles: Check = (files) =>
  files.flatMap((f) => failureOf(f, () => JSON.parse(readFileSync(f, 'utf8'))));

/** Every file loads as a pipeline config, with the loader's error (key and what was expected) otherwise. */
export const configFiles: Check = (files) => files.flatMap((f) => failureOf(f, () => loadConfigFile(f)));

/**
 * The EMR launcher's settings an overlay gives the dispatcher: its `emr.env` (KEY=VALUE lines) plus the
 * region and catalog settings of its kustomization's configMapGenerator literals (`- AWS_REGION=...`).
 */
export const emrEnv: Check = (files) => {
  if (files.length !== 2) throw new UsageError(`emr-env takes ENV_FILE KUSTOMIZATION, got ${files.length} argument(s)`);
  const [envFile, kustomization] = files;
  return failureOf(envFile, () =>
    emrConfigFromEnv(emrSettings(readFileSync(envFile, 'utf8'), readFileSync(kustomization, 'utf8'))),
  );
};

/** `A=1\n# c\nB=x=y` and `  - AWS_REGION=eu-west-1` → {A: '1', B: 'x=y', AWS_REGION: 'eu-west-1'}. */
export function emrSettings(envText: string, kustomizationText: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of envText.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0 && !line.startsWith('#')) env[line.slice(0, i)] = line.slice(i + 1);
  }
  for (const m of kustomizationText.matchAll(/^\s*- (AWS_REGION|SUMMARY_CATALOG_[A-Z0-9_]+)=(\S+)/gm)) env[m[1]] = m[2];
  return env;
}

export class UsageError extends Error {}

const CHECKS: Record<string, Check> = { json: jsonFiles, config: configFiles, 'emr-env': emrEnv };

function failureOf(file: string, check: () => unknown): string[] {
  try {
    check();
    return [];
  } catch (e) {
    return [`${file}: ${e instanceof Error ? e.message : String(e)}`];
  }
}

/** Runs one check on its files; returns the process exit code and prints its failures. */
export function main(argv: string[], out: (line: string) => void = (l) => console.log(l)): number {
  const [name, ...files] = argv;
  const check = CHECKS[name];
  if (!check) {
    out(`node-checks: unknown check ${JSON.stringify(name)}; expected one of ${Object.keys(CHECKS).join(', ')}`);
    return 2;
  }
  if (!files.length) {
    out(`node-checks ${name}: no files given`);
    return 2;
  }
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length) {
    out(`node-checks ${name}: ${missing.join(', ')} not found`);
    return 2;
  }
  try {
    const failures = check(files);
    failures.forEach((l) => out(l));
    return failures.length ? 1 : 0;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    out(`node-checks ${name}: ${e.message}`);
    return 2;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
