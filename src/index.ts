/**
 * Brigade: Rust's async model in TypeScript. Lazy futures that are polled, wakers, tasks, an
 * executor and a reactor, with join/select, timers, sync primitives and channels.
 */

export { type JoinOutput, join, tryJoin } from "./combinator/join.js";
export { joinAll } from "./combinator/join-all.js";
export { race, type Selected, type SelectedAll, select, selectAll } from "./combinator/select.js";
export { asyncBlock, asyncFn } from "./coroutine/async-fn.js";
export { Coroutine } from "./coroutine/coroutine.js";
export { CANCEL, type Cancellable, type Cleanup } from "./future/cancel.js";
export { Context } from "./future/context.js";
export { FutureStateError } from "./future/errors.js";
export { fromPromise } from "./future/from-promise.js";
export {
  type DisposableFuture,
  type Future,
  FutureBase,
  isFuture,
  type Suspend,
} from "./future/future.js";
export { pending, pollFn, ready } from "./future/leaf.js";
export { isPending, PENDING, type Poll } from "./future/poll.js";
export { Waker } from "./future/waker.js";
export type { RuntimeMetrics } from "./runtime/metrics.js";
export type { RunOptions, RuntimeOptions, UnhandledPanic } from "./runtime/options.js";
export { Runtime, run } from "./runtime/runtime.js";
export { pollProceed } from "./task/budget.js";
export { JoinError } from "./task/join-error.js";
export { AbortHandle, JoinHandle } from "./task/join-handle.js";
export { JoinSet } from "./task/join-set.js";
export { type SpawnOptions, spawn } from "./task/spawn.js";
export { yieldNow } from "./task/yield-now.js";
export { sleep } from "./time/sleep.js";
