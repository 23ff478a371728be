import { CaseName, CaseRange, CompiledJob, compileBackfill, compileForward, compileNewAccounts } from '@app/compiler';
import { PipelineConfig } from '@app/config';

/**
 * The job of one case of a batch (SPEC §5): CASE_III the backfill over the batch's month range, CASE_I the
 * new accounts, CASE_II the forward months. The CLI's orchestrator and the dispatcher both compile a case
 * here, so a case runs the same job whichever of them runs it.
 */
export function compileCaseJob(config: PipelineConfig, batchId: string, c: CaseName, range: CaseRange): CompiledJob {
  if (c === 'CASE_III') return compileBackfill(config, batchId, range);
  if (c === 'CASE_I') return compileNewAccounts(config, batchId);
  return compileForward(config, batchId);
}
