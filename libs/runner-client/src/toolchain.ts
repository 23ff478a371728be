import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The repository root: the nearest folder above this file holding package.json and runner/. */
export function repoRoot(): string {
  let dir = __dirname;
  while (dir !== dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'runner'))) return dir;
    dir = dirname(dir);
  }
  throw new Error(`Cannot find the repository root (a folder with package.json and runner/) above ${__dirname}`);
}

export interface Toolchain {
  python: string;
  jarsDir: string;
}

/** Where scripts/setup-toolchain.sh installed pyspark and the Iceberg runtime (TOOLCHAIN_DIR, default .toolchain). */
export function toolchain(): Toolchain {
  const dir = resolve(process.env.TOOLCHAIN_DIR ?? join(repoRoot(), '.toolchain'));
  const python = join(dir, 'venv', 'bin', 'python');
  if (!existsSync(python)) {
    throw new Error(
      `The Spark toolchain is not installed: ${python} is missing. Run "bash scripts/setup-toolchain.sh" (or "npm run setup") first.`,
    );
  }
  return { python, jarsDir: join(dir, 'jars') };
}

/**
 * The class-data-sharing archive scripts/setup-cds.sh dumps from a training run of the CLI: the ~20,000
 * classes a local Spark + Iceberg driver loads, mapped from one file instead of parsed from the jars on
 * every start. A missing or stale archive (other JVM or class path) is ignored by the JVM (-Xshare:auto).
 */
export function cdsArchive(): string | null {
  let dir: string;
  try {
    dir = resolve(process.env.TOOLCHAIN_DIR ?? join(repoRoot(), '.toolchain'));
  } catch {
    return null;
  }
  const archive = join(dir, 'spark-cds.jsa');
  return existsSync(archive) ? archive : null;
}
