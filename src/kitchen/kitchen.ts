/**
 * The kitchen's notebook: what a scene writes in while it runs. A scene is ordinary Brigade code;
 * the notebook is how its story lines, and the polls of the futures it chooses to watch, land in
 * the same numbered sequence as the runtime's own instrumentation events (see `recording.ts`).
 *
 * The notebook is also the runtime's instrumentation listener. Story lines and events are stamped
 * with the runtime's own clock as they are written: with the paused clock that is the exact virtual
 * time of the poll, which is what makes the tour's output repeatable.
 */
import { CANCEL, type Cancellable, type Cleanup, cancel, drop } from "../future/cancel.js";
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureStateError } from "../future/errors.js";
import { type Future, FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import type { RuntimeEvent } from "../runtime/events.js";
import { timeAmbient } from "../time/driver.js";
import type { ClockMode, Entry, Recording } from "./recording.js";

/**
 * The notebook a scene writes in.
 *
 * @example
 * ```ts
 * const k = new Kitchen("join", "One chef, two dishes", null, "paused");
 * const main = asyncBlock(function* () {
 *   const driver = Runtime.current().timeDriver;
 *   k.attachClock(() => driver.now());
 *   k.say("👨‍🍳 Chef started cooking: Pasta");
 *   yield* sleep(3000);
 * });
 * await run(main, { clock: "paused", instrument: k.listener });
 * k.finish(null).entries; // the runtime's events and the story line, in one sequence
 * ```
 */
export class Kitchen {
  private readonly entries: Entry[] = [];
  private seq = 0;
  private origin = 0;
  private clock: (() => number) | null = null;
  private currentTask: number | null = null;
  private nextNode = 1;
  /** The watched futures being polled right now, innermost last. */
  private readonly watchStack: number[] = [];
  /** Told of every entry as it is written (the CLI streams `--realtime` scenes with it). */
  onEntry: ((entry: Entry) => void) | null = null;
  /** Pass this as the runtime's `instrument` option. */
  readonly listener: (event: RuntimeEvent) => void;

  constructor(
    readonly scene: string,
    readonly title: string,
    readonly take: string | null,
    readonly clockMode: ClockMode,
  ) {
    this.listener = (event) => this.record(event);
  }

  private record(event: RuntimeEvent): void {
    // The scene's clock starts at its first poll, on the clock of the runtime polling it (ticking
    // now, so its driver is the ambient one). Taken here rather than from inside the scene's main
    // future, so no wrapper of the kitchen's own shows up in await chains and deadlock reports.
    if (this.clock === null && event.kind === "poll-start" && timeAmbient.driver !== null) {
      const driver = timeAmbient.driver;
      this.attachClock(() => driver.now());
    }
    const at = this.now();
    if (event.kind === "poll-start") this.currentTask = event.task;
    else if (event.kind === "poll-end") this.currentTask = null;
    this.push({ type: "event", seq: this.seq++, at, event });
  }

  /**
   * Read time from `clock` from now on (the runtime's clock, in ms): the scene starts at its
   * current reading. The notebook calls it itself at the first poll it hears of (the clock of the
   * runtime that polls it); a later call changes nothing. Until then the scene is at 0.
   *
   * @example
   * ```ts
   * const driver = Runtime.current().timeDriver;
   * k.attachClock(() => driver.now());
   * ```
   */
  attachClock(clock: () => number): void {
    if (this.clock !== null) return;
    this.clock = clock;
    this.origin = clock();
  }

  private push(entry: Entry): void {
    this.entries.push(entry);
    this.onEntry?.(entry);
  }

  /**
   * The scene's clock, in ms since it started: the runtime's clock (virtual when paused), so a
   * story line is stamped with the time of the poll that printed it.
   *
   * @example
   * ```ts
   * k.say(`served at ${formatDuration(k.now())}`); // "served at 4 s"
   * ```
   */
  now(): number {
    return this.clock === null ? 0 : this.clock() - this.origin;
  }

  /**
   * Print a story line, stamped with the scene's clock.
   *
   * @example
   * ```ts
   * k.say("👨‍🍳 Chef started cooking: Pasta");
   * ```
   */
  say(text: string): void {
    this.push({
      type: "say",
      seq: this.seq++,
      at: this.now(),
      task: this.currentTask,
      text,
    });
  }

  /**
   * Show a block of text without a timestamp: a code listing, a table of measurements.
   *
   * @example
   * ```ts
   * k.show("go serveTable(1)");
   * ```
   */
  show(text: string): void {
    this.push({ type: "show", seq: this.seq++, text });
  }

  /**
   * Watch a future: every poll of it is recorded with its result and its parent among the watched
   * futures, which draws the future tree from real polls. The watched future behaves exactly like
   * `future` (same value, same errors, dropping it drops `future`). `onPoll`, when given, is told
   * of each poll as it ends, so a scene can narrate its own polls.
   *
   * @example
   * ```ts
   * const order = k.watch("Table 1's order", join(k.watch("Appetizer", sleep(3000)), ...));
   * ```
   */
  watch<T>(label: string, future: Future<T>, onPoll?: PollObserver): Watched<T> {
    return new Watched(this, this.nextNode++, label, future, onPoll ?? null);
  }

  /** @internal */
  enterWatch(node: number): number | null {
    const parent = this.watchStack.length === 0 ? null : this.watchStack.at(-1)!;
    this.watchStack.push(node);
    return parent;
  }

  /** @internal */
  leaveWatch(
    node: number,
    label: string,
    parent: number | null,
    result: "pending" | "ready" | "error",
  ): void {
    this.watchStack.pop();
    this.push({
      type: "watch",
      seq: this.seq++,
      at: this.now(),
      node,
      label,
      parent,
      task: this.currentTask,
      result,
    });
  }

  /**
   * What has been written so far (a scene drawing its own future tree reads it).
   *
   * @example
   * ```ts
   * for (const root of futureTree(k.entriesSoFar())) k.show(drawTree(root).join("\n"));
   * ```
   */
  entriesSoFar(): readonly Entry[] {
    return this.entries;
  }

  /**
   * Close the notebook: the scene's recording.
   *
   * @example
   * ```ts
   * const recording = k.finish(null);
   * ```
   */
  finish(failure: string | null): Recording {
    return {
      scene: this.scene,
      title: this.title,
      take: this.take,
      clock: this.clockMode,
      entries: this.entries,
      failure,
    };
  }
}

/** Told of each poll of a watched future as it ends: how it ended and how many polls so far. */
export type PollObserver = (result: "pending" | "ready" | "error", polls: number) => void;

/**
 * A future whose polls are written in the notebook (made by `k.watch`).
 *
 * @example
 * ```ts
 * const card = k.watch("cookDish", cookDish("Pasta", 3));
 * yield* card;
 * card.polls; // 2
 * ```
 */
export class Watched<T> extends FutureBase<T> implements Disposable, Cancellable {
  /** How many times it has been polled. */
  polls = 0;
  private last: "pending" | "ready" | "error" | null = null;

  constructor(
    private readonly kitchen: Kitchen,
    readonly node: number,
    readonly label: string,
    private inner: Future<T> | null,
    private readonly onPoll: PollObserver | null,
  ) {
    super();
  }

  /** Task dumps and deadlock reports name it by its label, then follow the future it watches. */
  [DESCRIBE](): Description {
    return { label: this.label, children: this.inner === null ? [] : [this.inner] };
  }

  poll(cx: Context): Poll<T> {
    const inner = this.inner;
    if (inner === null) {
      throw new FutureStateError(
        `the watched future '${this.label}' was polled after it was dropped`,
      );
    }
    const parent = this.kitchen.enterWatch(this.node);
    this.polls++;
    let r: Poll<T>;
    try {
      r = inner.poll(cx);
    } catch (e) {
      this.last = "error";
      this.kitchen.leaveWatch(this.node, this.label, parent, "error");
      this.onPoll?.("error", this.polls);
      throw e;
    }
    const result = r === PENDING ? "pending" : "ready";
    this.last = result;
    this.kitchen.leaveWatch(this.node, this.label, parent, result);
    this.onPoll?.(result, this.polls);
    return r;
  }

  /**
   * Whether its last poll finished it (Ready or threw).
   *
   * @example
   * ```ts
   * k.say(`Dessert ${dessert.isDone() ? "✓" : "…"}`);
   * ```
   */
  isDone(): boolean {
    return this.last !== null && this.last !== "pending";
  }

  [CANCEL](): Cleanup | null {
    const f = this.inner;
    this.inner = null;
    return cancel(f);
  }

  [Symbol.dispose](): void {
    drop(this);
  }
}
