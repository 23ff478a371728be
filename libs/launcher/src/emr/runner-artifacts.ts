import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { RetryPolicy, systemClock } from './aws-call';
import { EmrArtifactsConfig, EmrConfigError, parseS3Uri } from './emr-config';
import { putObject } from './s3-objects';
import { zip } from './zip';

export interface RunnerUpload {
  entryPoint: string;
  pyFiles: string;
  /** Archive paths of the zipped package, e.g. `summary_runner/__main__.py`. */
  files: string[];
  zipBytes: number;
}

/** Every file of runner/summary_runner except bytecode, as `summary_runner/...` archive entries, sorted. */
export function runnerPackageEntries(runnerDir: string): { name: string; data: Buffer }[] {
  const packageDir = join(runnerDir, 'summary_runner');
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === '__pycache__' || entry.name.endsWith('.pyc')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) files.push(path);
    }
  };
  walk(packageDir);
  return files
    .map((path) => ({
      name: ['summary_runner', ...relative(packageDir, path).split(sep)].join('/'),
      data: readFileSync(path),
    }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

function s3Target(variable: string, uri: string): { bucket: string; key: string } {
  const location = parseS3Uri(uri);
  if (!location || !location.prefix) {
    throw new EmrConfigError([
      `${variable}: the runner can only be uploaded to an s3:// object URI, received "${uri}" (a local:// file belongs in the image)`,
    ]);
  }
  return { bucket: location.bucket, key: location.prefix };
}

/**
 * Zips runner/summary_runner and uploads it to EMR_RUNNER_PY_FILES, and runner/summary_runner_main.py to
 * EMR_RUNNER_ENTRYPOINT (by default `<artifacts>/runner/summary_runner.zip` and `…/summary_runner_main.py`).
 */
export async function uploadRunnerArtifacts(
  config: EmrArtifactsConfig,
  s3: S3Client,
  runnerDir: string,
  policy: RetryPolicy = { maxAttempts: 5, clock: systemClock, signal: new AbortController().signal },
): Promise<RunnerUpload> {
  const pyFiles = s3Target('EMR_RUNNER_PY_FILES', config.runnerPyFiles);
  const entryPoint = s3Target('EMR_RUNNER_ENTRYPOINT', config.runnerEntryPoint);
  const entries = runnerPackageEntries(runnerDir);
  const archive = zip(entries);
  await putObject(s3, pyFiles.bucket, pyFiles.key, archive, 'application/zip', policy);
  await putObject(
    s3,
    entryPoint.bucket,
    entryPoint.key,
    readFileSync(join(runnerDir, 'summary_runner_main.py')),
    'text/x-python',
    policy,
  );
  return {
    entryPoint: config.runnerEntryPoint,
    pyFiles: config.runnerPyFiles,
    files: entries.map((e) => e.name),
    zipBytes: archive.length,
  };
}
