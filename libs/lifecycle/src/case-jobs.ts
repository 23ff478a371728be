import {
  CaseRange,
  CompiledJob,
  compileBackfill,
  compileForward,
  compileNewAccounts,
  withUnboundedHistory,
} from '@app/compiler';
import { CaseName } from '@app/domain';
import { PipelineConfig } from '@app/config';
import { BatchMachine } from './batch-machine';

/**
 * The job of one case of a batch (SPEC §5): CASE_III the backfill over the batch's month range, CASE_I the
 * new accounts, CASE_II the forward months. The CLI's orchestrator and the dispatcher both compile a case
 * here, so a case runs the same job whichever of them runs it.
 */
export function compileCaseJob(config: PipelineConfig, batchId: string, c: CaseName, range: CaseRange): CompiledJob {
  const job =
    c === 'CASE_III'
      ? compileBackfill(config, batchId, range)
      : c === 'CASE_I'
        ? compileNewAccounts(config, batchId)
        : compileForward(config, batchId);
  // SPEC §4c: with unbounded_history on, the batch's last job (CASE_II) keeps the unbounded rows of every key the
  // batch staged, and runs without forward rows too (BatchMachine's `unboundedHistory`).
  return withUnboundedHistory(config, job, c, range.rows);
}

/**
 * The batch state machine for a pipeline: with unbounded_history on, CASE_II runs even without rows, because its
 * job keeps the unbounded history of the whole batch (compileCaseJob). The CLI's orchestrator and the dispatcher
 * both start theirs here.
 */
export function batchMachineFor(config: PipelineConfig): BatchMachine {
  return new BatchMachine({ unboundedHistory: !!config.unboundedHistory });
}
