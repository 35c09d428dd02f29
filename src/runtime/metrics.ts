/**
 * Runtime metrics: the manager's clipboard. Plain counters kept by the executor as it works; reading
 * them costs a snapshot object, keeping them costs an increment.
 */

/** A snapshot of a runtime's counters. */
export interface RuntimeMetrics {
  /** Tasks spawned and not yet complete. */
  liveTasks: number;
  /** Tasks ever spawned. */
  spawnedTotal: number;
  /** Task polls ever made. */
  pollsTotal: number;
  /** Tasks waiting in the run queue now. */
  queueDepth: number;
  /** Timers armed and not yet fired or cancelled. */
  liveTimers: number;
  /** Bridged promises in flight. */
  pendingBridges: number;
  /** Futures parked in a sync primitive's or channel's waiter queue (src/sync/waiter.ts). */
  liveWaiters: number;
  /**
   * Waits on an outside event source open now: a read, a write waiting for drain, an accept, an
   * event (src/stream/source-wait.ts). 0 once every such future has been woken or dropped.
   */
  ioWaits: number;
  /**
   * Times the executor gave Node's event loop a turn: work remained after a slice of turns, or
   * turns chained through microtasks (another runtime's wakes, resolved promises) had held it as
   * long.
   */
  eventLoopYields: number;
  /** Task polls cut short by the cooperative budget. */
  budgetForcedYields: number;
}
