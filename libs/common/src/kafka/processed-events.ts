/**
 * Event ids already handled by this process (bounded, oldest forgotten first). A duplicate delivery is
 * acknowledged without running the handler again; across restarts the handlers' own effects are
 * idempotent (ledger, MERGE by event id, deterministic event ids), so this is the fast path, not the proof.
 */
export class ProcessedEvents {
  private readonly ids = new Set<string>();

  constructor(private readonly capacity = 10000) {}

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    this.ids.delete(id);
    this.ids.add(id);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value as string);
  }
}
