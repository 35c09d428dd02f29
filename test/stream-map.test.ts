/**
 * StreamMap (tokio-stream's): named streams read as one stream of `[key, item]`; streams come and
 * go by key; an ended stream leaves; an empty map answers DONE until more are inserted; every
 * stream gets to go first in turn; disposal disposes every stream in it.
 */
import { describe, expect, it } from "vitest";
import * as mpsc from "../src/channel/mpsc.js";
import { race } from "../src/combinator/select.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { Context } from "../src/future/context.js";
import { FutureStateError } from "../src/future/errors.js";
import { PENDING } from "../src/future/poll.js";
import { Waker } from "../src/future/waker.js";
import { run } from "../src/runtime/runtime.js";
import {
  DONE,
  iter,
  receiverStream,
  StreamBase,
  StreamMap,
  type StreamPoll,
} from "../src/stream/index.js";
import { Notify } from "../src/sync/notify.js";
import { spawn } from "../src/task/spawn.js";
import { sleep } from "../src/time/sleep.js";

const cx = new Context(Waker.noop());

/** A stream that is pending until given items, and counts its disposals. */
class Pipe<T> extends StreamBase<T> {
  items: (T | Error)[] = [];
  ended = false;
  drops = 0;
  pollNext(_cx: Context): StreamPoll<T> {
    const x = this.items.shift();
    if (x instanceof Error) throw x;
    if (x !== undefined) return x;
    return this.ended ? DONE : PENDING;
  }
  override [Symbol.dispose](): void {
    this.drops++;
  }
}

describe("StreamMap", () => {
  it("items come out tagged with their stream's key; a removed stream is handed back and read no more", () => {
    const map = new StreamMap<string, number>();
    const a = new Pipe<number>();
    const b = new Pipe<number>();
    map.insert("a", a);
    map.insert("b", b);
    expect(map.pollNext(cx)).toBe(PENDING);
    b.items.push(2);
    expect(map.pollNext(cx)).toEqual(["b", 2]);
    expect(map.remove("b")).toBe(b);
    expect(b.drops).toBe(0); // handed back, not disposed: the caller decides
    b.items.push(3);
    expect(map.pollNext(cx)).toBe(PENDING);
    expect(map.keys()).toEqual(["a"]);
    expect(map.has("b")).toBe(false);
    expect(map.remove("b")).toBeUndefined();
  });

  it("two streams that are always ready take turns going first: neither starves the other", () => {
    const map = new StreamMap<string, number>();
    map.insert("left", iter([1, 2, 3, 4]));
    map.insert("right", iter([10, 20, 30, 40]));
    const keys: string[] = [];
    for (let i = 0; i < 6; i++) keys.push((map.pollNext(cx) as readonly [string, number])[0]);
    expect(keys.filter((k) => k === "left").length).toBe(3);
    expect(keys.filter((k) => k === "right").length).toBe(3);
  });

  it("a stream that ends leaves the map and is disposed; the empty map answers DONE, then produces again after an insert", () => {
    const map = new StreamMap<string, string>();
    const once = new Pipe<string>();
    once.items.push("only");
    once.ended = true;
    map.insert("once", once);
    expect(map.pollNext(cx)).toEqual(["once", "only"]);
    expect(map.pollNext(cx)).toBe(DONE);
    expect(once.drops).toBe(1);
    expect(map.size).toBe(0);
    map.insert("again", iter(["more"]));
    expect(map.pollNext(cx)).toEqual(["again", "more"]);
  });

  it("inserting under a key already there disposes the stream it replaces (a subscription ignored is not left open), and says it replaced one", () => {
    const map = new StreamMap<string, number>();
    const first = new Pipe<number>();
    const second = new Pipe<number>();
    expect(map.insert("k", first)).toBe(false);
    expect(map.insert("k", second)).toBe(true);
    expect(first.drops).toBe(1);
    second.items.push(5);
    expect(map.pollNext(cx)).toEqual(["k", 5]);
    expect(map.size).toBe(1);
  });

  it("a stream that, ending, puts a fresh stream under its own key: the fresh one stays in the map", () => {
    const map = new StreamMap<string, number>();
    const fresh = new Pipe<number>();
    class Relay extends Pipe<number> {
      override pollNext(_cx: Context): StreamPoll<number> {
        map.insert("k", fresh); // hand over to the next stream, then end
        return DONE;
      }
    }
    map.insert("k", new Relay());
    expect(map.pollNext(cx)).toBe(PENDING);
    expect(map.has("k")).toBe(true);
    expect(fresh.drops).toBe(0);
    fresh.items.push(9);
    expect(map.pollNext(cx)).toEqual(["k", 9]);
  });

  it("replace hands back the stream it replaces, undisposed, as tokio's insert does", () => {
    const map = new StreamMap<string, number>();
    const first = new Pipe<number>();
    const second = new Pipe<number>();
    expect(map.replace("k", first)).toBeUndefined();
    expect(map.replace("k", second)).toBe(first);
    expect(first.drops).toBe(0);
    expect(map.size).toBe(1);
    expect(() => map.replace("j", second)).toThrow(
      "streamMap.replace(key, stream): the stream is already in the map under another key (a stream has one owner: make a new one for each key)",
    );
  });

  it("an error from one stream is handed out in place of an item; that stream stays, and its next item comes", () => {
    const map = new StreamMap<string, number>();
    const flaky = new Pipe<number>();
    flaky.items.push(new Error("static on the line") as never, 7);
    map.insert("flaky", flaky);
    expect(() => map.pollNext(cx)).toThrow("static on the line");
    expect(map.pollNext(cx)).toEqual(["flaky", 7]);
    expect(map.has("flaky")).toBe(true);
  });

  it("disposing the map disposes every stream in it, once, and refuses inserts afterwards", () => {
    const map = new StreamMap<string, number>();
    const a = new Pipe<number>();
    const b = new Pipe<number>();
    map.insert("a", a);
    map.insert("b", b);
    map[Symbol.dispose]();
    map[Symbol.dispose]();
    expect([a.drops, b.drops]).toEqual([1, 1]);
    expect(map.size).toBe(0);
    expect(() => map.insert("c", new Pipe<number>())).toThrow(
      "streamMap.insert(key, stream): the map was disposed",
    );
  });

  it("bad input: inserting something that is not a stream is a TypeError naming the argument; one stream under two keys is a FutureStateError", () => {
    const map = new StreamMap<string, number>();
    expect(() => map.insert("x", 5 as never)).toThrow(/streamMap\.insert\(key, stream\): stream/);
    const s = iter([1]);
    map.insert("a", s);
    expect(() => map.insert("b", s)).toThrow(FutureStateError);
    expect(map.keys()).toEqual(["a"]);
    expect(map.insert("a", s)).toBe(true); // the same key again: replaced by itself, not disposed
    expect(map.replace("a", s)).toBeUndefined(); // nothing replaced: s is in the map
  });

  it("keys compare as a Map's do: NaN finds NaN in has, insert and remove", () => {
    const map = new StreamMap<number, number>();
    const first = iter([1]);
    map.insert(Number.NaN, first);
    expect(map.has(Number.NaN)).toBe(true);
    expect(map.replace(Number.NaN, iter([2]))).toBe(first);
    expect(map.size).toBe(1);
    expect(map.remove(Number.NaN)).toBeDefined();
    expect(map.size).toBe(0);
  });

  it("an empty map raced in a loop: its DONE spends the task's budget, so another task gets its turn and rings the bell", async () => {
    const out = await run(
      asyncBlock(function* () {
        const subs = new StreamMap<string, string>();
        const bell = new Notify();
        spawn(
          asyncBlock(function* () {
            bell.notifyOne(); // runs only if the loop below gives the thread back
          }),
        );
        let passes = 0;
        // Bounded, so that without the budget this fails instead of freezing the thread.
        while (passes < 1_000_000) {
          passes++;
          const w = yield* race.named.biased({ bell: bell.notified(), message: subs.next() });
          if (w.key === "bell") return { passes, won: "bell" };
        }
        return { passes, won: "nothing" };
      }),
    );
    expect(out.won).toBe("bell");
    expect(out.passes).toBeLessThanOrEqual(129);
  });

  it("in a task: two channels read as one, a subscription dropped halfway, every message of the rest received once", async () => {
    const got = await run(
      asyncBlock(function* () {
        const [newsTx, newsRx] = mpsc.unboundedChannel<string>();
        const [menuTx, menuRx] = mpsc.unboundedChannel<string>();
        const subs = new StreamMap<string, string>();
        subs.insert("news", receiverStream(newsRx));
        subs.insert("menu", receiverStream(menuRx));
        newsTx.send("open");
        menuTx.send("soup");
        const got: string[] = [];
        for (let i = 0; i < 2; i++) {
          const m = yield* subs.next();
          if (m !== DONE) got.push(`${m[0]}: ${m[1]}`);
        }
        subs.remove("news")?.[Symbol.dispose]();
        menuTx.send("pie");
        menuTx.close();
        newsTx.close();
        yield* sleep(1);
        for (let m = yield* subs.next(); m !== DONE; m = yield* subs.next())
          got.push(`${m[0]}: ${m[1]}`);
        return got.sort();
      }),
      { clock: "paused" },
    );
    expect(got).toEqual(["menu: pie", "menu: soup", "news: open"]);
  });
});
