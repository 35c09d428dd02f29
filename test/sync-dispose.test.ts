/**
 * Disposal at every point, for every primitive whose waiters queue behind each other: a victim
 * task waits, a witness task waits behind it, and the victim is aborted (its future dropped) at
 * one of four points: before its first poll, while queued, after it was granted but before it was
 * polled again, or after it completed. Whatever the point, the witness must still get what it
 * waits for (nothing swallowed), and the runtime's live waiter count must fall back to zero.
 */
import { describe, expect, it } from "vitest";
import * as mpsc from "../src/channel/mpsc.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import type { Future } from "../src/future/future.js";
import { Runtime } from "../src/runtime/runtime.js";
import { Mutex } from "../src/sync/mutex.js";
import { Notify } from "../src/sync/notify.js";
import { RwLock } from "../src/sync/rw-lock.js";
import { Semaphore } from "../src/sync/semaphore.js";

interface Case {
  /** A future that waits (and releases whatever it got before it ends). */
  wait(tag: string): Future<unknown>;
  /** Make one waiter able to go on. */
  give(): void;
  /** Whether what `give` provides is used up by the waiter that gets it (else it is given back). */
  consumable: boolean;
  /** Extra checks at the end: `victimDone` says whether the victim completed. */
  check?(victimDone: boolean): void;
}

const cases: Record<string, () => Case> = {
  "Mutex.lock()": () => {
    const m = new Mutex(0);
    const holder = m.tryLock()!;
    return {
      wait: () =>
        asyncBlock(function* () {
          using g = yield* m.lock();
          g.value++;
        }),
      give: () => holder.release(),
      consumable: false,
      check: (victimDone) => expect(m.tryLock()!.value).toBe(victimDone ? 2 : 1),
    };
  },
  "RwLock.write()": () => {
    const l = new RwLock(0);
    const reader = l.tryRead()!;
    return {
      wait: () =>
        asyncBlock(function* () {
          using w = yield* l.write();
          w.value++;
        }),
      give: () => reader.release(),
      consumable: false,
      check: () => expect(l.tryWrite()).not.toBeNull(),
    };
  },
  "Semaphore.acquire(2)": () => {
    const s = new Semaphore(0);
    let given = 0;
    return {
      wait: () =>
        asyncBlock(function* () {
          using _p = yield* s.acquire(2);
        }),
      give: () => {
        if (given++ === 0) s.addPermits(2);
      },
      consumable: false,
      check: () => expect(s.availablePermits()).toBe(2),
    };
  },
  "Notify.notified()": () => {
    const n = new Notify();
    return {
      wait: () => n.notified(),
      give: () => n.notifyOne(),
      consumable: true,
      // Every notification went to a waiter that completed: none is left stored.
      check: () => expect(n.permit).toBe(false),
    };
  },
  "mpsc Sender.send()": () => {
    const [tx, rx] = mpsc.channel<string>(1);
    tx.trySend("filler");
    const received: string[] = [];
    return {
      wait: (tag) => tx.send(tag),
      give: () => received.push(rx.tryRecv()!),
      consumable: true,
      check: (victimDone) => {
        let m: string | undefined;
        while ((m = rx.tryRecv()) !== undefined) received.push(m);
        expect(received).toEqual(
          victimDone ? ["filler", "victim", "witness"] : ["filler", "witness"],
        );
      },
    };
  },
  "mpsc Sender.reserve()": () => {
    const [tx, rx] = mpsc.channel<string>(1);
    tx.trySend("filler");
    return {
      wait: () =>
        asyncBlock(function* () {
          using _p = yield* tx.reserve();
        }),
      give: () => void rx.tryRecv(),
      consumable: false,
      check: () => expect(tx.capacity()).toBe(1),
    };
  },
};

const turn = () => new Promise<void>((r) => setImmediate(r));

const POINTS = [
  "before its first poll",
  "while queued",
  "after it was granted",
  "after it completed",
];

describe("disposal at every point releases everything", () => {
  for (const [name, make] of Object.entries(cases)) {
    POINTS.forEach((point, p) => {
      it(`${name}: the victim dropped ${point}, the witness behind it still goes on, and no waiter is left`, async () => {
        const rt = new Runtime();
        const c = make();
        const victim = rt.spawn(c.wait("victim"), { name: "victim" });
        if (p === 0) victim.abort();
        await turn();
        const witness = rt.spawn(c.wait("witness"), { name: "witness" });
        await turn();
        expect(rt.metrics().liveWaiters).toBe(p === 0 ? 1 : 2);
        if (p === 1) victim.abort();
        c.give();
        if (p === 2) victim.abort(); // granted in give(), not yet polled
        let victimDone = false;
        if (p === 3) {
          await victim;
          victimDone = true;
          if (c.consumable) c.give();
        }
        await witness;
        await rt.shutdown();
        expect(rt.metrics().liveWaiters).toBe(0);
        c.check?.(victimDone);
      });
    });
  }
});
