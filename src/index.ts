/**
 * Brigade: Rust's async model in TypeScript. Lazy futures that are polled, wakers, tasks, an
 * executor and a reactor, with join/select, timers, sync primitives and channels.
 */

export * as broadcast from "./channel/broadcast.js";
export {
  ChannelClosedError,
  RecvLaggedError,
  SendError,
  TrySendError,
} from "./channel/errors.js";
export * as mpsc from "./channel/mpsc.js";
export * as oneshot from "./channel/oneshot.js";
export * as watch from "./channel/watch.js";
export { type JoinOutput, join, tryJoin } from "./combinator/join.js";
export { joinAll } from "./combinator/join-all.js";
export {
  type RaceWinner,
  race,
  type Selected,
  type SelectedAll,
  select,
  selectAll,
} from "./combinator/select.js";
export { asyncBlock, asyncFn } from "./coroutine/async-fn.js";
export { Coroutine } from "./coroutine/coroutine.js";
export { Bridge, type BridgeKind, openBridge } from "./future/bridge.js";
export {
  CANCEL,
  type Cancellable,
  type Cleanup,
  cancel,
  cancelAll,
  drop,
  dropAll,
  OWNED,
} from "./future/cancel.js";
export { Context } from "./future/context.js";
export {
  type AwaitNode,
  DESCRIBE,
  type Describable,
  type Description,
  type WaitedTask,
  type WaitsOn,
} from "./future/describe.js";
export { FutureStateError } from "./future/errors.js";
export { fromPromise } from "./future/from-promise.js";
export {
  type DisposableFuture,
  type Future,
  FutureBase,
  type FutureOutput,
  isFuture,
  type Suspend,
} from "./future/future.js";
export { Held, hold } from "./future/hold.js";
export { pending, pollFn, ready } from "./future/leaf.js";
export { isPending, PENDING, type Poll } from "./future/poll.js";
export { Waker } from "./future/waker.js";
export { DeadlockError, type WaitingTask } from "./runtime/deadlock.js";
export type { TaskDump, TaskSnapshot } from "./runtime/dump.js";
export type {
  InstrumentListener,
  PollResult,
  RuntimeEvent,
  TaskOutcome,
  WakeSource,
} from "./runtime/events.js";
export { type ShutdownOptions, ShutdownTimeoutError } from "./runtime/lifecycle.js";
export type { RuntimeMetrics } from "./runtime/metrics.js";
export type {
  RunOptions,
  RuntimeOptions,
  RuntimeWarning,
  UnhandledPanic,
} from "./runtime/options.js";
export type { TaskStats } from "./runtime/probe.js";
export { Runtime, run } from "./runtime/runtime.js";
export {
  type TraceEvent,
  type TraceFile,
  traceEvents,
} from "./runtime/trace.js";
export type { BlockedLoopReport, WatchdogOptions } from "./runtime/watchdog.js";
export {
  assertStream,
  CLAIM,
  claimFrom,
  type DelayKey,
  DelayQueue,
  DONE,
  type EventSource,
  type EventStream,
  type Expired,
  empty,
  type FromEventOptions,
  FuturesUnordered,
  fromAsyncIterable,
  fromEvent,
  intervalStream,
  isStream,
  iter,
  Next,
  once,
  type PollReceiver,
  type ReceiverStreamOptions,
  receiverStream,
  type ScanStep,
  type Stream,
  StreamBase,
  StreamMap,
  type StreamPoll,
  streamPollFn,
  type ToAsyncIterableOptions,
  toAsyncIterable,
  type UnfoldStep,
  unfold,
  WITHDRAW,
  withdrawFrom,
} from "./stream/index.js";
export { Barrier, type BarrierWaitResult } from "./sync/barrier.js";
export { CancellationToken, type DropGuard } from "./sync/cancellation-token.js";
export { AcquireError, ReleasedError } from "./sync/errors.js";
export { Mutex, type MutexGuard, type MutexOptions } from "./sync/mutex.js";
export type { NameOptions } from "./sync/name-option.js";
export { Notify } from "./sync/notify.js";
export { OnceCell } from "./sync/once-cell.js";
export {
  RwLock,
  type RwLockOptions,
  type RwLockReadGuard,
  type RwLockWriteGuard,
} from "./sync/rw-lock.js";
export { Semaphore, type SemaphorePermit } from "./sync/semaphore.js";
export { pollProceed } from "./task/budget.js";
export { JoinError } from "./task/join-error.js";
export { AbortHandle, JoinHandle } from "./task/join-handle.js";
export { JoinSet } from "./task/join-set.js";
export { RuntimeStateError } from "./task/runtime-state-error.js";
export { type SpawnOptions, spawn } from "./task/spawn.js";
export { TaskLocal } from "./task/task-local.js";
export { TaskTracker, TaskTrackerToken } from "./task/task-tracker.js";
export { yieldNow } from "./task/yield-now.js";
export type { ClockKind } from "./time/clock.js";
export { time } from "./time/control.js";
export { Instant } from "./time/instant.js";
export { Interval, interval, intervalAt, MissedTickBehavior } from "./time/interval.js";
export { Sleep, sleep, sleepUntil } from "./time/sleep.js";
export { TimeoutError, timeout, timeoutAt } from "./time/timeout.js";
