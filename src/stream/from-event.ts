/**
 * fromEvent: a doorbell wired to the pass. A stream of the events an emitter fires, for both kinds
 * of emitter JavaScript has: DOM-style `EventTarget` (`addEventListener`) and Node's `EventEmitter`
 * (`on`/`off`). Each item is the event's first argument (the `Event` object, or the emitter's
 * first value).
 *
 * The listener is added at the first poll (laziness: creating the stream does nothing) and removed
 * when the stream is disposed. Events cannot be slowed down, so they queue until taken: without
 * limit by default, or up to a `capacity`, past which the oldest (or, if asked, the newest) are
 * dropped and counted in `droppedEvents` (a mouse's positions: only the latest few matter). A
 * task waiting for an event is not asleep for good (the runtime's deadlock check sees it), but it
 * does not hold the paused clock either: an event may never come.
 * A `next()` dropped before its event (the loser of a `select`) takes its waker and that wait back
 * at once, so a task that then waits on nothing else is reported as deadlocked.
 */

import { wakeAs } from "../future/ambient.js";
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import type { Waker } from "../future/waker.js";
import { checkCount, checkKeys, checkObject, checkOneOf } from "../runtime/option-checks.js";
import { SourceWait } from "./source-wait.js";
import { CLAIM, Claim, DONE, StreamBase, type StreamPoll, WITHDRAW } from "./stream.js";

/** An emitter of either kind. */
export type EventSource =
  | {
      addEventListener(name: string, fn: (event: any) => void): void;
      removeEventListener(name: string, fn: (event: any) => void): void;
    }
  | {
      on(name: string | symbol, fn: (...args: any[]) => void): unknown;
      off(name: string | symbol, fn: (...args: any[]) => void): unknown;
    };

/** How many events a {@link fromEvent} stream keeps unread, and which it drops past that. */
export interface FromEventOptions {
  /**
   * The most events kept unread (a whole number, at least 1); past it one is dropped for each new
   * one and counted in `droppedEvents`. `Infinity`, the default, keeps every event.
   * @default Infinity
   * @example fromEvent(window, "mousemove", { capacity: 1 }) // only the latest position
   */
  capacity?: number;
  /**
   * Which to drop when full: `"oldest"` (the queue slides: the newest are kept) or `"newest"` (the
   * arriving event is dropped: the first are kept).
   * @default "oldest"
   * @example fromEvent(socket, "message", { capacity: 1000, drop: "newest" })
   */
  drop?: "oldest" | "newest";
}

/** A {@link fromEvent} stream: a stream with a count of the events it dropped. */
export interface EventStream<T> extends StreamBase<T> {
  /**
   * Events dropped because `capacity` were already unread (0 without a capacity).
   * @example if (moves.droppedEvents > 0) console.log("the reader fell behind");
   */
  readonly droppedEvents: number;
}

const IDLE = 0; // not polled: no listener yet
const LISTENING = 1;
const CLOSED = 2; // disposed: the listener is gone

class FromEvent<T> extends StreamBase<T> implements EventStream<T> {
  private state = IDLE;
  /** Unread events are `queue[head..]`; the slots before `head` were taken. */
  private queue: T[] = [];
  private head = 0;
  droppedEvents = 0;
  private waker: Waker | null = null;
  /** Whose poll parked `waker` (this stream, or one of its `next()` futures). */
  private registrant: unknown = null;
  private readonly wait = new SourceWait();
  private readonly listener = (event: T): void => {
    if (this.state !== LISTENING) return;
    if (this.queue.length - this.head === this.capacity) {
      this.droppedEvents++;
      if (this.dropNewest) return;
      this.dropOldest();
    }
    this.queue.push(event);
    this.wait.close();
    const w = this.waker;
    this.waker = null;
    this.registrant = null;
    if (w !== null) wakeAs(this.source, w);
  };
  /** Who woke a task waiting here, for the instruments. */
  private readonly source: { readonly kind: "io"; readonly source: string };

  constructor(
    private readonly emitter: EventSource,
    private readonly name: string,
    private readonly capacity: number,
    private readonly dropNewest: boolean,
  ) {
    super();
    this.source = { kind: "io", source: `event '${name}'` };
  }

  /** @internal the event listened for, for descriptions. */
  get eventName(): string {
    return this.name;
  }

  pollNext(cx: Context): StreamPoll<T> {
    const r = this.pollAs(cx, this);
    if (r === PENDING) this.claim.parked();
    return r;
  }

  /** @internal the next event, parking as `by`. */
  pollAs(cx: Context, by: unknown): StreamPoll<T> {
    if (this.state === CLOSED) return DONE;
    if (this.state === IDLE) {
      this.state = LISTENING;
      const e = this.emitter as { addEventListener?: Function; on?: Function };
      if (typeof e.addEventListener === "function") e.addEventListener(this.name, this.listener);
      else e.on!.call(this.emitter, this.name, this.listener);
    }
    if (this.head < this.queue.length) {
      const item = this.queue[this.head]!;
      this.queue[this.head++] = undefined as T;
      if (this.head === this.queue.length) {
        this.queue.length = 0;
        this.head = 0;
      }
      return item;
    }
    this.waker = cx.waker;
    this.registrant = by;
    this.wait.open();
    return PENDING;
  }

  /** Full, and the oldest goes: slide the window, moving the rest down once the gap is as long. */
  private dropOldest(): void {
    this.queue[this.head++] = undefined as T;
    if (this.head >= this.queue.length - this.head) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }

  /** @internal `by` was dropped: if its poll parked the waker last, forget it and close the wait. */
  unregister(by: unknown): void {
    if (by !== this.registrant) return;
    this.registrant = null;
    this.waker = null;
    this.wait.close();
  }

  private readonly claim = new Claim();
  /** A `next()` of an adapter on this stream parked here (see stream.ts, WITHDRAW). */
  override [CLAIM](by: unknown): void {
    this.claim.set(by);
  }
  override [WITHDRAW](by: unknown): void {
    if (this.claim.release(by)) this.unregister(this);
  }

  /** Like `StreamBase.next()`, but dropping the future before its event takes its waker back. */
  override next(): FutureBase<T | typeof DONE> & Disposable {
    return new NextEvent(this);
  }

  override [Symbol.dispose](): void {
    if (this.state === LISTENING) {
      const e = this.emitter as { removeEventListener?: Function; off?: Function };
      if (typeof e.removeEventListener === "function") {
        e.removeEventListener(this.name, this.listener);
      } else e.off!.call(this.emitter, this.name, this.listener);
    }
    this.state = CLOSED;
    this.wait.close();
    this.queue = [];
    this.head = 0;
    const w = this.waker;
    this.waker = null;
    this.registrant = null;
    // A task waiting in next() would sleep for ever: wake it to find the stream ended.
    w?.wake();
  }
}

/** `stream.next()` on a {@link fromEvent} stream. */
class NextEvent<T> extends FutureBase<T | typeof DONE> implements Disposable {
  constructor(private readonly stream: FromEvent<T>) {
    super();
  }
  /** For dumps and deadlock reports. */
  [DESCRIBE](): Description {
    return { label: `fromEvent('${this.stream.eventName}').next()`, children: [] };
  }
  poll(cx: Context): Poll<T | typeof DONE> {
    return this.stream.pollAs(cx, this);
  }
  [Symbol.dispose](): void {
    this.stream.unregister(this);
  }
}

/**
 * A stream of the events named `name` fired by `emitter`; disposing it removes the listener.
 * Unread events are kept without limit, or up to `options.capacity` (see {@link FromEventOptions}).
 *
 * @example
 * ```ts
 * using clicks = fromEvent<MouseEvent>(button, "click");
 * const first = yield* clicks.next();
 * using moves = fromEvent<MouseEvent>(window, "mousemove", { capacity: 1 });
 * ```
 */
export function fromEvent<T = unknown>(
  emitter: EventSource,
  name: string,
  options?: FromEventOptions,
): EventStream<T> {
  const e = emitter as { addEventListener?: unknown; on?: unknown; off?: unknown } | null;
  const ok =
    e !== null &&
    typeof e === "object" &&
    ((typeof e.addEventListener === "function" &&
      typeof (e as { removeEventListener?: unknown }).removeEventListener === "function") ||
      (typeof e.on === "function" && typeof e.off === "function"));
  if (!ok) {
    // Both halves are needed: the stream's dispose must be able to take its listener off again.
    const got = emitter === null ? "null" : emitter === undefined ? "undefined" : typeof emitter;
    throw new TypeError(
      `fromEvent(emitter, name): emitter must be an EventTarget (addEventListener/removeEventListener) or an EventEmitter (on/off), got ${got}${emitter === null ? " (an element that was not found?)" : ""}`,
    );
  }
  if (typeof name !== "string") {
    throw new TypeError(`fromEvent(emitter, name): name must be a string, got ${typeof name}`);
  }
  checkObject(options, "fromEvent(emitter, name, options): options");
  let capacity = Number.POSITIVE_INFINITY;
  let dropNewest = false;
  if (options !== undefined) {
    const where = "fromEvent(emitter, name, options): options";
    checkKeys(options, where, ["capacity", "drop"], "a fromEvent option");
    // Infinity is the default said out loud; anything else is a count.
    const c = options.capacity;
    if (c !== undefined && c !== Number.POSITIVE_INFINITY) {
      capacity = checkCount(c, `${where}.capacity`);
    }
    dropNewest = checkOneOf(options.drop, ["oldest", "newest"], `${where}.drop`) === "newest";
  }
  return new FromEvent<T>(emitter, name, capacity, dropNewest);
}
