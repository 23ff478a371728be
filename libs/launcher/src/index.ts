export * from './launcher';
export { EmrOnEksLauncher, EmrLauncherDeps } from './emr/emr-launcher';
export {
  EMR_DEFAULTS,
  EmrArtifactsConfig,
  EmrConfig,
  EmrConfigError,
  S3Location,
  emrArtifactsConfigFromEnv,
  emrConfigFromEnv,
  parseS3Uri,
  sparkSubmitParametersFor,
} from './emr/emr-config';
export { RunIdentity, clientTokenFor, jobRunNameFor, runIdentity } from './emr/client-token';
export { Clock, systemClock } from './emr/aws-call';
export { RunnerUpload, uploadRunnerArtifacts } from './emr/runner-artifacts';
export { getTextOrNull, putObject } from './emr/s3-objects';
export {
  DriverState,
  DriverStatus,
  FINAL_DRIVER_STATES,
  PythonDriverSubmission,
  StandaloneRestClient,
  StandaloneRestError,
} from './spark-submit/standalone-rest';
export { SparkSubmitLauncher, SparkSubmitLauncherDeps } from './spark-submit/spark-submit-launcher';
export { LeasedLauncher } from './leased/leased-launcher';
export {
  SparkSubmitConfig,
  SparkSubmitConfigError,
  sparkSubmitConfigFromEnv,
} from './spark-submit/spark-submit-config';
