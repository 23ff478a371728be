import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { EVENT_PUBLISHER, EventPublisher, HoldPartitionError, METRICS, Metrics, jsonLog } from '@app/common';
import { CompiledJob } from '@app/compiler';
import { CaseBatchPlanned, JobState, JobStateChanged } from '@app/contracts';
import { JobLauncher, LaunchError } from '@app/launcher';
import {
  BatchEnd,
  BatchMachine,
  batchMachineFor,
  compileCaseJob,
  completedEvent,
  jobErrorText,
  jobStateEvent,
} from '@app/lifecycle';
import { DISPATCH_OPTIONS, DispatchOptions, LAUNCHER } from './dispatch.constants';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * CaseBatchPlanned → the case's compiled job on the launcher, with JobStateChanged for every transition
 * and BatchCompleted after the batch's last case. Order, stops and the batch's totals come from the batch
 * state machine (lifecycle BatchMachine, which the CLI's orchestrator drives too); a case that
 * fails after its retries stops the batch: the event stays uncommitted (HoldPartitionError), so nothing
 * later runs until an operator fixes the cause and restarts the dispatcher, which runs the case again.
 */
@Injectable()
export class DispatchService implements OnApplicationShutdown {
  private readonly machine: BatchMachine;

  constructor(
    @Inject(LAUNCHER) private readonly launcher: JobLauncher,
    @Inject(DISPATCH_OPTIONS) private readonly options: DispatchOptions,
    @Inject(EVENT_PUBLISHER) private readonly publisher: EventPublisher,
    @Inject(METRICS) private readonly metrics: Metrics,
  ) {
    this.machine = batchMachineFor(options.config);
  }

  compile(event: CaseBatchPlanned): CompiledJob {
    const { config } = this.options;
    return compileCaseJob(config, event.batchId, event.case, {
      rows: event.rows,
      minMonth: event.minMonth ?? '',
      maxMonth: event.maxMonth ?? '',
    });
  }

  /** The pipeline's source table: the plan names it (v3), a plan of v1/v2 is this dispatcher's own. */
  private source(event: CaseBatchPlanned): string {
    return event.sourceTable || this.options.config.sourceTable.plain;
  }

  async onPlanned(event: CaseBatchPlanned): Promise<void> {
    const own = this.options.config.sourceTable.plain;
    if (event.sourceTable && event.sourceTable !== own) {
      // Topics shared by two pipelines: running another pipeline's plan on this config would write the
      // wrong tables. Held, like any plan this dispatcher cannot run, until an operator fixes the routing.
      this.metrics.get('dispatcherBlocked').set(1);
      throw new HoldPartitionError(
        `${event.batchId} ${event.case}: planned for source table ${event.sourceTable}, this dispatcher runs ${own}; check TOPIC_PREFIX and SUMMARY_CONFIG`,
      );
    }
    const decision = this.machine.decide(event);
    if (decision.action === 'duplicate') {
      jsonLog('info', 'case already handled', { batchId: event.batchId, case: event.case, reason: decision.reason });
      return;
    }
    if (decision.action === 'hold') {
      this.metrics.get('dispatcherBlocked').set(1);
      throw new HoldPartitionError(`${event.batchId} ${event.case}: ${decision.reason}`);
    }
    this.machine.started(event, Date.now());
    if (decision.action === 'skip') {
      this.machine.skipped(event);
      await this.publishState(event, 'SKIPPED', 1);
    } else {
      await this.runCase(event);
    }
    const end = this.machine.done(event, Date.now());
    if (end) {
      await this.complete(event, end);
      await this.maintain(event.batchId);
    }
  }

  private async runCase(event: CaseBatchPlanned): Promise<void> {
    const job = this.compile(event);
    const pipeline = this.options.config.summaryTable.plain;
    for (let attempt = 1; ; attempt++) {
      const began = Date.now();
      let jobRunId: string | null = null;
      let error: string;
      let retriable: boolean;
      // SUBMITTED / RUNNING are published in the order the launcher reports them, before the outcome.
      let states = Promise.resolve();
      this.metrics.get('dispatcherInFlight').inc();
      try {
        jsonLog('info', 'case job starting', {
          batchId: event.batchId,
          case: event.case,
          attempt,
          rows: event.rows,
          engine: this.launcher.engine,
        });
        const { result, jobRunId: id } = await this.launcher.run(
          { pipeline, batchId: event.batchId, step: event.case, attempt, job },
          (state, id) => {
            jobRunId = id;
            states = states.then(() => this.publishState(event, state, attempt, { jobRunId: id }));
          },
        );
        await states;
        jobRunId = id;
        if (result.status !== 'failed') {
          const { written } = this.machine.succeeded(event, result);
          await this.publishState(event, 'SUCCEEDED', attempt, {
            jobRunId,
            durationMs: Date.now() - began,
            rowsWritten: written,
          });
          jsonLog('info', 'case job committed', {
            batchId: event.batchId,
            case: event.case,
            attempt,
            status: result.status,
            written,
            seconds: (Date.now() - began) / 1000,
          });
          this.metrics.get('dispatcherBlocked').set(0);
          return;
        }
        error = jobErrorText(result.error);
        retriable = result.error?.retriable ?? false;
      } catch (e) {
        await states;
        if (!(e instanceof LaunchError)) throw e;
        error = e.message;
        retriable = e.retriable;
        jobRunId = e.jobRunId ?? jobRunId;
      } finally {
        this.metrics.get('dispatcherInFlight').dec();
      }
      await this.publishState(event, 'FAILED', attempt, { jobRunId, durationMs: Date.now() - began, error });
      if (retriable && attempt < this.options.maxAttempts) {
        const delay = Math.min(
          this.options.retryBackoffMs * 2 ** (attempt - 1),
          this.options.retryMaxBackoffMs ?? Infinity,
        );
        jsonLog('warn', 'case job failed: retrying', {
          batchId: event.batchId,
          case: event.case,
          attempt,
          delayMs: delay,
          error,
        });
        await sleep(delay);
        continue;
      }
      const end = this.machine.failed(event, Date.now());
      this.metrics.get('dispatcherBlocked').set(1);
      await this.complete(event, end);
      throw new HoldPartitionError(
        `${event.batchId} ${event.case} failed after ${attempt} attempt(s)${retriable ? '' : ' (not retriable)'}: ${error}`,
      );
    }
  }

  private async publishState(
    event: CaseBatchPlanned,
    state: JobState,
    attempt: number,
    extra: Partial<JobStateChanged> = {},
  ): Promise<void> {
    await this.publisher.publish(
      'job-state-changed',
      jobStateEvent(this.source(event), event, state, attempt, this.launcher.engine, extra),
    );
  }

  /**
   * BatchCompleted of the batch `event` belongs to, as the machine ended it: what its cases wrote, deleted and
   * restored here, and what classify counted of the batch (watermark, SPEC §4b's report counts).
   */
  private async complete(event: CaseBatchPlanned, { status, durationMs, totals }: BatchEnd): Promise<void> {
    await this.publisher.publish(
      'batch-completed',
      completedEvent(this.source(event), event.batchId, status, durationMs, totals),
    );
    jsonLog(status === 'COMPLETED' ? 'info' : 'error', `batch ${status.toLowerCase()}`, {
      batchId: event.batchId,
      ...totals,
    });
  }

  /**
   * The maintenance the pipeline schedules after a batch (issue #9). Best effort and after BatchCompleted:
   * a failure is logged and the next batch's maintenance tries again; the data is right either way.
   */
  private async maintain(batchId: string): Promise<void> {
    if (!this.launcher.maintain) return;
    const began = Date.now();
    try {
      const calls = await this.launcher.maintain();
      jsonLog('info', 'maintenance after batch', { batchId, durationMs: Date.now() - began, calls });
    } catch (error) {
      jsonLog('warn', 'maintenance after batch failed; the next batch retries it', {
        batchId,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.launcher.close();
  }
}
