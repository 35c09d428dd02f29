/**
 * HeldClockWatch: the bell that should have rung. A paused clock moves only when nothing outside
 * the runtime can wake a task, so a bridged operation in flight (a `fromPromise`, a connect, a
 * file operation) holds it still, as it must: its answer may come at any real moment. But a
 * promise that itself waits for one of this runtime's timers (a Promise API built on Brigade,
 * awaited back through `fromPromise`) never settles, and the program hangs without a word. This
 * watch turns that silence into a warning: once an idle paused runtime has been held by bridges
 * for a second of real time in which none of them settled, with timers waiting and the clock
 * unmoved, the driver reports it, once, until the clock moves or a bridge settles.
 */

/** Real milliseconds a held paused clock is watched before the driver is asked to report it. */
export const HELD_WARN_MS = 1000;

/** One runtime's watch over its held paused clock (the driver decides what counts as held). */
export class HeldClockWatch {
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** The clock's reading when the watch began. */
  private since = 0;
  /** Reported for this stretch of stillness: not again until `stop` (the clock moved). */
  private reported = false;
  private readonly elapsed = (): void => {
    this.timer = null;
    this.reported = this.report(this.since);
  };

  /** `report(since)` checks the runtime is still held at `since`, warns if so, and says whether. */
  constructor(private readonly report: (since: number) => boolean) {}

  /** The idle runtime is held by bridges with the clock at `now`: start watching, unless already. */
  start(now: number): void {
    if (this.timer !== null || this.reported) return;
    this.since = now;
    this.timer = setTimeout(this.elapsed, HELD_WARN_MS);
  }

  /** The clock moved, a bridge settled, or the runtime shut down: stop, and forget the report. */
  stop(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.reported = false;
  }
}
