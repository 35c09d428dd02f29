import { describe, expect, it } from "vitest";
import { joinAll } from "../src/combinator/join-all.js";
import { selectAll } from "../src/combinator/select.js";
import { OWNED } from "../src/future/cancel.js";
import { FutureStateError } from "../src/future/errors.js";
import { ready } from "../src/future/leaf.js";

class Conn implements Disposable {
  readonly [OWNED] = true;
  closed = false;
  [Symbol.dispose](): void {
    this.closed = true;
  }
}

describe("joinAll over an iterable that gives something other than distinct futures", () => {
  it("an iterable that gives a future then a non-future: the future it gave is dropped, as when the iterable throws", () => {
    const conn = new Conn();
    function* gives() {
      yield ready(conn);
      yield 42 as never;
    }
    expect(() => joinAll(gives())).toThrow(TypeError);
    expect(conn.closed).toBe(true);
  });
  it("the iterable throwing half way: the future it gave is dropped (an iterable that throws)", () => {
    const conn = new Conn();
    function* gives() {
      yield ready(conn);
      throw new Error("iterable broke");
    }
    expect(() => joinAll(gives())).toThrow("iterable broke");
    expect(conn.closed).toBe(true);
  });
  it("an array is its caller's: a bad item throws, and the futures in it are left to the caller", () => {
    const conn = new Conn();
    const f = ready(conn);
    expect(() => joinAll([f, 42 as never])).toThrow(TypeError);
    expect(conn.closed).toBe(false);
    f[Symbol.dispose]();
    expect(conn.closed).toBe(true);
  });

  it("selectAll drops what an iterable gave when it then gives the same future twice", () => {
    const conn = new Conn();
    const f = ready(conn);
    function* gives() {
      yield f;
      yield f;
    }
    expect(() => selectAll(gives())).toThrow(FutureStateError);
    expect(conn.closed).toBe(true);
  });
});

describe("collect() drops what a re-iterable collection holds when an item fails the check", () => {
  it("joinAll(a Set with a future and a non-future) throws, and the future the caller's Set still holds is left alone, as for an array", () => {
    const conn = new Conn();
    const f = ready(conn);
    const set = new Set<unknown>([f, 42]);
    expect(() => joinAll(set as Set<never>)).toThrow(TypeError);
    // Today: f is dropped (its output disposed) although the caller still holds it in `set`,
    // while the same mistake with an array leaves it alone.
    expect(conn.closed).toBe(false);
  });

  it("selectAll(map.values()) with a non-future leaves the map's futures alone", () => {
    const conn = new Conn();
    const f = ready(conn);
    const pending = new Map<string, unknown>([
      ["a", f],
      ["b", "not a future"],
    ]);
    expect(() => selectAll(pending.values() as never)).toThrow(TypeError);
    expect(conn.closed).toBe(false);
  });

  it("a generator that yields a Disposable that is not a future: the check fails, and the non-future is not disposed (not the combinator's)", () => {
    const guard = new Conn();
    function* gives() {
      yield ready(1);
      yield guard as never;
    }
    expect(() => joinAll(gives())).toThrow(TypeError);
    // Today: dropAll disposes every item, the guard included.
    expect(guard.closed).toBe(false);
  });
});
