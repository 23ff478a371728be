import { SERVICES, ServiceName, ServiceProcesses } from '../service-processes';

/**
 * What Kubernetes does for the pods (restartPolicy Always): a service that is not running is started
 * again after a short back-off, whether a fault killed it or it exited by itself. The soak's only
 * "operator"; each restart is recorded with its cause.
 */
export class Supervisor {
  readonly restarts: Array<{ service: ServiceName; at: string; cause: string }> = [];
  private readonly causes = new Map<ServiceName, string>();
  private readonly pending = new Set<ServiceName>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly services: ServiceProcesses,
    private readonly say: (line: string) => void,
    private readonly backoffMs = 2000,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.check(), 500);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** The next exit of `service` is a fault's doing (`cause`), not a crash. */
  expectExit(service: ServiceName, cause: string): void {
    this.causes.set(service, cause);
  }

  /** Every service runs and none waits for its restart. */
  allRunning(): boolean {
    return SERVICES.every((s) => this.services.isRunning(s)) && this.pending.size === 0;
  }

  private check(): void {
    for (const service of SERVICES) {
      if (this.services.isRunning(service) || this.pending.has(service)) continue;
      const cause =
        this.causes.get(service) ??
        `exited by itself: ${this.services.logTail(service, 2).replace(/\n/g, ' | ').slice(0, 300)}`;
      this.causes.delete(service);
      this.pending.add(service);
      setTimeout(() => {
        this.services.start(service);
        this.pending.delete(service);
        this.restarts.push({ service, at: new Date().toISOString(), cause });
        this.say(`restart ${service} (${cause})`);
      }, this.backoffMs);
    }
  }
}
