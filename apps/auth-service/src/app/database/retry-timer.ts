/**
 * Runs `attempt` again later, each time twice as long after the last (from `firstMs`, at most
 * `maxMs`), one pending at a time; {@link RetryTimer.succeeded} starts the delays over. For the
 * LISTEN connections that must come back by themselves after Postgres drops them. The timer does
 * not keep the process alive.
 */
export class RetryTimer {
  private timer: NodeJS.Timeout | null = null;
  private delayMs: number;

  constructor(
    private readonly firstMs: number,
    private readonly maxMs: number,
    private readonly attempt: () => void,
  ) {
    this.delayMs = firstMs;
  }

  /** Delay before the next attempt, if none is pending; returns it (0: one was pending already). */
  schedule(): number {
    if (this.timer) return 0;
    const delay = this.delayMs;
    this.delayMs = Math.min(delay * 2, this.maxMs);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.attempt();
    }, delay);
    this.timer.unref();
    return delay;
  }

  /** The next failure waits `firstMs` again. */
  succeeded(): void {
    this.delayMs = this.firstMs;
  }

  /** Drops a pending attempt. */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
