/**
 * Bug hunt: every combinator against a model of ownership. Children finish (with a value that
 * holds something), throw, or never finish, at random polls; the combinator may be dropped at any
 * point. Whatever happens: no child is polled after it finished or was dropped, a child that
 * finished is never dropped (a lock future is its own guard), every child that did not finish is
 * dropped exactly once by the end, and every value is disposed exactly once unless it reached the
 * caller, then never.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { join, tryJoin } from "../src/combinator/join.js";
import { joinAll } from "../src/combinator/join-all.js";
import { race, select, selectAll } from "../src/combinator/select.js";
import { OWNED } from "../src/future/cancel.js";
import type { Context } from "../src/future/context.js";
import { FutureBase } from "../src/future/future.js";
import { PENDING, type Poll } from "../src/future/poll.js";
import { MockTask } from "./future-testkit.js";

/** A value that holds something and has one owner (OWNED), counting its disposals. */
class Held implements Disposable {
  readonly [OWNED] = true;
  disposed = 0;
  [Symbol.dispose](): void {
    this.disposed++;
  }
}

/** What a child does: finish or throw once `at` steps have passed, or never (`at` = -1). */
interface Script {
  at: number;
  fails: boolean;
}

/** A child that follows its script, counts its drops, and fails the test on a poll it must not get. */
class Child extends FutureBase<Held> implements Disposable {
  drops = 0;
  finished = false;
  readonly value = new Held();
  private step = 0;
  private waker: { wake(): void } | null = null;

  constructor(readonly script: Script) {
    super();
  }

  /** One step of time passes; the child wakes its poller when its moment comes. */
  tick(): void {
    this.step++;
    if (this.step === this.script.at) {
      const w = this.waker;
      this.waker = null;
      w?.wake();
    }
  }

  poll(cx: Context): Poll<Held> {
    if (this.finished) throw new Error("a child was polled after it finished");
    if (this.drops > 0) throw new Error("a child was polled after it was dropped");
    if (this.script.at < 0 || this.step < this.script.at) {
      this.waker = cx.waker;
      return PENDING;
    }
    this.finished = true;
    if (this.script.fails) throw new Error("child failed");
    return this.value;
  }

  [Symbol.dispose](): void {
    this.drops++;
    this.waker = null;
  }
}

const scriptArb: fc.Arbitrary<Script> = fc.record({
  at: fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 6 })),
  fails: fc.boolean(),
});

type Kind = "join" | "tryJoin" | "joinAll" | "race" | "race.biased" | "select" | "selectAll";
const kinds: Kind[] = ["join", "tryJoin", "joinAll", "race", "race.biased", "select", "selectAll"];

function combine(kind: Kind, cs: Child[]): FutureBase<unknown> & Disposable {
  switch (kind) {
    case "join":
      return join(...cs);
    case "tryJoin":
      return tryJoin(...cs);
    case "joinAll":
      return joinAll(cs);
    case "race":
      return race(...cs);
    case "race.biased":
      return race.biased(...cs);
    case "select":
      return select(cs[0]!, cs[1]!);
    default:
      return selectAll(cs);
  }
}

/** The values that reached the caller in the combinator's output. */
function handedOver(kind: Kind, out: unknown): Held[] {
  if (kind === "race" || kind === "race.biased") return [out as Held];
  if (kind === "select" || kind === "selectAll") {
    const r = out as { value: Held } & Disposable;
    // The caller takes the winner and drops the rest.
    r[Symbol.dispose]();
    return [r.value];
  }
  return out as Held[];
}

describe("combinators against an ownership model", () => {
  it("children finish, throw or hang at random polls, the combinator may be dropped half way: every child and value is released exactly once, or handed over", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...kinds),
        fc.array(scriptArb, { minLength: 2, maxLength: 5 }),
        fc.integer({ min: 0, max: 8 }),
        (kind, scripts, dropAfter) => {
          const children = (kind === "select" ? scripts.slice(0, 2) : scripts).map(
            (s) => new Child(s),
          );
          const combined = combine(kind, children);
          const task = new MockTask(combined);
          let out: unknown = PENDING;
          let threw = false;
          for (let step = 0; step <= dropAfter && out === PENDING && !threw; step++) {
            try {
              out = task.poll();
            } catch (e) {
              expect((e as Error).message).toMatch(/child failed|futures in .* threw/);
              threw = true;
            }
            for (const c of children) c.tick();
          }
          // Done with it: the owner drops the combinator (again, after it finished or threw).
          combined[Symbol.dispose]();
          const given = out === PENDING || threw ? [] : handedOver(kind, out);
          for (const c of children) {
            if (c.finished) expect(c.drops).toBe(0);
            else expect(c.drops).toBe(1);
            // A value is disposed once if a child gave it and it never reached the caller.
            const gaveValue = c.finished && !c.script.fails;
            const kept = gaveValue && !given.includes(c.value);
            expect(c.value.disposed).toBe(kept ? 1 : 0);
          }
        },
      ),
      { numRuns: 1500 },
    );
  });
});
