/**
 * FuturesUnordered when its own children act on it from inside their poll (futures-rs cannot let a
 * child reach its set; JavaScript can): a child that pushes a future gets it polled at the next
 * poll, which the set asks for by waking its task; a child that tears the set down ends that poll
 * with the set empty, every other child dropped once and never polled, and the set still usable.
 * And, as a property: disposing a set (or the `bufferUnordered` built on it) mid-flight drops each
 * unfinished child exactly once and never a finished one, however the wakes fell.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Context,
  DONE,
  FutureBase,
  FuturesUnordered,
  iter,
  PENDING,
  type Poll,
  type StreamBase,
} from "../src/index.js";
import { Gate, Instant, MockTask } from "./future-testkit.js";

/** A mock task polling `s.pollNext`. */
function nextOf<T>(s: StreamBase<T>): MockTask<T | typeof DONE> {
  return new MockTask(
    new (class extends FutureBase<T | typeof DONE> {
      poll(cx: Context): Poll<T | typeof DONE> {
        return s.pollNext(cx);
      }
    })(),
  );
}

/** A child whose poll runs `act` once, then stays pending. */
class Acting extends FutureBase<string> {
  polls = 0;
  drops = 0;
  constructor(private readonly act: () => void) {
    super();
  }
  poll(_cx: Context): Poll<string> {
    if (this.polls++ === 0) this.act();
    return PENDING;
  }
  [Symbol.dispose](): void {
    this.drops++;
  }
}

describe("FuturesUnordered acted on by its own children", () => {
  it("a child pushes a ready future while polled: the set wakes its task, returns PENDING, and the next poll gives the new output", () => {
    const set = new FuturesUnordered<string>();
    set.push(new Acting(() => set.push(new Instant("side dish"))));
    const task = nextOf(set);
    expect(task.poll()).toBe(PENDING);
    expect(task.isWoken()).toBe(true);
    expect(task.poll()).toBe("side dish");
    expect(set.length).toBe(1);
  });

  it("a child disposes the set while polled: that poll ends with DONE, the child queued after it is dropped once and never polled, and a future pushed afterwards is served", () => {
    const set = new FuturesUnordered<string>();
    const first = new Acting(() => set[Symbol.dispose]());
    const second = new Gate<string>("second");
    set.push(first);
    set.push(second);
    const task = nextOf(set);
    expect(task.poll()).toBe(DONE);
    expect([first.drops, second.drops, second.polls]).toEqual([1, 1, 0]);
    expect(set.length).toBe(0);
    // Still a working set: the ring and the count were not left half torn down.
    const later = new Gate<string>("later");
    set.push(later);
    set.push(new Instant("ready"));
    expect(task.poll()).toBe("ready");
    expect(task.poll()).toBe(PENDING);
    later.resolve("later");
    expect(task.poll()).toBe("later");
    expect(task.poll()).toBe(DONE);
    expect(set.length).toBe(0);
  });
});

describe("disposing a set mid-flight (property)", () => {
  it("each unfinished child is dropped exactly once, no finished child is dropped, no output comes twice, and a second dispose drops nothing", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.tuple(fc.nat(), fc.boolean()), { maxLength: 20 }),
        fc.boolean(),
        (n, steps, viaBufferUnordered) => {
          const gates = Array.from({ length: n }, (_, i) => new Gate<number>(`g${i}`));
          let s: StreamBase<number>;
          if (viaBufferUnordered) {
            s = iter(gates).bufferUnordered(n);
          } else {
            const set = new FuturesUnordered<number>();
            for (const g of gates) set.push(g);
            s = set;
          }
          const task = nextOf(s);
          const served: number[] = [];
          for (const [pick, poll] of steps) {
            gates[pick % n]!.resolve(pick % n);
            if (poll) {
              for (let r = task.poll(); r !== PENDING && r !== DONE; r = task.poll()) {
                served.push(r as number);
              }
            }
          }
          s[Symbol.dispose]();
          s[Symbol.dispose]();
          for (let i = 0; i < n; i++) {
            // In flight: pushed into the set, or pulled by bufferUnordered (which polls it at once).
            const inFlight = !viaBufferUnordered || gates[i]!.polls > 0;
            expect(gates[i]!.drops).toBe(inFlight && !served.includes(i) ? 1 : 0);
          }
          expect(new Set(served).size).toBe(served.length);
        },
      ),
      { numRuns: 200 },
    );
  });
});
