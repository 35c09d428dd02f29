/**
 * Keeping the host process alive for a wake only the outside world can bring. A runtime never keeps
 * Node running by itself: its timers and sockets do, while they are pending. Two waits have no such
 * handle of their own: a task linked to an `AbortSignal` (an `AbortSignal.timeout` is unref'd by
 * Node, so it lets the process exit before it fires) and `ctrlC()` or `signal(name)` (a signal
 * listener holds nothing). Without a hold, Node would exit under them with `run()` never settled and no `finally`
 * run, where tokio would wait for the signal. Each such wait holds the process while it lasts: one
 * ref'd host interval, shared by every hold, that fires once every 24 days and does nothing.
 */

/** The longest delay a host timer accepts (2^31 - 1 ms). */
const FOREVER_MS = 2_147_483_647;

let holds = 0;
let timer: ReturnType<typeof setInterval> | null = null;

function nothing(): void {}

/**
 * Hold the process open until the matching {@link releaseProcess}.
 *
 * @example
 * ```ts
 * holdProcess(); // a SIGINT listener is installed: wait for it
 * …
 * releaseProcess(); // the signal came, or the wait was dropped
 * ```
 */
export function holdProcess(): void {
  if (holds++ === 0) timer = setInterval(nothing, FOREVER_MS);
}

/** Give back one {@link holdProcess}; the last one lets the process exit again. */
export function releaseProcess(): void {
  if (holds === 0) return;
  if (--holds === 0 && timer !== null) {
    clearInterval(timer);
    timer = null;
  }
}

/** How many holds are open (for tests). */
export function processHolds(): number {
  return holds;
}
