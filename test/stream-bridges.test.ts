/**
 * Streams meeting the world outside: native `for await` over a stream, a stream from an async
 * iterable, `fromEvent`, `ctrlC`, and the interval and channel-receiver wrappers.
 */
import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  DONE,
  fromAsyncIterable,
  fromEvent,
  interval,
  intervalStream,
  iter,
  join,
  mpsc,
  PENDING,
  pollFn,
  Runtime,
  race,
  receiverStream,
  run,
  sleep,
} from "../src/index.js";
import { ctrlC, signal } from "../src/node.js";
import { processHolds } from "../src/runtime/keep-alive.js";
import { Counter } from "./future-testkit.js";

describe("for await over a stream, from native code", () => {
  it("yields every item, then disposes the stream", async () => {
    const source = new Counter(4);
    const seen: number[] = [];
    for await (const x of source.map((x) => x * 10)) seen.push(x);
    expect(seen).toEqual([0, 10, 20, 30]);
    expect(source.drops).toBe(1);
  });

  it("breaking out of the loop disposes the stream and pulls nothing ahead", async () => {
    const source = new Counter(1_000);
    for await (const x of source) if (x === 2) break;
    expect(source.drops).toBe(1);
    expect(source.i).toBe(3);
  });

  it("drives timers inside the stream on a runtime of its own", async () => {
    const slow = iter([3, 1, 2]).andThen((ms) =>
      asyncBlock(function* () {
        yield* sleep(ms);
        return ms;
      }),
    );
    const seen: number[] = [];
    for await (const x of slow) seen.push(x);
    expect(seen).toEqual([3, 1, 2]);
  });

  it("an error from the stream rejects the loop", async () => {
    const failing = iter([1, 2]).map((x) => {
      if (x === 2) throw new Error("dropped the plate");
      return x;
    });
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const x of failing) seen.push(x);
      })(),
    ).rejects.toThrow("dropped the plate");
    expect(seen).toEqual([1]);
  });
});

describe("fromAsyncIterable", () => {
  it("collects an async generator's items in order", async () => {
    async function* dishes() {
      yield "soup";
      await new Promise((r) => setTimeout(r, 1));
      yield "pasta";
    }
    const got = await run(
      asyncBlock(function* () {
        return yield* fromAsyncIterable(dishes()).collect();
      }),
    );
    expect(got).toEqual(["soup", "pasta"]);
  });

  it("counts an item in flight as an open bridge until it arrives, and take(n) runs the generator's finally", async () => {
    let finallyRan = false;
    let release: () => void = () => {};
    async function* orders() {
      try {
        for (let i = 0; ; i++) {
          await new Promise<void>((r) => {
            release = r;
          });
          yield i;
        }
      } finally {
        finallyRan = true;
      }
    }
    const rt = new Runtime();
    const s = fromAsyncIterable(orders()).take(2);
    const seen: number[] = [];
    const bridges: number[] = [];
    const main = rt.spawn(
      asyncBlock(function* () {
        for (let v = yield* s.next(); v !== DONE; v = yield* s.next()) seen.push(v);
      }),
    );
    await new Promise((r) => setTimeout(r, 1));
    bridges.push(rt.metrics().pendingBridges);
    release();
    await new Promise((r) => setTimeout(r, 1));
    release();
    await main;
    await new Promise((r) => setTimeout(r, 1));
    bridges.push(rt.metrics().pendingBridges);
    await rt.shutdown();
    expect(seen).toEqual([0, 1]);
    expect(bridges).toEqual([1, 0]);
    expect(finallyRan).toBe(true);
  });

  it("a rejection from the iterator is thrown at the awaiting task", async () => {
    async function* broken() {
      yield 1;
      throw new Error("kitchen fire");
    }
    await expect(
      run(
        asyncBlock(function* () {
          return yield* fromAsyncIterable(broken()).collect();
        }),
      ),
    ).rejects.toThrow("kitchen fire");
  });
});

describe("fromEvent", () => {
  it("queues events from an EventEmitter and removes its listener when disposed", async () => {
    const bell = new EventEmitter();
    const got = await run(
      asyncBlock(function* () {
        const rings = fromEvent<string>(bell, "ring");
        setTimeout(() => {
          bell.emit("ring", "table 1");
          bell.emit("ring", "table 2");
        }, 1);
        const a = yield* rings.next();
        const listening = bell.listenerCount("ring");
        const b = yield* rings.next();
        rings[Symbol.dispose]();
        return [a, b, listening, bell.listenerCount("ring")];
      }),
    );
    expect(got).toEqual(["table 1", "table 2", 1, 0]);
  });

  it("adds no listener until first polled, and works with an EventTarget", async () => {
    const target = new EventTarget();
    let added = 0;
    const add = target.addEventListener.bind(target);
    target.addEventListener = (...args: Parameters<EventTarget["addEventListener"]>) => {
      added++;
      add(...args);
    };
    const stream = fromEvent<Event>(target, "order");
    expect(added).toBe(0);
    const type = await run(
      asyncBlock(function* () {
        setTimeout(() => target.dispatchEvent(new Event("order")), 1);
        const e = yield* stream.next();
        stream[Symbol.dispose]();
        return e === DONE ? "done" : e.type;
      }),
    );
    expect(type).toBe("order");
    expect(added).toBe(1);
  });

  it("a task waiting on an event is not reported as a deadlock", async () => {
    const bell = new EventEmitter();
    setTimeout(() => bell.emit("ring", 7), 20);
    const v = await run(
      asyncBlock(function* () {
        using rings = fromEvent<number>(bell, "ring");
        return yield* rings.next();
      }),
    );
    expect(v).toBe(7);
  });

  it("refuses something that is not an emitter", () => {
    expect(() => fromEvent({} as never, "x")).toThrow(/EventTarget.*EventEmitter/);
  });
});

describe("ctrlC", () => {
  it("is ready at the next SIGINT and gives Node's default handling back afterwards", async () => {
    const before = process.listenerCount("SIGINT");
    const holdsBefore = processHolds();
    const during: number[] = [];
    await run(
      asyncBlock(function* () {
        const bell = ctrlC();
        const first = yield* pollFn((cx) => (bell.poll(cx) === PENDING ? "waiting" : "rang"));
        during.push(process.listenerCount("SIGINT"), processHolds());
        setTimeout(() => process.emit("SIGINT"), 1);
        yield* bell;
        return first;
      }),
    );
    expect(during).toEqual([before + 1, holdsBefore + 1]);
    expect(process.listenerCount("SIGINT")).toBe(before);
    expect(processHolds()).toBe(holdsBefore);
  });

  it("a SIGINT while no ctrlC() waits is kept for the next one, which is ready at once; the runtime's close takes the handler away", async () => {
    const before = process.listenerCount("SIGINT");
    const seen: unknown[] = [];
    await run(
      asyncBlock(function* () {
        // The first wait installs the runtime's handler; the timer wins and the wait is dropped.
        const next = () => race.named({ signal: ctrlC(), timer: sleep(10) });
        seen.push((yield* next()).key);
        seen.push(process.listenerCount("SIGINT") - before, processHolds());
        process.emit("SIGINT"); // nobody waits: kept
        seen.push((yield* next()).key, (yield* next()).key);
      }),
      { clock: "paused" },
    );
    expect(seen).toEqual(["timer", 1, 0, "signal", "timer"]);
    expect(process.listenerCount("SIGINT")).toBe(before);
  });

  it("a delivery that woke a future dropped before it was polled again (a race's other branch ready in the same turn) is kept for the next", async () => {
    const seen: string[] = [];
    await run(
      asyncBlock(function* () {
        let stepReady = false;
        let stepWaker: { wake(): void } | null = null;
        const step = pollFn<string>((cx) => {
          if (stepReady) return "step";
          stepWaker = cx.waker;
          return PENDING;
        });
        setTimeout(() => {
          // The step and the signal in the same turn: the biased race polls the step first, so
          // the signal's future, woken, is dropped without being polled again.
          stepReady = true;
          stepWaker?.wake();
          process.emit("SIGINT");
        }, 1);
        seen.push((yield* race.named.biased({ step, stop: ctrlC() })).key);
        seen.push((yield* race.named({ stop: ctrlC(), tick: sleep(20) })).key);
      }),
      { clock: "paused" },
    );
    expect(seen).toEqual(["step", "stop"]);
  });

  it("one delivery is told to the futures waiting at that moment, in every runtime; a runtime with none waiting does not keep it", async () => {
    const a = new Runtime();
    const b = new Runtime();
    try {
      // B installs its handler (its timer wins), then waits on nothing.
      await b.spawn(race.named({ s: ctrlC(), t: sleep(1) }));
      const got = a.spawn(ctrlC());
      await a.spawn(sleep(1));
      process.emit("SIGINT");
      await got;
      const later = await b.spawn(race.named({ s: ctrlC(), t: sleep(5) }));
      expect(later.key).toBe("t");
    } finally {
      await a.shutdown();
      await b.shutdown();
    }
  });

  it("dropped while waiting, it removes its listener", async () => {
    const before = process.listenerCount("SIGINT");
    await run(
      asyncBlock(function* () {
        const bell = ctrlC();
        yield* pollFn((cx) => {
          bell.poll(cx);
          return "polled";
        });
        bell[Symbol.dispose]();
      }),
    );
    expect(process.listenerCount("SIGINT")).toBe(before);
    expect(processHolds()).toBe(0);
  });
});

describe("signal", () => {
  it("signal('SIGTERM') is ready at the next SIGTERM and takes its listener away", async () => {
    const before = process.listenerCount("SIGTERM");
    const during: number[] = [];
    await run(
      asyncBlock(function* () {
        const stop = signal("SIGTERM");
        yield* pollFn((cx) => (stop.poll(cx) === PENDING ? "waiting" : "rang"));
        during.push(process.listenerCount("SIGTERM"));
        setTimeout(() => process.emit("SIGTERM"), 1);
        yield* stop;
      }),
    );
    expect(during).toEqual([before + 1]);
    expect(process.listenerCount("SIGTERM")).toBe(before);
  });

  it("refuses a name that is no signal, and the signals that cannot be caught", () => {
    expect(() => signal("SIGTERMINATE" as NodeJS.Signals)).toThrow(
      new TypeError(
        "signal(name): name must be a signal of this platform such as 'SIGTERM', got 'SIGTERMINATE'",
      ),
    );
    expect(() => signal(15 as unknown as NodeJS.Signals)).toThrow(TypeError);
    expect(() => signal("SIGKILL")).toThrow(RangeError);
  });
});

describe("wrappers: interval and channel receivers as streams", () => {
  it("an interval stream ticks on the paused clock, period after period", async () => {
    const times = await run(
      asyncBlock(function* () {
        const ticks = intervalStream(interval(100));
        const instants = yield* ticks.take(3).collect();
        return instants.map((t) => t.since(instants[0]!));
      }),
      { clock: "paused" },
    );
    expect(times).toEqual([0, 100, 200]);
  });

  it("a receiver stream yields every message and ends when the senders are gone", async () => {
    const got = await run(
      asyncBlock(function* () {
        const [tx, rx] = mpsc.channel<string>(2);
        const orders = receiverStream(rx);
        const send = asyncBlock(function* () {
          for (const o of ["soup", "pasta", "salad"]) yield* tx.send(o);
          tx.close();
        });
        const [, all] = yield* join(send, orders.collect());
        return all;
      }),
    );
    expect(got).toEqual(["soup", "pasta", "salad"]);
  });
});
