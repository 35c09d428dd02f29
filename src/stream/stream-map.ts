/**
 * StreamMap: a switchboard of named streams (tokio-stream's `StreamMap`). Streams go in under a
 * key and come out of it again by that key; the map is itself a stream of `[key, item]` pairs,
 * taken from whichever stream has an item. A waiter subscribed to several channels at once keeps
 * one map of them, adding and removing channels as orders come, and reads from all of them in
 * one loop.
 *
 * Each poll looks at every stream, starting one further along each time, so a stream that is
 * always ready cannot starve the others: it is meant for a handful of streams, as tokio-stream's
 * is (for many, `flattenUnordered` polls only the woken ones). A stream that ends leaves the map
 * (and is disposed); an empty map answers `DONE` at once, and inserting more makes it produce
 * again, as `FuturesUnordered` does (so a `race.named` loop leaves out its `map.next()` branch
 * while the map is empty, or it spins; an empty map's `DONE` spends the task's budget, so such a
 * loop still gives the thread back every 128 passes). An error from a stream is handed out in place of an item, and the
 * stream stays in the map, as for every adapter. Disposing the map disposes every stream in it.
 */
import { drop, dropAll } from "../future/cancel.js";
import type { Context } from "../future/context.js";
import { FutureStateError } from "../future/errors.js";
import { PENDING } from "../future/poll.js";
import { pollProceed } from "../task/budget.js";
import {
  assertStream,
  CLAIM,
  claimFrom,
  DONE,
  type Stream,
  StreamBase,
  type StreamPoll,
  WITHDRAW,
  withdrawFrom,
} from "./stream.js";

/**
 * Named streams read as one stream of `[key, item]` (tokio-stream's `StreamMap`). `S` is the
 * streams' type, handed back by `insert` and `remove`: Brigade's streams by default (disposable);
 * name it for streams of your own, `new StreamMap<K, T, MyStream>()`.
 *
 * @example
 * ```ts
 * const subs = new StreamMap<string, string>();
 * subs.insert("news", receiverStream(news.subscribe()));
 * subs.insert("menu", receiverStream(menu.subscribe()));
 * for (let m = yield* subs.next(); m !== DONE; m = yield* subs.next()) {
 *   const [channel, message] = m;
 *   console.log(`${channel}: ${message}`);
 * }
 * ```
 */
export class StreamMap<K, T, S extends Stream<T> = StreamBase<T>> extends StreamBase<
  readonly [K, T]
> {
  private readonly keyList: K[] = [];
  private readonly streams: S[] = [];
  /** Where the next poll starts looking, so each stream gets to go first in turn. */
  private start = 0;
  private disposed = false;

  /**
   * The number of streams in the map (an ended stream has left it).
   *
   * @example
   * ```ts
   * console.log(`${subs.size} subscriptions`); // 2 after inserting "news" and "menu"
   * ```
   */
  get size(): number {
    return this.keyList.length;
  }

  /**
   * Put `stream` in the map under `key`. A stream already there under that key is taken out and
   * disposed (a replaced subscription is unsubscribed, as dropping tokio's returned stream does):
   * `replace` hands it back instead. Returns whether one was replaced.
   *
   * @example
   * ```ts
   * subs.insert("news", receiverStream(news.subscribe())); // an older "news" stream is closed
   * ```
   */
  insert(key: K, stream: S): boolean {
    const old = this.put(key, stream, "streamMap.insert(key, stream)");
    // The same stream again under its own key is not replaced by anything: nothing to close.
    if (old !== undefined && old !== stream) drop(old);
    return old !== undefined;
  }

  /**
   * Put `stream` in the map under `key`, and hand back the stream it replaces (`undefined` if
   * none) for the caller to keep reading or dispose: tokio's `insert`.
   *
   * @example
   * ```ts
   * const previous = subs.replace("news", receiverStream(news.subscribe()));
   * ```
   */
  replace(key: K, stream: S): S | undefined {
    const old = this.put(key, stream, "streamMap.replace(key, stream)");
    // The same stream again under its own key replaced nothing: it is in the map, not handed back.
    return old === stream ? undefined : old;
  }

  /** `insert` and `replace`: the stream put under `key`; the one it replaced. */
  private put(key: K, stream: S, where: string): S | undefined {
    assertStream(stream, `${where}: stream`);
    if (this.disposed) {
      throw new TypeError(`${where}: the map was disposed`);
    }
    const i = this.indexOf(key);
    for (let j = 0; j < this.streams.length; j++) {
      if (this.streams[j] === stream && j !== i) {
        throw new FutureStateError(
          `${where}: the stream is already in the map under another key (a stream has one owner: make a new one for each key)`,
        );
      }
    }
    if (i >= 0) {
      const old = this.streams[i]!;
      this.streams[i] = stream;
      return old;
    }
    this.keyList.push(key);
    this.streams.push(stream);
    return undefined;
  }

  /**
   * Take the stream under `key` out of the map and hand it back (`undefined` if there is none).
   *
   * @example
   * ```ts
   * subs.remove("news")?.[Symbol.dispose](); // unsubscribe
   * ```
   */
  remove(key: K): S | undefined {
    const i = this.indexOf(key);
    if (i < 0) return undefined;
    return this.takeOut(i);
  }

  /**
   * Whether a stream is in the map under `key`.
   *
   * @example
   * ```ts
   * if (!subs.has("news")) subs.insert("news", receiverStream(news.subscribe()));
   * ```
   */
  has(key: K): boolean {
    return this.indexOf(key) >= 0;
  }

  /** Where `key` is, compared as a `Map` compares keys (SameValueZero: `NaN` finds `NaN`). */
  private indexOf(key: K): number {
    const keys = this.keyList;
    // biome-ignore lint/suspicious/noSelfCompare: x !== x holds only for NaN.
    const nan = key !== key;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      // biome-ignore lint/suspicious/noSelfCompare: as above.
      if (k === key || (nan && k !== k)) return i;
    }
    return -1;
  }

  /**
   * The keys, in the order their streams were inserted.
   *
   * @example
   * ```ts
   * console.log(`subscribed to ${subs.keys().join(", ")}`);
   * ```
   */
  keys(): K[] {
    return this.keyList.slice();
  }

  /**
   * Poll each stream once, starting one further along than last time: the first `[key, item]`,
   * `DONE` when the map is empty, or `PENDING`. A stream that ends is taken out and disposed.
   * `next()` calls this; a hand-written stream or a test may call it directly.
   *
   * @example
   * ```ts
   * const m = yield* pollFn((cx) => subs.pollNext(cx)); // what next() does
   * ```
   */
  pollNext(cx: Context): StreamPoll<readonly [K, T]> {
    const n = this.keyList.length;
    // Always ready when empty: spend the task's budget, so a loop that races an empty map's
    // next() against a timer still gives the thread back (and the timer its chance to ring).
    if (n === 0) return pollProceed(cx) ? DONE : PENDING;
    let i = this.start < n ? this.start : 0;
    this.start = i + 1;
    for (let seen = 0; seen < n; seen++) {
      if (i >= this.keyList.length) i = 0;
      const stream = this.streams[i]!;
      const r = stream.pollNext(cx);
      if (r === DONE) {
        // An ended stream leaves the map; the one after it now has its index. (Unless its poll
        // put another stream under its key: that one stays, and the ended one went then.)
        if (this.streams[i] !== stream) continue;
        drop(this.takeOut(i));
        if (this.keyList.length === 0) return DONE;
        continue;
      }
      if (r !== PENDING) return [this.keyList[i]!, r] as const;
      i++;
    }
    return PENDING;
  }

  private takeOut(i: number): S {
    const stream = this.streams[i]!;
    this.keyList.splice(i, 1);
    this.streams.splice(i, 1);
    if (this.start > i) this.start--;
    return stream;
  }

  /**
   * A `next()` parked through the map parked on every stream in it: the claim goes to each, so
   * that a dropped `next()` takes back every wait it left (stream.ts, WITHDRAW). Otherwise a
   * stream taken out of the map and handed to another task would still hold this task's wait.
   */
  override [CLAIM](by: unknown): void {
    for (const s of this.streams) claimFrom(s, by);
  }

  override [WITHDRAW](by: unknown): void {
    for (const s of this.streams) withdrawFrom(s, by);
  }

  /**
   * Dispose every stream in the map (a subscription is unsubscribed), each on its own, and refuse
   * later inserts with a `TypeError`; `next()` then gives `DONE`. Idempotent.
   *
   * @example
   * ```ts
   * subs[Symbol.dispose](); // both subscriptions closed; subs.size is 0
   * ```
   */
  override [Symbol.dispose](): void {
    this.disposed = true;
    const streams = this.streams.splice(0);
    this.keyList.length = 0;
    dropAll(streams);
  }
}
