/**
 * Model tests for the fair permit machinery (src/sync/permits.ts) behind Semaphore, Mutex and
 * RwLock: random sequences of acquire, poll, release, drop (queued, granted-but-unpolled or held),
 * try-acquire, addPermits and forget are run against a plain FIFO model of tokio's batch
 * semaphore, and after every step the free permits, the line and every outcome must agree.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { FutureBase } from "../src/future/future.js";
import { PENDING } from "../src/future/poll.js";
import { Mutex } from "../src/sync/mutex.js";
import { Notify } from "../src/sync/notify.js";
import { MAX_PERMITS, type Permits } from "../src/sync/permits.js";
import { RwLock } from "../src/sync/rw-lock.js";
import { Semaphore } from "../src/sync/semaphore.js";
import { MockTask } from "./future-testkit.js";

/** What the model tests need of a primitive. */
interface Subject {
  core: Permits;
  /** The sizes of request this primitive makes. */
  needs: number[];
  acquire(need: number): FutureBase<unknown> & Disposable;
  tryTake(need: number): ({ release(): void } & Disposable) | null;
  add?(n: number): void;
  canForget: boolean;
}

type Op =
  | { kind: "acquire"; need: number }
  | { kind: "try"; need: number }
  | { kind: "poll"; pick: number }
  | { kind: "release"; pick: number }
  | { kind: "drop"; pick: number }
  | { kind: "forget"; pick: number }
  | { kind: "add"; n: number };

type Status = "queued" | "granted" | "held" | "gone";

interface Entry {
  need: number;
  status: Status;
  task: MockTask<unknown, FutureBase<unknown> & Disposable> | null;
  guard: ({ release(): void; forget?(): void } & Disposable) | null;
}

/** The model: free permits and a FIFO line; a request is served only from the head. */
class Model {
  readonly line: Entry[] = [];
  constructor(public permits: number) {}

  serve(): void {
    while (this.line.length > 0 && this.permits >= this.line[0]!.need) {
      const head = this.line.shift()!;
      this.permits -= head.need;
      head.status = "granted";
    }
  }

  canTake(need: number): boolean {
    return this.line.length === 0 && this.permits >= need;
  }
}

function opsFor(s: Subject): fc.Arbitrary<Op[]> {
  const need = fc.constantFrom(...s.needs);
  const pick = fc.nat(50);
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 4, arbitrary: need.map((n) => ({ kind: "acquire" as const, need: n })) },
    { weight: 1, arbitrary: need.map((n) => ({ kind: "try" as const, need: n })) },
    { weight: 3, arbitrary: pick.map((p) => ({ kind: "poll" as const, pick: p })) },
    { weight: 3, arbitrary: pick.map((p) => ({ kind: "release" as const, pick: p })) },
    { weight: 2, arbitrary: pick.map((p) => ({ kind: "drop" as const, pick: p })) },
    ...(s.canForget
      ? [{ weight: 1, arbitrary: pick.map((p) => ({ kind: "forget" as const, pick: p })) }]
      : []),
    ...(s.add !== undefined
      ? [{ weight: 1, arbitrary: fc.nat(3).map((n) => ({ kind: "add" as const, n })) }]
      : []),
  );
  return fc.array(op, { maxLength: 60 });
}

function pickOf(entries: Entry[], pick: number, want: (e: Entry) => boolean): Entry | null {
  const live = entries.filter(want);
  return live.length === 0 ? null : live[pick % live.length]!;
}

/** Run `ops` on a fresh subject and the model side by side, comparing after every step. */
function check(make: () => Subject, initial: number, ops: Op[]): void {
  const s = make();
  const model = new Model(initial);
  const entries: Entry[] = [];
  for (const op of ops) {
    switch (op.kind) {
      case "acquire": {
        const task = new MockTask<unknown, FutureBase<unknown> & Disposable>(s.acquire(op.need));
        const e: Entry = { need: op.need, status: "queued", task, guard: null };
        entries.push(e);
        const r = task.poll();
        if (model.canTake(op.need)) {
          model.permits -= op.need;
          e.status = "held";
          expect(r).not.toBe(PENDING);
          e.guard = r as Entry["guard"];
        } else {
          model.line.push(e);
          expect(r).toBe(PENDING);
        }
        break;
      }
      case "try": {
        const g = s.tryTake(op.need);
        if (model.canTake(op.need)) {
          expect(g).not.toBeNull();
          model.permits -= op.need;
          entries.push({ need: op.need, status: "held", task: null, guard: g });
        } else {
          expect(g).toBeNull();
        }
        break;
      }
      case "poll": {
        const e = pickOf(entries, op.pick, (x) => x.status === "queued" || x.status === "granted");
        if (e === null) break;
        // A granted future was woken by its grant, a queued one was not.
        expect(e.task!.isWoken()).toBe(e.status === "granted");
        const r = e.task!.poll();
        if (e.status === "granted") {
          expect(r).not.toBe(PENDING);
          e.status = "held";
          e.guard = r as Entry["guard"];
        } else {
          expect(r).toBe(PENDING);
        }
        break;
      }
      case "release": {
        const e = pickOf(entries, op.pick, (x) => x.status === "held");
        if (e === null) break;
        e.guard!.release();
        expect(() => e.guard!.release()).toThrow(/released/);
        e.status = "gone";
        model.permits += e.need;
        model.serve();
        break;
      }
      case "forget": {
        const e = pickOf(entries, op.pick, (x) => x.status === "held");
        if (e === null) break;
        e.guard!.forget!();
        e.status = "gone";
        break;
      }
      case "drop": {
        const e = pickOf(entries, op.pick, (x) => x.status !== "gone");
        if (e === null) break;
        const target = (e.task?.future ?? e.guard) as Disposable;
        target[Symbol.dispose]();
        target[Symbol.dispose](); // idempotent
        if (e.status === "queued") model.line.splice(model.line.indexOf(e), 1);
        else model.permits += e.need;
        e.status = "gone";
        model.serve();
        break;
      }
      case "add": {
        if (model.permits + op.n > MAX_PERMITS) break;
        s.add!(op.n);
        model.permits += op.n;
        model.serve();
        break;
      }
    }
    expect(s.core.permits).toBe(model.permits);
    expect(s.core.queue.length).toBe(model.line.length);
    let n = s.core.queue.head;
    for (const e of model.line) {
      expect(n?.owner).toBe(e.task!.future);
      n = n!.next;
    }
  }
  // Everything dropped: every permit is back and the line is empty.
  for (const e of entries) {
    if (e.status === "gone") continue;
    ((e.task?.future ?? e.guard) as Disposable)[Symbol.dispose]();
    if (e.status !== "queued") model.permits += e.need;
  }
  expect(s.core.queue.length).toBe(0);
  expect(s.core.permits).toBe(model.permits);
}

describe("permits against a FIFO model", () => {
  it("Semaphore: acquire(n), tryAcquire, addPermits, forget, release and drop at any stage agree with the model", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4 }), fc.context(), (initial, _ctx) => {
        const make = (): Subject => {
          const sem = new Semaphore(initial);
          return {
            core: sem,
            needs: [1, 2, 3],
            acquire: (n) => sem.acquire(n),
            tryTake: (n) => sem.tryAcquire(n),
            add: (n) => sem.addPermits(n),
            canForget: true,
          };
        };
        fc.assert(
          fc.property(opsFor(make()), (ops) => check(make, initial, ops)),
          { numRuns: 20 },
        );
      }),
      { numRuns: 10, seed: 20261126 },
    );
  });

  it("Mutex: lock, tryLock, release and drop at any stage agree with a one-permit model", () => {
    const make = (): Subject => {
      const m = new Mutex(0);
      return {
        core: m,
        needs: [1],
        acquire: () => m.lock(),
        tryTake: () => m.tryLock(),
        canForget: false,
      };
    };
    fc.assert(
      fc.property(opsFor(make()), (ops) => check(make, 1, ops)),
      { numRuns: 200, seed: 7 },
    );
  });

  it("RwLock: a waiting writer holds back later readers, and every read, write, try and drop agrees with the model", () => {
    const make = (): Subject => {
      const l = new RwLock(0);
      return {
        core: l,
        needs: [1, MAX_PERMITS],
        acquire: (n) => (n === 1 ? l.read() : l.write()),
        tryTake: (n) => (n === 1 ? l.tryRead() : l.tryWrite()),
        canForget: false,
      };
    };
    fc.assert(
      fc.property(opsFor(make()), (ops) => check(make, MAX_PERMITS, ops)),
      { numRuns: 1000, seed: 11 },
    );
  });
});

type NotifyOp =
  | { kind: "create" }
  | { kind: "poll"; pick: number }
  | { kind: "drop"; pick: number }
  | { kind: "one" }
  | { kind: "waiters" };

/** A `notified()` in the model: tokio's states (Init, Waiting, Notified by one or all, Done). */
interface NotifiedEntry {
  task: MockTask<void, FutureBase<void> & Disposable>;
  madeAtCalls: number;
  status: "init" | "waiting" | "byOne" | "byAll" | "done" | "dropped";
}

describe("Notify against tokio's model", () => {
  it("notifyOne, notifyWaiters, and notified() futures created, polled and dropped in any order agree with the model", () => {
    const op: fc.Arbitrary<NotifyOp> = fc.oneof(
      { weight: 3, arbitrary: fc.constant({ kind: "create" as const }) },
      { weight: 4, arbitrary: fc.nat(20).map((p) => ({ kind: "poll" as const, pick: p })) },
      { weight: 2, arbitrary: fc.nat(20).map((p) => ({ kind: "drop" as const, pick: p })) },
      { weight: 2, arbitrary: fc.constant({ kind: "one" as const }) },
      { weight: 1, arbitrary: fc.constant({ kind: "waiters" as const }) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 50 }), (ops) => {
        const bell = new Notify();
        let permit = false;
        let calls = 0;
        const line: NotifiedEntry[] = [];
        const all: NotifiedEntry[] = [];
        const notifyOne = () => {
          const head = line.shift();
          if (head === undefined) permit = true;
          else head.status = "byOne";
        };
        for (const o of ops) {
          const live = all.filter((e) => e.status !== "done" && e.status !== "dropped");
          const chosen = "pick" in o && live.length > 0 ? live[o.pick % live.length]! : null;
          if (o.kind === "create") {
            const e: NotifiedEntry = {
              task: new MockTask<void, FutureBase<void> & Disposable>(bell.notified()),
              madeAtCalls: calls,
              status: "init",
            };
            all.push(e);
          } else if (o.kind === "one") {
            bell.notifyOne();
            notifyOne();
          } else if (o.kind === "waiters") {
            bell.notifyWaiters();
            calls++;
            for (const e of line) e.status = "byAll";
            line.length = 0;
          } else if (o.kind === "poll" && chosen !== null) {
            const woken = chosen.task.isWoken();
            const r = chosen.task.poll();
            if (chosen.status === "init") {
              // A notifyWaiters since it was made counts; else a stored permit is consumed.
              if (chosen.madeAtCalls !== calls) chosen.status = "done";
              else if (permit) {
                permit = false;
                chosen.status = "done";
              } else {
                chosen.status = "waiting";
                line.push(chosen);
              }
            } else if (chosen.status === "byOne" || chosen.status === "byAll") {
              expect(woken).toBe(true);
              chosen.status = "done";
            } else {
              expect(woken).toBe(false);
            }
            expect(r === PENDING).toBe(chosen.status === "waiting");
          } else if (o.kind === "drop" && chosen !== null) {
            chosen.task.future[Symbol.dispose]();
            if (chosen.status === "waiting") line.splice(line.indexOf(chosen), 1);
            // A notifyOne it never claimed is passed on; a notifyWaiters is not.
            const pass = chosen.status === "byOne";
            chosen.status = "dropped";
            if (pass) notifyOne();
          }
          expect(bell.permit).toBe(permit);
          expect(bell.queue.length).toBe(line.length);
          let n = bell.queue.head;
          for (const e of line) {
            expect(n?.owner).toBe(e.task.future);
            n = n!.next;
          }
        }
        for (const e of all) e.task.future[Symbol.dispose]();
        expect(bell.queue.length).toBe(0);
      }),
      { numRuns: 400, seed: 42 },
    );
  });
});
