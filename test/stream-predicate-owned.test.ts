import { describe, expect, it } from "vitest";
import { OWNED } from "../src/future/cancel.js";
import { Context } from "../src/future/context.js";
import { Waker } from "../src/future/waker.js";
import { iter } from "../src/stream/index.js";

/** An item with one owner: counts how often it is released. */
class Plate implements Disposable {
  readonly [OWNED] = true;
  drops = 0;
  [Symbol.dispose](): void {
    this.drops++;
  }
}

const cx = new Context(Waker.noop());

describe("a predicate that throws drops the item it was looking at", () => {
  it("filter: the owned item is disposed, and the error is handed out in its place", () => {
    const plate = new Plate();
    const s = iter([plate]).filter(() => {
      throw new Error("cracked");
    });
    expect(() => s.pollNext(cx)).toThrow("cracked");
    expect(plate.drops).toBe(1);
  });

  it("takeWhile: the owned item is disposed, and the error is handed out in its place", () => {
    const plate = new Plate();
    const s = iter([plate]).takeWhile(() => {
      throw new Error("cracked");
    });
    expect(() => s.pollNext(cx)).toThrow("cracked");
    expect(plate.drops).toBe(1);
  });
});
