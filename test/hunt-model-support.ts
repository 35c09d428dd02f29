/**
 * Model-based hunt, the programs: random trees of recipe cards for the paused clock, and the
 * errors they end with. Not a test file itself; hunt-model-oracle.ts says what each program must
 * do, hunt-model-run.ts runs it and watches.
 *
 * Leaves are kitchen timers (`sleep`, and `reset`: a sleep another task moves with `Sleep.reset`
 * at a chosen time), plated dishes (`ready`), dishes that never come
 * (`pending`), a dish that burns after a while (`throw`), a dish whose cleaning-up takes time
 * (`slowCleanup`: a `finally` that awaits a sleep; `badCleanup` throws after that sleep: a panic
 * during drop) and an order slip passed from another chef (`recv` on an mpsc or oneshot channel,
 * sent at a chosen time by a spawned task). Inner nodes are the combinators, `timeout`, an async
 * fn that awaits its children in sequence with try/catch/finally (`seq`, which may make them all
 * ahead: `eager`), `spawn` + `yield* handle`, `handle.abort()` at a chosen time (`spawnAbort`),
 * and `JoinSet` (whose first member may be aborted through its AbortHandle).
 */
import fc from "fast-check";
import { JoinError } from "../src/task/join-error.js";
import { TimeoutError } from "../src/time/timeout.js";

// Programs

/** A program's tree, as generated (ids are given afterwards by `number`). */
export type Shape =
  | { t: "sleep"; ms: number }
  | { t: "reset"; ms: number; at: number; to: number }
  | { t: "ready" }
  | { t: "pending" }
  | { t: "throw"; ms: number }
  | { t: "slowCleanup"; ms: number; cms: number }
  | { t: "badCleanup"; ms: number; cms: number }
  | { t: "recv"; ch: "mpsc" | "oneshot"; at: number }
  | { t: "join" | "tryJoin" | "joinAll"; kids: Shape[] }
  | { t: "joinSet"; abortFirst: number; take: Take; kids: Shape[] }
  | { t: "select"; biased: boolean; finishRest: boolean; kids: [Shape, Shape] }
  | { t: "selectAll" | "race"; biased: boolean; kids: Shape[] }
  | { t: "timeout"; ms: number; kids: [Shape] }
  | { t: "seq"; catches: Catches; fin: number; eager: boolean; kids: Shape[] }
  | { t: "spawn"; kids: [Shape] }
  | { t: "spawnAbort"; at: number; kids: [Shape] };

/**
 * How a `seq` catches: not at all, around the whole loop (the first error ends it with
 * `{ values, caught }`), or around each await (a caught error is a value and the loop goes on).
 */
export type Catches = "none" | "all" | "each";

/**
 * How a `joinSet` takes its members' outcomes: a `joinNext()` loop, `joinAll()`, or none: it
 * sleeps that many ms and calls `shutdown()`, or lets them go on their own (`detachAll()`).
 */
export type Take = "loop" | "joinAll" | "detach" | number;

/** A node of a numbered program: `id` names its value, its error and its `finally`. */
export type Node = Shape & { id: number };

/**
 * The children of a numbered node.
 *
 * @example
 * ```ts
 * for (const k of kidsOf(node)) visit(k);
 * ```
 */
export function kidsOf(n: Node): Node[] {
  return ("kids" in n ? n.kids : []) as Node[];
}

/**
 * Number the nodes depth first; returns the root and the node count.
 *
 * @example
 * ```ts
 * const { root, count } = number({ t: "race", biased: false, kids: [{ t: "ready" }] }); // count 2
 * ```
 */
export function number(shape: Shape): { root: Node; count: number } {
  let next = 0;
  const walk = (s: Shape): Node => {
    const id = next++;
    const kids = "kids" in s ? s.kids.map(walk) : undefined;
    return { ...s, id, ...(kids === undefined ? {} : { kids }) } as Node;
  };
  const root = walk(shape);
  return { root, count: next };
}

/**
 * Short, readable form of a program, for failure reports.
 *
 * @example
 * ```ts
 * show({ t: "timeout", ms: 5, kids: [{ t: "sleep", ms: 9 }] }); // "timeout(5, sleep(9))"
 * ```
 */
export function show(n: Node | Shape): string {
  const kids = "kids" in n && n.kids ? `(${(n.kids as Shape[]).map(show).join(", ")})` : "";
  switch (n.t) {
    case "sleep":
    case "throw":
      return `${n.t}(${n.ms})`;
    case "reset":
      return `sleep(${n.ms}, reset at ${n.at} to ${n.to} ms on)`;
    case "slowCleanup":
    case "badCleanup":
      return `${n.t}(${n.ms}, finally ${n.cms})`;
    case "recv":
      return `recv.${n.ch}(sent at ${n.at})`;
    case "select":
      return `select${n.biased ? ".biased" : ""}${n.finishRest ? "+rest" : ""}${kids}`;
    case "selectAll":
    case "race":
      return `${n.t}${n.biased ? ".biased" : ""}${kids}`;
    case "timeout":
      return `timeout(${n.ms}, ${kids.slice(1, -1)})`;
    case "seq":
      return `seq${n.eager ? "+eager" : ""}${n.catches === "none" ? "" : `+catch-${n.catches}`}${n.fin >= 0 ? `+finally(${n.fin})` : ""}${kids}`;
    case "spawnAbort":
      return `spawnAbort(at ${n.at}, ${kids.slice(1, -1)})`;
    case "joinSet":
      return `joinSet${typeof n.take === "number" ? `+shutdownAt(${n.take})` : n.take === "loop" ? "" : `+${n.take}`}${n.abortFirst >= 0 ? `+abortFirst(${n.abortFirst})` : ""}${kids}`;
    default:
      return `${n.t}${kids}`;
  }
}

/** Mostly a few ms; now and then across a level of the timer wheel (64 ms, 4,096 ms). */
const ms = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 12 }) },
  { weight: 1, arbitrary: fc.integer({ min: 60, max: 70 }) },
  { weight: 1, arbitrary: fc.integer({ min: 4090, max: 4100 }) },
);

/**
 * Random programs, at most `depth` levels of inner nodes.
 *
 * @example
 * ```ts
 * fc.assert(fc.asyncProperty(shapeArb(4), async (shape) => check(number(shape))));
 * ```
 */
export function shapeArb(depth: number): fc.Arbitrary<Shape> {
  const leaf: fc.Arbitrary<Shape> = fc.oneof(
    { weight: 5, arbitrary: ms.map((v) => ({ t: "sleep" as const, ms: v })) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(ms, fc.integer({ min: 1, max: 12 }), ms)
        .map(([a, at, to]) => ({ t: "reset" as const, ms: a, at, to })),
    },
    { weight: 2, arbitrary: fc.constant({ t: "ready" as const }) },
    { weight: 1, arbitrary: fc.constant({ t: "pending" as const }) },
    { weight: 2, arbitrary: ms.map((v) => ({ t: "throw" as const, ms: v })) },
    {
      weight: 3,
      arbitrary: fc
        .tuple(ms, fc.integer({ min: 0, max: 6 }))
        .map(([a, b]) => ({ t: "slowCleanup" as const, ms: a, cms: b })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(ms, fc.integer({ min: 0, max: 6 }))
        .map(([a, b]) => ({ t: "badCleanup" as const, ms: a, cms: b })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom("mpsc" as const, "oneshot" as const), ms)
        .map(([ch, at]) => ({ t: "recv" as const, ch, at })),
    },
  );
  const tree = fc.letrec<{ node: Shape }>((tie) => {
    const kid = () => tie("node");
    const kids = (min: number, max: number) => fc.array(kid(), { minLength: min, maxLength: max });
    return {
      node: fc.oneof(
        { depthSize: "medium", maxDepth: depth, withCrossShrink: true },
        leaf,
        fc
          .tuple(
            fc.constantFrom("join" as const, "tryJoin" as const, "joinAll" as const),
            kids(1, 3),
          )
          .map(([t, k]) => ({ t, kids: k })),
        fc.tuple(fc.boolean(), fc.boolean(), kid(), kid()).map(([biased, finishRest, a, b]) => ({
          t: "select" as const,
          biased,
          finishRest,
          kids: [a, b] as [Shape, Shape],
        })),
        fc
          .tuple(fc.constantFrom("selectAll" as const, "race" as const), fc.boolean(), kids(1, 3))
          .map(([t, biased, k]) => ({ t, biased, kids: k })),
        fc
          .tuple(ms, kid())
          .map(([v, k]) => ({ t: "timeout" as const, ms: v, kids: [k] as [Shape] })),
        fc
          .tuple(
            fc.constantFrom<Catches>("none", "all", "each"),
            fc.integer({ min: -1, max: 5 }),
            fc.boolean(),
            kids(1, 3),
          )
          .map(([catches, fin, eager, k]) => ({ t: "seq" as const, catches, fin, eager, kids: k })),
        kid().map((k) => ({ t: "spawn" as const, kids: [k] as [Shape] })),
        fc
          // Not at 0: the aborter and the task would start together (a tie every time).
          .tuple(
            ms.map((v) => Math.max(v, 1)),
            kid(),
          )
          .map(([at, k]) => ({ t: "spawnAbort" as const, at, kids: [k] as [Shape] })),
        fc
          .tuple(
            fc.oneof(fc.constant(-1), fc.integer({ min: 1, max: 12 })),
            fc.oneof(
              fc.constantFrom<Take>("loop", "joinAll", "detach"),
              fc.integer({ min: 1, max: 12 }),
            ),
            kids(1, 3),
          )
          .map(([abortFirst, take, k]) => ({ t: "joinSet" as const, abortFirst, take, kids: k })),
      ),
    };
  });
  return tree.node;
}

// ---------------------------------------------------------------------------------------------
// Outcomes

/** An error as the model names it. */
export type Err =
  | { e: "leaf"; id: number }
  | { e: "timeout" }
  | { e: "cleanup"; id: number }
  | { e: "panic"; cause: Err }
  | { e: "cancelled" }
  | { e: "all"; errors: Err[] }
  | { e: "other"; name: string; message: string };

/** A program's outcome: its value, the error it threw, or `hang` (main waits for ever). */
export type Outcome = { ok: unknown } | { err: Err } | { hang: true };

/** A dish that burnt: the error of a `throw` leaf. */
export class LeafError extends Error {
  override name = "LeafError";
  constructor(readonly id: number) {
    super(`leaf ${id} threw`);
  }
}

/** A panic during drop: what the `finally` of a `badCleanup` throws once its sleep is over. */
export class CleanupError extends Error {
  override name = "CleanupError";
  constructor(readonly id: number) {
    super(`the cleanup of ${id} threw`);
  }
}

/**
 * An AggregateError's errors are compared as a set: which child threw first is the poll order's.
 *
 * @example
 * ```ts
 * allOf([{ e: "timeout" }, { e: "leaf", id: 2 }]); // the same as allOf([{ e: "leaf", id: 2 }, { e: "timeout" }])
 * ```
 */
export function allOf(errors: Err[]): Err {
  // Nested groups are flattened: how the teardown of a tree groups its errors is the tree's
  // shape, what must hold is that every one of them is there, once.
  const flat = errors.flatMap((e) => (e.e === "all" ? e.errors : [e]));
  return { e: "all", errors: flat.sort((a, b) => (key(a) < key(b) ? -1 : 1)) };
}

/**
 * One error for several: itself when alone, else all of them (an AggregateError).
 *
 * @example
 * ```ts
 * combine([{ e: "timeout" }]); // { e: "timeout" }
 * ```
 */
export function combine(errors: Err[]): Err {
  return errors.length === 1 ? errors[0]! : allOf(errors);
}

function key(e: Err): string {
  return JSON.stringify(e);
}

/**
 * What an error thrown by a program is, in the model's terms.
 *
 * @example
 * ```ts
 * describeError(new LeafError(3)); // { e: "leaf", id: 3 }
 * ```
 */
export function describeError(e: unknown): Err {
  if (e instanceof LeafError) return { e: "leaf", id: e.id };
  if (e instanceof TimeoutError) return { e: "timeout" };
  if (e instanceof CleanupError) return { e: "cleanup", id: e.id };
  if (e instanceof JoinError) {
    return e.isCancelled() ? { e: "cancelled" } : { e: "panic", cause: describeError(e.cause) };
  }
  if (e instanceof AggregateError) return allOf(e.errors.map(describeError));
  const err = e as Error;
  return { e: "other", name: String(err?.name), message: String(err?.message ?? e) };
}
