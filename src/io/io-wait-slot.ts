/**
 * IoWaitSlot: the hook one direction of a byte source hangs its pager on while it waits (a read
 * waiting for bytes, a write waiting for room). One pager at a time, as a stream has one reader and
 * one writer at a time: a second task that would hang its pager over the first's while that one
 * still waits is refused (one-reader.ts), since the first would never be paged again.
 *
 * The slot also keeps who parked (the future polling, an `IoFuture`: see io-future.ts), so that a
 * dropped future takes back only its own wait, and it tells the runtime that an outside source may
 * still wake the task (a `SourceWait`, which the "all tasks asleep" check reads).
 */
import { type ReaderRule, refuseSecondReader } from "../channel/one-reader.js";
import { wakeAs } from "../future/ambient.js";
import type { Context } from "../future/context.js";
import type { Waker } from "../future/waker.js";
import { SourceWait } from "../stream/source-wait.js";

/** Who woke a task, for the instruments: `{ kind: "io", source: "child stdout" }`. */
export interface WakeSource {
  readonly kind: "io";
  readonly source: string;
}

export class IoWaitSlot {
  private waker: Waker | null = null;
  /** The future that parked last (an `IoFuture`), or `null` for a direct poller. */
  private registrant: unknown = null;
  /** The owner of the poll that parked (its task), for the refusal's message. */
  private owner: unknown = null;
  private readonly wait = new SourceWait();

  constructor(
    /** Names the wait in the refusal: "child stdout read". */
    private readonly what: string,
    private readonly rule: ReaderRule,
    private readonly source: WakeSource,
  ) {}

  /** Whether a pager hangs here. */
  get parked(): boolean {
    return this.waker !== null;
  }

  /**
   * Hang `cx.waker` here for `registrant`. Throws a `FutureStateError` when another task's future
   * still waits here (see one-reader.ts). That includes the same future polled from another task
   * while its first task still holds its wait (a `select`'s `rest` spawned): the slot cannot tell
   * it from one stream read by two tasks, whose first would sleep for good.
   */
  park(cx: Context, registrant: unknown): void {
    const parked = this.waker;
    const waker = cx.waker;
    if (parked !== null && parked !== waker && this.registrant !== null) {
      refuseSecondReader(this.owner, parked, cx.owner, this.what, this.rule);
    }
    this.waker = waker;
    this.registrant = registrant;
    this.owner = cx.owner;
    this.wait.open();
  }

  /** Page whoever waits here (bytes came, room came, the end or an error). */
  wake(): void {
    const w = this.waker;
    if (w === null) return;
    this.waker = null;
    this.registrant = null;
    this.owner = null;
    this.wait.close();
    wakeAs(this.source, w);
  }

  /** `by` was dropped: if the wait here is its own, take it back. */
  unregister(by: unknown): void {
    if (by === null || by !== this.registrant) return;
    this.waker = null;
    this.registrant = null;
    this.owner = null;
    this.wait.close();
  }
}
