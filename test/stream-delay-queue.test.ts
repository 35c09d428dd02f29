/**
 * DelayQueue (tokio-util's `time::DelayQueue`) on the paused clock: values come out at their
 * deadlines, earliest first (ties in insertion order); `remove` and `reset` by key; an expired value
 * not yet handed out can be reset back to waiting; `DONE` while empty and on again after an insert;
 * every entry is a timer on the wheel (`liveTimers`), released by `remove`, `clear`, dispose and
 * the runtime's shutdown; a model check over random operations; bad keys and delays refused.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  type DelayKey,
  DelayQueue,
  DONE,
  Instant,
  OWNED,
  Runtime,
  run,
  sleep,
  spawn,
  time,
} from "../src/index.js";

const PAUSED = { clock: "paused" as const };

describe("DelayQueue", () => {
  it("three values inserted out of order come out at their deadlines, earliest first; a tie keeps insertion order", async () => {
    const out = await run(
      asyncBlock(function* () {
        const start = Instant.now();
        using q = new DelayQueue<string>();
        q.insert("dessert", 300);
        q.insert("main", 200);
        q.insert("starter", 100);
        q.insert("bread", 100);
        const seen: string[] = [];
        for (let e = yield* q.next(); e !== DONE; e = yield* q.next()) {
          seen.push(`${e.value}@${start.elapsed()}`);
          expect(e.deadline.ms - start.ms).toBe(Number.parseInt(seen.at(-1)!.split("@")[1]!, 10));
        }
        return seen;
      }),
      PAUSED,
    );
    expect(out).toEqual(["starter@100", "bread@100", "main@200", "dessert@300"]);
  });

  it("remove takes a value out before its time; reset moves one later (and another earlier); deadline reports each", async () => {
    const out = await run(
      asyncBlock(function* () {
        const start = Instant.now();
        using q = new DelayQueue<string>();
        const a = q.insert("a", 100);
        const b = q.insert("b", 200);
        const c = q.insert("c", 300);
        expect(q.remove(b)).toMatchObject({ value: "b" });
        q.reset(a, 400);
        q.resetAt(c, start.add(50));
        const deadlines = [q.deadline(a).ms - start.ms, q.deadline(c).ms - start.ms];
        const seen: string[] = [];
        for (let e = yield* q.next(); e !== DONE; e = yield* q.next()) {
          seen.push(`${e.value}@${start.elapsed()}`);
        }
        return { deadlines, seen, len: q.length };
      }),
      PAUSED,
    );
    expect(out).toEqual({ deadlines: [400, 50], seen: ["c@50", "a@400"], len: 0 });
  });

  it("an expired value not yet handed out can be reset back to waiting, or removed", async () => {
    const out = await run(
      asyncBlock(function* () {
        const start = Instant.now();
        using q = new DelayQueue<string>();
        const a = q.insert("a", 10);
        const b = q.insert("b", 10);
        yield* sleep(20); // both expired, neither handed out
        q.reset(a, 100); // back to waiting, due at 120
        const removed = q.remove(b).value;
        const e = yield* q.next();
        return { removed, got: e === DONE ? "DONE" : `${e.value}@${start.elapsed()}` };
      }),
      PAUSED,
    );
    expect(out).toEqual({ removed: "b", got: "a@120" });
  });

  it("an empty queue is DONE, and goes on after an insert; a task waiting on it is woken by a value inserted from another task", async () => {
    const out = await run(
      asyncBlock(function* () {
        const start = Instant.now();
        const q = new DelayQueue<number>();
        const first = yield* q.next();
        q.insert(1, 50);
        const waiter = spawn(q.next());
        yield* sleep(10);
        q.insert(2, 5); // due at 15, earlier than 1's 50
        const got = yield* waiter;
        q[Symbol.dispose]();
        return {
          first,
          got: got === DONE ? "DONE" : `${got.value}@${start.elapsed()}`,
          after: yield* q.next(),
        };
      }),
      PAUSED,
    );
    expect(out).toEqual({ first: DONE, got: "2@15", after: DONE });
  });

  it("each waiting value is a timer on the wheel: liveTimers counts them, and remove, clear and dispose give them back", async () => {
    const out = await run(
      asyncBlock(function* () {
        const rt = Runtime.current();
        const q = new DelayQueue<number>();
        const counts = [rt.metrics().liveTimers];
        const k = q.insert(1, 100);
        q.insert(2, 200);
        q.insert(3, 300);
        counts.push(rt.metrics().liveTimers);
        q.remove(k);
        counts.push(rt.metrics().liveTimers);
        q.clear();
        counts.push(rt.metrics().liveTimers, q.length);
        q.insert(4, 100);
        q.insert(5, 100);
        q[Symbol.dispose]();
        counts.push(rt.metrics().liveTimers, q.length);
        return counts;
      }),
      PAUSED,
    );
    expect(out).toEqual([0, 3, 2, 0, 0, 0, 0]);
  });

  it("owned values left in the queue are disposed by clear and dispose; handed-out and removed ones are the caller's", async () => {
    const disposed: number[] = [];
    const mk = (n: number) => ({
      n,
      [OWNED]: true as const,
      [Symbol.dispose]() {
        disposed.push(n);
      },
    });
    await run(
      asyncBlock(function* () {
        const q = new DelayQueue<ReturnType<typeof mk>>();
        q.insert(mk(1), 10);
        const kept = q.insert(mk(2), 20);
        q.insert(mk(3), 30);
        const taken = yield* q.next();
        const removed = q.remove(kept);
        q.clear();
        q.insert(mk(4), 10);
        q[Symbol.dispose]();
        return [taken, removed];
      }),
      PAUSED,
    );
    expect(disposed.sort()).toEqual([3, 4]);
  });

  it("a runtime shut down with values on the wheel: liveTimers ends at 0 and a later poll of the queue says its runtime is gone", async () => {
    const rt = new Runtime(PAUSED);
    const q = await rt.spawn(
      asyncBlock(function* () {
        const q = new DelayQueue<string>();
        q.insert("never", 60_000);
        return q;
      }),
    );
    expect(rt.metrics().liveTimers).toBe(1);
    await rt.shutdown();
    expect(rt.metrics().liveTimers).toBe(0);
    const other = new Runtime(PAUSED);
    await expect(other.spawn(q.next())).rejects.toThrow(/DelayQueue: its runtime shut down/);
    await other.shutdown();
  });

  it("matches a model over random inserts, removes, resets and waits", async () => {
    type Op =
      | { kind: "insert"; ms: number }
      | { kind: "remove"; pick: number }
      | { kind: "reset"; pick: number; ms: number }
      | { kind: "wait"; ms: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant("insert" as const), ms: fc.integer({ min: 0, max: 50 }) }),
      fc.record({ kind: fc.constant("remove" as const), pick: fc.nat() }),
      fc.record({
        kind: fc.constant("reset" as const),
        pick: fc.nat(),
        ms: fc.integer({ min: 0, max: 50 }),
      }),
      fc.record({ kind: fc.constant("wait" as const), ms: fc.integer({ min: 0, max: 40 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 25 }), async (ops) => {
        const out = await run(
          asyncBlock(function* () {
            const start = Instant.now();
            const now = () => Math.round(start.elapsed());
            const q = new DelayQueue<number>();
            // The model: id -> [deadline, order of (re)scheduling] of the values still in.
            const model = new Map<number, { at: number; seq: number; key: DelayKey }>();
            let seq = 0;
            let nextId = 0;
            const got: string[] = [];
            const want: string[] = [];
            /** Take from the queue everything the model says is due now, in its order. */
            const drainModel = () =>
              [...model.entries()]
                .filter(([, v]) => v.at <= now())
                .sort(([, a], [, b]) => a.at - b.at || a.seq - b.seq);
            for (const o of ops) {
              const live = [...model.keys()];
              if (o.kind === "insert") {
                const id = nextId++;
                model.set(id, { at: now() + o.ms, seq: seq++, key: q.insert(id, o.ms) });
              } else if (o.kind === "remove" && live.length > 0) {
                const id = live[o.pick % live.length]!;
                expect(q.remove(model.get(id)!.key).value).toBe(id);
                model.delete(id);
              } else if (o.kind === "reset" && live.length > 0) {
                const id = live[o.pick % live.length]!;
                const m = model.get(id)!;
                q.reset(m.key, o.ms);
                model.set(id, { at: now() + o.ms, seq: seq++, key: m.key });
              } else if (o.kind === "wait") {
                yield* time.advance(o.ms);
                for (const [id] of drainModel()) {
                  want.push(`${id}`);
                  model.delete(id);
                  const e = yield* q.next();
                  got.push(e === DONE ? "DONE" : `${e.value}`);
                }
              }
            }
            expect(q.length).toBe(model.size);
            q[Symbol.dispose]();
            return { got, want, timers: Runtime.current().metrics().liveTimers };
          }),
          { clock: "manual" },
        );
        expect(out.got).toEqual(out.want);
        expect(out.timers).toBe(0);
      }),
      { numRuns: 150 },
    );
  });

  it("bad input: a delay that is not a finite number, a key of another queue, a key already handed out", async () => {
    await run(
      asyncBlock(function* () {
        const q = new DelayQueue<number>();
        const other = new DelayQueue<number>();
        expect(() => q.insert(1, -1)).toThrow(RangeError);
        expect(() => q.insert(1, "5" as never)).toThrow(
          /queue\.insert\(value, ms\): ms must be a number of milliseconds, got string/,
        );
        expect(() => q.insert(1, Number.POSITIVE_INFINITY)).toThrow(
          new RangeError("queue.insert(value, ms): ms must be finite, got Infinity"),
        );
        const k = q.insert(1, 0);
        const foreign = other.insert(2, 10);
        expect(() => q.remove(foreign)).toThrow(
          new TypeError("queue.remove(key): key must be a key this queue's insert() returned"),
        );
        expect(q.tryRemove(foreign)).toBeUndefined();
        const e = yield* q.next();
        expect(e !== DONE && e.value).toBe(1);
        expect(() => q.reset(k, 10)).toThrow(
          new RangeError(
            "queue.reset(key, ms): the key's value is no longer in the queue (handed out or removed)",
          ),
        );
        expect(q.tryRemove(k)).toBeUndefined();
        other[Symbol.dispose]();
      }),
      PAUSED,
    );
    expect(() => new DelayQueue<number>().insert(1, 10)).toThrow(/queue\.insert\(value, ms\)/);
  });
});
