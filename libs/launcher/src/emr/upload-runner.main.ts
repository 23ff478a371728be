/**
 * `npm run emr:upload-runner`: uploads the Python runner for EMR on EKS (docs/emr-on-eks.md "Upload the
 * runner"). Reads AWS_REGION, EMR_ARTIFACTS_S3_URI and optionally EMR_RUNNER_ENTRYPOINT / EMR_RUNNER_PY_FILES;
 * AWS credentials come from the SDK's default chain.
 */
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { repoRoot } from '@app/runner-client';
import { emrArtifactsConfigFromEnv } from './emr-config';
import { uploadRunnerArtifacts } from './runner-artifacts';

async function main(): Promise<void> {
  const config = emrArtifactsConfigFromEnv(process.env);
  const s3 = new S3Client({ region: config.region, maxAttempts: 1 });
  try {
    const upload = await uploadRunnerArtifacts(config, s3, join(repoRoot(), 'runner'));
    process.stdout.write(
      `uploaded ${upload.pyFiles} (${upload.files.length} files, ${upload.zipBytes} bytes) and ${upload.entryPoint}\n`,
    );
  } finally {
    s3.destroy();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`emr:upload-runner: ${error.name}: ${error.message}\n`);
  process.exit(1);
});
