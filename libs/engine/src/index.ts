export * from './batch-state';
export * from './pipeline';
export * from './writer';
export * from './snapshots';
export * from './load';
export * from './maintenance';
// The runner client is @app/runner-client's. These names stay here only for e2e/cluster/cluster-runner.ts and
// e2e/cluster/services.int-spec.ts, which import them from @app/engine and are being changed elsewhere: drop
// them once those two import from @app/runner-client.
export { DEFAULT_ENGINE, repoRoot, runnerEngineConfig } from '@app/runner-client';
export type { RunnerEngineConfig } from '@app/runner-client';
