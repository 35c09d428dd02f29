/**
 * Tests written from a mutation run over StreamMap (src/stream/stream-map.ts): each pins down a
 * behaviour the rest of the suite let change unnoticed (the run's notes are in scratch/mutation/).
 */
import { describe, expect, it } from "vitest";
import { Context } from "../src/future/context.js";
import { PENDING } from "../src/future/poll.js";
import { Waker } from "../src/future/waker.js";
import { DONE, StreamBase, StreamMap, type StreamPoll } from "../src/stream/index.js";

const cx = new Context(Waker.noop());

/** A stream that hands out its items, then is pending (or ended), and counts its polls and drops. */
class Pipe extends StreamBase<number> {
  items: number[] = [];
  ended = false;
  polls = 0;
  drops = 0;
  pollNext(_cx: Context): StreamPoll<number> {
    this.polls++;
    const x = this.items.shift();
    if (x !== undefined) return x;
    return this.ended ? DONE : PENDING;
  }
  override [Symbol.dispose](): void {
    this.drops++;
  }
}

function pipe(items: number[] = [], ended = false): Pipe {
  const p = new Pipe();
  p.items = items;
  p.ended = ended;
  return p;
}

describe("StreamMap's answers", () => {
  it("a map with nothing in it is polled: it answers DONE at once", () => {
    const map = new StreamMap<string, number, Pipe>();
    expect(map.pollNext(cx)).toBe(DONE);
  });

  it("the first stream of two ends while the second has an item: the ended one leaves and the second's item comes, not DONE", () => {
    const map = new StreamMap<string, number, Pipe>();
    const ended = pipe([], true);
    const live = pipe([7]);
    map.insert("ended", ended);
    map.insert("live", live);
    expect(map.pollNext(cx)).toEqual(["live", 7]);
    expect(map.keys()).toEqual(["live"]);
    expect(ended.drops).toBe(1);
    expect(map.pollNext(cx)).toBe(PENDING);
  });

  it("a stream is inserted again under its own key: it is not disposed and its items still come", () => {
    const map = new StreamMap<string, number, Pipe>();
    const s = pipe([1]);
    map.insert("a", s);
    map.insert("a", s);
    expect(s.drops).toBe(0);
    expect(map.pollNext(cx)).toEqual(["a", 1]);
  });
});

describe("StreamMap's keys", () => {
  it("removing a key that is not there takes nothing out: the other streams stay", () => {
    const map = new StreamMap<string, number, Pipe>();
    map.insert("a", pipe());
    map.insert("b", pipe());
    expect(map.remove("missing")).toBeUndefined();
    expect(map.keys()).toEqual(["a", "b"]);
    expect(map.size).toBe(2);
  });

  it("a NaN key and a number key are put in: each is found only by itself, as a Map finds keys", () => {
    const map = new StreamMap<number, number, Pipe>();
    map.insert(Number.NaN, pipe());
    expect(map.has(0)).toBe(false);
    map.insert(0, pipe());
    expect(map.size).toBe(2);
    const one = new StreamMap<number, number, Pipe>();
    one.insert(1, pipe());
    expect(one.has(Number.NaN)).toBe(false);
  });

  it("a map without an undefined key is asked for one: it has none, and inserting one adds a key", () => {
    const map = new StreamMap<string | undefined, number, Pipe>();
    map.insert("a", pipe());
    expect(map.has(undefined)).toBe(false);
    map.insert(undefined, pipe([4]));
    expect(map.keys()).toEqual(["a", undefined]);
  });

  it("the array keys() hands back is changed by the caller: the map's own keys are not", () => {
    const map = new StreamMap<string, number, Pipe>();
    map.insert("a", pipe([1]));
    const keys = map.keys();
    keys.length = 0;
    expect(map.keys()).toEqual(["a"]);
    expect(map.pollNext(cx)).toEqual(["a", 1]);
  });
});

/** The key of the item the map hands out next (its streams all have one). */
function keyOf(map: StreamMap<string, number, Pipe>): string {
  return (map.pollNext(cx) as readonly [string, number])[0];
}

describe("StreamMap's turns after a removal", () => {
  /** Three streams that always have an item; a and b have had their turn first. */
  function afterTwoTurns(): StreamMap<string, number, Pipe> {
    const map = new StreamMap<string, number, Pipe>();
    for (const k of ["a", "b", "c"]) map.insert(k, pipe([1, 2, 3, 4]));
    expect(keyOf(map)).toBe("a");
    expect(keyOf(map)).toBe("b");
    return map;
  }

  it("a and b went first in turn, then a is removed: c, which had no turn yet, goes first next, then b", () => {
    const map = afterTwoTurns();
    map.remove("a");
    expect(keyOf(map)).toBe("c");
    expect(keyOf(map)).toBe("b");
  });

  it("a and b went first in turn, then c is removed: the turn comes back round to a, then b", () => {
    const map = afterTwoTurns();
    map.remove("c");
    expect(keyOf(map)).toBe("a");
    expect(keyOf(map)).toBe("b");
  });
});
